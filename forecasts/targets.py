"""Year-end projections and the probability of meeting a target.

A target such as "CPI average for the year <= 4.5%" or "GDP growth for the year >= 8%" is judged
on the annual aggregate (sum, mean or last, as the indicator's ``time_agg`` says) of the
year-to-date actuals plus the rest of the year, which is uncertain: simulated future paths carry
that uncertainty into the annual figure and give P(target met).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecasts.frames import _pandas

_AGG = ("sum", "mean", "last")
_CMP = (">=", "<=", ">", "<")


def annual(df: Any, time_agg: str, value_cols: Sequence[str] = ("y",)) -> pd.DataFrame:
    """Monthly/quarterly values -> annual per series following ``time_agg`` (sum, mean, last).

    ``df`` has ``unique_id, ds`` and the value columns (history, forecasts, or both stacked).
    Returns ``unique_id, year, n_periods`` and the aggregated columns; ``n_periods`` shows
    incomplete years rather than hiding them.
    """
    if time_agg not in _AGG:
        raise ValueError(f"time_agg must be one of {_AGG}, got {time_agg!r}")
    df = _pandas(df).copy()
    df["year"] = pd.to_datetime(df["ds"]).dt.year
    df = df.sort_values(["unique_id", "ds"])
    g = df.groupby(["unique_id", "year"])
    out = g[list(value_cols)].agg(time_agg).reset_index()
    out.insert(2, "n_periods", g.size().to_numpy())
    return out


def simulate_paths(
    mean: np.ndarray,
    sd: np.ndarray,
    n_paths: int = 4000,
    seed: int = 0,
    dependence: str = "random_walk",
) -> np.ndarray:
    """Gaussian future paths ``(n_paths, h)`` with the given per-step mean and standard deviation.

    ``random_walk`` (default) builds each path from independent increments whose variances are
    the growth of ``sd**2`` from step to step, so errors persist as they do for trending series;
    ``independent`` draws each step alone (fits a stationary series around its mean).
    """
    mean, sd = np.asarray(mean, float), np.asarray(sd, float)
    rng = np.random.default_rng(seed)
    eps = rng.standard_normal((n_paths, len(mean)))
    if dependence == "independent":
        return mean + eps * sd
    if dependence != "random_walk":
        raise ValueError(f"dependence must be 'random_walk' or 'independent', got {dependence!r}")
    var = np.maximum.accumulate(sd**2)
    inc = np.sqrt(np.diff(var, prepend=0.0))
    return mean + np.cumsum(eps * inc, axis=1)


def target_probability(
    ytd: np.ndarray,
    paths: np.ndarray,
    time_agg: str,
    target: float | None = None,
    comparison: str = ">=",
    base: float | None = None,
    level: Sequence[int] = (80, 95),
    periods_per_year: int | None = None,
) -> dict[str, Any]:
    """Annual figure from year-to-date actuals ``ytd`` and future ``paths`` of the rest of the year.

    ``base`` turns the figure into a percent change against last year's figure (growth targets).
    Returns ``projection`` (median), ``lo-<level>``/``hi-<level>``, ``p_target`` (None without a
    target) and ``n_paths``.
    """
    if time_agg not in _AGG:
        raise ValueError(f"time_agg must be one of {_AGG}, got {time_agg!r}")
    if comparison not in _CMP:
        raise ValueError(f"comparison must be one of {_CMP}, got {comparison!r}")
    ytd = np.asarray(ytd, float)
    paths = np.atleast_2d(np.asarray(paths, float))
    if periods_per_year is not None and len(ytd) + paths.shape[1] != periods_per_year:
        raise ValueError(
            f"{len(ytd)} actual + {paths.shape[1]} simulated periods != {periods_per_year} a year"
        )
    full = np.hstack([np.broadcast_to(ytd, (len(paths), len(ytd))), paths])
    if time_agg == "sum":
        value = full.sum(axis=1)
    elif time_agg == "mean":
        value = full.mean(axis=1)
    else:
        value = full[:, -1]
    if base is not None:
        value = 100.0 * (value / base - 1.0)
    out: dict[str, Any] = {"projection": float(np.median(value)), "n_paths": len(value)}
    for lv in level:
        a = (100 - lv) / 200
        out[f"lo-{lv}"], out[f"hi-{lv}"] = (float(q) for q in np.quantile(value, [a, 1 - a]))
    if target is None:
        out["p_target"] = None
    else:
        hit = {
            ">=": value >= target,
            "<=": value <= target,
            ">": value > target,
            "<": value < target,
        }[comparison]
        out["p_target"] = float(hit.mean())
    return out


def year_end(
    history: Any,
    fc: Any,
    year: int,
    time_agg: str,
    model: str = "auto",
    target: float | None = None,
    comparison: str = ">=",
    base: float | None = None,
    n_paths: int = 4000,
    seed: int = 0,
    dependence: str = "random_walk",
    level: Sequence[int] = (80, 95),
) -> dict[str, Any]:
    """Year-end projection of ONE series from its history (``ds, y``) and forecast frame.

    Takes the actuals of ``year`` so far, the forecast rows of the rest of ``year`` (column
    ``model`` and its widest interval, read as Gaussian), simulates paths and calls
    :func:`target_probability`.
    """
    hist = _pandas(history)
    fc = _pandas(fc)
    hist = hist[pd.to_datetime(hist["ds"]).dt.year == year].sort_values("ds")
    last = pd.to_datetime(hist["ds"]).max() if len(hist) else pd.Timestamp(year - 1, 12, 31)
    rest = fc[(pd.to_datetime(fc["ds"]).dt.year == year) & (pd.to_datetime(fc["ds"]) > last)]
    rest = rest.sort_values("ds")
    levels = sorted(int(c.rsplit("-", 1)[1]) for c in fc.columns if c.startswith(f"{model}-lo-"))
    if not levels and len(rest):
        raise ValueError(f"year_end: forecast frame has no intervals for {model!r}")
    mean = rest[model].to_numpy(float)
    if len(rest):
        from scipy.stats import norm

        lv = levels[-1]
        z = norm.ppf(0.5 + lv / 200)
        sd = (rest[f"{model}-hi-{lv}"] - rest[f"{model}-lo-{lv}"]).to_numpy(float) / (2 * z)
        paths = simulate_paths(mean, sd, n_paths, seed, dependence)
    else:
        paths = np.empty((1, 0))
    res = target_probability(
        hist["y"].to_numpy(float), paths, time_agg, target, comparison, base, level
    )
    res.update({"year": year, "n_actual": len(hist), "n_forecast": len(rest)})
    return res
