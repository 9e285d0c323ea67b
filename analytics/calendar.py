"""Calendar facts of Vietnamese reporting: Tết, periods, and the 15th-to-14th cut-off windows.

Tết (Lunar New Year) moves between late January and mid February. Monthly production, retail and
trade swing by double digits with it, so models and the demo generator need to know, for any month
(past or future), how much of Tết falls in it. ``holidays.VN`` knows the official holiday days.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import TYPE_CHECKING

from analytics.errors import NrisError
from analytics.fmt import MONTHS_EN
from analytics.submission_files import fold

FREQS = ("M", "Q", "6M", "9M", "A")
"""Period frequencies: month, quarter, six months (H1), nine months, year."""

MONTHS = {"M": 1, "Q": 3, "6M": 6, "9M": 9, "A": 12}
"""Months in a period of each frequency (6M and 9M run from January)."""

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}

TIMEZONE = "Asia/Ho_Chi_Minh"
"""The reporting regimes' clock: deadlines (17:00), cut-offs and schedules are Vietnamese times."""


def now() -> dt.datetime:
    """Vietnam's wall-clock time now, naive: what receipts, vintages and deadlines are compared in.

    Not the process's local time: a server kept in UTC (most containers are) would stamp a report
    sent at 20:00 in Hà Nội as 13:00 and count it on time against a 17:00 deadline.
    """
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(TIMEZONE)).replace(tzinfo=None)


if TYPE_CHECKING:  # pandas, numpy and holidays load in the functions that use them: reading and
    # naming a period (``nris run``'s parent, the scheduler's ledger) needs none of them
    import holidays
    import numpy as np
    import pandas as pd


def _vn_holidays(*years: int) -> holidays.HolidayBase:
    """Vietnam's public holidays named in English whatever the process locale.

    ``holidays`` names days in the locale's language by default (Vietnamese, or under no locale at
    all), so looking Tết up by its English name needs the language fixed here.
    """
    import holidays

    return holidays.VN(years=list(years), language="en_US")


@cache
def tet_days(year: int) -> tuple[dt.date, ...]:
    """The official Tết holiday days around the Lunar New Year of ``year`` (from ``holidays.VN``)."""
    days = [d for d, name in _vn_holidays(year - 1, year).items() if "Lunar New Year" in name]
    new_year = tet_date(year)
    return tuple(sorted(d for d in days if abs((d - new_year).days) <= 10))


@cache
def tet_date(year: int) -> dt.date:
    """The first day of the lunar year (Mùng 1 Tết) in ``year``."""
    for d, name in _vn_holidays(year).items():
        if name == "Lunar New Year":
            return d
    raise ValueError(f"holidays.VN does not know Tết of {year}")


def tet_window(year: int, before: int = 0, after: int = 0) -> list[dt.date]:
    """Tết holiday days widened by ``before`` days ahead and ``after`` days behind."""
    days = tet_days(year)
    start = days[0] - dt.timedelta(days=before)
    end = days[-1] + dt.timedelta(days=after)
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def tet_share(
    months: pd.Series | pd.DatetimeIndex | list, before: int = 0, after: int = 0
) -> np.ndarray:
    """Share of the (widened) Tết window falling in each month, for monthly period starts.

    Known for future months too, so it works as an exogenous regressor for forecasts.
    """
    import numpy as np
    import pandas as pd

    idx = pd.DatetimeIndex(pd.to_datetime(pd.Series(months)).dt.to_period("M").dt.start_time)
    out = np.zeros(len(idx))
    cache: dict[int, pd.Series] = {}
    for i, ts in enumerate(idx):
        if ts.month > 3:
            continue
        if ts.year not in cache:
            window = pd.DatetimeIndex(tet_window(ts.year, before, after)).to_period("M")
            cache[ts.year] = pd.Series(1.0, index=window).groupby(level=0).sum() / len(window)
        out[i] = cache[ts.year].get(ts.to_period("M"), 0.0)
    return out


def period_start(value: str | dt.date | pd.Timestamp, freq: str = "M") -> dt.date:
    """Start date of the period of ``freq`` containing ``value`` (a period text or a date).

    Texts are read by :func:`read_period`; 6-month and 9-month periods start in January.
    """
    if isinstance(value, str):
        start, _ = read_period(value, freq)
        if start is None:
            raise _bad_period(value)
        value = start
    ts: dt.date
    if isinstance(value, dt.date):  # dates, datetimes and pandas Timestamps
        ts = value
    else:
        import pandas as pd

        ts = pd.Timestamp(value)
    if freq == "M" or freq == "D":
        return dt.date(ts.year, ts.month, 1)
    if freq == "Q":
        return dt.date(ts.year, 3 * ((ts.month - 1) // 3) + 1, 1)
    return dt.date(ts.year, 1, 1)


def read_period(text: str, freq: str = "M") -> tuple[dt.date | None, str | None]:
    """Read a period as people write it; returns (start date, the frequency the text names).

    Understands "2026-10", "10/2026", "Tháng 10/2026", "2026-Q3", "Quý III/2026", "Q3 2026",
    "2026-H1", "6 tháng 2026", "9 tháng 2026", "2026-9M", "2026", "Năm 2026" and ISO dates (a day
    is named only for ad hoc regimes, ``freq="adhoc"``; otherwise it means its month).
    (None, None) when the text is not a period.
    """
    u = fold(text).replace(" ", "").replace("nam", "").strip(".:")
    if m := re.fullmatch(r"(\d{4})-?q([1-4])|(?:q|quy)([1-4]|iv|iii|ii|i)[/-]?(\d{4})", u):
        year, q = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        q_num = int(q) if q.isdigit() else _ROMAN[q]
        return dt.date(int(year), 3 * q_num - 2, 1), "Q"
    if m := re.fullmatch(r"(\d{4})-?(?:h1|6m|6thang)|(?:h1|6m|6thang(?:dau)?)[/-]?(\d{4})", u):
        return dt.date(int(m.group(1) or m.group(2)), 1, 1), "6M"
    if m := re.fullmatch(r"(\d{4})-?(?:9m|9thang)|(?:9m|9thang(?:dau)?)[/-]?(\d{4})", u):
        return dt.date(int(m.group(1) or m.group(2)), 1, 1), "9M"
    if m := re.fullmatch(r"(\d{4})(?:-?a)?", u):
        return dt.date(int(m.group(1)), 1, 1), "A"
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2})(?:t[\d:.]+)?)?", u) or re.fullmatch(
        r"(?:thang)?(\d{1,2})[/.-](\d{4})", u
    )
    if m:
        if len(m.group(1)) == 4:
            year, month, day = int(m.group(1)), int(m.group(2)), m.group(3)
        else:
            year, month, day = int(m.group(2)), int(m.group(1)), None
        if not 1 <= month <= 12:
            return None, None
        if day and freq == "adhoc":
            try:
                return dt.date(year, month, int(day)), "D"
            except ValueError:
                return None, None
        return dt.date(year, month, 1), "M"
    return None, None


def _bad_period(text: object) -> NrisError:
    return NrisError(
        f"Kỳ '{text}' không hợp lệ (vd. 2026-10, 2026-Q3, 2026-H1, 2026-9M, 2026)",
        f"bad period '{text}' (e.g. 2026-10, 2026-Q3, 2026-H1, 2026-9M, 2026)",
    )


def parse_period(text: str | dt.date, freq: str = "M") -> dt.date:
    """Start of the period of ``freq`` that ``text`` names or falls in ("2026-08" for a quarterly
    job is 2026-Q3); raises a bilingual :class:`NrisError` when it is not a period."""
    if isinstance(text, dt.date):
        return period_start(text, freq)
    start, _ = read_period(str(text), freq)
    if start is None:
        raise _bad_period(text)
    return period_start(start, freq)


def period_key(start: dt.date, freq: str) -> str:
    """The period's key as files and runs name it: 2026-10, 2026-Q3, 2026-6M, 2026-9M, 2026."""
    return {
        "M": f"{start:%Y-%m}",
        "Q": f"{start.year}-Q{(start.month - 1) // 3 + 1}",
        "6M": f"{start.year}-6M",
        "9M": f"{start.year}-9M",
        "A": f"{start.year}",
    }[freq]


def closed_period(when: dt.datetime | dt.date, freq: str) -> dt.date:
    """The period whose cut-off window (15th to 14th) has closed by ``when``: what a scheduled run
    fired at ``when`` reports on (20 Oct -> October; 10 Oct -> September; 22 Sep -> 9 months)."""
    import pandas as pd

    d = when.date() if isinstance(when, dt.datetime) else when
    month = pd.Timestamp(d.year, d.month, 1)
    if d.day < 15:
        month -= pd.DateOffset(months=1)
    span = MONTHS[freq]  # the last month of a period: any, Mar/Jun/Sep/Dec, Jun (H1), Sep, Dec
    ends = {span} if freq in ("6M", "9M") else set(range(span, 13, span))
    while month.month not in ends:
        month -= pd.DateOffset(months=1)
    start = month - pd.DateOffset(months=span - 1)
    return dt.date(start.year, start.month, 1)


def period_end(start: dt.date, freq: str) -> dt.date:
    """Last day of the period that starts on ``start``."""
    import pandas as pd

    return (pd.Timestamp(start) + pd.DateOffset(months=MONTHS[freq]) - pd.Timedelta(days=1)).date()


def period_label(start: dt.date, freq: str, lang: str = "vi") -> str:
    """Human label of a period: "Tháng 10/2026", "Quý III/2026", "6 tháng 2026", "Năm 2026"."""
    roman = {1: "I", 2: "II", 3: "III", 4: "IV"}
    y, m = start.year, start.month
    if lang == "vi":
        return {
            "M": f"Tháng {m:02d}/{y}",
            "Q": f"Quý {roman[(m - 1) // 3 + 1]}/{y}",
            "6M": f"6 tháng {y}",
            "9M": f"9 tháng {y}",
            "A": f"Năm {y}",
        }[freq]
    return {
        "M": f"{MONTHS_EN[m - 1]} {y}",
        "Q": f"Q{(m - 1) // 3 + 1} {y}",
        "6M": f"H1 {y}",
        "9M": f"9M {y}",
        "A": f"{y}",
    }[freq]


def cutoff_window(start: dt.date, freq: str, reference: str = "cutoff") -> tuple[dt.date, dt.date]:
    """The dates a report's figures cover, by its regime's ``reference``.

    ``cutoff`` (administrative reports, Decree 09/2019/NĐ-CP as applied by provinces): a monthly
    report covers the 15th of the previous month to the 14th of the reporting month; quarterly,
    6-month, 9-month and annual reports likewise run from the 15th of the month before the period
    starts to the 14th of its last month (annual: 15 Dec of the previous year to 14 Dec).
    ``calendar`` (statistical reports under the Statistics Law, which Decree 09 does not govern):
    the calendar period itself, first to last day.
    """
    if reference == "calendar":
        return start, period_end(start, freq)
    import pandas as pd

    end_month = pd.Timestamp(period_end(start, freq))
    first = (pd.Timestamp(start) - pd.DateOffset(months=1)).replace(day=15)
    return first.date(), end_month.replace(day=14).date()


def report_deadline(
    start: dt.date, freq: str, deadline_days: int, reference: str = "cutoff"
) -> pd.Timestamp:
    """When a report is due: ``deadline_days`` after its window (:func:`cutoff_window`) ends, at
    17:00 (a statistical monthly report with 6 days: the 6th of the next month, GSO's release day)."""
    import pandas as pd

    end = cutoff_window(start, freq, reference)[1]
    return pd.Timestamp(end) + pd.Timedelta(days=deadline_days, hours=17)
