"""The store: one append-only DuckDB file on the write side, Parquet snapshots on the read side.

DuckDB lets one process hold its file, and refuses even read-only opens from others meanwhile. So
writers take an exclusive file lock, write in one transaction, publish a consolidated snapshot, and let
go; readers (kernels, Voilà, scheduled runs) never open the database. They read the snapshot named in
``current.json``. A snapshot file is immutable once named there; the pointer is swapped with
``os.replace``, so a reader sees the whole old snapshot or the whole new one, never a mix.

A writer killed between its commit and its publish leaves the ``unpublished`` marker and a manifest
whose high-water marks lag the database: ``catch_up`` (and the next writer) publish what is missing.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics import paths
from analytics.errors import StoreError

if TYPE_CHECKING:  # DuckDB loads in the writer and the read query only: readers of the snapshot
    # (nris summary, kernels, briefings) never open the database and need not load it
    import duckdb
    import pandas as pd

OBS_COLUMNS = [
    "indicator",
    "area",
    "period",
    "freq",
    "value",
    "unit",
    "status",
    "submission_id",
    "agency",
    "regime",
    "vintage",
]
SUBMISSION_COLUMNS = [
    "submission_id",
    "agency",
    "regime",
    "period",
    "freq",
    "file_name",
    "file_hash",
    "received_at",
    "status",
    "n_rows",
    "n_errors",
    "n_warnings",
    "reasons",
    "source",
]
STATUSES = ("preliminary", "official", "revised")
SNAPSHOT_ORDER = ["indicator", "area", "period", "freq", "vintage", "submission_id"]
"""Row order of a snapshot: by indicator first, so a reader's filter skips whole row groups, and
by key then vintage, so the latest rows come out in key order and readers need not sort them."""
KEEP_OLD_SNAPSHOTS_S = 300

SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS submission_seq START 1;
CREATE TABLE IF NOT EXISTS submissions (
    submission_id BIGINT PRIMARY KEY,
    agency VARCHAR, regime VARCHAR, period DATE, freq VARCHAR,
    file_name VARCHAR, file_hash VARCHAR, received_at TIMESTAMP,
    status VARCHAR,            -- accepted | rejected | duplicate
    n_rows INTEGER, n_errors INTEGER, n_warnings INTEGER,
    reasons VARCHAR,           -- JSON list of the rejection reasons / warnings
    source VARCHAR             -- demo | local | local: user x / inbox /path (bound sender) | api: token id
);
CREATE TABLE IF NOT EXISTS observations (
    indicator VARCHAR, area VARCHAR, period DATE, freq VARCHAR, value DOUBLE, unit VARCHAR,
    status VARCHAR, submission_id BIGINT, agency VARCHAR, regime VARCHAR, vintage TIMESTAMP
);
"""


def _row(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple:
    """The single row a query returns (aggregates and nextval always return one)."""
    rows = con.execute(sql, params or []).fetchall()  # fetchall: leaves no pending result behind
    assert len(rows) == 1, sql
    return rows[0]


def db_path() -> Path:
    """The write-side database file."""
    return paths.store_dir() / "nris.duckdb"


def pointer_path() -> Path:
    """The JSON manifest naming the current snapshot."""
    return paths.store_dir() / "current.json"


def snapshots_dir() -> Path:
    """Folder of the immutable snapshot files."""
    return paths.store_dir() / "snapshots"


@contextmanager
def _file_lock(path: Path, timeout: float) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreError(
                        f"Kho dữ liệu đang bị khóa quá {timeout:.0f} giây ({path})",
                        f"the store has been locked for more than {timeout:.0f} s ({path})",
                    ) from None
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def writer(publish: bool = True, timeout: float = 600.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """Exclusive write access: one transaction, then (if anything changed) a new snapshot.

    Anything raised inside the block rolls the whole transaction back, so a submission is stored
    wholly or not at all. A killed process leaves an uncommitted transaction that DuckDB discards.
    """
    import duckdb

    with _file_lock(paths.store_dir() / "write.lock", timeout):
        con = duckdb.connect(str(db_path()))
        try:
            con.execute(SCHEMA)
            behind = _behind(con) if publish else None  # left behind by a writer killed earlier
            con.execute("BEGIN TRANSACTION")
            before = _row(con, "SELECT count(*) FROM observations")[0]
            subs_before = _row(con, "SELECT count(*) FROM submissions")[0]
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            after = _row(con, "SELECT count(*) FROM observations")[0]
            subs_after = _row(con, "SELECT count(*) FROM submissions")[0]
            changed = after != before or subs_after != subs_before
            if changed:  # from the commit until the publish, the store is ahead of the snapshot
                _mark_unpublished()
            con.execute("COMMIT")
            if publish and (after != before or behind == "observations"):
                publish_snapshot(con)
            elif publish and (subs_after != subs_before or behind == "submissions"):
                publish_submissions(con)  # e.g. a rejected attempt: observations file unchanged
            if publish:
                paths.unpublished_path().unlink(missing_ok=True)
        finally:
            con.close()


def _mark_unpublished() -> None:
    with open(paths.unpublished_path(), "w", encoding="utf-8") as fh:
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        os.fsync(fh.fileno())


def _behind(con: duckdb.DuckDBPyConnection) -> str | None:
    """What the published snapshot lacks of the store: 'observations', 'submissions' or None.

    The manifest records the store's high-water marks when it was written (observation rows, last
    submission id, the catalog's authority table), so comparing them is two small aggregates.
    """
    if not pointer_path().exists():
        has_any = _row(con, "SELECT count(*) FROM submissions")[0] > 0
        return "observations" if has_any else None
    manifest = json.loads(pointer_path().read_text(encoding="utf-8"))
    n_obs, last_sub = _row(
        con, "SELECT (SELECT count(*) FROM observations), max(submission_id) FROM submissions"
    )
    if manifest.get("obs_rows", manifest.get("rows")) != n_obs:
        return "observations"
    if manifest.get("authority") != _authority_key():
        return "observations"  # the catalog names other authoritative sources: recompute latest
    if manifest.get("last_submission") != (int(last_sub) if last_sub is not None else None):
        return "submissions"
    return None


def catch_up(timeout: float = 30.0) -> str | None:
    """Publish whatever the store holds that the snapshot lacks; returns what was republished.

    Called by ``nris serve`` and ``nris scheduler start`` at start, and by every ``nris`` command when
    a writer was stopped between its commit and its publish (the ``unpublished`` marker is left).
    When another process holds the store for longer than ``timeout`` seconds nothing is done: a
    writer checks the same high-water marks under the lock and publishes what is behind itself.
    """
    if not db_path().exists():
        return None
    import duckdb

    try:
        with _file_lock(paths.store_dir() / "write.lock", timeout):
            con = duckdb.connect(str(db_path()))
            try:
                con.execute(SCHEMA)
                behind = _behind(con)
                if behind == "observations":
                    publish_snapshot(con)
                elif behind == "submissions":
                    publish_submissions(con)
                paths.unpublished_path().unlink(missing_ok=True)
                return behind
            finally:
                con.close()
    except StoreError:
        return None  # held by a writer, which publishes on its own
    except duckdb.Error as exc:
        raise StoreError(
            f"không cập nhật được bản công bố từ {db_path()} ({type(exc).__name__})",
            f"cannot bring the snapshot up to date from {db_path()} ({type(exc).__name__})",
        ) from None


def catch_up_if_marked() -> str | None:
    """``catch_up`` only when a writer left the ``unpublished`` marker (cheap: one stat)."""
    if not paths.unpublished_path().exists():
        return None
    try:
        return catch_up(timeout=0.0)
    except StoreError:  # the command asked for something else: the next one or a writer catches up
        return None


def next_submission_id(con: duckdb.DuckDBPyConnection) -> int:
    """A new submission id (inside a writer transaction)."""
    return int(_row(con, "SELECT nextval('submission_seq')")[0])


def record_submission(con: duckdb.DuckDBPyConnection, **fields: Any) -> None:
    """Insert one row of the submissions audit table (accepted or rejected)."""
    record_submissions(con, [fields])


def record_submissions(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    """Insert rows of the submissions audit table in one statement (a group commit's)."""
    if not rows:
        return
    cols = SUBMISSION_COLUMNS
    for fields in rows:
        unknown = set(fields) - set(cols)
        if unknown:
            raise TypeError(f"unknown submission fields: {sorted(unknown)}")
    one = f"({', '.join('?' * len(cols))})"
    con.execute(
        f"INSERT INTO submissions VALUES {', '.join([one] * len(rows))}",
        [fields.get(c) for fields in rows for c in cols],
    )


def append_observations(con: duckdb.DuckDBPyConnection, obs: pd.DataFrame) -> int:
    """Append observations (columns ``OBS_COLUMNS``) inside a writer transaction; returns the count."""
    missing = [c for c in OBS_COLUMNS if c not in obs.columns]
    if missing:
        raise ValueError(f"observations lack columns {missing}")
    con.register("_new_observations", obs[OBS_COLUMNS])
    try:
        con.execute(
            f"INSERT INTO observations SELECT {', '.join(OBS_COLUMNS)} FROM _new_observations"
        )
    finally:
        con.unregister("_new_observations")
    return len(obs)


def append_submissions(con: duckdb.DuckDBPyConnection, subs: pd.DataFrame) -> int:
    """Bulk-insert submission audit rows (columns as ``SUBMISSION_COLUMNS``) inside a transaction."""
    con.register("_new_submissions", subs[SUBMISSION_COLUMNS])
    try:
        con.execute(
            f"INSERT INTO submissions SELECT {', '.join(SUBMISSION_COLUMNS)} FROM _new_submissions"
        )
    finally:
        con.unregister("_new_submissions")
    return len(subs)


def publish_snapshot(con: duckdb.DuckDBPyConnection) -> Path:
    """Write the consolidated snapshot to a new file and swap the pointer to it atomically."""
    out_dir = snapshots_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    final = out_dir / f"snapshot-{stamp}-{os.getpid()}.parquet"
    tmp = final.with_suffix(".parquet.tmp")
    con.register("_authority", _authority_table())
    try:
        con.execute(
            f"""
            COPY (
                WITH o AS (
                    SELECT o.*, (a.agency IS NULL OR a.agency = o.agency) AS authoritative
                    FROM observations o LEFT JOIN _authority a USING (indicator, area)
                )
                SELECT {", ".join(OBS_COLUMNS)}, authoritative,
                       authoritative AND row_number() OVER (
                           PARTITION BY indicator, area, period, freq, authoritative
                           ORDER BY vintage DESC, submission_id DESC) = 1 AS is_latest
                FROM o
                ORDER BY {", ".join(SNAPSHOT_ORDER)}
            ) TO '{tmp}' (FORMAT PARQUET, COMPRESSION zstd, ROW_GROUP_SIZE 65536)
            """
        )
    finally:
        con.unregister("_authority")
    stats = _row(
        con, """SELECT count(*), count(DISTINCT submission_id), max(vintage) FROM observations"""
    )
    demo = _row(con, "SELECT count(*) FROM submissions WHERE source = 'demo'")[0] > 0
    os.replace(tmp, final)
    subs_file = _write_submissions(con, stamp)
    manifest = {
        "file": final.name,
        "rows": int(stats[0]),
        "submissions": int(stats[1]),
        "max_vintage": stats[2].isoformat() if stats[2] else None,
        "published_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "demo": bool(demo),
        "submissions_file": subs_file.name,
        "obs_rows": int(stats[0]),
        "last_submission": _last_submission(con),
        "authority": _authority_key(),
        "order": SNAPSHOT_ORDER,
    }
    _write_manifest(manifest)
    _remove_old_snapshots(keep={final, subs_file})
    return final


def _last_submission(con: duckdb.DuckDBPyConnection) -> int | None:
    last = _row(con, "SELECT max(submission_id) FROM submissions")[0]
    return int(last) if last is not None else None


def _authority_table() -> pd.DataFrame:
    """(indicator, area, agency): whose figures make the consolidated (latest) view."""
    from analytics.catalog import catalog

    return catalog().authority[["indicator", "area", "agency"]]


_AUTHORITY_KEYS: list[tuple[Any, str]] = []


def _authority_key() -> str:
    """A short digest of the authority table, so a catalog change is seen as a snapshot behind
    (computed once per catalog object: each writer asks for it twice)."""
    import hashlib

    from analytics.catalog import catalog

    cat = catalog()
    for known, key in _AUTHORITY_KEYS:
        if known is cat:
            return key
    text = _authority_table().to_csv(index=False)
    key = hashlib.sha256(text.encode()).hexdigest()[:16]
    _AUTHORITY_KEYS[:] = [(cat, key)]  # the catalog object is held here: its id is never reused
    return key


def _write_submissions(con: duckdb.DuckDBPyConnection, stamp: str) -> Path:
    """Write the submissions audit table (every attempt) to a new immutable Parquet file."""
    final = snapshots_dir() / f"submissions-{stamp}-{os.getpid()}.parquet"
    tmp = final.with_suffix(".parquet.tmp")
    con.execute(
        f"""COPY (SELECT {", ".join(SUBMISSION_COLUMNS)} FROM submissions ORDER BY submission_id)
            TO '{tmp}' (FORMAT PARQUET, COMPRESSION zstd)"""
    )
    os.replace(tmp, final)
    return final


def _write_manifest(manifest: dict[str, Any]) -> None:
    tmp_ptr = pointer_path().with_suffix(f".json.{os.getpid()}.tmp")
    tmp_ptr.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    with open(tmp_ptr, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp_ptr, pointer_path())


def publish_submissions(con: duckdb.DuckDBPyConnection) -> Path:
    """Republish only the submissions audit table; the observations snapshot file stays as it is.

    Used after an attempt that stored no observations (a rejected file), so the briefings' reporting
    status sees it while the observations readers keep reading the very same bytes.
    """
    if not pointer_path().exists():
        return publish_snapshot(con)
    manifest = json.loads(pointer_path().read_text(encoding="utf-8"))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    subs_file = _write_submissions(con, stamp)
    manifest["submissions_file"] = subs_file.name
    manifest["published_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    manifest["last_submission"] = _last_submission(con)
    _write_manifest(manifest)
    _remove_old_snapshots(keep={snapshots_dir() / manifest["file"], subs_file})
    return subs_file


def _remove_old_snapshots(keep: set[Path]) -> None:
    """Delete snapshots no longer current and older than a few minutes (readers may still hold one)."""
    now = time.time()
    for pattern in ("snapshot-*.parquet*", "submissions-*.parquet*"):
        for p in snapshots_dir().glob(pattern):
            if p not in keep and now - p.stat().st_mtime > KEEP_OLD_SNAPSHOTS_S:
                p.unlink(missing_ok=True)


def snapshot_info() -> dict[str, Any]:
    """The current snapshot's manifest: file, rows, submissions, max vintage, publish time, demo flag."""
    try:
        info = json.loads(pointer_path().read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(
            f"Chưa có dữ liệu tổng hợp trong {paths.store_dir()}; hãy chạy 'nris demo' hoặc nộp báo cáo",
            f"no consolidated snapshot in {paths.store_dir()}; run 'nris demo' or submit a report",
        ) from None
    info["path"] = str(snapshots_dir() / info["file"])
    if info.get("submissions_file"):
        info["submissions_path"] = str(snapshots_dir() / info["submissions_file"])
    return info


def snapshot_key() -> str | None:
    """The current snapshot's file name (cheap: the pointer only), or None before any publish."""
    try:
        return str(json.loads(pointer_path().read_text(encoding="utf-8"))["file"])
    except (OSError, ValueError, KeyError):
        return None


def has_snapshot() -> bool:
    """Whether a snapshot has been published."""
    return pointer_path().exists()


def read_query(sql: str, params: list | None = None) -> pd.DataFrame:
    """Run a read-only query on the write-side database under the writer lock (CLI and audits only).

    Kernels and briefings must not use this: it waits for writers. They read snapshots instead.
    """
    if not db_path().exists():
        raise StoreError(f"Chưa có kho dữ liệu {db_path()}", f"no store database at {db_path()}")
    import duckdb

    with _file_lock(paths.store_dir() / "write.lock", 60.0):
        con = duckdb.connect(str(db_path()), read_only=True)
        try:
            return con.execute(sql, params or []).df()
        finally:
            con.close()
