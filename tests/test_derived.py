"""Derived figures: no % change on a zero or negative base, rates in points, growth over a longer
period from the period totals of the base series, and the summary and reports that use them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from analytics import derived
from analytics import transforms as tf


def test_change_kinds_follow_the_catalog() -> None:
    kinds = derived.change_kinds()
    assert kinds["TRADE_BALANCE"] == kinds["BUDGET_BALANCE"] == derived.BALANCE
    assert kinds["UNEMPLOYMENT_RATE"] == kinds["HEALTH_INSURANCE_COVERAGE"] == derived.POINTS
    assert kinds["CPI_YOY"] == kinds["GDP_GROWTH_YTD"] == derived.GROWTH
    # levels, and rates in other units (VND per USD, million VND), change in per cent
    for code in ("EXPORTS", "CPI", "POPULATION", "EXCHANGE_RATE_USD", "AVG_MONTHLY_INCOME"):
        assert kinds[code] == derived.PERCENT, code


@pytest.mark.parametrize(
    "value, base, kind, expected",
    [
        (110.0, 100.0, derived.PERCENT, 10.0),
        (90.0, 100.0, derived.PERCENT, -10.0),
        (-725.0, -300.0, derived.PERCENT, None),  # negative base: no percent change
        (50.0, 0.0, derived.PERCENT, None),  # zero base
        (2.2, 2.5, derived.POINTS, -0.3),
        (-725.0, 5300.0, derived.BALANCE, None),
        (2.67, 3.1, derived.GROWTH, None),
    ],
)
def test_change_by_kind(value: float, base: float, kind: str, expected: float | None) -> None:
    got = derived.change(value, base, kind)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


def _monthly(code: str, values: list[float], start: str = "2025-01-01") -> pl.DataFrame:
    periods = pd.date_range(start, periods=len(values), freq="MS").date
    return pl.DataFrame(
        {
            "indicator": code,
            "area": "VN",
            "period": list(periods),
            "freq": "M",
            "value": [float(v) for v in values],
        }
    )


def test_growth_over_a_quarter_comes_from_period_totals_not_averaged_rates() -> None:
    # retail sales: 2025 Q1 = 100 + 100 + 400 = 600, 2026 Q1 = 110 + 120 + 400 = 630 -> +5.0%
    sales = _monthly("RETAIL_SALES", [100, 100, 400] + [100] * 9 + [110, 120, 400])
    rates = _monthly("RETAIL_SALES_YOY", [10.0, 20.0, 0.0], "2026-01-01")  # their mean is 10.0
    out = tf.to_freq(pl.concat([sales, rates]), "Q")
    got = out.filter(
        pl.col("indicator") == "RETAIL_SALES_YOY", pl.col("period") == dt.date(2026, 1, 1)
    )
    assert got["value"].to_list() == [pytest.approx(5.0)]
    nine = tf.to_freq(
        pl.concat([sales, _monthly("RETAIL_SALES_YOY", [1.0] * 9, "2026-01-01")]), "9M"
    )
    # no 2026 months past March for the base series: the 9-month rate is unknown, never averaged
    assert nine.filter(pl.col("indicator") == "RETAIL_SALES_YOY")["value"].to_list() == [None]


def test_index_growth_over_nine_months_uses_the_mean_index(use_store: Path) -> None:
    import analytics

    iip = analytics.load("IIP", areas=["VN"])
    rates = analytics.load("IIP_YOY", areas=["VN"])
    out = tf.to_freq(pl.concat([iip, rates], how="vertical_relaxed"), "9M")
    year = out["period"].max().year
    means = {
        y: iip.filter(pl.col("period").dt.year() == y, pl.col("period").dt.month() <= 9)[
            "value"
        ].mean()
        for y in (year - 1, year)
    }
    got = out.filter(pl.col("indicator") == "IIP_YOY", pl.col("period").dt.year() == year)
    assert got["value"].item() == pytest.approx(100 * (means[year] / means[year - 1] - 1))


def test_report_figures_state_no_percent_change_of_a_balance(use_store: Path) -> None:
    from analytics import report

    fig = report.figures("VN", None, "M", indicators=["TRADE_BALANCE", "EXPORTS", "CPI_YOY"])
    rows = {r["indicator"]: r for r in fig.iter_rows(named=True)}
    assert rows["TRADE_BALANCE"]["change"] == derived.BALANCE
    assert rows["TRADE_BALANCE"]["prev"] is None and rows["TRADE_BALANCE"]["yoy"] is None
    assert rows["TRADE_BALANCE"]["ytd"] is not None  # the year's balance is still stated
    assert rows["EXPORTS"]["yoy"] is not None
    assert rows["CPI_YOY"]["prev"] is None  # a growth rate's own change is not stated
    text = " ".join(report.sentences(fig))
    assert "xuất siêu" in text or "nhập siêu" in text
    assert (
        "Cán cân thương mại hàng hóa tháng" in text
        and "% so với" not in text.split("Cán cân")[1].split(".")[0]
    )


def test_yoy_is_empty_on_a_negative_or_zero_base() -> None:
    bal = _monthly("TRADE_BALANCE", [-300, 0, 200] + [1] * 9 + [-725, 50, 250])
    out = tf.yoy(bal).filter(pl.col("period") >= dt.date(2026, 1, 1))
    assert out["value"].to_list() == [None, None, pytest.approx(25.0)]
