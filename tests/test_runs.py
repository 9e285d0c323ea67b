"""Papermill runs: parameter validation, retries, timeout, kernel death, atomic latest, offline HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tiny_notebooks import write_notebook

from analytics.errors import NrisError

pytestmark = pytest.mark.notebook

CELL = """
import os, time
if mode == "fail":
    raise ValueError("boom on purpose")
if mode == "sleep":
    time.sleep(120)
if mode == "die":
    os.kill(os.getpid(), 9)
print("value", x * 2)
from ipykernel.kernelapp import IPKernelApp
print("kernel", IPKernelApp.instance().transport, IPKernelApp.instance().ip)
"""


def _notebook(folder: Path) -> Path:
    return write_notebook(
        folder / "tiny.ipynb",
        'x: int = 1  # a number\nmode: str = "ok"  # ok, fail, sleep or die\nperiod: str = ""  # set by the runner',
        CELL,
        title="# Tiny",
    )


@pytest.fixture
def env(tmp_path: Path, use_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Reports and run history in a temporary folder; a schedules file with the tiny job."""
    monkeypatch.setenv("NRIS_REPORTS", str(tmp_path / "reports"))
    nb = _notebook(tmp_path)
    (tmp_path / "schedules.yml").write_text(
        "jobs:\n"
        f"  tiny:\n    notebook: {nb}\n    freq: M\n    timeout: 60\n    retries: 1\n    backoff: 0\n"
        f"  grid:\n    notebook: {nb}\n    freq: M\n    grid: {{x: [1, 2]}}\n    retries: 0\n"
        "schedules:\n  - job: tiny\n    cron: '0 6 20 * *'\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("NRIS_SCHEDULES", str(tmp_path / "schedules.yml"))
    from workbench import runs

    # the run history lives next to the (shared, read-only) demo store: give each test its own
    monkeypatch.setattr(runs.history, "history_path", lambda: tmp_path / "runs.sqlite")
    return tmp_path


def test_validation_refuses_unknown_and_mistyped_parameters(env: Path) -> None:
    from workbench.runs import validate_parameters

    nb = env / "tiny.ipynb"
    assert validate_parameters(nb, {"x": "3", "mode": "ok"}) == {"x": 3, "mode": "ok"}
    with pytest.raises(NrisError, match="x: int, mode: str"):
        validate_parameters(nb, {"y": "1"})
    with pytest.raises(NrisError, match="'x' must be int"):
        validate_parameters(nb, {"x": "three"})
    with pytest.raises(NrisError, match="must be int"):
        validate_parameters(nb, {"x": 1.5})


def test_a_list_parameter_that_is_not_yaml_is_refused_in_one_line(tmp_path: Path) -> None:
    """``-p rank_by=[1,``: the parameter's type error (exit 2), not a YAML traceback."""
    from workbench.runs import validate_parameters

    nb = write_notebook(tmp_path / "lists.ipynb", "items: list = []  # codes", "items")
    assert validate_parameters(nb, {"items": "[CPI, 2]"}) == {"items": ["CPI", 2]}
    assert validate_parameters(nb, {"items": "CPI"}) == {"items": ["CPI"]}
    with pytest.raises(NrisError, match=r"parameter 'items' must be list, got '\[CPI,'"):
        validate_parameters(nb, {"items": "[CPI,"})


def test_cli_refuses_bad_parameter_before_running(env: Path, capsys: pytest.CaptureFixture) -> None:
    from workbench.cli import main
    from workbench.runs import run_history

    assert main(["run", "tiny", "--period", "2022-05", "-p", "nope=1"]) == 2
    err = capsys.readouterr().err
    assert "nope" in err and "valid: x: int" in err and "\n" not in err.strip()
    assert main(["run", "missing_job"]) == 2
    assert run_history().empty


def test_good_run_then_failure_keeps_latest_and_diagnosis(env: Path) -> None:
    from workbench.jobs import get_job
    from workbench.runs import run_history, run_job

    job = get_job("tiny")
    [ok] = run_job(job, "2022-05", {"x": 21}, progress=False)
    assert ok.status == "ok" and ok.attempt == 1
    report = env / "reports" / "tiny" / "2022-05"
    html = (report / "tiny.html").read_text(encoding="utf-8")
    assert "value 42" in html
    assert "print(" not in html  # no code cells
    assert '<script src="http' not in html and "src='http" not in html
    before = html

    [bad] = run_job(job, "2022-05", {"x": 1, "mode": "fail"}, progress=False)
    assert bad.status == "failed" and bad.attempt == 2  # one retry
    assert "ValueError: boom on purpose" in bad.error
    latest = env / "reports" / "tiny" / "latest"
    assert latest.is_symlink() and latest.resolve() == report.resolve()
    assert (report / "tiny.html").read_text(encoding="utf-8") == before  # never replaced
    kept = sorted((env / "reports" / "tiny" / "failed" / "2022-05").glob("*.ipynb"))
    assert len(kept) == 2 and "boom on purpose" in kept[-1].read_text(encoding="utf-8")
    hist = run_history(job="tiny")
    assert list(hist["status"]) == ["failed", "failed", "ok"]
    assert json.loads(hist["params"].iloc[-1]) == {"period": "2022-05", "x": 21}
    index = (env / "reports" / "index.html").read_text(encoding="utf-8")
    assert "tiny" in index and "2022-05" in index and "<script" not in index

    # a run killed mid-way (timeout) and a kernel that dies are failed runs, not hangs, and
    # leave latest on the last good report
    from workbench.runs import run_task

    # the timeout: twice what the good run took in all (a kernel started, cells run, the HTML
    # written), so the kernel is in the sleeping cell when it strikes, on this machine as loaded now
    limit = max(3.0, 2 * ok.seconds)
    quick = type(job)(**{**job.__dict__, "timeout": limit, "retries": 0})
    killed = run_task(quick, "2022-06", {"x": 1, "mode": "sleep", "period": "2022-06"}, "tiny")
    assert killed.status == "timeout" and "timeout" in killed.error
    slow = type(job)(**{**job.__dict__, "timeout": 120.0, "retries": 0})
    died = run_task(slow, "2022-06", {"x": 1, "mode": "die", "period": "2022-06"}, "tiny")
    assert died.status == "failed" and "kernel died" in died.error.lower()
    assert latest.resolve() == report.resolve()
    assert not (env / "reports" / "tiny" / "2022-06").exists()
    assert (report / "tiny.html").read_text(encoding="utf-8") == before


def test_fan_out_runs_every_grid_point_on_processes(env: Path) -> None:
    from workbench.jobs import get_job
    from workbench.runs import run_job

    results = run_job(get_job("grid"), "2022-06", workers=2, progress=False)
    assert [r.name for r in results] == ["tiny_1", "tiny_2"]
    assert all(r.status == "ok" for r in results)
    html = (env / "reports" / "grid" / "2022-06" / "tiny_2.html").read_text(encoding="utf-8")
    assert "value 4" in html
    # side-by-side runs talk to their kernels over Unix sockets of their own (no TCP port race),
    # removed after the run
    transport, ip = re.search(r"kernel (\w+) (\S+)", html).groups()  # type: ignore[union-attr]
    assert transport == "ipc" and "nris-kernel-" in ip
    assert not Path(ip).parent.exists()


def _record_at_barrier(barrier) -> int:  # noqa: ANN001 - a multiprocessing Barrier
    from workbench import runs

    barrier.wait()
    return runs.history._record_start("k", "grid", "n", "2022-06", {}, 1)


def test_history_survives_processes_creating_it_at_once(env: Path) -> None:
    """Workers on a fresh store race to set the history up (WAL, schema); none may fail."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    from workbench.runs import run_history

    ctx = mp.get_context("fork")  # keeps the fixture's patched history path
    barrier = ctx.Manager().Barrier(6)
    with ProcessPoolExecutor(6, mp_context=ctx) as pool:
        rows = list(pool.map(_record_at_barrier, [barrier] * 6))
    assert sorted(rows) == list(range(1, 7))
    assert len(run_history()) == 6


def test_periods_follow_the_cut_off_windows() -> None:
    import datetime as dt

    from analytics.calendar import closed_period, parse_period, period_key

    assert closed_period(dt.date(2026, 10, 20), "M") == dt.date(2026, 10, 1)
    assert closed_period(dt.date(2026, 10, 10), "M") == dt.date(2026, 9, 1)
    assert closed_period(dt.date(2026, 9, 22), "9M") == dt.date(2026, 1, 1)
    assert closed_period(dt.date(2026, 12, 22), "Q") == dt.date(2026, 10, 1)
    assert closed_period(dt.date(2026, 12, 10), "Q") == dt.date(2026, 7, 1)
    assert period_key(parse_period("2026-Q3", "Q"), "Q") == "2026-Q3"
    assert period_key(parse_period("2026-08", "Q"), "Q") == "2026-Q3"
    assert period_key(parse_period("2026", "9M"), "9M") == "2026-9M"
    with pytest.raises(NrisError):
        parse_period("2026-13", "M")
