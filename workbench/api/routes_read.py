"""Reading, always from the published snapshot: data, catalog, reporting status, submissions."""

from __future__ import annotations

import functools
import json
import threading
from typing import Annotated, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

import analytics
from analytics import reporting, store
from analytics.catalog import catalog
from analytics.errors import NrisError, StoreError
from analytics.load import parse_when
from analytics.validation import lookups
from workbench.api import sdmx
from workbench.api.auth import Identity, identity
from workbench.api.problems import problem, problem_responses

router = APIRouter(prefix="/v1", tags=["read"])
CATALOG_PARTS = ("indicators", "regimes", "areas", "targets")
READ_ERRORS = problem_responses(400, 401, 404, 429)


def _records(df: pd.DataFrame) -> list[dict]:
    """A frame as JSON-safe records (dates ISO, NaN as null)."""
    return json.loads(df.to_json(orient="records", date_format="iso", force_ascii=False))


@router.get(
    "/data/{indicator}",
    summary="Số liệu một chỉ tiêu | One indicator's data",
    responses={
        200: {
            "description": "Observations",
            "content": {
                "application/json": {},
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.sdmx.data+csv": {"schema": {"type": "string"}},
            },
        },
        **READ_ERRORS,
    },
)
def get_data(
    indicator: str,
    who: Annotated[Identity, Depends(identity)],
    areas: Annotated[str | None, Query(description="comma-separated area codes")] = None,
    start: str | None = None,
    end: str | None = None,
    as_of: str | None = None,
    format: Literal["json", "csv", "sdmx-csv"] = "json",
) -> Response:
    """The consolidated latest figures (or what was known ``as_of``), from the snapshot."""
    try:
        code = analytics.resolve_indicators(indicator)
    except NrisError as exc:
        return problem(404, exc.vi, exc.en)
    snapshot = store.snapshot_key()
    if snapshot is None:
        return problem(404, "chưa có bản công bố dữ liệu", "no published snapshot yet")
    try:
        body, media = _data(snapshot, code[0], areas, start, end, as_of, format)
    except StoreError as exc:
        return problem(404, exc.vi, exc.en)
    except NrisError as exc:
        return problem(400, exc.vi, exc.en)
    return Response(body, media_type=media, headers={"X-NRIS-Snapshot": snapshot})


@functools.lru_cache(maxsize=512)
def _data(
    snapshot: str,
    code: str,
    areas: str | None,
    start: str | None,
    end: str | None,
    as_of: str | None,
    format: str,
) -> tuple[bytes, str]:
    """One answer of ``GET /v1/data``, rendered once per snapshot: a snapshot is immutable, so the
    same question against the same snapshot file always has the same answer (the key names it)."""
    info = store.snapshot_info()
    wanted = [a for a in areas.split(",") if a.strip()] if areas else None
    dates = parse_when(start, "start"), parse_when(end, "end"), parse_when(as_of, "as_of")
    if "commune" in str(lookups(catalog()).indicators[code]["levels"]):
        df = _observations(code, wanted, *dates)  # thousands of communes: read only those asked
    else:  # every area's rows of the indicator, read once per snapshot, shared by all questions
        df = _all_areas(snapshot, code, *dates)
        if wanted is not None:
            df = df[df["area"].isin(analytics.resolve_areas(wanted))]
    if format == "csv":
        return df.to_csv(index=False).encode(), "text/csv; charset=utf-8"
    if format == "sdmx-csv":
        return sdmx.write(df).encode(), sdmx.MEDIA_TYPE
    body = {
        "indicator": code,
        "snapshot": snapshot,
        "published_at": info.get("published_at"),
        "demo": bool(info.get("demo")),
        "observations": _records(
            df[
                [
                    "area",
                    "period",
                    "freq",
                    "value",
                    "unit",
                    "status",
                    "vintage",
                    "agency",
                    "submission_id",
                ]
            ]
        ),
    }
    return json.dumps(body, ensure_ascii=False).encode(), "application/json"


def _observations(
    code: str, areas: list[str] | None, start: str | None, end: str | None, as_of: str | None
) -> pd.DataFrame:
    """``analytics.load`` of one indicator, periods and vintages as the API writes them."""
    df = analytics.load([code], areas=areas, start=start, end=end, as_of=as_of, frame="pandas")
    assert isinstance(df, pd.DataFrame)
    return df.assign(
        period=pd.to_datetime(df["period"]).dt.strftime("%Y-%m-%d"),
        vintage=pd.to_datetime(df["vintage"]).dt.strftime("%Y-%m-%dT%H:%M:%S"),
    )


_ALL_AREAS_LOCK = threading.Lock()


def _all_areas(
    snapshot: str, code: str, start: str | None, end: str | None, as_of: str | None
) -> pd.DataFrame:
    """Every area's observations of a province-level indicator in one snapshot (a few thousand
    rows): twenty readers asking for thirty-four provinces make one read per worker, not 34. The
    first readers of a new snapshot wait for one read instead of each making it (the lock), which
    was the slowest twentieth of the reads. The frame is shared, so it is only ever filtered."""
    with _ALL_AREAS_LOCK:
        return _all_areas_read(snapshot, code, start, end, as_of)


@functools.lru_cache(maxsize=8)
def _all_areas_read(
    snapshot: str, code: str, start: str | None, end: str | None, as_of: str | None
) -> pd.DataFrame:
    return _observations(code, None, start, end, as_of)


@router.get(
    "/catalog/{part}",
    summary="Danh mục | Catalog",
    responses={200: {"description": "Catalog entries"}, **READ_ERRORS},
)
def get_catalog(
    part: Literal["indicators", "regimes", "areas", "targets"],
    who: Annotated[Identity, Depends(identity)],
) -> JSONResponse:
    """Indicators, reporting regimes, areas or targets as the catalog holds them."""
    return JSONResponse(_records(getattr(catalog(), part)))


@router.get(
    "/status",
    summary="Tình hình báo cáo | Reporting completeness",
    responses={200: {"description": "Completeness per regime"}, **READ_ERRORS},
)
def get_status(
    who: Annotated[Identity, Depends(identity)],
    period: str | None = None,
    regime: str | None = None,
) -> Response:
    """Expected, received, on time, late and missing reports per regime, as the briefings show."""
    try:
        df = reporting.reporting_status(period, regime)
    except StoreError as exc:
        return problem(404, exc.vi, exc.en)
    except NrisError as exc:
        return problem(400, exc.vi, exc.en)
    return JSONResponse(_records(df))


@router.get(
    "/submissions/{submission_id}",
    summary="Một lần nộp | One submission",
    responses={200: {"description": "The submission's audit row"}, **READ_ERRORS},
)
def get_submission(submission_id: int, who: Annotated[Identity, Depends(identity)]) -> Response:
    """One attempt of the caller's own agency, with its problems (another agency's: 404)."""
    try:
        subs = reporting.submissions()
    except StoreError as exc:
        return problem(404, exc.vi, exc.en)
    row = subs[(subs["submission_id"] == submission_id) & (subs["agency"] == who.agency)]
    if row.empty:
        return problem(
            404,
            f"không có lần nộp {submission_id} của {who.agency}",
            f"no submission {submission_id} of {who.agency}",
        )
    rec = _records(row.drop(columns=["reasons"]))[0]
    rec["problems"] = json.loads(row["reasons"].iloc[0] or "[]")
    return JSONResponse(rec)


@router.get(
    "/submissions",
    summary="Các lần nộp của cơ quan | The agency's submissions",
    responses={200: {"description": "Newest first"}, **READ_ERRORS},
)
def list_submissions(
    who: Annotated[Identity, Depends(identity)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """The caller's agency's attempts, newest first."""
    try:
        subs = reporting.submissions()
    except StoreError as exc:
        return problem(404, exc.vi, exc.en)
    mine = subs[subs["agency"] == who.agency].sort_values("submission_id", ascending=False)
    return JSONResponse(_records(mine.drop(columns=["reasons"]).head(limit)))
