"""M3 accuracy benchmark: "auto" and single models against THETA and NAIVE2 as submitted.

Reads ../shared/data/m3 (relative to the repo; never copied in), forecasts the last NF points of
every monthly, quarterly and yearly series from the rest, and prints sMAPE and MASE per subset
(the same forecasts.evaluate code scores the submitted THETA/NAIVE2 forecasts) and the wall time.

    .venv/bin/python benchmarks/m3.py [--subsets monthly quarterly yearly] [--models ...]
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
DATA = ROOT.parent / "shared" / "data" / "m3"
SUBSETS = {
    "yearly": ("M3_yearly.csv", 1, "A"),
    "quarterly": ("M3_quarterly.csv", 4, "Q"),
    "monthly": ("M3_monthly.csv", 12, "M"),
}
DEFAULT_MODELS = (
    "naive",
    "snaive",
    "theta",
    "dotheta",
    "ets",
    "ces",
    "global",
    "global_mlp",
    "ridge",
)


def load_subset(
    name: str, limit: int | None = None, every: int = 1
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Train and test frames (unique_id, ds, y) and the horizon of one M3 subset.

    ``every`` keeps every k-th series (a systematic sample across the categories, for quick runs).
    """
    file, season, _ = SUBSETS[name]
    raw = pd.read_csv(DATA / file).iloc[::every]
    if limit:
        raw = raw.iloc[:limit]
    train, test = [], []
    step = {12: 1, 4: 3, 1: 12}[season]
    for _, r in raw.iterrows():
        n, nf = int(r["N"]), int(r["NF"])
        y = r[[f"v{i}" for i in range(1, n + 1)]].to_numpy(dtype=float)
        year = int(r["start_year"]) if int(r["start_year"]) > 1700 else 1990
        month = 1 + ((int(r["start_period"]) - 1) % season) * step if season > 1 else 1
        ds = pd.date_range(pd.Timestamp(year, month, 1), periods=n, freq=f"{step}MS")
        uid = f"N{int(str(r['series']).strip().lstrip('N')):04d}"  # "N   1" -> "N0001" as submitted
        frame = pd.DataFrame({"unique_id": uid, "ds": ds, "y": y})
        train.append(frame.iloc[: n - nf])
        test.append(frame.iloc[n - nf :])
    return (
        pd.concat(train, ignore_index=True),
        pd.concat(test, ignore_index=True),
        int(raw["NF"].iloc[0]),
    )


def submitted(test: pd.DataFrame, methods: tuple[str, ...] = ("THETA", "NAIVE2")) -> pd.DataFrame:
    """The original M3 forecasts of ``methods`` aligned to the test frame."""
    sub = pd.read_csv(DATA / "M3_original_forecasts.csv")
    sub = sub[sub["method"].isin(methods) & sub["series"].isin(test["unique_id"].unique())]
    long = sub.melt(id_vars=["series", "method"], var_name="step", value_name="f").dropna()
    long["step"] = long["step"].str[1:].astype(int)
    wide = long.pivot_table(index=["series", "step"], columns="method", values="f").reset_index()
    t = test.copy()
    t["step"] = t.groupby("unique_id").cumcount() + 1
    return t.merge(wide.rename(columns={"series": "unique_id"}), on=["unique_id", "step"]).drop(
        columns="step"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--subsets", nargs="+", default=["monthly", "quarterly", "yearly"])
    p.add_argument("--models", nargs="*", default=list(DEFAULT_MODELS))
    p.add_argument("--pool", nargs="+", default=None)
    p.add_argument("--combine", default="median")
    p.add_argument("--n-windows", type=int, default=1, help="auto's calibration windows")
    p.add_argument("--n-jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--limit", type=int, default=None, help="first N series only (quick runs)")
    p.add_argument("--every", type=int, default=1, help="every k-th series (systematic sample)")
    args = p.parse_args(argv)
    if not DATA.exists():
        print(f"M3 data not found at {DATA}; skipping the benchmark (nothing to measure).")
        return 0
    from forecasts import api, evaluate
    from forecasts.engine import AUTO_POOLS

    warnings.simplefilter("ignore", api.ForecastNotesWarning)  # said below, with the subset

    pool = tuple(args.pool) if args.pool else ()
    load = os.getloadavg()
    print(
        f"M3 benchmark: {os.cpu_count()} cores, n_jobs={args.n_jobs}, auto pool="
        f"{pool or AUTO_POOLS}, combine={args.combine}, n_windows={args.n_windows}, "
        f"load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    from speed import cpu_seconds

    cpu0 = cpu_seconds()
    rows = []
    for name in args.subsets:
        train, test, h = load_subset(name, args.limit, args.every)
        anchors = submitted(test)
        n_series = train["unique_id"].nunique()
        runs: list[tuple[str, pd.DataFrame, float]] = []
        for model in dict.fromkeys(["auto", *args.models]):  # "auto" once, even if listed
            t0 = time.perf_counter()
            fc = api.forecast(
                train,
                h,
                models=[model],
                level=(80,),
                pool=pool,
                n_windows=args.n_windows,
                combine=args.combine,
                n_jobs=args.n_jobs,
                progress=False,
            )
            runs.append((model, fc, time.perf_counter() - t0))
            line = api.notes_summary(fc.attrs.get("notes", []), n_series)
            if line:  # a model failing everywhere would be scored as its fallback, unseen
                print(f"{name} {model}: {line}")
        merged = anchors
        for model, fc, _ in runs:
            merged = merged.merge(
                fc[["unique_id", "ds", model, f"{model}-lo-80", f"{model}-hi-80"]],
                on=["unique_id", "ds"],
                how="left",
            )
        cols = ["THETA", "NAIVE2", *[m for m, _, _ in runs]]
        scores = evaluate(merged, train, models=cols, metrics=("smape", "mase"), agg=True)
        cover = evaluate(
            merged,
            train,
            models=[m for m, _, _ in runs],
            metrics=("coverage",),
            level=(80,),
            agg=True,
        )
        sc = scores.set_index("metric")
        times = {m: t for m, _, t in runs}
        for c in cols:
            rows.append(
                {
                    "subset": name,
                    "series": n_series,
                    "h": h,
                    "method": c,
                    "sMAPE": sc.loc["smape", c],
                    "MASE": sc.loc["mase", c],
                    "cov80": cover.set_index("metric").loc["coverage_80", c]
                    if c in times
                    else np.nan,
                    "seconds": times.get(c, np.nan),
                }
            )
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 120, "display.max_rows", 200):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"CPU seconds (user+sys, this process and its workers): {cpu_seconds() - cpu0:.1f}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    sys.exit(main())
