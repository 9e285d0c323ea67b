"""The demo data has the features economists and tests rely on."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import polars as pl
import pytest

import analytics
from analytics.calendar import tet_date, tet_share
from analytics.demo import generate_values
from analytics.store import read_query


def test_tet_dates_are_the_real_ones():
    assert tet_date(2024) == dt.date(2024, 2, 10)
    assert tet_date(2025) == dt.date(2025, 1, 29)
    assert tet_date(2026) == dt.date(2026, 2, 17)
    assert tet_share(["2025-01-01", "2025-02-01", "2025-03-01"]).round(3).tolist() == [
        0.833,
        0.167,
        0.0,
    ]


def test_tet_moves_january_industrial_production(use_store):
    """IIP falls year on year in a January that Tết moved into, and jumps when Tết moved out."""
    yoy = analytics.load("IIP_YOY", areas="VN").filter(pl.col("period").dt.month() == 1)
    years = [p.year for p in yoy["period"]]
    shift = [tet_share([f"{y}-01-01"])[0] - tet_share([f"{y - 1}-01-01"])[0] for y in years]
    assert np.corrcoef(shift, yoy["value"].to_numpy())[0, 1] < -0.7


def test_covid_shocks(use_store):
    arrivals = analytics.load("INTL_ARRIVALS", areas="VN").to_pandas().set_index("period")["value"]
    assert arrivals["2020-05-01"] < 0.1 * arrivals["2019-05-01"]
    gdp = analytics.load("GDP_GROWTH_Q", areas="VN").to_pandas().set_index("period")["value"]
    assert gdp["2021-07-01"] < 0 < gdp["2019-07-01"]
    assert gdp["2020-01-01":"2020-12-01"].mean() < gdp["2018-01-01":"2019-12-01"].mean()


def test_magnitudes(use_store):
    def mean_2022(code: str) -> float:
        d = analytics.load(code, areas="VN", start="2022-01")
        return float(d["value"].mean())

    assert 20_000 < mean_2022("EXPORTS") < 50_000  # million USD a month
    assert -1 < mean_2022("CPI_YOY") < 10
    assert mean_2022("UNEMPLOYMENT_RATE") > 1 and mean_2022("UNEMPLOYMENT_RATE") < 5
    assert 300_000 < mean_2022("RETAIL_SALES") < 800_000  # tỷ đồng a month


def test_provinces_add_up_to_the_nation(use_store):
    ind = analytics.indicators()
    additive = ind[(ind["area_agg"] == "sum") & ind["levels"].str.contains("province")][
        "code"
    ].tolist()
    df = analytics.load(additive)
    prov = (
        df.filter(pl.col("area") != "VN")
        .group_by("indicator", "period")
        .agg(pl.col("value").sum().alias("sum"), pl.len().alias("n"))
    )
    # The latest month lacks a few provinces' reports, so their May figures are still preliminary.
    settled = pl.col("period") < dt.date(2022, 5, 1)
    both = prov.join(df.filter(pl.col("area") == "VN"), on=["indicator", "period"]).filter(settled)
    assert (both["n"] == 34).all()
    assert len(both) > 500
    rel = ((both["sum"] - both["value"]).abs() / both["value"].abs().clip(1e-9)).max()
    assert rel < 1e-9
    # Only the latest month, with its missing reports, is incomplete.
    incomplete = prov.filter(pl.col("n") < 34)["period"].unique().to_list()
    assert incomplete == [dt.date(2022, 6, 1)]


def test_revisions_and_as_of(use_store):
    v = analytics.vintages("EXPORTS", "VN", "2021-03-01")
    assert v["status"][0] == "preliminary" and "official" in v["status"].to_list()
    assert v["vintage"].is_sorted()
    first, second = v["vintage"][0], v["vintage"][1]
    between = first + (second - first) / 2
    early = analytics.load("EXPORTS", areas="VN", start="2021-03", end="2021-03", as_of=between)
    late = analytics.load("EXPORTS", areas="VN", start="2021-03", end="2021-03")
    assert early["value"].item() == v["value"][0]
    assert late["value"].item() == v["value"][-1]
    assert early["value"].item() != late["value"].item()
    assert analytics.load("EXPORTS", as_of="2014-12-31").is_empty()


def test_late_and_missing_reports(use_store):
    subs = read_query("SELECT agency, regime, period, received_at FROM submissions")
    regimes = analytics.regimes().set_index("code")
    deadline = [
        pd.Timestamp(
            analytics.calendar.cutoff_window(
                p.date() if hasattr(p, "date") else p,
                regimes.loc[r, "frequency"]
                if regimes.loc[r, "frequency"] in ("M", "Q", "A")
                else "M",
                regimes.loc[r, "reference"],
            )[1]
        )
        + pd.Timedelta(days=int(regimes.loc[r, "deadline_days"]) + 1)
        for p, r in zip(subs["period"], subs["regime"], strict=True)
    ]
    late = (subs["received_at"] > pd.Series(deadline)).mean()
    assert 0.01 < late < 0.1
    june = subs[
        (subs["period"] == pd.Timestamp("2022-06-01")) & subs["agency"].str.startswith("UBND_")
    ]
    assert 0 < 34 - june["agency"].nunique() <= 5


def test_demo_is_deterministic():
    a = generate_values(pd.Timestamp("2016-06-01"), seed=7)
    b = generate_values(pd.Timestamp("2016-06-01"), seed=7)
    c = generate_values(pd.Timestamp("2016-06-01"), seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a["value"].equals(c["value"])


def test_snapshot_says_demo(use_store):
    assert analytics.snapshot_info()["demo"] is True


@pytest.mark.parametrize("code", ["EXPORTS", "CPI", "GDP_GROWTH_Q"])
def test_every_indicator_loads(use_store, code):
    assert not analytics.load(code).is_empty()


def test_region_totals_only_for_complete_periods(use_store):
    rs = analytics.load("RETAIL_SALES", start="2022-04")
    regions = analytics.aggregate_areas(rs, to="region")
    nation = analytics.aggregate_areas(rs, to="nation")
    assert (
        regions.filter(pl.col("period") == dt.date(2022, 6, 1)).height < 6
    )  # June lacks 3 provinces
    assert nation["period"].to_list() == [dt.date(2022, 4, 1), dt.date(2022, 5, 1)]
    april = rs.filter((pl.col("area") == "VN") & (pl.col("period") == dt.date(2022, 4, 1)))
    assert nation["value"][0] == april["value"].item()  # May: 3 provinces still preliminary
