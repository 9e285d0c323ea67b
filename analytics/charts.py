"""Altair chart builders over tidy frames: history with forecast band and target, ranking, sparkline.

Every builder takes a tidy frame (polars or pandas) and returns an ``alt.Chart``/``alt.LayerChart``;
nothing is rendered at import. Charts must render with no network: call :func:`use_offline` once in
a notebook (``"svg"`` draws through vl-convert into plain SVG, ideal for static reports;
``"html"`` embeds the Vega JavaScript inline for interactive pages).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

WIDTH = 560
HEIGHT = 220
COLORS = {"history": "#1f4e79", "forecast": "#c55a11", "band": "#f4b183", "target": "#2e7d32"}


def use_offline(mode: str = "svg") -> str:
    """Switch Altair to a renderer that needs no CDN: ``svg`` (vl-convert) or ``html`` (inline JS)."""
    import altair as alt

    if mode == "svg":
        alt.renderers.enable("svg")
    elif mode == "html":
        alt.renderers.enable("html", template="inline")
    else:
        raise ValueError(f"offline renderer must be 'svg' or 'html', got {mode!r}")
    return mode


def _pd(df: Any) -> pd.DataFrame:
    if df is None:
        return pd.DataFrame()
    return df.to_pandas() if hasattr(df, "to_pandas") else pd.DataFrame(df)


def history(
    df: Any,
    forecast: Any = None,
    target: float | None = None,
    *,
    x: str = "period",
    y: str = "value",
    color: str | None = None,
    model: str = "auto",
    level: int = 80,
    title: str = "",
    y_title: str = "",
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Any:
    """Line of the history, optional forecast line with its ``level`` band, optional target rule.

    ``forecast`` is a Nixtla frame (``ds``, ``<model>``, ``<model>-lo-<level>``,
    ``<model>-hi-<level>``) for the same single series; ``color`` splits the history by a column
    (e.g. area) when there is no forecast.
    """
    import altair as alt

    hist = _pd(df).copy()
    hist[x] = pd.to_datetime(hist[x])
    enc: dict[str, Any] = {
        "x": alt.X(f"{x}:T", title=None),
        "y": alt.Y(f"{y}:Q", title=y_title, scale=alt.Scale(zero=False)),
        "tooltip": [alt.Tooltip(f"{x}:T", format="%m/%Y"), alt.Tooltip(f"{y}:Q", format=",.2f")],
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=None)
        line = alt.Chart(hist).mark_line().encode(**enc)
    else:
        line = alt.Chart(hist).mark_line(color=COLORS["history"]).encode(**enc)
    layers: list[Any] = [line]
    fc = _pd(forecast)
    if len(fc) and model in fc.columns:
        fc = fc.copy()
        fc["ds"] = pd.to_datetime(fc["ds"])
        lo, hi = f"{model}-lo-{level}", f"{model}-hi-{level}"
        if lo in fc.columns and hi in fc.columns:
            band = (
                alt.Chart(fc)
                .mark_area(opacity=0.35, color=COLORS["band"])
                .encode(x="ds:T", y=alt.Y(f"{lo}:Q"), y2=alt.Y2(f"{hi}:Q"))
            )
            layers.append(band)
        layers.append(
            alt.Chart(fc)
            .mark_line(color=COLORS["forecast"], strokeDash=[5, 3])
            .encode(
                x="ds:T",
                y=alt.Y(f"{model}:Q"),
                tooltip=[
                    alt.Tooltip("ds:T", format="%m/%Y"),
                    alt.Tooltip(f"{model}:Q", format=",.2f"),
                ],
            )
        )
    if target is not None:
        rule = pd.DataFrame({"target": [float(target)]})
        layers.append(
            alt.Chart(rule)
            .mark_rule(color=COLORS["target"], strokeDash=[2, 2])
            .encode(y="target:Q")
        )
    return alt.layer(*layers).properties(title=title, width=width, height=height)


def ranking(
    df: Any,
    value: str = "value",
    label: str = "name",
    *,
    highlight: str | None = None,
    key: str | None = None,
    title: str = "",
    descending: bool = True,
    width: int = WIDTH,
    bar_height: int = 14,
) -> Any:
    """Horizontal bars sorted by ``value``; the row whose ``key`` (default ``label``) equals
    ``highlight`` is drawn in the accent colour (a province against the others)."""
    import altair as alt

    data = _pd(df).copy()
    key = key or label
    data["_hl"] = (data[key].astype(str) == str(highlight)) if highlight is not None else False
    order = "-x" if descending else "x"
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(f"{value}:Q", title=None),
            y=alt.Y(f"{label}:N", sort=order, title=None),
            color=alt.condition(
                alt.datum._hl, alt.value(COLORS["forecast"]), alt.value(COLORS["history"])
            ),
            tooltip=[label, alt.Tooltip(f"{value}:Q", format=",.2f")],
        )
        .properties(title=title, width=width, height=max(60, bar_height * len(data)))
    )


def sparkline(
    df: Any, x: str = "period", y: str = "value", width: int = 120, height: int = 30
) -> Any:
    """A bare small line for cards and tables: no axes, no title."""
    import altair as alt

    data = _pd(df).copy()
    data[x] = pd.to_datetime(data[x])
    return (
        alt.Chart(data)
        .mark_line(color=COLORS["history"], strokeWidth=1.5)
        .encode(
            x=alt.X(f"{x}:T", axis=None), y=alt.Y(f"{y}:Q", axis=None, scale=alt.Scale(zero=False))
        )
        .properties(width=width, height=height)
        .configure_view(strokeWidth=0)
    )


def target_bars(outlook: Any, label: str = "label", title: str = "") -> Any:
    """Projected year-end value with its interval against the target value, one row per target
    (rows of :func:`workbench.outlook.target_outlook`, with a ``label`` column added)."""
    import altair as alt

    data = _pd(outlook).copy()
    data = data[data["projected"].notna()]
    base = alt.Chart().encode()
    band = base.mark_rule(color=COLORS["band"], strokeWidth=6).encode(
        x=alt.X("lo:Q", title=None, scale=alt.Scale(zero=False)), x2="hi:Q"
    )
    point = base.mark_point(filled=True, color=COLORS["forecast"], size=60).encode(
        x="projected:Q", tooltip=[label, "projected", "lo", "hi", "p_met", "status"]
    )
    goal = base.mark_tick(color=COLORS["target"], thickness=2, size=16).encode(x="value:Q")
    # one row per target with its own x scale: targets mix units (%, USD, ...)
    return (
        alt.layer(band, point, goal, data=data)
        .properties(width=WIDTH - 160, height=24)
        .facet(
            row=alt.Row(
                f"{label}:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")
            )
        )
        .resolve_scale(x="independent")
        .properties(title=title)
    )
