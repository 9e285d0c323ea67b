"""Transforms over the tidy frame: growth rates, year-to-date, frequency conversion, area aggregation.

Every function takes the frame ``analytics.load`` returns (polars or pandas; the same kind comes back)
and returns a tidy frame of the same shape, so transforms chain. Comparisons join on the calendar
(the same month last year), never on row position, so gaps give nulls instead of wrong numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TypeVar

import pandas as pd
import polars as pl

from analytics import derived
from analytics.calendar import MONTHS
from analytics.catalog import catalog
from analytics.errors import NrisError

Frame = TypeVar("Frame", pl.DataFrame, pd.DataFrame)
GROUP = ["indicator", "area", "freq"]


def _to_pl(df: pl.DataFrame | pd.DataFrame) -> pl.DataFrame:
    out = pl.from_pandas(df) if isinstance(df, pd.DataFrame) else df
    if out.schema.get("period") == pl.Datetime:
        out = out.with_columns(pl.col("period").dt.date())
    return out


def _like(out: pl.DataFrame, original: Frame) -> Frame:
    return out.to_pandas() if isinstance(original, pd.DataFrame) else out  # type: ignore[return-value]


def _rule(column: str) -> pl.Expr:
    """The catalog's rule (time_agg, area_agg, weight) for each row's indicator."""
    ind = catalog().indicators
    mapping = dict(zip(ind["code"], ind[column], strict=True))
    return pl.col("indicator").replace_strict(mapping, default=None)


def _pct_vs(df: pl.DataFrame, months_back: int, unit: str = "%") -> pl.DataFrame:
    """Percent change on the value ``months_back`` earlier; null where that value is not positive
    (a change against a deficit or a zero says nothing)."""
    prev = df.select(GROUP + ["period", pl.col("value").alias("_prev")]).with_columns(
        pl.col("period").dt.offset_by(f"{months_back}mo")
    )
    out = df.join(prev, on=GROUP + ["period"], how="left")
    value = derived.pct_change_expr(pl.col("value"), pl.col("_prev"))
    out = out.with_columns(value.alias("value")).drop("_prev")
    if "unit" in out.columns:
        out = out.with_columns(pl.lit(unit).alias("unit"))
    return out


def mom(df: Frame) -> Frame:
    """Percent change on the previous period (month on month; quarter on quarter for quarterly rows)."""
    d = _to_pl(df)
    parts = [
        _pct_vs(d.filter(pl.col("freq") == f), MONTHS[f]) for f in d["freq"].unique().to_list()
    ]
    return _like(pl.concat(parts) if parts else d, df)


def yoy(df: Frame) -> Frame:
    """Percent change on the same period last year (so với cùng kỳ năm trước)."""
    return _like(_pct_vs(_to_pl(df), 12), df)


def ytd(df: Frame) -> Frame:
    """Year-to-date value (lũy kế) of each period, by the indicator's time rule (sum, mean, last)."""
    d = _to_pl(df).sort(GROUP + ["period"])
    year = pl.col("period").dt.year()
    grp = GROUP + [year.alias("_y")]
    d = d.with_columns(year.alias("_y"), _rule("time_agg").alias("_agg"))
    cum_sum = pl.col("value").cum_sum().over(grp)
    cum_n = pl.col("value").cum_count().over(grp)
    value = (
        pl.when(pl.col("_agg") == "sum")
        .then(cum_sum)
        .when(pl.col("_agg") == "mean")
        .then(cum_sum / cum_n)
        .otherwise(pl.col("value"))
    )
    # A year-to-date value needs every earlier period of the year: mark gaps as null.
    expected = (pl.col("period").dt.month() - 1) // pl.col("freq").replace_strict(
        MONTHS, default=1
    ) + 1
    out = d.with_columns(pl.when(cum_n == expected).then(value).alias("value")).drop("_y", "_agg")
    return _like(out, df)


def ytd_yoy(df: Frame) -> Frame:
    """Year-to-date value against the same stretch of last year, in percent."""
    return yoy(ytd(df))


def to_freq(df: Frame, freq: str) -> Frame:
    """Convert monthly or quarterly rows to Q, 6M (H1), 9M or A by each indicator's time rule.

    Only complete periods come out: a quarter needs its three months, 9 months need January to
    September. 6M and 9M are year-to-date stretches starting in January, as Vietnamese reports use them.
    """
    if freq not in ("Q", "6M", "9M", "A"):
        raise NrisError(
            f"Tần suất '{freq}' không hợp lệ (Q, 6M, 9M, A)",
            f"bad frequency '{freq}' (Q, 6M, 9M, A)",
        )
    d = _to_pl(df).with_columns(_rule("time_agg").alias("_agg"))
    span = MONTHS[freq]
    parts = []
    for src in d["freq"].unique().to_list():
        if MONTHS[src] >= span:
            continue
        part = d.filter(pl.col("freq") == src)
        month0 = pl.col("period").dt.month() - 1
        if freq == "Q":
            start = pl.date(pl.col("period").dt.year(), month0 // 3 * 3 + 1, 1)
        else:
            part = part.filter(month0 < span)
            start = pl.date(pl.col("period").dt.year(), 1, 1)
        part = part.with_columns(start.alias("_start")).sort(GROUP + ["period"])
        keep = [
            c
            for c in part.columns
            if c not in {"period", "value", "freq", "_start", "vintage", "_agg"}
        ]
        agg = (
            pl.when(pl.col("_agg").first() == "sum")
            .then(pl.col("value").sum())
            .when(pl.col("_agg").first() == "mean")
            .then(pl.col("value").mean())
            .otherwise(pl.col("value").last())
        )
        out = part.group_by(["indicator", "area", "_start"]).agg(
            agg.alias("value"),
            pl.col("value").count().alias("_n"),
            *[pl.col(c).last() for c in keep if c not in {"indicator", "area"}],
            *([pl.col("vintage").max()] if "vintage" in part.columns else []),
        )
        out = out.filter(pl.col("_n") == span // MONTHS[src]).drop("_n")
        out = out.rename({"_start": "period"}).with_columns(pl.lit(freq).alias("freq"))
        parts.append(out.select([c for c in d.columns if c != "_agg"]))
    if not parts:
        return _like(d.drop("_agg").clear(), df)
    out = _regrow(pl.concat(parts), d.drop("_agg"), freq)
    return _like(out.sort(GROUP + ["period"]), df)


def _regrow(out: pl.DataFrame, source: pl.DataFrame, freq: str) -> pl.DataFrame:
    """Growth rates of a :func:`to_freq` result recomputed from their base series' period totals.

    Averaging monthly growth rates over a quarter or 9 months is wrong; the statistics office
    compares the period's total (or mean index) with the same period last year. A ``yoy(X)`` rate
    becomes the change of X over ``freq`` on the same period last year, ``mom(X)`` the change on
    the previous quarter (none for 6 and 9 months); a rate with no base series in the catalog is
    left empty rather than averaged. Year-to-date rates (time rule ``last``) are already right.
    """
    ind = catalog().indicators.set_index("code")
    codes = [
        c
        for c in out["indicator"].unique().to_list()
        if ind.loc[c, "measure"] == "pct_change" and ind.loc[c, "time_agg"] != "last"
    ]
    if not codes:
        return out
    fixed = [out.filter(~pl.col("indicator").is_in(codes))]
    for code in codes:
        rows = out.filter(pl.col("indicator") == code)
        fn, args = derived.formula(ind.loc[code])
        lag = 12 if fn == "yoy" else MONTHS[freq] if fn == "mom" and freq == "Q" else None
        if lag is None:
            fixed.append(rows.with_columns(pl.lit(None, pl.Float64).alias("value")))
            continue
        base = _base_totals(args[0], rows["area"].unique().to_list(), source, freq)
        prev = base.with_columns(pl.col("period").dt.offset_by(f"{lag}mo"))
        grown = (
            rows.drop("value")
            .join(base.rename({"value": "_now"}), on=["area", "period"], how="left")
            .join(prev.rename({"value": "_prev"}), on=["area", "period"], how="left")
            .with_columns(derived.pct_change_expr(pl.col("_now"), pl.col("_prev")).alias("value"))
        )
        fixed.append(grown.select(rows.columns))
    return pl.concat(fixed, how="vertical_relaxed")


def _base_totals(code: str, areas: list[str], source: pl.DataFrame, freq: str) -> pl.DataFrame:
    """(area, period, value) of ``code`` over ``freq`` periods, from ``source`` or else the store."""
    base = source.filter(pl.col("indicator") == code, pl.col("area").is_in(areas))
    if base.is_empty():
        from analytics.load import load  # local: transforms stay usable without a store

        try:
            loaded = load(code, areas=areas)
        except NrisError:  # no store (or no such series): the rate stays empty, never averaged
            return pl.DataFrame(schema={"area": pl.Utf8, "period": pl.Date, "value": pl.Float64})
        assert isinstance(loaded, pl.DataFrame)
        base = _to_pl(loaded)
    own = base.filter(pl.col("freq") == freq)
    if own.is_empty():
        own = to_freq(base.filter(pl.col("freq") != freq), freq)
    return own.select("area", "period", "value")


def _weights(codes: Iterable[str], areas: Iterable[str]) -> pl.DataFrame:
    """Weight values by area: year (``_wy``) for annual weights, and period and freq (``_wp``,
    ``_wf``) so that a weight of the rows' own frequency is taken for the very same period."""
    from analytics.load import load  # local: transforms stay usable without a store

    w = load(list(codes), areas=list(areas))
    assert isinstance(w, pl.DataFrame)
    return w.select(
        pl.col("indicator").alias("_wcode"),
        "area",
        pl.col("period").dt.year().alias("_wy"),
        pl.col("value").alias("_w"),
        pl.col("period").alias("_wp"),
        pl.col("freq").alias("_wf"),
    )


def aggregate_areas(
    df: Frame, to: str = "nation", weights: pl.DataFrame | None = None, complete: bool = True
) -> Frame:
    """Aggregate areas up the tree by the area rule: communes to their province ("province"),
    provinces to regions ("region") or the nation ("nation").

    Additive indicators are summed; ``wmean`` indicators are averaged with their weight indicator
    (e.g. population) of the same year or the latest before; ``none`` indicators cannot be aggregated.
    ``weights`` (columns _wcode, area, _wy, _w) may be given to avoid reading the store.
    With ``complete`` (the default) a total is only given when every child reported: a province
    needs all its communes, a region or the nation all its provinces.
    Commune rows go commune -> province -> nation: for a region or the nation, a province with no row
    of its own in ``df`` counts with the total of its communes (a ``wmean`` one weighing as the sum of
    its communes' weights), so the result equals the communes' own sum or weighted mean.
    """
    if to not in ("nation", "region", "province"):
        raise NrisError(
            f"Cấp tổng hợp '{to}' không hợp lệ (nation, region, province)",
            f"bad level '{to}' (nation, region, province)",
        )
    areas = catalog().areas
    prov = areas[areas["level"] == "province"]
    com = areas[areas["level"] == "commune"]
    d = _to_pl(df)
    by_commune = d.filter(pl.col("area").is_in(com["code"].tolist()))
    if not by_commune.is_empty():
        by_commune = _roll_up(
            by_commune, dict(zip(com["code"], com["parent"], strict=True)), weights, complete
        )
    if to == "province":
        out = by_commune
    else:
        up = prov["parent"] if to == "region" else ["VN"] * len(prov)
        parent = dict(zip(prov["code"], up, strict=True))
        own = d.filter(pl.col("area").is_in(list(parent)))
        rows = own
        if "n_areas" in by_commune.columns:  # provinces with no row of their own: their communes
            key = ["indicator", "area", "period", "freq"]
            filled = by_commune.join(own, on=key, how="anti").drop("n_areas")
            rows = pl.concat([own, filled], how="diagonal_relaxed")
        out = _roll_up(rows, parent, weights, complete)
    return _like(out.drop("_w", strict=False), df)


def _roll_up(
    d: pl.DataFrame, parent: dict[str, str], weights: pl.DataFrame | None, complete: bool
) -> pl.DataFrame:
    """One step of :func:`aggregate_areas`: rows of the areas in ``parent`` to their parents, with
    ``n_areas`` (children reporting) and ``_w`` (their summed weight, for the next step up)."""
    d = d.filter(pl.col("area").is_in(list(parent))).with_columns(
        pl.col("area").replace_strict(parent).alias("_to"),
        _rule("area_agg").alias("_agg"),
        _rule("weight").alias("_wcode"),
        pl.col("period").dt.year().alias("_y"),
    )
    if "_w" not in d.columns:
        d = d.with_columns(pl.lit(None, pl.Float64).alias("_w"))
    bad = d.filter(pl.col("_agg") == "none")["indicator"].unique().to_list()
    if bad:
        raise NrisError(
            f"Chỉ tiêu {', '.join(bad)} không cộng gộp được theo địa bàn",
            f"indicator {', '.join(bad)} cannot be aggregated over areas",
        )
    need = d.filter(pl.col("_wcode").is_not_null() & (pl.col("_wcode") != ""))
    wcodes = need.filter(pl.col("_w").is_null())["_wcode"].unique().to_list()
    if wcodes:
        w = weights if weights is not None else _weights(wcodes, parent)
        if "_wp" in w.columns:  # a weight of the same period (a monthly flow weighing a rate)
            same = w.select(
                "_wcode",
                "area",
                pl.col("_wp").alias("period"),
                pl.col("_wf").alias("freq"),
                pl.col("_w").alias("_we"),
            ).unique(["_wcode", "area", "period", "freq"], keep="last")
            d = d.join(same, on=["_wcode", "area", "period", "freq"], how="left")
            d = d.with_columns(pl.coalesce("_w", "_we").alias("_w")).drop("_we")
            w = w.drop("_wp", "_wf")  # else, as for annual weights: that year's or an earlier one
        d = (
            d.sort("_y")
            .join_asof(
                w.rename({"_w": "_wj"}).sort("_wy"),
                left_on="_y",
                right_on="_wy",
                by=["_wcode", "area"],
                strategy="backward",
                check_sortedness=False,
            )
            .with_columns(pl.coalesce("_w", "_wj").alias("_w"))
            .drop("_wj", "_wy", strict=False)
        )
    reported = pl.col("value").is_not_null()
    value = (
        pl.when(pl.col("_agg").first() == "sum")
        .then(pl.col("value").sum())
        .otherwise((pl.col("value") * pl.col("_w")).sum() / pl.col("_w").filter(reported).sum())
    )
    extra = [c for c in ("unit", "status") if c in d.columns]
    out = d.group_by(["indicator", "_to", "period", "freq"]).agg(
        value.alias("value"),
        pl.col("area").count().alias("n_areas"),
        pl.col("_w").filter(reported).sum().alias("_w"),
        *[pl.col(c).first() for c in extra],
        *([pl.col("vintage").max()] if "vintage" in d.columns else []),
    )
    if complete:
        expected = (
            pl.DataFrame({"_to": list(parent.values())})
            .group_by("_to")
            .agg(pl.len().alias("_expected"))
        )
        out = out.join(expected, on="_to").filter(pl.col("n_areas") == pl.col("_expected"))
        out = out.drop("_expected")
    return out.rename({"_to": "area"}).sort(["indicator", "area", "freq", "period"])


def contributions(df: Frame, total: str, components: list[str]) -> Frame:
    """Contribution of each component to the total's growth on the same period last year (points).

    contribution_i = (x_i[t] - x_i[t-1y]) / total[t-1y] * 100, so the contributions sum to the total's
    growth when the components add up to the total.
    """
    d = _to_pl(df)
    base = d.filter(pl.col("indicator") == total).select(
        "area", "freq", pl.col("period").dt.offset_by("12mo"), pl.col("value").alias("_total_prev")
    )
    comp = d.filter(pl.col("indicator").is_in(components))
    prev = comp.select(
        GROUP + [pl.col("period").dt.offset_by("12mo"), pl.col("value").alias("_prev")]
    )
    out = comp.join(prev, on=GROUP + ["period"], how="left").join(
        base, on=["area", "freq", "period"], how="left"
    )
    out = out.with_columns(
        ((pl.col("value") - pl.col("_prev")) / pl.col("_total_prev") * 100).alias("value")
    ).drop("_prev", "_total_prev")
    if "unit" in out.columns:
        out = out.with_columns(pl.lit("điểm %").alias("unit"))
    return _like(out.sort(GROUP + ["period"]), df)


def rebase(df: Frame, base: int | str | dt.date) -> Frame:
    """Rebase an index so that the base year (int) or base period averages 100."""
    d = _to_pl(df)
    if isinstance(base, int):
        in_base = pl.col("period").dt.year() == base
    else:
        in_base = pl.col("period") == pd.Timestamp(base).date()
    ref = d.filter(in_base).group_by(GROUP).agg(pl.col("value").mean().alias("_ref"))
    out = (
        d.join(ref, on=GROUP, how="left")
        .with_columns((pl.col("value") / pl.col("_ref") * 100).alias("value"))
        .drop("_ref")
    )
    return _like(out, df)
