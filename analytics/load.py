"""``analytics.load``: read indicator data from the published snapshot as a tidy long frame."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

import pandas as pd
import polars as pl

from analytics import store
from analytics.catalog import area_code, catalog
from analytics.errors import NrisError, unknown_code

KEY = ["indicator", "area", "period", "freq"]
# The store's observation columns, with the vintage beside the status it qualifies.
COLUMNS = KEY + ["value", "unit", "status", "vintage", "submission_id", "agency", "regime"]


def _as_list(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def _to_datetime(value: str | dt.date | dt.datetime | pd.Timestamp) -> dt.datetime:
    """A naive Vietnamese time, as vintages are stamped (``calendar.now()``): a time with an
    offset ("2023-03-04T12:00Z", as other systems may send it) is converted to it first."""
    from zoneinfo import ZoneInfo

    from analytics.calendar import TIMEZONE

    when = pd.Timestamp(value).to_pydatetime()
    return when.astimezone(ZoneInfo(TIMEZONE)).replace(tzinfo=None) if when.tzinfo else when


def parse_when(text: str | None, name: str) -> str | None:
    """A date or time a user typed (``--start``, ``as_of``...) as ISO text, its time of day and
    offset kept; None stays None. A text that is no date is one bilingual error naming ``name``."""
    if text is None:
        return None
    try:
        return pd.Timestamp(text).isoformat()
    except (ValueError, OverflowError):
        raise NrisError(
            f"{name} '{text}' không phải ngày/tháng hợp lệ (YYYY-MM)",
            f"{name} '{text}' is not a valid date (YYYY-MM)",
        ) from None


def resolve_indicators(codes: str | Iterable[str]) -> list[str]:
    """Validate indicator codes (case-insensitive); unknown ones raise with the nearest valid codes."""
    known = {c.upper(): c for c in catalog().indicators["code"]}
    out = []
    for code in _as_list(codes) or []:
        if code.upper() not in known:
            raise unknown_code("chỉ tiêu", "indicator", code, known.values())
        out.append(known[code.upper()])
    return out


def resolve_areas(codes: str | Iterable[str]) -> list[str]:
    """Validate area codes ("VN", "R1".."R6", two-digit province, five-digit commune codes)."""
    known = set(catalog().areas["code"])
    out = []
    for code in _as_list(codes) or []:
        code = area_code(code)
        if code not in known:
            raise unknown_code("địa bàn", "area", code, known)
        out.append(code)
    return out


def _read_snapshot(predicate: pl.Expr, attempts: int = 3) -> pl.DataFrame:
    return _read(predicate, attempts)[0]


def _read(predicate: pl.Expr, attempts: int = 3) -> tuple[pl.DataFrame, bool]:
    """The snapshot's rows matching ``predicate``, and whether they come in key order (a snapshot
    written in ``store.SNAPSHOT_ORDER`` keeps one latest row per key in that order)."""
    for attempt in range(attempts):
        info = store.snapshot_info()
        try:
            lf = pl.scan_parquet(info["path"])
            if "authoritative" not in lf.collect_schema().names():  # published before authority
                lf = lf.with_columns(authoritative=pl.lit(True))
            return lf.filter(predicate).collect(), info.get("order") == store.SNAPSHOT_ORDER
        except (FileNotFoundError, pl.exceptions.ComputeError):
            # The pointer moved on and an old snapshot was cleaned up: read the new pointer.
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def last_month(area: str = "VN") -> dt.date | None:
    """The latest month of ``area`` the consolidated (authoritative) monthly figures reach, or None.

    A figure kept only as another agency's own series does not move it: scheduled reports read
    the consolidated view, so a period it has not reached is not theirs to report yet.
    """
    rows = _read_snapshot(
        (pl.col("freq") == "M") & (pl.col("area") == area) & pl.col("authoritative")
    )
    last = rows.select(pl.col("period").max()).item()
    return None if last is None else pd.Timestamp(last).date()


def load(
    indicators: str | Iterable[str] | None,
    areas: str | Iterable[str] | None = None,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    as_of: str | dt.date | dt.datetime | None = None,
    frame: Literal["polars", "pandas"] = "polars",
    freq: str | None = None,
    source: str | None = None,
) -> pl.DataFrame | pd.DataFrame:
    """Indicator values as one row per (indicator, area, period): the latest vintage, or as of a time.

    ``indicators=None`` loads every indicator. ``as_of`` returns what was known then: for each key the
    newest vintage at or before ``as_of``. ``start``/``end`` bound the period start dates.
    ``freq`` defaults to each indicator's own frequency; 6-month, 9-month or annual figures that
    regimes also carry are read with ``freq="6M"`` (or "9M", "A", "Q"), and everything with "all".
    ``source`` reads one agency's own series instead of the consolidated figures: where the catalog
    names another agency as authoritative for an (indicator, area) (``catalog().authority``), that
    agency's figures are kept apart and only ``load(..., source="MOIT")`` returns them.
    """
    pred = pl.lit(True)
    codes = resolve_indicators(indicators) if indicators is not None else None
    if codes is not None:
        pred = pl.col("indicator").is_in(codes)
    area_codes = resolve_areas(areas) if areas is not None else None
    if area_codes is not None:
        pred = pred & pl.col("area").is_in(area_codes)
    if freq is None:
        pred = pred & _native_freq(codes)
    elif freq != "all":
        pred = pred & (pl.col("freq") == freq)
    if start is not None and end is not None and pd.Timestamp(start) > pd.Timestamp(end):
        first, last = (f"{pd.Timestamp(d):%Y-%m-%d}" for d in (start, end))
        raise NrisError(
            f"kỳ đầu {first} sau kỳ cuối {last}", f"the start {first} is after the end {last}"
        )
    if start is not None:
        pred = pred & (pl.col("period") >= pd.Timestamp(start).date())
    if end is not None:
        pred = pred & (pl.col("period") <= pd.Timestamp(end).date())
    pred = pred & _source(source)
    if as_of is None and source is None:
        df, ordered = _read(pred & pl.col("is_latest"))
    else:
        if as_of is not None:
            pred = pred & (pl.col("vintage") <= _to_datetime(as_of))
        df = _read_snapshot(pred)
        df = df.sort(KEY + ["vintage", "submission_id"]).unique(
            KEY, keep="last", maintain_order=True
        )
        ordered = True
    df = df.select(COLUMNS)
    if not ordered:  # a snapshot written before its rows were kept in key order
        df = df.sort(KEY)
    return df.to_pandas() if frame == "pandas" else df


def _native_freq(codes: list[str] | None) -> pl.Expr:
    """Rows at their indicator's own frequency: one ``is_in`` per frequency, which costs less than
    mapping every row's indicator to its frequency (a third of a whole-snapshot read)."""
    ind = catalog().indicators
    if codes is not None:
        ind = ind[ind["code"].isin(codes)]
    expr = pl.lit(False)
    for f, group in ind.groupby("frequency")["code"]:
        expr = expr | ((pl.col("freq") == f) & pl.col("indicator").is_in(list(group)))
    return expr


def _source(source: str | None) -> pl.Expr:
    """Rows of one agency's own series, or (None) the authoritative rows the catalog names."""
    if source is None:
        return pl.col("authoritative")
    known = set(catalog().agencies["code"])
    if source.strip().upper() not in known:
        raise unknown_code("cơ quan", "agency", source, known)
    return pl.col("agency") == source.strip().upper()


def vintages(
    indicator: str,
    area: str = "VN",
    period: str | dt.date | None = None,
    source: str | None = None,
) -> pl.DataFrame:
    """Every stored vintage of one indicator and area (optionally one period), oldest first: of the
    consolidated series, or of one agency's own with ``source``."""
    code = resolve_indicators(indicator)[0]
    area_code = resolve_areas(area)[0]
    pred = (pl.col("indicator") == code) & (pl.col("area") == area_code) & _source(source)
    if period is not None:
        pred = pred & (pl.col("period") == pd.Timestamp(period).date())
    return _read_snapshot(pred).select(COLUMNS).sort(KEY + ["vintage"])
