"""``nris scheduler start`` as a real process under a faked clock (Debian's ``faketime``).

A tiny notebook job on the monthly cron (06:00 on the 20th, Asia/Ho_Chi_Minh) is run on time, after
downtime across two due dates, after a restart right after a run, and after its cron changed; and
the scheduler is stopped by SIGTERM, SIGINT and SIGHUP in the middle of a run.

libfaketime 0.9.10 and Python 3.11 disagree on the monotonic clock: with it faked, lock waits
(``sem_clockwait``, which libfaketime does not intercept) never end; with it real
(``FAKETIME_DONT_FAKE_MONOTONIC=1``), libfaketime's ``clock_nanosleep`` refuses the absolute
monotonic deadlines of ``time.sleep``. The tests keep the monotonic clock real and give the processes
a ``sitecustomize`` whose ``time.sleep`` waits in ``select`` instead; only the wall clock is faked.
With the monotonic clock real, libfaketime's "monotonic fix" (on by default with this glibc) is not
needed and only does harm: its ``pthread_cond_timedwait`` returns early (as its README warns), so
every waiting thread spins; a tiny notebook's kernel took 2.3 CPU-seconds instead of 0.3. It is
turned off (``FAKETIME_FORCE_MONOTONIC_FIX=0``, the README's run-time switch).

The ``faketime`` wrapper creates ``/dev/shm/sem.faketime_sem_<pid>`` and ``faketime_shm_<pid>`` with
``O_EXCL`` and removes them only when it outlives its program: a wrapper killed earlier (a timeout, a
killed test run) leaves them behind, and a later wrapper given the same pid exits 1 ("sem_open: File
exists") before it starts anything. ``_faketime`` clears such leftovers of dead wrappers first.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from tiny_notebooks import write_notebook

pytestmark = [pytest.mark.notebook, pytest.mark.slow]
ROOT = Path(__file__).resolve().parent.parent
TIMEZONE = "Asia/Ho_Chi_Minh"  # the schedules' (workbench.jobs.TIMEZONE), and the faked clock's
SLEEP_FIX = """import select, time


def _sleep(seconds):
    select.select([], [], [], max(0.0, seconds))


time.sleep = _sleep
"""
CELL = """import os, pathlib, time
if pidfile:
    pathlib.Path(pidfile).write_text(f"{os.getpid()} {os.getppid()}")
print("report for", period)
time.sleep(nap)
"""


def _clear_stale_faketime(shm: Path = Path("/dev/shm"), age: float = 5.0) -> list[str]:
    """Remove the shared objects of ``faketime`` wrappers no longer running; returns their names.

    Objects younger than ``age`` seconds are left alone: a wrapper starting now may own them.
    """
    removed = []
    now = time.time()
    for entry in shm.glob("*faketime_s[eh][m]_*"):
        pid = entry.name.rsplit("_", 1)[-1]
        try:
            if not pid.isdigit() or Path(f"/proc/{pid}").exists():
                continue
            if now - entry.stat().st_mtime < age:
                continue
            entry.unlink()
            removed.append(entry.name)
        except FileNotFoundError:
            pass  # another test's clean-up got there first
    return removed


def _faketime(at: str) -> list[str]:
    """The command prefix that runs a program with the wall clock starting at ``at``."""
    _clear_stale_faketime()
    return ["faketime", "-f", f"@{at}"]


def _notebook(folder: Path) -> Path:
    return write_notebook(
        folder / "tiny.ipynb",
        'period: str = ""  # set by the runner\nnap: float = 0  # seconds to sleep\n'
        'pidfile: str = ""  # where to write the kernel and runner pids',
        CELL,
    )


def _schedules(folder: Path, cron: str, params: str = "") -> None:
    (folder / "schedules.yml").write_text(
        f"jobs:\n  tiny:\n    notebook: {folder / 'tiny.ipynb'}\n    freq: M\n    timeout: 120\n"
        f"    retries: 0\n    backoff: 0\nschedules:\n  - job: tiny\n    cron: '{cron}'\n{params}",
        encoding="utf-8",
    )


STARTED: list[Scheduler] = []


@pytest.fixture(autouse=True)
def _stop_leftovers():
    """A test that fails half-way still leaves no scheduler running."""
    yield
    while STARTED:
        sched = STARTED.pop()
        if sched.proc.poll() is None:
            os.kill(sched.pid, signal.SIGKILL)
            sched.proc.wait(30)


@pytest.fixture
def world(tmp_path: Path) -> dict[str, str]:
    """A store, reports and schedules of their own; the environment of the faked processes."""
    if shutil.which("faketime") is None:
        pytest.skip("Debian faketime not installed (.ci/run installs it)")
    _notebook(tmp_path)
    _schedules(tmp_path, "0 6 20 * *")
    fix = tmp_path / "sleepfix"
    fix.mkdir()
    (fix / "sitecustomize.py").write_text(SLEEP_FIX, encoding="utf-8")
    env = dict(os.environ)
    env.update(
        NRIS_STORE=str(tmp_path / "store"),
        NRIS_REPORTS=str(tmp_path / "reports"),
        NRIS_SCHEDULES=str(tmp_path / "schedules.yml"),
        TZ=TIMEZONE,  # faketime reads the times below as local times
        FAKETIME_DONT_FAKE_MONOTONIC="1",
        FAKETIME_FORCE_MONOTONIC_FIX="0",  # see the module's docstring
        PYTHONPATH=os.pathsep.join([str(fix), str(ROOT), env.get("PYTHONPATH", "")]),
    )
    env["HOME_TMP"] = str(tmp_path)
    return env


class Scheduler:
    """``nris scheduler start`` under faketime, its output in a file the test reads as it grows."""

    def __init__(self, env: dict[str, str], at: str) -> None:
        self.log = Path(env["HOME_TMP"]) / f"scheduler-{time.monotonic_ns()}.log"
        out = self.log.open("w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [*_faketime(at), sys.executable, "-m", "workbench.cli", "scheduler", "start"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        out.close()
        # faketime forks the program and does not pass signals on: signal the program itself
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        end = time.monotonic() + 10
        while not children.read_text().split():
            started = time.monotonic() < end and self.proc.poll() is None
            assert started, f"faketime did not start (exit {self.proc.poll()}):\n{self.text()}"
            time.sleep(0.01)
        self.pid = int(children.read_text().split()[0])
        STARTED.append(self)

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def wait_for(self, needle: str, timeout: float = 90) -> str:
        end = time.monotonic() + timeout
        while needle not in self.text():
            assert self.proc.poll() is None, f"scheduler exited:\n{self.text()}"
            assert time.monotonic() < end, f"no '{needle}' in:\n{self.text()}"
            time.sleep(0.1)
        return self.text()

    def stop(self, sig: int = signal.SIGTERM) -> str:
        os.kill(self.pid, sig)
        try:
            code = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        assert code == 0, self.text()
        assert "Traceback" not in self.text(), self.text()
        return self.text()


def _nris(env: dict[str, str], at: str, *args: str) -> str:
    done = subprocess.run(
        [*_faketime(at), sys.executable, "-m", "workbench.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _ledger(env: dict[str, str]) -> list[tuple[str, str, str]]:
    con = sqlite3.connect(Path(env["NRIS_STORE"]) / "runs.sqlite")
    try:
        return con.execute("SELECT period, due, status FROM scheduled_runs ORDER BY due").fetchall()
    finally:
        con.close()


def _report(env: dict[str, str], period: str) -> str:
    return (Path(env["NRIS_REPORTS"]) / "tiny" / period / "tiny.html").read_text(encoding="utf-8")


def _ready_before(world: dict[str, str], due: dt.datetime) -> Scheduler:
    """A scheduler started a few seconds before ``due`` (faked) that was ready before it, owing
    nothing yet: on a machine too slow for that lead it is stopped, the store and reports go,
    and a new one starts with a longer lead.

    The faked clock runs at the real pace: each second of lead is a second waited for ``due``.
    """
    for lead in (3, 15, 45):  # ready in 0.5-1 s here; a loaded CI worker may need the next
        sched = Scheduler(world, f"{due - dt.timedelta(seconds=lead):%Y-%m-%d %H:%M:%S}")
        log = sched.wait_for("nris.scheduler ready")
        stamp = next(line for line in log.splitlines() if line.endswith("nris.scheduler ready"))
        ready = dt.datetime.strptime(stamp[:23], "%Y-%m-%d %H:%M:%S,%f")  # the faked clock's
        if ready < due.replace(tzinfo=None):
            assert "tiny@0 6 20 * * missed: none" in log, log
            return sched
        sched.stop()
        for var in ("NRIS_STORE", "NRIS_REPORTS"):
            shutil.rmtree(world[var], ignore_errors=True)
    raise AssertionError(f"the scheduler was never ready within {lead} s:\n{log}")


def test_on_time_restart_downtime_and_changed_cron(world: dict[str, str]) -> None:
    # on time: started before the due time and ready before it (a schedule first seen after 06:00
    # owes nothing for that day), it runs June's report at 06:00
    first = _ready_before(world, dt.datetime(2026, 6, 20, 6, 0, tzinfo=ZoneInfo(TIMEZONE)))
    first.wait_for("tiny 2026-06 (due 2026-06-20 06:00:00+07:00): ok")
    first.stop(signal.SIGTERM)
    assert "report for 2026-06" in _report(world, "2026-06")
    assert _ledger(world) == [("2026-06", "2026-06-20T06:00:00+07:00", "ok")]

    # a restart right after the run repeats nothing
    again = Scheduler(world, "2026-06-20 06:00:40")
    log = again.wait_for("nris.scheduler ready")
    assert "tiny@0 6 20 * * missed: none" in log
    again.stop(signal.SIGINT)
    assert "running tiny" not in again.text()
    assert len(_ledger(world)) == 1

    # down across the due dates of July and August: the list shows both waiting ...
    listed = _nris(world, "2026-08-25 10:00:00", "scheduler", "list")
    assert "2026-07, 2026-08" in listed and "2026-09-20 06:00" in listed
    # ... and the next start runs each once, oldest first, each for its own period
    back = Scheduler(world, "2026-08-25 10:00:00")
    log = back.wait_for("tiny 2026-08 (due 2026-08-20 06:00:00+07:00): ok", timeout=150)
    back.stop(signal.SIGHUP)
    assert "missed: 2026-07, 2026-08" in log
    assert log.index("running tiny for 2026-07") < log.index("running tiny for 2026-08")
    assert log.count("running tiny for") == 2
    assert "report for 2026-07" in _report(world, "2026-07")
    assert "report for 2026-08" in _report(world, "2026-08")
    assert [(p, s) for p, _, s in _ledger(world)] == [
        ("2026-06", "ok"),
        ("2026-07", "ok"),
        ("2026-08", "ok"),
    ]
    latest = Path(world["NRIS_REPORTS"]) / "tiny" / "latest"
    assert os.readlink(latest) == "2026-08"

    # the cron moves to the 25th: its 25 August due time reports on August, already run
    _schedules(Path(world["HOME_TMP"]), "0 6 25 * *")
    moved = Scheduler(world, "2026-08-25 10:05:00")
    log = moved.wait_for("nris.scheduler ready")
    moved.stop()
    assert "tiny@0 6 25 * * missed: none" in log and "running tiny" not in log
    assert "tiny@0 6 25 * * next run 2026-09-25 06:00:00+07:00" in log
    assert len(_ledger(world)) == 3
    listed = _nris(world, "2026-08-25 10:06:00", "scheduler", "list")
    assert "2026-09-25 06:00" in listed and "0 6 20" not in listed


def _gone(pid: int) -> bool:
    """No such process, or a zombie (it exited; whoever reaps it is not the test's concern)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_stops_every_process_of_a_run(world: dict[str, str], sig: int) -> None:
    pidfile = Path(world["HOME_TMP"]) / "pids"
    _schedules(
        Path(world["HOME_TMP"]),
        "0 6 20 * *",
        f"    params: {{nap: 300, pidfile: '{pidfile}'}}\n",
    )
    # the scheduler was already running on the 19th: June's run is owed when it starts at 06:00:30
    # (marked from this process: the world's store and schedules, the real clock unused)
    from workbench import catchup, jobs

    with pytest.MonkeyPatch.context() as m:
        for var in ("NRIS_STORE", "NRIS_REPORTS", "NRIS_SCHEDULES"):
            m.setenv(var, world[var])
        for schedule in jobs.load_schedules():
            catchup.mark(schedule, dt.datetime(2026, 6, 19, tzinfo=ZoneInfo(jobs.TIMEZONE)))
    sched = Scheduler(world, "2026-06-20 06:00:30")
    sched.wait_for("running tiny for 2026-06")
    end = time.monotonic() + 60
    while not pidfile.exists() or not pidfile.read_text():
        assert time.monotonic() < end and sched.proc.poll() is None, sched.text()
        time.sleep(0.1)
    kernel, papermill = map(int, pidfile.read_text().split())
    runner = _parent(papermill)  # the scheduler's `nris run` child
    assert _parent(runner) == sched.pid
    assert os.getpgid(runner) == runner != os.getpgid(sched.pid)  # a group of its own

    log = sched.stop(sig)
    end = time.monotonic() + 15
    while not all(_gone(p) for p in (kernel, papermill, runner)):
        assert time.monotonic() < end, [(p, _gone(p)) for p in (kernel, papermill, runner)]
        time.sleep(0.1)
    assert "tiny 2026-06 (due 2026-06-20 06:00:00+07:00): interrupted" in log
    # nothing published; the period stays owed and the next start runs it
    assert not (Path(world["NRIS_REPORTS"]) / "tiny" / "2026-06").exists()
    assert _ledger(world) == [("2026-06", "2026-06-20T06:00:00+07:00", "interrupted")]
    listed = _nris(world, "2026-06-20 06:05:00", "scheduler", "list")
    assert " 2026-06 " in listed


def test_stale_faketime_objects_of_dead_wrappers_are_cleared(tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    old = time.time() - 60
    names = [f"sem.faketime_sem_{dead.pid}", f"faketime_shm_{dead.pid}",  # a killed wrapper's
             f"faketime_shm_{os.getpid()}",  # a running process's
             "faketime_shm_notapid", "other_shm_1"]  # fmt: skip
    for name in names:
        (tmp_path / name).write_text("")
        os.utime(tmp_path / name, (old, old))
    young = tmp_path / f"sem.faketime_sem_{dead.pid + 1}"  # just made by a wrapper starting now
    young.write_text("")
    removed = _clear_stale_faketime(tmp_path)
    assert sorted(removed) == sorted(names[:2])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[2:] + [young.name])
