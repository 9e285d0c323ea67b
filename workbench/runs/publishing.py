"""Publishing and fan-out: a task's attempts with retries and backoff, a good report moved into
``reports/<job>/<period>/`` and ``latest`` switched to it, a failed one kept under
``reports/<job>/failed/``; a job fanned out over its grid on local processes or a Dask cluster."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics import paths
from analytics.errors import NrisError
from workbench.runs.execution import execute_notebook, render_html
from workbench.runs.history import _db, _record_end, _record_start
from workbench.runs.index import write_index
from workbench.runs.params import notebook_parameters, validate_parameters

if TYPE_CHECKING:  # the calendar and the jobs load where they are used: the papermill child
    # (``python -m workbench.runs``) needs neither (0.3-0.5 CPU-s per run)
    from workbench.jobs import JobSpec


@dataclass
class RunResult:
    """The outcome of one task (its last attempt)."""

    job: str
    name: str
    period: str
    params: dict[str, Any]
    status: str
    attempt: int
    error: str = ""
    ipynb: str = ""
    html: str = ""
    seconds: float = 0.0


def job_dir(job: str) -> Path:
    return paths.reports_dir() / job


def switch_latest(job: str, period: str) -> None:
    """Point ``reports/<job>/latest`` at ``period`` atomically (never backwards to an older one)."""
    link = job_dir(job) / "latest"
    if link.is_symlink() and os.readlink(link) > period:
        return
    tmp = job_dir(job) / f".latest-{uuid.uuid4().hex[:8]}"
    os.symlink(period, tmp)
    os.replace(tmp, link)


def run_task(
    job: JobSpec, period: str, params: dict[str, Any], name: str, key: str = ""
) -> RunResult:
    """Run one task with retries and backoff; publish only a good report.

    Each attempt is a chain of steps (``_attempt``): record its start -> execute -> render ->
    publish, or keep the failed notebook -> record its end; then ``_retry`` decides, after the
    backoff, whether another attempt follows. The staging folder goes when the task ends.
    """
    key = key or uuid.uuid4().hex[:12]
    task = _Task(
        job,
        period,
        params,
        name,
        key,
        final_dir=job_dir(job.name) / period,
        stage=job_dir(job.name) / ".staging" / f"{name}-{uuid.uuid4().hex[:8]}",
    )
    t0 = time.monotonic()
    status, error, attempt, ipynb, html_path = "failed", "", 0, "", ""
    for attempt in range(1, job.retries + 2):
        status, error, ipynb, html_path = _attempt(task, attempt)
        if status == "ok" or not _retry(job, attempt, error):
            break
    shutil.rmtree(task.stage, ignore_errors=True)
    return RunResult(
        job.name, name, period, params, status, attempt, error, ipynb, html_path,
        time.monotonic() - t0,
    )  # fmt: skip


@dataclass(frozen=True)
class _Task:
    """One report of a job: what it runs, and where its attempts stage and a good one goes."""

    job: JobSpec
    period: str
    params: dict[str, Any]
    name: str
    key: str  # the run's key in the history, shared by every task of one ``run_job``
    final_dir: Path  # reports/<job>/<period>
    stage: Path  # reports/<job>/.staging/<name>-<random>: attempts execute and render here

    @property
    def notebook(self) -> Path:
        """The executed notebook of the current attempt, in the staging folder."""
        return self.stage / f"{self.name}.ipynb"

    @property
    def html(self) -> Path:
        """The current attempt's rendered report, in the staging folder."""
        return self.stage / f"{self.name}.html"


def _attempt(task: _Task, attempt: int) -> tuple[str, str, str, str]:
    """One attempt: (status, error, published ipynb, published html), the paths empty unless ok."""
    row = _record_start(task.key, task.job.name, task.name, task.period, task.params, attempt)
    status, error = _execute(task, row)
    if status == "ok":
        status, error = _render(task)
    if status == "ok":
        ipynb, html_path = _publish(task)
        _record_end(row, "ok", "", ipynb, html_path)
        return "ok", "", ipynb, html_path
    _record_end(row, status, error, _keep_failed(task, attempt), "")
    return status, error, "", ""


def _execute(task: _Task, row: int) -> tuple[str, str]:
    """Execute the notebook into the staging folder: (status, error) of ``execute_notebook``.

    Stopped (Ctrl+C, SIGTERM): the attempt is recorded as interrupted, nothing is published, the
    staging folder is removed, and the interrupt goes on.
    """
    task.stage.mkdir(parents=True, exist_ok=True)
    try:
        return execute_notebook(task.job.notebook, task.notebook, task.params, task.job.timeout)
    except KeyboardInterrupt:
        _record_end(row, "interrupted", "stopped", "", "")
        shutil.rmtree(task.stage, ignore_errors=True)
        raise


def _render(task: _Task) -> tuple[str, str]:
    """The offline HTML beside the executed notebook: ("ok", "") or ("failed", why)."""
    try:
        render_html(task.notebook, task.html, title=f"{task.job.name} {task.period}")
    except Exception as exc:  # a report that cannot render is not a good report
        return "failed", f"html: {type(exc).__name__}: {exc}"[:500]
    return "ok", ""


def _publish(task: _Task) -> tuple[str, str]:
    """Move the report from the staging folder into ``reports/<job>/<period>/`` and switch
    ``latest`` to it: (ipynb, html) where they now are."""
    task.final_dir.mkdir(parents=True, exist_ok=True)
    html_path = task.final_dir / f"{task.name}.html"
    nb_path = task.final_dir / f"{task.name}.ipynb"
    os.replace(task.html, html_path)
    os.replace(task.notebook, nb_path)
    switch_latest(task.job.name, task.period)
    return str(nb_path), str(html_path)


def _keep_failed(task: _Task, attempt: int) -> str:
    """Keep a failed attempt's notebook under ``reports/<job>/failed/<period>/`` for diagnosis:
    its path, or "" when the attempt left none (the runner died before papermill wrote it)."""
    if not task.notebook.exists():
        return ""
    failed = job_dir(task.job.name) / "failed" / task.period
    failed.mkdir(parents=True, exist_ok=True)
    kept = str(failed / f"{task.name}-attempt{attempt}-{task.key}.ipynb")
    os.replace(task.notebook, kept)
    return kept


def _retry(job: JobSpec, attempt: int, error: str) -> bool:
    """After a failed attempt: sleep the backoff (doubling) and say True when another is due;
    False after the last attempt or an error no attempt would mend (``_final``)."""
    if attempt > job.retries or _final(error):
        return False
    time.sleep(job.backoff * 2 ** (attempt - 1))
    return True


# What a notebook raises about its data or parameters (no figures yet for the period, an unknown
# code, a bad catalog): another attempt would repeat it, minutes of backoff later. The store's
# own errors (StoreError: locked for too long) may pass, and are retried like any other failure.
FINAL_ERRORS = ("NrisError", "UnknownCodeError", "CatalogError")


def _final(error: str) -> bool:
    """True for a failed cell whose exception is one of ``FINAL_ERRORS`` (never retried)."""
    found = re.match(r"cell \[[^\]]*\]: (\w+):", error)
    return found is not None and found.group(1) in FINAL_ERRORS


def _task(args: tuple[JobSpec, str, dict[str, Any], str, str]) -> RunResult:
    return run_task(*args)


def _run_chunk(
    chunk: list[tuple[JobSpec, str, dict[str, Any], str, str]], _job: Any = None
) -> list[RunResult]:
    return [_task(a) for a in chunk]


def run_job(
    job: JobSpec,
    period: str | dt.date | None = None,
    params: dict[str, Any] | None = None,
    workers: int | None = None,
    address: Any = None,
    progress: bool = True,
    index: bool = True,
) -> list[RunResult]:
    """Run a job for ``period`` (default: the latest period in the snapshot) over its grid.

    Parameters are validated against the notebook first (nothing runs on a bad one). Tasks run on
    local processes (``workers``, default: cores) or on the Dask cluster at ``address``.
    """
    if "period" in (params or {}):
        raise NrisError(
            "Kỳ báo cáo đặt bằng --period, không bằng -p period",
            "the report period is set with --period, not -p period",
        )
    from analytics.calendar import parse_period, period_key
    from workbench.jobs import latest_period

    start = parse_period(str(period), job.freq) if period else latest_period(job.freq)
    key_period = period_key(start, job.freq)
    declared = notebook_parameters(job.notebook)
    tasks = job.tasks(params)
    checked = [validate_parameters(job.notebook, t, declared) for t in tasks]
    if "period" in declared:
        checked = [{"period": key_period, **t} for t in checked]
    key = uuid.uuid4().hex[:12]
    args = [(job, key_period, t, job.output_name(t), key) for t in checked]
    _db().close()  # set the history up here, not in racing workers
    results = _fan_out(args, workers, address, progress)
    if index:
        write_index()
    return results


def _fan_out(args: list, workers: int | None, address: Any, progress: bool) -> list[RunResult]:
    """One report per task on local processes or a Dask cluster (the forecasts engine's fan-out)."""
    if len(args) == 1 and address is None:  # in this process, as map_chunks runs one chunk,
        return _run_chunk(args)  # without loading numpy and pandas for it
    from forecasts.engine import map_chunks

    return map_chunks(
        _run_chunk,
        [[a] for a in args],
        n_jobs=workers,
        address=address,
        progress=progress and len(args) > 1,
        desc="reports",
    )
