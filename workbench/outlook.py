"""Target outlook: for each target of a year, actual to date, year-end projection and P(target met).

Combines the catalog targets, the published snapshot (``analytics.load``) and ``forecasts``
(``forecast`` for the rest of the year, ``year_end`` for the simulated annual figure). The result is
cached per snapshot file under ``<store>/outlook/`` so briefings and reports read it instantly; a new
snapshot makes the cache stale by name, never by time.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analytics import paths
from analytics.calendar import MONTHS, now
from analytics.catalog import catalog
from analytics.errors import NrisError
from analytics.store import snapshot_info

COLUMNS = [
    "code", "kind", "indicator", "area", "year", "comparison", "value", "value_hi",
    "actual_to_date", "projected", "lo", "hi", "p_met", "status", "source_doc", "demo",
]  # fmt: skip
ON_TRACK = 0.7  # P(met) at or above: on track
OFF_TRACK = 0.3  # P(met) below: off track; in between: at risk
LEVEL = 80


def status_of(p_met: float | None) -> str:
    """``on_track`` (P >= 0.7), ``at_risk`` (0.3 <= P < 0.7), ``off_track`` (< 0.3), ``no_data``."""
    if p_met is None or not np.isfinite(p_met):
        return "no_data"
    if p_met >= ON_TRACK:
        return "on_track"
    return "at_risk" if p_met >= OFF_TRACK else "off_track"


def cache_dir() -> Path:
    """Folder of the cached outlook tables (one per snapshot, year and selection)."""
    return paths.store_dir() / "outlook"


def _cache_path(snapshot: str, year: int, kind: str | None, area: str | None, opts: str) -> Path:
    key = hashlib.sha1(f"{kind}|{area}|{opts}".encode()).hexdigest()[:10]
    return cache_dir() / f"{Path(snapshot).stem}-{year}-{key}.parquet"


def target_outlook(
    year: int,
    kind: str | None = None,
    area: str | None = None,
    *,
    models: str | list[str] = "auto",
    pool: tuple[str, ...] = ("ets", "theta"),
    n_windows: int = 2,
    refresh: bool = False,
    n_jobs: int | None = 1,
    address: Any = None,
) -> pd.DataFrame:
    """One row per target of ``year`` (optionally one ``kind`` and/or ``area``).

    Columns: code, kind, indicator, area, year, comparison, value, value_hi, actual_to_date,
    projected, lo, hi (80% interval of the year-end figure), p_met, status (on_track / at_risk /
    off_track / no_data), source_doc, demo. Cached per snapshot; ``refresh`` recomputes.
    """
    cat = catalog()
    if kind is not None and kind not in set(cat.targets["kind"]):
        raise NrisError(
            f"Loại mục tiêu '{kind}' không hợp lệ (NA_GOV, GOV_MINISTRY, GOV_PROVINCE)",
            f"unknown target kind '{kind}' (NA_GOV, GOV_MINISTRY, GOV_PROVINCE)",
        )
    targets = cat.targets[cat.targets["year"] == int(year)]
    if targets.empty:
        return pd.DataFrame(columns=COLUMNS)
    # every target of the year is computed together (interval calibration pools the series of a
    # frequency, so a report filtered to one area shows the same figures as the briefing)
    info = snapshot_info()
    opts = f"{models}|{pool}|{n_windows}"
    path = _cache_path(info["file"], int(year), None, None, opts)
    if path.exists() and not refresh:
        out = pd.read_parquet(path)
    else:
        # One process computes a snapshot's outlook; the others (several briefing kernels seeing a
        # new snapshot at once, a report run) wait for it and read the result.
        with _computing(path):
            if path.exists() and not refresh:
                out = pd.read_parquet(path)
            else:
                out = _compute(targets, cat, models, pool, n_windows, n_jobs, address)
                _write_cache(out, path)
    if kind is not None:
        out = out[out["kind"] == kind]
    if area is not None:
        out = out[out["area"] == str(area)]
    return out.reset_index(drop=True)


@contextlib.contextmanager
def _computing(path: Path) -> Iterator[None]:
    """Hold the lock that serializes computing the cache file ``path`` across processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def warm(year: int | None = None) -> int:
    """Compute the current snapshot's outlook ahead of the briefings (``nris serve`` calls this).

    ``year`` defaults to the year of the latest monthly data. Returns the number of targets.
    """
    if year is None:
        import analytics

        cpi = analytics.load("CPI_YOY", areas=["VN"], frame="pandas")
        assert isinstance(cpi, pd.DataFrame)
        year = int(pd.Timestamp(cpi["period"].max()).year) if len(cpi) else now().year
    return len(target_outlook(year))


def watch(interval: float = 10.0) -> None:
    """Warm the outlook of every snapshot as it is published, then evaluate the alert rules on it,
    until killed (run by ``nris serve``).

    Runs at low priority in its own process, so the first leader to open the overview after new
    submissions finds the targets' outlook computed instead of waiting 20-60 s for the forecasts.
    """
    import time

    from analytics.store import snapshot_key
    from workbench.runs.execution import _die_with_parent

    _die_with_parent()
    os.nice(10)
    done = None
    checked = time.monotonic()
    while True:
        key = snapshot_key()
        if key is not None and key != done:
            try:
                warm()
            except Exception as exc:  # keep watching; the briefings compute it themselves
                print(f"outlook for {key} failed: {type(exc).__name__}: {exc}", flush=True)
            _alerts(key)
            done, checked = key, time.monotonic()
        elif key is not None and time.monotonic() - checked > ALERT_RECHECK_S:
            _alerts(key, timed_only=True)  # deadlines pass with no new data
            checked = time.monotonic()
        time.sleep(interval)


ALERT_RECHECK_S = 900.0  # the watcher re-checks reporting deadlines this often between snapshots


def _alerts(key: str, timed_only: bool = False) -> None:
    """Evaluate the alert rules for the snapshot just warmed (after the outlook, which they use)."""
    from workbench.alerts.evaluate import TIMED_RULES, evaluate

    try:
        if timed_only:
            evaluate(which=TIMED_RULES)
        else:
            evaluate()
    except Exception as exc:  # keep watching; the next snapshot is evaluated afresh
        print(f"alerts for {key} failed: {type(exc).__name__}: {exc}", flush=True)


def _write_cache(df: pd.DataFrame, path: Path) -> None:
    """Write atomically and drop the caches of older snapshots."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    snapshot_stem = path.name.split("-", 2)[:2]
    for old in [*path.parent.glob("snapshot-*.parquet"), *path.parent.glob("snapshot-*.lock")]:
        if old.name.split("-", 2)[:2] != snapshot_stem:
            old.unlink(missing_ok=True)


def _compute(
    targets: pd.DataFrame,
    cat: Any,
    models: str | list[str],
    pool: tuple[str, ...],
    n_windows: int,
    n_jobs: int | None,
    address: Any,
) -> pd.DataFrame:
    import forecasts
    from analytics.load import load

    ind = cat.indicators.set_index("code")
    year = int(targets["year"].iloc[0])
    keys = targets[["indicator", "area"]].drop_duplicates()
    data = load(
        sorted(keys["indicator"].unique()),
        areas=sorted(keys["area"].unique()),
        start=f"{year - 8}-01-01",
        end=f"{year}-12-31",
        frame="pandas",
    )
    assert isinstance(data, pd.DataFrame)
    data = data.merge(keys, on=["indicator", "area"])
    nix = forecasts.to_nixtla(data, tet=False)
    nix = nix[nix["y"].notna()]
    # forecast each frequency group up to the end of the target year
    fcs: list[pd.DataFrame] = []
    for freq, group in keys.assign(freq=keys["indicator"].map(ind["frequency"])).groupby("freq"):
        uids = (group["indicator"] + "|" + group["area"]).tolist()
        sub = nix[nix["unique_id"].isin(uids)]
        if sub.empty:
            continue
        last = sub.groupby("unique_id")["ds"].max().min()
        step = MONTHS[str(freq)]
        h = _periods_between(last, pd.Timestamp(year, 12, 1), step)
        if h < 1:
            continue
        fc = forecasts.forecast(
            sub,
            h=h,
            models=models,
            level=(LEVEL,),
            pool=pool,
            n_windows=n_windows,
            n_jobs=n_jobs,
            address=address,
            progress=False,
        )
        assert isinstance(fc, pd.DataFrame)
        fcs.append(fc)
    fc_all = pd.concat(fcs, ignore_index=True) if fcs else pd.DataFrame(columns=["unique_id", "ds"])
    model = models if isinstance(models, str) else models[0]
    rows = [
        _one(t, ind.loc[t["indicator"]], nix, fc_all, model) for t in targets.to_dict("records")
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def _periods_between(last: pd.Timestamp, end: pd.Timestamp, step: int) -> int:
    months = (end.year - last.year) * 12 + end.month - last.month
    return max(0, months // step)


def _one(t: dict, meta: pd.Series, nix: pd.DataFrame, fc: pd.DataFrame, model: str) -> dict:
    import forecasts

    uid = f"{t['indicator']}|{t['area']}"
    year = int(t["year"])
    hist = nix[nix["unique_id"] == uid]
    this_year = hist[hist["ds"].dt.year == year]
    row = {
        c: t.get(c)
        for c in (
            "code",
            "kind",
            "indicator",
            "area",
            "year",
            "comparison",
            "value",
            "value_hi",
            "source_doc",
            "demo",
        )
    }
    time_agg = str(meta["time_agg"])
    row["actual_to_date"] = _agg(this_year["y"].to_numpy(float), time_agg)
    f = fc[fc["unique_id"] == uid] if len(fc) and model in fc.columns else fc.iloc[0:0]
    if f.empty:
        f = pd.DataFrame(columns=["ds", model, f"{model}-lo-{LEVEL}", f"{model}-hi-{LEVEL}"])
    n_year = 12 // MONTHS.get(str(meta["frequency"]), 1)
    covered = len(this_year) + int((pd.to_datetime(f["ds"]).dt.year == year).sum()) if len(f) else 0
    if hist.empty or (len(this_year) < n_year and covered < n_year):
        row.update(projected=np.nan, lo=np.nan, hi=np.nan, p_met=np.nan, status="no_data")
        return row
    cmp = str(t["comparison"])
    first = ">=" if cmp == "range" else cmp
    res = forecasts.year_end(
        hist[["ds", "y"]],
        f,
        year,
        time_agg,
        model=model,
        target=float(t["value"]),
        comparison=first,
        level=(LEVEL,),
    )
    p = float(res["p_target"])
    if cmp == "range" and pd.notna(t.get("value_hi")):
        above = forecasts.year_end(
            hist[["ds", "y"]],
            f,
            year,
            time_agg,
            model=model,
            target=float(t["value_hi"]),
            comparison=">",
            level=(LEVEL,),
        )
        p = max(0.0, p - float(above["p_target"]))
    row.update(
        projected=res["projection"],
        lo=res[f"lo-{LEVEL}"],
        hi=res[f"hi-{LEVEL}"],
        p_met=p,
        status=status_of(p),
    )
    return row


def _agg(values: np.ndarray, time_agg: str) -> float:
    if len(values) == 0:
        return float("nan")
    if time_agg == "sum":
        return float(values.sum())
    if time_agg == "mean":
        return float(values.mean())
    return float(values[-1])


# -- one indicator: history, backtest, forecast, year-end against its target --------------------
def indicator_forecast(
    indicator: str,
    area: str = "VN",
    h: int = 6,
    models: list[str] | tuple[str, ...] = ("auto", "snaive"),
    n_windows: int = 2,
    start: str = "2017-01",
    level: int = LEVEL,
    n_jobs: int | None = 1,
    address: Any = None,
) -> dict[str, Any]:
    """Everything the indicator forecast report shows, as frames.

    Returns ``history`` (tidy), ``backtest`` and ``scores`` (forecasts.evaluate), ``forecast``
    (Nixtla frame with intervals), ``model`` (the best by MASE), ``year_end`` (one row per series
    with a target this year: projection, interval, P(met), status) and ``meta`` (catalog row).
    ``area="all"`` forecasts every area reporting the indicator.
    """
    import forecasts
    from analytics.load import load

    cat = catalog()
    meta = cat.indicator(indicator)
    areas = None if area == "all" else [area]
    hist = load(indicator, areas=areas, start=start, frame="pandas")
    assert isinstance(hist, pd.DataFrame)
    if hist.empty:
        raise NrisError(
            f"Chưa có số liệu {indicator} cho {area}", f"no data for {indicator} in {area}"
        )
    y = forecasts.to_nixtla(hist)
    models = list(models)
    kw = {
        "level": (level,),
        "n_jobs": n_jobs,
        "address": address,
        "progress": False,
        "pool": ("ets", "theta"),
    }
    cv = forecasts.backtest(y, h=h, n_windows=n_windows, models=models, **kw)
    scores = forecasts.evaluate(
        cv, train_df=y, level=(level,), metrics=("mase", "smape", "coverage")
    )
    mase = (
        scores[scores["metric"] == "mase"][models].iloc[0]
        if len(scores)
        else pd.Series(dtype=float)
    )
    best = str(mase.astype(float).idxmin()) if len(mase.dropna()) else models[0]
    fc = forecasts.forecast(y, h=h, models=models, n_windows=n_windows, **kw)
    assert isinstance(fc, pd.DataFrame)
    year = int(pd.Timestamp(hist["period"].max()).year)
    targets = cat.targets[(cat.targets["indicator"] == indicator) & (cat.targets["year"] == year)]
    rows = []
    ind = cat.indicators.set_index("code")
    for t in targets.to_dict("records"):
        if areas is not None and t["area"] not in areas:
            continue
        rows.append(_one(t, ind.loc[indicator], y, fc, best))
    return {
        "history": hist,
        "nixtla": y,
        "backtest": cv,
        "scores": scores,
        "forecast": fc,
        "model": best,
        "year_end": pd.DataFrame(rows, columns=COLUMNS),
        "meta": meta,
        "level": level,
    }


def show_indicator_forecast(res: dict[str, Any], lang: str = "vi") -> None:
    """Display :func:`indicator_forecast` in a notebook: narrative, charts, tables."""
    from IPython.display import Markdown, display

    from analytics import charts, narrative

    meta, vi = res["meta"], lang == "vi"
    name = str(meta["name_vi"] if vi else meta["name_en"])
    unit = str(meta["unit_vi"] if vi else meta["unit_en"])
    display(Markdown(f"# {'Dự báo' if vi else 'Forecast'}: {name}"))
    model, lv, fc = res["model"], res["level"], res["forecast"]
    scores = res["scores"].set_index("metric")
    display(Markdown(("## Đánh giá dự báo quá khứ (backtest)" if vi else "## Backtest") + "\n"))
    display(scores.round(3))
    notes = res["backtest"].attrs.get("notes", []) + fc.attrs.get("notes", [])
    if notes:  # fallbacks and filled gaps: the reader should know what the figures rest on
        display(Markdown("## Ghi chú mô hình" if vi else "## Model notes"))
        display(pd.DataFrame(notes).drop_duplicates())
    for uid, f in fc.groupby("unique_id"):
        area = str(uid).split("|", 1)[1]
        h = res["history"][res["history"]["area"] == area]
        last = f.iloc[-1]
        sentence = narrative.forecast_sentence(
            f"{name} ({area})",
            h["period"].max(),
            last["ds"],
            float(last[model]),
            last.get(f"{model}-lo-{lv}"),
            last.get(f"{model}-hi-{lv}"),
            unit,
            int(meta["decimals"]),
            lv,
            str(meta["frequency"]),
            lang,
        )
        display(Markdown(sentence + (f" *(mô hình: {model})*" if vi else f" *(model: {model})*")))
        target = res["year_end"][res["year_end"]["area"] == area]
        goal = float(target["value"].iloc[0]) if len(target) else None
        y = res["nixtla"][res["nixtla"]["unique_id"] == uid]
        display(
            charts.plot_series(
                y[["unique_id", "ds", "y"]],
                f,
                models=[model],
                level=[lv],
                target=goal,
                lang=lang,
                title=f"{name} – {area}",
                unit=unit,
                max_insample_length=60,
            )
        )
    if len(res["year_end"]):
        display(
            Markdown("## Dự báo cả năm so với mục tiêu" if vi else "## Year end against target")
        )
        lines = [
            narrative.target_sentence(r, name, lang) for r in res["year_end"].to_dict("records")
        ]
        display(Markdown("\n".join(f"- {s}" for s in lines)))
