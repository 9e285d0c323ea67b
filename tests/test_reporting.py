"""Reporting completeness and timeliness from the published submissions table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from test_ingest_helpers import copy_store, form_grid, write_csv

import analytics
from analytics import calendar, reporting, store


def test_demo_month_counts_missing_provinces(use_store: Path) -> None:
    status = analytics.reporting_status("2022-06", "BC_KTXH_THANG", as_of="2022-08-01")
    (row,) = status.itertuples()
    assert (row.expected, row.received, row.missing, row.pending) == (34, 31, 3, 0)
    assert row.on_time + row.late == row.received
    assert row.reporting_rate == round(100 * 31 / 34, 1)
    assert row.deadline == calendar.report_deadline(dt.date(2022, 6, 1), "M", 4)


def test_rates_agree_with_the_detail(use_store: Path) -> None:
    detail = analytics.reporting_detail("2021-12", as_of="2022-08-01")
    status = analytics.reporting_status("2021-12", as_of="2022-08-01")
    assert status["expected"].sum() == len(detail)
    assert (status["received"] + status["missing"] + status["pending"] == status["expected"]).all()
    demo_subs = analytics.submissions("accepted")
    dec = demo_subs[(demo_subs["period"] == dt.date(2021, 12, 1)) & (demo_subs["freq"] == "M")]
    late = dec.merge(detail, on=["regime", "period", "agency"])
    late = late[pd.to_datetime(late["received_at_x"]) > late["deadline"]]
    assert set(late["agency"]) == set(detail.loc[detail["state"] == "late", "agency"]) & set(
        late["agency"]
    )
    assert "BC_DOTXUAT_TTG" not in set(status["regime"])  # ad hoc: nothing expected


def test_not_due_is_pending_not_missing(use_store: Path) -> None:
    status = analytics.reporting_status("2022-06", "BC_KTXH_QUY", as_of="2022-06-10")
    (row,) = status.itertuples()
    assert not row.due and row.missing == 0 and row.pending == row.expected == 34  # due 18 June


def test_status_reads_while_a_writer_holds_the_store(
    demo_store: Path, tmp_path: Path, monkeypatch
) -> None:
    folder = copy_store(demo_store, tmp_path / "store")
    monkeypatch.setenv("NRIS_STORE", str(folder))
    with store.writer():  # the database is open for writing: the read side still answers
        status = analytics.reporting_status("2022-06", as_of="2022-08-01")
    assert len(status) > 20


def test_a_rejected_attempt_is_visible_but_does_not_count(
    demo_store: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("NRIS_STORE", str(copy_store(demo_store, tmp_path / "store")))
    grid = form_grid()
    bad = [row[:] for row in grid]
    next(r for r in bad if len(r) > 6 and r[1] == "CPI")[5] = "x"
    at = dt.datetime(2022, 7, 20, 9)
    assert (
        analytics.submit(write_csv(tmp_path / "bad.csv", bad), received_at=at).status == "rejected"
    )
    assert analytics.submissions("rejected")["file_name"].tolist() == ["bad.csv"]
    detail = reporting.reporting_detail("2022-07", "BC_KTXH_THANG", as_of="2022-08-01")
    assert detail.set_index("agency").loc["UBND_04", "state"] == "missing"
    assert analytics.submit(write_csv(tmp_path / "ok.csv", grid), received_at=at).ok
    detail = reporting.reporting_detail("2022-07", "BC_KTXH_THANG", as_of="2022-08-01")
    assert detail.set_index("agency").loc["UBND_04", "state"] == "late"  # due 18 July, 17:00


def test_regime_period_pins_each_frequency_and_the_end_of_six_and_nine_months() -> None:
    from analytics.reporting import regime_period

    day = dt.date
    assert regime_period("6M", day(2026, 6, 30)) == day(2026, 1, 1)
    assert regime_period("6M", day(2026, 7, 1)) is None  # the six months are over
    assert regime_period("9M", day(2026, 9, 5)) == day(2026, 1, 1)
    assert regime_period("9M", day(2026, 10, 1)) is None
    assert regime_period("Q", day(2026, 5, 9)) == day(2026, 4, 1)
    assert regime_period("A", day(2026, 5, 9)) == day(2026, 1, 1)
    assert regime_period("M", day(2026, 5, 9)) == day(2026, 5, 1)
