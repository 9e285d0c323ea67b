"""The run history: one row per attempt in a small SQLite file next to the store (``runs.sqlite``,
WAL), so many workers record at once and no reader of the data store is ever blocked by it."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics import paths

if TYPE_CHECKING:  # pandas loads where it is used (``run_history``), never in a run's child
    import pandas as pd

STATUSES = ("running", "ok", "failed", "timeout", "interrupted")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_key TEXT NOT NULL,
    job TEXT NOT NULL,
    name TEXT NOT NULL,
    period TEXT NOT NULL,
    params TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    status TEXT NOT NULL,
    started TEXT NOT NULL,
    ended TEXT,
    error TEXT,
    ipynb TEXT,
    html TEXT,
    host TEXT,
    pid INTEGER
);
CREATE INDEX IF NOT EXISTS runs_job ON runs (job, period);
"""


def history_path() -> Path:
    """The run history database (SQLite, next to the store; never the DuckDB write side)."""
    return paths.store_dir() / "runs.sqlite"


def _db() -> sqlite3.Connection:
    """A connection to the run history, creating it (WAL, schema) on first use.

    Switching to WAL needs an exclusive lock, and SQLite answers "database is locked" at once,
    without waiting, when two processes race to do it; so the setup runs only while the file is not
    set up yet (``run_job`` does it before fanning out) and retries briefly if it loses a race.
    """
    path = history_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=60, isolation_level=None)
    attempt = 0
    while True:
        try:
            if not _set_up(con):
                con.execute("PRAGMA journal_mode=WAL")
                con.executescript(_SCHEMA)
            return con
        except sqlite3.OperationalError as e:
            attempt += 1
            if "locked" not in str(e) or attempt == 50:
                con.close()
                raise
            time.sleep(0.05 * attempt)


def _set_up(con: sqlite3.Connection) -> bool:
    mode = con.execute("PRAGMA journal_mode").fetchone()[0]
    last = con.execute("SELECT 1 FROM sqlite_master WHERE name='runs_job'").fetchone()  # made last
    return mode == "wal" and last is not None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _record_start(key: str, job: str, name: str, period: str, params: dict, attempt: int) -> int:
    con = _db()
    try:
        cur = con.execute(
            "INSERT INTO runs (run_key, job, name, period, params, attempt, status, started, host, pid)"
            " VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)",
            (
                key,
                job,
                name,
                period,
                json.dumps(params, ensure_ascii=False, default=str),
                attempt,
                _now(),
                os.uname().nodename,
                os.getpid(),
            ),
        )
        return int(cur.lastrowid or 0)
    finally:
        con.close()


def _record_end(row: int, status: str, error: str, ipynb: str, html_path: str) -> None:
    con = _db()
    try:
        con.execute(
            "UPDATE runs SET status=?, ended=?, error=?, ipynb=?, html=? WHERE id=?",
            (status, _now(), error[:2000], ipynb, html_path, row),
        )
    finally:
        con.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _history_rows() -> tuple[list[str], list[dict[str, Any]]]:
    """(columns, every recorded attempt newest first) as plain rows: ``run_history`` frames
    them, the index reads them without pandas. A 'running' row of this host whose process is
    gone reads 'interrupted'."""
    con = _db()
    try:
        cur = con.execute("SELECT * FROM runs ORDER BY id DESC")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()
    host = os.uname().nodename
    for r in rows:
        if r["status"] == "running" and r["host"] == host and not _alive(int(r["pid"] or 0)):
            r["status"] = "interrupted"
    return names, rows


def run_history(
    job: str | None = None, status: str | None = None, limit: int = 200
) -> pd.DataFrame:
    """Recorded attempts, newest first. A 'running' row whose process is gone reads 'interrupted'."""
    import pandas as pd

    if not history_path().exists():
        return pd.DataFrame(
            columns=[
                "id",
                "job",
                "name",
                "period",
                "status",
                "attempt",
                "started",
                "ended",
                "error",
                "html",
                "params",
            ]
        )
    names, rows = _history_rows()
    # as pandas.read_sql_query frames a query's rows
    df = pd.DataFrame.from_records(
        [tuple(r.values()) for r in rows], columns=names, coerce_float=True
    )
    if job:
        df = df[df["job"] == job]
    if status:
        df = df[df["status"] == status]
    return df.head(limit).reset_index(drop=True)
