"""Load benchmark: a snapshot scaled to ~10 million observations over the 3,321 communes.

The catalog's commune indicators first, then other monthly indicators, for every commune of the
catalog (from vietnam-provinces), each row from its province's People's Committee. Prints the
time (median wall seconds and CPU seconds of this process) to load one indicator for all areas and
the whole snapshot, with polars and with pandas, and to roll one indicator up communes -> provinces
-> nation, beside a baseline measured in the same run (pandas reading the whole file, then
filtering), with the load average before and after (the machine may be shared).
Targets: one indicator < 0.2 s, the whole snapshot < 2 s on a 2-core machine.

    .venv/bin/python benchmarks/load.py [--rows 10_000_000]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time

import numpy as np
import pandas as pd


def _time(fn, repeat: int = 5) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds (all threads of this process) of ``fn()``."""
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def _load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def build_scaled_store(rows: int) -> dict:
    """Write ~``rows`` observations: commune indicators, then other monthly ones, for every commune."""
    from analytics import catalog, store

    cat = catalog()
    ind = cat.indicators
    monthly = ind.loc[ind["frequency"] == "M", "code"].tolist()
    own = [c for c in monthly if "commune" in ind.set_index("code").loc[c, "levels"]]
    codes = own + [c for c in monthly if c not in own]
    com = cat.communes()
    communes = com["code"].to_numpy()
    agencies = ("UBND_" + com["parent"]).to_numpy()
    months = pd.date_range("2015-01-01", "2026-10-01", freq="MS").date
    per_indicator = len(communes) * len(months)
    n_ind = max(1, min(len(codes), round(rows / per_indicator)))
    rng = np.random.default_rng(0)
    with store.writer() as con:
        for i, code in enumerate(codes[:n_ind]):
            area = np.repeat(communes, len(months))
            frame = pd.DataFrame(
                {  # noqa: F841 - read by DuckDB
                    "indicator": code,
                    "area": area,
                    "period": np.tile(months, len(communes)),
                    "freq": "M",
                    "value": rng.gamma(2.0, 50.0, len(area)),
                    "unit": "demo",
                    "status": "official",
                    "submission_id": i + 1,
                    "agency": np.repeat(agencies, len(months)),
                    "regime": "DEMO_SCALE",
                    "vintage": pd.Timestamp("2026-11-01"),
                }
            )
            store.append_observations(con, frame)
    return {"indicators": n_ind, "areas": len(communes), "months": len(months), "first": codes[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args()
    os.environ["NRIS_STORE"] = tempfile.mkdtemp(prefix="nris-bench-")
    import analytics
    from analytics import store

    t0 = time.perf_counter()
    shape = build_scaled_store(args.rows)
    build_s = time.perf_counter() - t0
    info = store.snapshot_info()
    code = shape["first"]
    size_mb = os.path.getsize(info["path"]) / 1e6
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}")
    print(
        f"snapshot: {info['rows']:,} observations ({shape['indicators']} indicators x "
        f"{shape['areas']:,} communes x {shape['months']} months), {size_mb:.0f} MB, built in {build_s:.1f} s"
    )
    print(f"load average before: {_load_avg()}")

    def baseline_one() -> None:
        df = pd.read_parquet(info["path"])
        df[(df["indicator"] == code) & df["is_latest"]]

    def roll_up() -> None:
        analytics.aggregate_areas(analytics.load(code), to="nation")

    results = {
        f"one indicator ({code}), polars": _time(lambda: analytics.load(code)),
        "one indicator, pandas": _time(lambda: analytics.load(code, frame="pandas")),
        "whole snapshot, polars": _time(lambda: analytics.load(None), 3),
        "whole snapshot, pandas": _time(lambda: analytics.load(None, frame="pandas"), 3),
        "one indicator -> nation": _time(roll_up, 3),
    }
    base, base_cpu = _time(baseline_one, 3)
    print(f"\n{'what':<52}{'median s':>10}{'cpu s':>8}{'target s':>10}{'vs baseline':>13}")
    for name, (secs, cpu) in results.items():
        target = "2.0" if name.startswith("whole") else ""
        target = "0.2" if name.startswith("one indicator") and "nation" not in name else target
        print(f"{name:<52}{secs:>10.3f}{cpu:>8.2f}{target:>10}{base / secs:>12.1f}x")
    print(f"{'baseline: pandas whole file + filter':<52}{base:>10.3f}{base_cpu:>8.2f}")
    print(f"load average after: {_load_avg()}")


if __name__ == "__main__":
    main()
