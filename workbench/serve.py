"""Serve the leaders' briefings with Voilà: notebooks/briefings only, hardened for a ministry network.

Tracebacks hidden, sources stripped, a pool of preheated kernels per briefing (the page is computed
before anyone asks for it), a bounded number of kernels per page beyond it, kernels no browser
connects to culled within a minute, idle ones later, and a token required whenever the server
listens on anything but the loopback interface (never written to the log). ``nris serve`` checks
the port before starting, prints the address only once Voilà listens on it, and stops Voilà, its
kernels and the outlook watcher on SIGTERM, SIGINT and SIGHUP.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics import paths
from analytics.errors import NrisError

if TYPE_CHECKING:
    import psutil

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
    max_kernels: int = 5  # kernels per page beyond the pool (requests being served, pages open)
    connect_timeout: int = 45  # idle seconds before a page's kernel no browser connected to goes
    cull_idle: int = 1800  # idle seconds before a kernel whose browser went away is shut down
    cull_interval: int = 10  # seconds between culling rounds (connect_timeout + this < 1 minute)
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


KERNEL_MANAGER = "workbench.briefings.admission.BriefingKernelManager"


def check_options(opts: ServeOptions) -> None:
    """Refuse options Voilà would misread or silently ignore, in one line."""
    if not 0 < opts.port < 65536:
        raise NrisError(f"Cổng {opts.port} không hợp lệ", f"invalid port {opts.port}")
    for name, value in (
        ("max-kernels", opts.max_kernels),
        ("connect-timeout", opts.connect_timeout),
        ("cull-idle", opts.cull_idle),  # 0 would turn Voilà's culling off altogether
        ("cull-interval", opts.cull_interval),
    ):
        if value < 1:
            raise NrisError(
                f"--{name} phải là số nguyên dương (đang là {value})",
                f"--{name} must be a positive integer (got {value})",
            )


def check_port_free(opts: ServeOptions) -> None:
    """Bind the address as Tornado will and let it go; refuse in one line when it is taken."""
    from tornado.netutil import bind_sockets

    try:
        sockets = bind_sockets(opts.port, opts.ip)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise port_error(opts) from None
        raise NrisError(
            f"Không mở được {opts.ip}:{opts.port}: {exc.strerror}",
            f"cannot listen on {opts.ip}:{opts.port}: {exc.strerror}",
        ) from None
    for sock in sockets:
        sock.close()


def port_error(opts: ServeOptions) -> NrisError:
    return NrisError(
        f"Cổng {opts.port} trên {opts.ip} đang được chương trình khác dùng; chọn cổng khác (--port)",
        f"port {opts.port} on {opts.ip} is already in use; choose another (--port)",
    )


# ``python -m workbench.briefings.server`` with the iri parsers skipped before Voilà loads
# (see analytics.startup): the module imports Voilà at its top, too late for its own main()
VOILA_MAIN = (
    "from analytics.startup import skip_iri_parsers; skip_iri_parsers(); "
    "from workbench.briefings.server import main; main()"
)


def voila_argv(opts: ServeOptions, token: str) -> list[str]:
    """The Voilà command line for ``opts`` (Voilà 0.5 option names, checked against its source);
    Voilà runs with the snapshot watch of :mod:`workbench.briefings.server`."""
    folder = briefings_dir()
    if not folder.is_dir():
        raise NrisError(f"Không có thư mục {folder}", f"no briefings folder at {folder}")
    check_options(opts)
    argv = [
        sys.executable, "-c", VOILA_MAIN, str(folder),
        "--no-browser",
        f"--port={opts.port}",
        "--Voila.port_retries=0",  # Voilà would silently move to the next port
        f"--Voila.ip={opts.ip}",
        f"--Voila.token={token}",
        "--VoilaConfiguration.template=nris",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.strip_sources=True",
        f"--VoilaConfiguration.preheat_kernel={opts.preheat}",
        f"--VoilaConfiguration.default_pool_size={max(opts.pool_size, 0)}",
        f"--BriefingServer.max_kernels={opts.max_kernels}",
        f"--VoilaConfiguration.multi_kernel_manager_class={KERNEL_MANAGER}",
        f"--BriefingKernelManager.connect_timeout={opts.connect_timeout}",
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
    host = f"[{host}]" if ":" in host else host
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


def listening(pid: int, port: int) -> bool:
    """Whether process ``pid`` holds a listening socket on ``port``."""
    import psutil  # here, not at the top: every ``nris`` command registers ``serve``

    try:
        conns = psutil.Process(pid).net_connections(kind="inet")
    except psutil.Error:
        return False
    return any(c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port for c in conns)


def stop_processes(procs: list[subprocess.Popen], grace: float = 30.0) -> None:
    """Stop each child (a process group leader) and everything below it.

    Each child gets SIGTERM in its process group (Voilà then shuts its kernels down); whatever
    of its tree outlives it (kernels run in sessions of their own) is terminated, then killed.
    """
    import psutil

    family: list[psutil.Process] = []
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            family += psutil.Process(proc.pid).children(recursive=True)
        if proc.poll() is None:
            _signal_group(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in procs:
        try:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    end_processes(family)


def end_processes(procs: list[psutil.Process], grace: float = 5.0) -> None:
    """Terminate the processes still running, then kill those that outlive ``grace`` seconds."""
    import psutil

    alive = [p for p in procs if p.is_running()]
    for p in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.terminate()
    _, alive = psutil.wait_procs(alive, timeout=grace)
    for p in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    psutil.wait_procs(alive, timeout=grace)


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)  # started with start_new_session: its group id is its pid


@dataclass
class Server:
    """A running Voilà process started by :func:`start`."""

    process: subprocess.Popen
    opts: ServeOptions
    token: str
    log: Path | None
    watcher: subprocess.Popen | None = None

    def url(self, notebook: str | None = None) -> str:
        return url(self.opts, self.token, notebook)

    def stop(self) -> None:
        """Stop the server, its kernels and the outlook watcher (all their processes)."""
        stop_processes([p for p in (self.process, self.watcher) if p is not None])


def start(opts: ServeOptions, log: Path | None, timeout: float = 90.0) -> Server:
    """Start Voilà in the background and wait until it listens on ``opts.port`` and answers HTTP.

    Its output goes to ``log`` (None: this process's own stdout and stderr). A port already in use
    is refused before anything starts.
    """
    token = resolve_token(opts)
    argv, env = voila_argv(opts, token), kernel_env(opts)
    check_port_free(opts)
    out: Any = None
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        out = open(log, "wb")  # noqa: SIM115 - kept open for the child's lifetime
    server: Server | None = None
    try:
        with _stop_signals_held():  # a stop signal waits until the children are on record
            proc = subprocess.Popen(
                argv, env=env, stdout=out, stderr=subprocess.STDOUT if out else None,
                cwd=str(briefings_dir()), start_new_session=True,
            )  # fmt: skip
            server = Server(proc, opts, token, log)
            server.watcher = start_outlook_watcher(opts, out)
        _wait_ready(server, timeout)
    except BaseException:  # a signal or a failure while starting: nothing is left behind
        if server is not None:
            server.stop()
        raise
    return server


def _wait_ready(server: Server, timeout: float) -> None:
    import urllib.error
    import urllib.request

    proc, port = server.process, server.opts.port
    where = f" (xem {server.log})" if server.log else ""
    where_en = f" (see {server.log})" if server.log else ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            if not port_is_free(server.opts):  # taken between our check and Voilà's bind
                raise port_error(server.opts)
            raise NrisError(
                f"Voilà đã dừng khi khởi động{where}", f"Voilà exited while starting{where_en}"
            )
        if listening(proc.pid, port):
            try:
                with urllib.request.urlopen(server.url(), timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # it answers (e.g. 403 without a token)
            except OSError:
                pass
        time.sleep(0.3)
    raise NrisError(
        f"Voilà không phản hồi trong {timeout:.0f} giây{where}",
        f"Voilà did not answer within {timeout:.0f} s{where_en}",
    )


def port_is_free(opts: ServeOptions) -> bool:
    """Whether ``opts.port`` on ``opts.ip`` can be listened on now."""
    try:
        check_port_free(opts)
    except NrisError:
        return False
    return True


class Stopped(BaseException):
    """Raised in ``nris serve``'s main thread by SIGTERM, SIGINT or SIGHUP."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


_held: dict[str, Any] = {"on": False, "signum": None}


def _raise_stopped(signum: int, frame: Any) -> None:
    if _held["on"]:  # not SIG_IGN yet: a child started now would inherit it
        _held["signum"] = signum
        return
    for sig in STOP_SIGNALS:  # a second signal must not cut the shutdown short
        signal.signal(sig, signal.SIG_IGN)
    raise Stopped(signum)


@contextlib.contextmanager
def _stop_signals_held() -> Iterator[None]:
    """Defer :class:`Stopped` to the end of the block (not with a signal mask: a child started
    meanwhile would inherit it and never see SIGTERM)."""
    _held.update(on=True, signum=None)
    try:
        yield
    finally:
        _held["on"] = False
    signum, _held["signum"] = _held["signum"], None
    if signum is not None:
        raise Stopped(signum)


def serve(opts: ServeOptions) -> int:
    """Run Voilà until it exits or a stop signal arrives; then stop everything it started.

    Returns Voilà's exit code, or 0 after a stop signal.
    """
    previous = {sig: signal.signal(sig, _raise_stopped) for sig in STOP_SIGNALS}
    server: Server | None = None
    try:
        server = start(opts, log=None)
        address = server.url()
        print(f"Bản tin lãnh đạo | leaders' briefings: {address}", flush=True)
        if server.token and needs_token(opts.ip):
            print("  (cần mã truy cập | token required; it is in the address above)", flush=True)
        return server.process.wait()
    except Stopped as stop:
        name = signal.Signals(stop.signum).name
        print(f"nris serve: đang dừng ({name}) | stopping ({name})", file=sys.stderr, flush=True)
        return 0
    finally:
        for sig in STOP_SIGNALS:  # a second signal must not cut the shutdown short
            signal.signal(sig, signal.SIG_IGN)
        try:
            if server is not None:
                server.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
