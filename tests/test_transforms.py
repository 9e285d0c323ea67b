"""Every transform against values computed by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import polars as pl
import pytest

from analytics import transforms as tf


def monthly(
    indicator: str, values: list[float], area: str = "VN", start: str = "2023-01-01"
) -> pl.DataFrame:
    periods = pd.date_range(start, periods=len(values), freq="MS").date
    return pl.DataFrame(
        {
            "indicator": indicator,
            "area": area,
            "period": list(periods),
            "freq": "M",
            "value": [float(v) for v in values],
            "unit": "x",
        }
    )


def at(
    df: pl.DataFrame, period: str, indicator: str | None = None, area: str = "VN"
) -> float | None:
    d = df.filter((pl.col("period") == dt.date.fromisoformat(period)) & (pl.col("area") == area))
    if indicator:
        d = d.filter(pl.col("indicator") == indicator)
    assert len(d) == 1, d
    return d["value"][0]


EXPORTS = monthly("EXPORTS", [100 + i for i in range(24)])  # 2023-01 .. 2024-12, time rule: sum


def test_mom_and_yoy():
    assert at(tf.mom(EXPORTS), "2023-02-01") == pytest.approx(1.0)
    assert at(tf.mom(EXPORTS), "2023-01-01") is None
    assert at(tf.yoy(EXPORTS), "2024-01-01") == pytest.approx(12.0)
    assert at(tf.yoy(EXPORTS), "2023-12-01") is None
    assert tf.yoy(EXPORTS)["unit"].unique().to_list() == ["%"]


def test_yoy_joins_on_the_calendar_not_on_rows():
    gappy = EXPORTS.filter(pl.col("period") != dt.date(2023, 6, 1))
    assert at(tf.yoy(gappy), "2024-06-01") is None
    assert at(tf.yoy(gappy), "2024-07-01") == pytest.approx((118 / 106 - 1) * 100)


def test_ytd_sum_and_ytd_yoy():
    assert at(tf.ytd(EXPORTS), "2024-03-01") == pytest.approx(112 + 113 + 114)
    assert at(tf.ytd(EXPORTS), "2023-12-01") == pytest.approx(sum(range(100, 112)))
    assert at(tf.ytd_yoy(EXPORTS), "2024-03-01") == pytest.approx((339 / 303 - 1) * 100)


def test_ytd_mean_rule_and_gap():
    cpi = monthly("CPI", [100, 102, 104, 106])
    assert at(tf.ytd(cpi), "2023-03-01") == pytest.approx(102.0)
    gappy = cpi.filter(pl.col("period") != dt.date(2023, 2, 1))
    assert at(tf.ytd(gappy), "2023-03-01") is None


def test_to_freq_sum_rule():
    assert at(tf.to_freq(EXPORTS, "Q"), "2023-01-01") == pytest.approx(303)
    assert at(tf.to_freq(EXPORTS, "Q"), "2024-10-01") == pytest.approx(121 + 122 + 123)
    h1 = tf.to_freq(EXPORTS, "6M")
    assert at(h1, "2023-01-01") == pytest.approx(sum(range(100, 106)))
    assert h1["freq"].unique().to_list() == ["6M"]
    assert at(tf.to_freq(EXPORTS, "9M"), "2024-01-01") == pytest.approx(sum(range(112, 121)))
    assert at(tf.to_freq(EXPORTS, "A"), "2023-01-01") == pytest.approx(sum(range(100, 112)))


def test_to_freq_mean_rule_and_incomplete_periods():
    cpi = monthly("CPI", [100, 101, 105, 110, 111])
    q = tf.to_freq(cpi, "Q")
    assert at(q, "2023-01-01") == pytest.approx(102.0)
    assert len(q) == 1  # Q2 has two of its three months: not a complete quarter


def test_to_freq_from_quarters_and_last_rule():
    pop = pl.DataFrame(
        {
            "indicator": "LABOUR_FORCE",
            "area": "VN",
            "freq": "Q",
            "unit": "x",
            "period": [dt.date(2023, m, 1) for m in (1, 4, 7, 10)],
            "value": [10.0, 20.0, 30.0, 40.0],
        }
    )
    assert at(tf.to_freq(pop, "A"), "2023-01-01") == pytest.approx(25.0)  # LABOUR_FORCE: mean
    credit = monthly("CREDIT_GROWTH_YTD", [1, 2, 3, 4, 5, 6])  # time rule: last
    assert at(tf.to_freq(credit, "6M"), "2023-01-01") == pytest.approx(6.0)


def test_to_freq_rejects_bad_frequency():
    with pytest.raises(Exception, match="bad frequency 'W'"):
        tf.to_freq(EXPORTS, "W")


def test_aggregate_areas_sum_and_region():
    rs = pl.concat(
        [
            monthly("RETAIL_SALES", [10, 20], area="01"),
            monthly("RETAIL_SALES", [5, 6], area="79"),
            monthly("RETAIL_SALES", [1, 2], area="31"),
        ]
    )
    assert tf.aggregate_areas(rs, to="nation").is_empty()  # 3 of 34 provinces: no national total
    nation = tf.aggregate_areas(rs, to="nation", complete=False)
    assert at(nation, "2023-01-01") == pytest.approx(16)
    assert nation["n_areas"].to_list() == [3, 3]
    regions = tf.aggregate_areas(rs, to="region", complete=False)
    from analytics import areas

    parent = dict(zip(areas()["code"], areas()["parent"], strict=True))
    assert parent["01"] == parent["31"]  # Hà Nội and Hải Phòng: Red River Delta
    assert at(regions, "2023-02-01", area=parent["01"]) == pytest.approx(22)
    assert at(regions, "2023-02-01", area=parent["79"]) == pytest.approx(6)


def test_aggregate_areas_weighted_mean():
    cpi = pl.concat([monthly("CPI", [100], area="01"), monthly("CPI", [110], area="79")])
    weights = pl.DataFrame(
        {"_wcode": "POPULATION", "area": ["01", "79"], "_wy": [2022, 2022], "_w": [1.0, 3.0]}
    )
    out = tf.aggregate_areas(cpi, to="nation", weights=weights, complete=False)
    assert at(out, "2023-01-01") == pytest.approx((100 * 1 + 110 * 3) / 4)


def test_aggregate_areas_refuses_non_additive():
    with pytest.raises(Exception, match="cannot be aggregated"):
        tf.aggregate_areas(monthly("CPI_YOY", [3.0], area="01"), to="nation")


def test_contributions_sum_to_growth():
    df = pl.concat(
        [
            monthly("TRADE_BALANCE", [100] + [0] * 11 + [107]),
            monthly("EXPORTS", [60] + [0] * 11 + [66]),
            monthly("IMPORTS", [40] + [0] * 11 + [41]),
        ]
    )
    c = tf.contributions(df, "TRADE_BALANCE", ["EXPORTS", "IMPORTS"])
    assert at(c, "2024-01-01", "EXPORTS") == pytest.approx(6.0)
    assert at(c, "2024-01-01", "IMPORTS") == pytest.approx(1.0)


def test_rebase():
    cpi = monthly("CPI", [90, 110, 121])
    out = tf.rebase(cpi, 2023)
    assert at(out, "2023-03-01") == pytest.approx(121 / 107 * 100)
    assert at(tf.rebase(cpi, "2023-02-01"), "2023-01-01") == pytest.approx(90 / 110 * 100)


def test_pandas_in_pandas_out():
    out = tf.yoy(EXPORTS.to_pandas())
    assert isinstance(out, pd.DataFrame)
    assert out.loc[out["period"] == pd.Timestamp("2024-01-01"), "value"].iloc[0] == pytest.approx(
        12.0
    )


def test_mom_gives_pandas_for_pandas_and_nothing_for_nothing():
    out = tf.mom(EXPORTS.to_pandas())
    assert isinstance(out, pd.DataFrame)
    assert pd.isna(out["value"].iloc[0])
    assert out["value"].iloc[1:3].tolist() == pytest.approx([1.0, 100 / 101])
    empty = tf.mom(EXPORTS.clear())
    assert empty.is_empty() and empty.columns == EXPORTS.columns


def test_ytd_last_rule_keeps_each_value_and_the_columns():
    credit = monthly("CREDIT_GROWTH_YTD", [1.5, 2.5, 4.0])  # time rule: last
    assert tf.ytd(credit)["value"].to_list() == [1.5, 2.5, 4.0]
    assert tf.ytd(EXPORTS).columns == EXPORTS.columns  # no helper column left behind


def test_rebase_keeps_a_series_without_base_rows_and_pandas_stays_pandas():
    cpi = pl.concat(
        [monthly("CPI", [90, 110]), monthly("CPI", [100, 120], start="2024-01-01", area="01")]
    )
    out = tf.rebase(cpi, 2023)
    assert len(out) == 4
    assert out.filter(pl.col("area") == "01")["value"].to_list() == [None, None]
    back = tf.rebase(cpi.to_pandas(), 2023)
    assert isinstance(back, pd.DataFrame)
    assert back.loc[back["area"] == "VN", "value"].tolist() == pytest.approx([90.0, 110.0])


def test_contributions_keep_every_row_the_columns_and_the_unit():
    df = pl.concat(
        [
            monthly("TRADE_BALANCE", [100] + [0] * 11 + [107]),
            monthly("EXPORTS", [60] + [0] * 11 + [66]),
        ]
    )
    c = tf.contributions(df, "TRADE_BALANCE", ["EXPORTS"])
    assert c.columns == df.columns
    assert len(c) == 13  # the first year has no base: null, not dropped
    assert c["value"].null_count() == 12
    assert c["unit"].unique().to_list() == ["điểm %"]
    back = tf.contributions(df.to_pandas(), "TRADE_BALANCE", ["EXPORTS"])
    assert isinstance(back, pd.DataFrame)
    assert back["value"].iloc[-1] == pytest.approx(6.0)


def test_ytd_gives_pandas_for_pandas():
    out = tf.ytd(EXPORTS.to_pandas())
    assert isinstance(out, pd.DataFrame)
    assert out["value"].iloc[2] == pytest.approx(303.0)


def test_to_freq_recomputes_growth_from_the_base_totals():
    sales = monthly("RETAIL_SALES", [100 + i for i in range(24)])  # sum rule
    rate = monthly("RETAIL_SALES_YOY", [50.0] * 24)  # a monthly rate: never averaged
    q = tf.to_freq(pl.concat([sales, rate]), "Q")
    assert at(q, "2024-01-01", "RETAIL_SALES_YOY") == pytest.approx((339 / 303 - 1) * 100)
    assert at(q, "2023-01-01", "RETAIL_SALES_YOY") is None  # no quarter a year before


def test_to_freq_keeps_the_latest_vintage_and_skips_rows_already_at_the_frequency():
    v = EXPORTS.head(3).with_columns(pl.Series("vintage", [1, 3, 2]))
    q = tf.to_freq(v, "Q")
    assert q["vintage"].to_list() == [3]
    assert q.columns == v.columns
    quarters = tf.to_freq(q, "Q")
    assert quarters.is_empty() and quarters.columns == v.columns


def test_to_freq_names_a_bad_frequency_in_both_languages():
    with pytest.raises(tf.NrisError) as err:
        tf.to_freq(EXPORTS, "W")
    assert err.value.vi == "Tần suất 'W' không hợp lệ (Q, 6M, 9M, A)"


def test_aggregate_areas_rolls_communes_up_and_keeps_unit_status_and_latest_vintage():
    from analytics import areas

    a = areas()
    communes = a.loc[(a["level"] == "commune") & (a["parent"] == "01"), "code"].tolist()[:3]
    rows = pl.concat(
        [monthly("RETAIL_SALES", [float(i + 1)], area=c) for i, c in enumerate(communes)]
    ).with_columns(pl.lit("final").alias("status"), pl.Series("vintage", [2, 5, 1]))
    prov = tf.aggregate_areas(rows, to="province", complete=False)
    assert prov.columns == [*rows.columns[:4], "value", "n_areas", "unit", "status", "vintage"]
    assert prov.row(0)[:4] == ("RETAIL_SALES", "01", dt.date(2023, 1, 1), "M")
    assert prov.row(0)[4:] == (6.0, 3, "x", "final", 5)
    nation = tf.aggregate_areas(rows.to_pandas(), to="nation", complete=False)
    assert isinstance(nation, pd.DataFrame)
    assert nation[["area", "value", "n_areas"]].values.tolist() == [["VN", 6.0, 1]]
    assert tf.aggregate_areas(rows, to="province").is_empty()  # not every commune of 01 reported


def test_to_freq_of_a_pandas_frame_with_timestamps():
    frame = EXPORTS.to_pandas().assign(period=lambda d: pd.to_datetime(d["period"]))
    q = tf.to_freq(frame, "Q")
    assert isinstance(q, pd.DataFrame)
    assert q["value"].tolist()[:2] == [303.0, 312.0]
    assert q["period"].iloc[1] == pd.Timestamp("2023-04-01")
