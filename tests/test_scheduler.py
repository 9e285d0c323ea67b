"""Scheduler with a fake clock: due runs fire once, missed runs coalesce, a restart keeps state."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FIRED: list[tuple[str, dt.datetime]] = []
NOW: list[dt.datetime] = []


def record(job: str, params: object = None, cron: object = None, limit: object = None) -> None:
    """Stands in for workbench.scheduler.fire (referenced by name in the persistent store)."""
    FIRED.append((job, NOW[-1]))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """A settable clock patched into APScheduler's scheduler and executor modules."""
    import apscheduler.executors.base as ex
    import apscheduler.schedulers.base as base

    real = dt.datetime

    class Fake(real):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            t = NOW[-1]
            return t.astimezone(tz) if tz else t.replace(tzinfo=None)

    monkeypatch.setattr(base, "datetime", Fake)
    monkeypatch.setattr(ex, "datetime", Fake)
    FIRED.clear()
    NOW.clear()
    schedules = tmp_path / "schedules.yml"
    nb = tmp_path / "nb.ipynb"
    nb.write_text("{}", encoding="utf-8")
    schedules.write_text(
        f"jobs:\n  monthly:\n    notebook: {nb}\n    freq: M\n"
        "schedules:\n  - job: monthly\n    cron: '0 6 20 * *'\n    regime: BC_KTXH_THANG\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("NRIS_SCHEDULES", str(schedules))
    return f"sqlite:///{tmp_path / 'jobs.sqlite'}"


def _scheduler(url: str):
    """A scheduler that runs nothing on its own: the test calls _process_jobs at fake times."""
    from apscheduler.executors.debug import DebugExecutor
    from apscheduler.schedulers.base import BaseScheduler

    from workbench import jobs, scheduler

    class Manual(BaseScheduler):
        def wakeup(self) -> None:
            pass

        def shutdown(self, wait: bool = True) -> None:
            super().shutdown(wait)

    sched = scheduler.build(Manual(), url=url, executors={"default": DebugExecutor()})
    sched.start(paused=True)
    scheduler.sync(sched, jobs.load_schedules(), func=record)
    sched.resume()
    return sched


def _at(sched, when: dt.datetime) -> None:
    NOW.append(when)
    sched._process_jobs()


def test_due_run_fires_once_and_restart_keeps_state(clock: str) -> None:
    NOW.append(dt.datetime(2026, 10, 19, 12, 0, tzinfo=TZ))
    sched = _scheduler(clock)
    [job] = sched.get_jobs()
    assert job.next_run_time == dt.datetime(2026, 10, 20, 6, 0, tzinfo=TZ)
    _at(sched, dt.datetime(2026, 10, 20, 5, 59, tzinfo=TZ))
    assert FIRED == []
    _at(sched, dt.datetime(2026, 10, 20, 6, 0, 1, tzinfo=TZ))
    _at(sched, dt.datetime(2026, 10, 20, 6, 5, tzinfo=TZ))
    assert [j for j, _ in FIRED] == ["monthly"]  # once
    sched.shutdown()
    # restart the same day: nothing is repeated, the stored next run is kept
    NOW.append(dt.datetime(2026, 10, 20, 9, 0, tzinfo=TZ))
    again = _scheduler(clock)
    assert again.get_jobs()[0].next_run_time == dt.datetime(2026, 11, 20, 6, 0, tzinfo=TZ)
    _at(again, dt.datetime(2026, 10, 21, 6, 0, tzinfo=TZ))
    assert len(FIRED) == 1
    again.shutdown()


def test_runs_missed_while_down_fire_once_on_start(clock: str) -> None:
    NOW.append(dt.datetime(2026, 6, 1, tzinfo=TZ))
    sched = _scheduler(clock)
    sched.shutdown()
    # down for three due dates (20 Jun, 20 Jul, 20 Aug): on start they coalesce into one run
    NOW.append(dt.datetime(2026, 8, 25, 8, 0, tzinfo=TZ))
    back = _scheduler(clock)
    _at(back, dt.datetime(2026, 8, 25, 8, 0, 1, tzinfo=TZ))
    _at(back, dt.datetime(2026, 8, 25, 9, 0, tzinfo=TZ))
    assert [j for j, _ in FIRED] == ["monthly"]
    assert back.get_jobs()[0].next_run_time == dt.datetime(2026, 9, 20, 6, 0, tzinfo=TZ)
    back.shutdown()


def test_schedules_file_is_validated(clock: str, tmp_path: Path) -> None:
    from analytics.errors import NrisError
    from workbench import jobs

    bad = tmp_path / "bad.yml"
    bad.write_text(
        f"jobs:\n  m:\n    notebook: {tmp_path / 'nb.ipynb'}\n"
        "schedules:\n  - job: m\n    cron: '0 6 32 * *'\n",
        encoding="utf-8",
    )
    with pytest.raises(NrisError, match="bad cron"):
        jobs.load_schedules(bad)
    real = jobs.load_schedules(Path(__file__).resolve().parent.parent / "schedules.yml")
    assert {s.job for s in real} >= {"monthly_report", "province_report", "quarterly_report"}
