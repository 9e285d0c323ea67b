"""``/v1/tokens``: an agency's admin token creates, lists and revokes the agency's own tokens."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from analytics.errors import NrisError
from workbench.api import tokens
from workbench.api.auth import Identity, identity
from workbench.api.problems import problem, problem_responses

router = APIRouter(prefix="/v1/tokens", tags=["tokens"])


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["reader", "submitter", "admin"] = "submitter"
    expires: str | None = Field(default=None, max_length=40, description="90d, 12h or 2027-01-31")


class TokenOut(BaseModel):
    token_id: str
    agency: str
    role: str
    state: str
    created_at: str
    expires_at: str | None
    token: str | None = Field(default=None, description="only when created: shown once")


def _admin(who: Identity) -> JSONResponse | None:
    if who.may("admin"):
        return None
    return problem(403, "cần mã truy cập quản trị (admin)", "an admin token is needed")


def _out(t: tokens.Token, text: str | None = None) -> dict:
    return TokenOut(
        token_id=t.token_id,
        agency=t.agency,
        role=t.role,
        state=t.state(),
        created_at=t.created_at,
        expires_at=t.expires_at,
        token=text,
    ).model_dump()


@router.get(
    "",
    summary="Mã truy cập của cơ quan | The agency's tokens",
    response_model=list[TokenOut],
    responses=problem_responses(401, 403, 429),
)
def list_tokens(who: Annotated[Identity, Depends(identity)]) -> Response:
    """The caller's agency's tokens, never their secrets (admin only)."""
    if (refused := _admin(who)) is not None:
        return refused
    return JSONResponse([_out(t) for t in tokens.list_tokens(who.agency)])


@router.post(
    "",
    status_code=201,
    summary="Tạo mã truy cập | Create a token",
    response_model=TokenOut,
    responses=problem_responses(400, 401, 403, 429),
)
def create_token(body: TokenIn, who: Annotated[Identity, Depends(identity)]) -> Response:
    """A new token for the caller's own agency, returned once (admin only)."""
    if (refused := _admin(who)) is not None:
        return refused
    try:
        text = tokens.create(who.agency, body.role, tokens.parse_expiry(body.expires))
    except NrisError as exc:
        return problem(400, exc.vi, exc.en)
    made = next(t for t in tokens.list_tokens(who.agency) if t.token_id == text.split("_")[1])
    return JSONResponse(_out(made, text), status_code=201)


@router.delete(
    "/{token_id}",
    status_code=204,
    summary="Thu hồi mã truy cập | Revoke a token",
    responses=problem_responses(401, 403, 404, 429),
)
def revoke_token(token_id: str, who: Annotated[Identity, Depends(identity)]) -> Response:
    """Revoke one of the caller's agency's tokens (admin only; another agency's: 404)."""
    if (refused := _admin(who)) is not None:
        return refused
    if tokens.revoke(who.agency, token_id) == 0:
        return problem(
            404,
            f"không có mã truy cập còn hiệu lực {token_id} của {who.agency}",
            f"no active token {token_id} of {who.agency}",
        )
    return Response(status_code=204)
