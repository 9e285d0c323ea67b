"""Ingest: a submission file in, wholly stored or wholly refused, with a report either way.

    result = analytics.submit("UBND_01_2026-10.xlsx")
    result.status            # accepted | rejected | duplicate
    print(result.report())   # every error and warning with sheet, row, column and value

The pipeline: read bytes -> hash -> read sheets -> find the form -> validate against the catalog and
the series' history -> one writer transaction (duplicate check, audit row, observations) -> the store
republishes. A file with any error stores only its audit row; the observations snapshot is untouched.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import stat
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analytics import calendar, store
from analytics.catalog import catalog
from analytics.errors import NrisError
from analytics.submission_files import (
    SUFFIXES,
    Limits,
    Sheet,
    SubmissionFileError,
    display,
    file_hash,
    formula_cells,
    read_file,
    read_sheets,
)
from analytics.validation import (
    Checked,
    Form,
    Issue,
    authority_issues,
    outlier_issues,
    parse_form,
    validate,
)

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
        """One line: what happened to the file (control characters in its name shown escaped)."""
        return display(self._summary(lang))

    def _summary(self, lang: str) -> str:
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

    def report(self, max_problems: int | None = None) -> str:
        """The full report, Vietnamese then English, one issue per line: the first
        ``max_problems`` (``NRIS_LIMITS problems``, 50) issues, then how many more there are."""
        cap = Limits.from_env().problems if max_problems is None else max_problems
        lines = [self.summary("vi"), self.summary("en")]
        for issue in self.issues[:cap]:
            tag = "LỖI | ERROR" if issue.severity == "error" else "CẢNH BÁO | WARNING"
            lines.append(display(f"- [{tag}] {self.file}, {issue.line('vi')}"))
            lines.append(display(f"  {' ' * len(tag)}   {self.file}, {issue.line('en')}"))
        if len(self.issues) > cap:
            more = len(self.issues) - cap
            lines.append(f"... và {more} vấn đề khác | and {more} more problems")
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
            "issues": [i.as_dict() for i in self.issues[: Limits.from_env().problems]],
            "n_issues": len(self.issues),
        }


def _history(checked_obs: pd.DataFrame) -> pd.DataFrame | None:
    """Latest stored values of the submitted series, from the published snapshot (read side)."""
    if checked_obs.empty or not store.has_snapshot():
        return None
    import polars as pl

    path = store.snapshot_info()["path"]
    key = (path, frozenset(checked_obs["indicator"].unique().tolist()))
    latest = next((df for k, df in _LATEST if k == key), None)
    if latest is None:
        try:
            latest = (
                pl.scan_parquet(path)
                .filter(pl.col("is_latest") & pl.col("indicator").is_in(list(key[1])))
                .select(["indicator", "area", "period", "freq", "value"])
                .collect()
            )
        except (FileNotFoundError, pl.exceptions.ComputeError):
            return None  # the snapshot moved on mid-read: skip the outlier check rather than fail
        _LATEST[:] = [(key, latest), *_LATEST[: LATEST_KEPT - 1]]
    areas = checked_obs["area"].unique().tolist()
    return latest.filter(pl.col("area").is_in(areas)).to_pandas()


LATEST_KEPT = 8
_LATEST: list[tuple[tuple[str, frozenset[str]], Any]] = []
"""The latest values of a snapshot's indicators, newest first: a snapshot file never changes once
published, and the reports of one regime (34 provinces' monthly forms) ask for the same indicators,
so a burst reads each snapshot once per regime, not once per report."""


def check(
    path: str | Path,
    agency: str | None = None,
    received_at: dt.datetime | None = None,
    data: bytes | None = None,
    limits: Limits | None = None,
    sheets: list[Sheet] | None = None,
) -> tuple[Checked, str]:
    """Read and validate a file without storing anything; returns (validation result, content hash).

    The file is read only if it is a regular file within ``limits`` (a link, an oversized or an
    unreadable file is refused before its bytes are read; its hash is then empty). ``data`` gives the
    bytes instead (an upload); ``sheets`` gives the cells already read from ``data`` (a JSON or
    SDMX-CSV submission laid out as a form): the same rules then run on them.
    """
    path = Path(path)
    limits = limits or Limits.from_env()
    received_at = received_at or calendar.now()
    cat = catalog()
    try:
        data = read_file(path, limits) if data is None else data
        digest = file_hash(data)
        sheets = read_sheets(data, path.name, limits) if sheets is None else sheets
    except SubmissionFileError as exc:
        form = Form(issues=[Issue("error", "unreadable", exc.vi, exc.en)])
        return validate(form, cat, agency, received_at), digest if data is not None else ""
    form = parse_form(sheets)
    if path.suffix.lower() in (".xlsx", ".xlsm") and form.sheet and _blank_values(form):
        form_sheet = next(s for s in sheets if s.name == form.sheet)
        form_sheet.formulas = formula_cells(data, form.sheet)
        form = parse_form(sheets)
    checked = validate(form, cat, agency, received_at)
    history = _history(checked.obs)
    if history is not None:  # the outlier rule, the one rule that reads the stored history
        checked.issues += outlier_issues(checked.obs, history, form.columns.get("value"))
    checked.issues += authority_issues(checked.obs, cat, checked.agency, form.columns.get("value"))
    checked.issues.sort(key=lambda i: i.severity != "error")
    return checked, digest


def _blank_values(form: Form) -> bool:
    return any(r["value"] is None or r["value"] == "" for r in form.rows)


def submit(
    path: str | Path,
    agency: str | None = None,
    received_at: dt.datetime | None = None,
    source: str = "local",
    allowed: Collection[str] | None = None,
    limits: Limits | None = None,
    data: bytes | None = None,
    sheets: list[Sheet] | None = None,
) -> SubmissionResult:
    """Validate a submission file and store it all-or-nothing; every attempt is audited.

    ``agency`` is who is submitting (the file's own header is checked against it); ``allowed``, the
    agencies the sender is bound to (``analytics.senders``), refuses a file from any other.
    ``received_at`` defaults to now and is also the vintage of the stored values. A duplicate stores
    nothing but its audit row, and republishes the snapshot if an earlier writer left it behind.
    ``data`` and ``sheets`` (see ``check``) let the exchange service submit an upload or a JSON body
    through this same path; ``path`` then only names it.
    """
    pending = prepare(path, agency, received_at, source, allowed, limits, data, sheets)
    with store.writer() as con:
        store_prepared(con, pending)
    return pending.result


@dataclass
class Prepared:
    """A validated submission waiting for the writer: its result (completed when stored)."""

    result: SubmissionResult
    checked: Checked
    received_at: dt.datetime
    source: str
    file_name: str


def prepare(
    path: str | Path,
    agency: str | None = None,
    received_at: dt.datetime | None = None,
    source: str = "local",
    allowed: Collection[str] | None = None,
    limits: Limits | None = None,
    data: bytes | None = None,
    sheets: list[Sheet] | None = None,
) -> Prepared:
    """The validation half of ``submit`` (no store lock held): read, check, judge the sender."""
    path = Path(path)
    received_at = received_at or calendar.now().replace(microsecond=0)
    checked, digest = check(path, agency, received_at, data=data, limits=limits, sheets=sheets)
    if allowed is not None and checked.agency and checked.agency not in allowed:
        checked.issues.insert(
            0,
            Issue(
                "error",
                "sender_not_bound",
                f"người gửi chỉ được nộp cho {', '.join(sorted(allowed))}, không cho "
                f"{checked.agency}",
                f"the sender may submit for {', '.join(sorted(allowed))} only, not for "
                f"{checked.agency}",
            ),
        )
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
    return Prepared(result, checked, received_at, source, path.name)


def store_many(items: list[Prepared]) -> None:
    """Store several validated submissions in one writer transaction and one publish (the
    exchange service's group commit); each is still its own all-or-nothing audit and rows.
    If the transaction fails, each result is left as validated: no id or duplicate-of from the
    rolled-back attempt."""
    validated = [dataclasses.replace(p.result) for p in items]
    try:
        with store.writer() as con:
            store_batch(con, items)
    except BaseException:
        for p, result in zip(items, validated, strict=True):
            p.result = result
        raise


def store_prepared(con: Any, pending: Prepared) -> None:
    """The storage half of ``submit``, inside a writer transaction: duplicate check, audit row,
    observations. Fills in ``pending.result`` (id, status, rows)."""
    store_batch(con, [pending])


def _storable(p: Prepared) -> bool:
    c = p.checked
    return p.result.status == "accepted" and bool(c.agency and c.regime and c.period)


def store_batch(con: Any, items: list[Prepared]) -> None:
    """``store_prepared`` for several submissions, in order, inside one writer transaction.

    The outcome is the one of storing them one after another: an item is a duplicate of an earlier
    accepted one (stored before, or earlier in ``items``) and its rows are 'revised' where its
    agency already sent the key (before, or earlier in ``items``). The store is asked once for the
    whole batch, and the audit rows and observations are inserted once each, not item by item.
    """
    storable = [p for p in items if _storable(p)]
    firsts = _first_accepted(con, storable)
    sent = _sent_keys(con, storable)
    rows: list[dict[str, Any]] = []
    frames: list[pd.DataFrame] = []
    for pending in items:
        result, checked, received_at = pending.result, pending.checked, pending.received_at
        key = (result.file_hash, checked.agency, checked.regime, checked.period)
        if _storable(pending) and key in firsts:
            result.status, result.duplicate_of = "duplicate", firsts[key]
            result.submission_id = store.next_submission_id(con)
            rows.append(
                _audit_row(result, pending.file_name, received_at, pending.source, checked.warnings)
            )
            continue  # the audit row only; no observation is written
        sid = store.next_submission_id(con)
        result.submission_id = sid
        obs = checked.obs
        if result.status == "accepted":
            keys = list(zip(obs["indicator"], obs["area"], obs["period"], obs["freq"], strict=True))
            mine = sent.setdefault(checked.agency, set()) if checked.agency else set()
            obs = obs.assign(status=["revised" if k in mine else checked.status for k in keys])
            mine.update(keys)
            if _storable(pending):
                firsts.setdefault(key, sid)
            result.n_rows = len(obs)
            result.n_revised = int((obs["status"] == "revised").sum())
            frames.append(
                obs.assign(
                    submission_id=sid,
                    agency=checked.agency,
                    regime=checked.regime,
                    vintage=pd.Timestamp(received_at),
                )
            )
        rows.append(
            {
                "submission_id": sid,
                "agency": checked.agency,
                "regime": checked.regime,
                "period": checked.period,
                "freq": checked.freq,
                "file_name": pending.file_name,
                "file_hash": result.file_hash,
                "received_at": received_at,
                "status": result.status,
                "n_rows": len(obs),
                "n_errors": len(checked.errors),
                "n_warnings": len(checked.warnings),
                "reasons": json.dumps(
                    [i.as_dict() for i in checked.issues[:MAX_REASONS]], ensure_ascii=False
                ),
                "source": pending.source,
            }
        )
    store.record_submissions(con, rows)
    if frames:
        store.append_observations(con, pd.concat(frames, ignore_index=True))


def _first_accepted(con: Any, items: list[Prepared]) -> dict[tuple, int]:
    """(file hash, agency, regime, period) -> the first accepted submission of that content."""
    if not items:
        return {}
    found = con.execute(
        """SELECT file_hash, agency, regime, period, min(submission_id) FROM submissions
           WHERE status = 'accepted' AND list_contains(?, file_hash)
           GROUP BY file_hash, agency, regime, period""",
        [sorted({p.result.file_hash for p in items})],
    ).fetchall()
    return {tuple(r[:4]): int(r[4]) for r in found}


def _sent_keys(con: Any, items: list[Prepared]) -> dict[str | None, set[tuple]]:
    """agency -> the (indicator, area, period, freq) keys of ``items`` it has already sent."""
    if not items:
        return {}
    keys = pd.concat(
        [
            p.checked.obs[["indicator", "area", "period", "freq"]].assign(agency=p.checked.agency)
            for p in items
        ],
        ignore_index=True,
    )
    con.register("_new_keys", keys)
    try:
        existing = con.execute(
            """SELECT DISTINCT o.agency, o.indicator, o.area, o.period, o.freq FROM observations o
               JOIN _new_keys k ON o.indicator = k.indicator AND o.area = k.area
                AND o.period = k.period AND o.freq = k.freq AND o.agency = k.agency"""
        ).df()
    finally:
        con.unregister("_new_keys")
    out: dict[str | None, set[tuple]] = {}
    periods = pd.to_datetime(existing["period"]).dt.date
    for agency, *key in zip(
        existing["agency"],
        existing["indicator"],
        existing["area"],
        periods,
        existing["freq"],
        strict=True,
    ):
        out.setdefault(agency, set()).add(tuple(key))
    return out


def _audit_row(
    result: SubmissionResult,
    file_name: str,
    received_at: dt.datetime,
    source: str,
    issues: list[Issue],
) -> dict[str, Any]:
    """The audit row of an attempt that stores no observations (a duplicate or a failure)."""
    return {
        "submission_id": result.submission_id,
        "agency": result.agency,
        "regime": result.regime,
        "period": result.period,
        "freq": result.freq,
        "file_name": file_name,
        "file_hash": result.file_hash,
        "received_at": received_at,
        "status": result.status,
        "n_rows": 0,
        "n_errors": len([i for i in issues if i.severity == "error"]),
        "n_warnings": len([i for i in issues if i.severity == "warning"]),
        "reasons": json.dumps(
            [i.as_dict() for i in issues[:MAX_REASONS]]
            + ([{"duplicate_of": result.duplicate_of}] if result.duplicate_of else []),
            ensure_ascii=False,
        ),
        "source": source,
    }


def _audit(
    con: Any,
    result: SubmissionResult,
    file_name: str,
    received_at: dt.datetime,
    source: str,
    issues: list[Issue],
) -> None:
    """Insert the audit row of an attempt that stores no observations."""
    store.record_submission(con, **_audit_row(result, file_name, received_at, source, issues))


REPORT_SUFFIXES = (".report.txt", ".report.json")


def _free_name(folder: Path, name: str) -> Path:
    """A name in ``folder`` for the file and its reports that nothing (not even a link) holds."""

    def free(target: Path) -> bool:
        names = [target.name] + [target.name + s for s in REPORT_SUFFIXES]
        return not any(os.path.lexists(folder / n) for n in names)

    target = folder / name
    while not free(target):
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        target = folder / f"{Path(name).stem}.{stamp}{Path(name).suffix}"
    return target


def inbox_files(inbox: str | Path) -> list[Path]:
    """Submission files waiting in a folder (Excel's '~$' lock files and reports excluded).

    Links are listed without being followed (each is then refused, not read); folders are not.
    """
    out = []
    with os.scandir(inbox) as entries:
        for e in entries:
            if (
                Path(e.name).suffix.lower() in SUFFIXES
                and not e.name.startswith(("~$", "."))
                and ".report." not in e.name
                and (e.is_symlink() or not e.is_dir(follow_symlinks=False))
            ):
                out.append(Path(e.path))
    return sorted(out)


def outbox(inbox: Path, name: str) -> Path:
    """``accepted/`` or ``rejected/`` inside the inbox: created if missing, refused if a link."""
    folder = inbox / name
    try:
        mode = os.lstat(folder).st_mode
    except FileNotFoundError:
        folder.mkdir()
        return folder
    if stat.S_ISLNK(mode) or not stat.S_ISDIR(mode):
        raise NrisError(
            f"{display(str(folder))} là liên kết hoặc không phải thư mục; không chuyển tệp vào đó",
            f"{display(str(folder))} is a link or not a folder; no file is moved into it",
        )
    return folder


def _write_new(path: Path, text: str) -> None:
    """Write a report beside a moved file, never through a link planted under its name."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def _failed(path: Path, exc: BaseException) -> SubmissionResult:
    """A file whose handling failed in a way validation did not foresee: rejected, with the cause."""
    what = f"{type(exc).__name__}: {exc}".splitlines()[0][:300] if str(exc) else type(exc).__name__
    return SubmissionResult(
        file=path.name,
        status="rejected",
        file_hash="",
        issues=[
            Issue(
                "error",
                "internal_error",
                f"lỗi khi xử lý tệp ({what}); tệp bị từ chối, các tệp khác vẫn được xử lý",
                f"error while processing the file ({what}); the file is rejected, the others go on",
            )
        ],
    )


def _audit_failure(result: SubmissionResult, source: str) -> None:
    try:
        with store.writer() as con:
            result.submission_id = store.next_submission_id(con)
            _audit(
                con,
                result,
                result.file,
                calendar.now().replace(microsecond=0),
                source,
                result.issues,
            )
    except Exception as exc:  # the store itself fails: the report still says so
        result.issues.append(
            Issue(
                "error",
                "not_audited",
                f"không ghi được nhật ký nộp ({type(exc).__name__})",
                f"the attempt could not be audited ({type(exc).__name__})",
            )
        )


def audit_refusal(result: SubmissionResult, source: str) -> None:
    """Audit an attempt refused before its file was validated (e.g. a read-only token submitting)."""
    _audit_failure(result, source)


def ingest_folder(
    inbox: str | Path,
    agency: str | None = None,
    files: Iterable[Path] | None = None,
    allowed: Collection[str] | None = None,
    limits: Limits | None = None,
    source: str = "local",
) -> list[SubmissionResult]:
    """Submit every file in ``inbox`` and move it to ``accepted/`` or ``rejected/`` with its report.

    Each file is its own case: whatever goes wrong with one (unreadable, too large, a link, a bug)
    rejects that file with its report and audit row, and the next file is processed. A file is moved
    only after its transaction has committed; a run killed half way leaves the rest in the inbox,
    and a file stored but not yet moved is recognised as a duplicate next time.
    """
    inbox = Path(inbox)
    limits = limits or Limits.from_env()
    folders = {name: outbox(inbox, name) for name in ("accepted", "rejected")}
    results = []
    for path in files if files is not None else inbox_files(inbox):
        try:
            result = submit(path, agency=agency, allowed=allowed, limits=limits, source=source)
        except Exception as exc:  # noqa: BLE001 - any failure is this file's alone
            result = _failed(path, exc)
            _audit_failure(result, source)
        folder = folders["rejected" if result.status == "rejected" else "accepted"]
        try:
            target = _free_name(folder, path.name)
            os.rename(path, target)  # the entry itself, a link included: never its target
            _write_new(target.with_name(target.name + REPORT_SUFFIXES[0]), result.report() + "\n")
            _write_new(
                target.with_name(target.name + REPORT_SUFFIXES[1]),
                json.dumps(result.as_dict(), ensure_ascii=False, indent=1),
            )
        except OSError as exc:
            result.issues.append(
                Issue(
                    "error",
                    "not_moved",
                    f"không chuyển được tệp hoặc ghi báo cáo vào {folder.name}/ ({exc.strerror})",
                    f"the file could not be moved or its report written to {folder.name}/ "
                    f"({exc.strerror})",
                )
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
