"""Briefings in headless Chromium: request -> last chart rendered, cold and preheated, and 10 users.

    .venv/bin/python benchmarks/briefings.py [--users 10] [--store DIR]

Cold: Voilà without preheated kernels (each request starts a kernel and runs the notebook).
Warm: a pool of preheated kernels (the page was computed before the request). 10 users: ten
isolated browser contexts open the overview at once against a pool of ten preheated kernels.
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

from workbench import serve

PAGES = ["1_tong_quan.ipynb", "2_chi_tieu.ipynb", "3_tinh_thanh.ipynb", "4_tinh_hinh_bao_cao.ipynb"]
READY_JS = """() => {
  const p = document.querySelector('.nris-page.nris-ready-vi');
  if (!p) return false;
  const charts = p.querySelectorAll('.nris-chart');
  return charts.length > 0 && Array.from(charts).every(c => c.querySelector('svg'));
}"""
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def open_page(browser, url: str, outside: list[str]) -> float:
    """Seconds from the request to the last chart of the page rendered."""
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})

    async def route(r):
        if r.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            await r.continue_()
        else:
            outside.append(r.request.url)
            await r.abort()

    await ctx.route("**/*", route)
    page = await ctx.new_page()
    t0 = time.perf_counter()
    await page.goto(url, timeout=300_000)
    await page.wait_for_function(READY_JS, timeout=300_000, polling=50)
    elapsed = time.perf_counter() - t0
    await ctx.close()
    return elapsed


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
        # warm: one preheated kernel per page, each request waits for the pool to be full again
        ready = work / "ready-warm"
        opts = serve.ServeOptions(
            port=free_port(), pool_size=1, extra_env={**env, "NRIS_BRIEFING_READY_DIR": str(ready)}
        )
        srv = serve.start(opts, log=work / "warm.log")
        try:
            results["preheat_s"] = wait_ready(ready, len(PAGES))
            for i, nb in enumerate(PAGES):
                results["warm"][nb] = await open_page(browser, srv.url(nb), results["outside"])
                wait_ready(ready, len(PAGES) + i + 1)  # the pool refilled before the next page
        finally:
            srv.stop()
        # n users at once on the overview, against a pool of n preheated kernels
        ready = work / "ready-users"
        pools = {PAGES[0]: {"pool_size": args.users}, "default": {"pool_size": 0}}
        opts = serve.ServeOptions(
            port=free_port(), pool_size=0,
            extra_env={**env, "NRIS_BRIEFING_READY_DIR": str(ready)},
            extra_args=[f"--VoilaKernelManager.kernel_pools_config={json.dumps(pools)}",
                        "--VoilaKernelManager.fill_delay=30"],
        )  # fmt: skip
        srv = serve.start(opts, log=work / "users.log")
        try:
            results["preheat_users_s"] = wait_ready(ready, args.users)
            browsers = [
                await p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                for _ in range(args.users)
            ]
            times = await asyncio.gather(
                *(open_page(b, srv.url(PAGES[0]), results["outside"]) for b in browsers)
            )
            results["users"] = sorted(times)
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
    print(f"machine: {os.cpu_count()} cores; store {store}; boundaries: "
          f"{env.get('NRIS_BOUNDARIES', 'none (bubble layout)')}")  # fmt: skip
    print(f"{'briefing':<28}{'cold s':>9}{'warm s':>9}{'warm/cold':>11}  target warm < 2 s")
    for nb in PAGES:
        c, w = res["cold"][nb], res["warm"][nb]
        print(f"{nb:<28}{c:>9.2f}{w:>9.2f}{w / c:>11.2f}  {'ok' if w < 2 else 'MISSED'}")
    u = res["users"]
    med = statistics.median(u)
    cold0 = res["cold"][PAGES[0]]
    print(f"preheating 4 pages took {res['preheat_s']:.1f} s; {args.users} kernels for the "
          f"overview {res['preheat_users_s']:.1f} s")  # fmt: skip
    print(
        f"{args.users} users at once on {PAGES[0]}: median {med:.2f} s, min {u[0]:.2f} s, "
        f"max {u[-1]:.2f} s; median/cold {med / cold0:.2f}; median/warm single "
        f"{med / res['warm'][PAGES[0]]:.2f}  target median < 5 s: {'ok' if med < 5 else 'MISSED'}"
    )
    print(f"requests beyond localhost: {len(res['outside'])} {sorted(set(res['outside']))[:3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
