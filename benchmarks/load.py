"""Load benchmark: a snapshot scaled to ~10 million observations (demo series spread over communes).

Prints the time to load one indicator for all areas and the whole snapshot, with polars and with
pandas, beside a baseline measured in the same run (pandas reading the whole file, then filtering).
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


def _time(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def build_scaled_store(rows: int) -> dict:
    """Write ~``rows`` observations: monthly province indicators split further over 3,321 communes."""
    import vietnam_provinces as vp

    from analytics import catalog, store

    ind = catalog().indicators
    codes = ind.loc[ind["frequency"] == "M", "code"].tolist()
    communes = [f"X{w.code:05d}" for w in vp.Ward.iter_all()]
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
                    "agency": "NSO",
                    "regime": "DEMO_SCALE",
                    "vintage": pd.Timestamp("2026-11-01"),
                }
            )
            store.append_observations(con, frame)
    return {"indicators": n_ind, "areas": len(communes), "months": len(months)}


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
    code = analytics.indicators().query("frequency == 'M'")["code"].iloc[0]
    size_mb = os.path.getsize(info["path"]) / 1e6
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}")
    print(
        f"snapshot: {info['rows']:,} observations ({shape['indicators']} indicators x "
        f"{shape['areas']:,} communes x {shape['months']} months), {size_mb:.0f} MB, built in {build_s:.1f} s"
    )

    def baseline_one() -> None:
        df = pd.read_parquet(info["path"])
        df[(df["indicator"] == code) & df["is_latest"]]

    results = {
        "one indicator, polars": _time(lambda: analytics.load(code)),
        "one indicator, pandas": _time(lambda: analytics.load(code, frame="pandas")),
        "whole snapshot, polars": _time(lambda: analytics.load(None), 3),
        "whole snapshot, pandas": _time(lambda: analytics.load(None, frame="pandas"), 3),
    }
    base = _time(baseline_one, 3)
    print(f"\n{'what':<28}{'median s':>10}{'target s':>10}{'vs baseline':>13}")
    for name, secs in results.items():
        target = 0.2 if name.startswith("one") else 2.0
        print(f"{name:<28}{secs:>10.3f}{target:>10.1f}{base / secs:>12.1f}x")
    print(f"{'baseline: pandas whole file + filter':<38}{base:>7.3f}")


if __name__ == "__main__":
    main()
