"""Data behind the briefings: tidy pandas frames read from the published snapshot.

Everything heavy is cached per snapshot file name, so a page redraw is cheap and a new snapshot is
picked up by name (never by age).
"""

from __future__ import annotations

import datetime as dt
import threading
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

import analytics
from analytics import calendar, transforms
from analytics.catalog import catalog
from analytics.store import snapshot_key

TRANSFORMS = ("level", "mom", "yoy", "ytd")
HORIZON = {"M": 12, "Q": 4, "A": 2}
FORECAST_MODELS = ("ets",)
FORECAST_LEVEL = 80  # the interval the indicator page draws and states
REVISION_MARK_PCT = 1.0  # revisions of at least 1% of the value are marked on the chart

_cache: dict[tuple, Any] = {}
_cache_lock = threading.Lock()


def cached(key: tuple, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per (snapshot, key); entries of older snapshots are dropped."""
    snap = snapshot_key()
    full = (snap, *key)
    with _cache_lock:
        if full in _cache:
            return _cache[full]
    value = compute()
    with _cache_lock:
        for k in [k for k in _cache if k[0] != snap]:
            del _cache[k]
        _cache[full] = value
    return value


def name(code: str, lang: str) -> str:
    """An indicator's name in ``lang``."""
    row = catalog().indicator(code)
    return str(row["name_vi"] if lang == "vi" else row["name_en"])


def unit(code: str, lang: str, transform: str = "level") -> str:
    """The unit shown for an indicator under ``transform`` (growth rates are in %)."""
    if transform in ("mom", "yoy"):
        return "%"
    row = catalog().indicator(code)
    return str(row["unit_vi"] if lang == "vi" else row["unit_en"])


def area_name(code: str, lang: str) -> str:
    """An area's name in ``lang``."""
    a = catalog().areas.set_index("code")
    return str(a.loc[code, "name_vi" if lang == "vi" else "name_en"]) if code in a.index else code


def transforms_for(code: str) -> tuple[str, ...]:
    """Transforms that make sense for the indicator (a growth rate has no growth rate)."""
    row = catalog().indicator(code)
    if row["measure"] == "pct_change":
        return ("level",)
    if row["measure"] in ("rate",):
        return ("level", "yoy")
    return TRANSFORMS


def apply_transform(df: pl.DataFrame, transform: str) -> pl.DataFrame:
    """Level, MoM, YoY or YTD of a tidy frame (rows without a value dropped)."""
    if transform == "level" or df.is_empty():
        return df
    fn = {"mom": transforms.mom, "yoy": transforms.yoy, "ytd": transforms.ytd}[transform]
    out = fn(df)
    assert isinstance(out, pl.DataFrame)
    return out.drop_nulls("value").filter(pl.col("value").is_not_nan())


def series(code: str, area: str, transform: str = "level") -> pd.DataFrame:
    """One series for the drill-down: period, value, unit, vintages, revised (more than one vintage)."""

    def compute() -> pd.DataFrame:
        raw = analytics.load(code, areas=[area])
        assert isinstance(raw, pl.DataFrame)
        df = apply_transform(raw, transform).to_pandas()
        if df.empty:
            return pd.DataFrame(
                columns=["period", "value", "status", "vintages", "revision_pct", "revised"]
            )
        vint = analytics.vintages(code, area).to_pandas().sort_values("vintage")
        g = vint.groupby("period")["value"]
        rev = pd.DataFrame({"vintages": g.size(), "first": g.first(), "last": g.last()})
        scale = rev["last"].abs().where(rev["last"].abs() > 0, 1.0)
        rev["revision_pct"] = 100 * (rev["last"] - rev["first"]) / scale
        df = df[["period", "value", "status"]].merge(
            rev[["vintages", "revision_pct"]].reset_index(), on="period", how="left"
        )
        df["vintages"] = df["vintages"].fillna(1).astype(int)
        # A mark for material revisions only: the demo (like real data) revises most preliminary
        # figures a little, and a mark on every point would say nothing.
        df["revised"] = df["revision_pct"].abs().fillna(0) >= REVISION_MARK_PCT
        df["period"] = pd.to_datetime(df["period"])
        return df.sort_values("period").reset_index(drop=True)

    return cached(("series", code, area, transform), compute)


def quick_forecast(code: str, area: str, transform: str = "level") -> pd.DataFrame | None:
    """A forecast of the displayed series, cached per snapshot: the Nixtla frame ``unique_id, ds,
    <model>, <model>-lo-80, <model>-hi-80`` of :data:`FORECAST_MODELS`' first model.

    A small model pool (ETS) keeps it near half a second; no forecast (None) when the series is too
    short or the model fails, so the chart still shows the history.
    """

    def compute() -> pd.DataFrame | None:
        import forecasts

        hist = series(code, area, transform)
        freq = str(catalog().indicator(code)["frequency"])
        if len(hist) < 24:
            return None
        nx = pd.DataFrame({"unique_id": f"{code}|{area}", "ds": hist["period"], "y": hist["value"]})
        try:  # the chart needs no notes: a fallback forecast is still drawn
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", forecasts.ForecastNotesWarning)
                fc = forecasts.forecast(
                    nx,
                    h=HORIZON.get(freq, 4),
                    models=list(FORECAST_MODELS),
                    level=(FORECAST_LEVEL,),
                    n_jobs=1,
                    progress=False,
                )
        except Exception:
            return None
        assert isinstance(fc, pd.DataFrame)
        m = FORECAST_MODELS[0]
        if fc.empty or m not in fc:
            return None
        cols = ["unique_id", "ds", m, f"{m}-lo-{FORECAST_LEVEL}", f"{m}-hi-{FORECAST_LEVEL}"]
        return fc[cols].assign(ds=pd.to_datetime(fc["ds"])).reset_index(drop=True)

    return cached(("forecast", code, area, transform), compute)


def gdp_nowcast(area: str = "VN") -> pd.DataFrame:
    """The GDP nowcast of the quarter in progress (:func:`workbench.nowcast.gdp_nowcast`), cached
    per snapshot; empty when there is none to show."""

    def compute() -> pd.DataFrame:
        from workbench.nowcast import gdp_nowcast as nowcast

        return nowcast(area)

    return cached(("nowcast", area), compute)


def target_value(code: str, area: str, year: int) -> float | None:
    """The target of ``code`` in ``area`` for ``year`` (the lower bound of a range), or None."""
    tg = catalog().targets
    row = tg[(tg["indicator"] == code) & (tg["area"] == area) & (tg["year"] == year)]
    return None if row.empty else float(row.iloc[0]["value"])


def latest_year() -> int:
    """The year of the latest monthly data in the snapshot (falls back to this year)."""

    def compute() -> int:
        df = analytics.load("CPI_YOY", areas=["VN"])
        assert isinstance(df, pl.DataFrame)
        if df.is_empty():
            return calendar.now().year
        last = df["period"].max()
        assert isinstance(last, dt.date)
        return last.year

    return int(cached(("latest_year",), compute))


def headline(area: str = "VN") -> pd.DataFrame:
    """Headline rows (monthly, then quarterly) with value, mom, yoy, ytd, ytd_yoy and a sparkline frame."""

    def compute() -> pd.DataFrame:
        frames = []
        for freq in ("M", "Q"):
            tab = analytics.headline_table(area=area, freq=freq)
            if not tab.is_empty():
                frames.append(tab.to_pandas().assign(freq=freq))
        if not frames:
            return pd.DataFrame()
        out = pd.concat(frames, ignore_index=True)
        hist = analytics.load(list(out["indicator"]), areas=[area])
        assert isinstance(hist, pl.DataFrame)
        h = hist.to_pandas()
        h["period"] = pd.to_datetime(h["period"])
        spark = {
            code: g.sort_values("period").tail(25 if f == "M" else 12)[["period", "value"]]
            for (code, f), g in h.groupby(["indicator", "freq"])
        }
        out["spark"] = [spark.get(c) for c in out["indicator"]]
        return out

    return cached(("headline", area), compute)


def province_values(code: str, transform: str, period: dt.date | None = None) -> pd.DataFrame:
    """Latest (or ``period``) value of ``code`` for every province, with names, region and coordinates."""

    def compute() -> pd.DataFrame:
        cat = catalog()
        prov = cat.provinces()
        raw = analytics.load(code, areas=list(prov["code"]))
        assert isinstance(raw, pl.DataFrame)
        df = apply_transform(raw, transform).to_pandas()
        cols = ["area", "name", "name_vi", "name_en", "region", "value", "lat", "lon", "period"]
        if df.empty:
            return pd.DataFrame(columns=cols)
        df["period"] = pd.to_datetime(df["period"])
        when = pd.Timestamp(period) if period is not None else df["period"].max()
        df = df[df["period"] == when][["area", "value", "period"]]
        p = prov.rename(columns={"code": "area", "parent": "region"})
        out = p[["area", "name_vi", "name_en", "region", "lat", "lon"]].merge(
            df, on="area", how="left"
        )
        out["name"] = out["name_vi"]
        return out[cols]

    return cached(("provinces", code, transform, str(period)), compute)


def region_values(code: str, transform: str) -> pd.DataFrame | None:
    """The indicator for the six regions at the latest period, or None when it does not add up."""

    def compute() -> pd.DataFrame | None:
        row = catalog().indicator(code)
        if row["area_agg"] == "none":
            return None
        prov = catalog().provinces()
        raw = analytics.load(code, areas=list(prov["code"]))
        assert isinstance(raw, pl.DataFrame)
        try:
            reg = analytics.aggregate_areas(raw, to="region")
        except Exception:
            return None
        assert isinstance(reg, pl.DataFrame)
        df = apply_transform(reg, transform).to_pandas()
        if df.empty:
            return None
        df["period"] = pd.to_datetime(df["period"])
        return df[df["period"] == df["period"].max()][["area", "period", "value"]]

    return cached(("regions", code, transform), compute)


def target_outlook(year: int, area: str = "VN") -> tuple[pd.DataFrame, bool]:
    """Targets of ``year`` for ``area`` with their outlook; (frame, outlook_available).

    The nation shows the National Assembly's targets for the Government, a province the
    Government's targets for that province.

    Uses ``workbench.outlook.target_outlook`` (cached per snapshot by its owner). When that is not
    available the frame carries the targets with the actual to date only.
    """

    kind = "NA_GOV" if area == "VN" else "GOV_PROVINCE"

    def compute() -> tuple[pd.DataFrame, bool]:
        try:
            from workbench.outlook import target_outlook as outlook

            return outlook(year, kind=kind, area=area), True
        except ImportError:
            pass
        tg = catalog().targets
        tg = tg[(tg["kind"] == kind) & (tg["area"] == area) & (tg["year"] == year)].copy()
        actual = []
        for code, where in zip(tg["indicator"], tg["area"], strict=True):
            df = analytics.load(code, areas=[where], start=f"{year}-01-01", end=f"{year}-12-31")
            assert isinstance(df, pl.DataFrame)
            actual.append(float(df.sort("period")["value"][-1]) if len(df) else np.nan)
        tg["actual_to_date"] = actual
        for c in ("projected", "lo", "hi", "p_met"):
            tg[c] = np.nan
        tg["status"] = "no_data"
        return tg.reset_index(drop=True), False

    return cached(("outlook", year, area), compute)


def target_chains(year: int) -> dict[str, pd.DataFrame]:
    """For each National Assembly target of ``year`` with children: who is behind, and how much
    each weighs on it (``workbench.target_chain.chain`` over the outlook of every target)."""

    def compute() -> dict[str, pd.DataFrame]:
        from workbench import target_chain
        from workbench.outlook import target_outlook as outlook

        tg = catalog().targets
        parents = sorted(set(tg.loc[(tg["year"] == year) & (tg["parent"] != ""), "parent"]))
        if not parents:
            return {}
        full = outlook(year)
        return {code: target_chain.chain(full, code) for code in parents}

    return cached(("chain", year), compute)


def reporting_status(period: str | None = None) -> pd.DataFrame | None:
    """``analytics.reporting_status`` for the current period, or None while it is not available."""
    fn = getattr(analytics, "reporting_status", None)
    if fn is None:
        return None

    def compute() -> pd.DataFrame:
        out = fn(period=period) if period else fn()
        return out.to_pandas() if isinstance(out, pl.DataFrame) else pd.DataFrame(out)

    return cached(("reporting", period), compute)
