"""Speed of the national forecasting run on the demo store, against a plain Prophet loop.

The workbench run: every indicator x every area of the demo store, "auto" (its rolling-origin
backtest with 3 windows picks the weights) and 18 months ahead (6 quarters, 2 years for quarterly
and annual series), on local processes. The baseline: a plain per-series Prophet loop (3 backtest
fits + 1 final fit per series, the same work) on the same series. Both are timed in this run on
the same sample; the workbench is also timed on 4x and 16x as many series to show how time grows.

    .venv/bin/python benchmarks/speed.py [--base 25] [--full] [--n-jobs 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
H = {12: 18, 4: 6, 1: 2}


def national_frame() -> pd.DataFrame | None:
    """Every indicator x area of the demo store as a Nixtla frame, or None without a store."""
    import analytics
    from forecasts import to_nixtla

    try:
        raw = analytics.load(None, frame="pandas")
    except Exception as exc:  # no store yet: say so and stop
        print(f"demo store not available ({type(exc).__name__}: {exc}); run `nris demo` first")
        return None
    frames = []
    for f in sorted(raw["freq"].unique()):  # an indicator may be stored at several frequencies
        nx = to_nixtla(raw, freq=f)
        nx["unique_id"] = f + ":" + nx["unique_id"]
        frames.append(nx)
    return pd.concat(frames, ignore_index=True)


def workbench_run(df: pd.DataFrame, n_jobs: int) -> int:
    """The national run: auto with a 3-window backtest, per frequency group; returns rows out."""
    from forecasts import forecast
    from forecasts.frames import season_length

    seasons = df.groupby("unique_id")["ds"].agg(lambda s: season_length(s))
    rows = 0
    for m, uids in seasons.groupby(seasons).groups.items():
        part = df[df["unique_id"].isin(uids)]
        fc = forecast(part, H.get(m, 2), models="auto", n_windows=3, n_jobs=n_jobs, progress=False)
        rows += len(fc)
    return rows


def prophet_loop(df: pd.DataFrame) -> int:
    """The plain way: one Prophet per series, 3 backtest fits and a final fit, one at a time."""
    from forecasts.frames import season_length
    from forecasts.prophet_model import _quiet

    _quiet()
    from prophet import Prophet

    _quiet()
    rows = 0
    for _, g in df.groupby("unique_id"):
        m = season_length(g["ds"])
        h = H.get(m, 2)
        freq = {12: "MS", 4: "QS"}.get(m, "YS")
        g = g[["ds", "y"]].dropna()
        for w in (3, 2, 1, 0):
            train = g.iloc[: len(g) - w * h] if w else g
            if len(train) < 3:
                continue
            model = Prophet(weekly_seasonality=False, daily_seasonality=False)
            model.fit(train)
            rows += len(
                model.predict(model.make_future_dataframe(h, freq=freq, include_history=False))
            )
    return rows


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its live and finished children (the kept
    worker pool lives across runs, so finished-children accounting alone would miss it)."""
    import resource

    import psutil

    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.Error:  # gone meanwhile: counted below once reaped
            continue
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return total + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", type=int, default=25, help="series in the 1x sample")
    p.add_argument("--full", action="store_true", help="also time the full national run")
    p.add_argument("--n-jobs", type=int, default=os.cpu_count() or 1)
    args = p.parse_args(argv)
    warnings.filterwarnings("ignore")
    df = national_frame()
    if df is None:
        return 0
    uids = np.array(sorted(df["unique_id"].unique()))
    rng = np.random.default_rng(0)
    load = os.getloadavg()
    print(
        f"speed benchmark: {os.cpu_count()} cores, n_jobs={args.n_jobs}, "
        f"{len(uids)} series in the demo store, load average at start "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    rows = []
    for mult in (1, 4, 16):
        n = min(args.base * mult, len(uids))
        sample = df[df["unique_id"].isin(rng.permutation(uids)[:n])]
        t0, c0 = time.perf_counter(), cpu_seconds()
        workbench_run(sample, args.n_jobs)
        t, c = time.perf_counter() - t0, cpu_seconds() - c0
        row = {"scale": f"{mult}x", "series": n, "workbench_s": t, "workbench_cpu_s": c,
               "workbench_series_per_s": n / t}  # fmt: skip
        if mult == 1:
            t0, c0 = time.perf_counter(), cpu_seconds()
            prophet_loop(sample)
            tp, cp = time.perf_counter() - t0, cpu_seconds() - c0
            row.update({"prophet_loop_s": tp, "prophet_cpu_s": cp, "prophet_series_per_s": n / tp,
                        "speedup": tp / t, "speedup_cpu": cp / c})  # fmt: skip
        rows.append(row)
        print(
            pd.DataFrame([row]).to_string(index=False, float_format=lambda v: f"{v:.2f}"),
            flush=True,
        )
    if args.full:
        t0, c0 = time.perf_counter(), cpu_seconds()
        workbench_run(df, args.n_jobs)
        t, c = time.perf_counter() - t0, cpu_seconds() - c0
        rows.append(
            {
                "scale": "full",
                "series": len(uids),
                "workbench_s": t,
                "workbench_cpu_s": c,
                "workbench_series_per_s": len(uids) / t,
            }
        )
    print("\n" + pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
