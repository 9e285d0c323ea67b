"""``nris serve`` as an operator, a supervisor and a careless visitor meet it: real processes.

A stop signal leaves no process behind and frees the port; a taken port is refused in one line
before anything starts; plain page requests hold at most the per-page bound of kernels, the next
gets the busy page, and kernels no browser connects to are culled; the token never reaches the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest

from analytics.errors import NrisError
from workbench import serve
from workbench.briefings.admission import Admission, busy_page, page_key
from workbench.briefings.server import scrub

REPO = Path(__file__).resolve().parents[1]
REPORT_PAGE = "4_tinh_hinh_bao_cao.ipynb"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_is_free(port: int) -> bool:
    return serve.port_is_free(serve.ServeOptions(port=port))


def _port_holders(port: int) -> list[tuple[str, int | None, str]]:
    """Who has a socket on ``port``: (status, pid, command line)."""
    held = []
    for c in psutil.net_connections(kind="inet"):
        if c.laddr and c.laddr.port == port:
            try:
                who = " ".join(psutil.Process(c.pid).cmdline())[:200] if c.pid else "?"
            except psutil.Error:
                who = "gone"
            held.append((c.status, c.pid, who))
    return held


def _assert_port_freed(port: int, timeout: float = 10.0) -> None:
    """The stopped server's port is given back (within ``timeout``: the last of its processes may
    still be closing as the test gets here).

    Given back means nothing listens on it and no nris, Voilà or kernel process holds it. On a busy
    machine another test's client connection can take the same number as its ephemeral local
    port, which keeps a bind from succeeding without being the server's.
    """
    deadline = time.monotonic() + timeout
    while not _port_is_free(port):
        held = _port_holders(port)
        ours = [h for h in held if h[0] == psutil.CONN_LISTEN or _is_server_process(h[2])]
        if held and not ours:
            return
        assert time.monotonic() < deadline, f"port {port} still taken: {held}"
        time.sleep(0.2)


def _is_server_process(cmdline: str) -> bool:
    return any(
        name in cmdline for name in ("workbench.cli", "voila", "briefings.server", "ipykernel")
    )


def _kernels(root: int) -> list[psutil.Process]:
    """The Jupyter kernels below process ``root``.

    A kernel's own children are not kernels even when they carry its command line: a fork between
    ``fork`` and ``exec`` (``ctypes.util.find_library`` and the like run ``ldconfig``) looks the same.
    """
    try:
        tree = psutil.Process(root).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    kernels = {}
    for p in tree:
        try:
            if "ipykernel_launcher" in " ".join(p.cmdline()):
                kernels[p.pid] = (p, p.ppid())
        except psutil.Error:
            pass
    return [p for p, parent in kernels.values() if parent not in kernels]


def _alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def _wait_for(what: str, check, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


CULL_CHECK = re.compile(r"\] kernel_id=(\S+), kernel_name=\S+, last_activity=(.+)$", re.M)


def _spared_after_idle(server: serve.Server, idle: float, *, after: str = "") -> None:
    """Wait until a culling round found the page's one kernel idle for more than ``idle`` seconds
    (after the log's last ``after`` line, if given) and the next round still found it: the kernel
    was not culled.

    Each culling round logs a check of every kernel (debug level) with its last activity, before
    it decides; Voilà's log lines carry no time, so a check's time is bounded from below by when
    this test last read the log without it. The kernel is counted all along: a culled kernel fails
    at once rather than at the deadline. (What a fixed sleep of a few rounds only hoped for.)
    """
    assert server.log is not None
    floors: list[dt.datetime | None] = []  # floors[i]: check i was logged after this time
    read_at: dt.datetime | None = None  # when the log was last read (None: not yet)
    deadline = time.monotonic() + 120
    while True:
        now = dt.datetime.now(dt.UTC)
        assert len(_kernels(server.process.pid)) == 1, server.log.read_text()[-3000:]
        text = server.log.read_text(errors="replace")
        checks = list(CULL_CHECK.finditer(text))
        floors += [read_at] * (len(checks) - len(floors))  # new: not there at the last read
        read_at = now
        start = text.rfind(after) if after else 0
        past = [
            i
            for i, (m, floor) in enumerate(zip(checks, floors, strict=True))
            if start >= 0 and m.start() > start and floor is not None
            and (floor - dt.datetime.fromisoformat(m[2])).total_seconds() > idle
        ]  # fmt: skip
        if past and any(m[1] == checks[past[0]][1] for m in checks[past[0] + 1 :]):
            return
        assert time.monotonic() < deadline, f"no culling round past {idle} s idle:\n{text[-3000:]}"
        time.sleep(0.2)


CULL_ROUND = "Polling every "  # jupyter_server's culler, at the start of each round (debug)


def _culling_rounds(server: serve.Server, rounds: int, *, after: str) -> None:
    """Wait until ``rounds`` culling rounds started after the log's last ``after`` line (all but
    the last of them over), counting the page's one kernel all along (a culled kernel fails at
    once, not at the deadline). What a fixed sleep of a few rounds only hoped for."""
    assert server.log is not None
    deadline = time.monotonic() + 120
    while True:
        assert len(_kernels(server.process.pid)) == 1, server.log.read_text()[-3000:]
        text = server.log.read_text(errors="replace")
        start = text.rfind(after)
        if start >= 0 and text.count(CULL_ROUND, start) >= rounds:
            assert len(_kernels(server.process.pid)) == 1, text[-3000:]
            return
        assert time.monotonic() < deadline, f"no {rounds} culling rounds:\n{text[-3000:]}"
        time.sleep(0.2)


def _get(url: str, timeout: float = 180.0) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def _get_quietly(url: str) -> None:
    """A request the server may drop as it stops."""
    with contextlib.suppress(OSError):
        _get(url, 60)


# -- options, pure ----------------------------------------------------------------------------------
def test_voila_never_moves_to_another_port_and_gets_the_bounds() -> None:
    opts = serve.ServeOptions(port=9999, max_kernels=3, connect_timeout=20)
    argv = serve.voila_argv(opts, "")
    assert "--Voila.port_retries=0" in argv
    assert "--BriefingServer.max_kernels=3" in argv
    assert "--BriefingKernelManager.connect_timeout=20" in argv
    assert f"--VoilaConfiguration.multi_kernel_manager_class={serve.KERNEL_MANAGER}" in argv
    defaults = serve.ServeOptions()
    assert defaults.connect_timeout + defaults.cull_interval <= 60  # culled within a minute
    for bad in ({"max_kernels": 0}, {"connect_timeout": 0}, {"cull_idle": 0}):
        with pytest.raises(NrisError, match="must be a positive integer"):
            serve.voila_argv(serve.ServeOptions(**bad), "")


def test_admission_counts_requests_and_live_kernels_per_page() -> None:
    adm, alive = Admission(limit=2), {"k1", "k2"}
    first = adm.admit("a.ipynb", alive.__contains__)
    second = adm.admit("./a.ipynb/", alive.__contains__)  # the same page, spelled otherwise
    assert first is not None and second is not None
    assert adm.admit("a.ipynb", alive.__contains__) is None  # two requests being served
    assert adm.admit("b.ipynb", alive.__contains__) is not None  # the bound is per page
    first.kernel_id, first.open = "k1", False
    second.kernel_id, second.open = "k2", False
    assert adm.admit("a.ipynb", alive.__contains__) is None  # their kernels are alive
    alive.discard("k1")  # culled, or the leader closed the tab
    assert adm.in_use("a.ipynb", alive.__contains__) == 1
    assert adm.admit("a.ipynb", alive.__contains__) is not None
    assert page_key("sub/../a.ipynb") == page_key("/a.ipynb") == "a.ipynb"


def test_busy_page_is_bilingual_and_self_contained() -> None:
    page = busy_page(4)
    assert "Máy chủ đang bận" in page and "Server busy" in page and "4" in page
    assert "<script" not in page and "http" not in page.replace('http-equiv="refresh"', "")


def test_scrub_removes_the_token_from_access_lines() -> None:
    line = "503 GET /voila/render/1_tong_quan.ipynb?token=s3cr3t-value&x=1 (127.0.0.1) 2.1ms"
    assert scrub(line) == (
        "503 GET /voila/render/1_tong_quan.ipynb?token=[secret]&x=1 (127.0.0.1) 2.1ms"
    )
    assert "s3cr3t" not in scrub("Referer: http://h/?a=1&_token=s3cr3t")
    assert scrub("login with s3cr3t-value", ["s3cr3t-value"]) == "login with [secret]"


# -- the port ---------------------------------------------------------------------------------------
def test_a_kernel_still_starting_does_not_fail_the_stop(tmp_path: Path) -> None:
    """Stopping while a page's kernel starts (Ctrl-C as a leader opens a page): the started
    kernels are shut and the starting one, not yet listed, is no error (``shutdown_all`` raised
    404 "Kernel does not exist" on it, a traceback at every such stop)."""
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    from workbench.briefings.server import shut_kernels

    async def stop_while_one_starts() -> tuple[str, list, list[str]]:
        km = AsyncMappingKernelManager(connection_dir=str(tmp_path), root_dir=str(tmp_path))
        started = await km.start_kernel()
        starting = asyncio.ensure_future(km.start_kernel())
        while not km._pending_kernels:  # noqa: ASYNC110 - the start has begun, not ended
            await asyncio.sleep(0.01)
        try:
            refused = await shut_kernels(km)
            return started, refused, km.list_kernel_ids()
        finally:
            await km.shutdown_kernel(await starting, now=True)

    with ThreadPoolExecutor(1) as thread:  # its own event loop, whatever this thread runs
        started, refused, listed = thread.submit(asyncio.run, stop_while_one_starts()).result()
    assert refused == [] and started not in listed


def test_port_in_use_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "PYTHONPATH": str(REPO), "NRIS_STORE": str(tmp_path / "store")}
        before = {p.pid for p in psutil.Process().children(recursive=True)}
        done = subprocess.run(
            [sys.executable, "-m", "workbench.cli", "serve", "--port", str(port)],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 2
        assert done.stdout == ""  # no address printed
        err = done.stderr.strip().splitlines()
        assert len(err) == 1 and "Traceback" not in done.stderr
        assert f"port {port} on 127.0.0.1 is already in use" in err[0]
        assert f"Cổng {port}" in err[0]
        assert {p.pid for p in psutil.Process().children(recursive=True)} <= before


# -- stopping ---------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_stop_signal_leaves_no_process_and_frees_the_port(
    sig: signal.Signals, demo_store: Path, tmp_path: Path
) -> None:
    """SIGTERM with preheated pools filling (kernels starting); SIGINT and SIGHUP with a page
    being computed for a request."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "NRIS_STORE": str(demo_store),
           "NRIS_REPORTS": str(tmp_path / "reports"), "NRIS_BRIEFING_POLL": "0"}  # fmt: skip
    mode = ["--pool-size", "1"] if sig == signal.SIGTERM else ["--no-preheat"]
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with open(out, "wb") as fo, open(err, "wb") as fe:
        proc = subprocess.Popen(
            [sys.executable, "-m", "workbench.cli", "serve", "--port", str(port), *mode],
            env=env, stdout=fo, stderr=fe,
        )  # fmt: skip
    try:
        _wait_for("the address", lambda: "leaders' briefings" in out.read_text(), 90)
        assert f"http://127.0.0.1:{port}/" in out.read_text()
        if sig != signal.SIGTERM:
            url = f"http://127.0.0.1:{port}/voila/render/{REPORT_PAGE}"
            threading.Thread(target=_get_quietly, args=(url,), daemon=True).start()
        _wait_for("a kernel", lambda: _kernels(proc.pid))
        tree = psutil.Process(proc.pid).children(recursive=True)
        assert len(tree) >= 3  # Voilà, the outlook watcher, a kernel at least
        proc.send_signal(sig)
        assert proc.wait(timeout=90) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _alive(tree) == []
    _assert_port_freed(port)
    text = err.read_text()
    # A kernel stopped while it starts can print ipykernel's own heartbeat thread dying as its
    # sockets close (kernels share the server's stderr): not nris's or Voilà's, and not checked.
    ours = text.replace("Exception in thread Heartbeat:\nTraceback", "")
    assert f"stopping ({sig.name})" in text and "Traceback" not in ours, text


@pytest.mark.slow
def test_stop_signal_while_starting_leaves_nothing(demo_store: Path, tmp_path: Path) -> None:
    """A supervisor that gives up on a starting server: SIGTERM before the address is printed."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "NRIS_STORE": str(demo_store),
           "NRIS_REPORTS": str(tmp_path / "reports"), "NRIS_BRIEFING_POLL": "0"}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:

        def voila_started() -> bool:
            try:
                tree = psutil.Process(proc.pid).children(recursive=True)
                return any("workbench.briefings.server" in " ".join(p.cmdline()) for p in tree)
            except psutil.Error:
                return False

        _wait_for("Voilà's process", voila_started, 60)
        tree = psutil.Process(proc.pid).children(recursive=True)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "leaders' briefings" not in out and "stopping (SIGTERM)" in err
    assert "Traceback" not in err
    assert _alive(tree) == []
    _assert_port_freed(port)


@pytest.mark.slow
def test_kill_9_of_nris_serve_takes_its_children_along(demo_store: Path, tmp_path: Path) -> None:
    """SIGKILL cannot be handled: Voilà and the watcher die with their parent (Linux), and
    Voilà still shuts its kernels down."""
    if not sys.platform.startswith("linux"):
        pytest.skip("parent-death signal is Linux only")
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "NRIS_STORE": str(demo_store),
           "NRIS_REPORTS": str(tmp_path / "reports"), "NRIS_BRIEFING_POLL": "0"}  # fmt: skip
    out = tmp_path / "out.txt"
    with open(out, "wb") as fo:
        proc = subprocess.Popen(
            [sys.executable, "-m", "workbench.cli", "serve", "--port", str(port), "--no-preheat"],
            env=env, stdout=fo, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        _wait_for("the address", lambda: "leaders' briefings" in out.read_text(), 90)
        url = f"http://127.0.0.1:{port}/voila/render/{REPORT_PAGE}"
        threading.Thread(target=_get_quietly, args=(url,), daemon=True).start()
        _wait_for("a kernel", lambda: _kernels(proc.pid))
        tree = psutil.Process(proc.pid).children(recursive=True)
        proc.kill()
        proc.wait(timeout=10)
        _wait_for("the children to end", lambda: not _alive(tree), 60)
    finally:
        if proc.poll() is None:
            proc.kill()
    _assert_port_freed(port)


# -- kernels per page -------------------------------------------------------------------------------
@pytest.mark.slow
def test_plain_requests_hold_at_most_the_bound_then_busy_then_culled(
    demo_store: Path, tmp_path: Path
) -> None:
    """One page with a pool of one, another with none; at most one kernel per page beyond the pool.

    Plain GETs (no browser ever connects): the second request of each page is refused with the
    busy page, the handed-out kernels are culled after the connect timeout, the pool's is not, and
    the page is served again. The token never reaches the log; the access lines are there, scrubbed.
    """
    token = "t0k3n-" + "z" * 20
    # the pool's page is the quickest to compute (the overview: 1.3 CPU-seconds a kernel, and it
    # is computed three times: preheated, refilled, refilled again after the last request)
    pooled = "1_tong_quan.ipynb"
    pools = {pooled: {"pool_size": 1}, "default": {"pool_size": 0}}
    ready = tmp_path / "ready"
    env = {"NRIS_STORE": str(demo_store), "NRIS_BRIEFING_READY_DIR": str(ready),
           "NRIS_BRIEFING_POLL": "0"}  # fmt: skip
    opts = serve.ServeOptions(
        port=_free_port(), token=token, pool_size=0, fill_delay=0, warm_outlook=False,
        max_kernels=1, connect_timeout=6, cull_interval=1, extra_env=env,
        extra_args=[f"--VoilaKernelManager.kernel_pools_config={json.dumps(pools)}",
                    "--Voila.log_level=DEBUG"],  # the culling rounds: _culling_rounds
    )  # fmt: skip
    log = tmp_path / "voila.log"
    server = serve.start(opts, log=log)
    counts: list[int] = []
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            counts.append(len(_kernels(server.process.pid)))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    try:
        _wait_for("the preheated page", lambda: len(list(ready.glob("*.ready"))) >= 1, 240)
        sampler.start()
        results = {}
        for page in (pooled, REPORT_PAGE):  # from the pool; computed on request
            results[page] = [_get(server.url(page)) for _ in range(2)]
        for page, ((first, _, html), (second, headers, busy)) in results.items():
            assert first == 200 and "nris-page" in html, page
            assert second == 503, page
            assert "Máy chủ đang bận" in busy and "Server busy" in busy
            assert headers["Retry-After"] == "60"
        assert max(counts) <= 3  # pool 1 + 1 for the overview, 0 + 1 for the report page
        # no browser connects: the two handed-out kernels go, the refilled pool's stays
        _wait_for("the culling", lambda: len(_kernels(server.process.pid)) == 1, 60)
        # three whole culling rounds later, the pool's kernel is still there
        _culling_rounds(server, 4, after="no browser connected within")
        status, _, html = _get(server.url(pooled))
        assert status == 200 and "nris-page" in html
        status, _, _ = _get(server.url("nothere.ipynb"))
        assert status == 404
    finally:
        sampling.set()
        kernels = _kernels(server.process.pid)
        server.stop()
    assert _alive(kernels) == []
    text = log.read_text()
    assert text.count("no browser connected within") == 2
    assert token not in text
    assert "token=[secret]" in text  # the 503 and 404 access lines, scrubbed


@pytest.mark.browser
@pytest.mark.slow
def test_a_connected_page_keeps_its_kernel(demo_store: Path, tmp_path: Path, browser) -> None:
    """The short timeout is for kernels no browser claims: a leader's open page keeps its kernel
    long past it, its widgets still answer, and so does a page whose connection dropped."""
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian chromium not installed")
    env = {"NRIS_STORE": str(demo_store), "NRIS_BRIEFING_POLL": "0"}
    opts = serve.ServeOptions(
        port=_free_port(), preheat=False, pool_size=0, warm_outlook=False, max_kernels=1,
        connect_timeout=2, cull_interval=1, extra_env=env,
        extra_args=["--Voila.log_level=DEBUG"],  # the culling rounds' checks: _spared_after_idle
    )  # fmt: skip
    log = tmp_path / "voila.log"
    server = serve.start(opts, log=log)
    try:
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        page = ctx.new_page()
        page.goto(server.url(REPORT_PAGE))
        page.wait_for_selector(".nris-page.nris-live .nris-period select", timeout=120_000)
        # a culling round finds the connected kernel idle past the connect timeout: it stays
        _spared_after_idle(server, opts.connect_timeout)
        before = page.inner_text(".nris-page.nris-live")
        page.select_option(".nris-page.nris-live .nris-period select", index=1)
        page.wait_for_function(
            "b => document.querySelector('.nris-page.nris-live').innerText !== b",
            arg=before, timeout=60_000,
        )  # fmt: skip
        # the page holds the page's one kernel: a second visitor is told to come back later
        status, _, busy = _get(server.url(REPORT_PAGE))
        assert status == 503 and "Server busy" in busy
        # the connection drops (a tablet asleep; no beforeunload, so no shutdown request):
        # the kernel waits for its leader as long as --cull-idle, not the connect timeout
        page.close(run_before_unload=False)
        _spared_after_idle(server, opts.connect_timeout, after="Websocket closed")
        ctx.close()
    finally:
        server.stop()
    assert "no browser connected" not in log.read_text()
