"""Errors a user can cause, each with a one-line message in Vietnamese and English."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class NrisError(Exception):
    """A user-facing error: one line in Vietnamese, then the same in English."""

    def __init__(self, vi: str, en: str) -> None:
        self.vi = vi
        self.en = en
        super().__init__(f"{vi} | {en}")


class CatalogError(NrisError):
    """The catalog files are inconsistent (bad enum, duplicate or unknown reference)."""


class UnknownCodeError(NrisError, KeyError):
    """An indicator, area, agency or regime code that the catalog does not know."""

    def __str__(self) -> str:  # KeyError would quote the message
        return Exception.__str__(self)


class StoreError(NrisError):
    """The store is missing, empty or locked for too long."""


def unknown_code(kind_vi: str, kind_en: str, code: str, valid: Iterable[str]) -> UnknownCodeError:
    """An UnknownCodeError that lists the nearest valid codes, or a few valid ones and how many
    there are when none is near (they are then examples, not suggestions)."""
    valid = list(valid)
    near = difflib.get_close_matches(str(code).upper(), [v.upper() for v in valid], n=5, cutoff=0.4)
    by_upper = {v.upper(): v for v in valid}
    if near:
        hint = ", ".join(by_upper[n] for n in near)
        return UnknownCodeError(
            f"Không có {kind_vi} '{code}'; mã gần nhất: {hint}",
            f"unknown {kind_en} '{code}'; nearest valid codes: {hint}",
        )
    some = ", ".join(sorted(valid)[:5]) + (", ..." if len(valid) > 5 else "")
    return UnknownCodeError(
        f"Không có {kind_vi} '{code}' và không có mã nào gần giống; {len(valid)} mã hợp lệ: {some}",
        f"unknown {kind_en} '{code}', and no valid code is close to it; {len(valid)} valid codes: "
        f"{some}",
    )
