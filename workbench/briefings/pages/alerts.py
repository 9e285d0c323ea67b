"""Alerts (Cảnh báo): what needs a leader's attention, most severe first, with a link to look.

Reads the alert book (``workbench.alerts.book``, SQLite beside the snapshots), which the watcher
fills after each snapshot; acknowledging and resolving happen with ``nris alerts ack|resolve``,
and the page shows who did it and when. The overview shows the count and the top alerts
(:func:`alerts_panel`).
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

from analytics import fmt
from workbench.alerts import book
from workbench.alerts.rules import SEVERITIES
from workbench.briefings import data
from workbench.briefings.i18n import t
from workbench.briefings.page import Briefing, download_links, table_html

SEVERITY_COLORS = {"high": "#c62828", "medium": "#e07b00", "low": "#546e7a"}
PAGE = "5_canh_bao.ipynb"
STATE_CHOICES = ("active", "open", "acknowledged", "resolved", "all")


def badge(severity: str, lang: str) -> str:
    """A severity as a coloured badge (a ``<span>``, which ``table_html`` keeps as HTML)."""
    color = SEVERITY_COLORS.get(severity, SEVERITY_COLORS["low"])
    return (
        f'<span class="nris-status nris-sev-{html.escape(severity)}" style="background:{color}">'
        f"{html.escape(t(severity, lang))}</span>"
    )


def _link(href: str, lang: str) -> str:
    return f'<span class="nris-alert-link"><a href="{html.escape(href)}">{t("view", lang)} →</a></span>'


def _subject(r: pd.Series, lang: str) -> str:
    if r["indicator"]:
        return data.name(str(r["indicator"]), lang)
    return str(r["regime"] or "")


def _state(r: pd.Series, lang: str) -> str:
    text = t(str(r["state"]), lang)
    if r["state"] == "acknowledged" and r["acked_by"]:
        return f"{text} ({r['acked_by']}, {fmt.datetime(r['acked_at'], lang)})"
    if r["state"] == "resolved" and r["resolved_by"]:
        return f"{text} ({r['resolved_by']}, {fmt.datetime(r['resolved_at'], lang)})"
    return text


def alerts_table(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The alerts as the page shows them (text cells, badges and links as HTML spans)."""
    why = "why_vi" if lang == "vi" else "why_en"
    return pd.DataFrame(
        {
            t("severity", lang): [badge(s, lang) for s in df["severity"]],
            "#": df["alert_id"].astype(str),
            t("subject", lang): [_subject(r, lang) for _, r in df.iterrows()],
            t("area", lang): [data.area_name(a, lang) if a else "" for a in df["area"]],
            t("period", lang): df["period"],
            t("why", lang): df[why],
            t("alert_state", lang): [_state(r, lang) for _, r in df.iterrows()],
            t("view", lang): [_link(h, lang) for h in df["link"]],
        }
    )


def summary_html(lang: str) -> str:
    """ "Cảnh báo đang mở: 12 (Cao 3 · Trung bình 7 · Thấp 2)"."""
    c = book.counts()
    parts = " · ".join(f"{t(s, lang)} <b>{c[s]}</b>" for s in SEVERITIES)
    return (
        f'<div class="nris-summary nris-alert-count" data-count="{c["total"]}" '
        f'style="font-size:16px">{t("alerts_active", lang)}: <b>{c["total"]}</b> ({parts})</div>'
    )


def alerts_panel(lang: str, area: str = "VN", top: int = 3) -> str:
    """The overview's box: how many alerts are active and the most severe few (for ``area``, or
    the nation's and every area's when ``area`` is VN)."""
    df = book.alerts("active")
    if area != "VN":
        df = df[df["area"] == area]
    head = f"<h3>{html.escape(t('alerts', lang))} ({len(df)})</h3>"
    if df.empty:
        return f'<div class="nris-alerts-box">{head}<div class="nris-note">{t("alerts_none", lang)}</div></div>'
    why = "why_vi" if lang == "vi" else "why_en"
    items = "".join(
        f"<li>{badge(r['severity'], lang)} {html.escape(str(r[why]))} "
        f"{_link(str(r['link']), lang)}</li>"
        for _, r in df.head(top).iterrows()
    )
    more = f'<a href="{PAGE}">{t("alerts_all", lang)} →</a>'
    return (
        f'<div class="nris-alerts-box">{head}{summary_html(lang)}'
        f'<ul class="nris-alerts-top">{items}</ul>{more}</div>'
    )


class Alerts(Briefing):
    """Every alert with its severity, why, state (who acknowledged or resolved it) and a link."""

    key = "alerts"

    def __init__(self, lang: str = "vi", state: str = "active", poll: float | None = None) -> None:
        self._state = state if state in STATE_CHOICES else "active"
        super().__init__(lang=lang, poll=poll)

    def controls(self) -> list[widgets.Widget]:
        self.state = widgets.Dropdown(options=[("", "")], value="")
        self.severity = widgets.Dropdown(options=[("", "")], value="")
        for w, cls in ((self.state, "state"), (self.severity, "severity")):
            w.add_class(f"nris-{cls}")
            w.style = {"description_width": "initial"}
            w.observe(self.on_change, names="value")
        return [self.state, self.severity]

    def relabel(self) -> None:
        lang = self.lang
        state = self.state.value or self._state
        self.state.options = [(t(s, lang), s) for s in STATE_CHOICES]
        self.state.value = state
        self.state.description = t("alert_state", lang)
        sev = self.severity.value or "all"
        self.severity.options = [(t("all_severities", lang), "all")] + [
            (t(s, lang), s) for s in SEVERITIES
        ]
        self.severity.value = sev
        self.severity.description = t("severity", lang)

    def draw(self) -> list[widgets.Widget]:
        lang = self.lang
        state = None if self.state.value == "all" else self.state.value
        sev = None if self.severity.value == "all" else self.severity.value
        df = book.alerts(state, sev)
        out: list[widgets.Widget] = [widgets.HTML(summary_html(lang))]
        if self.snapshot is not None and not book.evaluated(self.snapshot):
            out.append(widgets.HTML(f'<div class="nris-note">{t("alerts_not_run", lang)}</div>'))
        if df.empty:
            out.append(widgets.HTML(f'<div class="nris-note">{t("alerts_none", lang)}</div>'))
            return out
        out.append(widgets.HTML(table_html(alerts_table(df, lang))))
        export = df.drop(columns=["why_en" if lang == "vi" else "why_vi"])
        out.append(widgets.HTML(download_links(export, "alerts", lang)))
        return out


def alerts(lang: str = "vi", state: str = "active") -> Briefing:
    """The alerts page (display it in a Voilà notebook; ``.widget`` is the live widget)."""
    return Alerts(lang=lang, state=state)
