"""Pinned values of the reporting side: deadlines to the second, rates, warnings, transforms, cards.

A monthly provincial report for July 2022 (BC_KTXH_THANG) is due 4 days after its cut-off window
closes on 14 July, at 17:00: 18 July 2022 17:00:00. A file received at that second is on time; one
second later it is late, with exactly one ``late`` warning.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
from test_ingest_helpers import copy_store, form_grid, write_csv

import analytics
from analytics import ingest

DUE = dt.datetime(2022, 7, 18, 17, 0, 0)
PERIOD_LABEL = "Tháng 07/2022"


@pytest.fixture
def store_copy(demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = copy_store(demo_store, tmp_path / "store")
    monkeypatch.setenv("NRIS_STORE", str(folder))
    return folder


def test_deadline_is_pinned() -> None:
    from analytics.calendar import report_deadline

    assert report_deadline(dt.date(2022, 7, 1), "M", 4) == pd.Timestamp(DUE)


def test_clean_file_gives_no_warning_and_a_late_one_exactly_one(
    use_store: Path, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "hn.csv", form_grid())  # last period's figures: nothing unusual
    on_time, _ = ingest.check(path, "UBND_04", DUE)
    assert on_time.errors == [] and on_time.warnings == []
    late, _ = ingest.check(path, "UBND_04", DUE + dt.timedelta(seconds=1))
    assert late.errors == []
    assert [w.kind for w in late.warnings] == ["late"]
    assert "2022-07-18 17:00" in late.warnings[0].en


def test_national_only_indicator_for_a_province_is_refused(use_store: Path, tmp_path: Path) -> None:
    grid = form_grid("NSO", "TK_KTXH_THANG")
    row = next(r for r in grid if len(r) > 6 and r[1] == "CPI_MOM")
    grid.append([99, "CPI_MOM", row[2], "01", row[4], 0.5, None, None])
    checked, _ = ingest.check(write_csv(tmp_path / "nso.csv", grid), "NSO", DUE)
    assert [(e.kind, e.value) for e in checked.errors] == [("area_level", "01")]


def test_on_time_rate_counts_a_report_at_the_deadline_and_divides_by_expected(
    store_copy: Path, tmp_path: Path
) -> None:
    first = ingest.submit(write_csv(tmp_path / "a.csv", form_grid("UBND_04")), received_at=DUE)
    second = ingest.submit(
        write_csv(tmp_path / "b.csv", form_grid("UBND_01")),
        received_at=DUE + dt.timedelta(seconds=1),
    )
    assert (first.status, second.status) == ("accepted", "accepted")
    detail = analytics.reporting_detail("2022-07", "BC_KTXH_THANG", as_of="2022-07-19")
    state = dict(zip(detail["agency"], detail["state"], strict=True))
    assert (state["UBND_04"], state["UBND_01"]) == ("on_time", "late")
    [row] = analytics.reporting_status("2022-07", "BC_KTXH_THANG", as_of="2022-07-19").to_dict(
        "records"
    )
    assert (row["expected"], row["received"], row["on_time"], row["late"]) == (34, 2, 1, 1)
    assert (row["missing"], row["pending"]) == (32, 0)
    assert row["on_time_rate"] == 2.9  # 1 / 34, not 1 / 2
    assert row["reporting_rate"] == 5.9  # 2 / 34
    # before the deadline nobody is missing yet: the others are pending
    early = analytics.reporting_status("2022-07", "BC_KTXH_THANG", as_of="2022-07-18 16:59")
    assert early[["received", "missing", "pending"]].values.tolist() == [[0, 0, 34]]
    # at the deadline's very second the report is due; the row's columns and label are pinned
    at_due = analytics.reporting_status("2022-07", "BC_KTXH_THANG", as_of=DUE)
    assert list(at_due.columns) == analytics.reporting.STATUS_COLUMNS
    assert at_due[["due", "period_label"]].values.tolist() == [[True, PERIOD_LABEL]]


# -- transforms ---------------------------------------------------------------------------------
def _frame(indicator: str, values: list[float | None], start: str = "2024-01-01") -> pl.DataFrame:
    periods = pd.date_range(start, periods=len(values), freq="MS").date
    return pl.DataFrame(
        {
            "indicator": indicator,
            "area": "VN",
            "freq": "M",
            "period": list(periods),
            "value": values,
        }
    )


def test_yoy_is_null_against_a_base_that_is_not_positive() -> None:
    base = [100.0, -50.0, 0.0] + [1.0] * 9
    now = [110.0, 20.0, 5.0] + [1.0] * 9
    got = analytics.yoy(_frame("EXPORTS", base + now))["value"].to_list()
    assert got[:12] == [None] * 12
    assert got[12] == pytest.approx(10.0)
    assert got[13:15] == [None, None]  # against a deficit and a zero: no % change
    assert got[15:] == [0.0] * 9


def test_to_freq_takes_each_indicators_time_rule() -> None:
    values = [float(v) for v in range(1, 13)]
    sums = analytics.to_freq(_frame("EXPORTS", values), "Q")["value"].to_list()  # flow: sum
    means = analytics.to_freq(_frame("CPI", values), "Q")["value"].to_list()  # index: mean
    assert sums == [6.0, 15.0, 24.0, 33.0]
    assert means == [2.0, 5.0, 8.0, 11.0]
    last = [r for r in ("PUBLIC_INVEST_RATE", "CPI_YTD_AVG") if _time_agg(r) == "last"]
    assert last, "the catalog has a 'last' indicator"
    assert analytics.to_freq(_frame(last[0], values), "Q")["value"].to_list() == [3, 6, 9, 12]
    assert analytics.to_freq(_frame("EXPORTS", values[:11]), "Q")["value"].to_list() == [
        6.0,
        15.0,
        24.0,
    ]  # the incomplete fourth quarter does not come out


def _time_agg(code: str) -> str:
    return str(analytics.indicators().set_index("code").loc[code, "time_agg"])


# -- overview cards -------------------------------------------------------------------------------
def _card(indicator: str, direction: str, yoy: float, measure: str = "flow", prev: float = 0.0):
    from workbench.briefings.pages.overview import card_html

    spark = pd.DataFrame({"value": [prev, 5.0]})
    row = pd.Series(
        {
            "indicator": indicator, "name_vi": "X", "name_en": "X", "decimals": 1, "spark": spark,
            "period": pd.Timestamp("2026-10-01"), "freq": "M", "measure": measure, "value": 5.0,
            "mom": 1.0, "yoy": yoy, "ytd": 50.0, "ytd_yoy": 2.0, "direction": direction,
            "change": "growth" if measure == "pct_change" else "percent",
        }
    )  # fmt: skip
    html = card_html(row, "vi")
    return html.split("--c:", 1)[1][:7]


def test_cards_are_coloured_by_the_indicators_good_direction() -> None:
    from analytics.charts import PALETTE

    GOOD, BAD, NEUTRAL = PALETTE["good"], PALETTE["bad"], PALETTE["neutral"]  # noqa: N806

    assert (GOOD, BAD, NEUTRAL) == ("#1a7f37", "#c62828", "#546e7a")
    assert _card("EXPORTS", "up", 6.5) == GOOD
    assert _card("EXPORTS", "up", -6.5) == BAD
    assert _card("CPI", "down", 3.2) == BAD
    assert _card("CPI", "down", -3.2) == GOOD
    assert _card("EXPORTS", "up", 0.04) == NEUTRAL  # shown as 0,0%
    assert _card("EXPORTS", "none", 6.5) == NEUTRAL
    assert _card("EXPORTS", "up", float("nan")) == NEUTRAL
    # a rate is judged on its change in percentage points from the previous period
    assert _card("CPI_YOY", "down", -9.9, measure="pct_change", prev=4.0) == BAD  # 4% -> 5%
    assert _card("CPI_YOY", "down", 9.9, measure="pct_change", prev=6.0) == GOOD  # 6% -> 5%


def test_on_time_rate_with_two_reports_on_time_and_default_as_of_and_period(
    store_copy: Path, tmp_path: Path
) -> None:
    for agency, received in (
        ("UBND_04", DUE - dt.timedelta(days=1)),
        ("UBND_01", DUE),
        ("UBND_08", DUE + dt.timedelta(hours=1)),
    ):
        grid = form_grid(agency)
        assert ingest.submit(write_csv(tmp_path / f"{agency}.csv", grid), received_at=received)
    grid = form_grid("UBND_04")
    row = next(r for r in grid if len(r) > 6 and isinstance(r[0], int))
    row[5] = float(row[5]) + 1  # a corrected figure: a second accepted report, not a duplicate
    again = ingest.submit(write_csv(tmp_path / "again.csv", grid), received_at=DUE)
    assert again.status == "accepted"
    [row] = analytics.reporting_status("2022-07", "bc_ktxh_thang").to_dict("records")  # now
    assert (row["expected"], row["received"], row["on_time"], row["late"]) == (34, 3, 2, 1)
    assert (row["missing"], row["pending"], row["due"]) == (31, 0, True)
    assert (row["on_time_rate"], row["reporting_rate"]) == (5.9, 8.8)  # 2 / 34 and 3 / 34
    accepted, every = analytics.submissions("accepted"), analytics.submissions()
    assert list(accepted.columns) == list(every.columns)  # filtered, no old index as a column
    assert accepted.index.tolist() == list(range(len(every)))  # every attempt was accepted
    # no period: the latest month with an accepted monthly report (July now, June before)
    detail = analytics.reporting_detail(regime="BC_KTXH_THANG")
    assert set(detail["period"]) == {dt.date(2022, 7, 1)}
    assert list(detail.columns) == [
        *("regime", "period", "freq", "agency", "deadline", "received_at", "submissions", "state")
    ]
    assert detail["submissions"].dtype == "int64"
    assert sorted(detail["submissions"])[:32] == [0] * 31 + [1]  # nobody else sent anything
    got = detail[detail["agency"].isin(["UBND_01", "UBND_04", "UBND_08"])]
    assert got[["agency", "submissions", "state"]].values.tolist() == [
        ["UBND_01", 1, "on_time"],
        ["UBND_04", 2, "on_time"],
        ["UBND_08", 1, "late"],
    ]
    assert got["received_at"].tolist() == [
        pd.Timestamp(DUE),
        pd.Timestamp(DUE - dt.timedelta(days=1)),  # the first of its two reports
        pd.Timestamp(DUE + dt.timedelta(hours=1)),
    ]
    # as of a moment before a report arrived, that report does not count
    before = analytics.reporting_status("2022-07", "BC_KTXH_THANG", as_of=DUE)
    assert before[["received", "on_time", "late", "missing"]].values.tolist() == [[2, 2, 0, 32]]


def test_regimes_come_in_frequency_order_each_with_its_own_period(use_store: Path) -> None:
    wanted = ["BC_KTXH_NAM", "BC_KTXH_9THANG", "BC_KTXH_QUY", "BC_KTXH_THANG"]
    out = analytics.reporting_status("2022-08-15", wanted, as_of="2022-08-10")
    assert out[["regime", "period", "freq", "due", "missing", "pending"]].values.tolist() == [
        ["BC_KTXH_THANG", dt.date(2022, 8, 1), "M", False, 0, 34],
        ["BC_KTXH_QUY", dt.date(2022, 7, 1), "Q", False, 0, 34],
        ["BC_KTXH_9THANG", dt.date(2022, 1, 1), "9M", False, 0, 34],
        ["BC_KTXH_NAM", dt.date(2022, 1, 1), "A", False, 0, 34],
    ]
    # after September a nine-month regime has no period; a month's report is due
    late_year = analytics.reporting_status("2022-10", wanted, as_of="2022-11-30")
    assert late_year[["regime", "due"]].values.tolist() == [
        ["BC_KTXH_THANG", True],
        ["BC_KTXH_QUY", False],
        ["BC_KTXH_NAM", False],
    ]
    with pytest.raises(analytics.errors.NrisError):
        analytics.reporting_status("2022-10", ["BC_KTXH_THANG", "NO_SUCH_REGIME"])
    # a nine-month regime alone in October: nothing expected, an empty table with its columns
    none = analytics.reporting_status("2022-10", "BC_KTXH_9THANG", as_of="2022-11-30")
    assert none.empty and list(none.columns) == analytics.reporting.STATUS_COLUMNS
    detail = analytics.reporting_detail("2022-10", "BC_KTXH_9THANG", as_of="2022-11-30")
    assert detail.empty and "state" in detail.columns


def test_submission_history_defaults_to_the_national_series(use_store: Path) -> None:
    hist = analytics.submission_history("CPI", period="2022-06")
    assert hist.to_dict("records") == [
        {
            "indicator": "CPI",
            "area": "VN",
            "period": pd.Timestamp("2022-06-01"),
            "freq": "M",
            "value": 112.28,
            "unit": "chỉ số (2019=100)",
            "status": "preliminary",
            "vintage": pd.Timestamp("2022-07-04 07:00"),
            "submission_id": 9676,
            "agency": "NSO",
            "regime": "TK_KTXH_THANG",
            "file_name": "demo",
            "received_at": pd.Timestamp("2022-07-04 07:00"),
            "source": "demo",
        }
    ]  # one vintage, sent by NSO (the demo's store), as its only row: no index column


def test_a_statistical_report_is_due_after_the_calendar_month(use_store: Path) -> None:
    """TK_KTXH_THANG's window is the calendar month (reference: calendar): due 6 days after it, on
    GSO's release day, not 6 days after the administrative cut-off on the 14th."""
    [row] = analytics.reporting_detail("2022-07", "TK_KTXH_THANG").to_dict("records")
    assert (row["agency"], row["deadline"]) == ("NSO", pd.Timestamp("2022-08-06 17:00"))
    status = analytics.reporting_status("2022-07", "TK_KTXH_THANG", as_of="2022-08-06 16:59")
    assert status[["due", "missing", "pending"]].values.tolist() == [[False, 0, 1]]
