"""Scheduler with a fake clock: APScheduler wakes once per due time (missed ones coalesce into one
wake-up) and a restart keeps its state; the ledger decides which periods each wake-up runs."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FIRED: list[tuple[str, dt.datetime]] = []
NOW: list[dt.datetime] = []


def record(
    job: str, params: object = None, cron: object = None, limit: object = None, name: object = ""
) -> None:
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
    bad.write_text("jobs:\n  m:\n    notebook: x\n   freq: M\n", encoding="utf-8")
    with pytest.raises(NrisError) as broken:
        jobs.load_schedules(bad)
    assert broken.value.en == (
        "bad.yml: bad YAML (line 4, column 4: expected <block end>, but found '<block mapping start>')"
    )
    real = jobs.load_schedules(Path(__file__).resolve().parent.parent / "schedules.yml")
    assert {s.job for s in real} >= {"monthly_report", "province_report", "quarterly_report"}


# -- the ledger: due times, periods, catch-up limit, no repeats ---------------------------------
@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An empty store (run history and ledger) and a schedules file with a monthly tiny job."""
    monkeypatch.setenv("NRIS_STORE", str(tmp_path / "store"))
    nb = tmp_path / "nb.ipynb"
    nb.write_text("{}", encoding="utf-8")
    (tmp_path / "s.yml").write_text(
        f"jobs:\n  m:\n    notebook: {nb}\n    freq: M\n  q:\n    notebook: {nb}\n    freq: Q\n"
        "schedules:\n  - job: m\n    cron: '0 6 20 * *'\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("NRIS_SCHEDULES", str(tmp_path / "s.yml"))


def _vn(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def test_missed_periods_run_once_oldest_first_up_to_the_limit(ledger: None) -> None:
    from workbench import catchup
    from workbench.jobs import Schedule
    from workbench.scheduler import catch_up

    s = Schedule("m", "0 6 20 * *", catchup=2)
    assert catchup.owed(s, _vn(2026, 12, 1)) == ([], [])  # never seen: owes nothing
    catchup.mark(s, _vn(2026, 7, 19, 12))
    # down until 16 September: July and August are owed, September is not due before the 20th
    owed, past = catchup.owed(s, _vn(2026, 9, 16))
    assert [(d.period, d.due) for d in owed] == [
        ("2026-07", _vn(2026, 7, 20, 6)),
        ("2026-08", _vn(2026, 8, 20, 6)),
    ]
    assert past == []
    # down until 25 November: five periods owed, the limit of 2 runs the latest two, oldest first
    seen: list[str] = []
    done = catch_up(s, run=lambda d, p: seen.append(d.period) or "ok", when=_vn(2026, 11, 25))
    assert seen == ["2026-10", "2026-11"]
    assert [(d.period, st) for d, st in done] == [
        ("2026-07", "skipped"),
        ("2026-08", "skipped"),
        ("2026-09", "skipped"),
        ("2026-10", "ok"),
        ("2026-11", "ok"),
    ]
    # nothing is repeated by a second start, nor by a cron that moved to the 25th (same periods)
    assert catch_up(s, run=lambda d, p: "ok", when=_vn(2026, 11, 26)) == []
    moved = Schedule("m", "0 6 25 * *", catchup=2)
    assert catchup.owed(moved, _vn(2026, 11, 26)) == ([], [])
    assert [d.period for d in catchup.owed(moved, _vn(2026, 12, 25, 6))[0]] == ["2026-12"]
    # parameters make another schedule, with a ledger of its own
    assert catchup.owed(Schedule("m", "0 6 20 * *", params={"lang": "en"}), _vn(2027, 1, 1)) == (
        [],
        [],
    )


def test_an_interrupted_run_stays_owed_and_a_failed_one_does_not(ledger: None) -> None:
    from workbench import catchup
    from workbench.jobs import Schedule
    from workbench.scheduler import catch_up

    s = Schedule("m", "0 6 20 * *")
    catchup.mark(s, _vn(2026, 5, 1))
    outcomes = iter(["failed", "interrupted"])
    done = catch_up(s, run=lambda d, p: next(outcomes), when=_vn(2026, 7, 21))
    assert [(d.period, st) for d, st in done] == [("2026-05", "failed"), ("2026-06", "interrupted")]
    owed, _ = catchup.owed(s, _vn(2026, 7, 21))
    assert [d.period for d in owed] == ["2026-06", "2026-07"]
    assert [(r["period"], r["status"]) for r in catchup.ledger("m")] == [
        ("2026-05", "failed"),
        ("2026-06", "interrupted"),
    ]


def test_a_quarterly_schedule_reports_the_quarter_whose_window_closed(ledger: None) -> None:
    from workbench import catchup
    from workbench.jobs import Schedule

    s = Schedule("q", "0 6 22 3,6,9,12 *")
    catchup.mark(s, _vn(2026, 1, 1))
    owed, _ = catchup.owed(s, _vn(2026, 12, 31))
    assert [d.period for d in owed] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]


def test_catchup_limit_is_validated(ledger: None, tmp_path: Path) -> None:
    from analytics.errors import NrisError
    from workbench import jobs

    bad = tmp_path / "bad.yml"
    bad.write_text(
        f"catchup: 3\njobs:\n  m:\n    notebook: {tmp_path / 'nb.ipynb'}\n"
        "schedules:\n  - job: m\n    cron: '0 6 20 * *'\n  - job: m\n    cron: '0 7 20 * *'\n"
        "    name: late\n    catchup: -1\n",
        encoding="utf-8",
    )
    with pytest.raises(NrisError, match="catchup of m must be an integer >= 0, got '-1'"):
        jobs.load_schedules(bad)
    bad.write_text(bad.read_text(encoding="utf-8").replace("catchup: -1", "catchup: 0"))
    assert [s.catchup for s in jobs.load_schedules(bad)] == [3, 0]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("retries: -1", "job m: retries must be an integer >= 0, got '-1'"),
        ("retries: 1.5", "job m: retries must be an integer >= 0, got '1.5'"),
        ("timeout: 0", "job m: timeout must be a number >= 1, got '0'"),
        ("timeout: soon", "job m: timeout must be a number >= 1, got 'soon'"),
        ("backoff: -5", "job m: backoff must be a number >= 0, got '-5'"),
        ("backoff: .nan", "job m: backoff must be a number >= 0, got 'nan'"),
    ],
)
def test_a_jobs_retries_timeout_and_backoff_are_validated(
    tmp_path: Path, line: str, message: str
) -> None:
    from analytics.errors import NrisError
    from workbench import jobs

    nb = tmp_path / "nb.ipynb"
    nb.write_text("{}", encoding="utf-8")
    path = tmp_path / "jobs.yml"
    path.write_text(f"jobs:\n  m:\n    notebook: {nb}\n    {line}\n", encoding="utf-8")
    with pytest.raises(NrisError, match=re.escape(message)):
        jobs.load_jobs(path)
    path.write_text(
        f"jobs:\n  m:\n    notebook: {nb}\n    retries: 0\n    timeout: 1\n    backoff: 0\n",
        encoding="utf-8",
    )
    m = jobs.load_jobs(path)["m"]
    assert (m.retries, m.timeout, m.backoff) == (0, 1.0, 0.0)


def test_each_schedule_of_a_job_keeps_its_own_ledger(ledger: None, tmp_path: Path) -> None:
    """Two schedules of one job with the same parameters (a flash report on the 5th, the full one
    on the 20th) are two ledgers: the 20th's runs do not settle the 5th's, and a cron change of one
    still repeats none of its periods. Same job and cron with other parameters: two triggers."""
    from analytics.errors import NrisError
    from workbench import catchup, jobs, scheduler
    from workbench.scheduler import catch_up

    path = tmp_path / "two.yml"
    path.write_text(
        f"jobs:\n  m:\n    notebook: {tmp_path / 'nb.ipynb'}\n    freq: M\n"
        "schedules:\n  - job: m\n    cron: '0 6 20 * *'\n  - job: m\n    cron: '0 6 5 * *'\n",
        encoding="utf-8",
    )
    with pytest.raises(NrisError, match="two schedules of m with the same parameters"):
        jobs.load_schedules(path)  # one ledger for both would be ambiguous: names are asked for
    path.write_text(path.read_text().replace("'0 6 5 * *'\n", "'0 6 5 * *'\n    name: flash\n"))
    full, flash = jobs.load_schedules(path)
    assert (full.name, flash.name) == ("", "flash")
    assert full.key != flash.key and full.id != flash.id
    for s in (full, flash):
        catchup.mark(s, _vn(2026, 7, 1))
    ran = catch_up(full, run=lambda d, p: "ok", when=_vn(2026, 8, 21))
    assert [(d.period, d.due) for d, _ in ran] == [
        ("2026-07", _vn(2026, 7, 20, 6)),
        ("2026-08", _vn(2026, 8, 20, 6)),
    ]
    # the flash reports of 5 July (June) and 5 August (July's window closed on 14 July) are owed
    owed, _ = catchup.owed(flash, _vn(2026, 8, 21))
    assert [(d.period, d.due) for d in owed] == [
        ("2026-06", _vn(2026, 7, 5, 6)),
        ("2026-07", _vn(2026, 8, 5, 6)),
    ]
    done = catch_up(flash, run=lambda d, p: "ok", when=_vn(2026, 8, 21))
    assert [d.period for d, _ in done] == ["2026-06", "2026-07"]
    # the flash moves to the 6th: July is not repeated; the full report owes nothing more either
    moved = jobs.Schedule("m", "0 6 6 * *", name="flash")
    assert catchup.owed(moved, _vn(2026, 8, 21)) == ([], [])
    assert [d.period for d in catchup.owed(moved, _vn(2026, 9, 6, 6))[0]] == ["2026-08"]
    assert catchup.owed(full, _vn(2026, 9, 19)) == ([], [])
    # same job and cron, other parameters: two APScheduler jobs, not one replacing the other
    from apscheduler.schedulers.background import BackgroundScheduler

    sched = scheduler.build(BackgroundScheduler(), url=f"sqlite:///{tmp_path / 'jobs.sqlite'}")
    sched.start(paused=True)
    try:
        two = [jobs.Schedule("m", "0 6 20 * *", params={"lang": v}) for v in ("vi", "en")]
        assert len(scheduler.sync(sched, two, func=record)) == 2
        assert sorted(j.args[1]["lang"] for j in sched.get_jobs()) == ["en", "vi"]
        scheduler.sync(sched, [flash], func=record)
        assert [list(j.args) for j in sched.get_jobs()] == [["m", None, "0 6 5 * *", 12, "flash"]]
    finally:
        sched.shutdown(wait=False)


def test_due_times_exclude_the_watermark_and_include_now(ledger: None) -> None:
    from workbench import catchup
    from workbench.jobs import Schedule

    due = catchup.due_times("0 6 20 * *", _vn(2026, 7, 20, 6), _vn(2026, 9, 20, 6))
    assert due == [_vn(2026, 8, 20, 6), _vn(2026, 9, 20, 6)]
    assert catchup.due_times("0 6 20 * *", _vn(2026, 7, 20, 6), _vn(2026, 8, 20, 5, 59)) == []
    # (after, until] to the microsecond: a watermark a microsecond before a fire time owes it
    just_before = _vn(2026, 8, 20, 5, 59, 59, 999999)
    assert catchup.due_times("0 6 20 * *", just_before, _vn(2026, 8, 20, 6)) == [
        _vn(2026, 8, 20, 6)
    ]
    assert catchup.now().utcoffset() == dt.timedelta(hours=7)
    s = Schedule("m", "0 6 20 * *")
    catchup.mark(s, _vn(2026, 7, 1))
    d = catchup.owed(s, _vn(2026, 7, 21))[0][0]
    catchup.begin(d)
    assert catchup.ledger() == [
        {"job": "m", "period": "2026-07", "due": "2026-07-20T06:00:00+07:00", "status": "running",
         "started": catchup.ledger()[0]["started"], "ended": None}
    ]  # fmt: skip
