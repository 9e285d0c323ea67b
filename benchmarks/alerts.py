"""Benchmark of the alert evaluation per snapshot on the demo store (target: < 5 s on 2 cores).

Runs what the outlook watcher runs after each publish: first the target outlook (timed apart: the
watcher computes it for the briefings anyway, and the odds rules read it), then every alert rule,
on the first snapshot (with --no-outlook a cold process: imports, numba compilation of the forecast
model; otherwise the outlook has warmed them, as in the watcher) and on a
republished one (the steady state of a long-running watcher: every event is already in the book).
Prints wall and CPU seconds of each, the machine's load average (the machine is shared), the time
of each rule, and the ratio against a baseline measured in the same run: reading the whole
snapshot once (``analytics.load`` of every indicator and area).

    .venv/bin/python benchmarks/alerts.py [--end 2026-10] [--no-outlook]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from collections.abc import Callable
from typing import Any


def _cpu() -> float:
    """CPU seconds of this process and its finished children (user + system)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _measure(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    w0, c0 = time.perf_counter(), _cpu()
    out = fn()
    return out, time.perf_counter() - w0, _cpu() - c0


def _load(label: str) -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {label}: {one:.2f} {five:.2f} {fifteen:.2f} (os.getloadavg)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--end", help="demo store end month (default: the latest complete month)")
    ap.add_argument("--no-outlook", action="store_true", help="skip the target outlook and odds")
    args = ap.parse_args()
    tmp = None
    if "NRIS_STORE" not in os.environ:
        tmp = tempfile.TemporaryDirectory(prefix="nris-bench-alerts-")
        os.environ["NRIS_STORE"] = tmp.name
    os.environ.setdefault("NRIS_ALERT_SPOOL", os.path.join(os.environ["NRIS_STORE"], "spool"))
    os.environ.pop("NRIS_ALERT_WEBHOOK", None)

    import analytics
    from analytics import store
    from workbench.alerts.evaluate import evaluate

    print(f"cores: {os.cpu_count()}; {_load('at start')}")
    if not store.has_snapshot():
        _, wall, cpu = _measure(lambda: analytics.demo.build_demo(end=args.end))
        print(f"demo store built in {wall:.1f} s wall, {cpu:.1f} s CPU")
    info = store.snapshot_info()
    print(f"snapshot: {info['rows']:,} observations, {info['submissions']:,} submissions")

    codes = list(analytics.catalog().indicators["code"])
    _, base_wall, base_cpu = _measure(lambda: analytics.load(codes, frame="pandas"))
    print(f"baseline, reading the whole snapshot: {base_wall:.2f} s wall, {base_cpu:.2f} s CPU")

    use_outlook = not args.no_outlook

    def run(label: str) -> None:
        if use_outlook:
            from workbench.outlook import warm

            n, wall, cpu = _measure(warm)
            print(f"target outlook ({n} targets; the watcher's step before the alerts): "
                  f"{wall:.1f} s wall, {cpu:.1f} s CPU")  # fmt: skip
        res, wall, cpu = _measure(lambda: evaluate(outlook=use_outlook))
        rules = ", ".join(f"{k} {v:.2f}" for k, v in res.seconds.items() if k != "total")
        print(
            f"{label}: {wall:.2f} s wall, {cpu:.2f} s CPU, {len(res.alerts)} alerts "
            f"({len(res.new)} new); x{wall / base_wall:.1f} the baseline read"
        )
        print(f"    per step (s): {rules}")

    run("evaluation, first snapshot (new events; cold unless the outlook ran first)")
    with store.writer(publish=False) as con:  # the same data republished: a new snapshot file
        store.publish_snapshot(con)
    run("evaluation, republished snapshot (every event already in the book)")
    print(_load("at end"))
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
