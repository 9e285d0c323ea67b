"""Submissions over HTTP: uploads, JSON and SDMX-CSV laid out as forms, then ``ingest.submit``.

There is one validation and storage path. An uploaded xlsx/csv goes to ``ingest.submit`` as bytes;
a JSON body or an SDMX-CSV table becomes a form grid (header rows, then the indicator table) that
the same rules read. The answer maps the result: accepted 201, duplicate 200, refused for who sent
it (another agency's area or regime, a reader writing) 403, any other problem 422 as RFC 9457
problem+json listing every problem in Vietnamese and English.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from analytics import calendar, ingest
from analytics.submission_files import Limits, Sheet, SubmissionFileError, nfc
from analytics.validation import Issue
from workbench.api.auth import Identity

FORBIDDEN_KINDS = {
    "agency_mismatch",
    "not_submitter",
    "area_not_agency",
    "sender_not_bound",
    "not_authoritative",
    "forbidden_role",
}
TABLE_HEADER = ["Mã chỉ tiêu / Code", "Địa bàn / Area", "Đơn vị tính / Unit", "Giá trị / Value"]
HEADER_ROWS = 5  # agency, regime, period, status, table header: JSON row i is sheet row i + 6
JSON_FIELDS = {"A": "indicator", "B": "area", "C": "unit", "D": "value"}
SDMX_FIELDS = {"A": "INDICATOR", "B": "REF_AREA", "C": "UNIT_MEASURE", "D": "OBS_VALUE"}
HEADER_FIELDS = {1: "agency", 2: "regime", 3: "period", 4: "status"}
_VALIDATING = threading.BoundedSemaphore(1)  # validations at once in one worker process


class Row(BaseModel):
    """One figure: indicator, area, value, unit, and an optional note."""

    model_config = ConfigDict(extra="forbid")
    indicator: str = Field(max_length=64)
    area: str | None = Field(default=None, max_length=16)
    value: float | str | None
    unit: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=2000)


class SubmissionIn(BaseModel):
    """A report as JSON: the regime, the period, the rows; the agency is the token's."""

    model_config = ConfigDict(extra="forbid")
    regime: str = Field(max_length=64)
    period: str = Field(max_length=32)
    status: str | None = Field(default=None, max_length=32, description="sơ bộ | chính thức")
    note: str | None = Field(default=None, max_length=2000)
    agency: str | None = Field(default=None, max_length=32, description="if given, the token's")
    rows: list[Row] = Field(max_length=50_000)


class ProblemItem(BaseModel):
    severity: str
    kind: str
    message_vi: str
    message_en: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details, with every problem of a refused submission."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    submission_id: int | None = None
    problems: list[ProblemItem] = []
    n_problems: int = 0


class SubmissionOut(BaseModel):
    submission_id: int
    status: str
    agency: str | None
    regime: str | None
    period: str | None
    vintage: str
    n_rows: int
    n_revised: int
    duplicate_of: int | None = None
    warnings: list[ProblemItem] = []


def _item(issue: Issue, fmt: str) -> dict[str, Any]:
    row, column = issue.row, issue.column
    if fmt == "json":  # point at the JSON body: rows[i] and its field, or the header field
        if row is not None and row > HEADER_ROWS:
            row, column = row - HEADER_ROWS - 1, JSON_FIELDS.get(column or "", column)
        elif row is not None:
            column, row = HEADER_FIELDS.get(row, column), None
    elif fmt == "sdmx":  # point at the SDMX-CSV line (its header is line 1) and column
        if row is not None and row > HEADER_ROWS:
            row, column = row - HEADER_ROWS + 1, SDMX_FIELDS.get(column or "", column)
        elif row is not None:
            column, row = HEADER_FIELDS.get(row, column), None
    return {
        "severity": issue.severity,
        "kind": issue.kind,
        "message_vi": issue.vi,
        "message_en": issue.en,
        "sheet": issue.sheet if fmt == "file" else None,
        "row": row,
        "column": column,
        "value": issue.value,
    }


def answer(result: ingest.SubmissionResult, received: str, fmt: str) -> tuple[int, dict]:
    """The HTTP status and body for a submission result."""
    cap = Limits.from_env().problems
    if result.status in ("accepted", "duplicate"):
        body = SubmissionOut(
            submission_id=int(result.submission_id or 0),
            status=result.status,
            agency=result.agency,
            regime=result.regime,
            period=result.period.isoformat() if result.period else None,
            vintage=received,
            n_rows=result.n_rows,
            n_revised=result.n_revised,
            duplicate_of=result.duplicate_of,
            warnings=[ProblemItem(**_item(i, fmt)) for i in result.warnings[:cap]],
        )
        return (201 if result.status == "accepted" else 200), body.model_dump()
    forbidden = any(i.kind in FORBIDDEN_KINDS for i in result.errors)
    status = 403 if forbidden else 422
    problem = Problem(
        type="/problems/" + ("forbidden-submission" if forbidden else "invalid-submission"),
        title="Không được phép nộp | Submission not allowed"
        if forbidden
        else "Báo cáo không hợp lệ | Invalid submission",
        status=status,
        detail=f"{result.summary('vi')} | {result.summary('en')}",
        submission_id=result.submission_id,
        problems=[ProblemItem(**_item(i, fmt)) for i in result.issues[:cap]],
        n_problems=len(result.issues),
    )
    return status, problem.model_dump()


def json_sheets(doc: SubmissionIn, agency: str) -> list[Sheet]:
    """A JSON report as the form the file path reads: header rows, then the table."""
    rows: list[list[Any]] = [
        ["Cơ quan / Agency", doc.agency or agency],
        ["Chế độ / Regime", doc.regime],
        ["Kỳ báo cáo / Period", doc.period],
        ["Trạng thái / Status", doc.status or ""],
        TABLE_HEADER,
    ]
    for r in doc.rows:
        rows.append([nfc(r.indicator), nfc(r.area or ""), nfc(r.unit or ""), nfc(r.value)])
    return [Sheet("json", rows)]


def sdmx_sheets(text: str, agency: str, regime: str, period: str | None) -> list[Sheet]:
    """An SDMX-CSV 1.0 table (read by pysdmx) as a form: INDICATOR, REF_AREA, TIME_PERIOD,
    OBS_VALUE, UNIT_MEASURE. The period is ``period`` or the table's one TIME_PERIOD."""
    from workbench.api import sdmx

    df = sdmx.read(text)
    if period is None:
        found = sorted(set(df["TIME_PERIOD"])) if "TIME_PERIOD" in df else []
        if len(found) != 1:
            raise SubmissionFileError(
                f"SDMX-CSV cần đúng một TIME_PERIOD (có {len(found)}) hoặc tham số period",
                f"SDMX-CSV needs exactly one TIME_PERIOD (found {len(found)}) or a period parameter",
            )
        period = found[0]
    rows: list[list[Any]] = [
        ["Cơ quan / Agency", agency],
        ["Chế độ / Regime", regime],
        ["Kỳ báo cáo / Period", period],
        ["Trạng thái / Status", ""],
        TABLE_HEADER,
    ]
    for r in df.itertuples(index=False):
        rec = r._asdict()
        rows.append(
            [
                rec.get("INDICATOR", ""),
                rec.get("REF_AREA", ""),
                rec.get("UNIT_MEASURE", ""),
                rec.get("OBS_VALUE", ""),
            ]
        )
    return [Sheet("sdmx", rows)]


def refused(identity: Identity, name: str, kind: str, vi: str, en: str) -> tuple[int, dict]:
    """Audit and answer an attempt refused before validation (a reader writing: 403)."""
    result = ingest.SubmissionResult(
        file=name,
        status="rejected",
        file_hash="",
        agency=identity.agency,
        issues=[Issue("error", kind, vi, en)],
    )
    ingest.audit_refusal(result, identity.source)
    return answer(result, "", "file")


def submit(
    identity: Identity,
    name: str,
    data: bytes,
    sheets: list[Sheet] | None = None,
    fmt: str = "file",
) -> tuple[int, dict]:
    """Submit as the token's agency through ``ingest.prepare`` and the worker's group commit (the two
    halves of ``ingest.submit``); returns (HTTP status, body)."""

    if not identity.may("submitter"):
        return refused(
            identity,
            name,
            "forbidden_role",
            "mã truy cập chỉ được đọc, không được nộp báo cáo",
            "this token may read only, not submit",
        )
    from workbench.api import writer

    received = calendar.now().replace(microsecond=0)
    with writer.validating(), _VALIDATING:  # first come, first validated: not 50 files sharing
        writer.wait_idle()  # one GIL to the end, nor while this worker's writer holds the store
        pending = ingest.prepare(
            Path(Path(name).name or "upload"),
            agency=identity.agency,
            received_at=received,
            source=identity.source,
            allowed={identity.agency},
            data=data,
            sheets=sheets,
        )
    result = writer.store(pending)  # the same storage step as ingest.submit, group-committed
    return answer(result, received.isoformat(), fmt)


def canonical(doc: SubmissionIn) -> bytes:
    """The JSON report's bytes for the duplicate check (key order and spacing do not matter)."""
    return json.dumps(doc.model_dump(), sort_keys=True, ensure_ascii=False).encode()


def csv_text(data: bytes) -> str:
    from analytics.submission_files import decode

    return decode(data)[0]
