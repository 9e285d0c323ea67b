"""Report sections as frames, and their display in a notebook (monthly, quarterly, province reports).

:func:`figures` states every indicator the way a Vietnamese report does (this period, vs previous
period, vs same period last year, year to date); :func:`show_domains`, :func:`show_targets` and
:func:`show_ranking` display them with narrative sentences and offline charts. The notebooks in
``notebooks/reports/`` are a parameters cell plus calls to these functions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import polars as pl

from analytics import calendar, charts, derived, fmt, narrative, transforms
from analytics.catalog import NATION, catalog
from analytics.errors import NrisError
from analytics.load import load

SPANS = ("M", "Q", "6M", "9M")
LABELS = {
    "value": ("Kỳ báo cáo", "This period"),
    "prev": ("So với kỳ trước (%)", "vs previous (%)"),
    "yoy": ("So với cùng kỳ (%)", "vs last year (%)"),
    "ytd": ("Lũy kế", "Year to date"),
    "ytd_yoy": ("Lũy kế so với cùng kỳ (%)", "YTD vs last year (%)"),
    "name": ("Chỉ tiêu", "Indicator"),
    "unit": ("Đơn vị", "Unit"),
}


def _indicators_for(area: str, freqs: tuple[str, ...]) -> pd.DataFrame:
    ind = catalog().indicators
    level = "national" if area == NATION else "province"
    ok = ind["frequency"].isin(freqs) & ind["levels"].str.contains(level)
    return ind[ok]


def _shift(df: pl.DataFrame, months: int, name: str) -> pl.DataFrame:
    """Change of ``value`` on the row ``months`` earlier (same indicator and area), stated as the
    indicator's change kind says (:mod:`analytics.derived`): per cent, points, or none."""
    prev = df.select(
        "indicator",
        "area",
        pl.col("period").dt.offset_by(f"{months}mo").alias("period"),
        pl.col("value").alias("_base"),
    )
    out = df.join(prev, on=["indicator", "area", "period"], how="left")
    kind = derived.kind_expr()
    return out.with_columns(
        derived.change_expr(pl.col("value"), pl.col("_base"), kind).alias(name)
    ).drop("_base")


def figures(
    area: str = NATION,
    period: str | dt.date | None = None,
    span: str = "M",
    indicators: list[str] | None = None,
) -> pl.DataFrame:
    """Every indicator of ``area`` for the report period, one row each, in catalog order.

    ``span`` M: monthly indicators for the month, with change on the previous month, on the same
    month last year, year to date and its change. Q / 6M / 9M: monthly and quarterly indicators
    summed, averaged or taken last over the quarter / first 6 / first 9 months (by each
    indicator's rule), with the change on the same period last year (and on the previous quarter).
    Changes are left empty for rates and percent-change indicators, which are stated as they are.
    """
    if span not in SPANS:
        raise NrisError(
            f"Kỳ '{span}' không hợp lệ ({', '.join(SPANS)})",
            f"bad span '{span}' ({', '.join(SPANS)})",
        )
    freqs = ("M",) if span == "M" else ("M", "Q")
    meta = _indicators_for(area, freqs)
    if indicators is not None:
        meta = meta[meta["code"].isin(indicators)]
    start = None if period in (None, "") else calendar.parse_period(period, span)
    lo = None if start is None else dt.date(start.year - 2, 1, 1)
    df = load(meta["code"].tolist(), areas=[area], start=lo, end=None)
    assert isinstance(df, pl.DataFrame)
    df = df.drop("vintage").with_columns(pl.col("period").cast(pl.Date))
    if df.is_empty():
        raise NrisError(f"Chưa có số liệu cho {area}", f"no data for {area}")
    if span == "M":
        out = _shift(_shift(df, 1, "prev"), 12, "yoy")
        ytd = transforms.ytd(df.filter(pl.col("freq") == "M"))
        assert isinstance(ytd, pl.DataFrame)
        ytd = _shift(ytd, 12, "ytd_yoy").select(
            "indicator", "area", "period", pl.col("value").alias("ytd"), "ytd_yoy"
        )
        out = out.join(ytd, on=["indicator", "area", "period"], how="left")
    else:
        monthly = df.filter(pl.col("freq") == "M")
        quarterly = df.filter(pl.col("freq") == "Q")
        parts = [transforms.to_freq(monthly, span)]
        parts.append(quarterly if span == "Q" else transforms.to_freq(quarterly, span))
        agg = pl.concat([p for p in parts if len(p)], how="vertical_relaxed")
        assert isinstance(agg, pl.DataFrame)
        out = _shift(agg, 12, "yoy")
        out = (
            _shift(out, 3, "prev")
            if span == "Q"
            else out.with_columns(pl.lit(None, pl.Float64).alias("prev"))
        )
        out = out.with_columns(
            pl.lit(None, pl.Float64).alias("ytd"), pl.lit(None, pl.Float64).alias("ytd_yoy")
        )
    when: Any = start
    own = out.filter(pl.col("freq") == ("M" if span == "M" else span))
    if when is None:  # the latest period for which the monthly (or aggregated) data exists
        when = own["period"].max() or out["period"].max()
    elif own.filter(pl.col("period") == when).is_empty():
        # not reported yet (late or missing): the latest earlier period, noted in the header
        earlier = own.filter(pl.col("period") < when)["period"].max()
        if earlier is None:
            raise NrisError(
                f"Chưa có số liệu của {area} đến kỳ {start}", f"no data for {area} up to {start}"
            )
        when = earlier
    out = out.filter(pl.col("period") == when)
    m = pl.from_pandas(
        meta[
            [
                "code",
                "domain",
                "name_vi",
                "name_en",
                "unit_vi",
                "unit_en",
                "measure",
                "decimals",
                "direction",
                "headline",
                "formula",
            ]
        ]
    ).with_row_index("order")
    res = m.join(
        out.select(
            "indicator", "area", "period", "value", "status", "prev", "yoy", "ytd", "ytd_yoy"
        ),
        left_on="code",
        right_on="indicator",
        how="inner",
    )
    res = res.with_columns(derived.kind_expr("code").alias("change"))
    res = res.with_columns(
        pl.when(pl.col("measure") == "flow").then(pl.col("ytd")).otherwise(None).alias("ytd"),
        pl.when(pl.col("measure") == "flow")
        .then(pl.col("ytd_yoy"))
        .otherwise(None)
        .alias("ytd_yoy"),
        pl.lit(span).alias("span"),
        pl.lit(start, pl.Date).alias("requested"),
    )
    dom = pl.from_pandas(catalog().domains[["code", "order"]]).rename(
        {"code": "domain", "order": "dorder"}
    )
    dom = dom.with_columns(pl.col("dorder").cast(pl.Int64))
    return (
        res.join(dom, on="domain", how="left")
        .sort("dorder", "order")
        .drop("order", "dorder")
        .rename({"code": "indicator"})
    )


def sentences(fig: pl.DataFrame, lang: str = "vi") -> list[str]:
    """Narrative sentences of :func:`figures` rows."""
    return [narrative.sentence_of(r, lang) for r in fig.iter_rows(named=True)]


def table(fig: pl.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """The figures as a display table with formatted numbers and labels in ``lang``."""
    i = 0 if lang == "vi" else 1
    pts = " điểm %" if lang == "vi" else " pp"
    rows = []
    for r in fig.iter_rows(named=True):
        d = int(r["decimals"])
        mark = pts if r["change"] == derived.POINTS and r["yoy"] is not None else ""
        rows.append({
            LABELS["name"][i]: r["name_vi"] if lang == "vi" else r["name_en"],
            LABELS["unit"][i]: r["unit_vi"] if lang == "vi" else r["unit_en"],
            LABELS["value"][i]: fmt.number(r["value"], d, lang),
            LABELS["prev"][i]: fmt.number(r["prev"], 1, lang) + (mark if r["prev"] is not None else ""),
            LABELS["yoy"][i]: fmt.number(r["yoy"], 1, lang) + mark,
            LABELS["ytd"][i]: fmt.number(r["ytd"], d, lang),
            LABELS["ytd_yoy"][i]: fmt.number(r["ytd_yoy"], 1, lang),
        })  # fmt: skip
    return pd.DataFrame(rows)


# -- display in a notebook ------------------------------------------------------------------
def _md(text: str) -> None:
    from IPython.display import Markdown, display

    display(Markdown(text))


def _show(obj: Any) -> None:
    from IPython.display import display

    display(obj)


def setup(renderer: str = "svg") -> None:
    """Offline charts (vl-convert SVG by default) and quiet warnings for report notebooks."""
    import warnings

    warnings.filterwarnings("ignore")
    charts.use_offline(renderer)


def show_header(
    title_vi: str,
    title_en: str,
    period_label: str,
    lang: str = "vi",
    fig: pl.DataFrame | None = None,
) -> None:
    """Title, period and the provenance line (snapshot time, demo banner); with ``fig``, a note
    when the requested period has no data yet and an earlier one is shown."""
    from analytics.calendar import period_label as label
    from analytics.store import snapshot_info

    info = snapshot_info()
    title = title_vi if lang == "vi" else title_en
    note = narrative.as_of_note(info.get("max_vintage"), bool(info.get("demo")), lang)
    text = f"# {title} – {period_label}\n\n*{note}*"
    if fig is not None and len(fig) and fig["requested"][0] is not None:
        asked, got = fig["requested"][0], fig["period"][0]
        if asked != got:
            span = str(fig["span"][0])
            a, g = label(asked, span, lang), label(got, span, lang)
            text += (
                f"\n\n**Chưa có số liệu {a}; báo cáo dùng số liệu {g}, kỳ gần nhất đã báo cáo.**"
                if lang == "vi"
                else f"\n\n**No data for {a} yet; this report shows {g}, the latest period reported.**"
            )
    _md(text)


def show_domains(
    fig: pl.DataFrame, lang: str = "vi", chart_years: int = 3, area: str = NATION
) -> None:
    """One section per domain: narrative, table and a history chart of its first level indicator."""
    doms = catalog().domains.set_index("code")
    for domain in fig["domain"].unique(maintain_order=True).to_list():
        part = fig.filter(pl.col("domain") == domain)
        name = doms.loc[domain, "name_vi" if lang == "vi" else "name_en"]
        _md(f"## {name}\n\n" + narrative.paragraph(sentences(part, lang)))
        _show(table(part, lang).style.hide(axis="index"))
        lead = part.filter(pl.col("measure").is_in(["flow", "index", "stock"]))
        if chart_years > 0 and len(lead):
            r = lead.row(0, named=True)
            hist = load(
                r["indicator"], areas=[area], start=dt.date(r["period"].year - chart_years, 1, 1)
            )
            title = r["name_vi"] if lang == "vi" else r["name_en"]
            _show(
                charts.plot_series(
                    hist,
                    id_col="area",
                    time_col="period",
                    target_col="value",
                    lang=lang,
                    title=str(title),
                    unit=str(r["unit_vi" if lang == "vi" else "unit_en"]),
                )
            )


def show_targets(outlook: pd.DataFrame, lang: str = "vi") -> None:
    """The targets table: target, actual to date, projection with interval, P(met), status."""
    vi = lang == "vi"
    _md("## Thực hiện các mục tiêu" if vi else "## Targets")
    if outlook is None or outlook.empty:
        _md("Không có mục tiêu cho năm này." if vi else "No targets for this year.")
        return
    names = catalog().indicators.set_index("code")["name_vi" if vi else "name_en"]
    lines = [
        narrative.target_sentence(r, str(names.get(r["indicator"], r["indicator"])), lang)
        for r in outlook.to_dict("records")
    ]
    _md("\n".join(f"- {s}" for s in lines))
    status = narrative.STATUS_TEXT
    tab = pd.DataFrame({
        ("Mục tiêu" if vi else "Target"): outlook["code"],
        ("Địa bàn" if vi else "Area"): outlook["area"],
        ("Chỉ tiêu" if vi else "Indicator"): outlook["indicator"].map(names),
        ("Giá trị mục tiêu" if vi else "Target value"): [fmt.number(v, 1, lang) for v in outlook["value"]],
        ("Thực hiện đến nay" if vi else "Actual to date"): [fmt.number(v, 1, lang) for v in outlook["actual_to_date"]],
        ("Dự báo cả năm" if vi else "Year-end projection"): [fmt.number(v, 1, lang) for v in outlook["projected"]],
        ("Xác suất đạt" if vi else "P(met)"): [fmt.percent(None if pd.isna(p) else 100 * p, 0, lang) for p in outlook["p_met"]],
        ("Đánh giá" if vi else "Status"): [status.get(s, (s, s))[0 if vi else 1] for s in outlook["status"]],
    })  # fmt: skip
    _show(tab.style.hide(axis="index"))


def ranking_frame(
    indicator: str, period: str | dt.date | None = None, measure: str = "yoy"
) -> pl.DataFrame:
    """The 34 provinces ranked by ``indicator`` (``measure``: value, yoy or ytd_yoy) for a month."""
    cat = catalog()
    prov = cat.provinces()
    df = load(indicator, areas=prov["code"].tolist())
    assert isinstance(df, pl.DataFrame)
    df = df.drop("vintage").with_columns(pl.col("period").cast(pl.Date))
    if measure == "yoy":
        df = _shift(df, 12, "yoy")
    elif measure == "ytd_yoy":
        y = transforms.ytd(df)
        assert isinstance(y, pl.DataFrame)
        df = _shift(y, 12, "ytd_yoy")
    start = df["period"].max() if period in (None, "") else calendar.parse_period(period, "M")
    col = "value" if measure == "value" else measure
    names = pl.from_pandas(prov[["code", "name_vi"]]).rename({"code": "area", "name_vi": "name"})
    out = df.filter(pl.col("period") == start).select("area", "period", pl.col(col).alias("score"))
    out = out.join(names, on="area").drop_nulls("score").sort("score", descending=True)
    return out.with_row_index("rank", offset=1)


def show_ranking(
    indicator: str,
    area: str,
    period: str | dt.date | None = None,
    measure: str = "yoy",
    lang: str = "vi",
) -> pl.DataFrame:
    """Chart and sentence of where ``area`` stands among the provinces for one indicator."""
    rank = ranking_frame(indicator, period, measure)
    meta = catalog().indicator(indicator)
    name = meta["name_vi"] if lang == "vi" else meta["name_en"]
    me = rank.filter(pl.col("area") == area)
    if len(me):
        r = me.row(0, named=True)
        what = (
            {"yoy": "so với cùng kỳ", "ytd_yoy": "lũy kế so với cùng kỳ", "value": ""}[measure]
            if lang == "vi"
            else {"yoy": "year on year", "ytd_yoy": "year to date, year on year", "value": ""}[
                measure
            ]
        )
        score = (
            fmt.change(r["score"], 1, lang)
            if measure != "value"
            else fmt.number(r["score"], int(meta["decimals"]), lang)
        )
        text = (
            f"{name} {what}: {score}, đứng thứ {r['rank']}/{len(rank)} tỉnh, thành phố."
            if lang == "vi"
            else f"{name} {what}: {score}, rank {r['rank']} of {len(rank)} provinces."
        )
        _md(text)
    _show(
        charts.ranking(
            rank,
            value="score",
            label="name",
            key="area",
            highlight=area,
            title=str(name),
            lang=lang,
        )
    )
    return rank
