"""Altair charts of the briefings, rendered to SVG on the server with vl-convert.

An SVG drawn on the server needs no JavaScript and no network in the browser, paints at once on a
tablet, and keeps the page small (the inline vega bundle would add ~900 kB per chart).
"""

from __future__ import annotations

import html
import json
import math
from functools import lru_cache
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from analytics import fmt

GOOD, BAD, NEUTRAL = "#1a7f37", "#c62828", "#546e7a"
LINE, FORECAST, TARGET, REVISED = "#1f4e79", "#e07b00", "#8e24aa", "#c62828"
STATUS_COLORS = {"on_track": GOOD, "at_risk": "#e0a100", "off_track": BAD}
FONT = "Segoe UI, Roboto, Helvetica, Arial, sans-serif"


def to_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as an inline SVG string (no scripts, no network); identical specs are reused."""
    return _svg(json.dumps(chart.to_dict(), sort_keys=True, default=str))


@lru_cache(maxsize=256)
def _svg(spec: str) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(json.loads(spec))


def sparkline_svg(
    values: list[float], color: str = LINE, width: int = 150, height: int = 34
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


def _config(chart: Any) -> Any:
    return (
        chart.configure(font=FONT)
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=12, titleFontSize=12, gridColor="#eceff1")
        .configure_legend(labelFontSize=12, titleFontSize=12, orient="bottom")
    )


def series(
    hist: pd.DataFrame,
    fc: pd.DataFrame | None,
    target: float | None,
    labels: dict[str, str],
    title: str,
    unit: str,
) -> alt.TopLevelMixin:
    """History, forecast with its interval, the target line and revision marks.

    ``hist``: period, value, revised (bool); ``fc``: period, mean, lo, hi; ``labels``: legend names
    for history, forecast, interval, target, revised.
    """
    hist = hist.assign(series=labels["history"])
    x = alt.X("period:T", title=None, axis=alt.Axis(format="%m/%Y", labelAngle=0, tickCount=8))
    y = alt.Y("value:Q", title=unit, scale=alt.Scale(zero=False))
    colors = alt.Scale(
        domain=[labels["history"], labels["forecast"], labels["target"], labels["revised"]],
        range=[LINE, FORECAST, TARGET, REVISED],
    )
    layers: list[Any] = [
        alt.Chart(hist)
        .mark_line(strokeWidth=2)
        .encode(x=x, y=y, color=alt.Color("series:N", scale=colors, title=None))
    ]
    rev = hist[hist["revised"]].assign(series=labels["revised"])
    if not rev.empty:
        layers.append(
            alt.Chart(rev)
            .mark_point(shape="triangle-up", size=45, filled=True)
            .encode(x=x, y=y, color=alt.Color("series:N", scale=colors, title=None))
        )
    if fc is not None and not fc.empty:
        band = fc.assign(series=labels["interval"])
        layers.append(
            alt.Chart(band)
            .mark_area(opacity=0.22, color=FORECAST)
            .encode(x=x, y=alt.Y("lo:Q", title=unit), y2="hi:Q")
        )
        joined = pd.concat(
            [
                hist.tail(1)[["period", "value"]],
                fc[["period", "mean"]].rename(columns={"mean": "value"}),
            ]
        ).assign(series=labels["forecast"])
        layers.append(
            alt.Chart(joined)
            .mark_line(strokeDash=[6, 3], strokeWidth=2)
            .encode(x=x, y=y, color=alt.Color("series:N", scale=colors, title=None))
        )
    if target is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"value": [target], "series": [labels["target"]]}))
            .mark_rule(strokeDash=[2, 2], strokeWidth=2)
            .encode(y="value:Q", color=alt.Color("series:N", scale=colors, title=None))
        )
    chart = alt.layer(*layers).properties(width=760, height=300, title=title)
    return _config(chart)


PALETTES = {
    "greens": ["#edf8e9", "#c7e9c0", "#a1d99b", "#74c476", "#41ab5d", "#238b45", "#005a32"],
    "oranges": ["#feedde", "#fdd0a2", "#fdae6b", "#fd8d3c", "#f16913", "#d94801", "#8c2d04"],
}
MISSING = "#cfd8dc"


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
) -> str:
    """SVG of the provinces coloured by ``value`` (columns area, name, value, lat, lon, label).

    With boundary ``features`` (``properties.area``) a choropleth in a Mercator projection, otherwise
    bubbles at the province coordinates. Drawn directly, without vega: the shapes do not change
    between redraws, only their colours, so a redraw costs milliseconds; each shape carries a
    ``<title>`` tooltip (name and value) and the selected province is outlined.
    """
    palette = PALETTES.get(scheme, PALETTES["greens"])
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
                outline = f'<path d="{d}" fill="none" stroke="#ff6f00" stroke-width="2.5"/>'
        else:
            cx, cy = xy((float(r["lon"]), _merc(float(r["lat"])))).split(",")
            ring = ' stroke="#ff6f00" stroke-width="3"' if area == selected else ' stroke="white"'
            body.append(
                f'<circle class="mark-symbol nris-area" data-area="{area}" cx="{cx}" cy="{cy}" '
                f'r="11" fill="{color}"{ring}><title>{tip}</title></circle>'
                f'<text x="{cx}" y="{float(cy) - 14:.1f}" font-size="9" text-anchor="middle" '
                f'fill="#37474f">{html.escape(str(r.get("short", "")))}</text>'
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


def ranking(values: pd.DataFrame, title: str, unit: str, selected: str | None) -> alt.TopLevelMixin:
    """Horizontal bars of ``value`` by province ``name``, best first; the selected one highlighted."""
    df = values.assign(chosen=values["area"] == selected)
    chart = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=alt.Y("name:N", sort="-x", title=None),
            x=alt.X("value:Q", title=unit),
            color=alt.condition("datum.chosen", alt.value("#ff6f00"), alt.value(LINE)),
            tooltip=["name:N", "label:N"],
        )
        .properties(width=360, height=alt.Step(17), title=title)
    )
    return _config(chart)


def province_lines(df: pd.DataFrame, title: str, unit: str) -> alt.TopLevelMixin:
    """Lines of ``value`` by ``period`` for a few ``name`` series (a province and the nation)."""
    chart = (
        alt.Chart(df)
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("period:T", title=None, axis=alt.Axis(format="%m/%Y", labelAngle=0)),
            y=alt.Y("value:Q", title=unit, scale=alt.Scale(zero=False)),
            color=alt.Color("name:N", title=None, scale=alt.Scale(range=["#ff6f00", LINE])),
        )
        .properties(width=760, height=260, title=title)
    )
    return _config(chart)


def target_bullets(df: pd.DataFrame, labels: dict[str, str]) -> alt.TopLevelMixin:
    """One row per target: projected interval (bar), projection (tick), target (rule), by status.

    ``df``: name, target, projected, lo, hi, status_label, status; values in the target's own unit,
    so each row has its own x scale.
    """
    colors = alt.Scale(
        domain=[labels[s] for s in STATUS_COLORS], range=list(STATUS_COLORS.values())
    )
    base = alt.Chart(df)
    bar = base.mark_bar(height=12, opacity=0.35).encode(
        x=alt.X("lo:Q", title=None, scale=alt.Scale(zero=False)),
        x2="hi:Q",
        color=alt.Color("status_label:N", scale=colors, title=labels["status"]),
    )
    proj = base.mark_tick(thickness=3, size=18).encode(
        x="projected:Q", color=alt.Color("status_label:N", scale=colors)
    )
    tgt = base.mark_tick(thickness=2, size=24, color="#263238").encode(x="target:Q")
    return _config(
        alt.layer(bar, proj, tgt)
        .properties(width=300, height=26)
        .facet(
            row=alt.Row(
                "name:N",
                title=None,
                header=alt.Header(labelAngle=0, labelAlign="left", labelLimit=320),
            )
        )
        .resolve_scale(x="independent")
    )


def status_bars(df: pd.DataFrame, labels: dict[str, str], title: str) -> alt.TopLevelMixin:
    """Stacked bars per regime of on time / late / missing counts (columns name, kind, count)."""
    order = [labels["on_time"], labels["late"], labels["missing"]]
    chart = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=alt.Y("name:N", title=None, sort=None, axis=alt.Axis(labelLimit=420)),
            x=alt.X("count:Q", title=labels["reports"], stack="zero"),
            color=alt.Color(
                "kind:N", title=None, scale=alt.Scale(domain=order, range=[GOOD, "#e0a100", BAD])
            ),
            order=alt.Order("order:Q"),
            tooltip=["name:N", "kind:N", "count:Q"],
        )
        .properties(width=420, height=alt.Step(20), title=title)
    )
    return _config(chart)
