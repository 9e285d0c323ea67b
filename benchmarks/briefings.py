"""Briefings in headless Chromium: request -> last chart rendered, cold and preheated, and 10 users.

    .venv/bin/python benchmarks/briefings.py [--users 10] [--store DIR] [--processes]

Two times per page load. "shown": from the request until every chart of the page is drawn on
screen (visible SVG; for a preheated page that is the static copy in the page's HTML; timed by
a poll, or by the mark the page sets after the frame that painted it when that is earlier). "live":
until the live widgets have replaced it (Voilà's JavaScript loaded, the kernel connected, the
controls usable). Each load is a fresh browser context: an empty cache, like a first visit.
Cold: Voilà without preheated kernels (each request starts a kernel and runs the notebook).
Warm: `nris serve` defaults (preheated pool, refill delay); the pool refills between pages.
Returning: a leader's third visit to the overview in the same browser (HTTP and code caches warm).
10 users: ten isolated browser contexts of one headless Chromium (each its own cookies, cache and
renderer process, like ten separate browsers; --processes launches ten Chromium processes instead)
request the overview at once, against a pool of ten preheated kernels (refills 30 s later). Their
tabs are open before the clock starts, as a leader's browser is before they ask for a page. The
browsers run on the server's own 2 cores, so the CPU seconds of the server and of Chromium are
printed apart: on a real network each leader's browser runs on their own tablet.
Targets (issue 6): under 2 s warm per page, under 5 s at the 10-user median, on 2 cores.
Ratios are against the cold time measured in the same run. The network is limited to loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from workbench import serve

PAGES = ["1_tong_quan.ipynb", "2_chi_tieu.ipynb", "3_tinh_thanh.ipynb", "4_tinh_hinh_bao_cao.ipynb"]
# every chart of the page has an SVG that is on screen (not hidden, not parked out of view)
SHOWN_JS = """() => {
  const p = document.querySelector('.nris-page.nris-ready-vi');
  if (!p) return false;
  const charts = p.querySelectorAll('.nris-chart');
  return charts.length > 0 && Array.from(charts).every(c => {
    const s = c.querySelector('svg');
    if (!s) return false;
    const r = s.getBoundingClientRect();
    return r.width > 0 && r.right > 0 && s.checkVisibility();
  });
}"""
PAINTED_JS = """() => {
  const m = performance.getEntriesByName('nris-painted');
  return m.length ? m[0].startTime / 1000 : null;
}"""
# the live widgets have rendered every chart and replaced the static copy
LIVE_JS = """() => {
  const p = document.querySelector('.nris-page.nris-live.nris-ready-vi');
  if (!p || document.querySelector('.nris-ssr')) return false;
  const charts = p.querySelectorAll('.nris-chart');
  return charts.length > 0 && Array.from(charts).every(c => c.querySelector('svg'));
}"""
# The network is limited to loopback by the browser itself: every other address goes to a proxy
# that does not exist (Chromium never proxies loopback). Cheaper than intercepting each request
# in Python, which cost ~1 CPU-second per page and weighed on the 10-user figure.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
        "--proxy-server=http://127.0.0.1:9", "--disable-renderer-backgrounding"]  # fmt: skip
LOOPBACK = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")
HZ = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def new_tab(browser, outside: list[str]) -> Any:
    """A fresh browser context (empty cache and cookies, like a first visit) with one blank tab."""
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.on("request", lambda r: None if r.url.startswith(LOOPBACK) else outside.append(r.url))
    return await ctx.new_page()


async def time_page(page: Any, url: str, close: bool = True) -> tuple[float, float]:
    """Seconds from the request in ``page`` to the last chart shown, and to the live widgets."""
    t0 = time.perf_counter()
    await page.goto(url, timeout=300_000, wait_until="commit")  # not the load event: see SHOWN_JS
    await page.wait_for_function(SHOWN_JS, timeout=300_000, polling=50)
    shown = time.perf_counter() - t0
    # the page marks the frame that put its static copy on screen; a poll can only see it once
    # the busy main thread (compiling Voilà's front end) lets it run, so the mark, when set, is
    # the truer time (seconds since navigation start, which is the request)
    painted = await page.evaluate(PAINTED_JS)
    shown = min(shown, painted) if painted else shown
    await page.wait_for_function(LIVE_JS, timeout=300_000, polling=50)
    live = time.perf_counter() - t0
    if close:
        await page.context.close()
    return shown, live


async def open_page(browser, url: str, outside: list[str]) -> tuple[float, float]:
    """:func:`time_page` in a new tab."""
    return await time_page(await new_tab(browser, outside), url)


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the server (Voilà and its kernels) and by Chromium (Linux)."""
    procs = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        procs[int(entry)] = (int(stat[1]), [int(x) for x in stat[11:15]], b"chromium" in cmd)
    out = {"server": 0.0, "chromium": 0.0}
    for pid, (_ppid, (ut, st, cut, cst), chromium) in procs.items():
        up, inside = pid, False
        while up in procs and not inside:
            inside, up = up == server_pid, procs[up][0]
        if inside:  # the server with the children it has reaped, and its live kernels
            out["server"] += (ut + st + (cut + cst if pid == server_pid else 0)) / HZ
        elif chromium:  # with the renderers it has reaped (a closed context's are gone)
            out["chromium"] += (ut + st + cut + cst) / HZ
    return out


def wait_ready(folder: Path, n: int, timeout: float = 600) -> float:
    t0 = time.perf_counter()
    while len(list(folder.glob("*.ready"))) < n:
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError(f"only {len(list(folder.glob('*.ready')))} of {n} pages preheated")
        time.sleep(0.2)
    return time.perf_counter() - t0


async def run(args: argparse.Namespace, work: Path, env: dict[str, str]) -> dict:
    from playwright.async_api import async_playwright

    results: dict = {"cold": {}, "warm": {}, "outside": []}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        # cold: no preheating
        opts = serve.ServeOptions(port=free_port(), preheat=False, pool_size=0, extra_env=env)
        srv = serve.start(opts, log=work / "cold.log")
        try:
            await open_page(
                browser, srv.url(PAGES[0]), results["outside"]
            )  # first import: disk cache
            for nb in PAGES:
                results["cold"][nb] = await open_page(browser, srv.url(nb), results["outside"])
        finally:
            srv.stop()
        # warm: `nris serve` defaults; each request waits for the pool to be full again
        ready = work / "ready-warm"
        opts = serve.ServeOptions(
            port=free_port(), extra_env={**env, "NRIS_BRIEFING_READY_DIR": str(ready)}
        )
        results["pool"] = (opts.pool_size, opts.fill_delay)
        full = opts.pool_size * len(PAGES)
        srv = serve.start(opts, log=work / "warm.log")
        try:
            results["preheat_s"] = wait_ready(ready, full)
            for i, nb in enumerate(PAGES):
                results["warm"][nb] = await open_page(browser, srv.url(nb), results["outside"])
                wait_ready(ready, full + i + 1)  # the pool refilled before the next page
            # a returning leader: the third visit in the same browser, whose HTTP cache and V8
            # code cache (made on the second visit) are warm
            tab, used = await new_tab(browser, results["outside"]), full + len(PAGES)
            for _ in range(2):
                await time_page(tab, srv.url(PAGES[0]), close=False)
                used += 1
                wait_ready(ready, used)  # a preheated page for the next visit
            results["revisit"] = await time_page(tab, srv.url(PAGES[0]))
        finally:
            srv.stop()
        # n users at once on the overview, against a pool of n preheated kernels
        ready = work / "ready-users"
        pools = {PAGES[0]: {"pool_size": args.users}, "default": {"pool_size": 0}}
        opts = serve.ServeOptions(
            port=free_port(), pool_size=0, fill_delay=30,  # the ten refills wait for the pages
            max_kernels=args.users,  # all of them on one page at once: none gets the busy page
            extra_env={**env, "NRIS_BRIEFING_READY_DIR": str(ready)},
            extra_args=[f"--VoilaKernelManager.kernel_pools_config={json.dumps(pools)}"],
        )  # fmt: skip
        srv = serve.start(opts, log=work / "users.log")
        try:
            results["preheat_users_s"] = wait_ready(ready, args.users)
            if args.processes:
                browsers = [
                    await p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                    for _ in range(args.users)
                ]
            else:
                browsers = [browser] * args.users  # each new_tab makes its own context
            # the ten browsers are open before the ten requests go out together: opening a
            # context costs Chromium ~0.5 CPU-s, which is the harness's, not the request's
            tabs = [await new_tab(b, results["outside"]) for b in browsers]
            cpu0, wall0 = cpu_seconds(srv.process.pid), time.perf_counter()
            times = await asyncio.gather(*(time_page(t, srv.url(PAGES[0])) for t in tabs))
            cpu1 = cpu_seconds(srv.process.pid)
            results["users_cpu"] = {k: cpu1[k] - cpu0[k] for k in cpu0}
            results["users_cpu"]["wall"] = time.perf_counter() - wall0
            results["users"] = sorted(times)
            if args.processes:
                for b in browsers:
                    await b.close()
        finally:
            srv.stop()
        await browser.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--store", help="an existing store (default: build the demo in a temp dir)")
    parser.add_argument(
        "--processes", action="store_true", help="10 users as separate Chromium processes"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nris-bench-briefings-"))
    store = Path(args.store) if args.store else work / "store"
    if not args.store:
        env_demo = {**os.environ, "NRIS_STORE": str(store)}
        subprocess.run([sys.executable, "-m", "workbench.cli", "demo"], env=env_demo, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
    env = {"NRIS_STORE": str(store), "NRIS_BRIEFING_POLL": "0"}
    if os.environ.get("NRIS_BOUNDARIES"):
        env["NRIS_BOUNDARIES"] = os.environ["NRIS_BOUNDARIES"]
    res = asyncio.run(run(args, work, env))
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"store {store}; boundaries: {env.get('NRIS_BOUNDARIES', 'the shipped data/geo map')}")  # fmt: skip
    pool, delay = res["pool"]
    print(
        f"warm = nris serve defaults: pool of {pool} per page, refill {delay:g} s after a request"
    )
    print(f"{'briefing':<28}{'cold shown':>11}{'warm shown':>11}{'warm live':>10}{'shown w/c':>10}"
          "  target warm < 2 s")  # fmt: skip
    for nb in PAGES:
        c, w = res["cold"][nb][0], res["warm"][nb]
        print(f"{nb:<28}{c:>11.2f}{w[0]:>11.2f}{w[1]:>10.2f}{w[0] / c:>10.2f}  "
              f"shown {'ok' if w[0] < 2 else 'MISSED'}, live {'ok' if w[1] < 2 else 'MISSED'}")  # fmt: skip
    rs, rl = res["revisit"]
    print(f"{PAGES[0]}, third visit in the same browser (warm caches): shown {rs:.2f} s, live "
          f"{rl:.2f} s  target < 2 s: shown {'ok' if rs < 2 else 'MISSED'}, live "
          f"{'ok' if rl < 2 else 'MISSED'}")  # fmt: skip
    shown = sorted(t[0] for t in res["users"])
    live = sorted(t[1] for t in res["users"])
    med, med_live = statistics.median(shown), statistics.median(live)
    cold0 = res["cold"][PAGES[0]][0]
    how = "Chromium processes" if args.processes else "contexts of one Chromium"
    print(f"preheating {len(PAGES)} pages took {res['preheat_s']:.1f} s; {args.users} kernels for the "
          f"overview {res['preheat_users_s']:.1f} s")  # fmt: skip
    print(
        f"{args.users} users at once on {PAGES[0]} ({how}): shown median {med:.2f} s, "
        f"min {shown[0]:.2f} s, max {shown[-1]:.2f} s; live median {med_live:.2f} s, "
        f"max {live[-1]:.2f} s; shown median/cold {med / cold0:.2f}; "
        f"/warm single {med / res['warm'][PAGES[0]][0]:.2f}  target median < 5 s: "
        f"shown {'ok' if med < 5 else 'MISSED'}, live {'ok' if med_live < 5 else 'MISSED'}"
    )
    cpu = res["users_cpu"]
    n = args.users
    print(f"CPU during the {n}-user run ({cpu['wall']:.1f} s wall, 2 cores = "
          f"{2 * cpu['wall']:.0f} CPU-s): server (Voilà + kernels) {cpu['server']:.1f} s "
          f"({cpu['server'] / n:.2f} per user), Chromium {cpu['chromium']:.1f} s "
          f"({cpu['chromium'] / n:.2f} per user; on real tablets that is on each tablet)")  # fmt: skip
    print(f"requests beyond localhost: {len(res['outside'])} {sorted(set(res['outside']))[:3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
