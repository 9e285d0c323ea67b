"""Every Vega-Lite chart of the workbench: one frame contract, one palette, the page's language.

Reports (:mod:`analytics.report`, ``workbench.outlook``), the notebooks and the Voilà briefings all
draw through this module. Series charts take frames in the Nixtla convention, as
``utilsforecast.plotting.plot_series`` does: ``unique_id, ds, y`` for the history and
``unique_id, ds, <model>, <model>-lo-<level>, <model>-hi-<level>`` for forecasts.

Each chart carries its language in its own Vega-Lite config (``config.locale``): Vietnamese charts
group thousands with a dot, use a decimal comma and name months in Vietnamese ("50.000",
"Thg 3"), English ones write "50,000" and "Mar", whichever renderer draws them (vl-convert
SVG in reports and briefings, inline JavaScript in JupyterLab) and whatever the process locale.
Nothing is rendered at import.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pandas as pd

from analytics import fmt
from analytics.errors import NrisError

if TYPE_CHECKING:  # altair takes about a second to import: only the builders load it
    import altair as alt

WIDTH = 560
HEIGHT = 220
FONT = "Segoe UI, Roboto, Helvetica, Arial, sans-serif"

#: The one palette: reports, briefings, the map and the sparklines use these colours.
PALETTE: dict[str, str] = {
    "history": "#1f4e79",
    "forecast": "#e07b00",
    "target": "#8e24aa",
    "revised": "#c62828",
    "highlight": "#ff6f00",
    "good": "#1a7f37",
    "bad": "#c62828",
    "neutral": "#546e7a",
    "at_risk": "#e0a100",
    "missing": "#cfd8dc",
    "grid": "#eceff1",
    "ink": "#263238",
}
#: Lines of several series (areas, regions): the history colour first, then the highlight.
SERIES = (
    PALETTE["history"],
    PALETTE["highlight"],
    "#00838f",
    "#6d4c41",
    "#ad1457",
    "#558b2f",
    "#5e35b1",
    "#9e9d24",
    "#0277bd",
    "#455a64",
)
#: Sequential schemes of the province map: greens where up is good, oranges where down is.
SCHEMES: dict[str, list[str]] = {
    "greens": ["#edf8e9", "#c7e9c0", "#a1d99b", "#74c476", "#41ab5d", "#238b45", "#005a32"],
    "oranges": ["#feedde", "#fdd0a2", "#fdae6b", "#fd8d3c", "#f16913", "#d94801", "#8c2d04"],
}
STATUS_COLORS = {
    "on_track": PALETTE["good"],
    "at_risk": PALETTE["at_risk"],
    "off_track": PALETTE["bad"],
}
#: Legend entries of a series chart.
LABELS: dict[str, tuple[str, str]] = {
    "history": ("Thực tế", "Actual"),
    "forecast": ("Dự báo", "Forecast"),
    "target": ("Mục tiêu", "Target"),
    "revised": ("Đã điều chỉnh", "Revised"),
}

# d3-time-format locales. Vietnamese month names as CLDR writes them stand-alone ("Tháng 3",
# "Thg 3"), as the statistics office numbers its months; d3's own vi-VN spells them out
# ("Tháng ba").
_TIME: dict[str, dict[str, Any]] = {
    "vi": {
        "dateTime": "%H:%M %d/%m/%Y",
        "date": "%d/%m/%Y",
        "time": "%H:%M:%S",
        "periods": ["SA", "CH"],
        "days": ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"],
        "shortDays": ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
        "months": [f"Tháng {m}" for m in range(1, 13)],
        "shortMonths": [f"Thg {m}" for m in range(1, 13)],
    },
    "en": {
        "dateTime": "%x, %X",
        "date": "%-m/%-d/%Y",
        "time": "%-I:%M:%S %p",
        "periods": ["AM", "PM"],
        "days": ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
        "shortDays": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
        "months": list(fmt.MONTHS_EN),
        "shortMonths": [m[:3] for m in fmt.MONTHS_EN],
    },
}
_TOOLTIP_DATE = {"vi": "%m/%Y", "en": "%b %Y"}
# Time axis: the year at January, short month names between. Vega's default writes full month
# names, and "Tháng 7" is wide enough that the labels dropped on overlap were the years.
_TIME_LABELS = "timeFormat(datum.value, month(datum.value) == 0 ? '%Y' : '%b')"
_BOUND = re.compile(r"^(?P<model>.+)-(?P<side>lo|hi)-(?P<level>\d+(?:\.\d+)?)$")


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "vi"


def _label(key: str, lang: str) -> str:
    return LABELS[key][0 if _lang(lang) == "vi" else 1]


def locale(lang: str = "vi") -> dict[str, Any]:
    """Vega's format locale for ``lang``: number separators from :func:`analytics.fmt.number`
    (so charts group digits as the text beside them does) and month and day names."""
    sample = fmt.number(1234.5, 1, _lang(lang))  # "1.234,5" or "1,234.5"
    thousands, decimal = sample[1], sample[-2]
    currency = ["", "\u00a0₫"] if _lang(lang) == "vi" else ["$", ""]
    number = {"decimal": decimal, "thousands": thousands, "grouping": [3], "currency": currency}
    return {"number": number, "time": _TIME[_lang(lang)]}


def use_offline(mode: str = "svg") -> str:
    """Switch Altair to a renderer that needs no CDN: ``svg`` (vl-convert) or ``html`` (inline JS).

    The first call of a report or notebook: Altair loads without the iri parsers it never uses
    (a CPU-second or two per kernel, see ``analytics.startup``)."""
    from analytics.startup import skip_iri_parsers

    skip_iri_parsers()
    import altair as alt

    if mode == "svg":
        alt.renderers.enable("svg")
    elif mode == "html":
        alt.renderers.enable("html", template="inline")
    else:
        raise ValueError(f"offline renderer must be 'svg' or 'html', got {mode!r}")
    return mode


def to_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as an inline SVG string (no scripts, no network); identical specs are reused."""
    return _svg(json.dumps(chart.to_dict(), sort_keys=True, default=str))


@lru_cache(maxsize=256)
def _svg(spec: str) -> str:
    import vl_convert as vlc

    return str(vlc.vegalite_to_svg(json.loads(spec)))


def _finish(chart: Any, lang: str) -> Any:
    """The house look and the language, set once on the top-level chart."""
    return (
        chart.configure(font=FONT, locale=locale(lang))
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=12, titleFontSize=12, gridColor=PALETTE["grid"])
        .configure_legend(labelFontSize=12, titleFontSize=12, orient="bottom")
    )


def _pd(df: Any) -> pd.DataFrame:
    if df is None:
        return pd.DataFrame()
    return df.to_pandas() if hasattr(df, "to_pandas") else pd.DataFrame(df)


def _require(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        gone = ", ".join(missing)
        raise NrisError(
            f"Bảng số liệu của biểu đồ ({what}) thiếu cột {gone}; cần các cột "
            "unique_id, ds, y (dự báo: unique_id, ds, <mô hình>, <mô hình>-lo-<mức>, "
            "<mô hình>-hi-<mức>)",
            f"chart frame ({what}) lacks column(s) {gone}; expected unique_id, ds, y "
            "(forecasts: unique_id, ds, <model>, <model>-lo-<level>, <model>-hi-<level>)",
        )


def series_frame(
    df: Any, id_col: str = "unique_id", time_col: str = "ds", target_col: str = "y"
) -> pd.DataFrame:
    """The history frame of :func:`plot_series` as ``unique_id, ds, y`` (pandas), checked.

    ``unique_id`` may be absent for a single series; ``ds`` and ``y`` are required. Other columns
    (such as a boolean ``revised``) are kept. Series stay in the order they first appear (the
    first takes the first colour of :data:`SERIES`), each sorted by date.
    """
    data = _pd(df)
    _require(data, [time_col, target_col], "df")
    data = data.rename(columns={id_col: "unique_id", time_col: "ds", target_col: "y"})
    if "unique_id" not in data.columns:
        data["unique_id"] = ""
    data["unique_id"] = data["unique_id"].astype(str)
    data["ds"] = pd.to_datetime(data["ds"])
    data["y"] = pd.to_numeric(data["y"], errors="coerce").astype(float)
    order = pd.Series(pd.factorize(data["unique_id"])[0], index=data.index, name="_order")
    data = data.assign(_order=order).sort_values(["_order", "ds"], kind="stable")
    return data.drop(columns="_order").reset_index(drop=True)


def forecast_columns(
    forecasts_df: pd.DataFrame, models: Sequence[str] | None, level: Sequence[float] | None
) -> tuple[list[str], list[float]]:
    """The models and interval levels to draw: as asked (each column checked) or, when not given,
    every forecast column and every level whose ``-lo-``/``-hi-`` pair the frame holds."""
    if models is None:
        skip = {"unique_id", "ds", "y", "cutoff"}
        models = [
            str(c)
            for c in forecasts_df.columns
            if c not in skip and not _BOUND.match(str(c)) and not str(c).startswith("_")
        ]
    models = list(models)
    _require(forecasts_df, models, "forecasts_df")
    if not models:
        return models, []
    if level is None:
        found = [
            float(m["level"])
            for c in forecasts_df.columns
            if (m := _BOUND.match(str(c))) and m["model"] == models[0] and m["side"] == "lo"
        ]
        levels = sorted(lv for lv in found if f"{models[0]}-hi-{_lv(lv)}" in forecasts_df)
    else:
        levels = [float(lv) for lv in level]
        need = [f"{models[0]}-{side}-{_lv(lv)}" for lv in levels for side in ("lo", "hi")]
        _require(forecasts_df, need, "forecasts_df")
    return models, levels


def _lv(level: float) -> str:
    return str(int(level)) if float(level).is_integer() else str(level)


def plot_series(
    df: Any,
    forecasts_df: Any = None,
    models: Sequence[str] | None = None,
    level: Sequence[float] | float | None = None,
    *,
    target: float | None = None,
    lang: str = "vi",
    title: str = "",
    unit: str = "",
    palette: Mapping[str, str] | None = None,
    max_insample_length: int | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    width: int = WIDTH,
    height: int = HEIGHT,
) -> alt.TopLevelMixin:
    """History, forecasts with their intervals, the target line and revision marks.

    Parameters
    ----------
    df
        History, ``unique_id, ds, y`` (other names with ``id_col``, ``time_col``, ``target_col``);
        several ``unique_id`` draw one line each, named by the id. An optional boolean column
        ``revised`` marks revised periods.
    forecasts_df
        Forecasts of the (single) series of ``df``: ``ds``, a column per model and its
        ``<model>-lo-<level>`` / ``<model>-hi-<level>`` bounds.
    models, level
        Which forecast columns and interval levels to draw (default: all the frame holds; the
        band is drawn from the first model's bounds).
    target
        A target value, drawn as a dotted rule.
    lang
        ``vi`` or ``en``: legend, number and date format of the chart.
    palette
        Colours overriding :data:`PALETTE` by role (``history``, ``forecast``, ``target``, ...).
    max_insample_length
        Show only the last this many history points of each series.

    Returns
    -------
    altair.LayerChart
        Configured for ``lang``; display it or pass it to :func:`to_svg`.
    """
    import altair as alt

    colors = {**PALETTE, **(palette or {})}
    hist = series_frame(df, id_col, time_col, target_col)
    if max_insample_length:
        hist = hist.groupby("unique_id", sort=False).tail(max_insample_length)
    ids = list(dict.fromkeys(hist["unique_id"]))
    fc = _pd(forecasts_df)
    levels: Sequence[float] | None = [level] if isinstance(level, (int, float)) else level
    legend: list[tuple[str, str]] = []  # (label, colour), in legend order
    if len(ids) > 1:
        if len(fc):
            raise NrisError(
                f"Biểu đồ dự báo vẽ một chuỗi, bảng số liệu có {len(ids)} chuỗi (unique_id)",
                f"a forecast chart draws one series; df holds {len(ids)} (unique_id)",
            )
        hist["series"] = hist["unique_id"]
        legend += [(i, SERIES[k % len(SERIES)]) for k, i in enumerate(ids)]
    else:
        hist["series"] = _label("history", lang)
        legend.append((_label("history", lang), colors["history"]))
    x = alt.X("ds:T", title=None, axis=alt.Axis(labelAngle=0, labelExpr=_TIME_LABELS))
    y = alt.Y("y:Q", title=unit or None, scale=alt.Scale(zero=False))
    tip = [
        alt.Tooltip("ds:T", format=_TOOLTIP_DATE[_lang(lang)], title=None),
        alt.Tooltip("y:Q", format=",.2~f", title=None),
        alt.Tooltip("series:N", title=None),
    ]
    # (layer, coloured by series): the colour scale is set once the legend is complete
    layers: list[tuple[Any, bool]] = [
        (alt.Chart(hist).mark_line(strokeWidth=2).encode(x=x, y=y, tooltip=tip), True)
    ]
    if "revised" in hist.columns and hist["revised"].fillna(False).astype(bool).any():
        rev = hist[hist["revised"].fillna(False).astype(bool)].assign(
            series=_label("revised", lang)
        )
        legend.append((_label("revised", lang), colors["revised"]))
        marks = alt.Chart(rev).mark_point(shape="triangle-up", size=45, filled=True)
        layers.append((marks.encode(x=x, y=y, tooltip=tip), True))
    if len(fc):
        _require(fc, ["ds"], "forecasts_df")
        fc = fc.copy()
        fc["ds"] = pd.to_datetime(fc["ds"])
        names, band_levels = forecast_columns(fc, models, levels)
        for lv in sorted(band_levels, reverse=True):  # widest first, the narrower drawn over it
            lo, hi = f"{names[0]}-lo-{_lv(lv)}", f"{names[0]}-hi-{_lv(lv)}"
            band = fc[["ds", lo, hi]].rename(columns={lo: "lo", hi: "hi"})
            area = alt.Chart(band).mark_area(opacity=0.18, color=colors["forecast"])
            layers.append((area.encode(x=x, y=alt.Y("lo:Q", title=unit or None), y2="hi:Q"), False))
        last = hist.tail(1)[["ds", "y"]]
        for k, name in enumerate(names):
            label = _label("forecast", lang) + ("" if len(names) == 1 else f" ({name})")
            legend.append((label, colors["forecast"] if k == 0 else SERIES[(k + 1) % len(SERIES)]))
            line = pd.concat([last, fc[["ds", name]].rename(columns={name: "y"})]).assign(
                series=label
            )
            dashed = alt.Chart(line).mark_line(strokeDash=[6, 3], strokeWidth=2)
            layers.append((dashed.encode(x=x, y=y, tooltip=tip), True))
    if target is not None:
        legend.append((_label("target", lang), colors["target"]))
        rule = pd.DataFrame({"y": [float(target)], "series": [_label("target", lang)]})
        layers.append(
            (alt.Chart(rule).mark_rule(strokeDash=[2, 2], strokeWidth=2).encode(y=y), True)
        )
    scale = alt.Scale(domain=[lab for lab, _ in legend], range=[c for _, c in legend])
    by_series = alt.Color(
        "series:N", scale=scale, title=None, legend=alt.Legend() if len(legend) > 1 else None
    )
    drawn = [layer.encode(color=by_series) if coloured else layer for layer, coloured in layers]
    chart = alt.layer(*drawn).properties(width=width, height=height, title=title)
    return _finish(chart, lang)


def ranking(
    df: Any,
    value: str = "value",
    label: str = "name",
    *,
    key: str | None = None,
    highlight: str | None = None,
    descending: bool = True,
    title: str = "",
    unit: str = "",
    lang: str = "vi",
    width: int = WIDTH,
) -> alt.TopLevelMixin:
    """Horizontal bars of ``value`` by ``label``, sorted; the row whose ``key`` (default ``label``)
    equals ``highlight`` is drawn in the highlight colour (a province against the others)."""
    import altair as alt

    data = _pd(df).copy()
    _require(data, [value, label], "ranking")
    key = key or label
    data["_hl"] = (data[key].astype(str) == str(highlight)) if highlight is not None else False
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(f"{value}:Q", title=unit or None),
            y=alt.Y(f"{label}:N", sort="-x" if descending else "x", title=None),
            color=alt.condition(
                "datum._hl", alt.value(PALETTE["highlight"]), alt.value(PALETTE["history"])
            ),
            tooltip=[
                alt.Tooltip(f"{label}:N", title=None),
                alt.Tooltip(f"{value}:Q", format=",.2~f", title=None),
            ],
        )
        .properties(width=width, height=alt.Step(17), title=title)
    )
    return _finish(chart, lang)


def target_bullets(df: pd.DataFrame, labels: Mapping[str, str], lang: str = "vi") -> Any:
    """One row per target: projected interval (bar), projection (tick), target (rule), by status.

    ``df``: name, target, projected, lo, hi, status_label; values in the target's own unit, so
    each row has its own x scale. ``labels``: the text of each status in :data:`STATUS_COLORS`
    and of ``status`` (the legend title).
    """
    import altair as alt

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
    goal = base.mark_tick(thickness=2, size=24, color=PALETTE["target"]).encode(x="target:Q")
    chart = (
        alt.layer(bar, proj, goal)
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
    return _finish(chart, lang)


def status_bars(
    df: pd.DataFrame, labels: Mapping[str, str], title: str, lang: str = "vi"
) -> alt.TopLevelMixin:
    """Stacked bars per regime of on time / late / missing counts (columns name, kind, count,
    order); ``labels`` names on_time, late, missing and reports (the axis title)."""
    import altair as alt

    order = [labels["on_time"], labels["late"], labels["missing"]]
    scale = alt.Scale(domain=order, range=[PALETTE["good"], PALETTE["at_risk"], PALETTE["bad"]])
    chart = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=alt.Y("name:N", title=None, sort=None, axis=alt.Axis(labelLimit=420)),
            x=alt.X("count:Q", title=labels["reports"], stack="zero"),
            color=alt.Color("kind:N", title=None, scale=scale),
            order=alt.Order("order:Q"),
            tooltip=["name:N", "kind:N", "count:Q"],
        )
        .properties(width=420, height=alt.Step(20), title=title)
    )
    return _finish(chart, lang)
