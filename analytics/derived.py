"""Derived figures decided in one place: how each indicator's change is stated, and on what base.

The statistics office never states a percent change against a zero or negative base; a balance
(trade, budget) is stated by its sign ("xuất siêu" / "nhập siêu", "thặng dư" / "bội chi"); a rate
in per cent changes in percentage points ("điểm phần trăm"); a growth rate is not averaged over a
quarter, 6 or 9 months but recomputed from the period totals of its base series. The summary,
reports, narrative, briefings and alerts all ask here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import polars as pl

from analytics.catalog import catalog

PERCENT = "percent"
"""Levels (flows, stocks, indices, rates in other units): change in per cent of a positive base."""
POINTS = "points"
"""Rates in per cent: change in percentage points."""
BALANCE = "balance"
"""A difference of two flows (trade, budget): stated by its sign, never as a percent change."""
GROWTH = "growth"
"""A growth rate (``pct_change``): the figure is itself a change; its own change is not stated."""


def formula(meta: Mapping[str, Any]) -> tuple[str, list[str]]:
    """An indicator's derivation from the catalog ("yoy(CPI)" -> ("yoy", ["CPI"])); ("", []) if none."""
    text = str(meta.get("formula") or "").replace(" ", "")
    m = re.fullmatch(r"(\w+)\(([\w,]+)\)", text)
    return (m.group(1), m.group(2).split(",")) if m else ("", [])


def change_kind(meta: Mapping[str, Any]) -> str:
    """How a change of this indicator is stated: PERCENT, POINTS, BALANCE or GROWTH."""
    if formula(meta)[0] == "diff":
        return BALANCE
    if meta["measure"] == "pct_change":
        return GROWTH
    if meta["measure"] == "rate" and str(meta["unit_vi"]).startswith("%"):
        return POINTS
    return PERCENT


def change_kinds() -> dict[str, str]:
    """Every catalog indicator's change kind, by code."""
    return {r["code"]: change_kind(r) for r in catalog().indicators.to_dict("records")}


def pct_change(value: float | None, base: float | None) -> float | None:
    """Percent change of ``value`` on ``base``; None unless both are finite and the base positive."""
    if value is None or base is None or not (math.isfinite(value) and math.isfinite(base)):
        return None
    return 100.0 * (value / base - 1.0) if base > 0 else None


def change(value: float | None, base: float | None, kind: str) -> float | None:
    """The change of ``value`` on ``base`` as ``kind`` states it (None where it states none)."""
    if kind == PERCENT:
        return pct_change(value, base)
    if kind == POINTS and value is not None and base is not None:
        return value - base
    return None


def pct_change_expr(value: pl.Expr, base: pl.Expr) -> pl.Expr:
    """:func:`pct_change` over polars columns."""
    return pl.when(base > 0).then(100.0 * (value / base - 1.0))


def change_expr(value: pl.Expr, base: pl.Expr, kind: pl.Expr) -> pl.Expr:
    """:func:`change` over polars columns, with ``kind`` a column of change kinds."""
    return (
        pl.when(kind == PERCENT)
        .then(pct_change_expr(value, base))
        .when(kind == POINTS)
        .then(value - base)
    )


def kind_expr(indicator: str = "indicator") -> pl.Expr:
    """A column of each row's change kind, looked up by its indicator code."""
    return pl.col(indicator).replace_strict(change_kinds(), default=PERCENT, return_dtype=pl.Utf8)
