"""Briefing graphics drawn directly as SVG, without vega: the cards' sparklines and the province map.

Both redraw in milliseconds and need no axes; their colours are the one palette of
:mod:`analytics.charts`, which draws every Vega-Lite chart of the briefings and reports.
"""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np
import pandas as pd

from analytics import fmt
from analytics.charts import FONT, PALETTE, SCHEMES


def sparkline_svg(
    values: list[float], color: str = PALETTE["history"], width: int = 150, height: int = 34
) -> str:
    """A tiny polyline with a dot on the last point, written directly (a card needs no axes)."""
    vals = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if len(vals) < 2:
        return ""
    lo, hi = min(vals), max(vals)
    span = (hi - lo) or 1.0
    step = (width - 6) / (len(vals) - 1)
    pts = [(3 + i * step, 3 + (height - 6) * (1 - (v - lo) / span)) for i, v in enumerate(vals)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    x, y = pts[-1]
    return (
        f'<svg class="marks nris-sparkline" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        f'<polyline class="mark-line" points="{path}" fill="none" stroke="{color}" '
        f'stroke-width="1.6"/><circle class="mark-symbol" cx="{x:.1f}" cy="{y:.1f}" r="2.6" '
        f'fill="{color}"/></svg>'
    )


MISSING, HIGHLIGHT = PALETTE["missing"], PALETTE["highlight"]


def _merc(lat: float) -> float:
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def _bin_color(value: float | None, lo: float, hi: float, palette: list[str]) -> str:
    if value is None or not math.isfinite(value):
        return MISSING
    pos = 0.0 if hi == lo else (value - lo) / (hi - lo)
    return palette[min(len(palette) - 1, max(0, int(pos * len(palette))))]


def province_map(
    values: pd.DataFrame,
    features: list[dict[str, Any]] | None,
    title: str,
    legend: str,
    scheme: str = "greens",
    selected: str | None = None,
    width: int = 380,
    lang: str = "vi",
    missing_label: str = "",
    places: list[tuple[float, float, str]] | None = None,
) -> str:
    """SVG of the provinces coloured by ``value`` (columns area, name, value, lat, lon, label).

    With boundary ``features`` (``properties.area``) a choropleth in a Mercator projection, otherwise
    bubbles at the province coordinates. Drawn directly, without vega: the shapes do not change
    between redraws, only their colours, so a redraw costs milliseconds; each shape carries a
    ``<title>`` tooltip (name and value) and the selected province is outlined. ``places`` are
    (lon, lat, text) labels written on the choropleth (e.g. the archipelagos, too small to see).
    """
    palette = SCHEMES.get(scheme, SCHEMES["greens"])
    vals = values.set_index("area")
    finite = vals["value"].astype(float)
    finite = finite[np.isfinite(finite)]
    lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    shapes: dict[str, list[list[tuple[float, float]]]] = {}
    if features:
        for f in features:
            geom = f["geometry"]
            polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
            shapes.setdefault(f["properties"]["area"], []).extend(
                [[(float(x), _merc(float(y))) for x, y in ring] for poly in polys for ring in poly]
            )
        pts = [p for rings in shapes.values() for ring in rings for p in ring]
    else:
        pts = [(float(r.lon), _merc(float(r.lat))) for r in vals.itertuples()]
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
    pad = 0.0 if features else 0.6
    x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
    k = (width - 20) / (x1 - x0)
    height = int((y1 - y0) * k) + 20

    def xy(p: tuple[float, float]) -> str:
        return f"{10 + (p[0] - x0) * k:.1f},{10 + (y1 - p[1]) * k:.1f}"

    body, outline = [], ""
    for area, r in vals.iterrows():
        v = float(r["value"]) if pd.notna(r["value"]) else None
        color = _bin_color(v, lo, hi, palette)
        tip = html.escape(f"{r['name']}: {r['label']}")
        if features:
            rings = shapes.get(str(area), [])
            if not rings:
                continue
            d = " ".join("M" + " L".join(xy(p) for p in ring) + "Z" for ring in rings)
            body.append(
                f'<path class="mark-shape nris-area" data-area="{area}" d="{d}" fill="{color}" '
                f'stroke="white" stroke-width="0.6"><title>{tip}</title></path>'
            )
            if area == selected:
                outline = f'<path d="{d}" fill="none" stroke="{HIGHLIGHT}" stroke-width="2.5"/>'
        else:
            cx, cy = xy((float(r["lon"]), _merc(float(r["lat"])))).split(",")
            ring = (
                f' stroke="{HIGHLIGHT}" stroke-width="3"' if area == selected else ' stroke="white"'
            )
            body.append(
                f'<circle class="mark-symbol nris-area" data-area="{area}" cx="{cx}" cy="{cy}" '
                f'r="11" fill="{color}"{ring}><title>{tip}</title></circle>'
                f'<text x="{cx}" y="{float(cy) - 14:.1f}" font-size="9" text-anchor="middle" '
                f'fill="#37474f">{html.escape(str(r.get("short", "")))}</text>'
            )
    for lon, lat, label in (places or []) if features else []:
        px, py = (float(v) for v in xy((lon, _merc(lat))).split(","))
        anchor = "end" if px > width * 0.75 else "middle"
        body.append(
            f'<text class="nris-place" x="{px:.1f}" y="{py:.1f}" font-size="9" font-style="italic" '
            f'text-anchor="{anchor}" fill="#607d8b">{html.escape(label)}</text>'
        )
    step = (width - 40) / len(palette)
    legend_y = height + 18
    keys = "".join(
        f'<rect x="{20 + i * step:.1f}" y="{legend_y}" width="{step:.1f}" height="10" fill="{c}"/>'
        for i, c in enumerate(palette)
    )
    text = (
        f'<text x="20" y="{legend_y + 24}" font-size="11">{html.escape(fmt.number(lo, 1, lang))}</text>'
        f'<text x="{width - 20}" y="{legend_y + 24}" font-size="11" text-anchor="end">'
        f"{html.escape(fmt.number(hi, 1, lang))}</text>"
        f'<text x="{width / 2:.0f}" y="{legend_y + 24}" font-size="11" text-anchor="middle">'
        f"{html.escape(legend)}</text>"
    )
    text += (
        f'<rect x="20" y="{legend_y + 34}" width="14" height="10" fill="{MISSING}"/>'
        f'<text x="40" y="{legend_y + 43}" font-size="11">{html.escape(missing_label)}</text>'
    )
    total = legend_y + 50
    return (
        f'<svg class="marks nris-map-svg" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{total + 22}" viewBox="0 -22 {width} {total + 22}" font-family="{FONT}">'
        f'<text x="10" y="-6" font-size="13" font-weight="bold">{html.escape(title)}</text>'
        f'<g class="mark-shape role-mark">{"".join(body)}</g>{outline}{keys}{text}</svg>'
    )
