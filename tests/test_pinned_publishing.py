"""Publishing of runs, values pinned: the run history's rows, the exact ``reports/index.html``, the
offline HTML of an executed notebook, ``latest`` and the files a run leaves behind.

The first tests build their files and history rows themselves (no kernel); the last ones run
``run_task`` on a tiny notebook they write (a real papermill child and kernel, a few seconds each).
They are the tests mutation testing runs against ``workbench/runs/`` (README, Development).
Backoff sleeps and the run's duration are read from a fake clock in place of ``runs.publishing.time``.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from tiny_notebooks import python3_notebook, write_notebook

# a 1x1 PNG, as a kernel's display_data carries it (base64)
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store (run history) and reports folder of the test's own."""
    monkeypatch.setenv("NRIS_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("NRIS_REPORTS", str(tmp_path / "reports"))
    return tmp_path


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _set(row: int, **cols: object) -> None:
    """Fix a history row's columns (times, host, pid) so the index can be pinned exactly."""
    from workbench.runs import history_path

    con = sqlite3.connect(history_path(), isolation_level=None)
    try:
        for col, value in cols.items():
            con.execute(f"UPDATE runs SET {col}=? WHERE id=?", (value, row))
    finally:
        con.close()


# -- files ------------------------------------------------------------------------------------
def test_atomic_text_writes_whole_readable_files_and_leaves_no_temporaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import locale
    import tempfile

    from workbench.runs.execution import _atomic_text

    # the temporary file is made beside the target (one file system: os.replace is atomic),
    # never in the system's temporary folder
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    target = tmp_path / "a" / "b" / "index.html"
    saved = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")  # an ASCII locale: still UTF-8 (as a library may set)
    try:
        _atomic_text(target, "Báo cáo tháng 7\n")
    finally:
        locale.setlocale(locale.LC_CTYPE, saved)
    assert target.read_bytes() == "Báo cáo tháng 7\n".encode()
    assert target.stat().st_mode & 0o777 == 0o644  # mkstemp makes 0o600; the web server reads it
    _atomic_text(target, "thay thế")
    assert target.read_text(encoding="utf-8") == "thay thế"
    with pytest.raises(UnicodeEncodeError):
        _atomic_text(target, "lone surrogate \udcff")  # cannot be written: nothing changes
    assert target.read_text(encoding="utf-8") == "thay thế"
    assert [p.name for p in target.parent.iterdir()] == ["index.html"]


def test_latest_is_created_relative_and_kept_on_the_same_period(env: Path) -> None:
    from workbench.runs import job_dir, switch_latest

    assert job_dir("monthly") == env / "reports" / "monthly"
    job_dir("monthly").mkdir(parents=True)
    switch_latest("monthly", "2026-07")
    link = job_dir("monthly") / "latest"
    assert os.readlink(link) == "2026-07"  # relative: the reports folder can move
    switch_latest("monthly", "2026-07")
    switch_latest("monthly", "2026-06")
    assert os.readlink(link) == "2026-07"
    switch_latest("monthly", "2027-01")
    assert os.readlink(link) == "2027-01"
    assert sorted(p.name for p in job_dir("monthly").iterdir()) == ["latest"]


# -- run history ------------------------------------------------------------------------------
def test_history_without_a_file_is_an_empty_frame_with_the_listed_columns(env: Path) -> None:
    from workbench.runs import history_path, run_history

    assert history_path() == env / "store" / "runs.sqlite"
    hist = run_history()
    assert hist.empty and not history_path().exists()
    assert list(hist.columns) == [
        "id", "job", "name", "period", "status", "attempt", "started", "ended", "error", "html",
        "params",
    ]  # fmt: skip


def test_history_is_set_up_in_wal_mode_with_its_index(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.runs import history_path
    from workbench.runs.history import _db, _set_up

    history_path().parent.mkdir(parents=True)
    con = sqlite3.connect(history_path(), isolation_level=None)
    assert not _set_up(con)  # a new file
    con.execute("PRAGMA journal_mode=WAL")
    assert not _set_up(con)  # WAL, but no schema yet
    con.close()
    _db().close()
    con = sqlite3.connect(history_path(), isolation_level=None)
    assert _set_up(con)
    assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type != 'table'")}
    assert "runs_job" in names
    con.close()
    monkeypatch.setenv("NRIS_STORE", str(env / "new" / "deep" / "store"))  # a first run anywhere
    con = _db()
    assert _set_up(con) and history_path() == env / "new" / "deep" / "store" / "runs.sqlite"
    con.close()
    other = env / "plain.sqlite"  # a schema without WAL is not set up either
    con = sqlite3.connect(other, isolation_level=None)
    con.execute("CREATE TABLE runs (id INTEGER)")
    con.execute("CREATE INDEX runs_job ON runs (id)")
    assert not _set_up(con)
    con.close()


def test_history_records_each_attempt_and_marks_dead_runs_interrupted(env: Path) -> None:
    import datetime as dt

    from workbench.runs import run_history
    from workbench.runs.history import _record_end, _record_start

    params = {"area": "Hà Nội", "day": dt.date(2026, 7, 1), "n": 3}
    first = _record_start("k1", "monthly", "monthly_01", "2026-07", params, 1)
    _record_end(first, "failed", "x" * 2500, "/r/failed/a.ipynb", "")
    second = _record_start("k1", "monthly", "monthly_01", "2026-07", params, 2)
    _record_end(second, "ok", "", "/r/a.ipynb", "/r/a.html")
    mine = _record_start("k2", "monthly", "monthly_79", "2026-08", {}, 1)  # this process: alive
    dead = _record_start("k2", "monthly", "monthly_01", "2026-08", {}, 1)
    _set(dead, pid=_dead_pid())
    away = _record_start("k3", "annual", "annual", "2026", {}, 1)  # another host's run
    _set(away, host="elsewhere", pid=_dead_pid())
    assert (first, second, mine, dead, away) == (1, 2, 3, 4, 5)

    hist = run_history()
    assert list(hist["id"]) == [5, 4, 3, 2, 1]  # newest first
    assert list(hist.columns) == [
        "id", "run_key", "job", "name", "period", "params", "attempt", "status", "started",
        "ended", "error", "ipynb", "html", "host", "pid",
    ]  # fmt: skip
    assert list(hist["status"]) == ["running", "interrupted", "running", "ok", "failed"]
    assert list(hist["attempt"]) == [1, 1, 1, 2, 1]
    assert list(hist["run_key"]) == ["k3", "k2", "k2", "k1", "k1"]
    old = hist.iloc[4]
    assert old["params"] == '{"area": "Hà Nội", "day": "2026-07-01", "n": 3}'
    assert old["error"] == "x" * 2000
    assert (old["ipynb"], old["html"]) == ("/r/failed/a.ipynb", "")
    assert (hist.iloc[3]["ipynb"], hist.iloc[3]["html"], hist.iloc[3]["error"]) == (
        "/r/a.ipynb",
        "/r/a.html",
        "",
    )
    assert hist.iloc[2]["pid"] == os.getpid() and hist.iloc[2]["host"] == os.uname().nodename
    assert hist.iloc[2]["ended"] is None and hist.iloc[2]["error"] is None
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"
    assert re.fullmatch(stamp, old["started"]) and re.fullmatch(stamp, old["ended"])

    assert list(run_history(job="monthly")["id"]) == [4, 3, 2, 1]
    assert list(run_history(status="interrupted")["id"]) == [4]
    assert list(run_history(job="monthly", status="running")["id"]) == [3]
    assert list(run_history(limit=2)["id"]) == [5, 4]
    assert list(run_history(job="monthly", limit=1).index) == [0]


# -- the index ----------------------------------------------------------------------------------
HEAD = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Báo cáo định kỳ / Periodic reports</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:4px 8px}tr.failed,tr.timeout{background:#fde0dc}
tr.ok{background:#e8f5e9}</style></head><body>
<h1>Báo cáo định kỳ <small>/ Periodic reports</small></h1>
<p>Cập nhật / updated NOW</p>
<table><tr><th>Tác vụ / job</th><th>Kỳ / period</th><th>Báo cáo / report</th><th>Trạng thái / status</th>
<th>Lần / attempt</th><th>Thời điểm / time</th><th>Lỗi / error</th></tr>
"""
TAIL = "\n</table></body></html>\n"


def _page(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"
    return re.sub(rf"updated {stamp}</p>", "updated NOW</p>", text, count=1)


def test_index_without_reports_says_so(env: Path) -> None:
    from workbench.runs import write_index

    out = write_index()
    assert out == env / "reports" / "index.html"
    assert (
        _page(out) == HEAD + "<tr><td colspan='7'>Chưa có báo cáo / no reports yet</td></tr>" + TAIL
    )
    assert out.stat().st_mode & 0o777 == 0o644


def test_index_lists_each_reports_last_attempt_in_order(env: Path) -> None:
    from workbench.runs import write_index
    from workbench.runs.history import _record_end, _record_start

    reports = env / "reports"

    def attempt(job: str, period: str, name: str, n: int, status: str, error: str = "") -> int:
        row = _record_start("k", job, name, period, {}, n)
        if status != "running":
            _record_end(row, status, error, "", "")
            _set(row, ended=f"2026-07-20T06:0{row}:00+00:00")
        _set(row, started=f"2026-07-20T05:0{row}:00+00:00")
        return row

    attempt("monthly", "2026-07", "monthly_01", 1, "failed", "cell [2]: ValueError: boom")
    attempt("monthly", "2026-07", "monthly_01", 2, "ok")
    attempt("monthly", "2026-08", "monthly_79", 1, "ok")
    attempt("monthly", "2026-08", "monthly_01", 1, "timeout", "timeout after 60 s")
    attempt("a&b", "2026", "r<1>", 1, "failed", "<script>" + "e" * 300)
    attempt("monthly", "2026-09", "monthly_01", 1, "failed", "cell [2]: KeyError: 'CPI'")
    running = attempt("monthly", "2026-09", "monthly_01", 2, "running")  # a retry under way
    _set(running, pid=_dead_pid())  # ... whose process is gone
    attempt("monthly", "2026-06", "monthly_01", 1, "queued")  # a status the index has no word for
    for job, period, name in [
        ("monthly", "2026-07", "monthly_01"),
        ("monthly", "2026-08", "monthly_79"),
        ("a&b", "2026", "r<1>"),  # a failed run's older good report is still linked
    ]:
        (reports / job / period).mkdir(parents=True, exist_ok=True)
        (reports / job / period / f"{name}.html").write_text("<p>report</p>", encoding="utf-8")

    rows = [
        "<tr class='failed'><td>a&amp;b</td><td>2026</td>"
        '<td><a href="a&amp;b/2026/r&lt;1&gt;.html">r&lt;1&gt;</a></td><td>lỗi / failed</td>'
        "<td>1</td><td>2026-07-20T06:05:00+00:00</td><td>"
        + ("&lt;script&gt;" + "e" * 300)[:200]
        + "</td></tr>",
        "<tr class='interrupted'><td>monthly</td><td>2026-09</td><td>monthly_01</td>"
        "<td>bị ngắt / interrupted</td><td>2</td><td>2026-07-20T05:07:00+00:00</td><td></td></tr>",
        "<tr class='timeout'><td>monthly</td><td>2026-08</td><td>monthly_01</td>"
        "<td>quá thời gian / timeout</td><td>1</td><td>2026-07-20T06:04:00+00:00</td>"
        "<td>timeout after 60 s</td></tr>",
        "<tr class='ok'><td>monthly</td><td>2026-08</td>"
        '<td><a href="monthly/2026-08/monthly_79.html">monthly_79</a></td>'
        "<td>thành công / ok</td><td>1</td><td>2026-07-20T06:03:00+00:00</td><td></td></tr>",
        "<tr class='ok'><td>monthly</td><td>2026-07</td>"
        '<td><a href="monthly/2026-07/monthly_01.html">monthly_01</a></td>'
        "<td>thành công / ok</td><td>2</td><td>2026-07-20T06:02:00+00:00</td><td></td></tr>",
        "<tr class='queued'><td>monthly</td><td>2026-06</td><td>monthly_01</td>"
        "<td>queued / queued</td><td>1</td><td>2026-07-20T06:08:00+00:00</td><td></td></tr>",
    ]
    assert _page(write_index()) == HEAD + "\n".join(rows) + TAIL


def test_index_names_a_running_attempt_by_its_own_times(env: Path) -> None:
    from workbench.runs import write_index
    from workbench.runs.history import _record_end, _record_start

    first = _record_start("k", "monthly", "monthly_01", "2026-07", {}, 1)
    _record_end(first, "failed", "cell [2]: ValueError: boom", "", "")
    _set(first, started="2026-07-20T05:00:00+00:00", ended="2026-07-20T05:01:00+00:00")
    second = _record_start("k", "monthly", "monthly_01", "2026-07", {}, 2)  # alive: this process
    _set(second, started="2026-07-20T05:02:00+00:00")
    row = (
        "<tr class='running'><td>monthly</td><td>2026-07</td><td>monthly_01</td>"
        "<td>đang chạy / running</td><td>2</td><td>2026-07-20T05:02:00+00:00</td><td></td></tr>"
    )
    assert _page(write_index()) == HEAD + row + TAIL


# -- offline HTML -------------------------------------------------------------------------------
def _executed(folder: Path, title: str | None = None) -> Path:
    """An executed notebook as papermill leaves it: code, a print, a result, a chart, widgets."""
    nb = python3_notebook()
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {
            "state": {},
            "version_major": 2,
            "version_minor": 0,
        }
    }
    if title is not None:
        nb.metadata["title"] = title
    code = nbformat.v4.new_code_cell("secret_source = 21 * 2\nprint('value', secret_source)")
    code.execution_count = 1
    code.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="value 42\n"),
        nbformat.v4.new_output("execute_result", {"text/plain": "'kết quả 84'"}, execution_count=1),
        nbformat.v4.new_output("display_data", {"image/png": PNG, "text/plain": "<Figure>"}),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# Báo cáo tháng 7/2026"), code]
    path = folder / "monthly_01.ipynb"
    nbformat.write(nb, path)
    return path


def test_render_html_shows_outputs_only_and_loads_nothing_remote(tmp_path: Path) -> None:
    from workbench.runs import render_html

    ipynb = _executed(tmp_path, title="from metadata")
    before = ipynb.read_bytes()
    out = tmp_path / "site" / "monthly_01.html"
    assert render_html(ipynb, out, title="monthly 2026-07") == out
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
    assert "<title>monthly 2026-07</title>" in page
    assert "<pre>value 42\n</pre>" in page and "<pre>'kết quả 84'</pre>" in page
    assert f'src="data:image/png;base64,{PNG}"' in page
    assert ">Báo cáo tháng 7/2026<a" in page
    body = page[page.index("<main>") :]  # after the stylesheet
    assert "secret_source" not in page and "jp-InputArea-editor" not in body  # no code
    assert "[1]" not in body and "Prompt" not in body  # no In [1]: / Out[1]: prompts
    # no require.js, MathJax, mermaid nor widget manager from a CDN: only the inert widget state
    assert re.findall(r"<script[^>]*>", page) == [
        '<script type="application/vnd.jupyter.widget-state+json">'
    ]
    assert "cdnjs" not in page and "jsdelivr" not in page and "unpkg" not in page
    assert out.stat().st_mode & 0o777 == 0o644
    assert ipynb.read_bytes() == before  # the title is the page's, the notebook is left alone
    assert sorted(p.name for p in out.parent.iterdir()) == ["monthly_01.html"]


def test_render_html_title_falls_back_to_the_notebooks_then_its_name(tmp_path: Path) -> None:
    from workbench.runs import render_html

    (tmp_path / "a").mkdir()
    titled = _executed(tmp_path / "a", title="Tổng quan")
    page = render_html(titled, tmp_path / "a.html").read_text(encoding="utf-8")
    assert "<title>Tổng quan</title>" in page
    (tmp_path / "b").mkdir()
    plain = _executed(tmp_path / "b")
    page = render_html(plain, tmp_path / "b.html", title="").read_text(encoding="utf-8")
    assert "<title>monthly_01</title>" in page


def test_summary_is_one_row_per_result(env: Path) -> None:
    from workbench.runs import RunResult, summary

    rows = [
        RunResult("monthly", "monthly_01", "2026-07", {"area": "01"}, "ok", 1, "", "a", "b", 1.5),
        RunResult("monthly", "monthly_79", "2026-07", {}, "failed", 3, "boom"),
    ]
    frame = summary(rows)
    assert list(frame.columns) == [
        "job", "name", "period", "params", "status", "attempt", "error", "ipynb", "html", "seconds",
    ]  # fmt: skip
    assert frame.to_dict("records") == [
        {"job": "monthly", "name": "monthly_01", "period": "2026-07", "params": {"area": "01"},
         "status": "ok", "attempt": 1, "error": "", "ipynb": "a", "html": "b", "seconds": 1.5},
        {"job": "monthly", "name": "monthly_79", "period": "2026-07", "params": {},
         "status": "failed", "attempt": 3, "error": "boom", "ipynb": "", "html": "",
         "seconds": 0.0},
    ]  # fmt: skip


def test_the_runner_child_finds_this_environments_kernel_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from workbench.runs.execution import _child_env

    share = str(Path(sys.prefix) / "share" / "jupyter")
    monkeypatch.delenv("JUPYTER_PATH", raising=False)
    monkeypatch.delenv("PYDEVD_DISABLE_FILE_VALIDATION", raising=False)
    monkeypatch.setenv("NRIS_REPORTS", "/srv/reports")
    env = _child_env()
    assert env["JUPYTER_PATH"] == share
    assert env["PYDEVD_DISABLE_FILE_VALIDATION"] == "1"
    assert env["NRIS_REPORTS"] == "/srv/reports"  # the rest of the environment is passed on
    monkeypatch.setenv("JUPYTER_PATH", "/opt/kernels")
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "0")
    env = _child_env()
    assert env["JUPYTER_PATH"] == share + os.pathsep + "/opt/kernels"
    assert env["PYDEVD_DISABLE_FILE_VALIDATION"] == "0"
    assert os.environ["JUPYTER_PATH"] == "/opt/kernels"  # a copy: this process's is unchanged


def _processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line holds ``text`` (the runner child names its notebook)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and text.encode() in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:  # gone meanwhile
            continue
    return found


# -- run_task on a real kernel ------------------------------------------------------------------
CELL = """
import os, time
if mode == "sleep":
    time.sleep(120)
if flag and not os.path.exists(flag):
    open(flag, "w").close()
    raise ValueError("first attempt fails")
print("report", period)
"""


def _notebook(folder: Path) -> Path:
    return write_notebook(
        folder / "monthly.ipynb",
        'period: str = ""  # set by the runner\n'
        'flag: str = ""  # a file: the first attempt fails until it exists\n'
        'mode: str = "ok"  # ok or sleep',
        CELL,
    )


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """``runs.publishing.time`` replaced: backoff sleeps are recorded (not slept); monotonic reads 100, 107.25,
    100, ... (each run takes 7.25 s)."""
    from workbench import runs

    fake = SimpleNamespace(slept=[], reads=itertools.cycle([100.0, 107.25]))
    monkeypatch.setattr(
        runs.publishing,
        "time",
        SimpleNamespace(sleep=fake.slept.append, monotonic=lambda: next(fake.reads)),
    )
    return fake


@pytest.mark.notebook
def test_timeouts_are_retried_with_doubling_backoff_then_reported(
    env: Path, clock: SimpleNamespace
) -> None:
    import datetime as dt

    from workbench.jobs import JobSpec
    from workbench.runs import RunResult, job_dir, run_history, run_task

    job = JobSpec("monthly", _notebook(env), retries=2, backoff=3, timeout=0.2)
    params = {"mode": "sleep", "since": dt.date(2026, 7, 1)}  # not JSON: sent to the child as text
    result = run_task(job, "2026-07", params, "monthly_01")
    error = "timeout after 0.2 s"
    assert result == RunResult(
        "monthly", "monthly_01", "2026-07", params, "timeout", 3, error, "", "", 7.25
    )
    assert clock.slept == [3, 6]
    assert _processes_mentioning(str(env)) == []  # each timed-out runner was stopped
    assert sorted(p.name for p in job_dir("monthly").iterdir()) == [".staging"]
    assert list((job_dir("monthly") / ".staging").iterdir()) == []
    hist = run_history()
    assert hist[["attempt", "status", "error", "ipynb", "html"]].values.tolist() == [
        [3, "timeout", error, "", ""],
        [2, "timeout", error, "", ""],
        [1, "timeout", error, "", ""],
    ]
    assert hist["run_key"].nunique() == 1 and re.fullmatch(r"[0-9a-f]{12}", hist["run_key"][0])


@pytest.mark.parametrize(
    ("error", "attempts"),
    [
        ("cell [3]: NrisError: Chưa có số liệu | no data for VN up to 1999-01-01", 1),
        ("cell [2]: UnknownCodeError: Không có chỉ tiêu 'CPII' | unknown indicator", 1),
        ("cell [None]: CatalogError: catalog | catalog", 1),
        ("cell [3]: StoreError: the store is locked", 3),  # may pass: retried
        ("cell [3]: ValueError: NrisError: in the message only", 3),
        ("kernel died: NrisError", 3),
    ],
)
def test_a_data_or_parameter_error_is_not_retried(
    env: Path, clock: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, error: str, attempts: int
) -> None:
    """No figures for the period is the same error on every attempt: reported at once, not after
    minutes of backoff (a transient failure still gets its retries)."""
    from workbench import runs
    from workbench.jobs import JobSpec

    calls: list[Path] = []
    monkeypatch.setattr(
        runs.publishing,
        "execute_notebook",
        lambda nb, out, *a: calls.append(out) or ("failed", error),
    )
    job = JobSpec("monthly", env / "monthly.ipynb", retries=2, backoff=3, timeout=60)
    result = runs.run_task(job, "1999-01", {"period": "1999-01"}, "monthly")
    assert (result.status, result.attempt, result.error) == ("failed", attempts, error)
    assert len(calls) == attempts and clock.slept == [3, 6][: attempts - 1]
    assert runs.run_history()["attempt"].tolist() == list(range(attempts, 0, -1))


@pytest.mark.notebook
def test_an_interrupted_run_is_recorded_and_publishes_nothing(
    env: Path, clock: SimpleNamespace
) -> None:
    from workbench.jobs import JobSpec
    from workbench.runs import job_dir, run_history, run_task

    job = JobSpec("monthly", _notebook(env), retries=2, backoff=3, timeout=120)
    # Ctrl+C mid-run, as a terminal sends it (Python's own handler: a harness may ignore SIGINT,
    # as mutmut's fork server does)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            run_task(job, "2026-07", {"mode": "sleep"}, "monthly_01", key="k3")
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert clock.slept == []
    assert _processes_mentioning(str(env)) == []  # the runner was stopped first
    assert sorted(p.name for p in job_dir("monthly").iterdir()) == [".staging"]
    assert list((job_dir("monthly") / ".staging").iterdir()) == []
    [row] = run_history().to_dict("records")
    assert (row["status"], row["error"], row["ipynb"], row["html"]) == (
        "interrupted",
        "stopped",
        "",
        "",
    )


@pytest.mark.notebook
def test_a_runner_that_dies_is_a_failed_run_with_its_last_words(
    env: Path, clock: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.jobs import JobSpec
    from workbench.runs import RunResult, job_dir, run_history, run_task

    site = env / "site"  # the runner's Python dies as it starts, saying why on stderr
    site.mkdir()
    last = "runner out of memory " + "x" * 400
    (site / "sitecustomize.py").write_text(
        f'import os\nos.write(2, b"starting\\nloading\\n{last}\\n")\nos._exit(7)\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    job = JobSpec("monthly", _notebook(env), retries=0, backoff=3, timeout=60)
    result = run_task(job, "2026-07", {}, "monthly_01", key="k4")
    error = "runner died: " + last[:300]  # its last line, cut
    assert result == RunResult(
        "monthly", "monthly_01", "2026-07", {}, "failed", 1, error, "", "", 7.25
    )
    (site / "sitecustomize.py").write_text("import os\nos._exit(7)\n", encoding="utf-8")
    silent = run_task(job, "2026-08", {}, "monthly_01", key="k5")  # says nothing: its exit code
    assert (silent.status, silent.error) == ("failed", "runner died: exit code 7")
    assert sorted(p.name for p in job_dir("monthly").iterdir()) == [".staging"]
    assert [(r["status"], r["error"]) for r in run_history().to_dict("records")] == [
        ("failed", "runner died: exit code 7"),
        ("failed", error),
    ]


@pytest.mark.notebook
def test_a_retried_run_publishes_its_good_attempt_and_keeps_the_failed_one(
    env: Path, clock: SimpleNamespace
) -> None:
    from workbench.jobs import JobSpec
    from workbench.runs import RunResult, job_dir, run_history, run_task

    job = JobSpec("monthly", _notebook(env), retries=2, backoff=1.5, timeout=120)
    final = job_dir("monthly") / "2026-07"
    final.mkdir(parents=True)
    (final / "monthly_79.html").write_text("another grid point", encoding="utf-8")
    params = {"period": "2026-07", "flag": str(env / "flag")}
    result = run_task(job, "2026-07", params, "monthly_01", key="k1")

    nb, page = str(final / "monthly_01.ipynb"), str(final / "monthly_01.html")
    assert result == RunResult(
        "monthly", "monthly_01", "2026-07", params, "ok", 2, "", nb, page, 7.25
    )
    assert clock.slept == [1.5]  # one backoff, after the first attempt
    assert os.readlink(job_dir("monthly") / "latest") == "2026-07"
    assert sorted(p.name for p in final.iterdir()) == [
        "monthly_01.html",
        "monthly_01.ipynb",
        "monthly_79.html",
    ]
    assert "report 2026-07" in Path(page).read_text(encoding="utf-8")
    assert "<title>monthly 2026-07</title>" in Path(page).read_text(encoding="utf-8")
    assert "report 2026-07" in Path(nb).read_text(encoding="utf-8")
    assert sorted(p.name for p in job_dir("monthly").iterdir()) == [
        ".staging",
        "2026-07",
        "failed",
        "latest",
    ]
    assert list((job_dir("monthly") / ".staging").iterdir()) == []
    kept = job_dir("monthly") / "failed" / "2026-07" / "monthly_01-attempt1-k1.ipynb"
    assert [p.name for p in kept.parent.iterdir()] == [kept.name]
    assert "first attempt fails" in kept.read_text(encoding="utf-8")

    hist = run_history()
    assert hist[["run_key", "job", "name", "period", "attempt", "status"]].values.tolist() == [
        ["k1", "monthly", "monthly_01", "2026-07", 2, "ok"],
        ["k1", "monthly", "monthly_01", "2026-07", 1, "failed"],
    ]
    assert hist[["error", "ipynb", "html"]].values.tolist() == [
        ["", nb, page],
        ["cell [3]: ValueError: first attempt fails", str(kept), ""],
    ]
    assert [json.loads(p) for p in hist["params"]] == [params, params]


@pytest.mark.notebook
def test_a_report_that_does_not_render_leaves_latest_and_the_last_good_report(
    env: Path, clock: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench import runs
    from workbench.jobs import JobSpec

    job = JobSpec("monthly", _notebook(env), retries=0, backoff=5, timeout=120)
    good = runs.job_dir("monthly") / "2026-07"
    good.mkdir(parents=True)
    (good / "monthly_01.html").write_text("the last good report", encoding="utf-8")
    runs.switch_latest("monthly", "2026-07")
    earlier = runs.job_dir("monthly") / "failed" / "2026-08"
    earlier.mkdir(parents=True)  # an earlier failed run of the same period
    (earlier / "monthly_01-attempt1-k0.ipynb").write_text("{}", encoding="utf-8")

    def broken(ipynb: Path, out: Path, title: str = "") -> Path:
        raise ValueError("template broke " + "x" * 600)

    monkeypatch.setattr(runs.publishing, "render_html", broken)
    result = runs.run_task(job, "2026-08", {"period": "2026-08"}, "monthly_01", key="k2")
    error = ("html: ValueError: template broke " + "x" * 600)[:500]
    assert result == runs.RunResult(
        "monthly", "monthly_01", "2026-08", {"period": "2026-08"}, "failed", 1, error, "", "", 7.25
    )
    assert clock.slept == []  # no backoff after the last attempt
    assert os.readlink(runs.job_dir("monthly") / "latest") == "2026-07"
    assert (good / "monthly_01.html").read_text(encoding="utf-8") == "the last good report"
    assert not (runs.job_dir("monthly") / "2026-08").exists()
    kept = earlier / "monthly_01-attempt1-k2.ipynb"
    assert sorted(p.name for p in earlier.iterdir()) == [
        "monthly_01-attempt1-k0.ipynb",
        kept.name,
    ]
    assert "report 2026-08" in kept.read_text(encoding="utf-8")  # it ran; only the render failed
    assert list((runs.job_dir("monthly") / ".staging").iterdir()) == []
    [row] = runs.run_history().to_dict("records")
    assert (row["status"], row["error"], row["ipynb"], row["html"]) == (
        "failed",
        error,
        str(kept),
        "",
    )
