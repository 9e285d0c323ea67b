"""GDP nowcast on real GSO data: bridge equations against last year's growth and an AR model.

Reads ../shared/data/vn_gso (never copied in). The target is GDP's year-to-date growth on the same
period of the previous year, as GSO publishes it each quarter. ``gdp_ss.csv`` holds it through
2018 Q2 (year-to-date totals and growth); from 2018 Q3 on, its rows are single quarters (the total
falls within the year) and their growth on the same quarter a year earlier. So the quarters'
constant-price levels are the differences of the year-to-date totals up to 2018 Q2, then last
year's level times that growth, and the year-to-date growth follows from them (printed beside the
file's figures; within 0.3 points of the published year-to-date figures, e.g. 2020 2.91, 2022
8.00 against 8.02).

The indicators, as each monthly release gave them (year-to-date growth on the same period): the
industrial production index, retail sales deflated by the CPI's year-to-date average, exports,
imports and state-budget investment. Pseudo real time: each quarter 2019 Q1..2023 Q4 with 1, 2
and 3 of its months known, equations fitted on the quarters before it only. The indicator set
is chosen on the quarters of 2017-2018 (before any scored quarter) by RMSE with 3 months known.

    .venv/bin/python benchmarks/nowcast.py
"""

from __future__ import annotations

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
SETS = {
    "iip": ("iip",),
    "iip+retail": ("iip", "retail_real"),
    "iip+retail+exports": ("iip", "retail_real", "exports"),
    "iip+retail+trade": ("iip", "retail_real", "exports", "imports"),
    "iip+retail+trade+invest": ("iip", "retail_real", "exports", "imports", "invest"),
}


def gdp_ytd_growth(data: Path = DATA) -> pd.DataFrame:
    """``ds`` (quarter start), ``y`` (year-to-date growth, %) and the file's own ``file_yoy``."""
    g = pd.read_csv(data / "gdp_ss.csv")
    g = g[g["Ngành"] == "TỔNG SỐ"].copy()
    g["q"] = pd.to_datetime(g["Date"]).dt.to_period("Q").dt.start_time
    g = g.sort_values("q").set_index("q")
    total, yoy = g["Tổng số"].astype(float), g["YOY"].astype(float)
    cumulative, level = {}, {}
    for i, q in enumerate(g.index):  # year to date until the total first falls within a year
        prev = cumulative.get(g.index[i - 1], True) if i else True
        cumulative[q] = prev and (q.month == 1 or total.iloc[i] > total.iloc[i - 1])
        if cumulative[q]:
            level[q] = total[q] - (total[q - pd.DateOffset(months=3)] if q.month > 1 else 0.0)
        else:
            level[q] = level[q - pd.DateOffset(years=1)] * (1 + yoy[q] / 100)
    lv = pd.Series(level)
    ytd = lv.groupby(lv.index.year).cumsum()
    growth = 100 * (ytd / ytd.shift(4) - 1)
    is_cum = pd.Series(cumulative)
    growth[is_cum] = yoy[is_cum]
    return pd.DataFrame({"ds": growth.index, "y": growth.to_numpy(), "file_yoy": yoy.to_numpy()})


def indicators(data: Path = DATA) -> pd.DataFrame:
    """Monthly year-to-date growth (%) of the bridge indicators: ``unique_id, ds, y``."""

    def col(file: str, key: str, cat: str, column: str) -> pd.Series:
        d = pd.read_csv(data / file)
        d = d[d[key] == cat]
        ds = pd.to_datetime(d["Month"] + "-01") if "Month" in d else pd.to_datetime(d["Date"])
        s = pd.Series(d[column].astype(float).to_numpy(), index=ds.dt.to_period("M").dt.start_time)
        return s.groupby(level=0).last().sort_index()

    retail = col("tongmuc.csv", "Phân Loại", "TỔNG SỐ", "YTD-YOY")
    retail = retail.where(retail > 50, retail + 100) - 100  # an index (=100), once a % slip
    cpi = col("cpi.csv", "Hàng hóa", "CHỈ SỐ GIÁ TIÊU DÙNG", "YTD-YOY")
    series = {
        "iip": col("iip.csv", "Ngành", "Toàn ngành công nghiệp", "YTD-YOY"),
        "retail_real": 100 * ((1 + retail / 100) / (1 + cpi / 100) - 1),
        "exports": col("xk.csv", "Ngành", "TỔNG TRỊ GIÁ", "YTD-YOY"),
        "imports": col("nk.csv", "Ngành", "TỔNG TRỊ GIÁ", "YTD-YOY"),
        "invest": col("vdt.csv", "Phân Loại", "TỔNG SỐ", "YTD-YOY"),
    }
    frames = []
    for uid, s in series.items():
        s = s[(s > -100) & s.notna()]  # -100 (nothing exported) is a release's slip
        frames.append(pd.DataFrame({"unique_id": uid, "ds": s.index, "y": s.to_numpy()}))
    return pd.concat(frames, ignore_index=True)


def last_year(y: pd.Series, q: pd.Timestamp) -> float:
    """The same quarter's year-to-date growth a year earlier."""
    return float(y.get(q - pd.DateOffset(years=1), np.nan))


def ar_forecast(y: pd.Series, q: pd.Timestamp) -> float:
    """An AR model on the GDP series alone (lags 1-4 chosen by AIC, statsmodels), one step."""
    from statsmodels.tsa.ar_model import ar_select_order

    hist = y[y.index < q].dropna().reset_index(drop=True)
    sel = ar_select_order(hist, maxlag=4, ic="aic", trend="c")
    fit = sel.model.fit()
    return float(np.asarray(fit.forecast(1))[0])


def evaluate(
    y: pd.Series, ind: pd.DataFrame, names: tuple[str, ...], quarters: list
) -> pd.DataFrame:
    """Nowcasts of every quarter with 1-3 months known, and the two benchmarks, one row each."""
    from forecasts.bridge import nowcast

    part = ind[ind["unique_id"].isin(names)]
    target = pd.DataFrame({"ds": y.index, "y": y.to_numpy()})
    rows = []
    for q in quarters:
        known = target[target["ds"] < q]
        months = part[part["ds"] < q + pd.DateOffset(months=3)]
        nc = nowcast(known, months, quarter=q, months=[1, 2, 3])
        ly, ar = last_year(y, q), ar_forecast(y, q)
        for _, r in nc.iterrows():
            rows.append({"quarter": q, "months": r["months"], "actual": y[q],
                         "bridge": r["estimate"], "lo": r["lo-80"], "hi": r["hi-80"],
                         "last_year": ly, "ar": ar})  # fmt: skip
    return pd.DataFrame(rows)


def rmse(df: pd.DataFrame, col: str) -> float:
    return float(np.sqrt(np.mean((df[col] - df["actual"]) ** 2)))


def main() -> int:
    if not DATA.exists():
        print(f"GSO data not found at {DATA}; skipping the benchmark (nothing to measure).")
        return 0
    warnings.simplefilter("ignore")  # statsmodels' small-sample notes
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    gdp = gdp_ytd_growth()
    y = gdp.set_index("ds")["y"]
    ind = indicators()
    print(
        f"GDP nowcast benchmark: load average at start {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}"
    )
    print("GDP year-to-date growth, rebuilt (y) beside the file's YOY column:")
    show = gdp[gdp["ds"] >= pd.Timestamp("2018-01-01")].set_index("ds")[["y", "file_yoy"]]
    show.index = [f"{d.year}Q{(d.month - 1) // 3 + 1}" for d in show.index]
    print(show.T.round(2).to_string())
    tune_q = [q for q in y.index if pd.Timestamp("2017-01-01") <= q < pd.Timestamp("2019-01-01")]
    test_q = [q for q in y.index if pd.Timestamp("2019-01-01") <= q < pd.Timestamp("2024-01-01")]
    print("\nindicator sets on the tuning quarters 2017Q1-2018Q4 (RMSE, 3 months known):")
    tuned = {}
    for name, names in SETS.items():
        res = evaluate(y, ind, names, tune_q)
        tuned[name] = rmse(res[res["months"] == 3], "bridge")
        print(f"  {name}: {tuned[name]:.3f}")
    best = min(tuned, key=lambda k: tuned[k])
    print(f"chosen: {best}")
    res = evaluate(y, ind, SETS[best], test_q)
    rows = []
    for m, part in res.groupby("months"):
        inside = ((part["actual"] >= part["lo"]) & (part["actual"] <= part["hi"])).mean()
        b, ly, ar = rmse(part, "bridge"), rmse(part, "last_year"), rmse(part, "ar")
        rows.append({"months known": m, "quarters": len(part), "bridge RMSE": b,
                     "last year RMSE": ly, "AR RMSE": ar, "vs last year": b / ly - 1,
                     "vs AR": b / ar - 1, "80% coverage": inside})  # fmt: skip
    table = pd.DataFrame(rows)
    print("\n2019Q1-2023Q4, pseudo real time:")
    with pd.option_context("display.width", 140):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    detail = res[res["months"] == 3].copy()
    detail["quarter"] = [f"{d.year}Q{(d.month - 1) // 3 + 1}" for d in detail["quarter"]]
    print("\n3 months known, per quarter:")
    print(detail.drop(columns="months").round(2).to_string(index=False))
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    cpu = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
    print(f"wall {time.perf_counter() - t0:.1f} s, CPU (user+sys) {cpu:.1f} s")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
