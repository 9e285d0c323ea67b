"""The scheduler's ledger: which due runs of each schedule ran, and which are still owed.

APScheduler 3 calls a job's function without the time it was due for (that time is only in the
``JobExecutionEvent`` it emits afterwards), with ``coalesce`` it keeps only the last of several missed
times, and it stores the next run time before the run ends, so a run killed half-way is lost. The
scheduler therefore keeps its own account, in ``runs.sqlite`` beside the run history:

- ``schedule_marks``: per schedule (job, parameters and the schedule's name, see
  ``Schedule.key``), the due time up to which every run is settled (the watermark), set when the
  schedule is first seen;
- ``scheduled_runs``: one row per (schedule, period) with the due time it ran for and its status.

The due times are the cron's own fire times after the watermark; each is reported on the period
whose cut-off window closed by then (``calendar.closed_period``), like Airflow's data interval. A period
already settled (ok, failed or skipped) is never run again, even when the cron changed; a run that
was interrupted (killed, or the scheduler stopped) is owed again.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from analytics.calendar import closed_period, period_key
from workbench.jobs import TIMEZONE, Schedule, get_job

SETTLED = ("ok", "failed", "skipped")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS schedule_marks (
    key TEXT PRIMARY KEY,
    job TEXT NOT NULL,
    since TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scheduled_runs (
    key TEXT NOT NULL,
    job TEXT NOT NULL,
    period TEXT NOT NULL,
    due TEXT NOT NULL,
    status TEXT NOT NULL,
    started TEXT,
    ended TEXT,
    PRIMARY KEY (key, period)
);
"""


@dataclass(frozen=True)
class Due:
    """One run a schedule owes: the fire time it was due for and the period that time reports on."""

    job: str
    key: str
    due: dt.datetime
    period: str


def now() -> dt.datetime:
    """The wall clock in Asia/Ho_Chi_Minh (what ``faketime`` moves in the scheduler's tests)."""
    return dt.datetime.now(ZoneInfo(TIMEZONE))


def _db() -> sqlite3.Connection:
    from workbench.runs.history import _db as history

    con = history()
    con.executescript(_SCHEMA)
    return con


def _iso(t: dt.datetime) -> str:
    return t.astimezone(ZoneInfo(TIMEZONE)).isoformat(timespec="seconds")


def mark(schedule: Schedule, when: dt.datetime | None = None) -> dt.datetime:
    """The schedule's watermark, set to ``when`` (default: now) the first time it is seen."""
    con = _db()
    try:
        con.execute(
            "INSERT OR IGNORE INTO schedule_marks (key, job, since) VALUES (?, ?, ?)",
            (schedule.key, schedule.job, _iso(when or now())),
        )
        row = con.execute(
            "SELECT since FROM schedule_marks WHERE key = ?", (schedule.key,)
        ).fetchone()
    finally:
        con.close()
    return dt.datetime.fromisoformat(row[0])


def _stored_mark(key: str) -> dt.datetime | None:
    con = _db()
    try:
        row = con.execute("SELECT since FROM schedule_marks WHERE key = ?", (key,)).fetchone()
    finally:
        con.close()
    return dt.datetime.fromisoformat(row[0]) if row else None


def due_times(cron: str, after: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
    """The cron's fire times in ``(after, until]``, oldest first."""
    from apscheduler.triggers.cron import CronTrigger

    trigger = CronTrigger.from_crontab(cron, timezone=TIMEZONE)
    tick = dt.timedelta(microseconds=1)
    out = []
    t = trigger.get_next_fire_time(None, after + tick)
    while t is not None and t <= until:
        out.append(t)
        t = trigger.get_next_fire_time(t, t + tick)
    return out


def _settled(key: str) -> set[str]:
    con = _db()
    try:
        rows = con.execute(
            f"SELECT period FROM scheduled_runs WHERE key = ? AND status IN {SETTLED}", (key,)
        ).fetchall()
    finally:
        con.close()
    return {r[0] for r in rows}


def owed(schedule: Schedule, when: dt.datetime | None = None) -> tuple[list[Due], list[Due]]:
    """What ``schedule`` owes at ``when``: (runs to make, oldest first; runs past the catch-up limit).

    Due times after the watermark map to periods; a period already settled, or met twice, counts
    once (its first due time). Only the latest ``schedule.catchup`` periods are run; older ones are
    left to ``nris run JOB --period P``. A schedule never seen owes nothing.
    """
    when = when or now()
    since = _stored_mark(schedule.key)
    if since is None:
        return [], []
    freq = get_job(schedule.job).freq
    done = _settled(schedule.key)
    runs: dict[str, Due] = {}
    for t in due_times(schedule.cron, since, when):
        period = period_key(closed_period(t, freq), freq)
        if period not in done and period not in runs:
            runs[period] = Due(schedule.job, schedule.key, t, period)
    ordered = sorted(runs.values(), key=lambda d: d.due)
    cut = len(ordered) - schedule.catchup
    return ordered[max(cut, 0) :], ordered[: max(cut, 0)]


def begin(due: Due) -> None:
    """Record that ``due`` is running (an earlier interrupted attempt is replaced)."""
    con = _db()
    try:
        con.execute(
            "INSERT OR REPLACE INTO scheduled_runs (key, job, period, due, status, started)"
            " VALUES (?, ?, ?, ?, 'running', ?)",
            (due.key, due.job, due.period, _iso(due.due), _iso(now())),
        )
    finally:
        con.close()


def settle(due: Due, status: str) -> None:
    """Record how ``due`` ended; a settled run (ok, failed, skipped) moves the watermark past it.

    An ``interrupted`` run leaves the watermark where it was, so the next start owes it again.
    """
    con = _db()
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute(
            "INSERT INTO scheduled_runs (key, job, period, due, status, started, ended)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key, period) DO UPDATE SET"
            " status = excluded.status, ended = excluded.ended, due = excluded.due",
            (due.key, due.job, due.period, _iso(due.due), status, _iso(now()), _iso(now())),
        )
        if status in SETTLED:
            con.execute(
                "UPDATE schedule_marks SET since = ? WHERE key = ? AND since < ?",
                (_iso(due.due), due.key, _iso(due.due)),
            )
        con.execute("COMMIT")
    finally:
        con.close()


def ledger(job: str | None = None) -> list[dict[str, str]]:
    """Every scheduled run recorded, oldest due first (for ``nris scheduler list`` and tests)."""
    con = _db()
    try:
        rows = con.execute(
            "SELECT job, period, due, status, started, ended FROM scheduled_runs"
            " WHERE ? IS NULL OR job = ? ORDER BY due",
            (job, job),
        ).fetchall()
    finally:
        con.close()
    cols = ("job", "period", "due", "status", "started", "ended")
    return [dict(zip(cols, r, strict=True)) for r in rows]
