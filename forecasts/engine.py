"""Per-series work (fit, backtest, auto selection/combination) and its parallel dispatch.

Everything a worker does lives in :func:`run_series`, a plain function of one series and a
:class:`Job`, so local processes and a Dask cluster run the very same code. A model failing on a
series falls back to a baseline and leaves a note; it never stops the other series.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecasts.base import ForecastInputError
from forecasts.registry import make

Z80 = 1.2815515655446004
# interval calibration (calibration_scores), chosen on the GSO tuning windows (README): each
# inner backtest window weighs half the one after it, and the models' deviation is corrected
# three quarters of the way towards the size of the series' own backtest errors
RECENCY = 0.5
SCALE_POWER = 0.75
FALLBACK = ("snaive", "naive")
# "auto"'s default pools by season length, chosen on M3 (benchmarks/m3.py) with time in mind:
# ARIMA costs ten times ETS for little gain; CES helps monthly series and hurts annual ones; the
# neural global model helps quarterly and annual series (on M3, and on a window held out of their
# training data alike) and would cost the monthly run its 5 minutes. On the GSO tuning windows
# the median of Theta, CES and global beat this monthly pool (MASE 0.964/0.845/1.387 ->
# 0.936/0.840/1.363, and 1.131 -> 1.121 on the window after 2020 Q2) but lost on M3 monthly
# (sMAPE/MASE 13.296/0.823 -> 13.720/0.833), so the pool stays.
AUTO_POOLS = {
    12: ("ets", "dotheta", "ces", "global"),
    4: ("ets", "theta", "global", "global_mlp"),
    1: ("ets", "dotheta", "theta", "global", "global_mlp"),
}


def auto_pool(job_pool: Sequence[str], season: int) -> tuple[str, ...]:
    """The models "auto" combines for a series of ``season``: the job's pool, else the default."""
    return tuple(job_pool) or AUTO_POOLS.get(season, AUTO_POOLS[1])


@dataclass
class Series:
    """One prepared series: no gaps, no NaN; ``X``/``Xf`` exogenous history and future."""

    uid: str
    ds: pd.DatetimeIndex
    y: np.ndarray
    X: np.ndarray | None
    Xf: np.ndarray | None
    season: int
    future: pd.DatetimeIndex
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Job:
    """What to do with every series (shipped once per task to the workers)."""

    h: int
    models: tuple[str, ...]
    level: tuple[int, ...]
    n_windows: int = 3
    step: int | None = None
    pool: tuple[str, ...] = ()  # empty: AUTO_POOLS by frequency
    combine: str = "median"
    mode: str = "forecast"  # or "backtest"
    fitted: bool = False
    params: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    # shared cross-learning fits: ((model, season, holdout), learner), see forecasts.cross
    learners: tuple[tuple[tuple[str, int, int], Any], ...] = ()
    clean: bool = False  # "auto" fits its pool on the history with outliers replaced

    def model_params(self, name: str) -> dict[str, Any]:
        return dict(dict(self.params).get(name, ()))


# -- one model on one stretch of history, with the baseline fallback -----------------------------
def fit_predict(
    name: str,
    s: Series,
    end: int,
    h: int,
    level: Sequence[int],
    fitted: bool = False,
    form: dict[str, Any] | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray | None, dict[str, Any]]:
    """Fit ``name`` on ``s.y[:end]`` and forecast ``h`` steps; raise on failure or non-finite output.

    ``form`` fixes what the model would otherwise search for (see ``Forecaster.chosen_form``);
    if that form cannot be fitted on this stretch, the model searches as usual. Returns the
    forecast, the in-sample fit (with ``fitted``) and the form chosen.
    """
    if form:
        try:
            return _fit_predict(name, s, end, h, level, fitted, form)
        except Exception:  # e.g. a seasonal type on a stretch too short for a season
            pass
    return _fit_predict(name, s, end, h, level, fitted, {})


def _fit_predict(
    name: str,
    s: Series,
    end: int,
    h: int,
    level: Sequence[int],
    fitted: bool,
    form: dict[str, Any],
) -> tuple[dict[str, np.ndarray], np.ndarray | None, dict[str, Any]]:
    model = make(name, season_length=s.season, **{**_PARAMS.get(name, {}), **form})
    if hasattr(model, "learn_many"):  # a cross-learning model: give it the shared fit
        model.set_params(learner=shared_learner(name, s.season, len(s.y) - end))
    X = None if s.X is None else s.X[:end]
    if s.X is None:
        Xf = None
    elif end + h <= len(s.y):
        Xf = s.X[end : end + h]
    else:
        assert s.Xf is not None, "prepare() sets the future exogenous values"
        Xf = s.Xf[:h]
    model.fit(s.y[:end], X, s.ds[:end])
    out = model.predict(h, Xf, level=list(level))
    if not all(np.all(np.isfinite(v)) for v in out.values()):
        raise ForecastInputError(f"{name}: non-finite forecast")
    return out, (getattr(model, "fitted_", None) if fitted else None), model.chosen_form()


_PARAMS: dict[str, dict[str, Any]] = {}  # per-process model parameters, set by run_chunk
_LEARNERS: dict[tuple[str, int, int], Any] = {}  # per-process shared fits, set by run_chunk


def shared_learner(name: str, season: int, holdout: int) -> Any:
    """The shared fit for a window ``holdout`` periods before the series' end, or None.

    A fit made on data cut ``H`` periods short has seen nothing of a window that starts ``W <= H``
    periods before the end, so the closest such ``H`` serves it without look-ahead.
    """
    fits = [k for k in _LEARNERS if k[0] == name and k[1] == season and k[2] >= holdout]
    return _LEARNERS[min(fits, key=lambda k: k[2])] if fits else None


def robust(
    name: str, s: Series, end: int, h: int, level: Sequence[int], fitted: bool = False
) -> tuple[dict[str, np.ndarray], np.ndarray | None, str]:
    """:func:`fit_predict` with the documented fallback: seasonal naive, then naive."""
    tried = [name] + [f for f in FALLBACK if f != name]
    errors: list[str] = []
    for candidate in tried:
        try:
            out, fit, _ = fit_predict(candidate, s, end, h, level, fitted)
            if errors:
                s.notes.append(f"{name}: {errors[0]}; used {candidate}")
            return out, fit, candidate
        except Exception as exc:  # one model failing must never lose the series
            errors.append(f"{type(exc).__name__}: {exc}".splitlines()[0][:200])
    raise ForecastInputError(f"{s.uid}: no model could forecast ({'; '.join(errors)})")


# -- auto: rolling-origin backtest of the pool, weights, combination ----------------------------
def cutoffs(n: int, h: int, n_windows: int, step: int | None, min_train: int) -> list[int]:
    """Training lengths of the backtest windows (oldest first); fewer if the series is short."""
    step = step or h
    ends = [n - h - step * w for w in range(n_windows)]
    return sorted(e for e in ends if e >= min_train)


def _weights(scores: dict[str, float], combine: str) -> dict[str, float]:
    ok = {m: v for m, v in scores.items() if np.isfinite(v)}
    if not ok:
        return {}
    ranked = sorted(ok, key=lambda m: (ok[m], m))
    if combine == "best":
        return {ranked[0]: 1.0}
    if combine in ("mean", "median"):
        return {m: 1.0 / len(ranked) for m in ranked}
    if combine.startswith("top"):
        k = int(combine[3:] or 3)
        return {m: 1.0 / min(k, len(ranked)) for m in ranked[:k]}
    if combine == "inverse":
        inv = {m: 1.0 / max(ok[m], 1e-12) for m in ranked}
        total = sum(inv.values())
        return {m: v / total for m, v in inv.items()}
    raise ValueError(f"unknown combine rule {combine!r} (median, mean, best, topK, inverse)")


def _combine(values: list[np.ndarray], weights: list[float], rule: str) -> np.ndarray:
    """The pool's forecasts combined: their median (robust to one model going astray), or the
    weighted mean."""
    if rule == "median":
        return np.median(np.vstack(values), axis=0)
    return np.sum([w * v for v, w in zip(values, weights, strict=True)], axis=0) / sum(weights)


def _pool_levels(pool: Sequence[str]) -> dict[str, tuple[int, ...]]:
    """The interval levels to ask of each pool model: 80%, unless its intervals cost far more than
    its forecast and another model of the pool gives one."""
    from forecasts.registry import models

    registry = models()
    cheap = {m: getattr(registry.get(m), "cheap_intervals", True) for m in pool}
    return {m: (80,) if cheap[m] or not any(cheap.values()) else () for m in pool}


def _sd(out: dict[str, np.ndarray]) -> np.ndarray | None:
    """Standard-deviation proxy from a forecast's 80% interval (None without one)."""
    return (out["hi-80"] - out["lo-80"]) / (2 * Z80) if "hi-80" in out else None


def _mean_sd(sds: list[np.ndarray | None]) -> np.ndarray:
    return np.mean([v for v in sds if v is not None], axis=0)


def auto(s: Series, job: Job, end: int, h: int) -> dict[str, Any]:
    """Fit the pool on ``s.y[:end]``, backtest it, weight (or not, for the median) by its error
    and combine.

    The inner backtest windows refit the form each model chose on ``s.y[:end]`` (its parameters
    re-estimated): they calibrate the intervals and drop models that fail, and searching the
    form again in each window cost ETS most of its time. An outer ``backtest`` cuts ``end``
    itself, so its windows stay unseen.

    Returns the combined mean, its standard-deviation proxy per step (the mean of the models' 80%
    interval widths), the backtest errors over that deviation used to calibrate intervals
    (windows x steps ahead), the weights.
    """
    y = s.y[:end]
    raw = s
    if job.clean:  # fit on the history without its shocks; errors are still measured on y
        from forecasts.outliers import clean

        yc, n_out = clean(y, s.season)
        if n_out:
            s = dataclasses.replace(s, y=np.concatenate([yc, s.y[end:]]))
    pool = auto_pool(job.pool, s.season)
    min_train = max(2 * s.season + 2, 8) if s.season > 1 else 6
    cuts = cutoffs(end, h, job.n_windows, job.step, min_train)
    if not cuts and end - 1 >= 6:  # short series: one shorter window still ranks the models
        cuts = [max(end - h, 4)]
    levels = _pool_levels(pool)
    # the final fits first: the backtest windows below refit the forms they chose
    finals: dict[str, tuple[np.ndarray, np.ndarray | None, np.ndarray | None] | str] = {}
    forms: dict[str, dict[str, Any]] = {}
    for m in pool:
        try:
            out, fit, forms[m] = fit_predict(m, s, end, h, levels[m], job.fitted)
            finals[m] = (out["mean"], _sd(out), None if fit is None else np.asarray(fit, float))
        except Exception as exc:
            finals[m] = f"{type(exc).__name__}: {str(exc)[:120]}"
    errs: dict[str, list[float]] = {m: [] for m in pool}
    preds: dict[str, dict[int, np.ndarray]] = {m: {} for m in pool}
    for c in cuts:
        k = min(h, end - c)
        for m in pool:
            try:  # no intervals: the errors are scaled by the final forecast's deviation
                out, _, _ = fit_predict(m, s, c, k, (), form=forms.get(m))
            except Exception:
                errs[m].append(np.inf)
                continue
            preds[m][c] = out["mean"]
            errs[m].append(float(np.mean(np.abs(y[c : c + k] - out["mean"]))))
    scores = {m: float(np.mean(e)) if e else np.nan for m, e in errs.items()}
    weights = _weights(scores, job.combine) if cuts else {}
    if not weights:  # no backtest possible: plain mean of whatever fits
        weights = {m: 1.0 / len(pool) for m in pool}
    # backtest errors of the combination, for interval calibration: one row per window, one
    # column per step ahead (NaN where unknown)
    inner: list[np.ndarray] = []
    for c in cuts:
        if all(c in preds[m] for m in weights):
            ws = list(weights.values())
            mean = _combine([preds[m][c] for m in weights], ws, job.combine)
            e = np.full(h, np.nan)
            e[: len(mean)] = y[c : c + len(mean)] - mean
            inner.append(e)
    means: list[np.ndarray] = []
    sds: list[np.ndarray | None] = []
    fits: list[np.ndarray | None] = []
    used: dict[str, float] = {}
    for m, w in weights.items():
        final = finals[m]
        if isinstance(final, str):
            s.notes.append(f"auto/{m}: {final}")
            continue
        used[m] = w
        means.append(final[0])
        sds.append(final[1])
        fits.append(final[2])
    if not used:
        out, fit, base = robust(FALLBACK[0], raw, end, h, (80,), job.fitted)
        s.notes.append(f"auto: every pool model failed; used {base}")
        used = {base: 1.0}
        means, sds = [out["mean"]], [_sd(out)]
        fits = [fit]
    total = sum(used.values())
    ws = list(used.values())
    fitted = None
    if job.fitted and all(f is not None for f in fits):
        fitted = _combine([f for f in fits if f is not None], ws, job.combine)
    sd = _mean_sd(sds)
    z, scale, kind = calibration_scores(sd, inner, h)
    return {
        "mean": _combine(means, ws, job.combine),
        "sd": sd,
        "scale": scale,
        "kind": kind,
        "z": z,
        "weights": {m: w / total for m, w in used.items()},
        "fitted": fitted,
    }


def calibration_scores(
    sd: np.ndarray, inner: list[np.ndarray], h: int
) -> tuple[np.ndarray, np.ndarray, str]:
    """Calibration scores of auto's inner backtest errors, the scale the interval is drawn with,
    and the kind of scale ("sd" or "series": scores of the two kinds are pooled apart).

    The yardstick is the final forecast's own standard deviation per step ``sd`` (an inner fit's,
    narrower before a shock, times the final one's that has seen it, counted the shock twice).
    The pool models' deviations misjudge whole kinds of series, though (on the GSO tuning windows
    80% intervals covered 93% of consumer-price months and 66% of state-investment months), so
    with two inner windows or more the deviation is corrected three quarters of the way towards
    the size of the series' own backtest errors: ``sd * (mae / mean(sd)) ** 0.75``, where ``mae``
    is the mean absolute error of the windows, each weighing :data:`RECENCY` times the one after
    it (the regime the forecast starts in counts most). Each window's errors are scored against
    the same weighted error size of the *other* windows, as the forecast's scale is made from
    windows that do not contain its errors (scored against their own error size, the scores came
    out small and the intervals too narrow).
    """
    if not inner:
        return np.empty((0, h)), sd, "sd"
    E = np.vstack(inner)
    with np.errstate(divide="ignore", invalid="ignore"):
        size = np.array([np.nanmean(np.abs(e)) if np.isfinite(e).any() else np.nan for e in E])
        ok = np.isfinite(size) & (size > 0)
        weight = window_weights(len(E))
        level = float(np.mean(sd))
        if ok.sum() >= 2 and np.isfinite(level) and level > 0:

            def scale_of(use: np.ndarray) -> np.ndarray:
                mae = np.sum(weight[use] * size[use]) / np.sum(weight[use])
                return sd * (mae / level) ** SCALE_POWER

            rows = [E[i] / scale_of(ok & (np.arange(len(E)) != i)) for i in range(len(E))]
            z, scale, kind = np.vstack(rows), scale_of(ok), "series"
        else:
            z, scale, kind = E / sd[None, :], sd, "sd"
    return np.where(np.isfinite(z), z, np.nan), scale, kind


def window_weights(n: int) -> np.ndarray:
    """Weights of ``n`` inner backtest windows, oldest first: each :data:`RECENCY` times the
    next, the latest 1 (the scale's error size and the pooled quantiles both use them)."""
    return RECENCY ** np.arange(n - 1, -1, -1, dtype=float)


# -- one series, one job ------------------------------------------------------------------------
def run_series(s: Series, job: Job) -> dict[str, Any]:
    """Forecast (or backtest) every requested model on one series; never raises."""
    result: dict[str, Any] = {"uid": s.uid, "season": s.season, "rows": None, "auto": {}}
    try:
        if job.mode == "backtest":
            result["rows"] = _backtest_rows(s, job)
        else:
            result["rows"], result["fitted"], result["auto"] = _forecast_rows(s, job, len(s.y))
    except Exception as exc:
        s.notes.append(f"{type(exc).__name__}: {str(exc)[:200]}")
    result["notes"] = list(s.notes)
    return result


def _forecast_rows(s: Series, job: Job, end: int, h: int | None = None) -> tuple[dict, dict, dict]:
    h = h or job.h
    cols: dict[str, np.ndarray] = {}
    fitted: dict[str, np.ndarray] = {}
    auto_info: dict[str, Any] = {}
    for name in job.models:
        if name == "auto":
            info = auto(s, job, end, h)
            cols["auto"] = info.pop("mean")
            if info["fitted"] is not None:
                fitted["auto"] = info["fitted"]
            auto_info = info
            continue
        out, fit, _ = robust(name, s, end, h, job.level, job.fitted)
        cols[name] = out["mean"]
        for lv in job.level:
            cols[f"{name}-lo-{lv}"] = out[f"lo-{lv}"]
            cols[f"{name}-hi-{lv}"] = out[f"hi-{lv}"]
        if fit is not None:
            fitted[name] = np.asarray(fit, dtype=float)
    return cols, fitted, auto_info


def _backtest_rows(s: Series, job: Job) -> list[dict[str, Any]]:
    n = len(s.y)
    min_train = max(s.season + 2, 4)
    out = []
    for c in cutoffs(n, job.h, job.n_windows, job.step, min_train):
        k = min(job.h, n - c)
        cols, _, info = _forecast_rows(s, job, c, k)
        out.append(
            {
                "cutoff": s.ds[c - 1],
                "ds": s.ds[c : c + k],
                "y": s.y[c : c + k],
                "cols": cols,
                "auto": info,
            }
        )
    return out


def run_chunk(chunk: list[Series], job: Job) -> list[dict[str, Any]]:
    """A worker's task: several series in a row (amortises shipping the job)."""
    _PARAMS.clear()
    _PARAMS.update({name: job.model_params(name) for name, _ in job.params})
    _LEARNERS.clear()
    _LEARNERS.update(dict(job.learners))
    import warnings

    from forecasts.base import one_thread

    with one_thread(), warnings.catch_warnings():
        # numerical warnings of the libraries, once per series, drown a 1,000-series log;
        # failures still surface as notes through the fallback
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        return [run_series(s, job) for s in chunk]


# -- dispatch -----------------------------------------------------------------------------------
def map_chunks(
    fn: Callable[..., list],
    chunks: list,
    *args: Any,
    n_jobs: int | None = None,
    address: str | Any | None = None,
    progress: bool = True,
    desc: str = "forecasts",
    keep_pool: bool = False,
) -> list:
    """``fn(chunk, *args)`` for every chunk, concatenated in input order whatever the backend.

    In this process (one job or one chunk), on local processes (default), or on the Dask cluster at
    ``address``. ``keep_pool`` reuses warm local workers across calls. The report runner uses
    this too, so forecasts and papermill fan-out scale out the same way.
    """
    n_jobs = n_jobs or os.cpu_count() or 1
    if address is not None:
        from distributed import Client, as_completed

        client = address if isinstance(address, Client) else Client(address)
        try:
            shared = [client.scatter(a, broadcast=True) for a in args]
            futures = [client.submit(fn, c, *shared, pure=False) for c in chunks]
            return _collect(futures, progress, as_completed, desc)
        finally:
            if client is not address:
                client.close()
    if n_jobs == 1 or len(chunks) <= 1:
        return [r for c in _bar(chunks, progress, len(chunks), desc) for r in fn(c, *args)]
    if not keep_pool:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        ctx = mp.get_context("fork" if os.name == "posix" else "spawn")
        with ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx) as fresh:
            return _collect(
                [fresh.submit(fn, c, *args) for c in chunks], progress, _local_as_completed, desc
            )
    pool = _local_pool(n_jobs)
    try:
        futures = [pool.submit(fn, c, *args) for c in chunks]
        return _collect(futures, progress, _local_as_completed, desc)
    except Exception:
        _POOLS.pop(n_jobs, None)  # a broken pool is not reused
        pool.shutdown(wait=False, cancel_futures=True)
        raise


def dispatch(
    series: list[Series],
    job: Job,
    n_jobs: int | None = None,
    address: str | Any | None = None,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Run every series: in this process, on local processes (default), or on a Dask cluster.

    Results come back in input order whatever the backend, so runs are comparable.
    """
    workers = n_jobs or os.cpu_count() or 1
    if address is not None:
        workers = _dask_workers(address)
    size = max(1, math.ceil(len(series) / (workers * 4)))
    chunks = [series[i : i + size] for i in range(0, len(series), size)]
    return map_chunks(
        run_chunk, chunks, job, n_jobs=n_jobs, address=address, progress=progress, keep_pool=True
    )


def _dask_workers(address: str | Any) -> int:
    from distributed import Client

    client = address if isinstance(address, Client) else Client(address)
    try:
        return max(1, len(client.scheduler_info().get("workers", {})))
    finally:
        if client is not address:
            client.close()


_POOLS: dict[int, Any] = {}


# the model libraries the workers of a national run all load (statsforecast alone pulls in
# statsmodels and scipy.stats): imported here once before they fork and shared
# copy-on-write, instead of by each worker on its first task (~2 s of CPU per process)
PRELOAD = ("statsforecast.models", "sklearn.ensemble", "sklearn.neural_network")


def _local_pool(workers: int) -> Any:
    """A process pool kept for the session: warm workers keep the model libraries loaded (and the
    parent loads them before forking, :data:`PRELOAD`), so only the first call pays for them."""
    if workers not in _POOLS:
        import atexit
        import importlib

        from forecasts.nixtla import load_compat

        load_compat()
        for name in PRELOAD:
            importlib.import_module(name)
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        ctx = mp.get_context("fork" if os.name == "posix" else "spawn")
        _POOLS[workers] = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        if len(_POOLS) == 1:
            atexit.register(shutdown_pools)
    return _POOLS[workers]


def shutdown_pools() -> None:
    """Stop the kept worker processes (also registered at exit)."""
    while _POOLS:
        _, pool = _POOLS.popitem()
        pool.shutdown(wait=True, cancel_futures=True)


def _local_as_completed(futures: list) -> Iterable:
    from concurrent.futures import as_completed

    return as_completed(futures)


def _collect(futures: list, progress: bool, as_completed: Callable, desc: str) -> list:
    order = {f: i for i, f in enumerate(futures)}
    done: dict[int, list] = {}
    for fut in _bar(as_completed(futures), progress, len(futures), desc):
        done[order[fut]] = fut.result()
    return [r for i in range(len(futures)) for r in done[i]]


def _bar(it: Iterable, progress: bool, total: int, desc: str) -> Iterable:
    if not progress:
        return it
    from tqdm.auto import tqdm

    return tqdm(it, total=total, desc=desc, unit="chunk", leave=False)
