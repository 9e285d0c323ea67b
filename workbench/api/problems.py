"""RFC 9457 problem+json answers and their OpenAPI description, in one place."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

PROBLEM = "application/problem+json"
TITLES = {
    400: "Yêu cầu không hợp lệ | Bad request",
    401: "Chưa xác thực | Unauthorized",
    403: "Không được phép | Forbidden",
    404: "Không tìm thấy | Not found",
    409: "Xung đột | Conflict",
    413: "Quá lớn | Content too large",
    415: "Kiểu nội dung không hỗ trợ | Unsupported media type",
    422: "Không hợp lệ | Unprocessable content",
    429: "Quá nhiều yêu cầu | Too many requests",
}


def problem_body(status: int, vi: str, en: str) -> dict[str, Any]:
    """RFC 9457 fields with a one-line Vietnamese | English detail and no per-row problems."""
    return {
        "type": "about:blank",
        "title": TITLES.get(status, "Problem"),
        "status": status,
        "detail": f"{vi} | {en}",
        "problems": [],
        "n_problems": 0,
    }


def problem(status: int, vi: str, en: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """A problem+json response with a one-line Vietnamese | English detail."""
    body = problem_body(status, vi, en)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries: each code answers with the ``Problem`` schema."""
    schema = {"$ref": "#/components/schemas/Problem"}
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        content: dict[str, Any] = {PROBLEM: {"schema": schema}}
        if code == 422:  # FastAPI's own parameter errors keep their JSON shape
            content["application/json"] = {
                "schema": {"$ref": "#/components/schemas/HTTPValidationError"}
            }
        out[code] = {"description": TITLES[code], "content": content}
    return out
