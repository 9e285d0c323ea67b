"""Evaluate the alert rules on the published snapshot: gather -> rules -> book -> notify.

Runs after a snapshot is published, never inside the writer: the outlook watcher that ``nris
serve`` starts calls :func:`evaluate` for each new snapshot (and every few minutes for deadlines
that pass with no new data), and ``nris alerts evaluate`` runs it by hand. Everything it reads is
the read side (snapshot, submissions table, the target outlook cache); what it writes is the alert
book and the notifications.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import polars as pl

from analytics.store import snapshot_info
from workbench.alerts import book, rules
from workbench.alerts.notify import Notifier, configured

RULES = ("interval", "odds", "reports", "requests", "revisions", "add_up")
TIMED_RULES = ("reports", "requests")  # what can change with no new data: deadlines pass
SYSTEM = "nris"  # who resolves an alert whose cause went away (a missing report arrived)


@dataclasses.dataclass
class Evaluation:
    """What one evaluation found: every alert, the new ones, those resolved, the time taken."""

    snapshot: str
    alerts: list[rules.Alert]
    new: list[rules.Alert]
    resolved: int
    seconds: dict[str, float]


def _latest_year(national: pd.DataFrame) -> int:
    monthly = national[national["freq"] == "M"]
    last = monthly["period"].max() if len(monthly) else national["period"].max()
    return int(pd.Timestamp(last).year)


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(national series since 2017, every area since the start of the previous year)."""
    import analytics

    codes = list(analytics.catalog().indicators["code"])
    national = analytics.load(codes, areas=["VN"], start="2017-01", frame="pandas")
    assert isinstance(national, pd.DataFrame)
    year = _latest_year(national)
    everywhere = analytics.load(codes, start=f"{year - 1}-01", frame="pandas")
    assert isinstance(everywhere, pd.DataFrame)
    return national, everywhere


def _at_latest(df: pd.DataFrame) -> pd.DataFrame:
    """Rows at the latest period of their frequency (what the new snapshot brings)."""
    last = df.groupby("freq")["period"].transform("max")
    return df[df["period"] == last]


def interval_inputs(national: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each national series' latest value and its one-step forecast made without it (seasonal
    naive with a 95% interval: cheap for 176 series, and the yardstick "unlike last year")."""
    import forecasts

    latest = _at_latest(national.dropna(subset=["value"]))
    keys = latest[["indicator", "area", "period"]]
    nix = forecasts.to_nixtla(national, tet=False)
    nix = nix[nix["y"].notna()]
    uid = latest["indicator"] + "|" + latest["area"]
    ends = dict(zip(uid, pd.to_datetime(latest["period"]), strict=True))
    nix = nix[nix["unique_id"].isin(ends)]
    train = nix[nix["ds"] < nix["unique_id"].map(ends)]
    if train.empty:
        return latest, pd.DataFrame(columns=["indicator", "area", "period", "mean", "lo", "hi"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc = forecasts.forecast(train, h=1, models="snaive", level=(95,), n_jobs=1, progress=False)
    assert isinstance(fc, pd.DataFrame)
    parts = fc["unique_id"].str.split("|", n=1, expand=True)
    out = pd.DataFrame(
        {
            "indicator": parts[0],
            "area": parts[1],
            "period": pd.to_datetime(fc["ds"]).dt.date,
            "mean": fc["snaive"],
            "lo": fc["snaive-lo-95"],
            "hi": fc["snaive-hi-95"],
        }
    )
    keys = keys.assign(period=pd.to_datetime(keys["period"]).dt.date)
    actual = latest.assign(period=pd.to_datetime(latest["period"]).dt.date)
    return actual, out.merge(keys, on=["indicator", "area", "period"])


def revised_series(path: str, latest_periods: int = 2) -> pd.DataFrame:
    """First estimate and latest value of the latest ``latest_periods`` periods of every series
    that was revised, from the snapshot's vintages (authoritative source only)."""
    lf = pl.scan_parquet(path).filter(pl.col("authoritative"))
    g = (
        lf.group_by(["indicator", "area", "period", "freq"])
        .agg(
            pl.col("value").sort_by(["vintage", "submission_id"]).first().alias("first"),
            pl.col("value").filter(pl.col("is_latest")).first().alias("value"),
            pl.col("submission_id").filter(pl.col("is_latest")).first().alias("submission_id"),
            pl.len().alias("n"),
        )
        .with_columns(
            pl.col("period")
            .rank("dense", descending=True)
            .over(["indicator", "area", "freq"])
            .alias("recent")
        )  # fmt: skip
        .filter((pl.col("n") > 1) & (pl.col("recent") <= latest_periods))
        .drop_nulls(["first", "value"])
    )
    return g.collect().to_pandas()


def _odds(year: int, outlook: bool) -> pd.DataFrame:
    if not outlook:
        return pd.DataFrame()
    from workbench.outlook import target_outlook

    return target_outlook(year)


def _timed(seconds: dict[str, float], name: str, fn: Callable[[], Any]) -> Any:
    t0 = time.perf_counter()
    try:
        return fn()
    finally:
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - t0


def evaluate(
    which: Sequence[str] = RULES,
    outlook: bool = True,
    notifiers: Sequence[Notifier] | None = None,
    as_of: str | pd.Timestamp | None = None,
) -> Evaluation:
    """Run the rules ``which`` on the current snapshot, record new alerts, notify about them.

    ``outlook=False`` skips the P(target met) rules when the target outlook is not computed yet
    (it takes 20-60 s; the watcher computes it first). ``as_of`` judges deadlines (default now).
    """
    import analytics
    from analytics import requests

    t_start = time.perf_counter()
    info = snapshot_info()
    snapshot = str(info["file"])
    seconds: dict[str, float] = {}
    found: list[rules.Alert] = []
    cleared: list[str] = []
    frames: tuple[pd.DataFrame, pd.DataFrame] | None = None
    if {"interval", "odds", "add_up"} & set(which):
        frames = _timed(seconds, "load", _frames)
    if "interval" in which and frames is not None:
        actual, fc = _timed(seconds, "interval", lambda: interval_inputs(frames[0]))
        found += _timed(seconds, "interval", lambda: rules.outside_interval(actual, fc))
    if "odds" in which and frames is not None:
        ol = _timed(seconds, "odds", lambda: _odds(_latest_year(frames[0]), outlook))
        if len(ol):
            prev = book.previous_odds(snapshot)
            found += _timed(seconds, "odds", lambda: rules.target_odds(ol, prev, snapshot))
            now = {str(c): float(p) for c, p in zip(ol["code"], ol["p_met"], strict=True)}
            book.record_odds(snapshot, {c: p for c, p in now.items() if pd.notna(p)})
    if "reports" in which:
        detail = _timed(seconds, "reports", lambda: analytics.reporting_detail(as_of=as_of))
        found += _timed(seconds, "reports", lambda: rules.late_reports(detail))
        for r in detail[detail["state"].isin(["on_time", "late"])].itertuples():
            pkey = analytics.calendar.period_key(pd.Timestamp(r.period).date(), r.freq)
            cleared.append(f"report_missing|{r.regime}|{r.agency}|{pkey}")
    if "requests" in which:
        st = _timed(seconds, "requests", lambda: requests.status(as_of=as_of))
        found += rules.request_answers(st)
        for r in st[st["state"].isin(["on_time", "late"])].itertuples():
            cleared.append(f"request_missing|{int(r.request_id)}|{r.agency}")
    if "revisions" in which:
        rev = _timed(seconds, "revisions", lambda: revised_series(str(info["path"])))
        found += _timed(seconds, "revisions", lambda: rules.revisions(rev))
    if "add_up" in which and frames is not None:
        found += _timed(seconds, "add_up", lambda: rules.add_up(_at_latest(frames[1])))
    new = book.record(found, snapshot)
    resolved = book.resolve_keys(cleared, SYSTEM)
    for n in configured() if notifiers is None else notifiers:
        try:
            n.send(new)
        except OSError as exc:  # a full disk or a bad spool folder: the book still has them
            print(f"nris: notification failed | {type(exc).__name__}: {exc}", flush=True)
    seconds["total"] = time.perf_counter() - t_start
    book.record_evaluation(snapshot, len(new), seconds["total"])
    return Evaluation(snapshot, found, new, resolved, seconds)
