"""Headline figures the way a Vietnamese report states them: this period, vs last, vs last year, YTD."""

from __future__ import annotations

import polars as pl

from analytics import narrative
from analytics.catalog import NATION, catalog
from analytics.errors import NrisError


def headline_table(area: str = NATION, period: str | None = None, freq: str = "M") -> pl.DataFrame:
    """One row per headline indicator of frequency ``freq``: the rows of
    :func:`analytics.report.figures` (value, change on the previous period as ``mom``, on the same
    period last year, year to date and its change, each stated as :mod:`analytics.derived` says),
    with ``unit`` in Vietnamese. ``period`` defaults to the latest period with data; an area with
    no data gives an empty frame.
    """
    from analytics import report  # local: report draws charts, which the summary does not need

    ind = catalog().indicators
    heads = ind.loc[(ind["headline"] == 1) & (ind["frequency"] == freq), "code"].tolist()
    try:
        fig = report.figures(area, period, freq, indicators=heads)
    except NrisError:
        if period is not None:
            raise
        return pl.DataFrame()
    return fig.rename({"prev": "mom"}).with_columns(pl.col("unit_vi").alias("unit"))


def headline_text(table: pl.DataFrame, lang: str = "vi") -> list[str]:
    """One sentence per row, as the statistics office writes it (:mod:`analytics.narrative`)."""
    return narrative.headline_sentences(table, lang)
