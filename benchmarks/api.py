"""The exchange service under load: 50 agencies submit one month's report over HTTP, 20 readers.

    .venv/bin/python benchmarks/api.py [--workers 2] [--readers 20] [--reads 25]

A demo store to 2016-03 is built in a temporary folder and copied twice. On one copy `nris api`
(``--workers``) receives the 50 agencies' reports (the 34 provinces, then ministries; each its own
token) all at once over HTTP: submissions/s and p50/p95 latency from request to 201. On the other
copy the same 50 files go through `nris submit`, one process per file as an operator's script
runs it, and, for reference, through ``analytics.ingest.submit`` in one process (no start-up cost).
Then 20 readers read /v1/data at once. Targets on 2 cores (issue 16): p95 submission < 1 s, p95
read < 100 ms, HTTP throughput >= 3x the CLI path. The machine is shared: the load average and
the CPU seconds of the server and of this client are printed beside the timings, and the CPU per
submission and per read, which the load hardly changes. The clients (httpx, async) run on uvloop.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PERIODS = {"M": "2016-04", "Q": "2016-Q2", "A": "2016", "6M": "2016-H1"}


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def clients(n: int) -> list[tuple[str, str, str]]:
    """``n`` agencies (provinces first), each with a regime it reports and that regime's period."""
    from analytics.catalog import catalog

    cat = catalog()
    rs = cat.regime_submitters.merge(
        cat.regimes[["code", "frequency"]], left_on="regime", right_on="code"
    )
    rs = rs[rs["frequency"].isin(PERIODS)]
    rs = rs.assign(_m=rs["frequency"] != "M", _p=~rs["agency"].str.startswith("UBND_"))
    first = rs.sort_values(["_p", "_m", "agency", "regime"]).groupby("agency", sort=False).first()
    first = first.reset_index().sort_values(["_p", "agency"])
    return [(a, r, PERIODS[f]) for a, r, f in first[["agency", "regime", "frequency"]].values][:n]


def write_forms(
    folder: Path, who: list[tuple[str, str, str]], scale: float = 1.0
) -> dict[str, Path]:
    """Each agency's filled template (values: the previous period's, else 1, times ``scale``)."""
    import csv

    from analytics import templates

    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for agency, regime, period in who:
        header, table = templates.template_frame(regime, period, agency)
        grid = templates._grid(header, table)
        for row in grid:
            if len(row) > 6 and isinstance(row[0], int):
                row[5] = round((row[6] if row[6] is not None else 1.0) * scale, 4)
        path = folder / f"{agency}.csv"
        with open(path, "w", newline="", encoding="utf-8-sig") as fh:
            csv.writer(fh).writerows([["" if c is None else c for c in r] for r in grid])
        out[agency] = path
    return out


def run(main: Any) -> Any:
    """Run the clients' coroutine on uvloop (as the server does): the clients share the server's
    two cores, so their event loop's CPU is kept as low as the server's."""
    import uvloop

    return uvloop.run(main)


def cpu_tree(pid: int) -> float:
    import psutil

    try:
        p = psutil.Process(pid)
        procs = [p, *p.children(recursive=True)]
    except psutil.NoSuchProcess:
        return float("nan")
    total = 0.0
    for q in procs:
        try:
            t = q.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--readers", type=int, default=20)
    ap.add_argument("--reads", type=int, default=25, help="reads per reader")
    args = ap.parse_args()
    import httpx

    tmp = Path(tempfile.mkdtemp(prefix="nris-bench-api-"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NRIS_STORE": str(tmp / "base")}
    nris = [sys.executable, "-m", "workbench.cli"]
    print(f"load average before: {os.getloadavg()}")
    subprocess.run([*nris, "demo", "--end", "2016-03"], env=env, check=True, capture_output=True)
    shutil.copytree(tmp / "base", tmp / "http")
    shutil.copytree(tmp / "base", tmp / "cli")
    shutil.copytree(tmp / "base", tmp / "inproc")
    os.environ["NRIS_STORE"] = str(tmp / "http")
    who = clients(50)
    forms = write_forms(tmp, who)
    revised = write_forms(tmp / "revised", who, scale=1.01)
    from workbench.api import tokens

    toks = {a: tokens.create(a) for a, _, _ in who}
    reader_tok = tokens.create("VPCP", "reader")

    # --- HTTP: 50 agencies at once -------------------------------------------------------------
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*nris, "api", "--port", str(port), "--workers", str(args.workers), "--rate", "1000000/60"],
        env={**env, "NRIS_STORE": str(tmp / "http")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(600):
            try:
                httpx.get(url + "/openapi.json", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        # one warm-up read per worker process (imports, catalog) before the clock starts
        for _ in range(2 * args.workers):
            httpx.get(
                url + "/v1/catalog/regimes", headers={"Authorization": f"Bearer {reader_tok}"}
            )
        lat: list[float] = []
        paced: list[float] = []

        async def send(c: httpx.AsyncClient, agency: str, wait: float = 0.0) -> int:
            await asyncio.sleep(wait)
            files = revised if wait else forms
            t0 = time.perf_counter()
            r = await c.post(
                url + "/v1/submissions",
                headers={"Authorization": f"Bearer {toks[agency]}"},
                files={"file": (files[agency].name, files[agency].read_bytes())},
            )
            (paced if wait else lat).append(time.perf_counter() - t0)
            return r.status_code

        async def submit_all() -> list[int]:
            async with httpx.AsyncClient(timeout=600) as c:
                return await asyncio.gather(*(send(c, a) for a, _, _ in who))

        cpu0, me0 = cpu_tree(server.pid), time.process_time()
        t0 = time.perf_counter()
        codes = run(submit_all())
        http_wall = time.perf_counter() - t0
        http_cpu, me_cpu = cpu_tree(server.pid) - cpu0, time.process_time() - me0
        accepted = sum(c == 201 for c in codes)

        # the same 50 agencies send a revision each, arriving one every 0.2 s (5 per second)
        async def paced_all() -> list[int]:
            async with httpx.AsyncClient(timeout=600) as c:
                return await asyncio.gather(
                    *(send(c, a, 0.001 + 0.2 * i) for i, (a, _, _) in enumerate(who))
                )

        paced_codes = run(paced_all())

        # --- 20 readers ------------------------------------------------------------------------
        rlat: list[float] = []
        areas = [a for a, _, _ in who if a.startswith("UBND_")]

        async def reader(c: httpx.AsyncClient, i: int) -> None:
            for k in range(args.reads):
                area = areas[(i + k) % len(areas)].split("_")[1]
                t = time.perf_counter()
                r = await c.get(
                    url + "/v1/data/CPI",
                    params={"areas": area, "start": "2015-01"},
                    headers={"Authorization": f"Bearer {reader_tok}"},
                )
                rlat.append(time.perf_counter() - t)
                assert r.status_code == 200, r.text

        async def read_all() -> None:
            async with httpx.AsyncClient(timeout=60) as c:
                await asyncio.gather(*(reader(c, i) for i in range(args.readers)))

        rcpu0, rme0 = cpu_tree(server.pid), time.process_time()
        t0 = time.perf_counter()
        run(read_all())
        read_wall = time.perf_counter() - t0
        read_cpu, read_me = cpu_tree(server.pid) - rcpu0, time.process_time() - rme0
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)

    # --- the same files through `nris submit`, one process each ---------------------------------
    cli_env = {**env, "NRIS_STORE": str(tmp / "cli")}
    t0 = time.perf_counter()
    cli_codes = [
        subprocess.run(
            [*nris, "submit", str(forms[a]), "--agency", a], env=cli_env, capture_output=True
        ).returncode
        for a, _, _ in who
    ]
    cli_wall = time.perf_counter() - t0

    # --- and through analytics.ingest.submit in this process (no start-up) ----------------------
    os.environ["NRIS_STORE"] = str(tmp / "inproc")
    from analytics import ingest

    t0 = time.perf_counter()
    inproc = [ingest.submit(forms[a], agency=a).status for a, _, _ in who]
    inproc_wall = time.perf_counter() - t0
    shutil.rmtree(tmp, ignore_errors=True)

    n = len(who)
    print(f"agencies: {n} ({sum(a.startswith('UBND_') for a, _, _ in who)} provinces), "
          f"workers: {args.workers}, cores: {os.cpu_count()}")  # fmt: skip
    print(f"HTTP  submit: {accepted}/{n} accepted in {http_wall:.2f} s = {n / http_wall:.1f} "
          f"subs/s; latency p50 {pct(lat, 50) * 1000:.0f} ms, p95 {pct(lat, 95) * 1000:.0f} ms, "
          f"max {max(lat) * 1000:.0f} ms; server CPU {http_cpu:.1f} s, client CPU {me_cpu:.1f} s")  # fmt: skip
    print(f"      CPU per submission (load-independent): server {http_cpu / n * 1000:.1f} ms, "
          f"client {me_cpu / n * 1000:.1f} ms")  # fmt: skip
    print(f"HTTP  paced (one every 0.2 s, revisions): {paced_codes.count(201)}/{n} accepted; "
          f"latency p50 {pct(paced, 50) * 1000:.0f} ms, p95 {pct(paced, 95) * 1000:.0f} ms")  # fmt: skip
    print(f"CLI   submit: {cli_codes.count(0)}/{n} accepted in {cli_wall:.2f} s = "
          f"{n / cli_wall:.1f} subs/s (one `nris submit` process per file)")  # fmt: skip
    print(f"in-process ingest.submit: {inproc.count('accepted')}/{n} in {inproc_wall:.2f} s = "
          f"{n / inproc_wall:.1f} subs/s (reference: the store's single writer, no start-up)")  # fmt: skip
    print(f"HTTP / CLI throughput: {cli_wall / http_wall:.1f}x (target >= 3x); "
          f"HTTP / in-process: {inproc_wall / http_wall:.2f}x")  # fmt: skip
    print(f"reads: {args.readers} readers x {args.reads} GET /v1/data/CPI in {read_wall:.2f} s = "
          f"{len(rlat) / read_wall:.0f} req/s; p50 {pct(rlat, 50) * 1000:.0f} ms, "
          f"p95 {pct(rlat, 95) * 1000:.0f} ms; server CPU {read_cpu:.1f} s, client CPU "
          f"{read_me:.1f} s")  # fmt: skip
    print(f"      CPU per read (load-independent): server {read_cpu / len(rlat) * 1000:.2f} ms, "
          f"client {read_me / len(rlat) * 1000:.2f} ms")  # fmt: skip
    print(f"targets: p95 submit < 1000 ms: burst {pct(lat, 95) < 1}, paced {pct(paced, 95) < 1}; p95 read < 100 ms: "
          f"{pct(rlat, 95) < 0.1}; throughput >= 3x CLI: {cli_wall / http_wall >= 3}")  # fmt: skip
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
