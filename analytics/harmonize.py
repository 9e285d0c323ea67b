"""Series that cross the 2025 province merger: 63 pre-merger provinces -> the 34 of today.

History before mid-2025 was reported by 63 provinces. ``data/catalog/provinces_63.csv`` maps each old
province (its pre-2025 GSO code) to the province it merged into (Resolution 202/2025/QH15). Old and
new codes overlap (old 24 is Bắc Giang, new 24 is Bắc Ninh), so a frame is harmonized as a whole:
every area code in it is read as an old code.
"""

from __future__ import annotations

import pandas as pd
import polars as pl

from analytics import paths
from analytics.catalog import catalog
from analytics.errors import CatalogError, NrisError
from analytics.transforms import Frame, _like, _rule, _to_pl


def provinces_63() -> pd.DataFrame:
    """The 63 pre-merger provinces: old_code, name_vi, new_code (validated against the areas)."""
    df = pd.read_csv(paths.catalog_dir() / "provinces_63.csv", dtype=str, keep_default_na=False)
    new = set(catalog().provinces()["code"])
    bad = df[~df["new_code"].isin(new)]
    if len(bad) or df["old_code"].duplicated().any() or len(df) != 63:
        entry = bad["old_code"].iloc[0] if len(bad) else "?"
        raise CatalogError(
            f"provinces_63.csv, mục '{entry}': cần 63 tỉnh cũ, mỗi tỉnh thuộc một tỉnh mới hợp lệ",
            f"provinces_63.csv, entry '{entry}': needs 63 old provinces, each mapped to a valid new one",
        )
    return df


def to_34(df: Frame, weights: dict[str, float] | None = None) -> Frame:
    """Re-express 63-province rows as the 34 provinces: sums for additive indicators, weighted means
    (``weights`` by old code, e.g. population) for ``wmean`` ones. Rows for "VN" pass through.
    """
    mapping = dict(zip(*provinces_63()[["old_code", "new_code"]].T.values, strict=True))
    d = _to_pl(df)
    unknown = sorted(set(d["area"].unique()) - set(mapping) - {"VN"})
    if unknown:
        raise NrisError(
            f"Mã tỉnh cũ không hợp lệ: {', '.join(unknown)}",
            f"unknown old province codes: {', '.join(unknown)}",
        )
    nation = d.filter(pl.col("area") == "VN")
    d = d.filter(pl.col("area") != "VN").with_columns(_rule("area_agg").alias("_agg"))
    bad = d.filter(pl.col("_agg") == "none")["indicator"].unique().to_list()
    if bad or (weights is None and d.filter(pl.col("_agg") == "wmean").height):
        codes = bad or d.filter(pl.col("_agg") == "wmean")["indicator"].unique().to_list()
        raise NrisError(
            f"Chỉ tiêu {', '.join(codes)} cần trọng số (hoặc không cộng gộp được) khi quy đổi 63 -> 34 tỉnh",
            f"indicator {', '.join(codes)} needs weights (or cannot be aggregated) for the 63 -> 34 mapping",
        )
    w = pl.col("area").replace_strict(weights or {}, default=None, return_dtype=pl.Float64)
    d = d.with_columns(pl.col("area").replace_strict(mapping).alias("_new"), w.alias("_w"))
    value = (
        pl.when(pl.col("_agg").first() == "sum")
        .then(pl.col("value").sum())
        .otherwise((pl.col("value") * pl.col("_w")).sum() / pl.col("_w").sum())
    )
    keep = [
        c
        for c in d.columns
        if c not in {"area", "value", "_agg", "_new", "_w", "indicator", "period", "freq"}
    ]
    out = (
        d.group_by(["indicator", "_new", "period", "freq"])
        .agg(value.alias("value"), *[pl.col(c).first() for c in keep])
        .rename({"_new": "area"})
    )
    out = pl.concat([nation, out.select(nation.columns)], how="vertical_relaxed").sort(
        ["indicator", "area", "period"]
    )
    return _like(out, df)
