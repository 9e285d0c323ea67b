"""Province boundaries for the map: a TopoJSON/GeoJSON file, matched to area codes.

By default the repository's ``data/geo/vn_provinces_34.geojson`` (the 34 provinces dissolved from
geoBoundaries' 63 by ``data/geo/build_provinces.py``); ``$NRIS_BOUNDARIES`` names another file.
Features are matched to our two-digit province codes by an ``area`` property holding such a code, else
by their name (any property that looks like a Vietnamese province name), so files from different
sources work without a code table. With no usable file, the map falls back to a bubble layout from
the province coordinates in ``areas.csv``.
"""

from __future__ import annotations

import json
import os
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from analytics import paths
from analytics.errors import NrisError

# Where the map names the two archipelagos (lon, lat of the label; both in the shipped file, at true
# positions: Hoàng Sa with Đà Nẵng, Trường Sa with Khánh Hòa), in each language.
ARCHIPELAGOS = (
    (112.0, 16.85, {"vi": "Quần đảo Hoàng Sa", "en": "Hoang Sa archipelago"}),
    (114.9, 10.45, {"vi": "Quần đảo Trường Sa", "en": "Truong Sa archipelago"}),
)
MAX_POINTS = 9000  # after simplification: small enough for a quick page, detailed enough to read


def default_boundaries() -> Path:
    """The boundaries shipped with the repository (34 provinces, from geoBoundaries)."""
    return paths.root() / "data" / "geo" / "vn_provinces_34.geojson"


def boundaries_path() -> Path | None:
    """``$NRIS_BOUNDARIES`` when set, else the shipped file; None when neither exists."""
    env = os.environ.get("NRIS_BOUNDARIES", "").strip()
    path = Path(env).expanduser() if env else default_boundaries()
    return path if path.exists() else None


def places(lang: str = "vi") -> list[tuple[float, float, str]]:
    """Labels the map writes beside shapes too small to read: the two archipelagos."""
    return [(lon, lat, names[lang]) for lon, lat, names in ARCHIPELAGOS]


def normalize_name(name: str) -> str:
    """A province name stripped of prefixes, diacritics and case: "TP Hồ Chí Minh" -> "ho chi minh"."""
    text = unicodedata.normalize("NFD", str(name)).replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").lower().strip()
    for prefix in ("thanh pho ", "tp. ", "tp ", "tinh "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    text = " ".join(text.replace("-", " ").split())
    return {"hcm": "ho chi minh", "ho chi minh city": "ho chi minh"}.get(text, text)


def _decode_arcs(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    tr = topo.get("transform")
    arcs = []
    for arc in topo["arcs"]:
        pts, x, y = [], 0.0, 0.0
        for p in arc:
            if tr:
                x, y = x + p[0], y + p[1]
                pts.append(
                    (
                        x * tr["scale"][0] + tr["translate"][0],
                        y * tr["scale"][1] + tr["translate"][1],
                    )
                )
            else:
                pts.append((float(p[0]), float(p[1])))
        arcs.append(pts)
    return arcs


def _simplify(arcs: list[list[tuple[float, float]]]) -> list[list[tuple[float, float]]]:
    """Keep every k-th point of each arc (ends kept): shared arcs stay shared, so no gaps appear."""
    total = sum(len(a) for a in arcs)
    k = max(1, total // MAX_POINTS)
    out = []
    for a in arcs:
        kept = a[::k] if len(a) > 2 * k else a[:1]
        if kept[-1] != a[-1]:
            kept = [*kept, a[-1]]
        if a[0] == a[-1] and len(kept) < 5:  # a small closed ring (an island): keep its shape
            kept = a
        out.append([(round(x, 4), round(y, 4)) for x, y in kept])
    return out


def _ring(arcs: list[list[tuple[float, float]]], idx: list[int]) -> list[list[float]]:
    ring: list[list[float]] = []
    for i in idx:
        pts = arcs[i] if i >= 0 else arcs[~i][::-1]
        ring.extend([list(p) for p in (pts if not ring else pts[1:])])
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    return ring


def _polygon(arcs: list[list[tuple[float, float]]], rings: list[list[int]]) -> list:
    """Rings of one polygon; degenerate rings (fewer than 4 points) are dropped."""
    out = [r for r in (_ring(arcs, idx) for idx in rings) if len(r) >= 4]
    if not rings or not out or len(_ring(arcs, rings[0])) < 4:
        return []
    return out


def topo_to_features(topo: dict[str, Any]) -> list[dict[str, Any]]:
    """GeoJSON features of the first object of a TopoJSON topology (simplified)."""
    arcs = _simplify(_decode_arcs(topo))
    obj = next(iter(topo["objects"].values()))
    feats = []
    for g in obj.get("geometries", []):
        if g["type"] == "Polygon":
            coords: Any = _polygon(arcs, g["arcs"])
        elif g["type"] == "MultiPolygon":
            coords = [p for p in (_polygon(arcs, poly) for poly in g["arcs"]) if p]
        else:
            continue
        if not coords:
            continue
        feats.append(
            {
                "type": "Feature",
                "properties": dict(g.get("properties") or {}),
                "geometry": {"type": g["type"], "coordinates": coords},
            }
        )
    return feats


def _match(props: dict[str, Any], by_name: dict[str, str]) -> str | None:
    if str(props.get("area", "")) in by_name.values():
        return str(props["area"])
    for value in props.values():
        if isinstance(value, str) and normalize_name(value) in by_name:
            return by_name[normalize_name(value)]
    return None


@lru_cache(maxsize=4)
def _features(path: str, mtime: float, names: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NrisError(
            f"Không đọc được tệp ranh giới tỉnh {path}: {exc}",
            f"cannot read the province boundaries file {path}: {exc}",
        ) from None
    feats = topo_to_features(data) if data.get("type") == "Topology" else data.get("features", [])
    by_name = {normalize_name(n): code for code, n in names}
    out = []
    for f in feats:
        code = _match(f.get("properties") or {}, by_name)
        if code is not None:
            out.append(json.dumps({**f, "properties": {"area": code}}))
    return tuple(out)


def province_features(provinces: pd.DataFrame) -> list[dict[str, Any]] | None:
    """Boundary features with ``properties.area`` = province code, or None when there is no file.

    ``provinces`` needs columns ``code``, ``name_vi`` and ``name_en``. Features whose name matches no
    province are dropped; a file that matches none at all is treated as not configured.
    """
    path = boundaries_path()
    if path is None:
        return None
    names = tuple(
        (str(r.code), str(n)) for r in provinces.itertuples() for n in (r.name_vi, r.name_en)
    )
    feats = _features(str(path), path.stat().st_mtime, names)
    return [json.loads(f) for f in feats] or None
