"""The commune level: what a province's communes reported, and which of them did.

Since 1 July 2025 communes report to their province, and the provincial People's Committee files
their figures under a ``level: commune`` regime (``BC_XA_THANG``). A commune has reported a month
when the snapshot holds its figures for that month: ``complete`` with every indicator of the
regime, ``partial`` with some, ``missing`` with none. Reads the published snapshot only.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import polars as pl

from analytics.catalog import area_code, catalog
from analytics.errors import unknown_code
from analytics.load import load

DETAIL_COLUMNS = ["area", "name_vi", "name_en", "kind", "period", "expected", "reported", "state"]


def commune_indicators(province: str | None = None) -> list[str]:
    """Indicators of the commune-level regimes (those ``province``'s committee files, if given)."""
    cat = catalog()
    regimes = set(cat.regimes.loc[cat.regimes["level"] == "commune", "code"])
    if province is not None:
        subs = cat.regime_submitters
        mine = set(subs.loc[subs["agency"] == f"UBND_{province}", "regime"])
        regimes = regimes & mine or regimes
    links = cat.regime_indicators
    return list(dict.fromkeys(links.loc[links["regime"].isin(regimes), "indicator"]))


def _province(province: str) -> str:
    code = area_code(province)
    prov = catalog().provinces()
    if code not in set(prov["code"]):
        raise unknown_code("tỉnh", "province", province, prov["code"])
    return code


def commune_values(
    province: str, indicators: list[str] | None = None, start: str | dt.date | None = None
) -> pl.DataFrame:
    """The consolidated figures of ``province``'s communes (the tidy frame of ``load``)."""
    code = _province(province)
    codes = indicators or commune_indicators(code)
    communes = catalog().communes(code)["code"].tolist()
    out = load(codes, areas=communes, start=start)
    assert isinstance(out, pl.DataFrame)
    return out


def commune_completeness(
    province: str, period: str | dt.date | None = None, indicators: list[str] | None = None
) -> pd.DataFrame:
    """One row per commune of ``province`` for a month: indicators expected and reported, state.

    ``period`` defaults to the latest month for which any commune of the province has figures
    (a province that filed none: the latest month any province filed communes for). ``state`` is
    complete, partial or missing; the frame is ordered missing first, then by name.
    """
    code = _province(province)
    codes = indicators or commune_indicators(code)
    com = catalog().communes(code)
    if period is None:
        month = _latest_month(code, codes)
    else:
        month = pd.Timestamp(period).to_period("M").start_time.date()
    got = pd.DataFrame({"area": pd.Series(dtype=str), "reported": pd.Series(dtype="int64")})
    if month is not None:
        vals = load(codes, areas=com["code"].tolist(), start=month, end=month)
        assert isinstance(vals, pl.DataFrame)
        got = (
            vals.filter(pl.col("value").is_not_null())
            .group_by("area")
            .agg(pl.col("indicator").n_unique().alias("reported"))
            .to_pandas()
        )
    out = com.rename(columns={"code": "area"})[["area", "name_vi", "name_en", "kind"]]
    out = out.merge(got, on="area", how="left")
    out["reported"] = out["reported"].fillna(0).astype(int)
    out["expected"] = len(codes)
    out["period"] = month
    out["state"] = "partial"
    out.loc[out["reported"] == 0, "state"] = "missing"
    out.loc[out["reported"] >= out["expected"], "state"] = "complete"
    order = out["state"].map({"missing": 0, "partial": 1, "complete": 2})
    out = out.assign(_o=order).sort_values(["_o", "name_vi"], kind="stable")
    return out[DETAIL_COLUMNS].reset_index(drop=True)


def _latest_month(province: str, codes: list[str]) -> dt.date | None:
    """The latest month with commune figures of ``province`` (else of any province), or None."""
    com = catalog().areas
    com = com[com["level"] == "commune"]
    for areas in (com.loc[com["parent"] == province, "code"], com["code"]):
        vals = load(codes, areas=areas.tolist())
        assert isinstance(vals, pl.DataFrame)
        if not vals.is_empty():
            return vals["period"].max()  # type: ignore[return-value]
    return None
