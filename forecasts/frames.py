"""Between the store's tidy frame (indicator, area, period, value) and the Nixtla frame.

Nixtla frame: ``unique_id`` = "<indicator>|<area>", ``ds`` = period start (Timestamp), ``y``, and
for monthly data an exogenous ``tet`` column: the share of the Tết holiday in the month.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

SEP = "|"
SEASON = {"M": 12, "Q": 4, "A": 1, "Y": 1}
_STEP_TO_SEASON = {1: 12, 3: 4, 12: 1}
_SEASON_TO_OFFSET = {12: "MS", 4: "QS", 1: "YS"}


def _pandas(df: Any) -> pd.DataFrame:
    """Accept polars or pandas frames."""
    if isinstance(df, pd.DataFrame):
        return df
    if hasattr(df, "to_pandas"):
        return df.to_pandas()
    raise TypeError(f"expected a pandas or polars DataFrame, got {type(df).__name__}")


def to_nixtla(
    data: Any, tet: bool = True, before: int = 0, after: int = 0, freq: str | None = None
) -> pd.DataFrame:
    """Tidy ``analytics.load`` output -> ``unique_id, ds, y[, tet]`` sorted by id and date.

    Keeps the latest vintage of each (indicator, area, period); ``tet`` (monthly series only,
    0 elsewhere) is the Tết share from :func:`analytics.calendar.tet_share` with the window
    widened by ``before``/``after`` days. ``freq`` ("M", "Q", "A") keeps one frequency when the
    store holds an indicator at several; mixing them in one series is refused.
    """
    df = _pandas(data)
    missing = {"indicator", "area", "period", "value"} - set(df.columns)
    if missing:
        raise ValueError(f"to_nixtla: input lacks columns {sorted(missing)}")
    df = df.copy()
    if freq is not None and "freq" in df.columns:
        df = df[df["freq"] == freq]
    elif "freq" in df.columns:
        n_freq = df.groupby(["indicator", "area"])["freq"].nunique()
        if (n_freq > 1).any():
            ind, area = n_freq[n_freq > 1].index[0]
            raise ValueError(
                f"to_nixtla: {ind}|{area} has several frequencies; pass freq='M'/'Q'/'A'"
            )
    if "vintage" in df.columns:
        df = df.sort_values("vintage").drop_duplicates(["indicator", "area", "period"], keep="last")
    out = pd.DataFrame(
        {
            "unique_id": df["indicator"].astype(str) + SEP + df["area"].astype(str),
            "ds": pd.to_datetime(df["period"]),
            "y": pd.to_numeric(df["value"], errors="coerce").astype(float),
        }
    )
    out = out.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    if tet:
        out = add_tet(out, before=before, after=after)
    return out


def add_tet(df: pd.DataFrame, before: int = 0, after: int = 0) -> pd.DataFrame:
    """Add the ``tet`` column (monthly series: Tết share of the month; others: 0)."""
    from analytics.calendar import tet_share

    out = df.copy()
    out["tet"] = 0.0
    seasons = out.groupby("unique_id", sort=False)["ds"].transform(lambda s: season_length(s))
    monthly = seasons == 12
    if monthly.any():
        out.loc[monthly, "tet"] = tet_share(out.loc[monthly, "ds"], before, after)
    return out


def from_nixtla(fc: pd.DataFrame) -> pd.DataFrame:
    """Forecast frame -> tidy frame with ``indicator, area, period`` in front of the model columns."""
    out = fc.copy()
    parts = out["unique_id"].astype(str).str.split(SEP, n=1, expand=True)
    out.insert(0, "indicator", parts[0])
    out.insert(1, "area", parts[1] if parts.shape[1] > 1 else None)
    out.insert(2, "period", pd.to_datetime(out["ds"]).dt.date)
    return out.drop(columns=["unique_id", "ds"])


def season_length(ds: pd.Series | pd.DatetimeIndex) -> int:
    """Season length from the spacing of period starts: monthly 12, quarterly 4, annual 1."""
    idx = pd.DatetimeIndex(ds).sort_values()
    if len(idx) < 2:
        return 1
    months = np.diff(idx.year * 12 + idx.month)
    step = int(np.median(months)) if len(months) else 12
    return _STEP_TO_SEASON.get(step, 1)


def future_dates(last: pd.Timestamp, h: int, season: int) -> pd.DatetimeIndex:
    """The ``h`` period starts after ``last``."""
    return pd.date_range(last, periods=h + 1, freq=_SEASON_TO_OFFSET.get(season, "MS"))[1:]


def full_range(ds: pd.Series, season: int) -> pd.DatetimeIndex:
    """Every period start from the first to the last observed one (to find gaps)."""
    return pd.date_range(ds.min(), ds.max(), freq=_SEASON_TO_OFFSET.get(season, "MS"))
