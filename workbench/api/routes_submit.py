"""``POST /v1/submissions``: JSON, an uploaded xlsx/csv file, or SDMX-CSV; ``Idempotency-Key``."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from analytics.submission_files import SubmissionFileError
from workbench.api import submissions as subs
from workbench.api import tokens
from workbench.api.auth import Identity, identity
from workbench.api.problems import PROBLEM, problem, problem_body, problem_responses

router = APIRouter(prefix="/v1", tags=["submissions"])

REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/SubmissionIn"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "format": {"type": "string", "enum": ["file", "sdmx-csv"]},
                    "regime": {"type": "string"},
                    "period": {"type": "string"},
                },
            }
        },
        "application/vnd.sdmx.data+csv": {"schema": {"type": "string"}},
    },
}


def _problem_dict(status: int, vi: str, en: str, **extra: Any) -> dict:
    return {**problem_body(status, vi, en), **extra}


@dataclass
class Incoming:
    """A submission as received: its kind (json, file, sdmx), name, bytes and SDMX parameters."""

    kind: str
    name: str
    data: bytes
    regime: str = ""
    period: str | None = None
    doc: subs.SubmissionIn | None = None

    def digest(self) -> str:
        """What makes two requests the same for an Idempotency-Key (not a multipart boundary)."""
        h = hashlib.sha256()
        for part in (self.kind, self.name, self.regime, self.period or ""):
            h.update(part.encode() + b"\0")
        h.update(self.data)
        return h.hexdigest()


async def _read(request: Request) -> Incoming | tuple[int, dict]:
    """The request's submission by its media type, or (status, problem) when it has none."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json":
        body = await request.body()
        try:
            doc = subs.SubmissionIn.model_validate_json(body)
        except ValidationError as exc:
            return 422, _schema_problem(exc)
        return Incoming("json", "api.json", subs.canonical(doc), doc=doc)
    if ctype == "multipart/form-data":
        try:
            form = await request.form(max_files=1, max_fields=10)
        except Exception:  # noqa: BLE001 - a malformed multipart body is the client's problem
            return 400, _problem_dict(400, "nội dung multipart hỏng", "malformed multipart body")
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            return 422, _problem_dict(
                422, "thiếu trường tệp 'file'", "the multipart field 'file' is missing"
            )
        data = await upload.read()
        name = upload.filename or "upload"
        if str(form.get("format", "file")) == "sdmx-csv":
            period = form.get("period")
            return Incoming(
                "sdmx", name, data, str(form.get("regime", "")), str(period) if period else None
            )
        return Incoming("file", name, data)
    if ctype in ("application/vnd.sdmx.data+csv", "text/csv"):
        q = request.query_params
        return Incoming(
            "sdmx", "api.sdmx.csv", await request.body(), q.get("regime", ""), q.get("period")
        )
    return 415, _problem_dict(
        415,
        f"kiểu nội dung '{ctype}' không được hỗ trợ",
        f"content type '{ctype}' is not supported (application/json, multipart/form-data, "
        "application/vnd.sdmx.data+csv)",
    )


def _schema_problem(exc: ValidationError) -> dict:
    items = []
    for e in exc.errors()[:50]:
        loc = e["loc"]
        where = ".".join(map(str, loc))
        row = loc[1] if len(loc) > 1 and loc[0] == "rows" and isinstance(loc[1], int) else None
        items.append(
            {
                "severity": "error",
                "kind": "json_schema",
                "message_vi": f"trường {where}: {e['msg']}",
                "message_en": f"field {where}: {e['msg']}",
                "row": row,
                "column": str(loc[-1]) if loc else None,
                "value": None,
                "sheet": None,
            }
        )
    return _problem_dict(
        422,
        "nội dung JSON không đúng lược đồ",
        "the JSON body does not match the schema",
        type="/problems/invalid-submission",
        problems=items,
        n_problems=len(exc.errors()),
    )


def _submit(who: Identity, inc: Incoming) -> tuple[int, dict]:
    """Validate and store (in a worker thread: the store's writer blocks)."""
    try:
        if inc.kind == "json" and inc.doc is not None:
            sheets = subs.json_sheets(inc.doc, who.agency)
            return subs.submit(who, inc.name, inc.data, sheets, "json")
        if inc.kind == "sdmx" and who.may("submitter"):
            sheets = subs.sdmx_sheets(subs.csv_text(inc.data), who.agency, inc.regime, inc.period)
            return subs.submit(who, inc.name, inc.data, sheets, "sdmx")
        return subs.submit(who, inc.name, inc.data, None, inc.kind)
    except SubmissionFileError as exc:
        return 422, _problem_dict(422, exc.vi, exc.en, type="/problems/invalid-submission")


@router.post(
    "/submissions",
    status_code=201,
    summary="Nộp báo cáo | Submit a report",
    response_model=subs.SubmissionOut,
    openapi_extra={"requestBody": REQUEST_BODY},
    responses={
        200: {"model": subs.SubmissionOut, "description": "Duplicate of an earlier submission"},
        **problem_responses(400, 401, 403, 409, 413, 415, 422, 429),
    },
)
async def post_submission(
    request: Request,
    who: Annotated[Identity, Depends(identity)],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    """Validate and store one report as the token's agency, all or nothing, audited.

    A retried request with the same ``Idempotency-Key`` stores nothing twice and gets the first
    answer; the same key with another body is refused (422).
    """
    inc = await _read(request)
    if isinstance(inc, tuple):
        return _respond(*inc)
    if idempotency_key is None:
        return _respond(*await run_in_threadpool(_submit, who, inc))
    digest = inc.digest()
    deadline = time.monotonic() + 60
    while True:
        state, first = await run_in_threadpool(
            tokens.idempotency_claim, who.token_id, idempotency_key, digest
        )
        if state != "busy" or time.monotonic() > deadline:
            break
        await _sleep(0.1)
    if state == "done":
        status, body = first
        return _respond(status, body, replayed=True)
    if state == "mismatch":
        return problem(
            422,
            "Idempotency-Key đã dùng cho một yêu cầu khác",
            "the Idempotency-Key was used for a different request",
        )
    if state == "busy":
        return problem(
            409,
            "yêu cầu cùng Idempotency-Key đang được xử lý",
            "a request with this Idempotency-Key is still being processed",
        )
    try:
        status, body = await run_in_threadpool(_submit, who, inc)
    except BaseException:
        await run_in_threadpool(tokens.idempotency_release, who.token_id, idempotency_key)
        raise
    await run_in_threadpool(tokens.idempotency_store, who.token_id, idempotency_key, status, body)
    return _respond(status, body)


async def _sleep(s: float) -> None:
    import asyncio

    await asyncio.sleep(s)


def _respond(status: int, body: dict, replayed: bool = False) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    media = "application/json" if status in (200, 201) else PROBLEM
    return JSONResponse(body, status_code=status, media_type=media, headers=headers)
