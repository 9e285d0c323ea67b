"""Headline figures the way a Vietnamese report states them: this period, vs last, vs last year, YTD."""

from __future__ import annotations

import polars as pl

from analytics import fmt, transforms
from analytics.catalog import NATION, catalog
from analytics.load import load


def headline_table(area: str = NATION, period: str | None = None, freq: str = "M") -> pl.DataFrame:
    """One row per headline indicator of frequency ``freq``: value, MoM %, YoY %, YTD and YTD YoY %.

    ``period`` defaults to the latest period with data. Percent-change indicators (e.g. CPI YoY) are
    reported as they are; their MoM/YoY columns stay empty.
    """
    ind = catalog().indicators
    heads = ind[(ind["headline"] == 1) & (ind["frequency"] == freq)]
    df = load(heads["code"].tolist(), areas=[area])
    assert isinstance(df, pl.DataFrame)
    if df.is_empty():
        return df
    last = (
        df["period"].max()
        if period is None
        else pl.Series([period]).str.to_date(format="%Y-%m").item()
    )
    levels = df.filter(
        ~pl.col("indicator").is_in(heads.loc[heads["measure"] == "pct_change", "code"].tolist())
    )
    cols = {
        "mom": transforms.mom(levels),
        "yoy": transforms.yoy(levels),
        "ytd": transforms.ytd(levels),
        "ytd_yoy": transforms.ytd_yoy(levels),
    }
    out = df.filter(pl.col("period") == last).select(
        "indicator", "area", "period", "value", "unit", "status"
    )
    for name, frame in cols.items():
        out = out.join(
            frame.filter(pl.col("period") == last).select("indicator", pl.col("value").alias(name)),
            on="indicator",
            how="left",
        )
    meta = pl.from_pandas(
        heads[["code", "name_vi", "name_en", "decimals", "direction", "measure", "domain"]]
    )
    return meta.join(out, left_on="code", right_on="indicator", how="inner").rename(
        {"code": "indicator"}
    )


def headline_text(table: pl.DataFrame, lang: str = "vi") -> list[str]:
    """One sentence per row, e.g. "Xuất khẩu Tháng 10/2026: 38.123,4 triệu USD, tăng 1,2% so với tháng trước…"."""
    lines = []
    for r in table.iter_rows(named=True):
        name = r["name_vi"] if lang == "vi" else r["name_en"]
        value = fmt.number(r["value"], int(r["decimals"]), lang)
        if r["measure"] == "pct_change":
            lines.append(f"{name}: {value}%")
            continue
        if lang == "vi":
            lines.append(
                f"{name}: {value} {r['unit']}, {fmt.change(r['mom'], 1, 'vi')} so với kỳ trước, "
                f"{fmt.change(r['yoy'], 1, 'vi')} so với cùng kỳ năm trước"
            )
        else:
            lines.append(
                f"{name}: {value} {r['unit']}, {fmt.change(r['mom'], 1, 'en')} on the previous period, "
                f"{fmt.change(r['yoy'], 1, 'en')} year on year"
            )
    return lines
