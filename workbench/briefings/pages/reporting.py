"""Reporting status: who has reported for the period, on time, late, missing; rates per regime."""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

import analytics
from analytics import calendar, charts, fmt
from analytics.catalog import catalog
from workbench.briefings import data
from workbench.briefings.i18n import t
from workbench.briefings.page import Briefing, download_links, svg_html, table_html

STATES = ("on_time", "late", "missing", "pending")


def _detail(period: str | None) -> pd.DataFrame | None:
    fn = getattr(analytics, "reporting_detail", None)
    if fn is None:
        return None
    return data.cached(("reporting_detail", period), lambda: fn(period=period))


class Reporting(Briefing):
    """Rates per regime, a stacked bar of on time / late / missing, and the agencies behind."""

    key = "reporting"

    def __init__(
        self, lang: str = "vi", period: str | None = None, poll: float | None = None
    ) -> None:
        self._period = period
        super().__init__(lang=lang, poll=poll)

    def controls(self) -> list[widgets.Widget]:
        self.period = widgets.Dropdown(options=[("", "")], value="")
        self.freq = widgets.Dropdown(options=[("", "")], value="")
        for w, cls in ((self.period, "period"), (self.freq, "freq")):
            w.add_class(f"nris-{cls}")
            w.style = {"description_width": "initial"}
            w.observe(self.on_change, names="value")
        return [self.period, self.freq]

    def relabel(self) -> None:
        lang = self.lang
        last = _latest_month()
        months = pd.date_range(end=last, periods=12, freq="MS")[::-1]
        current = self.period.value or self._period or months[0].strftime("%Y-%m")
        self.period.options = [
            (calendar.period_label(m.date(), "M", lang), m.strftime("%Y-%m")) for m in months
        ]
        if current not in {v for _, v in self.period.options}:
            current = months[0].strftime("%Y-%m")
        self.period.value = current
        self.period.description = t("period", lang)
        kinds = [("all_regimes", "all"), ("monthly", "M"), ("quarterly", "Q")]
        freq = self.freq.value or "all"
        self.freq.options = [(t(k, lang), v) for k, v in kinds]
        self.freq.value = freq
        self.freq.description = t("regime", lang)

    def draw(self) -> list[widgets.Widget]:
        lang = self.lang
        status = data.reporting_status(self.period.value)
        detail = _detail(self.period.value)
        if status is None or detail is None:
            return [widgets.HTML(f'<div class="nris-note">{t("no_status", lang)}</div>')]
        if self.freq.value != "all":
            status = status[status["freq"] == self.freq.value]
            detail = detail[detail["freq"] == self.freq.value]
        if status.empty:
            return [widgets.HTML(f'<div class="nris-note">{t("no_data", lang)}</div>')]
        col = "name_vi" if lang == "vi" else "name_en"
        reg_names = catalog().regimes.set_index("code")[col]
        ag_names = catalog().agencies.set_index("code")[col]
        exp = int(status["expected"].sum())
        tot = {
            k: int(status[k].sum()) for k in ("received", "on_time", "late", "missing", "pending")
        }
        rate = 100 * tot["received"] / exp if exp else float("nan")
        on_rate = 100 * tot["on_time"] / exp if exp else float("nan")
        summary = (
            f'<div class="nris-summary" style="font-size:16px">{t("expected", lang)}: <b>{exp}</b> · '
            f"{t('received', lang)}: <b>{tot['received']}</b> ({fmt.percent(rate, 1, lang)}) · "
            f"{t('on_time', lang)}: <b>{tot['on_time']}</b> ({fmt.percent(on_rate, 1, lang)}) · "
            f"{t('late', lang)}: <b>{tot['late']}</b> · {t('missing', lang)}: <b>{tot['missing']}</b>"
            + (f" · {t('pending', lang)}: <b>{tot['pending']}</b>" if tot["pending"] else "")
            + "</div>"
        )
        labels = {k: t(k, lang) for k in ("on_time", "late", "missing", "reports")}
        bars = []
        for r in status.itertuples():
            name = _bar_label(
                reg_names.get(r.regime, r.regime), r.period_label if lang == "vi" else r.regime
            )
            for i, k in enumerate(("on_time", "late", "missing")):
                bars.append(
                    {"name": name, "kind": labels[k], "count": int(getattr(r, k)), "order": i}
                )
        chart = charts.status_bars(pd.DataFrame(bars), labels, t("reporting", lang), lang)
        table = pd.DataFrame(
            {
                t("regime", lang): [reg_names.get(c, c) for c in status["regime"]],
                t("period", lang): [
                    calendar.period_label(p, f, lang)
                    for p, f in zip(status["period"], status["freq"], strict=True)
                ],
                t("expected", lang): status["expected"],
                t("on_time", lang): status["on_time"],
                t("late", lang): status["late"],
                t("missing", lang): status["missing"],
                t("received_rate", lang): [
                    fmt.percent(v, 1, lang) for v in status["reporting_rate"]
                ],
                t("on_time_rate", lang): [fmt.percent(v, 1, lang) for v in status["on_time_rate"]],
            }
        )
        behind = detail[detail["state"].isin(["missing", "late"])]
        missing = pd.DataFrame(
            {
                t("agency", lang): [ag_names.get(a, a) for a in behind["agency"]],
                t("regime", lang): [reg_names.get(c, c) for c in behind["regime"]],
                t("status", lang): [t(s, lang) for s in behind["state"]],
            }
        )
        export = detail.copy()
        export["period"] = export["period"].astype(str)
        nums = tuple(table.columns[2:])
        return [
            widgets.HTML(summary),
            widgets.HTML(svg_html(chart, "nris-chart nris-status-chart")),
            widgets.HTML(table_html(table, numeric=nums)),
            widgets.HTML(f"<h3>{html.escape(t('missing_list', lang))} ({len(behind)})</h3>"),
            widgets.HTML(table_html(missing) if len(missing) else "–"),
            widgets.HTML(download_links(export, f"reporting_{self.period.value}", lang)),
            *requests_panel(lang),
        ]


def requests_panel(lang: str) -> list[widgets.Widget]:
    """Ad hoc requests (báo cáo đột xuất): per request who answered, on time, late, missing."""
    from analytics import requests

    status = requests.status()
    head = widgets.HTML(f"<h3>{html.escape(t('requests', lang))}</h3>")
    if status.empty:
        return [head, widgets.HTML(f'<div class="nris-note">{t("no_requests", lang)}</div>')]
    col = "name_vi" if lang == "vi" else "name_en"
    reg_names = catalog().regimes.set_index("code")[col]
    ag_names = catalog().agencies.set_index("code")[col]
    summary = requests.summary()
    table = pd.DataFrame(
        {
            t("request", lang): summary["request_id"].astype(str),
            t("regime", lang): [reg_names.get(c, c) for c in summary["regime"]],
            t("period", lang): [fmt.date(p, lang) for p in summary["period"]],
            t("due", lang): [fmt.datetime(d, lang) for d in summary["due"]],
            t("expected", lang): summary["expected"],
            **{t(s, lang): summary[s] for s in STATES},
        }
    )
    behind = status[status["state"].isin(["missing", "late"])]
    rows = pd.DataFrame(
        {
            t("request", lang): behind["request_id"].astype(str),
            t("agency", lang): [ag_names.get(a, a) for a in behind["agency"]],
            t("status", lang): [t(s, lang) for s in behind["state"]],
        }
    )
    nums = (t("expected", lang), *(t(s, lang) for s in STATES))
    out = [
        head,
        widgets.HTML(f'<div class="nris-requests">{table_html(table, numeric=nums)}</div>'),
    ]
    if len(rows):
        out.append(
            widgets.HTML(f"<h4>{html.escape(t('requests_behind', lang))} ({len(rows)})</h4>")
        )
        out.append(widgets.HTML(table_html(rows)))
    return out


BAR_LABEL_CHARS = 58  # about 400 px of the chart's 420 px label column


def _bar_label(regime: str, period: str) -> str:
    """A status bar's label, ``regime (period)``, short enough to fit its column whole.

    A longer label lost its period to Vega's own cut ("(Thá…") and cost half a CPU-second a
    draw: Vega finds where to cut by measuring the text again and again.
    """
    room = max(BAR_LABEL_CHARS - len(period) - 3, 12)
    if len(regime) > room:
        regime = regime[: room - 1].rstrip(" ,;") + "…"
    return f"{regime} ({period})"


def _latest_month() -> pd.Timestamp:
    def compute() -> pd.Timestamp:
        subs = analytics.submissions("accepted")
        monthly = subs[subs["freq"] == "M"]
        return pd.Timestamp(monthly["period"].max()) if len(monthly) else pd.Timestamp.today()

    try:
        return data.cached(("latest_month",), compute)
    except Exception:
        return pd.Timestamp.today().normalize().replace(day=1)


def reporting(lang: str = "vi", period: str | None = None) -> Briefing:
    """The reporting status page (display it in a Voilà notebook; ``.widget`` is the live widget)."""
    return Reporting(lang=lang, period=period)
