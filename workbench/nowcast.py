"""The GDP nowcast of the quarter in progress, from the published snapshot (``ước tính``).

GDP growth (year to date) is published at the end of a quarter; in its first two months the
monthly indicators already known estimate it through ``forecasts.nowcast``'s bridge equations.
The indicators are those chosen on the real GSO series (``benchmarks/nowcast.py``): industrial
production and retail sales deflated by the CPI, each as year-to-date growth.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

TARGET = "GDP_GROWTH_YTD"
INDICATORS = {"IIP": None, "RETAIL_SALES": "CPI"}  # indicator -> its deflator (or None)
LEVEL = 80


def gdp_nowcast(area: str = "VN", asof: Any = None, level: int = LEVEL) -> pd.DataFrame:
    """The quarter in progress: one row per month known (the estimate as each month arrived).

    ``asof`` (a month) uses only the months up to it and the quarters published by then, as the
    snapshot would have shown (for reports on a past month). Empty when the quarter's GDP is
    already published or the store holds too little to estimate it. Columns: ``ds`` (quarter
    start), ``months``, ``estimate``, ``lo-<level>``, ``hi-<level>``, ``n_obs``, ``indicators``.
    """
    import analytics
    import forecasts

    codes = [TARGET, *INDICATORS, *[d for d in INDICATORS.values() if d]]
    raw = analytics.load(codes, areas=[area], frame="pandas")
    assert isinstance(raw, pd.DataFrame)
    if raw.empty:
        return pd.DataFrame()
    nx = forecasts.to_nixtla(raw, tet=False)
    nx["code"] = nx["unique_id"].str.split("|").str[0]
    if asof is not None:
        month = pd.Timestamp(asof).to_period("M").start_time
        published = nx["ds"] + pd.DateOffset(months=2)  # a quarter's figure at its last month
        monthly = nx["code"] != TARGET
        nx = nx[(monthly & (nx["ds"] <= month)) | (~monthly & (published <= month))]
    target = nx.loc[nx["code"] == TARGET, ["ds", "y"]]
    growth = forecasts.ytd_growth(nx[nx["code"] != TARGET][["code", "ds", "y"]].rename(
        columns={"code": "unique_id"}))  # fmt: skip
    wide = growth.pivot_table(index="ds", columns="unique_id", values="y")
    ind = []
    for code, deflator in INDICATORS.items():
        if code not in wide:
            continue
        s = wide[code]
        if deflator:
            if deflator not in wide:
                continue
            s = 100 * ((1 + s / 100) / (1 + wide[deflator] / 100) - 1)
        name = f"{code}/{deflator}" if deflator else code
        ind.append(pd.DataFrame({"unique_id": name, "ds": s.index, "y": s.to_numpy()}))
    if target.empty or not ind:
        return pd.DataFrame()
    indicators = pd.concat(ind, ignore_index=True).dropna()
    quarter = indicators["ds"].max().to_period("Q").start_time
    if (target["ds"] == quarter).any():  # published: nothing left to estimate
        return pd.DataFrame()
    try:
        return forecasts.nowcast(target, indicators, quarter=quarter, level=level)
    except ValueError:  # too few quarters with data
        return pd.DataFrame()


def sentence(nc: pd.DataFrame, lang: str = "vi") -> str | None:
    """One line for the latest estimate: value, interval, months known; None without one."""
    from analytics import calendar, fmt

    if nc is None or nc.empty:
        return None
    r = nc.iloc[-1]
    lo, hi = (c for c in nc.columns if c.startswith(("lo-", "hi-")))
    level = lo.split("-")[1]
    label = calendar.period_label(pd.Timestamp(r["ds"]).date(), "Q", lang)
    est, a, b = (fmt.number(float(r[c]), 1, lang) for c in ("estimate", lo, hi))
    m = int(r["months"])
    if lang == "vi":
        return (
            f"Tăng trưởng GDP lũy kế đến hết {label} (ước tính): {est}% "
            f"(khoảng {level}%: {a}–{b}%), với số liệu {m}/3 tháng của quý."
        )
    return (
        f"GDP growth, year to date through {label} (estimate): {est}% "
        f"({level}% interval {a}–{b}%), with {m} of the quarter's 3 months known."
    )


def show_gdp_nowcast(area: str = "VN", lang: str = "vi", asof: Any = None) -> pd.DataFrame:
    """Display the nowcast in a report notebook (a sentence and the update table); returns it."""
    from IPython.display import Markdown, display

    nc = gdp_nowcast(area, asof)
    text = sentence(nc, lang)
    if text is None:
        return nc
    display(Markdown(f"**{text}**"))
    if len(nc) > 1:
        cols = {"months": "Số tháng đã biết" if lang == "vi" else "Months known",
                "estimate": "Ước tính (%)" if lang == "vi" else "Estimate (%)"}  # fmt: skip
        display(nc[list(cols)].rename(columns=cols).round(2))
    return nc
