"""The front: tidy Nixtla frames in, forecast / backtest / evaluation frames out.

``forecast`` and ``backtest`` prepare the series (gaps, NaN, exogenous future), hand them to
:mod:`forecasts.engine` (local processes by default, Dask when given an address) and assemble the
answer; ``evaluate`` and ``select`` are plain functions over the resulting frames, built on
``utilsforecast.losses``.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecasts import engine
from forecasts.frames import _pandas, full_range, future_dates, season_length

DEFAULT_LEVEL = (80, 95)


class ForecastNotesWarning(UserWarning):
    """Some series were not forecast as asked: a model fell back to a baseline, a pool model was
    lost, gaps were filled or a series was dropped. Details per series in ``attrs["notes"]``."""


def notes_summary(notes: Sequence[dict[str, Any]], n_series: int) -> str | None:
    """One line for a run's notes (how many series carry one, the commonest reason), or None.

    A model failing is caught per series by design (the series falls back to a baseline), so a
    model failing on every series would otherwise pass unseen in a notebook or a report.
    """
    if not notes:
        return None
    hit = len({n["unique_id"] for n in notes})
    reasons = pd.Series([str(n["note"]).split(";")[0][:100] for n in notes]).value_counts()
    return (
        f"{hit}/{n_series} chuỗi có ghi chú, notes on {hit} of {n_series} series "
        f"(result.attrs['notes']); commonest ({reasons.iloc[0]}x): {reasons.index[0]}"
    )


def _warn_notes(notes: list[dict[str, Any]], n_series: int) -> None:
    line = notes_summary(notes, n_series)
    if line:
        warnings.warn(line, ForecastNotesWarning, stacklevel=3)


# A century of months: far past any horizon worth forecasting, and within pandas' dates.
MAX_HORIZON = 1200


def _check(df: pd.DataFrame, h: int, level: Sequence[int]) -> None:
    if not isinstance(h, int | np.integer) or isinstance(h, bool) or h < 1:
        raise ValueError(f"horizon h must be a positive whole number of periods, got {h!r}")
    if h > MAX_HORIZON:
        raise ValueError(f"horizon h must be at most {MAX_HORIZON} periods, got {h}")
    missing = {"unique_id", "ds", "y"} - set(df.columns)
    if missing:
        raise ValueError(
            f"forecast frame lacks columns {sorted(missing)} (expected unique_id, ds, y)"
        )
    bad = [lv for lv in level if not 0 < lv < 100]
    if bad:
        raise ValueError(f"interval levels must lie strictly between 0 and 100, got {bad}")


def _models(models: str | Sequence[str]) -> tuple[str, ...]:
    from forecasts.registry import models as registry

    names = (models,) if isinstance(models, str) else tuple(models)
    known = set(registry()) | {"auto"}
    unknown = [m for m in names if m not in known]
    if unknown:
        raise ValueError(f"unknown model(s) {unknown}; choose from {', '.join(sorted(known))}")
    if not names:
        raise ValueError("no models given")
    return names


def prepare(
    df: Any, h: int, X_df: Any = None, season: int | None = None
) -> tuple[list[engine.Series], list[dict[str, Any]]]:
    """Split a Nixtla frame into clean series; returns them and the series that cannot run.

    Leading/trailing NaN are dropped, interior NaN and missing periods filled by linear
    interpolation, infinite values treated as NaN, and of rows for the same period the last
    kept (each noted). Exogenous columns are every column besides unique_id/ds/y; their
    future comes from ``X_df``, except ``tet`` which is computed from the calendar.
    """
    df = _pandas(df)
    exog = [c for c in df.columns if c not in ("unique_id", "ds", "y")]
    Xf_all = None if X_df is None else _pandas(X_df).copy()
    if Xf_all is not None:
        Xf_all["ds"] = pd.to_datetime(Xf_all["ds"])
    df = df.copy()
    df["ds"] = pd.to_datetime(df["ds"])
    df = df.sort_values(["unique_id", "ds"], kind="stable")
    uids, starts = np.unique(df["unique_id"].to_numpy(), return_index=True)
    bounds = list(starts[1:]) + [len(df)]
    ds_all = df["ds"].to_numpy()
    months_all = pd.DatetimeIndex(ds_all).year * 12 + pd.DatetimeIndex(ds_all).month
    y_all = pd.to_numeric(df["y"], errors="coerce").to_numpy(dtype=float)
    X_all = df[exog].to_numpy(dtype=float) if exog else None
    series, dropped = [], []
    for uid, a, b in zip(uids, starts, bounds, strict=True):
        y, mi = y_all[a:b], np.asarray(months_all[a:b])
        m = season or season_length(pd.DatetimeIndex(ds_all[a:b]))
        step = {12: 1, 4: 3}.get(m, 12)
        regular = len(y) > 0 and np.all(np.diff(mi) == step) and np.all(np.isfinite(y))
        if regular:  # fast path: nothing to fill
            full = pd.DatetimeIndex(ds_all[a:b])
            X = None if X_all is None else X_all[a:b]
            notes: list[str] = []
        else:
            g = df.iloc[a:b].drop_duplicates("ds", keep="last")
            notes = []
            if len(g) < b - a:
                notes.append(f"{b - a - len(g)} duplicate period(s): the last row of each kept")
            yv = pd.to_numeric(g["y"], errors="coerce").to_numpy(dtype=float)
            n_inf = int(np.isinf(yv).sum())
            if n_inf:  # an overflowed ratio or a bad cell: missing, not a value to fit
                notes.append(f"{n_inf} infinite value(s) treated as missing")
                yv = np.where(np.isinf(yv), np.nan, yv)
            g = g.assign(y=yv)
            valid = np.flatnonzero(np.isfinite(yv))
            if len(valid) == 0:
                dropped.append({"unique_id": uid, "note": "no finite values"})
                continue
            g = g.iloc[valid[0] : valid[-1] + 1]
            full = full_range(g["ds"], m)
            g = g.set_index("ds").reindex(full)
            n_missing = int(g["y"].isna().sum())
            if n_missing:
                notes.append(f"filled {n_missing} missing period(s) by linear interpolation")
            y = g["y"].astype(float).interpolate(method="linear").to_numpy(dtype=float)
            X = None
            if exog:
                Xh = g[exog].astype(float).interpolate(method="linear").ffill().bfill().fillna(0.0)
                X = Xh.to_numpy()
        future = future_dates(full[-1], h, m)
        Xf = _future_exog(uid, exog, future, Xf_all) if exog else None
        series.append(
            engine.Series(
                uid=str(uid),
                ds=full,
                y=np.asarray(y, dtype=float),
                X=X,
                Xf=Xf,
                season=m,
                future=future,
                notes=notes,
            )
        )
    return series, dropped


def _future_exog(uid: str, exog: list[str], future: pd.DatetimeIndex, X_df: Any) -> np.ndarray:
    cols = []
    for c in exog:
        if X_df is not None and c in X_df.columns:
            sub = X_df[X_df["unique_id"] == uid].set_index("ds")[c].reindex(future)
            if sub.isna().any():
                raise ValueError(f"X_df lacks future values of {c!r} for {uid}")
            cols.append(sub.to_numpy(dtype=float))
        elif c == "tet":
            from analytics.calendar import tet_share

            monthly = len(future) < 2 or (future[1] - future[0]).days < 32
            cols.append(tet_share(future) if monthly else np.zeros(len(future)))
        else:
            raise ValueError(f"exogenous column {c!r} needs its future values in X_df")
    return np.column_stack(cols)


def shared_fits(
    series: list[engine.Series],
    job: engine.Job,
    n_jobs: int | None = 1,
    address: Any = None,
) -> engine.Job:
    """``job`` with the shared fits of its cross-learning models (see :mod:`forecasts.cross`).

    One fit per frequency on the whole data for the final forecasts, and one on data cut short by
    the farthest backtest window for "auto"'s inner backtests, so no window sees its own future.
    The fits are independent: with ``n_jobs`` > 1 (or a Dask ``address``) they run side by side
    on the workers that run the series next, costliest first. On a small national run they were
    four fifths of the time, one after the other in this process (benchmarks/speed.py).
    """
    from forecasts.registry import make

    step = job.step or job.h
    reach = job.h + step * (job.n_windows - 1)  # the farthest window's distance from the end
    outer = 0 if job.mode == "forecast" else reach
    tasks: list[tuple[int, tuple[str, int, int], Any, list[np.ndarray], dict[str, Any]]] = []
    for m in sorted({s.season for s in series}):
        pool = engine.auto_pool(job.pool, m) if "auto" in job.models else ()
        for name in sorted((set(job.models) | set(pool)) - {"auto"}):
            model = make(name, season_length=m, **job.model_params(name))
            if not hasattr(model, "learn_many"):
                continue
            holdouts = {outer, outer + reach} if name in pool else {outer}
            for H in sorted(holdouts):
                part = [s for s in series if s.season == m and len(s.y) > H]
                ys = [s.y[: len(s.y) - H] for s in part]
                # exogenous columns known ahead (the Tết share) for the learners that read them
                kw = {}
                if getattr(model, "reads_exog", False) and all(s.X is not None for s in part):
                    kw["Xs"] = [s.X[: len(s.y) - H] for s in part if s.X is not None]
                tasks.append((len(tasks), (name, m, H), model, ys, kw))
    # costliest first (the networks, then the most data), so no long fit starts last
    order = sorted(tasks, key=lambda t: (t[1][0] != "global_mlp", -sum(len(y) for y in t[3])))
    done = engine.map_chunks(
        _learn, [[t] for t in order], job.h, n_jobs=n_jobs, address=address, progress=False,
        keep_pool=True,
    )  # fmt: skip
    fits = [(key, fit) for _, key, fit in sorted(done, key=lambda r: r[0]) if fit is not None]
    return dataclasses.replace(job, learners=tuple(fits))


def _learn(chunk: list[tuple], h: int) -> list[tuple[int, tuple[str, int, int], Any]]:
    """A worker's task: the shared fits of ``chunk`` (None where there is nothing to learn from,
    and each series then learns alone)."""
    from forecasts.base import ForecastInputError, one_thread

    out = []
    for i, key, model, ys, kw in chunk:
        try:
            with one_thread():  # threads would fight the other workers for the cores
                out.append((i, key, model.learn_many(ys, h, **kw)))
        except ForecastInputError:
            out.append((i, key, None))
    return out


def _job(
    models, h, level, n_windows, step, pool, combine, mode, fitted, params, clean=False
) -> engine.Job:
    frozen = tuple((k, tuple(sorted(v.items()))) for k, v in sorted((params or {}).items()))
    return engine.Job(
        h=int(h),
        models=_models(models),
        level=tuple(sorted(int(lv) for lv in level)),
        n_windows=int(n_windows),
        step=step,
        pool=tuple(pool),
        combine=combine,
        mode=mode,
        fitted=fitted,
        params=frozen,
        clean=bool(clean),
    )


def forecast(
    df: Any,
    h: int,
    models: str | Sequence[str] = "auto",
    level: Sequence[int] = DEFAULT_LEVEL,
    *,
    X_df: Any = None,
    n_windows: int = 3,
    step: int | None = None,
    pool: Sequence[str] = (),
    combine: str = "median",
    fitted: bool = False,
    season: int | None = None,
    model_params: dict[str, dict[str, Any]] | None = None,
    clean: bool = False,
    n_jobs: int | None = None,
    address: Any = None,
    progress: bool = True,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Forecast ``h`` periods of every series with each model in ``models`` ("auto" or names).

    "auto" combines the ``pool`` models (default ``engine.AUTO_POOLS`` by frequency) per series:
    ``combine`` "median" of their forecasts (default; the most accurate on M3), "mean", or weights
    from their rolling-origin backtest error ("inverse", "best", "topK"). It backtests the pool
    over ``n_windows`` windows of ``h`` steps and calibrates its intervals on the pooled
    standardised backtest errors of all series of the same frequency (recent windows weighing
    most). With ``clean`` "auto" fits its pool on the history with outliers replaced
    (:func:`forecasts.outliers.clean`: a lockdown month the series came back from must not drag
    the levels and seasons it extrapolates; a level shift is left for the models to follow); its
    backtest errors are still measured on the series as it is. Off by default: it did worse on
    the GSO tuning windows.
    Returns ``unique_id, ds, <model>, <model>-lo-<level>, <model>-hi-<level>``; notes about
    fallbacks and filled gaps are in ``result.attrs["notes"]`` (summed up in one
    :class:`ForecastNotesWarning`). With ``fitted=True`` also returns
    the in-sample fitted values (``unique_id, ds, y, <model>``), as MinT reconciliation needs.
    Runs on local processes (``n_jobs``, default all cores) or a Dask cluster at ``address``.
    """
    df = _pandas(df)
    _check(df, h, level)
    job = _job(
        models, h, level, n_windows, step, pool, combine, "forecast", fitted, model_params, clean
    )
    series, dropped = prepare(df, h, X_df, season)
    job = shared_fits(series, job, n_jobs=n_jobs, address=address)
    results = engine.dispatch(series, job, n_jobs=n_jobs, address=address, progress=progress)
    by_uid = {s.uid: s for s in series}
    _calibrate(results, job.level)
    frames, fits, notes = [], [], [dict(d) for d in dropped]
    for r in results:
        s = by_uid[r["uid"]]
        notes += [{"unique_id": r["uid"], "note": n} for n in r["notes"]]
        if r["rows"] is None:
            continue
        frames.append({"unique_id": r["uid"], "ds": s.future[: job.h], **r["rows"]})
        if fitted and r.get("fitted"):
            fits.append({"unique_id": r["uid"], "ds": s.ds, "y": s.y, **r["fitted"]})
    out = _concat(frames, ["unique_id", "ds"])
    out.attrs["notes"] = notes
    _warn_notes(notes, len(series) + len(dropped))
    weights = [
        {"unique_id": r["uid"], **r["auto"].get("weights", {})} for r in results if r["auto"]
    ]
    out.attrs["weights"] = weights
    if fitted:
        return out, _concat(fits, ["unique_id", "ds"])
    return out


def _concat(records: list[dict[str, Any]], keys: list[str]) -> pd.DataFrame:
    """One frame from per-series column dicts (scalars broadcast), built column by column:
    a DataFrame per series and pd.concat cost more than the naive model itself."""
    if not records:
        return pd.DataFrame(columns=keys)
    lengths = [
        len(next(v for v in r.values() if not np.isscalar(v) and not isinstance(v, pd.Timestamp)))
        for r in records
    ]
    cols: list[str] = []
    for r in records:
        cols += [c for c in r if c not in cols]
    data = {}
    for c in cols:
        parts = []
        for r, n in zip(records, lengths, strict=True):
            v = r.get(c, np.nan)
            parts.append(
                np.repeat(v, n) if np.isscalar(v) or isinstance(v, pd.Timestamp) else np.asarray(v)
            )
        data[c] = np.concatenate(parts)
    out = pd.DataFrame(data)
    for c in ("ds", "cutoff"):
        if c in out.columns:
            out[c] = pd.to_datetime(out[c])
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


def calibration_factors(
    z: np.ndarray, level: Sequence[int], min_points: int = 30, weights: np.ndarray | None = None
) -> dict[int, Any]:
    """Interval half-width in standard-deviation units per level, from standardised errors.

    Empirical quantiles of |z| when there are enough of them (so 80% intervals cover about 80%
    of backtest errors), the normal quantile otherwise. ``z`` with one column per step ahead
    (windows x steps, NaN where unknown) gives one factor per step, each step's quantile where
    it has ``min_points`` errors, the quantile of all steps where not: the models' own intervals
    widen with the horizon by their assumptions, the errors by what the series did. ``weights``
    (one per row of ``z``, default equal) weigh the errors in the quantiles
    (:func:`weighted_quantile`): recent windows count more (:func:`engine.window_weights`).
    """
    from scipy.stats import norm

    z = np.abs(np.asarray(z, dtype=float))
    w = np.ones(len(z)) if weights is None else np.asarray(weights, dtype=float)
    w = np.broadcast_to(w.reshape(-1, *[1] * (z.ndim - 1)), z.shape)
    finite = np.isfinite(z)
    out: dict[int, Any] = {}
    for lv in level:
        normal = float(norm.ppf(0.5 + lv / 200))
        q = lv / 100
        pooled = (
            weighted_quantile(z[finite], w[finite], q) if finite.sum() >= min_points else normal
        )
        if z.ndim == 2:
            steps = np.full(z.shape[1], pooled)
            for j in range(z.shape[1]):
                ok = finite[:, j]
                if ok.sum() >= min_points:
                    steps[j] = weighted_quantile(z[ok, j], w[ok, j], q)
            out[lv] = steps
        else:
            out[lv] = pooled
    return out


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``x`` with weights ``w``: numpy's default (linear) quantile with
    each sorted value placed at the weight before it over the total weight less the last one's
    (equal weights give ``np.quantile`` exactly)."""
    order = np.argsort(x, kind="stable")
    x, w = np.asarray(x, dtype=float)[order], np.asarray(w, dtype=float)[order]
    if len(x) == 1:
        return float(x[0])
    before = np.cumsum(w) - w
    return float(np.interp(q, before / before[-1], x))


def _calibrate(results: list[dict[str, Any]], level: Sequence[int]) -> None:
    """Turn each auto forecast's (mean, scale) into intervals with factors pooled by frequency
    and kind of scale (:func:`forecasts.engine.calibration_scores`), each series' inner windows
    weighted by their recency (:func:`forecasts.engine.window_weights`).

    A backtest pools the errors of each window apart (the latest windows of all series, then
    the ones before...): a window's intervals are calibrated on the inner backtests of its own
    history only, never on errors made after its cutoff.
    """
    pools: dict[tuple[int, int, str], list[np.ndarray]] = {}
    for r in results:
        for _, info, back in _auto_pairs(r):
            pools.setdefault((r["season"], back, info["kind"]), []).append(info["z"])
    factors = {}
    for key, zs in pools.items():
        rows = [np.atleast_2d(z) for z in zs]
        weights = np.concatenate([engine.window_weights(len(z)) for z in rows])
        factors[key] = calibration_factors(np.vstack(rows), level, weights=weights)
    for r in results:
        for cols, info, back in _auto_pairs(r):
            f = factors[(r["season"], back, info["kind"])]
            k = len(cols["auto"])
            scale = info["scale"]
            for lv in level:
                half = np.broadcast_to(f[lv], (len(scale),))[:k] * scale[:k]
                cols[f"auto-lo-{lv}"] = cols["auto"] - half
                cols[f"auto-hi-{lv}"] = cols["auto"] + half


def _auto_pairs(r: dict[str, Any]) -> list[tuple[dict, dict, int]]:
    """(columns, auto's info, windows from the end) of each forecast of a result."""
    rows = r.get("rows")
    if rows is None:
        return []
    if isinstance(rows, list):  # backtest windows, oldest first
        return [
            (w["cols"], w["auto"], len(rows) - 1 - i)
            for i, w in enumerate(rows)
            if "auto" in w["cols"]
        ]
    return [(rows, r["auto"], 0)] if "auto" in rows else []


def backtest(
    df: Any,
    h: int,
    n_windows: int = 3,
    step: int | None = None,
    models: str | Sequence[str] = "auto",
    level: Sequence[int] = DEFAULT_LEVEL,
    *,
    X_df: Any = None,
    pool: Sequence[str] = (),
    combine: str = "median",
    season: int | None = None,
    model_params: dict[str, dict[str, Any]] | None = None,
    clean: bool = False,
    n_jobs: int | None = None,
    address: Any = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Rolling-origin evaluation: ``n_windows`` cutoffs ``step`` periods apart (default ``h``).

    Returns ``unique_id, ds, cutoff, y, <model>...`` like statsforecast's cross_validation;
    "auto" runs its own inner backtest inside each window (no look-ahead).
    """
    df = _pandas(df)
    _check(df, h, level)
    if n_windows < 1:
        raise ValueError(f"n_windows must be at least 1, got {n_windows}")
    job = _job(
        models, h, level, n_windows, step, pool, combine, "backtest", False, model_params, clean
    )
    series, dropped = prepare(df, h, X_df, season)
    job = shared_fits(series, job, n_jobs=n_jobs, address=address)
    results = engine.dispatch(series, job, n_jobs=n_jobs, address=address, progress=progress)
    _calibrate(results, job.level)
    frames, notes = [], [dict(d) for d in dropped]
    for r in results:
        notes += [{"unique_id": r["uid"], "note": n} for n in r["notes"]]
        for w in r["rows"] or []:
            frames.append(
                {
                    "unique_id": r["uid"],
                    "ds": w["ds"],
                    "cutoff": w["cutoff"],
                    "y": w["y"],
                    **w["cols"],
                }
            )
    out = _concat(frames, ["unique_id", "cutoff", "ds"])
    out.attrs["notes"] = notes
    _warn_notes(notes, len(series) + len(dropped))
    return out
