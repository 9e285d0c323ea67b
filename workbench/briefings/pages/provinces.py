"""Provinces: a map of the 34 provinces coloured by an indicator, ranking, regions, one province,
and the chosen province's communes (which reported, their figures, the total they add up to)."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pandas as pd
import polars as pl

import analytics
from analytics import calendar, charts, fmt
from analytics.catalog import COMMUNE_KINDS, catalog
from analytics.communes import commune_completeness, commune_indicators, commune_values
from workbench.briefings import data, geo, svg
from workbench.briefings.i18n import t
from workbench.briefings.page import Briefing, download_links, svg_html, table_html

SHORT = {"Thành phố ": "", "Ho Chi Minh City": "HCMC"}


def _short(name: str) -> str:
    for k, v in SHORT.items():
        name = name.replace(k, v)
    return name


class Provinces(Briefing):
    """Map (boundaries or bubbles), ranking table, regions, and the chosen province's series."""

    key = "provinces"

    def __init__(
        self,
        lang: str = "vi",
        indicator: str = "RETAIL_SALES",
        transform: str = "yoy",
        province: str = "01",
        poll: float | None = None,
        commune_indicator: str | None = None,
    ) -> None:
        self._start = (indicator, transform, province)
        self._commune_start = commune_indicator
        super().__init__(lang=lang, poll=poll)

    def controls(self) -> list[widgets.Widget]:
        code, transform, province = self._start
        self.indicator = widgets.Dropdown(
            options=[(code, code)], value=code, layout=widgets.Layout(width="440px")
        )
        self.transform = widgets.Dropdown(options=[(transform, transform)], value=transform)
        self.province = widgets.Dropdown(options=[(province, province)], value=province)
        first = self._commune_start or next(iter(commune_indicators()), None)
        self.commune_indicator = widgets.Dropdown(
            options=[(first, first)] if first else [], value=first
        )
        for w, cls in (
            (self.indicator, "indicator"),
            (self.transform, "transform"),
            (self.province, "province"),
            (self.commune_indicator, "commune-indicator"),
        ):
            w.add_class(f"nris-{cls}")
            w.style = {"description_width": "initial"}
            w.observe(self._on_control, names="value")
        if not first:  # a catalog without a commune level
            self.commune_indicator.layout.display = "none"
        return [self.indicator, self.transform, self.province, self.commune_indicator]

    def _options(self) -> None:
        lang, cat = self.lang, catalog()
        col = "name_vi" if lang == "vi" else "name_en"
        ind = cat.indicators[cat.indicators["levels"].str.contains("province")]
        code = self.indicator.value
        self.indicator.options = list(zip(ind[col], ind["code"], strict=True))
        self.indicator.value = code if code in set(ind["code"]) else ind["code"].iloc[0]
        tr = data.transforms_for(self.indicator.value)
        transform = self.transform.value if self.transform.value in tr else tr[0]
        labels = {"level": "level", "mom": "mom", "yoy": "yoy", "ytd": "ytd_t"}
        self.transform.options = [(t(labels[x], lang), x) for x in tr]
        self.transform.value = transform
        prov = cat.provinces().sort_values(col)
        province = self.province.value
        self.province.options = list(zip(prov[col], prov["code"], strict=True))
        self.province.value = province
        codes = commune_indicators(province)
        if codes:
            chosen = self.commune_indicator.value
            names = cat.indicators.set_index("code")[col]
            self.commune_indicator.options = [(names[c], c) for c in codes]
            self.commune_indicator.value = chosen if chosen in codes else codes[0]

    def relabel(self) -> None:
        self._options()
        self.indicator.description = t("indicator_w", self.lang)
        self.transform.description = t("transform", self.lang)
        self.province.description = t("province", self.lang)
        self.commune_indicator.description = t("commune_indicator", self.lang)

    def _on_control(self, _change: object) -> None:
        if self._muted:
            return
        self._muted = True
        try:
            self._options()
        finally:
            self._muted = False
        self.redraw()

    def draw(self) -> list[widgets.Widget]:
        lang, code, transform = self.lang, self.indicator.value, self.transform.value
        chosen = self.province.value
        row = catalog().indicator(code)
        freq = str(row["frequency"])
        dec = int(row["decimals"]) if transform == "level" else 1
        unit = data.unit(code, lang, transform)
        vals = data.province_values(code, transform).copy()
        have = vals.dropna(subset=["value"])
        if have.empty:
            note = widgets.HTML(f'<div class="nris-note">{t("no_data", lang)}</div>')
            return [note, *self._communes(chosen)]
        vals["name"] = vals["name_vi" if lang == "vi" else "name_en"]
        vals["short"] = [_short(n) for n in vals["name"]]
        vals["label"] = [f"{fmt.number(v, dec, lang)} {unit}" for v in vals["value"]]
        period = pd.Timestamp(have["period"].iloc[0]).date()
        when = calendar.period_label(period, freq, lang)
        title = f"{data.name(code, lang)[:70]} — {when}"
        good_up = row["direction"] != "down"
        scheme = "greens" if good_up else "oranges"
        feats = geo.province_features(catalog().provinces())
        mapped = svg.province_map(
            vals,
            feats,
            title=when,
            legend=unit,
            scheme=scheme,
            selected=chosen,
            lang=lang,
            missing_label=t("no_report", lang),
            places=geo.places(lang),
        )
        ranked = have.assign(name=vals.loc[have.index, "name"], label=vals.loc[have.index, "label"])
        ranked = ranked.sort_values("value", ascending=not good_up).reset_index(drop=True)
        bars = charts.ranking(
            ranked,
            key="area",
            highlight=chosen,
            title=t("ranking", lang),
            unit=unit,
            lang=lang,
            width=360,
        )
        regions = catalog().areas.set_index("code")
        col = "name_vi" if lang == "vi" else "name_en"
        table = pd.DataFrame(
            {
                t("rank", lang): np.arange(1, len(ranked) + 1),
                t("province", lang): ranked["name"],
                t("region", lang): [regions.loc[r, col] for r in ranked["region"]],
                f"{t('value', lang)} ({unit})": [fmt.number(v, dec, lang) for v in ranked["value"]],
            }
        )
        export = ranked[["area", "name", "region", "period", "value"]].assign(
            indicator=code, transform=transform, unit=unit
        )
        export["period"] = pd.to_datetime(export["period"]).dt.date
        out: list[widgets.Widget] = [
            widgets.HTML(f"<h3>{title}</h3>"),
            widgets.HBox(
                [
                    widgets.HTML(f'<div class="nris-chart nris-map">{mapped}</div>'),
                    widgets.HTML(svg_html(bars, "nris-chart nris-ranking")),
                ],
                layout=widgets.Layout(flex_flow="row wrap", gap="16px"),
            ),
            widgets.HTML(
                f"<h3>{t('choose_province', lang)}: {vals.set_index('area').loc[chosen, 'name']}</h3>"
            ),
            widgets.HTML(
                svg_html(
                    self._province_chart(code, transform, chosen, unit),
                    "nris-chart nris-province-series",
                )
            ),
            widgets.HTML(f"<h3>{t('regions', lang)}</h3>"),
            widgets.HTML(self._regions(code, transform, dec, unit)),
            widgets.HTML(f"<h3>{t('ranking', lang)}</h3>"),
            widgets.HTML(download_links(export, f"{code}_provinces_{transform}", lang)),
            widgets.HTML(table_html(table, numeric=(table.columns[3],))),
            *self._communes(chosen),
        ]
        return out

    def _communes(self, province: str) -> list[widgets.Widget]:
        """The chosen province's communes for one commune indicator: how many reported, the total
        they add up to (only when all did, otherwise said so), and every commune ranked."""
        lang, code = self.lang, self.commune_indicator.value
        if not code:
            return []
        col = "name_vi" if lang == "vi" else "name_en"
        head = widgets.HTML(
            f"<h3>{t('communes_of', lang)} {data.area_name(province, lang)}</h3>",
        )
        frame, total = data.cached(
            ("communes", province, code), lambda: _commune_frame(province, code)
        )
        subs = catalog().regime_submitters
        regimes = catalog().regimes
        commune_regimes = set(regimes.loc[regimes["level"] == "commune", "code"])
        filers = subs[subs["regime"].isin(commune_regimes)]
        if frame["value"].isna().all():
            if f"UBND_{province}" in set(filers["agency"]):
                text = t("no_commune_reports", lang).format(regimes=", ".join(commune_regimes))
            else:
                names = [data.area_name(a[5:], lang) for a in filers["agency"].unique()]
                text = t("not_commune_submitter", lang).format(provinces=", ".join(names))
            return [head, widgets.HTML(f'<div class="nris-note">{text}</div>')]
        row = catalog().indicator(code)
        dec, unit = int(row["decimals"]), data.unit(code, lang)
        period = frame["period"].iloc[0]
        when = calendar.period_label(period, "M", lang)
        n, n_all = int(frame["value"].notna().sum()), len(frame)
        summary = t("communes_reported", lang).format(n=n, total=n_all)
        if total is not None and n == n_all:
            summary += f" · {t('province_total', lang)}: {fmt.number(total, dec, lang)} {unit}"
        elif total is not None:
            value = f"{fmt.number(total, dec, lang)} {unit}"
            summary += " · " + t("partial_total", lang).format(n=n, total=n_all, value=value)
        good_up = row["direction"] != "down"
        ranked = frame.sort_values("value", ascending=not good_up, na_position="last")
        rank = [str(i) if v == v else "" for i, v in enumerate(ranked["value"], start=1)]
        kinds = (
            ranked["kind"]
            if lang == "vi"
            else ranked["kind"].map(lambda k: str(COMMUNE_KINDS.get(k, k)).lower())
        )
        table = pd.DataFrame(
            {
                t("rank", lang): rank,
                t("commune", lang): ranked[col],
                t("commune_kind", lang): kinds,
                f"{t('value', lang)} ({unit})": [
                    fmt.number(v, dec, lang) if v == v else "" for v in ranked["value"]
                ],
                t("state", lang): [
                    t("reported", lang) if v == v else t("no_report", lang) for v in ranked["value"]
                ],
            }
        )
        export = ranked[["area", "name_vi", "kind", "period", "value"]].assign(
            indicator=code, unit=unit
        )
        return [
            head,
            widgets.HTML(
                f'<div class="nris-communes-summary"><b>{data.name(code, lang)[:80]} — {when}'
                f"</b>: {summary}</div>"
            ),
            widgets.HTML(download_links(export, f"{code}_{province}_communes", lang)),
            widgets.HTML(
                '<div class="nris-communes">'
                + table_html(table, numeric=(table.columns[0], table.columns[3]))
                + "</div>"
            ),
        ]

    def _province_chart(self, code: str, transform: str, area: str, unit: str) -> object:
        lang = self.lang
        prov = data.series(code, area, transform).assign(name=data.area_name(area, lang))
        frames = [prov]
        nat = (
            data.series(code, "VN", transform)
            if "national" in str(catalog().indicator(code)["levels"])
            else None
        )
        if nat is not None and not nat.empty:  # the nation first: the province takes the highlight
            frames.insert(0, nat.assign(name=t("national", lang)))
        df = pd.concat(frames)
        df = df[df["period"] > df["period"].max() - pd.DateOffset(years=5)]
        title = f"{data.name(code, lang)[:70]} — {data.area_name(area, lang)}"
        return charts.plot_series(
            df[["period", "value", "name"]],
            id_col="name",
            time_col="period",
            target_col="value",
            lang=lang,
            title=title,
            unit=unit,
            width=760,
            height=260,
        )

    def _regions(self, code: str, transform: str, dec: int, unit: str) -> str:
        lang = self.lang
        reg = data.region_values(code, transform)
        if reg is None or reg.empty:
            return f'<div class="nris-note">{t("no_region_sum", lang)}</div>'
        names = catalog().areas.set_index("code")["name_vi" if lang == "vi" else "name_en"]
        df = pd.DataFrame(
            {
                t("region", lang): [names.get(a, a) for a in reg["area"]],
                f"{t('value', lang)} ({unit})": [fmt.number(v, dec, lang) for v in reg["value"]],
            }
        )
        return table_html(df, numeric=(df.columns[1],))


def _commune_frame(province: str, code: str) -> tuple[pd.DataFrame, float | None]:
    """Every commune of ``province`` with its value of ``code`` for the latest month the province
    filed (NaN: not reported), and the province total they add up to (None: nothing to add)."""
    comp = commune_completeness(province, indicators=[code])
    period = comp["period"].iloc[0]
    vals = pl.DataFrame()
    if period is not None:
        vals = commune_values(province, [code], start=period)
        assert isinstance(vals, pl.DataFrame)
        vals = vals.filter(pl.col("period") == period)
    frame = comp.drop(columns=["expected", "reported", "state"])
    if vals.is_empty():
        return frame.assign(value=np.nan), None
    frame = frame.merge(vals.select("area", "value").to_pandas(), on="area", how="left")
    if catalog().indicator(code)["area_agg"] == "none":
        return frame, None
    up = analytics.aggregate_areas(vals, to="province", complete=False)
    assert isinstance(up, pl.DataFrame)
    return frame, (float(up["value"][0]) if len(up) else None)


def provinces(
    lang: str = "vi", code: str = "RETAIL_SALES", transform: str = "yoy", province: str = "01"
) -> Briefing:
    """The provinces page (display it in a Voilà notebook; ``.widget`` is the live widget)."""
    return Provinces(lang=lang, indicator=code, transform=transform, province=province)


__all__ = ["Provinces", "analytics", "pl", "provinces"]
