"""The data officers' page: sign in with the agency's token, download the template, upload the
filled file, read the result (Vietnamese, English switch), see the agency's own history.

Server-rendered HTML with no script and no outside asset: it works on a network without internet
and in a browser with JavaScript off. The token is kept in an HttpOnly, SameSite=Strict cookie
that only these pages read (the JSON API takes Bearer tokens only). Uploads go through the same
``submissions.submit`` as the API.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import jinja2
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from analytics import reporting, templates
from analytics.catalog import catalog
from analytics.errors import NrisError, StoreError
from workbench.api import submissions as subs
from workbench.api.auth import COOKIE, Identity, authenticate

router = APIRouter(prefix="/officer", include_in_schema=False)
HERE = Path(__file__).parent
STATUS_TEXT = {
    "accepted": ("Đã nhận", "Accepted"),
    "rejected": ("Từ chối", "Rejected"),
    "duplicate": ("Trùng", "Duplicate"),
}


def static_dir() -> str:
    return str(HERE / "static")


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "vi"


def render(name: str, lang: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    def t(vi: str, en: str) -> str:
        return en if lang == "en" else vi

    html = _env().get_template(name).render(lang=lang, t=t, **ctx)
    return HTMLResponse(html, status_code=status)


def _who(request: Request) -> Identity | None:
    try:
        return authenticate(request.cookies.get(COOKIE))
    except HTTPException as exc:
        if exc.status_code == 429:
            raise
        return None


def _history(who: Identity, lang: str) -> list[dict]:
    try:
        df = reporting.submissions()
    except StoreError:
        return []
    mine = df[df["agency"] == who.agency].sort_values("submission_id", ascending=False).head(50)
    out = []
    for r in mine.to_dict("records"):
        vi, en = STATUS_TEXT.get(r["status"], (r["status"], r["status"]))
        r["status_text"] = en if lang == "en" else vi
        out.append(r)
    return out


def _regimes(who: Identity, lang: str) -> list[dict]:
    cat = catalog()
    codes = set(cat.regime_submitters.loc[cat.regime_submitters["agency"] == who.agency, "regime"])
    regs = cat.regimes[cat.regimes["code"].isin(codes)]
    name = "name_en" if lang == "en" else "name_vi"
    return [{"code": r["code"], "name": r[name]} for r in regs.to_dict("records")]


def home(who: Identity, lang: str, result: dict | None = None, status: int = 200) -> HTMLResponse:
    return render(
        "home.html",
        lang,
        status=status,
        agency=who.agency,
        regimes=_regimes(who, lang),
        period="",
        history=_history(who, lang),
        result=result,
    )


@router.get("")
def page(request: Request) -> HTMLResponse:
    lang = _lang(request)
    who = _who(request)
    if who is None:
        return render("login.html", lang, agency=None, error=None)
    return home(who, lang)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=5)
    lang = "en" if form.get("lang") == "en" else "vi"
    text = str(form.get("token", "")).strip()
    try:
        who = authenticate(text)
    except HTTPException as exc:
        if exc.status_code == 429:
            raise
        msg = (
            "Mã truy cập sai, hết hạn hoặc đã bị thu hồi",
            "The token is wrong, expired or revoked",
        )
        return render(
            "login.html", lang, status=401, agency=None, error=msg[1] if lang == "en" else msg[0]
        )
    response = RedirectResponse(f"/officer?lang={lang}", status_code=303)
    response.set_cookie(
        COOKIE, text, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    del who
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    response = RedirectResponse(f"/officer?lang={_lang(request)}", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/template")
def template(request: Request, regime: str, period: str) -> Response:
    lang = _lang(request)
    who = _who(request)
    if who is None:
        return RedirectResponse(f"/officer?lang={lang}", status_code=303)
    folder = tempfile.mkdtemp(prefix="nris-template-")
    name = f"{who.agency}_{regime}_{period}.xlsx".replace("/", "-")
    try:
        out = templates.write_template(regime, period, who.agency, Path(folder) / name)
    except NrisError as exc:
        result = {
            "ok": False,
            "title": exc.en if lang == "en" else exc.vi,
            "summary": "",
            "problems": [],
            "more": 0,
        }
        return home(who, lang, result, status=400)
    return FileResponse(
        out,
        filename=name,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        background=BackgroundTask(_cleanup, folder),
    )


def _cleanup(folder: str) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


@router.post("/upload")
async def upload(request: Request) -> Response:
    lang = _lang(request)
    who = _who(request)
    if who is None:
        return RedirectResponse(f"/officer?lang={lang}", status_code=303)
    form = await request.form(max_files=1, max_fields=5)
    file = form.get("file")
    if file is None or isinstance(file, str) or not file.filename:
        result: dict[str, Any] = {
            "ok": False,
            "title": "Chưa chọn tệp" if lang == "vi" else "No file chosen",
            "summary": "",
            "problems": [],
            "more": 0,
        }
        return home(who, lang, result, status=422)
    data = await file.read()
    status, body = await run_in_threadpool(subs.submit, who, file.filename, data, None, "file")
    return home(who, lang, _result(status, body, lang), status=status)


def _result(status: int, body: dict, lang: str) -> dict:
    key = "message_en" if lang == "en" else "message_vi"
    if status in (200, 201):
        items = body["warnings"]
        title = {
            201: ("Đã nhận báo cáo", "Report accepted"),
            200: ("Báo cáo đã được nhận trước đó", "Report already received"),
        }[status]
        summary = (
            f"Mã nộp {body['submission_id']}: {body['n_rows']} dòng, {len(items)} cảnh báo"
            if lang == "vi"
            else f"Submission {body['submission_id']}: {body['n_rows']} rows, {len(items)} warnings"
        )
        more = 0
    else:
        items = body.get("problems", [])
        title = ("Báo cáo bị từ chối: không lưu số liệu nào", "Report refused: nothing stored")
        vi, _, en = body.get("detail", "").partition(" | ")
        summary = en if lang == "en" else vi
        more = max(0, int(body.get("n_problems", 0)) - len(items))
    return {
        "ok": status in (200, 201),
        "title": title[1] if lang == "en" else title[0],
        "summary": summary,
        "problems": [{**p, "message": p[key]} for p in items],
        "more": more,
    }
