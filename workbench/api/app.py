"""The FastAPI application: routers, problem+json errors, the body-size guard, offline docs.

``create_app`` builds it (uvicorn calls it in each worker: ``--factory``); nothing runs at import.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from analytics.submission_files import MB, Limits
from workbench.api import events, officer, routes_read, routes_submit, routes_tokens, warm
from workbench.api.problems import PROBLEM, problem_body
from workbench.api.submissions import Problem, SubmissionIn

UPLOAD_PATHS = ("/v1/submissions", "/officer/upload")
MULTIPART_SLACK = 256 * 1024  # the form's boundaries and fields around the file


def max_body() -> int:
    """The largest request body accepted: the file limit (``NRIS_LIMITS file_mb``) plus slack."""
    return int(Limits.from_env().file_mb * MB) + MULTIPART_SLACK


class BodyLimit:
    """413 before reading a body declared too large, and as soon as a streamed body grows past it.

    The body is counted as it arrives (a client may lie in Content-Length or send it chunked); an
    oversized one is answered 413 without ever reaching a route, so nothing is stored or parsed.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in UPLOAD_PATHS:
            await self.app(scope, receive, send)
            return
        cap = max_body()
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > cap):
            await _too_large(send, cap)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap:
                await _too_large(send, cap)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Send, cap: int) -> None:
    import json

    mb = cap / MB
    body = json.dumps(
        problem_body(
            413,
            f"nội dung vượt quá {mb:.1f} MB (NRIS_LIMITS file_mb)",
            f"the request body exceeds {mb:.1f} MB (NRIS_LIMITS file_mb)",
        )
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", PROBLEM.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _swagger_dir() -> str:
    from swagger_ui_bundle import swagger_ui_path

    return str(swagger_ui_path)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Each worker warms up before it serves (``warm.warm_up``)."""
    await run_in_threadpool(warm.warm_up)
    yield


def create_app() -> FastAPI:
    """The exchange service (one per worker process)."""
    app = FastAPI(
        lifespan=lifespan,
        title="NRIS exchange service | Dịch vụ trao đổi dữ liệu báo cáo",
        version="1.0",
        description=(
            "Nộp và đọc số liệu báo cáo bằng mã truy cập của cơ quan (Authorization: Bearer). "
            "Submit and read report data with the agency's token (Authorization: Bearer)."
        ),
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(BodyLimit)
    app.include_router(routes_submit.router)
    app.include_router(routes_read.router)
    app.include_router(events.router)
    app.include_router(routes_tokens.router)
    app.include_router(officer.router)
    app.mount("/static/swagger", StaticFiles(directory=_swagger_dir()), name="swagger")
    app.mount("/static/officer", StaticFiles(directory=officer.static_dir()), name="officer")

    @app.exception_handler(HTTPException)
    async def http_problem(request: Request, exc: HTTPException) -> JSONResponse:
        d: Any = exc.detail
        vi, en = (d["vi"], d["en"]) if isinstance(d, dict) else (str(d), str(d))
        body = problem_body(exc.status_code, vi, en)
        return JSONResponse(
            body, status_code=exc.status_code, media_type=PROBLEM, headers=exc.headers
        )

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="NRIS API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> RedirectResponse:
        return RedirectResponse("/docs")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/officer")

    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        comps = schema.setdefault("components", {}).setdefault("schemas", {})
        comps["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in comps["Problem"].pop("$defs", {}).items():
            comps.setdefault(name, sub)
        comps["SubmissionIn"] = SubmissionIn.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        for name, sub in comps["SubmissionIn"].pop("$defs", {}).items():
            comps.setdefault(name, sub)
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"}
        }
        schema["security"] = [{"bearer": []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
