"""Alert rules: plain functions from tidy frames to alerts, each alert with a stable key.

Each rule sees what one snapshot says (and, for the odds of a target, what the previous snapshot
said) and returns :class:`Alert` objects. The key names the event, not the snapshot that showed
it, so republishing the same figures yields the same keys and the book records each event once.
Sentences are stated with :mod:`analytics.narrative` and :mod:`analytics.fmt`, so an alert reads
like the reports and briefings.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from analytics import calendar, derived, fmt, narrative
from analytics.catalog import catalog
from analytics.validation import ADD_UP_TOLERANCE

SEVERITIES = ("high", "medium", "low")
ODDS_THRESHOLD = 0.3  # P(target met) below it: an alert (the "off track" line of the outlook)
ODDS_DROP = 0.15  # P(target met) down more than 15 points since the previous snapshot
REVISION_PCT = 5.0  # a revision of 5% or more of the first estimate (levels)
REVISION_POINTS = 1.0  # ... or of 1 percentage point (rates and growth rates)

INDICATOR_PAGE = "2_chi_tieu.ipynb"
REPORTING_PAGE = "4_tinh_hinh_bao_cao.ipynb"
OVERVIEW_PAGE = "1_tong_quan.ipynb"


@dataclasses.dataclass(frozen=True)
class Alert:
    """One alert: what happened where, how serious, why (vi, en) and where to look."""

    key: str
    rule: str
    severity: str
    indicator: str
    area: str
    period: str
    why_vi: str
    why_en: str
    link: str
    agency: str = ""
    regime: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The alert as a plain dict (what the spool and the webhook carry)."""
        return dataclasses.asdict(self)


def indicator_link(indicator: str, area: str) -> str:
    """The drill-down briefing of an indicator in an area (relative to Voilà's render path)."""
    return f"{INDICATOR_PAGE}?code={indicator}&area={area}"


def _meta(code: str) -> Mapping[str, Any]:
    return catalog().indicator(code)


def _name(code: str, lang: str) -> str:
    return str(_meta(code)["name_vi" if lang == "vi" else "name_en"])


def _unit(code: str, lang: str) -> str:
    return str(_meta(code)["unit_vi" if lang == "vi" else "unit_en"])


def _area(code: str, lang: str) -> str:
    areas = catalog().areas.set_index("code")
    if code not in areas.index:
        return code
    return str(areas.loc[code, "name_vi" if lang == "vi" else "name_en"])


def _where(area: str, lang: str) -> str:
    if area == "VN":
        return ""
    return f" ({_area(area, lang)})"


def _period_key(period: Any, freq: str) -> str:
    return calendar.period_key(pd.Timestamp(period).date(), freq)


def _both(make: Any) -> tuple[str, str]:
    return make("vi"), make("en")


# -- a value outside its forecast's 95% interval ----------------------------------------------------
def outside_interval(actual: pd.DataFrame, forecast: pd.DataFrame) -> list[Alert]:
    """Values outside the 95% interval of their one-step forecast.

    ``actual``: indicator, area, period, freq, value. ``forecast``: indicator, area, period, mean,
    lo, hi (the forecast made without the value). High severity when the value lies beyond the
    interval by more than half its width, medium otherwise.
    """
    if actual.empty or forecast.empty:
        return []
    df = actual.merge(forecast, on=["indicator", "area", "period"])
    df = df[np.isfinite(df["lo"]) & np.isfinite(df["hi"]) & np.isfinite(df["value"])]
    out = []
    for r in df[(df["value"] < df["lo"]) | (df["value"] > df["hi"])].itertuples():
        half = (r.hi - r.lo) / 2
        beyond = r.lo - r.value if r.value < r.lo else r.value - r.hi
        severity = "high" if half > 0 and beyond > half else "medium"
        dec = int(_meta(r.indicator)["decimals"])
        above = r.value > r.hi

        def why(lang: str, r: Any = r, dec: int = dec, above: bool = above) -> str:
            unit = _unit(r.indicator, lang)
            name = _name(r.indicator, lang) + _where(r.area, lang)
            when = narrative.period_phrase(r.period, r.freq, lang)
            value = fmt.amount(r.value, unit, dec, lang)
            band = fmt.amount_range(r.lo, r.hi, unit, dec, lang)
            if lang == "vi":
                side = "cao hơn" if above else "thấp hơn"
                return f"{name} {when} đạt {value}, {side} khoảng dự báo 95% ({band})."
            side = "above" if above else "below"
            return f"{name} in {when} was {value}, {side} its 95% forecast interval ({band})."

        vi, en = _both(why)
        out.append(
            Alert(
                key=f"interval|{r.indicator}|{r.area}|{_period_key(r.period, r.freq)}",
                rule="interval",
                severity=severity,
                indicator=r.indicator,
                area=r.area,
                period=_period_key(r.period, r.freq),
                why_vi=vi,
                why_en=en,
                link=indicator_link(r.indicator, r.area),
            )
        )
    return out


# -- the odds of a target ---------------------------------------------------------------------------
def target_odds(
    outlook: pd.DataFrame,
    previous: Mapping[str, float],
    snapshot: str,
    threshold: float = ODDS_THRESHOLD,
    drop: float = ODDS_DROP,
) -> list[Alert]:
    """Targets whose P(met) is below ``threshold`` (once per target), or fell by more than
    ``drop`` since the previous snapshot (``previous``: target code -> P(met); once per fall)."""
    out = []
    for r in outlook.to_dict("records"):
        p = r.get("p_met")
        if p is None or not math.isfinite(float(p)):
            continue
        code, year = str(r["code"]), int(r["year"])
        link = (
            OVERVIEW_PAGE if r["area"] == "VN" else indicator_link(str(r["indicator"]), r["area"])
        )
        base = {"indicator": str(r["indicator"]), "area": str(r["area"]), "period": str(year)}

        def name(lang: str, r: Mapping[str, Any] = r) -> str:
            return _name(str(r["indicator"]), lang) + _where(str(r["area"]), lang)

        if p < threshold:
            vi, en = (narrative.target_sentence(r, name(lang), lang) for lang in ("vi", "en"))
            sev = "high" if str(r["kind"]) == "NA_GOV" else "medium"
            out.append(
                Alert(f"odds_low|{code}", "odds_low", sev, **base, why_vi=vi, why_en=en, link=link)
            )
        before = previous.get(code)
        if before is not None and math.isfinite(before) and before - p > drop:
            was, now = fmt.percent(100 * before, 0, "vi"), fmt.percent(100 * p, 0, "vi")
            was_en, now_en = fmt.percent(100 * before, 0, "en"), fmt.percent(100 * p, 0, "en")
            vi = (
                f"Khả năng đạt mục tiêu {year} về {narrative.mid_sentence(name('vi'))} giảm từ {was} "
                f"xuống {now} so với lần công bố số liệu trước."
            )
            en = (
                f"The probability of meeting the {year} target for {name('en')} fell from "
                f"{was_en} to {now_en} since the previous data release."
            )
            out.append(
                Alert(
                    f"odds_drop|{code}|{snapshot}",
                    "odds_drop",
                    "high",
                    **base,
                    why_vi=vi,
                    why_en=en,
                    link=link,
                )
            )
    return out


# -- reports late or missing ------------------------------------------------------------------------
def _agency(code: str, lang: str) -> str:
    ag = catalog().agencies.set_index("code")
    return str(ag.loc[code, "name_vi" if lang == "vi" else "name_en"]) if code in ag.index else code


def _agency_area(code: str) -> str:
    ag = catalog().agencies.set_index("code")
    return str(ag.loc[code, "area"]) if code in ag.index and pd.notna(ag.loc[code, "area"]) else ""


def _regime(code: str, lang: str) -> str:
    reg = catalog().regimes.set_index("code")
    return (
        str(reg.loc[code, "name_vi" if lang == "vi" else "name_en"]) if code in reg.index else code
    )


def late_reports(detail: pd.DataFrame) -> list[Alert]:
    """Reports missing past their deadline (medium) or received late (low), from
    :func:`analytics.reporting_detail` rows (regime, period, freq, agency, deadline, received_at,
    state)."""
    out = []
    for r in detail[detail["state"].isin(["missing", "late"])].itertuples():
        pkey = calendar.period_key(pd.Timestamp(r.period).date(), r.freq)
        missing = r.state == "missing"

        def why(lang: str, r: Any = r, missing: bool = missing) -> str:
            label = narrative.period_phrase(r.period, r.freq, lang)
            due = fmt.datetime(r.deadline, lang)
            who, what = _agency(r.agency, lang), _regime(r.regime, lang)
            if lang == "vi":
                if missing:
                    return f"{who} chưa gửi {narrative.mid_sentence(what)} {label}, hạn nộp {due}."
                got = fmt.datetime(r.received_at, lang)
                return f"{who} gửi {narrative.mid_sentence(what)} {label} muộn: nhận lúc {got}, hạn {due}."
            if missing:
                return (
                    f"{who} has not sent the {narrative.mid_sentence(what)} for {label}, due {due}."
                )
            got = fmt.datetime(r.received_at, lang)
            return f"{who} sent the {narrative.mid_sentence(what)} for {label} late: received {got}, due {due}."

        vi, en = _both(why)
        rule = "report_missing" if missing else "report_late"
        out.append(
            Alert(
                key=f"{rule}|{r.regime}|{r.agency}|{pkey}",
                rule=rule,
                severity="medium" if missing else "low",
                indicator="",
                area=_agency_area(r.agency),
                period=pkey,
                why_vi=vi,
                why_en=en,
                link=f"{REPORTING_PAGE}?period={pd.Timestamp(r.period):%Y-%m}",
                agency=str(r.agency),
                regime=str(r.regime),
            )
        )
    return out


def request_answers(status: pd.DataFrame) -> list[Alert]:
    """Ad hoc requests unanswered past their deadline (high) or answered late (low), from
    :func:`analytics.requests.status` rows."""
    out = []
    for r in status[status["state"].isin(["missing", "late"])].itertuples():
        missing = r.state == "missing"
        day = pd.Timestamp(r.period).date().isoformat()

        def why(lang: str, r: Any = r, missing: bool = missing) -> str:
            due = fmt.datetime(r.due, lang)
            who, what = _agency(r.agency, lang), _regime(r.regime, lang)
            n = int(r.request_id)
            if lang == "vi":
                if missing:
                    return f"{who} chưa trả lời yêu cầu số {n} ({narrative.mid_sentence(what)}), hạn {due}."
                got = fmt.datetime(r.received_at, lang)
                return f"{who} trả lời yêu cầu số {n} muộn: nhận lúc {got}, hạn {due}."
            if missing:
                return f"{who} has not answered request {n} ({what}), due {due}."
            got = fmt.datetime(r.received_at, lang)
            return f"{who} answered request {n} late: received {got}, due {due}."

        vi, en = _both(why)
        rule = "request_missing" if missing else "request_late"
        out.append(
            Alert(
                key=f"{rule}|{int(r.request_id)}|{r.agency}",
                rule=rule,
                severity="high" if missing else "low",
                indicator="",
                area=_agency_area(r.agency),
                period=day,
                why_vi=vi,
                why_en=en,
                link=f"{REPORTING_PAGE}?request={int(r.request_id)}",
                agency=str(r.agency),
                regime=str(r.regime),
            )
        )
    return out


# -- revisions --------------------------------------------------------------------------------------
def revisions(
    revised: pd.DataFrame, pct: float = REVISION_PCT, points: float = REVISION_POINTS
) -> list[Alert]:
    """Revisions at or above a threshold: ``revised`` has indicator, area, period, freq, first
    (the first estimate), value (the latest), submission_id (the latest vintage's). A level's
    change in per cent of the first estimate (``pct``), a rate's or growth rate's in points
    (``points``), a balance's in per cent of its absolute size."""
    out = []
    kinds = derived.change_kinds()
    for r in revised.itertuples():
        kind = kinds.get(r.indicator, derived.PERCENT)
        if kind == derived.PERCENT:
            delta = derived.pct_change(r.value, r.first)
            big = delta is not None and abs(delta) >= pct
        elif kind == derived.BALANCE:
            delta = None
            big = r.first != 0 and abs(r.value - r.first) >= pct / 100 * abs(r.first)
        else:
            delta = r.value - r.first
            big = abs(delta) >= points
        if not big:
            continue
        dec = int(_meta(r.indicator)["decimals"])

        def why(
            lang: str, r: Any = r, dec: int = dec, delta: float | None = delta, kind: str = kind
        ) -> str:
            unit = _unit(r.indicator, lang)
            name = _name(r.indicator, lang) + _where(r.area, lang)
            when = narrative.period_phrase(r.period, r.freq, lang)
            first = fmt.amount(r.first, unit, dec, lang)
            now = fmt.amount(r.value, unit, dec, lang)
            how = ""
            if delta is not None and kind == derived.PERCENT:
                how = f" ({fmt.change(delta, 1, lang)})"
            elif delta is not None:
                how = f" ({fmt.change_points(delta, dec, lang)})"
            if lang == "vi":
                return f"{name} {when} được điều chỉnh từ {first} xuống/lên {now}{how}.".replace(
                    "xuống/lên", "lên" if r.value > r.first else "xuống"
                )
            return f"{name} for {when} was revised from {first} to {now}{how}."

        vi, en = _both(why)
        pkey = _period_key(r.period, r.freq)
        out.append(
            Alert(
                key=f"revision|{r.indicator}|{r.area}|{pkey}|{int(r.submission_id)}",
                rule="revision",
                severity="medium",
                indicator=r.indicator,
                area=r.area,
                period=pkey,
                why_vi=vi,
                why_en=en,
                link=indicator_link(r.indicator, r.area),
            )
        )
    return out


# -- provinces against the nation -------------------------------------------------------------------
def add_up(latest: pd.DataFrame) -> list[Alert]:
    """Additive indicators whose 34 provinces do not add up to the national figure (beyond the
    tolerance submissions are checked with, ``analytics.validation.ADD_UP_TOLERANCE``).
    ``latest``: indicator, area, period, freq, value for the nation and the provinces."""
    cat = catalog()
    ind = cat.indicators.set_index("code")
    provinces = set(cat.provinces()["code"])
    sums = ind.index[ind["area_agg"] == "sum"]
    df = latest[latest["indicator"].isin(sums)]
    out = []
    for (code, period, freq), g in df.groupby(["indicator", "period", "freq"]):
        nat = g.loc[g["area"] == "VN", "value"]
        prov = g[g["area"].isin(provinces)]
        if nat.empty or len(prov) != len(provinces):
            continue
        national, total = float(nat.iloc[0]), float(prov["value"].sum())
        dec = int(ind.loc[code, "decimals"])
        if abs(total - national) <= max(ADD_UP_TOLERANCE * abs(national), 10.0**-dec):
            continue

        vi, en = (
            _add_up_why(code, period, freq, total, national, dec, lang) for lang in ("vi", "en")
        )
        pkey = _period_key(period, freq)
        out.append(
            Alert(
                key=f"add_up|{code}|{pkey}",
                rule="add_up",
                severity="medium",
                indicator=str(code),
                area="VN",
                period=pkey,
                why_vi=vi,
                why_en=en,
                link=f"3_tinh_thanh.ipynb?code={code}",
            )
        )
    return out


def _add_up_why(
    code: str, period: Any, freq: str, total: float, national: float, dec: int, lang: str
) -> str:
    unit = _unit(code, lang)
    when = narrative.period_phrase(period, freq, lang)
    a, b = fmt.amount(total, unit, dec, lang), fmt.amount(national, unit, dec, lang)
    if lang == "vi":
        name = narrative.mid_sentence(_name(code, lang))
        return f"Tổng {name} {when} của 34 tỉnh ({a}) lệch so với số cả nước ({b})."
    return f"The 34 provinces' {_name(code, lang)} for {when} add up to {a}, not the national {b}."
