"""analytics.calendar, the one owner of periods: reading them, keys, windows, deadlines, Tết."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pandas as pd
import pytest

from analytics import calendar
from analytics.catalog import catalog
from analytics.errors import NrisError

D = dt.date


@pytest.mark.parametrize(
    "text, freq, start, named",
    [
        ("2026-10", "M", D(2026, 10, 1), "M"),
        ("Tháng 10/2026", "M", D(2026, 10, 1), "M"),
        ("10/2026", "M", D(2026, 10, 1), "M"),
        ("2026-Q3", "Q", D(2026, 7, 1), "Q"),
        ("Quý III/2026", "Q", D(2026, 7, 1), "Q"),
        ("Q4 2026", "Q", D(2026, 10, 1), "Q"),
        ("2026-H1", "6M", D(2026, 1, 1), "6M"),
        ("6 tháng đầu năm 2026", "6M", D(2026, 1, 1), "6M"),
        ("2026-9M", "9M", D(2026, 1, 1), "9M"),
        ("Năm 2026", "A", D(2026, 1, 1), "A"),
        ("2026-10-23", "adhoc", D(2026, 10, 23), "D"),
        ("2026-10-23", "M", D(2026, 10, 1), "M"),
        ("2026-13", "M", None, None),
        ("tháng mười", "M", None, None),
    ],
)
def test_read_period(text: str, freq: str, start: dt.date | None, named: str | None) -> None:
    assert calendar.read_period(text, freq) == (start, named)


def test_parse_period_aligns_to_the_frequency_and_refuses_in_both_languages() -> None:
    assert calendar.parse_period("2026-08", "Q") == D(2026, 7, 1)
    assert calendar.parse_period("2026", "9M") == D(2026, 1, 1)
    assert calendar.parse_period(D(2026, 11, 30), "Q") == D(2026, 10, 1)
    keys = [calendar.period_key(calendar.parse_period(t, f), f) for t, f in
            [("2026-10", "M"), ("2026-08", "Q"), ("2026-H1", "6M"), ("2026", "9M"), ("2026", "A")]]  # fmt: skip
    assert keys == ["2026-10", "2026-Q3", "2026-6M", "2026-9M", "2026"]
    with pytest.raises(NrisError) as err:
        calendar.parse_period("2026-13", "M")
    assert err.value.vi.startswith("Kỳ '2026-13' không hợp lệ") and "bad period" in err.value.en


def test_administrative_and_statistical_reference_periods() -> None:
    # administrative (Decree 09/2019): 15 Sep - 14 Oct, due 4 days later at 17:00
    assert calendar.cutoff_window(D(2026, 10, 1), "M") == (D(2026, 9, 15), D(2026, 10, 14))
    assert calendar.report_deadline(D(2026, 10, 1), "M", 4) == pd.Timestamp("2026-10-18 17:00")
    assert calendar.cutoff_window(D(2026, 1, 1), "A") == (D(2025, 12, 15), D(2026, 12, 14))
    # statistical (Statistics Law): the calendar month, due on the 6th of the next month
    assert calendar.cutoff_window(D(2026, 10, 1), "M", "calendar") == (
        D(2026, 10, 1),
        D(2026, 10, 31),
    )
    assert calendar.report_deadline(D(2026, 10, 1), "M", 6, "calendar") == pd.Timestamp(
        "2026-11-06 17:00"
    )
    assert calendar.report_deadline(D(2026, 7, 1), "Q", 6, "calendar") == pd.Timestamp(
        "2026-10-06 17:00"
    )


def test_statistical_regimes_are_the_only_calendar_ones() -> None:
    reg = catalog().regimes.set_index("code")["reference"]
    assert set(reg[reg == "calendar"].index) == {c for c in reg.index if c.startswith("TK_")}
    assert len(reg[reg == "calendar"]) >= 5


def test_tet_under_any_locale() -> None:
    """holidays names days in the locale's language: Tết must be found under every locale."""
    code = "from analytics.calendar import tet_date; print(tet_date(2015), tet_date(2026))"
    for lang in (None, "C", "C.UTF-8", "vi_VN.UTF-8"):
        env = {k: v for k, v in os.environ.items() if not k.startswith("LC_") and k != "LANG"}
        if lang:
            env["LANG"] = lang
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert out.stdout.split() == ["2015-02-19", "2026-02-17"], lang
