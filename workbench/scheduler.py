"""The scheduler: APScheduler 3 with a persistent SQLite job store, cron in Asia/Ho_Chi_Minh.

Each schedule of ``schedules.yml`` becomes one APScheduler job with a stable id, stored in
``<store>/scheduler.sqlite`` (SQLAlchemyJobStore). The job store keeps each job's next run time, so a
restart neither loses nor repeats a run; a run missed while the scheduler was down fires once on
start (``coalesce=True``, ``misfire_grace_time=None``), for the period its fire time implies.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pandas as pd

from analytics import paths
from workbench.jobs import TIMEZONE, Schedule, closed_period, get_job, load_schedules, period_key

log = logging.getLogger("nris.scheduler")


def jobstore_url() -> str:
    """SQLite URL of the persistent job store, next to the run history."""
    path = paths.store_dir() / "scheduler.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def fire(job_name: str, params: dict[str, Any] | None = None) -> None:
    """What a trigger runs: the job for the period whose cut-off closed at the fire time."""
    from workbench.runs import run_job

    job = get_job(job_name)
    now = dt.datetime.now(tz=pd.Timestamp.now(tz=TIMEZONE).tz)
    period = period_key(closed_period(now, job.freq), job.freq)
    log.info("running %s for %s", job_name, period)
    run_job(job, period, params or None, progress=False)


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
    """Add the file's schedules to a started (or paused) scheduler; keep stored next run times."""
    from apscheduler.triggers.cron import CronTrigger

    schedules = load_schedules() if schedules is None else schedules
    wanted = {s.id: s for s in schedules}
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            job.remove()
    for s in schedules:
        trigger = CronTrigger.from_crontab(s.cron, timezone=TIMEZONE)
        existing = scheduler.get_job(s.id)
        if existing is not None and str(existing.trigger) == str(trigger):
            continue  # keep its stored next run time: a restart neither loses nor repeats a run
        if existing is not None:
            existing.remove()
        scheduler.add_job(
            func or fire,
            trigger,
            id=s.id,
            name=s.job,
            args=[s.job, s.params or None],
            replace_existing=True,
        )
    return sorted(wanted)


def next_runs(url: str | None = None) -> pd.DataFrame:
    """Schedules with their next run time (as the persistent store has them, else from cron)."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger

    schedules = load_schedules()
    sched = build(BackgroundScheduler(timezone=TIMEZONE), url=url)
    sched.start(paused=True)
    try:
        stored = {j.id: j.next_run_time for j in sched.get_jobs()}
    finally:
        sched.shutdown(wait=False)
    now = dt.datetime.now(tz=pd.Timestamp.now(tz=TIMEZONE).tz)
    rows = []
    for s in schedules:
        trig = CronTrigger.from_crontab(s.cron, timezone=TIMEZONE)
        nxt = stored.get(s.id) or trig.get_next_fire_time(None, now)
        rows.append(
            {
                "job": s.job,
                "cron": s.cron,
                "regime": s.regime,
                "next_run": pd.Timestamp(nxt).strftime("%Y-%m-%d %H:%M %Z") if nxt else "",
                "stored": s.id in stored,
            }
        )
    return pd.DataFrame(rows)


def start() -> None:
    """Run the scheduler in the foreground until interrupted (``nris scheduler start``)."""
    import time

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    sched = build()
    sched.start(paused=True)  # load the persistent store, sync, then let missed runs fire once
    sync(sched)
    for job in sched.get_jobs():
        log.info("%s next run %s", job.id, job.next_run_time)
    sched.resume()
    try:
        while True:
            time.sleep(3600)
    finally:
        sched.shutdown(wait=True)
