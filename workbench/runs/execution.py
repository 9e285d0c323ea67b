"""Execution: papermill in a child process group with a hard timeout (a dead kernel is a failed
run), and the offline HTML of an executed notebook, written atomically.

The child is ``python -m workbench.runs`` (``__main__``): it imports this package and papermill
only, never pandas, the calendar or the jobs.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

KERNEL = "python3"


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
