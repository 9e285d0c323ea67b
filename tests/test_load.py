from __future__ import annotations

import datetime as dt

import pandas as pd
import polars as pl
import pytest

import analytics
from analytics.errors import StoreError, UnknownCodeError


def test_unknown_indicator_lists_nearest(use_store):
    with pytest.raises(UnknownCodeError, match="EXPORTS") as err:
        analytics.load("EXPORT")
    assert "nearest valid codes" in str(err.value)


def test_unknown_area(use_store):
    with pytest.raises(UnknownCodeError, match="area '99'"):
        analytics.load("CPI", areas="99")


def test_a_code_near_nothing_is_not_told_the_first_codes_are_nearest() -> None:
    from analytics.errors import unknown_code

    err = unknown_code("địa bàn", "area", "XX", ["79", "01", "00004", "48", "02", "31"])
    assert err.en == "unknown area 'XX', and no valid code is close to it; 6 valid codes: " + (
        "00004, 01, 02, 31, 48, ..."
    )
    assert err.vi.startswith("Không có địa bàn 'XX' và không có mã nào gần giống; 6 mã hợp lệ")
    assert unknown_code("cơ quan", "agency", "X", ["A", "B"]).en.endswith("2 valid codes: A, B")
    near = unknown_code("chỉ tiêu", "indicator", "CPII", ["CPI", "IIP", "GDP"])
    assert near.en == "unknown indicator 'CPII'; nearest valid codes: CPI, IIP"


def test_area_codes_are_normalized(use_store):
    df = analytics.load("RETAIL_SALES", areas=[1, "79"], start="2021-01", end="2021-12")
    assert set(df["area"]) == {"01", "79"}
    assert df["period"].min() == dt.date(2021, 1, 1) and df["period"].max() == dt.date(2021, 12, 1)
    assert len(df) == 24


def test_one_row_per_key_and_pandas(use_store):
    df = analytics.load(["EXPORTS", "RETAIL_SALES"], frame="pandas")
    assert isinstance(df, pd.DataFrame)
    assert not df.duplicated(["indicator", "area", "period"]).any()
    assert {"indicator", "area", "period", "value", "unit", "status", "vintage"} <= set(df.columns)


def test_all_indicators(use_store):
    df = analytics.load(None)
    assert isinstance(df, pl.DataFrame)
    ind = analytics.indicators()
    # communes report since July 2025 (two-tier local government), after the test store's end
    communes_only = set(ind.loc[ind["levels"] == "commune", "code"])
    assert len(communes_only) >= 3
    assert set(df["indicator"].unique()) == set(ind["code"]) - communes_only


def test_no_store(empty_store):
    with pytest.raises(StoreError, match="nris demo"):
        analytics.load("CPI")


def test_rows_come_sorted_by_key(use_store):
    df = analytics.load(["RETAIL_SALES", "CPI", "EXPORTS"])
    assert df.equals(df.sort(["indicator", "area", "period", "freq"]))
    # the snapshot keeps its rows in key order, so load does not sort them: M, Q, 6M, 9M and A
    # figures starting on the same day, and every indicator at once, still come in key order
    assert analytics.snapshot_info()["order"][:4] == ["indicator", "area", "period", "freq"]
    every = analytics.load(None, freq="all")
    assert every.filter(pl.col("freq") != "M").height > 0
    assert every.equals(every.sort(["indicator", "area", "period", "freq"]))


def test_freq_defaults_to_the_indicators_own(use_store):
    """Provinces' 6-month reports carry H1 retail sales; they stay out of the monthly series."""
    assert set(analytics.load("RETAIL_SALES")["freq"]) == {"M"}
    h1 = analytics.load("RETAIL_SALES", areas="79", freq="6M")
    assert set(h1["freq"]) == {"6M"} and len(h1) == 8  # H1 2015 .. H1 2022
    months = analytics.load("RETAIL_SALES", areas="79", start="2022-01", end="2022-06")
    assert h1.filter(pl.col("period") == dt.date(2022, 1, 1))["value"].item() == pytest.approx(
        months["value"].sum(),
        rel=0.01,  # June is still preliminary
    )
    assert set(analytics.load("RETAIL_SALES", freq="all")["freq"]) == {"M", "6M", "9M"}


def test_reports_follow_the_consolidated_months_only(demo_store, tmp_path, monkeypatch):
    """A national monthly figure kept only as another agency's own series (authoritative false)
    does not make a scheduled report's period start; an authoritative one does."""
    from test_ingest_helpers import copy_store

    from analytics import store
    from workbench.jobs import latest_period

    monkeypatch.setenv("NRIS_STORE", str(copy_store(demo_store, tmp_path / "store")))
    path = store.snapshot_info()["path"]
    snap = pl.read_parquet(path)
    june = snap.filter(
        (pl.col("freq") == "M") & (pl.col("area") == "VN") & (pl.col("indicator") == "CPI")
    ).sort("period")[-1]
    assert june["period"].item() == dt.date(2022, 6, 1)
    assert latest_period("M") == dt.date(2022, 6, 1)
    assert latest_period("Q") == dt.date(2022, 4, 1)
    july = june.with_columns(period=pl.lit(dt.date(2022, 7, 1)), authoritative=pl.lit(False))
    pl.concat([snap, july]).write_parquet(path)
    assert analytics.load("CPI", areas="VN", start="2022-07", source="NSO").height == 1
    assert analytics.load("CPI", areas="VN", start="2022-07").height == 0
    assert latest_period("M") == dt.date(2022, 6, 1)
    pl.concat([snap, july.with_columns(authoritative=pl.lit(True))]).write_parquet(path)
    assert latest_period("M") == dt.date(2022, 7, 1)


@pytest.fixture(params=["UTC", "America/New_York", "Asia/Ho_Chi_Minh"])
def process_tz(request, monkeypatch: pytest.MonkeyPatch):
    """This process's own time zone (a server's), which must not matter."""
    import time

    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def test_as_of_with_an_offset_is_that_instant_in_vietnamese_time(use_store, process_tz) -> None:
    from analytics.load import vintages

    rows = vintages("CPI", "VN", "2022-01").sort("vintage")
    assert rows["status"].to_list()[:2] == ["preliminary", "official"]
    official = rows["vintage"][1]  # naive, Vietnamese time
    utc_before = (official - dt.timedelta(hours=7, minutes=1)).isoformat() + "+00:00"
    utc_after = (official - dt.timedelta(hours=6, minutes=59)).isoformat() + "+00:00"
    for as_of, status in [(utc_before, "preliminary"), (utc_after, "official")]:
        df = analytics.load("CPI", areas="VN", start="2022-01", end="2022-01", as_of=as_of)
        assert df["status"].to_list() == [status], as_of


def test_now_is_vietnamese_time_whatever_the_servers_zone(process_tz) -> None:
    """A report sent at 20:00 in Hà Nội is stamped 20:00 (late against 17:00), also on a UTC
    server, where the process's own clock reads 13:00."""
    from zoneinfo import ZoneInfo

    from analytics import calendar

    before = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).replace(tzinfo=None)
    stamped = calendar.now()
    after = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).replace(tzinfo=None)
    assert stamped.tzinfo is None and before <= stamped <= after


def test_start_after_end_is_refused() -> None:
    from analytics.errors import NrisError

    with pytest.raises(NrisError, match="the start 2022-06-01 is after the end 2022-01-01"):
        analytics.load("CPI", start="2022-06", end="2022-01")
