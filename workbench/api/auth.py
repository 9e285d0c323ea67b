"""Who is calling: the agency and role a Bearer token (or the officers' page cookie) names.

Identity comes only from the token. No, wrong, expired or revoked token: 401. A token over its rate
(``$NRIS_API_RATE``, requests/seconds, default 600/60) gets 429 with ``Retry-After``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from fastapi import HTTPException, Request

from analytics.errors import NrisError
from workbench.api import tokens

COOKIE = "nris_token"
RANK = {"reader": 0, "submitter": 1, "admin": 2}


@dataclass(frozen=True)
class Identity:
    """The authenticated caller."""

    agency: str
    role: str
    token_id: str

    @property
    def source(self) -> str:
        """The audit table's ``source`` for this caller's attempts."""
        return f"api: token {self.token_id}"

    def may(self, role: str) -> bool:
        return RANK[self.role] >= RANK[role]


def rate() -> tuple[int, int]:
    """(requests, seconds) from ``$NRIS_API_RATE`` ('600/60')."""
    text = os.environ.get("NRIS_API_RATE", "600/60")
    try:
        n, _, per = text.partition("/")
        out = int(n), int(per or 60)
        if out[0] <= 0 or out[1] <= 0:
            raise ValueError(text)
        return out
    except ValueError:
        raise NrisError(
            f"NRIS_API_RATE '{text}' không hợp lệ (vd 600/60)",
            f"NRIS_API_RATE '{text}' is invalid (e.g. 600/60)",
        ) from None


def unauthorized(vi: str, en: str) -> HTTPException:
    return HTTPException(
        401, detail={"vi": vi, "en": en}, headers={"WWW-Authenticate": 'Bearer realm="nris"'}
    )


def token_text(request: Request) -> str | None:
    """The token sent as ``Authorization: Bearer ...`` (the API never takes the page's cookie, so
    another site cannot make a browser submit with it)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def authenticate(text: str | None) -> Identity:
    """The identity ``text`` names, rate-counted; raises 401 or 429."""
    if not text:
        raise unauthorized(
            "thiếu mã truy cập (Authorization: Bearer)", "no token (Authorization: Bearer)"
        )
    token = tokens.verify(text)
    if token is None:
        raise unauthorized(
            "mã truy cập sai, hết hạn hoặc đã bị thu hồi",
            "the token is wrong, expired or revoked",
        )
    n, per = rate()
    now = time.time()
    if tokens.count_request(token.token_id, per, now) > n:
        retry = int(per - now % per) + 1
        raise HTTPException(
            429,
            detail={
                "vi": f"quá {n} yêu cầu trong {per} giây; thử lại sau {retry} giây",
                "en": f"more than {n} requests in {per} s; retry in {retry} s",
            },
            headers={"Retry-After": str(retry)},
        )
    return Identity(token.agency, token.role, token.token_id)


def identity(request: Request) -> Identity:
    """FastAPI dependency: the caller of an API route."""
    return authenticate(token_text(request))
