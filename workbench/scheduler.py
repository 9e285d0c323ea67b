"""The scheduler: APScheduler 3 with a persistent SQLite job store, cron in Asia/Ho_Chi_Minh.

Each schedule of ``schedules.yml`` becomes one APScheduler job with a stable id, stored in
``<store>/scheduler.sqlite`` (SQLAlchemyJobStore); APScheduler decides when to wake up. What a run
reports on is decided by the ledger (``workbench.catchup``): every due time of the cron since the
schedule's watermark is one run, for the period whose cut-off window closed by that due time. After
downtime each missed period runs once, oldest first (up to the schedule's ``catchup`` limit); a
restart never repeats a settled one. Each run is ``nris run JOB --period P`` in a child process
group of its own, so stopping the scheduler (SIGTERM, SIGINT, SIGHUP) stops every run it started.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import threading
from typing import Any

import pandas as pd

from analytics import paths
from workbench import catchup
from workbench.jobs import CATCHUP, TIMEZONE, Schedule, load_schedules

log = logging.getLogger("nris.scheduler")
STOP = threading.Event()
"""Set when the scheduler is stopping: no new run starts, a running one is stopped."""
_CHILDREN: set[subprocess.Popen] = set()
_LOCK = threading.Lock()


def jobstore_url() -> str:
    """SQLite URL of the persistent job store, next to the run history."""
    path = paths.store_dir() / "scheduler.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def fire(
    job_name: str,
    params: dict[str, Any] | None = None,
    cron: str | None = None,
    limit: int = CATCHUP,
    name: str = "",
) -> None:
    """What a trigger runs: every run the schedule owes, oldest first (see ``catch_up``)."""
    if cron is None:  # a job stored by an older version: find its schedule in the file
        found = [s for s in load_schedules() if s.job == job_name]
        if not found:
            return
        cron = found[0].cron
    catch_up(Schedule(job_name, cron, params=dict(params or {}), catchup=limit, name=name))


def catch_up(
    schedule: Schedule, run: Any = None, when: dt.datetime | None = None
) -> list[tuple[catchup.Due, str]]:
    """Run what ``schedule`` owes now, oldest first, until it owes nothing (or the scheduler stops).

    Periods past the catch-up limit are recorded as skipped (``nris run JOB --period P`` backfills
    them). ``run(due, params)`` returns the run's status; by default a child ``nris run``.
    ``when`` fixes the clock (tests); by default each round reads the wall clock.
    """
    run = run or run_due
    done: list[tuple[catchup.Due, str]] = []
    while not STOP.is_set():
        owed, skipped = catchup.owed(schedule, when)
        for d in skipped:
            log.warning(
                "%s %s (due %s) skipped: past the catch-up limit of %d; run it with "
                "nris run %s --period %s",
                d.job, d.period, d.due, schedule.catchup, d.job, d.period,
            )  # fmt: skip
            catchup.settle(d, "skipped")
            done.append((d, "skipped"))
        if not owed:
            break
        d = owed[0]
        catchup.begin(d)
        log.info("running %s for %s (due %s)", d.job, d.period, d.due)
        status = "interrupted" if STOP.is_set() else run(d, schedule.params)
        status = "interrupted" if STOP.is_set() else status
        catchup.settle(d, status)
        log.info("%s %s (due %s): %s", d.job, d.period, d.due, status)
        done.append((d, status))
        if status == "interrupted":
            break
    return done


def run_due(due: catchup.Due, params: dict[str, Any]) -> str:
    """``nris run JOB --period P`` in a process group of its own; ok, failed or interrupted."""
    import json

    cmd = [sys.executable, "-m", "workbench.cli", "run", due.job, "--period", due.period]
    for name, value in params.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        cmd += ["-p", f"{name}={text}"]
    env = {**os.environ, "NRIS_DIE_WITH_PARENT": "1"}
    with _LOCK:
        if STOP.is_set():
            return "interrupted"
        proc = subprocess.Popen([*cmd, "--no-progress"], env=env, start_new_session=True)
        _CHILDREN.add(proc)
    try:
        code = proc.wait()
    finally:
        with _LOCK:
            _CHILDREN.discard(proc)
    return {0: "ok", 1: "failed", 2: "failed"}.get(code, "interrupted")


def stop_children(grace: float = 20.0) -> None:
    """Stop every run started here: SIGTERM to each run's group, SIGKILL after ``grace`` seconds."""
    STOP.set()
    with _LOCK:
        children = list(_CHILDREN)
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        for proc in children:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
        for proc in children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(wait)
        if all(p.poll() is not None for p in children):
            return


def build(scheduler: Any = None, url: str | None = None, **options: Any) -> Any:
    """A scheduler with the persistent store and every schedule of the file (replacing stale ones).

    Existing jobs keep their stored next run time (so nothing is repeated or lost); schedules no
    longer in the file are removed. ``scheduler`` may be given (tests pass one with a fake clock).
    """
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    if scheduler is None:
        from apscheduler.schedulers.background import BackgroundScheduler

        scheduler = BackgroundScheduler(timezone=TIMEZONE)
    scheduler.configure(
        jobstores={"default": SQLAlchemyJobStore(url=url or jobstore_url())},
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        timezone=TIMEZONE,
        **options,
    )
    return scheduler


def sync(scheduler: Any, schedules: list[Schedule] | None = None, func: Any = None) -> list[str]:
    """Add the file's schedules to a started (or paused) scheduler; keep stored next run times.

    A job whose cron, parameters or catch-up limit changed is replaced (its ledger stays: what
    ran is known by job, parameters and the schedule's name, not by cron).
    """
    from apscheduler.triggers.cron import CronTrigger

    schedules = load_schedules() if schedules is None else schedules
    wanted = {s.id: s for s in schedules}
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            job.remove()
    for s in schedules:
        trigger = CronTrigger.from_crontab(s.cron, timezone=TIMEZONE)
        args = [s.job, s.params or None, s.cron, s.catchup] + ([s.name] if s.name else [])
        existing = scheduler.get_job(s.id)
        if existing is not None and (str(existing.trigger), list(existing.args)) == (
            str(trigger),
            args,
        ):
            continue  # keep its stored next run time
        if existing is not None:
            existing.remove()
        scheduler.add_job(
            func or fire, trigger, id=s.id, name=s.job, args=args, replace_existing=True
        )
    return sorted(wanted)


def _stored_next_runs() -> dict[str, dt.datetime]:
    """Next run times in the persistent job store, read from its table (no scheduler started)."""
    import sqlite3
    from zoneinfo import ZoneInfo

    path = paths.store_dir() / "scheduler.sqlite"
    if not path.exists():
        return {}
    con = sqlite3.connect(path)
    try:
        rows = con.execute("SELECT id, next_run_time FROM apscheduler_jobs").fetchall()
    except sqlite3.OperationalError:  # created but never started
        rows = []
    finally:
        con.close()
    tz = ZoneInfo(TIMEZONE)
    return {i: dt.datetime.fromtimestamp(t, tz) for i, t in rows if t is not None}


def next_runs() -> pd.DataFrame:
    """Schedules with their next due time and the missed runs waiting (periods owed now).

    ``missed`` are the periods the next start runs, oldest first; ``past_limit`` those beyond the
    schedule's catch-up limit, left to ``nris run JOB --period P``.
    """
    from apscheduler.triggers.cron import CronTrigger

    schedules = load_schedules()
    stored = _stored_next_runs()
    now = catchup.now()
    rows = []
    for s in schedules:
        trig = CronTrigger.from_crontab(s.cron, timezone=TIMEZONE)
        nxt = stored.get(s.id)
        nxt = nxt if nxt is not None and nxt > now else trig.get_next_fire_time(None, now)
        owed, skipped = catchup.owed(s, now)
        rows.append(
            {
                "job": s.job,
                "cron": s.cron,
                "regime": s.regime,
                "next_run": pd.Timestamp(nxt).strftime("%Y-%m-%d %H:%M %Z") if nxt else "",
                "missed": ", ".join(d.period for d in owed) or "-",
                "past_limit": ", ".join(d.period for d in skipped) or "-",
            }
        )
    return pd.DataFrame(rows)


def start() -> None:
    """Run the scheduler in the foreground until SIGTERM, SIGINT or SIGHUP (``nris scheduler start``).

    On start every schedule's owed runs (missed while down) are queued at once; on a signal no new
    run starts, running ones are stopped (their periods stay owed) and the process exits.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    STOP.clear()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: STOP.set())
    schedules = load_schedules()
    for s in schedules:  # a schedule seen for the first time owes what falls due from now on
        catchup.mark(s, catchup.now())
    sched = build()
    sched.start(paused=True)  # load the persistent store, sync, queue what is owed, then go
    try:
        sync(sched, schedules)
        when = catchup.now()
        for s in schedules:
            owed, skipped = catchup.owed(s, when)
            if owed or skipped:
                log.info("%s missed: %s", s.id, ", ".join(d.period for d in skipped + owed))
                sched.modify_job(s.id, next_run_time=when)
            else:
                log.info("%s missed: none", s.id)
        for job in sched.get_jobs():
            log.info("%s next run %s", job.id, job.next_run_time)
        sched.resume()
        log.info("ready")
        while not STOP.wait(1.0):
            pass
        log.info("stopping")
    finally:
        stop_children()
        sched.shutdown(wait=True)
