"""Indicator drill-down: domain, indicator, area and measure; history, forecast, target, revisions."""

from __future__ import annotations

import html
import os
import threading
import urllib.parse

import ipywidgets as widgets
import numpy as np
import pandas as pd

from analytics import calendar, charts, fmt
from analytics.catalog import catalog
from workbench.briefings import data
from workbench.briefings.i18n import t
from workbench.briefings.page import Briefing, download_links, svg_html, table_html

TRANSFORM_LABELS = {"level": "level", "mom": "mom", "yoy": "yoy", "ytd": "ytd_t"}


def narrative(
    code: str,
    area: str,
    transform: str,
    hist: pd.DataFrame,
    fc: pd.DataFrame | None,
    target: float | None,
    lang: str,
) -> str:
    """Two or three sentences on the latest value, its change and the outlook, from the numbers."""
    row = catalog().indicator(code)
    dec = int(row["decimals"])
    last = hist.iloc[-1]
    label = calendar.period_label(pd.Timestamp(last["period"]).date(), str(row["frequency"]), lang)
    unit = data.unit(code, lang, transform)
    sep = "" if unit == "%" else " "
    name = data.name(code, lang)
    where = data.area_name(area, lang)
    dec = dec if transform == "level" else 1
    value = fmt.number(last["value"], dec, lang)
    parts = [f"{name} ({where}), {label}: {value}{sep}{unit}."]
    if len(hist) > 1 and transform in ("level", "ytd") and row["measure"] != "pct_change":
        prev = hist.iloc[-2]["value"]
        if prev:
            pct = 100 * (last["value"] / prev - 1)
            parts.append(
                f"{'So với kỳ trước' if lang == 'vi' else 'Compared with the previous period'}: "
                f"{fmt.change(pct, 1, lang)}."
            )
    if fc is not None and not fc.empty:
        end = fc.iloc[-1]
        end_label = calendar.period_label(
            pd.Timestamp(end["ds"]).date(), str(row["frequency"]), lang
        )
        m, lv = data.FORECAST_MODELS[0], data.FORECAST_LEVEL
        mean, lo, hi = (fmt.number(end[c], dec, lang) for c in (m, f"{m}-lo-{lv}", f"{m}-hi-{lv}"))
        parts.append(
            f"Dự báo đến {end_label}: {mean}{sep}{unit} (khoảng {lv}%: {lo} – {hi})."
            if lang == "vi"
            else f"Forecast for {end_label}: {mean}{sep}{unit} ({lv}% interval {lo} – {hi})."
        )
    if target is not None:
        parts.append(
            f"{'Mục tiêu năm' if lang == 'vi' else 'Target for the year'}: {fmt.number(target, dec, lang)}{sep}{unit}."
        )
    n_rev = int(hist["revised"].tail(24).sum())
    if n_rev:
        parts.append(
            f"{n_rev} kỳ trong 24 kỳ gần nhất được điều chỉnh từ 1% trở lên."
            if lang == "vi"
            else f"{n_rev} of the last 24 periods were revised by 1% or more."
        )
    return " ".join(parts)


class Indicator(Briefing):
    """History, forecast with intervals, target line, revision marks, narrative and a table."""

    key = "indicator"

    def __init__(
        self,
        lang: str = "vi",
        indicator: str = "EXPORTS",
        area: str = "VN",
        transform: str = "level",
        years: int = 6,
        poll: float | None = None,
    ) -> None:
        preheated = os.environ.get("VOILA_PREHEAT") == "True"
        asked = {} if preheated else requested()
        if asked.get("code", "") in set(catalog().indicators["code"]):
            indicator, area = asked["code"], asked.get("area", "VN")
        self._start = (indicator, area, transform)
        self.years = years
        super().__init__(lang=lang, poll=poll)
        if preheated:  # computed before anyone asked: the address arrives with the request
            threading.Thread(target=self._follow_request, daemon=True).start()

    def _follow_request(self) -> None:
        """In a preheated kernel, wait for the request and show the indicator its address names."""
        try:
            from voila.utils import wait_for_request

            wait_for_request()
        except Exception:  # not served by Voilà, or no request info: keep the page as it is
            return
        asked = requested()
        if asked.get("code"):
            self.show(asked["code"], asked.get("area", "VN"))

    def show(self, code: str, area: str = "VN") -> bool:
        """Switch to indicator ``code`` in ``area`` (as an alert's link asks); unknown codes are
        ignored, an area the indicator is not reported for falls back to the nation."""
        cat = catalog()
        if code not in set(cat.indicators["code"]):
            return False
        with self._lock:
            self._muted = True
            try:
                self.domain.value = str(cat.indicator(code)["domain"])
                self._options()
                self.indicator.value = code
                self._options()
                if area in {v for _, v in self.area.options}:
                    self.area.value = area
            finally:
                self._muted = False
            self.redraw()
        return True

    def controls(self) -> list[widgets.Widget]:
        code, area, transform = self._start
        dom = str(catalog().indicator(code)["domain"])
        lay = widgets.Layout(width="auto", min_width="240px")
        self.domain = widgets.Dropdown(options=[(dom, dom)], value=dom, layout=lay)
        self.indicator = widgets.Dropdown(
            options=[(code, code)], value=code, layout=widgets.Layout(width="460px")
        )
        self.area = widgets.Dropdown(options=[(area, area)], value=area, layout=lay)
        self.transform = widgets.Dropdown(
            options=[(transform, transform)], value=transform, layout=lay
        )
        for w, cls in (
            (self.domain, "domain"),
            (self.indicator, "indicator"),
            (self.area, "area"),
            (self.transform, "transform"),
        ):
            w.add_class(f"nris-{cls}")
            w.style = {"description_width": "initial"}
        self.domain.observe(self._on_domain, names="value")
        self.indicator.observe(self._on_indicator, names="value")
        self.area.observe(self.on_change, names="value")
        self.transform.observe(self.on_change, names="value")
        return [self.domain, self.indicator, self.area, self.transform]

    def _options(self) -> None:
        """Fill the dropdowns for the language and the chosen domain/indicator, keeping values."""
        lang, cat = self.lang, catalog()
        col = "name_vi" if lang == "vi" else "name_en"
        doms = cat.domains.sort_values("order")
        dom = self.domain.value
        self.domain.options = list(zip(doms[col], doms["code"], strict=True))
        self.domain.value = dom
        ind = cat.indicators[cat.indicators["domain"] == self.domain.value]
        code = (
            self.indicator.value
            if self.indicator.value in set(ind["code"])
            else ind["code"].iloc[0]
        )
        self.indicator.options = list(zip(ind[col], ind["code"], strict=True))
        self.indicator.value = code
        row = cat.indicator(code)
        areas = [(t("national", lang), "VN")]
        if "province" in str(row["levels"]):
            prov = cat.provinces().sort_values(col)
            areas += list(zip(prov[col], prov["code"], strict=True))
        area = self.area.value if self.area.value in {a for _, a in areas} else "VN"
        self.area.options = areas
        self.area.value = area
        tr = data.transforms_for(code)
        transform = self.transform.value if self.transform.value in tr else "level"
        self.transform.options = [(t(TRANSFORM_LABELS[x], lang), x) for x in tr]
        self.transform.value = transform

    def relabel(self) -> None:
        self._options()
        for w, key in (
            (self.domain, "domain"),
            (self.indicator, "indicator_w"),
            (self.area, "area"),
            (self.transform, "transform"),
        ):
            w.description = t(key, self.lang)

    def _on_domain(self, _change: object) -> None:
        if self._muted:
            return
        self._muted = True
        try:
            self._options()
        finally:
            self._muted = False
        self.redraw()

    def _on_indicator(self, change: object) -> None:
        self._on_domain(change)

    def draw(self) -> list[widgets.Widget]:
        lang = self.lang
        code, area, transform = self.indicator.value, self.area.value, self.transform.value
        hist_all = data.series(code, area, transform)
        if hist_all.empty:
            return [widgets.HTML(f'<div class="nris-note">{t("no_data", lang)}</div>')]
        start = hist_all["period"].max() - pd.DateOffset(years=self.years)
        hist = hist_all[hist_all["period"] > start]
        fc = data.quick_forecast(code, area, transform)
        year = int(hist["period"].max().year)
        row = catalog().indicator(code)
        target = None
        if (transform == "level" and row["measure"] not in ("flow", "stock")) or (
            transform == "ytd" and row["measure"] == "flow"
        ):
            target = data.target_value(code, area, year)
        unit = data.unit(code, lang, transform)
        title = f"{data.name(code, lang)} — {data.area_name(area, lang)}"
        chart = charts.plot_series(
            hist[["period", "value", "revised"]],
            fc,
            level=[data.FORECAST_LEVEL],
            target=target,
            lang=lang,
            title=title[:110],
            unit=unit,
            time_col="period",
            target_col="value",
            width=760,
            height=300,
        )
        text = narrative(code, area, transform, hist_all, fc, target, lang)
        dec = int(row["decimals"]) if transform == "level" else 1
        freq = str(row["frequency"])
        table = hist.sort_values("period", ascending=False).head(24)
        shown = pd.DataFrame(
            {
                t("period", lang): [
                    calendar.period_label(p.date(), freq, lang) for p in table["period"]
                ],
                t("value", lang): [fmt.number(v, dec, lang) for v in table["value"]],
                t("unit", lang): unit,
                t("vintages", lang): table["vintages"],
                t("revision", lang): [
                    "–" if pd.isna(v) or v == 0 else fmt.percent(v, 1, lang)
                    for v in table["revision_pct"]
                ],
            }
        )
        export = hist_all.assign(indicator=code, area=area, transform=transform, unit=unit)[
            [
                "indicator",
                "area",
                "transform",
                "period",
                "value",
                "unit",
                "status",
                "vintages",
                "revision_pct",
            ]
        ]
        export["period"] = export["period"].dt.date
        return [
            widgets.HTML(svg_html(chart, "nris-chart nris-series")),
            widgets.HTML(
                f'<p class="nris-narrative"><b>{t("narrative", lang)}:</b> {html.escape(text)}</p>'
            ),
            widgets.HTML(download_links(export, f"{code}_{area}_{transform}", lang)),
            widgets.HTML(table_html(shown, numeric=(t("value", lang),))),
        ]


def requested(query: str | None = None) -> dict[str, str]:
    """The page address's parameters (``?code=CPI_YOY&area=01``, as alert links carry them), from
    ``query`` or Voilà's ``$QUERY_STRING``."""
    text = os.environ.get("QUERY_STRING", "") if query is None else query
    return {k: v[-1] for k, v in urllib.parse.parse_qs(text.lstrip("?")).items()}


def indicator(
    lang: str = "vi", code: str = "EXPORTS", area: str = "VN", transform: str = "level"
) -> Briefing:
    """The indicator drill-down page (display it in a Voilà notebook; ``.widget`` is the live widget)."""
    return Indicator(lang=lang, indicator=code, area=area, transform=transform)


__all__ = ["Indicator", "indicator", "narrative", "np"]
