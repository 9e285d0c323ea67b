"""Accuracy of forecasts and backtests, from utilsforecast's losses; model selection on top.

Metrics (per series, averaged over backtest cutoffs): ``smape`` in percent as the M3 competition
reports it (200|y-f|/(|y|+|f|)), ``mase`` and ``rmsse`` scaled by the in-sample seasonal naive
error, ``coverage_<level>`` (share of actuals inside the interval) and ``msis_<level>`` (Winkler
interval score over the same in-sample scale, the M4 "scaled interval score").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecasts.frames import _pandas, season_length

METRICS = ("smape", "mase", "rmsse", "coverage", "msis")
_KEYS = ("unique_id", "ds", "cutoff", "y")


def model_columns(df: pd.DataFrame) -> list[str]:
    """Point-forecast columns of a forecast/backtest frame."""
    return [c for c in df.columns if c not in _KEYS and "-lo-" not in c and "-hi-" not in c]


def evaluate(
    df: Any,
    train_df: Any = None,
    models: Sequence[str] | None = None,
    metrics: Sequence[str] = METRICS,
    level: Sequence[int] = (80, 95),
    season: int | None = None,
    agg: bool = True,
) -> pd.DataFrame:
    """Score a frame holding ``y`` and model columns (a backtest, or forecasts joined to actuals).

    ``train_df`` (the history, ``unique_id, ds, y``) is needed for the scaled metrics; series are
    grouped by frequency so each gets its own seasonality. Returns one row per (series, metric)
    or, with ``agg``, the mean over series per metric.
    """
    from forecasts.nixtla import load_compat

    load_compat()
    from utilsforecast import losses

    df = _pandas(df).copy()
    models = list(models or model_columns(df))
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; choose from {', '.join(METRICS)}")
    scaled = {"mase", "rmsse", "msis"} & set(metrics)
    if scaled and train_df is None:
        raise ValueError(f"metrics {sorted(scaled)} need train_df (the history)")
    keys = ["unique_id", "cutoff"] if "cutoff" in df.columns else ["unique_id"]
    train = None if train_df is None else _pandas(train_df)[["unique_id", "ds", "y"]]
    seasons = _seasons(df, train, season)
    out = []
    for m, uids in seasons.items():
        part = df[df["unique_id"].isin(uids)]
        tr = None if train is None else train[train["unique_id"].isin(uids)]
        res = []
        for name in metrics:
            if name == "smape":
                r = losses.smape(part, models)
                r[models] = r[models] * 200
                res.append(r.assign(metric="smape"))
            elif name in ("mase", "rmsse"):
                fn = getattr(losses, name)
                res.append(fn(part, models, seasonality=m, train_df=tr).assign(metric=name))
            else:
                for lv in level:
                    if not all(f"{c}-lo-{lv}" in part.columns for c in models):
                        continue
                    if name == "coverage":
                        r = losses.coverage(part, models, level=lv)
                    else:  # msis = Winkler score / (MAE / MASE) = Winkler / in-sample scale
                        w = losses.winkler_score(part, models, level=lv)
                        mae = losses.mae(part, models)
                        mase = losses.mase(part, models, seasonality=m, train_df=tr)
                        mae, mase = mae.set_index(keys), mase.set_index(keys)
                        r = (w.set_index(keys) * mase / mae.replace(0, np.nan)).reset_index()
                    res.append(r.assign(metric=f"{name}_{lv}"))
        out.append(pd.concat(res, ignore_index=True))
    scores = pd.concat(out, ignore_index=True)
    scores = scores.groupby(["unique_id", "metric"], as_index=False)[models].mean()
    if agg:
        return scores.groupby("metric", as_index=False)[models].mean()
    return scores


def _seasons(df: pd.DataFrame, train: pd.DataFrame | None, season: int | None) -> dict[int, list]:
    uids = df["unique_id"].unique()
    if season is not None:
        return {season: list(uids)}
    src = train if train is not None else df
    by: dict[int, list] = {}
    for uid, g in src[src["unique_id"].isin(uids)].groupby("unique_id"):
        by.setdefault(season_length(g["ds"]), []).append(uid)
    return by


def select(
    df: Any,
    train_df: Any = None,
    metric: str = "mase",
    models: Sequence[str] | None = None,
    season: int | None = None,
) -> pd.DataFrame:
    """Best model per series by a backtest metric: ``unique_id, model, <metric>``.

    Ties go to the model listed first; series where every model scores NaN get the first model.
    """
    df = _pandas(df)
    models = list(models or model_columns(df))
    scores = evaluate(
        df, train_df, models, metrics=(metric.split("_")[0],), season=season, agg=False
    )
    scores = scores[scores["metric"] == metric].set_index("unique_id")[models]
    vals = scores.to_numpy(dtype=float)
    filled = np.where(np.isnan(vals), np.inf, vals)
    best = filled.argmin(axis=1)
    return pd.DataFrame(
        {
            "unique_id": scores.index,
            "model": [models[i] for i in best],
            metric: vals[np.arange(len(best)), best],
        }
    ).reset_index(drop=True)
