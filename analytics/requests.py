"""Ad hoc report requests (báo cáo đột xuất): who asked, which agencies must answer, by when.

An ad hoc regime (``frequency: adhoc`` in regimes.yml) expects nothing on a calendar; a request
names the regime, the agencies that must answer, the indicators asked for, the period the answers
carry (a date, by default the day of the request) and the deadline. It is answered through the
normal submission path: an accepted submission under the request's regime, from one of its
agencies, for its period. Requests live in ``<store>/requests.sqlite`` (SQLite: a few rows written
rarely, read by briefings while a writer holds the DuckDB file). Status reads the published
submissions table, like :mod:`analytics.reporting`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from analytics import calendar, paths
from analytics.catalog import catalog
from analytics.errors import NrisError, unknown_code

REQUEST_COLUMNS = [
    "request_id", "regime", "period", "agencies", "indicators", "due", "created_at",
    "created_by", "note",
]  # fmt: skip
STATUS_COLUMNS = [
    "request_id", "regime", "period", "agency", "due", "received_at", "submission_id", "state",
]  # fmt: skip

SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    request_id INTEGER PRIMARY KEY AUTOINCREMENT,
    regime TEXT NOT NULL, period TEXT NOT NULL,
    agencies TEXT NOT NULL,      -- JSON list of agency codes
    indicators TEXT NOT NULL,    -- JSON list of indicator codes
    due TEXT NOT NULL,           -- ISO local time
    created_at TEXT NOT NULL, created_by TEXT NOT NULL, note TEXT
);
"""


def db_path() -> Path:
    """The requests database, beside the snapshots."""
    return paths.store_dir() / "requests.sqlite"


@contextlib.contextmanager
def _connect() -> Iterator[sqlite3.Connection]:
    db_path().parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(db_path(), timeout=30)
    try:
        con.executescript(SCHEMA)
        with con:  # one transaction
            yield con
    finally:
        con.close()


def _split(values: str | Sequence[str]) -> list[str]:
    items = values.split(",") if isinstance(values, str) else list(values)
    return [str(v).strip().upper() for v in items if str(v).strip()]


def parse_due(text: str | dt.datetime) -> pd.Timestamp:
    """A deadline: "2026-11-30 17:00", or a date alone meaning the end of that day."""
    if isinstance(text, dt.datetime):
        return pd.Timestamp(text)
    s = str(text).strip()
    try:
        ts = pd.Timestamp(s)
    except ValueError:
        raise NrisError(
            f"hạn nộp '{s}' không hợp lệ (vd. 2026-11-30 hoặc 2026-11-30 17:00)",
            f"bad deadline '{s}' (e.g. 2026-11-30 or 2026-11-30 17:00)",
        ) from None
    if len(s) <= 10:  # a date: the whole day counts
        ts = ts + pd.Timedelta(hours=23, minutes=59, seconds=59)
    return ts


def create(
    regime: str,
    agencies: str | Sequence[str],
    indicators: str | Sequence[str],
    due: str | dt.datetime,
    period: str | dt.date | None = None,
    by: str | None = None,
    note: str = "",
) -> int:
    """Record a request; returns its id. Everything is checked against the catalog first:
    the regime must be ad hoc, the agencies its submitters and the indicators in it."""
    from analytics.senders import os_user

    cat = catalog()
    regimes = cat.regimes.set_index("code")
    code = str(regime).upper()
    if code not in regimes.index:
        raise unknown_code("chế độ báo cáo", "regime", regime, regimes.index)
    if regimes.loc[code, "frequency"] != "adhoc":
        raise NrisError(
            f"chế độ {code} không phải chế độ báo cáo đột xuất",
            f"regime {code} is not an ad hoc regime",
        )
    subs = set(cat.regime_submitters.loc[cat.regime_submitters["regime"] == code, "agency"])
    wanted = _split(agencies)
    if [a.lower() for a in wanted] == ["provinces"] or [a.lower() for a in wanted] == ["all"]:
        wanted = sorted(subs)
    for a in wanted:
        if a not in subs:
            raise NrisError(
                f"cơ quan {a} không báo cáo theo chế độ {code}",
                f"agency {a} does not report under regime {code}",
            )
    inds = _split(indicators)
    allowed = set(cat.regime_indicators.loc[cat.regime_indicators["regime"] == code, "indicator"])
    for i in inds:
        if i not in allowed:
            raise unknown_code(f"chỉ tiêu trong chế độ {code}", f"indicator in {code}", i, allowed)
    if not wanted or not inds:
        raise NrisError(
            "cần ít nhất một cơ quan và một chỉ tiêu", "at least one agency and one indicator"
        )
    now = pd.Timestamp(calendar.now()).floor("s")
    day = _period(period, now)
    deadline = parse_due(due)
    if deadline <= now:
        raise NrisError(
            f"hạn nộp {deadline:%d/%m/%Y %H:%M} đã qua",
            f"deadline {deadline:%Y-%m-%d %H:%M} is past",
        )
    with _connect() as con:
        cur = con.execute(
            "INSERT INTO requests (regime, period, agencies, indicators, due, created_at, "
            "created_by, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                code,
                day.isoformat(),
                json.dumps(sorted(set(wanted))),
                json.dumps(sorted(set(inds))),
                deadline.isoformat(),
                now.isoformat(),
                by or os_user(),
                note,
            ],
        )
        return int(cur.lastrowid or 0)


def _period(period: str | dt.date | None, now: pd.Timestamp) -> dt.date:
    if period is None:
        return now.date()
    if isinstance(period, dt.date):
        return period
    start, _ = calendar.read_period(str(period), "adhoc")
    if start is None:
        raise NrisError(
            f"kỳ '{period}' không hợp lệ (vd. 2026-11-27 hoặc 2026-11)",
            f"bad period '{period}' (e.g. 2026-11-27 or 2026-11)",
        )
    return start


def requests() -> pd.DataFrame:
    """Every request, newest first (agencies and indicators as lists, due as a timestamp)."""
    if not db_path().exists():
        return pd.DataFrame(columns=REQUEST_COLUMNS)
    with _connect() as con:
        rows = con.execute(
            f"SELECT {', '.join(REQUEST_COLUMNS)} FROM requests ORDER BY request_id DESC"
        ).fetchall()
    df = pd.DataFrame(rows, columns=REQUEST_COLUMNS)
    df["agencies"] = df["agencies"].map(json.loads)
    df["indicators"] = df["indicators"].map(json.loads)
    df["due"] = pd.to_datetime(df["due"])
    df["created_at"] = pd.to_datetime(df["created_at"])
    df["period"] = pd.to_datetime(df["period"]).dt.date
    return df


def get(request_id: int) -> pd.Series:
    """One request; an unknown id is a one-line error."""
    df = requests()
    row = df[df["request_id"] == int(request_id)]
    if row.empty:
        raise NrisError(f"không có yêu cầu số {request_id}", f"no request with id {request_id}")
    return row.iloc[0]


def status(
    request_id: int | None = None,
    as_of: str | dt.datetime | None = None,
    subs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per (request, agency): the first accepted answer and its state.

    ``state`` is on_time (answered by the deadline), late, missing (no answer and the deadline
    passed) or pending. An answer is an accepted submission under the request's regime, from the
    agency, for the request's period, received by ``as_of`` (default now).
    """
    reqs = requests()
    if request_id is not None:
        reqs = reqs[reqs["request_id"] == int(request_id)]
        if reqs.empty:
            get(request_id)  # raises the one-line error
    if reqs.empty:
        return pd.DataFrame(columns=STATUS_COLUMNS)
    if subs is None:
        from analytics.reporting import submissions

        subs = submissions("accepted")
    else:
        subs = subs[subs["status"] == "accepted"]
    as_of_ts = pd.Timestamp(as_of if as_of is not None else calendar.now())
    got = subs[pd.to_datetime(subs["received_at"]) <= as_of_ts]
    got = (
        got.groupby(["regime", "period", "agency"], as_index=False)
        .agg(received_at=("received_at", "min"), submission_id=("submission_id", "min"))
        .astype({"received_at": "datetime64[us]"})
    )
    expected = reqs.explode("agencies").rename(columns={"agencies": "agency"})
    out = expected[["request_id", "regime", "period", "agency", "due"]].merge(
        got, on=["regime", "period", "agency"], how="left"
    )
    received = out["received_at"].notna()
    late = received & (out["received_at"] > out["due"])
    out["state"] = "pending"
    out.loc[~received & (out["due"] <= as_of_ts), "state"] = "missing"
    out.loc[received & ~late, "state"] = "on_time"
    out.loc[late, "state"] = "late"
    out["submission_id"] = out["submission_id"].astype("Int64")
    return out[STATUS_COLUMNS].sort_values(["request_id", "agency"]).reset_index(drop=True)


def summary(as_of: str | dt.datetime | None = None) -> pd.DataFrame:
    """One row per request: expected, on time, late, missing, pending."""
    st = status(as_of=as_of)
    if st.empty:
        return pd.DataFrame(columns=["request_id", "regime", "period", "due", "expected", *STATES])
    counts = pd.crosstab(st["request_id"], st["state"]).reindex(columns=list(STATES), fill_value=0)
    head = st.groupby("request_id")[["regime", "period", "due"]].first()
    out = head.join(counts)
    out.insert(3, "expected", counts.sum(axis=1))
    return out.reset_index().sort_values("request_id", ascending=False).reset_index(drop=True)


STATES = ("on_time", "late", "missing", "pending")
