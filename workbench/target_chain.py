"""The chain of targets: who is behind on a National Assembly target, and how much each weighs.

A target in ``targets.csv`` may name its ``parent``: the Government's targets for the provinces (and
ministries) serve the National Assembly's target for the Government. For a national target this
module lines up its children's year-end outlook (``workbench.outlook.target_outlook``) and weighs each
child's gap on the national outcome by the catalog's weights:

- an indicator added up over areas (``area_agg = sum``): weight 1, the nation is the sum;
- an average weighted by population (``wmean`` by ``POPULATION`` or a labour force): the province's
  share of the population (``population_k`` in ``areas.csv``);
- anything else, growth rates above all: the province's share of the economy (``econ_weight``),
  since national growth is the provinces' growth weighted by their share of output.

So ``weight × gap`` is in the parent's own unit (points of national GDP growth for GRDP growth):
the amount by which that child's shortfall, or lead, moves the national figure.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analytics.catalog import catalog

CHAIN_COLUMNS = [
    "code", "parent", "area", "indicator", "comparison", "target", "projected", "gap", "weight",
    "weighted_gap", "share_of_shortfall", "behind", "p_met", "status", "demo",
]  # fmt: skip
POPULATION_WEIGHTS = ("POPULATION", "LABOUR_FORCE", "LABOUR_EMPLOYED")


def area_weights(indicator: str) -> pd.Series:
    """Weight of each province (by code) on the national figure of ``indicator``, from the catalog.

    Shares (population, economy) sum to 1 over the 34 provinces; additive indicators weigh 1 each.
    """
    cat = catalog()
    meta = cat.indicator(indicator)
    prov = cat.provinces().set_index("code")
    if meta["area_agg"] == "sum":
        return pd.Series(1.0, index=prov.index, name="weight")
    if meta["area_agg"] == "wmean" and meta["weight"] in POPULATION_WEIGHTS:
        raw = prov["population_k"].astype(float)
    else:
        raw = prov["econ_weight"].astype(float)
    return (raw / raw.sum()).rename("weight")


def gap(projected: float, target: float, comparison: str) -> float:
    """How far ``projected`` is ahead of (+) or behind (−) ``target``, in the target's unit.

    ``>=`` and ``range`` (its lower bound) want more, ``<=`` wants less.
    """
    diff = float(projected) - float(target)
    return -diff if comparison == "<=" else diff


def chain(
    outlook: pd.DataFrame,
    parent: str,
    targets: pd.DataFrame | None = None,
    weights: Mapping[str, float] | pd.Series | None = None,
) -> pd.DataFrame:
    """The children of target ``parent`` with their gap and its weight on the national outcome.

    Parameters
    ----------
    outlook
        ``target_outlook`` rows (``code``, ``projected``, ``p_met``, ``status``); children missing
        from it have no projection (NaN gap).
    parent
        Code of the national target.
    targets
        The targets table with its ``parent`` column (default: the catalog's).
    weights
        Weight by area code (default: :func:`area_weights` of the children's indicator).

    Returns
    -------
    One row per child, most behind first (by ``weighted_gap``): ``gap`` (+ ahead, − behind),
    ``weighted_gap`` = weight × gap in the parent's unit, ``share_of_shortfall`` (a behind child's
    part of all the children's weighted shortfall, summing to 1 over them), ``behind``.
    """
    tg = catalog().targets if targets is None else targets
    kids = tg[tg["parent"] == parent]
    if kids.empty:
        return pd.DataFrame(columns=CHAIN_COLUMNS)
    cols = ["code", "projected", "p_met", "status"]
    out = kids[["code", "parent", "area", "indicator", "comparison", "value", "demo"]].merge(
        outlook[cols], on="code", how="left"
    )
    out = out.rename(columns={"value": "target"})
    if weights is None:
        weights = area_weights(str(out["indicator"].iloc[0]))
    w = pd.Series(weights, dtype=float)
    out["weight"] = out["area"].map(w).astype(float)
    out["gap"] = [
        gap(p, t, c) if pd.notna(p) else np.nan
        for p, t, c in zip(out["projected"], out["target"], out["comparison"], strict=True)
    ]
    out["weighted_gap"] = out["weight"] * out["gap"]
    out["behind"] = out["gap"] < 0
    shortfall = out.loc[out["behind"], "weighted_gap"].sum()
    out["share_of_shortfall"] = np.where(
        out["behind"] & (shortfall < 0), out["weighted_gap"] / shortfall, np.nan
    )
    out = out.sort_values(["weighted_gap", "area"], na_position="last").reset_index(drop=True)
    return out[CHAIN_COLUMNS]


def summary(links: pd.DataFrame) -> dict[str, float | int]:
    """What the children add up to on the national figure.

    ``implied`` = Σ weight × target (the national figure if every child met its target exactly),
    ``projected`` = Σ weight × projection, ``shortfall`` = Σ weight × gap over the children behind
    (≤ 0, in the parent's unit), ``behind`` and ``children`` counts. With share weights (summing to
    1) the first two are national levels; with additive weights they are the children's totals.
    """
    have = links.dropna(subset=["projected"])
    return {
        "children": len(links),
        "behind": int(links["behind"].sum()),
        "implied": float((links["weight"] * links["target"]).sum()),
        "projected": float((have["weight"] * have["projected"]).sum()) if len(have) else np.nan,
        "shortfall": float(links.loc[links["behind"], "weighted_gap"].sum()),
    }
