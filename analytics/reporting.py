"""Reporting completeness and timeliness, in the spirit of DHIS2's reporting rates.

For each regime and period: expected reports (the regime's submitters; ad hoc regimes expect none),
received (an accepted submission exists), on time (the first accepted one arrived by the deadline),
late, missing (due and not received) and pending (not due yet, not received), with the rates
received / expected and on time / expected. Everything reads the published read side (the
submissions Parquet file named in ``current.json``), never the write-side database, so Voilà kernels
can call it while a submission is being stored.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import polars as pl

from analytics import calendar, store
from analytics.catalog import catalog
from analytics.errors import NrisError, StoreError, unknown_code

STATUS_COLUMNS = [
    "regime",
    "period",
    "freq",
    "period_label",
    "deadline",
    "due",
    "expected",
    "received",
    "on_time",
    "late",
    "missing",
    "pending",
    "reporting_rate",
    "on_time_rate",
]


def submissions(status: str | None = None) -> pd.DataFrame:
    """The submissions audit table (every attempt) as last published; ``status`` filters it."""
    info = store.snapshot_info()
    path = info.get("submissions_path")
    if not path:
        raise StoreError(
            "Bản công bố hiện tại chưa có bảng nộp báo cáo; hãy chạy 'nris status' một lần",
            "the current snapshot has no submissions table yet; run 'nris status' once",
        )
    for attempt in range(3):
        try:
            df = pl.read_parquet(path).to_pandas()
            break
        except (FileNotFoundError, pl.exceptions.ComputeError):
            if attempt == 2:
                raise
            path = store.snapshot_info()["submissions_path"]
    df["period"] = pd.to_datetime(df["period"]).dt.date
    return df if status is None else df[df["status"] == status].reset_index(drop=True)


def regime_period(regime_freq: str, when: dt.date) -> dt.date | None:
    """The regime period containing ``when`` (None: a 6-month or 9-month regime after June/Sept)."""
    if regime_freq in ("6M", "9M") and when.month > int(regime_freq[0]):
        return None
    return calendar.period_start(when, "Q" if regime_freq == "Q" else regime_freq)


def _default_month(subs: pd.DataFrame) -> dt.date:
    monthly = subs[(subs["status"] == "accepted") & (subs["freq"] == "M")]
    if len(monthly):
        return monthly["period"].max()
    today = calendar.now().date()
    return (pd.Timestamp(today.year, today.month, 1) - pd.DateOffset(months=1)).date()


def reporting_detail(
    period: str | dt.date | None = None,
    regime: str | list[str] | None = None,
    as_of: str | dt.datetime | None = None,
) -> pd.DataFrame:
    """One row per expected report: regime, period, agency, deadline, received_at, state.

    ``period`` is any date or month ("2026-10"): each regime contributes the period of its frequency
    containing it (the quarter, the year...). Default: the latest month with an accepted monthly
    report. ``as_of`` (default now) decides what is due and what had arrived by then. ``state`` is
    on_time, late, missing or pending.
    """
    cat = catalog()
    subs = submissions()
    as_of_ts = pd.Timestamp(as_of if as_of is not None else calendar.now())
    month = _default_month(subs) if period is None else _parse_date(period)
    regimes = cat.regimes[cat.regimes["frequency"] != "adhoc"]
    if regime is not None:
        wanted = [regime] if isinstance(regime, str) else list(regime)
        for code in wanted:
            if code.upper() not in set(cat.regimes["code"]):
                raise unknown_code("chế độ báo cáo", "regime", code, cat.regimes["code"])
        regimes = regimes[regimes["code"].isin([c.upper() for c in wanted])]
    rows = []
    for r in regimes.itertuples():
        start = regime_period(str(r.frequency), month)
        if start is None:
            continue
        due = calendar.report_deadline(
            start, str(r.frequency), int(r.deadline_days), str(r.reference)
        )
        for agency in cat.regime_submitters.loc[
            cat.regime_submitters["regime"] == r.code, "agency"
        ]:
            rows.append(
                {
                    "regime": r.code,
                    "period": start,
                    "freq": r.frequency,
                    "agency": agency,
                    "deadline": due,
                }
            )
    expected = pd.DataFrame(rows, columns=["regime", "period", "freq", "agency", "deadline"])
    got = subs[(subs["status"] == "accepted") & (pd.to_datetime(subs["received_at"]) <= as_of_ts)]
    first = (
        got.groupby(["regime", "period", "agency"], as_index=False)
        .agg(received_at=("received_at", "min"), submissions=("submission_id", "count"))
        .astype({"received_at": "datetime64[us]"})
    )
    out = expected.merge(first, on=["regime", "period", "agency"], how="left")
    out["submissions"] = out["submissions"].fillna(0).astype(int)
    received = out["received_at"].notna()
    late = received & (out["received_at"] > out["deadline"])
    due = out["deadline"] <= as_of_ts
    out["state"] = "pending"
    out.loc[~received & due, "state"] = "missing"
    out.loc[received & ~late, "state"] = "on_time"
    out.loc[late, "state"] = "late"
    order = out["freq"].map({f: i for i, f in enumerate(calendar.FREQS)})
    out = out.assign(_o=order).sort_values(["_o", "regime", "agency"], kind="stable")
    return out.drop(columns="_o").reset_index(drop=True)


def _parse_date(value: str | dt.date) -> dt.date:
    try:
        return pd.Timestamp(value).date()
    except ValueError:
        raise NrisError(
            f"kỳ '{value}' không phải tháng/ngày hợp lệ (YYYY-MM)",
            f"period '{value}' is not a valid month or date (YYYY-MM)",
        ) from None


def reporting_status(
    period: str | dt.date | None = None,
    regime: str | list[str] | None = None,
    as_of: str | dt.datetime | None = None,
) -> pd.DataFrame:
    """Completeness and timeliness per regime and period: expected, received, on time, late, missing.

    ``reporting_rate`` = received / expected and ``on_time_rate`` = on time / expected, in percent,
    as DHIS2 defines its reporting rates. Reads only the published read side.
    """
    detail = reporting_detail(period, regime, as_of)
    if detail.empty:
        return pd.DataFrame(columns=STATUS_COLUMNS)
    as_of_ts = pd.Timestamp(as_of if as_of is not None else calendar.now())
    g = detail.groupby(["regime", "period", "freq", "deadline"], as_index=False, sort=False)
    out = g.agg(
        expected=("agency", "size"),
        received=("state", lambda s: int(s.isin(["on_time", "late"]).sum())),
        on_time=("state", lambda s: int((s == "on_time").sum())),
        late=("state", lambda s: int((s == "late").sum())),
        missing=("state", lambda s: int((s == "missing").sum())),
        pending=("state", lambda s: int((s == "pending").sum())),
    )
    out["due"] = out["deadline"] <= as_of_ts
    out["reporting_rate"] = (100 * out["received"] / out["expected"]).round(1)
    out["on_time_rate"] = (100 * out["on_time"] / out["expected"]).round(1)
    out["period_label"] = [
        calendar.period_label(p, f) for p, f in zip(out["period"], out["freq"], strict=True)
    ]
    return out[STATUS_COLUMNS].reset_index(drop=True)


def submission_history(
    indicator: str, area: str = "VN", period: str | dt.date | None = None
) -> pd.DataFrame:
    """Every stored vintage of a series with who sent it, when, from which file, and its status."""
    from analytics.load import COLUMNS, vintages

    v = vintages(indicator, area, period).to_pandas()
    subs = submissions()[["submission_id", "file_name", "received_at", "source"]]
    out = v.merge(subs, on="submission_id", how="left")
    cols = [*COLUMNS, "file_name", "received_at", "source"]
    return out[cols].sort_values(["period", "vintage", "submission_id"]).reset_index(drop=True)


def reasons(submission_id: int) -> list[dict]:
    """The recorded errors and warnings of one submission attempt."""
    row = submissions().query("submission_id == @submission_id")
    if row.empty:
        raise NrisError(
            f"không có lần nộp số {submission_id}", f"no submission with id {submission_id}"
        )
    return json.loads(row["reasons"].iloc[0] or "[]")
