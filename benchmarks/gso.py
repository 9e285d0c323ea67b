"""Real Vietnamese monthly series (GSO, through 2024-02): "auto" against the usual baselines.

Reads ../shared/data/vn_gso (relative to the repo; never copied in), builds monthly level series
the way an analyst would (below), and scores a rolling origin over the last 3 windows of 12
months (cutoffs 2021-02, 2022-02, 2023-02): MASE, sMAPE, 80% coverage and MSIS per window, for
"auto" and, in the same run, seasonal naive, AutoETS, AutoTheta, AutoARIMA with the Tết regressor,
the mean of ETS/Theta/ARIMA and Prophet with the Tết share (Vietnamese holidays). ``--tune``
scores the three windows before them instead (cutoffs 2018-02, 2019-02 and 2020-02, data cut at
2021-02): the only windows any choice of the forecasting code may be made on. ``--tune-6``
scores three 6-month windows in the same data (cutoffs 2019-08, 2020-02, 2020-08): the last
one's history holds the 2020 lockdown, as the test windows' histories hold 2020 and 2021.

How the levels are built (printed with the series):

* ``tongmuc`` (retail sales), ``vdt`` (state-budget investment), ``spcn`` (industrial
  products), ``xk``/``nk`` (exports, imports): each month as last revised, by differencing
  year-to-date totals. A release gives the month's preliminary figure (``E-...``; the month
  column for xk/nk) and the year-to-date total, so ``YTD(t+1) - E(t+1)`` is the revised total
  through ``t`` and month ``t`` is that minus the same for ``t-1``. December and the last month
  (2024-02) keep their preliminary figure: no later release of the same year revises them.
  Checked: the 2023 exports sum to 355.5 bn USD as published. (The files' month and
  previous-month columns hold year-to-date totals in the early years of spcn: not used.) A
  derived month more than 3 times its preliminary figure either way (a slip in one release's
  year-to-date total, e.g. spcn 2017-04/05) keeps the preliminary figure.
* ``cpi``: the index chained from month-on-month changes (2013-12 = 100).
* Left out: ``iip`` (only % changes, no level to chain without a base month's weights), ``fdi``
  (registrations, lumpy announcements rather than activity), ``xnk`` (repeats xk/nk).

Series kept: categories present in 2024-02, first seen by 2015-01, at most 3 months missing
(filled by the forecasting code's interpolation, noted) and no duplicated months.

    .venv/bin/python benchmarks/gso.py [--tune | --tune-6] [--no-prophet] [--n-jobs 2]
        [--auto-only --pool ets dotheta ... --combine median|inverse|topK]  (ablations of auto)
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "vn_gso"
LAST = pd.Timestamp("2024-02-01")
H = 12
# file, key column, short name, how the level is built
SOURCES = (
    ("tongmuc.csv", "Phân Loại", "retail", "ytd"),
    ("vdt.csv", "Phân Loại", "invest", "ytd"),
    ("spcn.csv", "Ngành", "product", "ytd"),
    ("xk.csv", "Ngành", "export", "ytd"),
    ("nk.csv", "Ngành", "import", "ytd"),
    ("cpi.csv", "Hàng hóa", "cpi", "chain"),
)
YTD = {  # (the month's figure as first published, the year-to-date total of the same release)
    "tongmuc.csv": ("E-M", "YTD"),
    "vdt.csv": ("E-Total-M", "Total-YOY"),
    "spcn.csv": ("E-Total-M", "Total-YTD"),
    "xk.csv": ("Total-M", "Total-YOY"),
    "nk.csv": ("Total-M", "Total-YOY"),
}
BASELINES = ("snaive", "ets", "theta", "arima", "mean_eta", "prophet")


def _month(raw: pd.DataFrame) -> pd.Series:
    if "Month" in raw.columns:
        return pd.to_datetime(raw["Month"] + "-01")
    return pd.to_datetime(raw["Date"]).dt.to_period("M").dt.start_time


def _levels(g: pd.DataFrame, file: str, how: str) -> pd.Series:
    """One category's monthly levels (index: month start), built as the module docstring says."""
    g = g.sort_values("ds").set_index("ds")
    full = pd.date_range(g.index.min(), g.index.max(), freq="MS")
    if how == "ytd":
        est, total = YTD[file]
        m, ytd = g[est].reindex(full), g[total].reindex(full)
        cum_before = ytd - m  # revised total of the year before this month
        rev = cum_before.shift(-1) - cum_before.where(full.month > 1, 0.0)
        # a "revision" of more than 3 times either way is a parsing slip of one release
        implausible = ~((rev > m / 3) & (rev < 3 * m))
        keep = (full.month == 12) | (full == full[-1]) | rev.isna() | implausible
        return rev.where(~keep, m)
    mom = g["MOM"].reindex(full)
    if mom.isna().any():
        return pd.Series(np.nan, index=full)
    return 100 * (1 + mom / 100).cumprod()


def load_levels(data: Path = DATA) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The benchmark's series as a Nixtla frame (``unique_id, ds, y``) and one row per category
    (kept or not, and why)."""
    frames, info = [], []
    for file, key, short, how in SOURCES:
        raw = pd.read_csv(data / file)
        raw["ds"] = _month(raw)
        for cat, g in raw.groupby(key, sort=True):
            uid = f"{short}|{cat}"
            why = None
            if g["ds"].duplicated().any():
                why = "duplicated months"
            elif g["ds"].max() != LAST:
                why = f"stops at {g['ds'].max():%Y-%m}"
            elif g["ds"].min() > pd.Timestamp("2015-01-01"):
                why = f"starts {g['ds'].min():%Y-%m}"
            if why is None:
                y = _levels(g, file, how)
                n_missing = int(y.isna().sum())
                if n_missing > 3:
                    why = f"{n_missing} months missing"
                elif (y.dropna() <= 0).mean() > 0.05:
                    why = "zero or negative months"
                else:
                    frames.append(pd.DataFrame({"unique_id": uid, "ds": y.index, "y": y.values}))
            info.append({"unique_id": uid, "file": file, "how": how, "kept": why is None,
                         "why": why or "", "months": g["ds"].nunique()})  # fmt: skip
    return pd.concat(frames, ignore_index=True), pd.DataFrame(info)


STORE_SERIES = {  # the benchmark's series that analytics.gso files as the customs regime's
    "EXPORTS": "export|TỔNG TRỊ GIÁ",
    "EXPORTS_FDI": "export|Khu vực có vốn đầu tư NN",
    "IMPORTS": "import|TỔNG TRỊ GIÁ",
}


def via_store(df: pd.DataFrame, data: Path = DATA) -> pd.DataFrame:
    """``df`` with the trade series read back from a temporary store instead: every release
    filed through the submission path (``analytics.gso``, preliminary then revised), the latest
    vintages loaded. Prints where the two reads differ, and why."""
    import tempfile

    import analytics
    from analytics import gso

    with tempfile.TemporaryDirectory(prefix="nris-gso-") as tmp:
        old = os.environ.get("NRIS_STORE")
        os.environ["NRIS_STORE"] = str(Path(tmp) / "store")
        try:
            t0 = time.perf_counter()
            results = gso.file_releases(data, Path(tmp) / "forms")
            stored = analytics.load(list(STORE_SERIES), areas="VN", frame="pandas")
        finally:
            if old is None:
                del os.environ["NRIS_STORE"]
            else:
                os.environ["NRIS_STORE"] = old
    ok = sum(r.status == "accepted" for r in results)
    print(
        f"via the store: {ok} of {len(results)} forms accepted "
        f"({time.perf_counter() - t0:.0f} s); the trade series as the store holds them:"
    )
    rows, parts = [], []
    for code, uid in STORE_SERIES.items():
        s = stored[stored["indicator"] == code]
        new = pd.DataFrame({"unique_id": uid, "ds": pd.to_datetime(s["period"]), "y": s["value"]})
        direct = df[df["unique_id"] == uid].set_index("ds")["y"]
        both = new.set_index("ds")["y"].reindex(direct.index)
        diff = (both - direct).abs()
        off = diff[~(diff <= 1e-6 * direct.abs())].index
        rows.append({"series": uid, "months": len(direct), "equal": len(direct) - len(off),
                     "differ": ", ".join(f"{d:%Y-%m}" for d in off)})  # fmt: skip
        parts.append(new[new["ds"].isin(direct.index)])
    with pd.option_context("display.max_colwidth", 200, "display.width", 200):
        print(pd.DataFrame(rows).to_string(index=False))
    print(
        "  (the direct read keeps a month's first figure where a release's year-to-date total "
        "is implausible or absent, and leaves a month no release gave as missing; the store "
        "recovers it by differencing the totals: see analytics/gso.py)"
    )
    rest = df[~df["unique_id"].isin(list(STORE_SERIES.values()))]
    return pd.concat([rest, *parts], ignore_index=True)


def _cpu() -> float:
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run(
    df: pd.DataFrame,
    h: int,
    n_windows: int,
    n_jobs: int,
    prophet: bool,
    params: dict | None = None,
    baselines: bool = True,
    clean: bool = False,
    pool: tuple[str, ...] = (),
    combine: str = "median",
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Backtest of auto and the baselines; returns the joined frame and seconds per group."""
    from forecasts import add_tet, backtest

    with_tet = add_tet(df)
    kw = {"h": h, "n_windows": n_windows, "level": (80,), "n_jobs": n_jobs, "progress": False}
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    auto = backtest(
        with_tet, models=["auto"], model_params=params, clean=clean, pool=pool, combine=combine,
        **kw,
    )  # fmt: skip
    times["auto"] = time.perf_counter() - t0
    if not baselines:
        return auto, times
    t0 = time.perf_counter()
    plain = backtest(df, models=["snaive", "ets", "theta"], **kw)  # no Tết: as the libraries do
    times["snaive+ets+theta"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    tet_models = ["arima", "prophet"] if prophet else ["arima"]
    tet = backtest(with_tet, models=tet_models, **kw)
    times["+".join(tet_models)] = time.perf_counter() - t0
    keys = ["unique_id", "ds", "cutoff", "y"]
    out = auto.merge(plain.drop(columns="y"), on=keys[:3]).merge(tet.drop(columns="y"), on=keys[:3])
    trio = ["ets", "theta", "arima"]
    out["mean_eta"] = out[trio].mean(axis=1)
    out["mean_eta-lo-80"] = out[[f"{m}-lo-80" for m in trio]].mean(axis=1)
    out["mean_eta-hi-80"] = out[[f"{m}-hi-80" for m in trio]].mean(axis=1)
    return out, times


def score(cv: pd.DataFrame, history: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    """MASE, sMAPE, 80% coverage and MSIS per window (each scaled on its own training data)."""
    from forecasts import evaluate

    rows = []
    for cutoff, part in cv.groupby("cutoff"):
        train = history[history["ds"] <= cutoff]
        sc = evaluate(
            part, train, models=models, metrics=("mase", "smape", "coverage", "msis"),
            level=(80,), season=12,
        ).set_index("metric")  # fmt: skip
        for m in models:
            rows.append(
                {
                    "window": f"{cutoff + pd.offsets.MonthBegin(1):%Y-%m}..{part['ds'].max():%Y-%m}",
                    "method": m,
                    "MASE": sc.loc["mase", m],
                    "sMAPE": sc.loc["smape", m],
                    "cov80": sc.loc["coverage_80", m],
                    "MSIS80": sc.loc["msis_80", m],
                }
            )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tune", action="store_true", help="the 3 windows before the test windows")
    p.add_argument("--no-prophet", action="store_true")
    p.add_argument("--n-jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--only", default=None, help="keep series whose id contains this text")
    p.add_argument("--auto-only", action="store_true", help="no baselines (ablations of auto)")
    p.add_argument("--clean", action="store_true", help="auto with outlier replacement")
    p.add_argument(
        "--tune-covid",
        action="store_true",
        help="one 6-month window 2020-09..2021-02: its history holds 2020 Q2",
    )
    p.add_argument(
        "--tune-6",
        action="store_true",
        help="three 6-month windows 2019-09..2021-02 (auto calibrated on 3 inner windows): the "
        "last one's history holds 2020 Q2, as the test windows' histories do",
    )
    p.add_argument("--pool", nargs="+", default=(), help="auto's pool (default AUTO_POOLS)")
    p.add_argument("--combine", default="median", help="auto's rule: median, inverse, topK...")
    p.add_argument("--params", default=None, help='model parameters, JSON: {"global": {...}}')
    p.add_argument(
        "--via-store",
        action="store_true",
        help="read the trade series back from a store the releases were filed into",
    )
    args = p.parse_args(argv)
    if not DATA.exists():
        print(f"GSO data not found at {DATA}; skipping the benchmark (nothing to measure).")
        return 0
    from forecasts import api, engine

    warnings.simplefilter("ignore", api.ForecastNotesWarning)
    load0 = os.getloadavg()
    t_start, cpu0 = time.perf_counter(), _cpu()
    df, info = load_levels()
    if args.via_store:
        df = via_store(df)
    if args.only:
        df = df[df["unique_id"].str.contains(args.only, regex=False)]
    kept = info[info["kept"]]
    print(
        f"GSO benchmark: {os.cpu_count()} cores, n_jobs={args.n_jobs}, load average at start "
        f"{load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}; {df['unique_id'].nunique()} series kept "
        f"of {len(info)} categories"
    )
    by_file = kept.groupby(["file", "how"]).size().reset_index(name="series")
    print(by_file.to_string(index=False))
    why = info["why"].str.replace(r"\d{4}-\d{2}|\d+", "…", regex=True)
    dropped = (
        info[~info["kept"]].assign(why=why).groupby(["file", "why"]).size()
        .reset_index(name="categories")
    )  # fmt: skip
    print("left out:\n" + dropped.to_string(index=False))
    print("series: " + "; ".join(df["unique_id"].unique()))
    h, n_windows = H, 3
    if args.tune or args.tune_covid or args.tune_6:
        df = df[df["ds"] <= pd.Timestamp("2021-02-01")]
    if args.tune_covid:
        h, n_windows = 6, 1
    if args.tune_6:
        h = 6
    import json

    params = json.loads(args.params) if args.params else None
    cv, times = run(
        df, h, n_windows, args.n_jobs, not args.no_prophet, params, not args.auto_only,
        args.clean, tuple(args.pool), args.combine,
    )  # fmt: skip
    engine.shutdown_pools()
    models = ["auto", *[b for b in BASELINES if b in cv.columns]]
    table = score(cv, df, models)
    with pd.option_context("display.width", 140, "display.max_rows", 200):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if args.auto_only:
        print(
            f"params {params}, clean {args.clean}, pool {args.pool}, combine {args.combine}; "
            f"auto MASE mean over windows {table['MASE'].mean():.4f}"
        )
    print("\nauto against the best baseline of each window (MASE):")
    for window, t in table.groupby("window") if not args.auto_only else ():
        base = t[t["method"] != "auto"].set_index("method")
        best = base["MASE"].idxmin()
        a = t.set_index("method").loc["auto"]
        print(
            f"  {window}: auto {a['MASE']:.3f} vs {best} {base.loc[best, 'MASE']:.3f} "
            f"({100 * (a['MASE'] / base.loc[best, 'MASE'] - 1):+.1f}%), auto 80% coverage "
            f"{a['cov80']:.3f}"
        )
    wall, cpu = time.perf_counter() - t_start, _cpu() - cpu0
    print(
        "seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in times.items())
        + f"; total wall {wall:.1f}, CPU (user+sys, with workers) {cpu:.1f}"
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
