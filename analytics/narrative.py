"""Generated report sentences, Vietnamese first, built from numbers with :mod:`analytics.fmt`.

Reports state a figure the way the General Statistics Office writes it: "Chỉ số giá tiêu dùng (CPI)
tháng 10 tăng 0,2% so với tháng trước và tăng 3,1% so với cùng kỳ năm trước." Every function here
takes plain numbers or rows of tidy frames and returns text; nothing reads the store.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from analytics import fmt

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_PREV = {
    "M": ("so với tháng trước", "on the previous month"),
    "Q": ("so với quý trước", "on the previous quarter"),
    "A": ("so với năm trước", "on the previous year"),
}
STATUS_TEXT = {
    "on_track": ("đúng hướng", "on track"),
    "at_risk": ("có nguy cơ không đạt", "at risk"),
    "off_track": ("khó đạt", "off track"),
    "met": ("đã đạt", "met"),
    "no_data": ("chưa có số liệu", "no data"),
}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def period_phrase(period: Any, freq: str = "M", lang: str = "vi") -> str:
    """How a sentence names a period: "tháng 10", "quý III năm 2026", "6 tháng" / "October 2026"."""
    ts = pd.Timestamp(period)
    if lang == "vi":
        return {
            "M": f"tháng {ts.month}",
            "Q": f"quý {_ROMAN[(ts.month - 1) // 3 + 1]}",
            "6M": "6 tháng",
            "9M": "9 tháng",
            "A": f"năm {ts.year}",
        }[freq]
    return {
        "M": ts.strftime("%B %Y"),
        "Q": f"Q{(ts.month - 1) // 3 + 1} {ts.year}",
        "6M": f"the first half of {ts.year}",
        "9M": f"the first nine months of {ts.year}",
        "A": str(ts.year),
    }[freq]


def change_clause(pct: float | None, versus: str, lang: str = "vi", decimals: int = 1) -> str:
    """ "tăng 0,2% so với tháng trước" / "up 0.2% on the previous month"; empty when missing."""
    if _missing(pct):
        return ""
    return f"{fmt.change(pct, decimals, lang)} {versus}"


def _join(parts: list[str], lang: str) -> str:
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return "".join(parts)
    word = " và " if lang == "vi" else " and "
    return ", ".join(parts[:-1]) + word + parts[-1]


def indicator_sentence(
    name: str,
    period: Any,
    value: float | None,
    unit: str = "",
    *,
    freq: str = "M",
    measure: str = "flow",
    decimals: int = 1,
    prev: float | None = None,
    yoy: float | None = None,
    ytd: float | None = None,
    ytd_yoy: float | None = None,
    lang: str = "vi",
) -> str:
    """One sentence for one figure: level (flows, stocks, rates), change on the previous period and
    on the same period last year, then the year-to-date total for flows.

    Indices state only their changes ("CPI tháng 10 tăng 0,2% so với tháng trước và tăng 3,1% so với
    cùng kỳ năm trước."); percent-change indicators state their value ("... đạt 3,10%").
    """
    vi = lang == "vi"
    when = period_phrase(period, freq, lang)
    same = "so với cùng kỳ năm trước" if vi else "year on year"
    if _missing(value):
        return f"{name} {when}: chưa có số liệu." if vi else f"{name}, {when}: no data yet."
    if measure == "pct_change":
        v = fmt.percent(value, decimals, lang)
        return f"{name} {when}: {v}." if vi else f"{name}, {when}: {v}."
    versus_prev = _PREV.get(freq, _PREV["M"])[0 if vi else 1]
    changes = _join([change_clause(prev, versus_prev, lang), change_clause(yoy, same, lang)], lang)
    if measure == "index":
        body = changes or (
            f"đạt {fmt.number(value, decimals, lang)}" if vi else fmt.number(value, decimals, lang)
        )
        text = f"{name} {when} {body}" if vi else f"{name} in {when}: {body}"
    else:
        level = fmt.number(value, decimals, lang) + (f" {unit}" if unit and unit != "%" else "")
        if unit == "%":
            level += "%"
        if vi:
            text = f"{name} {when} đạt {level}" + (f", {changes}" if changes else "")
        else:
            text = f"{name} in {when} was {level}" + (f", {changes}" if changes else "")
    if measure == "flow" and not _missing(ytd) and freq == "M":
        months = pd.Timestamp(period).month
        total = fmt.number(ytd, decimals, lang) + (f" {unit}" if unit else "")
        growth = change_clause(ytd_yoy, "so với cùng kỳ" if vi else "year on year", lang)
        if months > 1:
            if vi:
                text += f"; lũy kế {months} tháng đạt {total}" + (f", {growth}" if growth else "")
            else:
                text += f"; {months} months to date {total}" + (f", {growth}" if growth else "")
    return text + "."


def headline_sentences(table: Any, lang: str = "vi", freq: str = "M") -> list[str]:
    """One sentence per row of :func:`analytics.headline_table` (polars or pandas)."""
    rows = table.to_dicts() if hasattr(table, "to_dicts") else table.to_dict("records")
    out = []
    for r in rows:
        out.append(
            indicator_sentence(
                r["name_vi"] if lang == "vi" else r["name_en"],
                r["period"],
                r["value"],
                r.get("unit", ""),
                freq=freq,
                measure=r["measure"],
                decimals=int(r["decimals"]),
                prev=r.get("mom"),
                yoy=r.get("yoy"),
                ytd=r.get("ytd"),
                ytd_yoy=r.get("ytd_yoy"),
                lang=lang,
            )
        )
    return out


def _target_phrase(comparison: str, value: float, value_hi: float | None, lang: str) -> str:
    v = fmt.number(value, 1, lang)
    if comparison == "range" and not _missing(value_hi):
        hi = fmt.number(value_hi, 1, lang)
        return f"{v}–{hi}"
    if lang == "vi":
        return {">=": f"từ {v} trở lên", "<=": f"không quá {v}"}.get(comparison, v)
    return {">=": f"at least {v}", "<=": f"at most {v}"}.get(comparison, v)


def target_sentence(row: Mapping[str, Any], name: str | None = None, lang: str = "vi") -> str:
    """A target outlook row -> "GDP tăng trưởng: mục tiêu từ 8,0 trở lên; dự báo cả năm 7,1
    (khoảng 6,5–7,6), xác suất đạt 23%: có nguy cơ không đạt."."""
    vi = lang == "vi"
    label = name or str(row.get("indicator", ""))
    goal = _target_phrase(str(row["comparison"]), row["value"], row.get("value_hi"), lang)
    status = STATUS_TEXT.get(str(row.get("status")), (str(row.get("status")),) * 2)[0 if vi else 1]
    proj = row.get("projected")
    if _missing(proj):
        return (
            f"{label}: mục tiêu {goal}; {status}." if vi else f"{label}: target {goal}; {status}."
        )
    p = fmt.number(proj, 1, lang)
    band = ""
    if not _missing(row.get("lo")) and not _missing(row.get("hi")):
        band = f" ({'khoảng' if vi else 'range'} {fmt.number(row['lo'], 1, lang)}–"
        band += f"{fmt.number(row['hi'], 1, lang)})"
    prob = "" if _missing(row.get("p_met")) else fmt.percent(100 * row["p_met"], 0, lang)
    if vi:
        text = f"{label}: mục tiêu {goal}; dự báo cả năm {p}{band}"
        text += f", xác suất đạt {prob}" if prob else ""
    else:
        text = f"{label}: target {goal}; full-year projection {p}{band}"
        text += f", probability of meeting it {prob}" if prob else ""
    return f"{text}: {status}."


def forecast_sentence(
    name: str,
    last_period: Any,
    horizon_end: Any,
    mean: float,
    lo: float | None,
    hi: float | None,
    unit: str = "",
    decimals: int = 1,
    level: int = 80,
    freq: str = "M",
    lang: str = "vi",
) -> str:
    """ "Dự báo <name> đến tháng 3/2027: 41.200 triệu USD (khoảng tin cậy 80%: 39.000–43.400)."."""
    end = pd.Timestamp(horizon_end)
    when = f"{end.month}/{end.year}" if freq == "M" else period_phrase(end, freq, lang)
    m = fmt.number(mean, decimals, lang) + (f" {unit}" if unit else "")
    band = ""
    if not _missing(lo) and not _missing(hi):
        lo_s, hi_s = fmt.number(lo, decimals, lang), fmt.number(hi, decimals, lang)
        band = (
            f" (khoảng tin cậy {level}%: {lo_s}–{hi_s})"
            if lang == "vi"
            else f" ({level}% interval: {lo_s}–{hi_s})"
        )
    if lang == "vi":
        return f"Dự báo {name} đến {'tháng ' if freq == 'M' else ''}{when}: {m}{band}."
    return f"Forecast of {name} for {end.strftime('%B %Y') if freq == 'M' else when}: {m}{band}."


def paragraph(sentences: Iterable[str]) -> str:
    """Sentences joined into one paragraph (empty strings dropped)."""
    return " ".join(s for s in sentences if s)


def as_of_note(snapshot_published: str | dt.datetime | None, demo: bool, lang: str = "vi") -> str:
    """ "Số liệu đến 20/10/2026 (dữ liệu mẫu)." — the provenance line every report carries."""
    when = (
        "–" if snapshot_published is None else pd.Timestamp(snapshot_published).strftime("%d/%m/%Y")
    )
    if lang == "vi":
        return f"Số liệu cập nhật đến {when}" + (
            " (DỮ LIỆU MẪU, không phải số liệu chính thức)." if demo else "."
        )
    return f"Data as of {when}" + (" (DEMO DATA, not official statistics)." if demo else ".")
