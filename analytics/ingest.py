"""Ingest: a submission file in, wholly stored or wholly refused, with a report either way.

    result = analytics.submit("UBND_01_2026-10.xlsx")
    result.status            # accepted | rejected | duplicate
    print(result.report())   # every error and warning with sheet, row, column and value

The pipeline: read bytes -> hash -> read sheets -> find the form -> validate against the catalog and
the series' history -> one writer transaction (duplicate check, audit row, observations) -> the store
republishes. A file with any error stores only its audit row; the observations snapshot is untouched.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analytics import calendar, store
from analytics.catalog import catalog
from analytics.submission_files import (
    SUFFIXES,
    SubmissionFileError,
    file_hash,
    formula_cells,
    read_sheets,
)
from analytics.validation import Checked, Form, Issue, parse_form, validate

MAX_REASONS = 500


@dataclass
class SubmissionResult:
    """What happened to one submitted file."""

    file: str
    status: str  # accepted | rejected | duplicate
    file_hash: str
    submission_id: int | None = None
    agency: str | None = None
    regime: str | None = None
    period: dt.date | None = None
    freq: str | None = None
    n_rows: int = 0
    n_revised: int = 0
    duplicate_of: int | None = None
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        """Stored now or already stored before (duplicate)."""
        return self.status in ("accepted", "duplicate")

    def summary(self, lang: str = "vi") -> str:
        """One line: what happened to the file."""
        what = f"{self.agency or '?'} / {self.regime or '?'} / {self.period or '?'}"
        if self.status == "accepted":
            if lang == "vi":
                return (
                    f"ĐÃ NHẬN {self.file} ({what}): mã nộp {self.submission_id}, {self.n_rows} dòng, "
                    f"{self.n_revised} dòng điều chỉnh, {len(self.warnings)} cảnh báo"
                )
            return (
                f"ACCEPTED {self.file} ({what}): submission {self.submission_id}, {self.n_rows} "
                f"rows, {self.n_revised} revised, {len(self.warnings)} warnings"
            )
        if self.status == "duplicate":
            if lang == "vi":
                return (
                    f"TRÙNG {self.file} ({what}): nội dung đã được nhận ở lần nộp "
                    f"{self.duplicate_of}; không lưu gì thêm"
                )
            return (
                f"DUPLICATE {self.file} ({what}): same content as submission {self.duplicate_of}; "
                "nothing new stored"
            )
        if lang == "vi":
            return f"TỪ CHỐI {self.file} ({what}): {len(self.errors)} lỗi; không lưu số liệu nào"
        return f"REJECTED {self.file} ({what}): {len(self.errors)} errors; nothing stored"

    def report(self) -> str:
        """The full report, Vietnamese then English, one issue per line."""
        lines = [self.summary("vi"), self.summary("en")]
        for issue in self.issues:
            tag = "LỖI | ERROR" if issue.severity == "error" else "CẢNH BÁO | WARNING"
            lines.append(f"- [{tag}] {self.file}, {issue.line('vi')}")
            lines.append(f"  {' ' * len(tag)}   {self.file}, {issue.line('en')}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "status": self.status,
            "submission_id": self.submission_id,
            "agency": self.agency,
            "regime": self.regime,
            "period": self.period.isoformat() if self.period else None,
            "freq": self.freq,
            "file_hash": self.file_hash,
            "n_rows": self.n_rows,
            "n_revised": self.n_revised,
            "duplicate_of": self.duplicate_of,
            "issues": [i.as_dict() for i in self.issues],
        }


def _history(checked_obs: pd.DataFrame) -> pd.DataFrame | None:
    """Latest stored values of the submitted series, from the published snapshot (read side)."""
    if checked_obs.empty or not store.has_snapshot():
        return None
    import polars as pl

    path = store.snapshot_info()["path"]
    try:
        df = (
            pl.scan_parquet(path)
            .filter(
                pl.col("is_latest")
                & pl.col("indicator").is_in(checked_obs["indicator"].unique().tolist())
                & pl.col("area").is_in(checked_obs["area"].unique().tolist())
            )
            .select(["indicator", "area", "period", "freq", "value"])
            .collect()
        )
    except (FileNotFoundError, pl.exceptions.ComputeError):
        return None  # the snapshot moved on mid-read: skip the outlier check rather than fail
    return df.to_pandas()


def check(
    path: str | Path,
    agency: str | None = None,
    received_at: dt.datetime | None = None,
    data: bytes | None = None,
) -> tuple[Checked, str]:
    """Read and validate a file without storing anything; returns (validation result, content hash)."""
    path = Path(path)
    data = path.read_bytes() if data is None else data
    digest = file_hash(data)
    received_at = received_at or dt.datetime.now()
    cat = catalog()
    try:
        sheets = read_sheets(data, path.name)
    except SubmissionFileError as exc:
        form = Form(issues=[Issue("error", "unreadable", exc.vi, exc.en)])
        return validate(form, cat, agency, received_at), digest
    form = parse_form(sheets)
    if path.suffix.lower() in (".xlsx", ".xlsm") and form.sheet and _blank_values(form):
        form_sheet = next(s for s in sheets if s.name == form.sheet)
        form_sheet.formulas = formula_cells(data, form.sheet)
        form = parse_form(sheets)
    first = validate(form, cat, agency, received_at)
    history = _history(first.obs)
    if history is None:
        return first, digest
    return validate(form, cat, agency, received_at, history), digest


def _blank_values(form: Form) -> bool:
    return any(r["value"] is None or r["value"] == "" for r in form.rows)


def submit(
    path: str | Path,
    agency: str | None = None,
    received_at: dt.datetime | None = None,
    source: str = "file",
) -> SubmissionResult:
    """Validate a submission file and store it all-or-nothing; every attempt is audited.

    ``agency`` is who is submitting (the file's own header is checked against it). ``received_at``
    defaults to now and is also the vintage of the stored values.
    """
    path = Path(path)
    received_at = received_at or dt.datetime.now().replace(microsecond=0)
    checked, digest = check(path, agency, received_at)
    result = SubmissionResult(
        file=path.name,
        status="rejected" if checked.errors else "accepted",
        file_hash=digest,
        agency=checked.agency,
        regime=checked.regime,
        period=checked.period,
        freq=checked.freq,
        issues=checked.issues,
    )
    with store.writer() as con:
        if checked.agency and checked.regime and checked.period:
            dup = con.execute(
                """SELECT min(submission_id) FROM submissions WHERE status = 'accepted'
                   AND file_hash = ? AND agency = ? AND regime = ? AND period = ?""",
                [digest, checked.agency, checked.regime, checked.period],
            ).fetchall()[0][0]
            if dup is not None:
                result.status, result.duplicate_of = "duplicate", int(dup)
                return result  # nothing written: the writer commits an empty transaction
        sid = store.next_submission_id(con)
        result.submission_id = sid
        obs = checked.obs
        if result.status == "accepted":
            obs = _with_status(con, obs, checked.status)
            result.n_rows = len(obs)
            result.n_revised = int((obs["status"] == "revised").sum())
        store.record_submission(
            con,
            submission_id=sid,
            agency=checked.agency,
            regime=checked.regime,
            period=checked.period,
            freq=checked.freq,
            file_name=path.name,
            file_hash=digest,
            received_at=received_at,
            status=result.status,
            n_rows=len(obs) if result.status == "accepted" else len(checked.obs),
            n_errors=len(checked.errors),
            n_warnings=len(checked.warnings),
            reasons=json.dumps(
                [i.as_dict() for i in checked.issues[:MAX_REASONS]], ensure_ascii=False
            ),
            source=source,
        )
        if result.status == "accepted":
            store.append_observations(
                con,
                obs.assign(
                    submission_id=sid,
                    agency=checked.agency,
                    regime=checked.regime,
                    vintage=pd.Timestamp(received_at),
                ),
            )
    return result


def _with_status(con: Any, obs: pd.DataFrame, default: str) -> pd.DataFrame:
    """Mark rows 'revised' where an accepted value already exists for the key, else ``default``."""
    keys = obs[["indicator", "area", "period", "freq"]]
    con.register("_new_keys", keys)
    try:
        existing = con.execute(
            """SELECT DISTINCT o.indicator, o.area, o.period, o.freq FROM observations o
               JOIN _new_keys k ON o.indicator = k.indicator AND o.area = k.area
                AND o.period = k.period AND o.freq = k.freq"""
        ).df()
    finally:
        con.unregister("_new_keys")
    old = set(
        zip(
            existing["indicator"],
            existing["area"],
            pd.to_datetime(existing["period"]).dt.date,
            existing["freq"],
            strict=True,
        )
    )
    out = obs.copy()
    out["status"] = [
        "revised" if k in old else default
        for k in zip(out["indicator"], out["area"], out["period"], out["freq"], strict=True)
    ]
    return out


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    if not target.exists():
        return target
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return folder / f"{Path(name).stem}.{stamp}{Path(name).suffix}"


def inbox_files(inbox: str | Path) -> list[Path]:
    """Submission files waiting in a folder (Excel's '~$' lock files and reports excluded)."""
    folder = Path(inbox)
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and p.suffix.lower() in SUFFIXES
        and not p.name.startswith(("~$", "."))
        and ".report." not in p.name
    )


def ingest_folder(
    inbox: str | Path, agency: str | None = None, files: Iterable[Path] | None = None
) -> list[SubmissionResult]:
    """Submit every file in ``inbox`` and move it to ``accepted/`` or ``rejected/`` with its report.

    A file is moved only after its transaction has committed; a run killed half way leaves the rest
    in the inbox, and a file stored but not yet moved is recognised as a duplicate next time.
    """
    inbox = Path(inbox)
    results = []
    for path in files if files is not None else inbox_files(inbox):
        result = submit(path, agency=agency)
        folder = inbox / ("rejected" if result.status == "rejected" else "accepted")
        folder.mkdir(exist_ok=True)
        target = _free_name(folder, path.name)
        shutil.move(str(path), target)
        target.with_name(target.name + ".report.txt").write_text(
            result.report() + "\n", encoding="utf-8"
        )
        target.with_name(target.name + ".report.json").write_text(
            json.dumps(result.as_dict(), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        results.append(result)
    return results


def deadline(regime: str, period: dt.date) -> pd.Timestamp | None:
    """When ``regime``'s report for ``period`` is due (None for ad hoc regimes)."""
    r = catalog().regimes.set_index("code").loc[regime]
    if r["frequency"] == "adhoc":
        return None
    return calendar.report_deadline(
        period, str(r["frequency"]), int(r["deadline_days"]), str(r["reference"])
    )
