"""Papermill runs: validate parameters, execute, render offline HTML, record, publish atomically.

A run reads as a pipeline: validate the parameters against the notebook's ``parameters`` cell ->
execute with papermill in a child process (hard timeout; a dead kernel is a failed run) -> render a
self-contained HTML without code -> move the report into ``reports/<job>/<period>/`` -> switch
``reports/<job>/latest`` -> record the attempt -> regenerate ``reports/index.html``.

Nothing is lost: attempts execute in a staging folder, so a failed or killed run never replaces a good
report; the failed notebook is kept under ``reports/<job>/failed/`` for diagnosis. The run history is
a small SQLite file next to the store (``runs.sqlite``, WAL): many workers record at once and no
reader of the data store is ever blocked by it.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics import paths, yamltext
from analytics.errors import NrisError

if TYPE_CHECKING:  # pandas, the calendar and the jobs load where they are used: the papermill
    # child (``python -m workbench.runs``) needs none of them (0.3-0.5 CPU-s per run)
    import pandas as pd

    from workbench.jobs import JobSpec

KERNEL = "python3"
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


# -- parameters -------------------------------------------------------------------------------
def notebook_parameters(notebook: Path) -> dict[str, dict[str, Any]]:
    """The notebook's declared parameters (papermill inspection): name -> type, default, help."""
    from analytics.startup import import_papermill

    import_papermill()  # without pyarrow.fs
    from papermill.inspection import inspect_notebook

    return {
        name: {"type": p["inferred_type_name"], "default": p["default"], "help": p["help"]}
        for name, p in inspect_notebook(str(notebook)).items()
    }


def _valid_list(declared: dict[str, dict[str, Any]]) -> str:
    return ", ".join(f"{n}: {d['type']}" for n, d in declared.items())


def _coerce(name: str, value: Any, typ: str) -> Any:
    """A CLI string or a Python value -> the declared type; ValueError when it does not fit."""
    base = typ.split("[")[0].strip().lower()
    if isinstance(value, str) and base not in ("str", "none", ""):
        if base == "bool":
            low = value.strip().lower()
            if low in ("true", "1", "yes", "on"):
                return True
            if low in ("false", "0", "no", "off"):
                return False
            raise ValueError(value)
        if base == "int":
            return int(value)
        if base == "float":
            return float(value)
        if base in ("list", "dict", "tuple"):
            import yaml

            try:
                parsed = yamltext.safe_load(value)
            except yaml.YAMLError:  # "[1," is a wrong value, told in one line, not a traceback
                raise ValueError(value) from None
            if base == "dict" and not isinstance(parsed, dict):
                raise ValueError(value)
            if base in ("list", "tuple") and not isinstance(parsed, list):
                parsed = [parsed]
            return parsed
        return value
    checks: dict[str, tuple[type, ...]] = {
        "str": (str,), "int": (int,), "float": (int, float), "bool": (bool,),
        "list": (list, tuple), "dict": (dict,),
    }  # fmt: skip
    want = checks.get(base)
    if want and (
        not isinstance(value, want) or (base in ("int", "float") and isinstance(value, bool))
    ):
        raise ValueError(value)
    return value


CHOICES: dict[str, tuple[str, ...]] = {
    "lang": ("vi", "en"),
    "span": ("Q", "6M", "9M"),
    "transform": ("level", "mom", "yoy", "ytd", "ytd_yoy"),
}
"""Parameters whose value is one of a few words, whatever notebook declares them."""
AREA_PARAMS = ("area", "province", "areas")
INDICATOR_PARAMS = ("indicator", "code", "rank_by")


def _shown(value: Any) -> str:
    """A value as an error line may show it: printable characters only, at most 40."""
    text = "".join(c if c.isprintable() else "?" for c in str(value))
    return text if len(text) <= 40 else text[:39] + "…"


def check_choices(name: str, value: Any, help_text: str = "") -> None:
    """Refuse a value outside the parameter's declared choices or a code the catalog lacks.

    ``lang`` is vi or en (and the like, ``CHOICES``); ``area``/``province``/``areas`` name catalog
    areas ("all" too where the notebook's help offers it); ``indicator``/``code``/``rank_by``
    name catalog indicators. A report is never run, nor its name made, from anything else.
    """
    if name in CHOICES and value not in CHOICES[name]:
        allowed = " | ".join(CHOICES[name])
        raise NrisError(
            f"Tham số {name} = '{_shown(value)}' không hợp lệ; chọn một trong: {allowed}",
            f"parameter {name} = '{_shown(value)}' is not valid; one of: {allowed}",
        )
    if name not in AREA_PARAMS + INDICATOR_PARAMS:
        return
    from analytics.catalog import catalog
    from analytics.errors import unknown_code

    cat = catalog()
    if name in AREA_PARAMS:
        valid = set(cat.areas["code"].astype(str)) | ({"all"} if '"all"' in help_text else set())
        kind = ("địa bàn (tham số " + name + ")", f"area (parameter {name})")
    else:
        valid = set(cat.indicators["code"].astype(str))
        kind = ("chỉ tiêu (tham số " + name + ")", f"indicator (parameter {name})")
    for v in value if isinstance(value, list | tuple) else [value]:
        if str(v) not in valid:
            raise unknown_code(kind[0], kind[1], _shown(v), sorted(valid))


def validate_parameters(notebook: Path, params: dict[str, Any]) -> dict[str, Any]:
    """Check names, types and choices against the notebook's parameters cell; coerce CLI strings.

    Refuses (NrisError, before anything runs) an unknown name or a value of the wrong type, listing
    the valid parameters, and a value outside its choices (``check_choices``).
    """
    declared = notebook_parameters(notebook)
    out = {}
    for name, value in params.items():
        if name not in declared:
            raise NrisError(
                f"Sổ {notebook.name} không có tham số '{name}'; tham số hợp lệ: {_valid_list(declared)}",
                f"notebook {notebook.name} has no parameter '{name}'; valid: {_valid_list(declared)}",
            )
        typ = str(declared[name]["type"] or "None")
        try:
            out[name] = _coerce(name, value, typ)
        except (ValueError, TypeError):
            raise NrisError(
                f"Tham số '{name}' phải có kiểu {typ}, nhận '{value}'; tham số hợp lệ: "
                f"{_valid_list(declared)}",
                f"parameter '{name}' must be {typ}, got '{value}'; valid: {_valid_list(declared)}",
            ) from None
        check_choices(name, out[name], str(declared[name].get("help") or ""))
    return out


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """``["area=01", "lang=en"]`` -> ``{"area": "01", "lang": "en"}``."""
    out = {}
    for item in items:
        if "=" not in item:
            raise NrisError(
                f"Tham số '{item}' phải có dạng tên=giá_trị",
                f"parameter '{item}' must be name=value",
            )
        k, v = item.split("=", 1)
        out[k.strip()] = v
    return out


# -- run history ------------------------------------------------------------------------------
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


# -- execution --------------------------------------------------------------------------------
def _child_env() -> dict[str, str]:
    """The kernel must be this venv's Python: put its kernelspec first on JUPYTER_PATH."""
    env = dict(os.environ)
    share = str(Path(sys.prefix) / "share" / "jupyter")
    env["JUPYTER_PATH"] = os.pathsep.join([share] + [p for p in [env.get("JUPYTER_PATH")] if p])
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def execute_notebook(
    notebook: Path, output: Path, params: dict[str, Any], timeout: float, cwd: Path | None = None
) -> tuple[str, str]:
    """Execute with papermill in a child process group; returns (status, error summary).

    ``status`` is ok, failed (a cell raised, or the kernel died) or timeout (the whole notebook
    exceeded ``timeout`` seconds: the child is stopped, then killed). The executed notebook, with the
    error when there is one, is at ``output``.
    """
    result = output.with_suffix(".result.json")
    spec = {
        "input": str(notebook),
        "output": str(output),
        "params": params,
        "cwd": str(cwd or notebook.parent),
        "result": str(result),
        "timeout": timeout,
    }
    cmd = [sys.executable, "-m", "workbench.runs", json.dumps(spec, default=str)]
    proc = subprocess.Popen(
        cmd,
        env=_child_env(),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc)
        return "timeout", f"timeout after {timeout:g} s"
    except BaseException:  # interrupted (Ctrl+C, SIGTERM): stop the child and its kernel first
        _stop(proc)
        result.unlink(missing_ok=True)
        raise
    try:
        res = json.loads(result.read_text(encoding="utf-8"))
        result.unlink()
    except (OSError, ValueError):
        tail = (err or "").strip().splitlines()[-1:] or [f"exit code {proc.returncode}"]
        return "failed", f"runner died: {tail[0][:300]}"
    return res["status"], res.get("error", "")


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the child's group (papermill shuts its kernel down), SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _child(spec: dict[str, Any]) -> int:
    """Body of the child process: run papermill, write a small result file."""
    from analytics.startup import import_papermill

    pm = import_papermill()

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    _die_with_parent()
    status, error = "ok", ""
    sockets = tempfile.TemporaryDirectory(prefix="nris-kernel-")
    try:
        pm.execute_notebook(
            spec["input"],
            spec["output"],
            parameters=spec["params"],
            kernel_name=KERNEL,
            progress_bar=False,
            cwd=spec["cwd"],
            execution_timeout=int(spec["timeout"]),
            log_output=False,
            config=_ipc_config(Path(sockets.name)),
        )
    except pm.PapermillExecutionError as exc:
        status, error = "failed", f"cell [{exc.exec_count}]: {exc.ename}: {exc.evalue}"
    except KeyboardInterrupt:
        status, error = "timeout", "stopped"
    except Exception as exc:  # kernel death, missing kernel, bad notebook: one line, failed
        name = type(exc).__name__
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        if name == "DeadKernelError" or "kernel died" in msg.lower():
            error = f"kernel died: {msg}"
        else:
            error = f"{name}: {msg}"
        status = "failed"
    finally:
        sockets.cleanup()
    _atomic_text(Path(spec["result"]), json.dumps({"status": status, "error": error[:2000]}))
    return 0


def _ipc_config(folder: Path) -> Any:
    """The kernel talks to papermill over Unix sockets in ``folder``, not TCP ports.

    Over TCP, jupyter_client picks free ports and lets them go before the kernel binds them, so
    runs starting side by side (a fan-out over provinces) can lose a kernel to "Address already
    in use". Each run's own folder keeps the socket names of parallel runs apart.
    """
    from traitlets.config import Config

    return Config({"KernelManager": {"transport": "ipc", "ip": str(folder / "kernel")}})


def _die_with_parent() -> None:
    """Linux: SIGTERM this child when the runner that started it dies (no orphaned runs)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        raise KeyboardInterrupt


def _atomic_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # reports are read by the web server and other users
        os.replace(tmp, path)
    except BaseException:  # a text that cannot be written leaves no temporary file behind
        Path(tmp).unlink(missing_ok=True)
        raise


def render_html(ipynb: Path, out: Path, title: str = "") -> Path:
    """A self-contained HTML of an executed notebook: outputs only, no code, no remote scripts."""
    import nbformat

    nb = nbformat.read(str(ipynb), as_version=4)
    nb.metadata["title"] = title or nb.metadata.get("title") or ipynb.stem
    body, _ = _html_exporter(threading.get_ident()).from_notebook_node(nb)
    _atomic_text(out, body)
    return out


@functools.cache
def _html_exporter(thread: int) -> Any:
    """The HTML exporter of ``render_html``, one per thread (a Dask worker runs tasks on threads).

    It compiles its ten Jinja templates on first use (0.1 CPU-s); kept, a fan-out worker or the
    test process that renders many reports compiles them once. nbconvert's own command reuses
    one exporter for every notebook it converts the same way.
    """
    import jinja2
    from nbconvert import HTMLExporter

    template = (
        "{%- extends 'lab/index.html.j2' -%}\n"
        "{%- block html_head_js -%}{%- endblock html_head_js -%}\n"
        "{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}\n"
        "{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}\n"
        "{% block jupyter_widgets %}{% endblock jupyter_widgets %}\n"
    )
    return HTMLExporter(
        template_name="lab",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        extra_loaders=[jinja2.DictLoader({"nris_report.html.j2": template})],
        template_file="nris_report.html.j2",
    )


# -- publishing -------------------------------------------------------------------------------
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
    """Run one task with retries and backoff; publish only a good report."""
    key = key or uuid.uuid4().hex[:12]
    final_dir = job_dir(job.name) / period
    stage = job_dir(job.name) / ".staging" / f"{name}-{uuid.uuid4().hex[:8]}"
    t0 = time.monotonic()
    status, error, attempt = "failed", "", 0
    for attempt in range(1, job.retries + 2):
        row = _record_start(key, job.name, name, period, params, attempt)
        stage.mkdir(parents=True, exist_ok=True)
        out = stage / f"{name}.ipynb"
        try:
            status, error = execute_notebook(job.notebook, out, params, job.timeout)
        except KeyboardInterrupt:  # stopped: recorded, nothing published, the stage removed
            _record_end(row, "interrupted", "stopped", "", "")
            shutil.rmtree(stage, ignore_errors=True)
            raise
        if status == "ok":
            try:
                render_html(out, stage / f"{name}.html", title=f"{job.name} {period}")
            except Exception as exc:  # a report that cannot render is not a good report
                status, error = "failed", f"html: {type(exc).__name__}: {exc}"[:500]
        if status == "ok":
            final_dir.mkdir(parents=True, exist_ok=True)
            html_path, nb_path = final_dir / f"{name}.html", final_dir / f"{name}.ipynb"
            os.replace(stage / f"{name}.html", html_path)
            os.replace(out, nb_path)
            switch_latest(job.name, period)
            _record_end(row, "ok", "", str(nb_path), str(html_path))
            shutil.rmtree(stage, ignore_errors=True)
            return RunResult(
                job.name,
                name,
                period,
                params,
                "ok",
                attempt,
                "",
                str(nb_path),
                str(html_path),
                time.monotonic() - t0,
            )
        kept = ""
        if out.exists():
            failed = job_dir(job.name) / "failed" / period
            failed.mkdir(parents=True, exist_ok=True)
            kept = str(failed / f"{name}-attempt{attempt}-{key}.ipynb")
            os.replace(out, kept)
        _record_end(row, status, error, kept, "")
        if attempt > job.retries or _final(error):
            break
        time.sleep(job.backoff * 2 ** (attempt - 1))
    shutil.rmtree(stage, ignore_errors=True)
    return RunResult(
        job.name, name, period, params, status, attempt, error, "", "", time.monotonic() - t0
    )


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
    checked = [validate_parameters(job.notebook, t) for t in tasks]
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


# -- index ------------------------------------------------------------------------------------
_STATUS_VI = {
    "ok": "thành công",
    "failed": "lỗi",
    "timeout": "quá thời gian",
    "running": "đang chạy",
    "interrupted": "bị ngắt",
}


def write_index() -> Path:
    """``reports/index.html``: every report by job and period with its last status (no scripts)."""
    root = paths.reports_dir()
    last: dict[tuple[str, str, str], dict[str, Any]] = {}
    if history_path().exists():
        # the last attempt's own row (the newest of its job, period and name), not each column's
        # last non-null value, which would show a retry under way with the failed attempt's error
        for r in _history_rows()[1][:100000]:
            last.setdefault((r["job"], r["period"], r["name"]), r)
    ordered = sorted(last.values(), key=lambda r: r["name"])
    ordered.sort(key=lambda r: r["period"], reverse=True)
    ordered.sort(key=lambda r: r["job"])  # job, then period newest first, then name
    rows = []
    for r in ordered:
        good = root / str(r["job"]) / str(r["period"]) / f"{r['name']}.html"
        link = (
            f'<a href="{html.escape(os.path.relpath(good, root))}">{html.escape(str(r["name"]))}</a>'
            if good.exists()
            else html.escape(str(r["name"]))
        )
        st = str(r["status"])
        rows.append(
            f"<tr class='{st}'><td>{html.escape(str(r['job']))}</td><td>{html.escape(str(r['period']))}</td>"
            f"<td>{link}</td><td>{_STATUS_VI.get(st, st)} / {st}</td><td>{r['attempt']}</td>"
            f"<td>{html.escape(str(r['ended'] or r['started']))}</td>"
            f"<td>{html.escape(str(r['error'] or ''))[:200]}</td></tr>"
        )
    body = "\n".join(rows) or "<tr><td colspan='7'>Chưa có báo cáo / no reports yet</td></tr>"
    page = f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Báo cáo định kỳ / Periodic reports</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px}}tr.failed,tr.timeout{{background:#fde0dc}}
tr.ok{{background:#e8f5e9}}</style></head><body>
<h1>Báo cáo định kỳ <small>/ Periodic reports</small></h1>
<p>Cập nhật / updated {_now()}</p>
<table><tr><th>Tác vụ / job</th><th>Kỳ / period</th><th>Báo cáo / report</th><th>Trạng thái / status</th>
<th>Lần / attempt</th><th>Thời điểm / time</th><th>Lỗi / error</th></tr>
{body}
</table></body></html>
"""
    out = root / "index.html"
    _atomic_text(out, page)
    return out


def summary(results: list[RunResult]) -> pd.DataFrame:
    """Results as a frame (for the CLI and notebooks)."""
    import pandas as pd

    return pd.DataFrame([asdict(r) for r in results])


if __name__ == "__main__":  # the papermill child of execute_notebook
    from analytics.startup import skip_iri_parsers

    skip_iri_parsers()
    sys.exit(_child(json.loads(sys.argv[1])))
