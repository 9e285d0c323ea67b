"""Build ``vn_provinces_34.geojson``: the 34 provinces of 2025 from geoBoundaries' 63 provinces.

The geoBoundaries VNM ADM1 layer (public domain; cite geoBoundaries, see ``README.md`` here) has the 63
pre-merger provinces plus Côn Đảo as a unit of its own. Each feature is matched by name to
``data/catalog/provinces_63.csv`` (the 63 -> 34 mapping of Resolution 202/2025/QH15, the one
``analytics.harmonize`` uses), the old provinces are dissolved into the new ones with shapely, and the
34 shapes are simplified together as a coverage (``shapely.coverage_simplify``), so neighbours keep
one shared border and no gap or overlap opens between them. Islands stay with their province: Côn Đảo
with Thành phố Hồ Chí Minh (it was part of Bà Rịa - Vũng Tàu), Hoàng Sa with Đà Nẵng and Trường Sa
with Khánh Hòa, at their true positions.

Run from the checkout (shapely is in the ``dev`` extra)::

    PYTHONPATH=. .venv/bin/python data/geo/build_provinces.py [--source ../shared/data/geo/...geojson]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape

from analytics import paths
from analytics.catalog import catalog
from analytics.harmonize import provinces_63
from workbench.briefings.geo import normalize_name

HERE = Path(__file__).resolve().parent
SOURCE = (
    HERE.parents[1].parent / "shared" / "data" / "geo" / "geoBoundaries-VNM-ADM1_simplified.geojson"
)
OUT = HERE / "vn_provinces_34.geojson"
TOLERANCE = 0.004  # degrees (~400 m): borders stay recognisable at briefing scale, the file small
DECIMALS = 4  # ~11 m
EXTRA = {"con dao": "Bà Rịa - Vũng Tàu"}  # geoBoundaries units that are not provinces of their own
ATTRIBUTION = (
    "Derived from geoBoundaries VNM ADM1 (gbOpen, boundaryYear 2008, build Dec 12 2023; licence: "
    "Public Domain per its metadata; geoBoundaries derivative works CC BY 4.0), "
    "https://www.geoboundaries.org. Runfola D. et al. (2020) geoBoundaries: A global database of "
    "political administrative boundaries. PLoS ONE 15(4): e0231866. Dissolved to the 34 provinces "
    "of 2025 (Resolution 202/2025/QH15) by data/geo/build_provinces.py."
)


def old_to_new() -> dict[str, str]:
    """Normalized pre-merger province name -> today's province code."""
    p63 = provinces_63()
    by_name = {normalize_name(n): c for n, c in zip(p63["name_vi"], p63["new_code"], strict=True)}
    for unit, province in EXTRA.items():
        by_name[unit] = by_name[normalize_name(province)]
    return by_name


def dissolve(features: list[dict[str, Any]]) -> dict[str, Any]:
    """Province code -> dissolved shapely geometry; every source feature must map to a province."""
    by_name = old_to_new()
    parts: dict[str, list[Any]] = {}
    for f in features:
        name = normalize_name(f["properties"]["shapeName"])
        if name not in by_name:
            raise SystemExit(
                f"no 63 -> 34 mapping for the boundary '{f['properties']['shapeName']}'"
            )
        parts.setdefault(by_name[name], []).append(shape(f["geometry"]))
    return {code: shapely.union_all(geoms) for code, geoms in sorted(parts.items())}


def _round(geom: Any) -> Any:
    return shapely.set_precision(geom, 10**-DECIMALS, mode="pointwise")


def build(source: Path = SOURCE, out: Path = OUT, tolerance: float = TOLERANCE) -> Path:
    """Read the 63-province layer, dissolve to 34, simplify as a coverage, write GeoJSON."""
    features = json.loads(source.read_text(encoding="utf-8"))["features"]
    shapes = dissolve(features)
    provinces = catalog().provinces().set_index("code")
    missing = sorted(set(provinces.index) - set(shapes))
    if missing:
        raise SystemExit(f"provinces without a boundary: {', '.join(missing)}")
    codes = list(shapes)
    simple = shapely.coverage_simplify([shapes[c] for c in codes], tolerance)
    feats = []
    for code, geom in zip(codes, simple, strict=True):
        geom = _round(shapely.make_valid(geom))
        feats.append(
            {
                "type": "Feature",
                "properties": {
                    "area": code,
                    "name_vi": provinces.loc[code, "name_vi"],
                    "name_en": provinces.loc[code, "name_en"],
                },
                "geometry": mapping(geom),
            }
        )
    doc = {"type": "FeatureCollection", "attribution": ATTRIBUTION, "features": feats}
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    tmp = out.with_suffix(".tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(out)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--source", type=Path, default=SOURCE, help="geoBoundaries VNM ADM1 GeoJSON")
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--tolerance", type=float, default=TOLERANCE, help="degrees")
    args = p.parse_args()
    out = build(args.source, args.out, args.tolerance)
    print(
        f"{out.relative_to(paths.root()) if out.is_relative_to(paths.root()) else out}: "
        f"{out.stat().st_size / 1024:.0f} KB"
    )


if __name__ == "__main__":
    main()
