"""Coherent forecasts across provinces -> regions -> nation (hierarchicalforecast).

Independent forecasts of a province, its region and the nation do not add up. MinTrace with a
shrunk covariance of the in-sample errors (``mint_shrink``) reconciles them; when it cannot (too
few in-sample errors, singular matrices) BottomUp is the fallback. Only additive indicators
(``area_agg == "sum"``) should be reconciled.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from forecasts.evaluation import model_columns
from forecasts.frames import SEP


def hierarchy(uids: list[str] | np.ndarray, areas: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Summing matrix ``S_df`` and ``tags`` for the series of ONE indicator.

    ``areas`` has ``code, level (nation|region|province), parent`` (as ``analytics.areas()``).
    Bottom level = the provinces present; regions and the nation are included when present.
    """
    uids = sorted(set(map(str, uids)))
    indicator = {u.split(SEP, 1)[0] for u in uids}
    if len(indicator) != 1:
        raise ValueError(f"hierarchy: expected one indicator, got {sorted(indicator)}")
    ind = indicator.pop()
    a = areas.set_index(areas["code"].astype(str))
    codes = [u.split(SEP, 1)[1] for u in uids]
    unknown = [c for c in codes if c not in a.index]
    if unknown:
        raise ValueError(f"hierarchy: unknown area code(s) {unknown[:5]}")
    level = a["level"].to_dict()
    parent = a["parent"].astype(object).where(a["parent"].notna(), None).to_dict()
    provinces = sorted(c for c in codes if level[c] == "province")
    if not provinces:
        raise ValueError(f"hierarchy: {ind} has no province series to reconcile")

    def ancestors(code: str) -> list[str]:
        chain = []
        while parent.get(code):
            code = parent[code]
            chain.append(code)
        return chain

    rows: dict[str, np.ndarray] = {}
    uppers = [c for c in codes if level[c] != "province"]
    for up in sorted(uppers, key=lambda c: (level[c] != "nation", c)):
        rows[up] = np.array([1.0 if up in ancestors(p) else 0.0 for p in provinces])
    for p in provinces:
        rows[p] = (np.array(provinces) == p).astype(float)
    bottom = [f"{ind}{SEP}{p}" for p in provinces]
    S = pd.DataFrame(np.vstack(list(rows.values())), columns=bottom)
    S.insert(0, "unique_id", [f"{ind}{SEP}{c}" for c in rows])
    tags = {
        lvl: np.array([f"{ind}{SEP}{c}" for c in rows if level[c] == lvl], dtype=object)
        for lvl in ("nation", "region", "province")
        if any(level[c] == lvl for c in rows)
    }
    return S, tags


def common_end(df: pd.DataFrame) -> pd.DataFrame:
    """Cut every series of an indicator at the last period ALL of them have.

    Late or missing provincial submissions leave the latest month incomplete; forecasts that
    start from different months cannot be reconciled, so the hierarchy forecasts from the last
    complete period.
    """
    ind = df["unique_id"].astype(str).str.split(SEP, n=1).str[0]
    last = df.dropna(subset=["y"]).groupby("unique_id")["ds"].max()
    cut = last.groupby(last.index.str.split(SEP, n=1).str[0]).min()
    return df[df["ds"] <= ind.map(cut)].reset_index(drop=True)


def reconcile(
    fc: pd.DataFrame,
    fitted: pd.DataFrame | None = None,
    areas: pd.DataFrame | None = None,
    method: str = "mint_shrink",
) -> pd.DataFrame:
    """Reconcile every model column of ``fc`` indicator by indicator.

    ``fitted`` holds the in-sample ``y`` and model columns (from ``forecast(..., fitted=True)``);
    MinTrace needs it, BottomUp does not. Interval bounds move with their point forecast.
    The method actually used per indicator is in ``result.attrs["methods"]``.
    """
    if areas is None:
        import analytics

        areas = analytics.areas()
    models = model_columns(fc)
    out, methods = [], {}
    ind_of = fc["unique_id"].astype(str).str.split(SEP, n=1).str[0]
    for ind, part in fc.groupby(ind_of, sort=True):
        dates = part.groupby("unique_id")["ds"].agg(lambda d: tuple(sorted(d)))
        if dates.nunique() > 1:
            raise ValueError(
                f"reconcile: the {ind} series end on different periods, so their forecasts cover "
                "different dates; trim the history with forecasts.common_end() first"
            )
        S, tags = hierarchy(part["unique_id"].unique(), areas)
        part = part[part["unique_id"].isin(S["unique_id"])]
        fit = None if fitted is None else fitted[fitted["unique_id"].isin(S["unique_id"])]
        rec, used = _reconcile_one(part, fit, S, tags, models, method)
        methods[ind] = used
        out.append(rec)
    result = pd.concat(out, ignore_index=True).sort_values(["unique_id", "ds"])
    result = result.reset_index(drop=True)
    result.attrs["methods"] = methods
    return result


def _reconcile_one(
    part: pd.DataFrame,
    fit: pd.DataFrame | None,
    S: pd.DataFrame,
    tags: dict,
    models: list[str],
    method: str,
) -> tuple[pd.DataFrame, str]:
    from forecasts.nixtla import load_compat

    load_compat()
    from hierarchicalforecast.core import HierarchicalReconciliation
    from hierarchicalforecast.methods import BottomUp, MinTrace

    Y_hat = part[["unique_id", "ds", *models]]
    attempts: list[tuple[str, Any]] = []
    if fit is not None and method != "bottom_up":
        attempts.append((method, MinTrace(method=method)))
    attempts.append(("bottom_up", BottomUp()))
    error = None
    for name, rec in attempts:
        try:
            Y = None
            if name != "bottom_up" and fit is not None:
                Y = fit[["unique_id", "ds", "y", *models]].dropna()
                Y = Y[Y.groupby("ds")["unique_id"].transform("size") == len(S)]
            res = HierarchicalReconciliation([rec]).reconcile(
                Y_hat_df=Y_hat, S_df=S, tags=tags, Y_df=Y
            )
            cols = {m: next(c for c in res.columns if c.startswith(f"{m}/")) for m in models}
            res = res[["unique_id", "ds", *cols.values()]]
            values = res.rename(columns={v: k for k, v in cols.items()})
            if not np.all(np.isfinite(values[models].to_numpy(dtype=float))):
                raise ValueError("non-finite reconciled values")
            merged = part.merge(values, on=["unique_id", "ds"], suffixes=("_base", ""))
            for m in models:
                shift = merged[m] - merged[f"{m}_base"]
                for c in [
                    c for c in part.columns if c.startswith(f"{m}-lo-") or c.startswith(f"{m}-hi-")
                ]:
                    merged[c] = merged[c] + shift
            return merged[part.columns.tolist()], name
        except Exception as exc:  # MinT can fail on short or degenerate errors: fall back
            error = exc
    raise RuntimeError(f"reconciliation failed: {error}")
