"""Serve the leaders' briefings with Voilà: notebooks/briefings only, hardened for a ministry network.

Tracebacks hidden, sources stripped, a pool of preheated kernels per briefing (the page is computed
before anyone asks for it), idle kernels culled, and a token required whenever the server listens on
anything but the loopback interface.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analytics import paths
from analytics.errors import NrisError

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def briefings_dir() -> Path:
    """The folder of the briefing notebooks (the only thing served)."""
    return paths.notebooks_dir() / "briefings"


@dataclass
class ServeOptions:
    """How to run Voilà; see :func:`voila_argv`."""

    port: int = 8866
    ip: str = "127.0.0.1"
    token: str | None = None
    pool_size: int = 2  # two leaders opening the same page at once both get a computed page
    preheat: bool = True
    # A replacement kernel (Python start, imports, the page computed: 4-8 CPU-seconds) starts this
    # long after a request, not 1 s after it (Voilà's default) while the page is still loading.
    fill_delay: float = 10.0
    cull_idle: int = 1800  # seconds without activity before a user's kernel is shut down
    cull_interval: int = 120
    warm_outlook: bool = True  # compute each new snapshot's target outlook in the background
    boundaries: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    extra_args: list[str] = field(default_factory=list)  # more Voilà options (benchmarks, tuning)


def needs_token(ip: str) -> bool:
    """Whether listening on ``ip`` requires a token (anything but loopback)."""
    return ip not in LOOPBACK


def resolve_token(opts: ServeOptions) -> str:
    """The token to require: the given one, ``$NRIS_SERVE_TOKEN``, a fresh one off-loopback, or ""."""
    token = opts.token if opts.token is not None else os.environ.get("NRIS_SERVE_TOKEN")
    if needs_token(opts.ip):
        if token is not None and len(token) < 16:
            raise NrisError(
                "Mã truy cập (token) phải dài ít nhất 16 ký tự khi phục vụ ngoài máy cục bộ",
                "the token must be at least 16 characters when serving beyond loopback",
            )
        return token or secrets.token_urlsafe(24)
    return token or ""


def voila_argv(opts: ServeOptions, token: str) -> list[str]:
    """The Voilà command line for ``opts`` (Voilà 0.5 option names, checked against its source);
    Voilà runs with the snapshot watch of :mod:`workbench.briefings.server`."""
    folder = briefings_dir()
    if not folder.is_dir():
        raise NrisError(f"Không có thư mục {folder}", f"no briefings folder at {folder}")
    if not 0 < opts.port < 65536:
        raise NrisError(f"Cổng {opts.port} không hợp lệ", f"invalid port {opts.port}")
    argv = [
        sys.executable, "-m", "workbench.briefings.server", str(folder),
        "--no-browser",
        f"--port={opts.port}",
        f"--Voila.ip={opts.ip}",
        f"--Voila.token={token}",
        "--VoilaConfiguration.template=nris",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.strip_sources=True",
        f"--VoilaConfiguration.preheat_kernel={opts.preheat}",
        f"--VoilaConfiguration.default_pool_size={max(opts.pool_size, 0)}",
        f"--MappingKernelManager.cull_idle_timeout={opts.cull_idle}",
        f"--MappingKernelManager.cull_interval={opts.cull_interval}",
        "--MappingKernelManager.cull_connected=False",
        # kernels talk over Unix sockets: with TCP each picks free ports and releases them
        # before binding, so a pool starting at once can lose the race (Address already in use)
        "--KernelManager.transport=ipc",
    ]  # fmt: skip
    if opts.preheat:
        argv.append(f"--VoilaKernelManager.fill_delay={max(opts.fill_delay, 0.0):g}")
    return argv + list(opts.extra_args)


def kernel_env(opts: ServeOptions) -> dict[str, str]:
    """Environment of the server and its kernels: the store/catalog paths pass through."""
    env = dict(os.environ)
    if opts.boundaries:
        path = Path(opts.boundaries).expanduser().resolve()
        if not path.is_file():
            raise NrisError(
                f"Không có tệp ranh giới tỉnh {path}", f"no province boundaries file at {path}"
            )
        env["NRIS_BOUNDARIES"] = str(path)
    # Our template (the lab one without its Font Awesome CDN links) is found through JUPYTER_PATH.
    data_dir = str(Path(__file__).resolve().parent / "briefings")
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (data_dir, env.get("JUPYTER_PATH")) if p)
    env.update(opts.extra_env)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def url(opts: ServeOptions, token: str, notebook: str | None = None) -> str:
    """The address to open (with the token when one is required)."""
    host = "127.0.0.1" if opts.ip in ("0.0.0.0", "::", "") else opts.ip
    path = f"voila/render/{notebook}" if notebook else ""
    query = f"?token={token}" if token else ""
    return f"http://{host}:{opts.port}/{path}{query}"


def start_outlook_watcher(
    opts: ServeOptions, log: Any = subprocess.DEVNULL
) -> subprocess.Popen | None:
    """The low-priority child that computes each new snapshot's target outlook ahead of the pages.

    Without it the first overview after new submissions would wait 20-60 s for the forecasts; the
    kernels that need the outlook while it runs wait for it (a file lock) instead of repeating it.
    """
    if not opts.warm_outlook:
        return None
    code = "from workbench import outlook; outlook.watch()"
    return subprocess.Popen(
        [sys.executable, "-c", code], env=kernel_env(opts), stdout=log, stderr=subprocess.STDOUT,
        cwd=str(briefings_dir()), start_new_session=True,
    )  # fmt: skip


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@dataclass
class Server:
    """A running Voilà process started by :func:`start`."""

    process: subprocess.Popen
    opts: ServeOptions
    token: str
    log: Path
    watcher: subprocess.Popen | None = None

    def url(self, notebook: str | None = None) -> str:
        return url(self.opts, self.token, notebook)

    def stop(self) -> None:
        """Stop the server, its kernels and the outlook watcher."""
        _stop(self.watcher)
        _stop(self.process)


def start(opts: ServeOptions, log: Path, timeout: float = 90.0) -> Server:
    """Start Voilà in the background and wait until it answers HTTP; output goes to ``log``."""
    token = resolve_token(opts)
    log.parent.mkdir(parents=True, exist_ok=True)
    fh = open(log, "wb")  # noqa: SIM115 - kept open for the child's lifetime
    proc = subprocess.Popen(
        voila_argv(opts, token), env=kernel_env(opts), stdout=fh, stderr=subprocess.STDOUT,
        cwd=str(briefings_dir()), start_new_session=True,
    )  # fmt: skip
    server = Server(proc, opts, token, log, start_outlook_watcher(opts, fh))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise NrisError(
                f"Voilà đã dừng khi khởi động (xem {log})",
                f"Voilà exited while starting (see {log})",
            )
        try:
            with urllib.request.urlopen(server.url(), timeout=2):
                return server
        except urllib.error.HTTPError:
            return server  # it answers (e.g. 403 without a token)
        except OSError:
            time.sleep(0.3)
    server.stop()
    raise NrisError("Voilà không phản hồi kịp", f"Voilà did not answer within {timeout:.0f} s")


def serve(opts: ServeOptions) -> int:
    """Run Voilà in the foreground until interrupted; returns its exit code."""
    token = resolve_token(opts)
    argv = voila_argv(opts, token)
    print(f"Bản tin lãnh đạo | leaders' briefings: {url(opts, token)}", flush=True)
    if token and needs_token(opts.ip):
        print("  (cần mã truy cập | token required; it is in the address above)", flush=True)
    watcher = start_outlook_watcher(opts, None)
    try:
        return subprocess.call(argv, env=kernel_env(opts), cwd=str(briefings_dir()))
    finally:
        _stop(watcher)
