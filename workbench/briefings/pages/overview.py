"""National overview: headline cards and the targets panel."""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
import pandas as pd

from analytics import calendar, charts, derived, fmt, narrative
from analytics.catalog import catalog
from workbench.briefings import data, svg
from workbench.briefings.i18n import t
from workbench.briefings.page import Briefing, svg_html, table_html

CMP = {">=": "≥", "<=": "≤"}


def _good(direction: str, change: float | None) -> str:
    if change is None or not np.isfinite(change) or direction not in ("up", "down"):
        return charts.PALETTE["neutral"]
    if round(change, 1) == 0:
        return charts.PALETTE["neutral"]
    good = (change > 0) == (direction == "up")
    return charts.PALETTE["good"] if good else charts.PALETTE["bad"]


def card_html(row: pd.Series, lang: str) -> str:
    """One headline card: name, period, value, changes, sparkline, coloured by the good direction."""
    dec = int(row["decimals"])
    name = row["name_vi"] if lang == "vi" else row["name_en"]
    unit = data.unit(row["indicator"], lang)
    spark = row["spark"]
    label = calendar.period_label(pd.Timestamp(row["period"]).date(), row["freq"], lang)
    lines = []
    if row["measure"] == "pct_change":
        prev = spark["value"].iloc[-2] if spark is not None and len(spark) > 1 else np.nan
        delta = float(row["value"] - prev)
        color = _good(row["direction"], delta)
        pts = "điểm %" if lang == "vi" else "pct points"
        sign = "+" if delta > 0 else ""
        lines.append(f"{sign}{fmt.number(delta, 2, lang)} {pts} {t('vs_prev', lang)}")
    elif row["change"] == derived.BALANCE:  # by its sign, never a % change
        color = _good(row["direction"], row["value"])
        unit_text = str(row["unit_vi" if lang == "vi" else "unit_en"])
        lines.append(narrative.balance_text(row["indicator"], row["value"], unit_text, dec, lang))
        if np.isfinite(row["ytd"]):
            ytd = narrative.balance_text(row["indicator"], row["ytd"], unit_text, dec, lang)
            lines.append(f"{t('ytd', lang)}: {ytd}")
    else:
        color = _good(row["direction"], row["yoy"])
        kind = row["change"]
        for key, label in (("mom", "vs_prev"), ("yoy", "vs_last_year")):
            text = narrative.change_text(row[key], kind, lang, dec)
            lines.append(f"{text or t('no_data', lang)} {t(label, lang)}")
        if row["measure"] == "flow" and np.isfinite(row["ytd"]):
            lines.append(
                f"{t('ytd', lang)}: {fmt.number(row['ytd'], dec, lang)} "
                f"({fmt.change(row['ytd_yoy'], 1, lang)})"
            )
    spark_svg = ""
    if spark is not None and len(spark) > 1:
        spark_svg = svg.sparkline_svg(list(spark["value"]), color)
    chg = "".join(f'<div class="chg">{html.escape(s)}</div>' for s in lines)
    return (
        f'<div class="nris-card" style="--c:{color}" data-indicator="{row["indicator"]}">'
        f'<div class="name">{html.escape(name)} — {html.escape(label)}</div>'
        f'<div><span class="value">{fmt.number(row["value"], dec, lang)}</span> '
        f'<span class="unit">{html.escape(unit)}</span></div>{chg}'
        f'<div class="nris-chart nris-spark">{spark_svg}</div></div>'
    )


def nowcast_card(nc: pd.DataFrame, lang: str) -> str:
    """The GDP growth estimate of the quarter in progress (``ước tính``) with its interval; ""
    without one."""
    if nc is None or nc.empty:
        return ""
    r = nc.iloc[-1]
    lo, hi = (c for c in nc.columns if c.startswith(("lo-", "hi-")))
    label = calendar.period_label(pd.Timestamp(r["ds"]).date(), "Q", lang)
    name = data.name("GDP_GROWTH_YTD", lang)
    est = "ước tính" if lang == "vi" else "estimate"
    interval = "khoảng" if lang == "vi" else "interval"
    known = (f"{int(r['months'])}/3 tháng đã có số liệu" if lang == "vi"
             else f"{int(r['months'])} of 3 months known")  # fmt: skip
    color = charts.PALETTE["neutral"]
    return (
        f'<div class="nris-card nris-nowcast" style="--c:{color}" data-indicator="GDP_GROWTH_YTD">'
        f'<div class="name">{html.escape(name)} — {html.escape(label)} ({est})</div>'
        f'<div><span class="value">{fmt.number(float(r["estimate"]), 1, lang)}</span> '
        f'<span class="unit">%</span></div>'
        f'<div class="chg">{interval} {lo.split("-")[1]}%: {fmt.number(float(r[lo]), 1, lang)}'
        f" – {fmt.number(float(r[hi]), 1, lang)}</div>"
        f'<div class="chg">{html.escape(known)}</div></div>'
    )


def _target_text(r: pd.Series, lang: str) -> str:
    dec = int(catalog().indicator(r["indicator"])["decimals"])
    if r["comparison"] == "range":
        return f"{fmt.number(r['value'], dec, lang)}–{fmt.number(r['value_hi'], dec, lang)}"
    return f"{CMP.get(r['comparison'], r['comparison'])} {fmt.number(r['value'], dec, lang)}"


def targets_panel(year: int, area: str, lang: str) -> list[widgets.Widget]:
    """Targets table (actual, projection with interval, P(met), status) and bullet chart."""
    df, has_outlook = data.target_outlook(year, area)
    head = f"{t('targets', lang)} {year}" if area == "VN" else f"{t('target', lang)} {year}"
    out: list[widgets.Widget] = [widgets.HTML(f"<h3>{html.escape(head)}</h3>")]
    if df.empty:
        out.append(widgets.HTML(f'<div class="nris-note">{t("no_data", lang)}</div>'))
        return out
    if not has_outlook:
        out.append(widgets.HTML(f'<div class="nris-note">{t("no_outlook", lang)}</div>'))
    rows = []
    for _, r in df.iterrows():
        dec = int(catalog().indicator(r["indicator"])["decimals"])
        status = r["status"] if r["status"] in charts.STATUS_COLORS else None
        badge = (
            f'<span class="nris-status" style="background:{charts.STATUS_COLORS[status]}">'
            f"{t(status, lang)}</span>"
            if status
            else "–"
        )
        proj = "–"
        if np.isfinite(r["projected"]):
            proj = (
                f"{fmt.number(r['projected'], dec, lang)} "
                f"({fmt.number(r['lo'], dec, lang)} – {fmt.number(r['hi'], dec, lang)})"
            )
        rows.append(
            {
                t("indicator_w", lang): data.name(r["indicator"], lang),
                t("target", lang): _target_text(r, lang),
                t("actual", lang): fmt.number(r["actual_to_date"], dec, lang),
                t("projection", lang): proj,
                t("p_met", lang): fmt.percent(100 * r["p_met"], 0, lang)
                if np.isfinite(r["p_met"])
                else "–",
                t("status", lang): badge,
            }
        )
    table = pd.DataFrame(rows)
    out.append(widgets.HTML(table_html(table, numeric=(t("actual", lang), t("p_met", lang)))))
    chart_df = df[np.isfinite(df["projected"].astype(float))].copy()
    if not chart_df.empty:
        chart_df["name"] = [data.name(c, lang) for c in chart_df["indicator"]]
        chart_df["target"] = chart_df["value"]
        chart_df["status_label"] = [t(s, lang) for s in chart_df["status"]]
        labels = {s: t(s, lang) for s in charts.STATUS_COLORS} | {"status": t("status", lang)}
        out.append(widgets.HTML(svg_html(charts.target_bullets(chart_df, labels, lang))))
    if area == "VN" and has_outlook:
        chains = data.target_chains(year)
        for _, r in df.iterrows():
            links = chains.get(str(r["code"]))
            if links is not None and not links.empty:
                out.append(widgets.HTML(chain_panel(r, links, lang)))
    return out


def chain_panel(parent: pd.Series, links: pd.DataFrame, lang: str, top: int = 10) -> str:
    """Who is behind on a national target, and by how much each weighs on the national outcome."""
    from workbench import target_chain

    code = str(parent["indicator"])
    meta = catalog().indicator(code)
    dec = int(meta["decimals"])
    unit = str(meta["unit_vi" if lang == "vi" else "unit_en"])
    kid = catalog().indicator(str(links["indicator"].iloc[0]))
    additive = kid["area_agg"] == "sum"
    unit_pts = t("points", lang) if unit == "%" else unit

    def level(v: float) -> str:
        return f"{fmt.number(v, dec, lang)}{'%' if unit == '%' else ' ' + unit}"

    s = target_chain.summary(links)
    head = f"{data.name(code, lang)}: {t('chain_head', lang)}"
    parts = [f"<h4>{html.escape(head)}</h4>"]
    text = t("chain_implied", lang).format(
        implied=level(s["implied"]),
        projected=level(s["projected"]) if np.isfinite(s["projected"]) else "–",
        target=_target_text(parent, lang),
        behind=s["behind"],
        children=s["children"],
        shortfall=f"{fmt.number(-s['shortfall'], dec, lang)} {unit_pts}",
    )
    if additive:  # a sum: the provinces' totals, not the national level
        text = text.split(". ", 1)[-1]
    parts.append(f'<div class="nris-chain-summary">{html.escape(text)}</div>')
    behind = links[links["behind"]].head(top)
    if behind.empty:
        parts.append(f'<div class="nris-note">{t("chain_none_behind", lang)}</div>')
    else:
        names = catalog().areas.set_index("code")["name_vi" if lang == "vi" else "name_en"]
        table = pd.DataFrame(
            {
                t("province", lang): [names.get(a, a) for a in behind["area"]],
                t("target", lang): [
                    f"{CMP.get(c, c)} {fmt.number(v, dec, lang)}"
                    for c, v in zip(behind["comparison"], behind["target"], strict=True)
                ],
                t("projection", lang): [fmt.number(v, dec, lang) for v in behind["projected"]],
                t("gap", lang): [fmt.number(v, dec, lang) for v in behind["gap"]],
                t("weight", lang): [fmt.percent(100 * w, 1, lang) for w in behind["weight"]],
                t("weighs_national", lang): [
                    f"{fmt.number(v, 2, lang)} {unit_pts}" for v in behind["weighted_gap"]
                ],
                t("share_shortfall", lang): [
                    fmt.percent(100 * v, 0, lang) for v in behind["share_of_shortfall"]
                ],
            }
        )
        if additive:
            table = table.drop(columns=[t("weight", lang)])
        if s["behind"] > len(behind):
            parts.append(
                f'<div class="nris-note">{t("chain_top", lang).format(n=len(behind))}</div>'
            )
        numeric = tuple(
            c for c in table.columns if c not in (t("province", lang), t("target", lang))
        )
        parts.append(table_html(table, numeric=numeric))
    if links["demo"].any():
        parts.append(f'<div class="nris-note nris-demo-note">{t("chain_demo", lang)}</div>')
    return f'<div class="nris-chain" data-target="{html.escape(str(parent["code"]))}">{"".join(parts)}</div>'


class Overview(Briefing):
    """Headline cards for an area (the nation by default) and its targets."""

    key = "overview"

    def __init__(self, lang: str = "vi", area: str = "VN", poll: float | None = None) -> None:
        self._area = area
        super().__init__(lang=lang, poll=poll)

    def controls(self) -> list[widgets.Widget]:
        self.area = widgets.Dropdown(layout=widgets.Layout(width="360px"))
        self.area.add_class("nris-area")
        self.area.observe(self.on_change, names="value")
        return [self.area]

    def relabel(self) -> None:
        cat = catalog()
        col = "name_vi" if self.lang == "vi" else "name_en"
        prov = cat.provinces().sort_values(col)
        current = self.area.value or self._area
        self.area.options = [(t("national", self.lang), "VN")] + list(
            zip(prov[col], prov["code"], strict=True)
        )
        self.area.value = current
        self.area.description = t("area", self.lang)

    def draw(self) -> list[widgets.Widget]:
        lang, area = self.lang, self.area.value
        tab = data.headline(area)
        if tab.empty:
            return [widgets.HTML(f'<div class="nris-note">{t("no_data", lang)}</div>')]
        out: list[widgets.Widget] = [widgets.HTML(_alerts_box(lang, area))]
        for freq, key in (("M", "monthly"), ("Q", "quarterly")):
            part = tab[tab["freq"] == freq]
            if part.empty:
                continue
            cards = "".join(card_html(r, lang) for _, r in part.iterrows())
            if freq == "Q" and area == "VN":  # the quarter in progress, estimated
                cards = nowcast_card(data.gdp_nowcast(area), lang) + cards
            out.append(
                widgets.HTML(f"<h3>{t(key, lang)}</h3><div class='nris-cards'>{cards}</div>")
            )
        year = pd.Timestamp(tab["period"].max()).year
        out += targets_panel(year, area, lang)
        return out


def _alerts_box(lang: str, area: str) -> str:
    """The count and the top alerts; a failure to read them costs the box, not the page."""
    from workbench.briefings.page import error_html
    from workbench.briefings.pages.alerts import alerts_panel

    try:
        return alerts_panel(lang, area)
    except Exception as exc:
        return error_html(exc, lang)


def overview(lang: str = "vi", area: str = "VN") -> Briefing:
    """The national overview page (display it in a Voilà notebook; ``.widget`` is the live widget)."""
    return Overview(lang=lang, area=area)
