"""Generated report sentences, Vietnamese first, written the way the statistics office writes them.

"Chỉ số giá tiêu dùng (CPI) tháng 10/2026 tăng 2,67% so với cùng kỳ năm trước."; "Tổng mức bán
lẻ ... tháng 10/2026 ước đạt 294.302 tỷ đồng"; "Tính chung 10 tháng năm 2026, ..."; a balance by
its sign ("xuất siêu 1,2 tỷ USD"); a rate's change in "điểm phần trăm". How each indicator's change
is stated comes from :mod:`analytics.derived`; numbers and dates from :mod:`analytics.fmt`. Every
function takes plain numbers or rows of tidy frames and returns text; nothing reads the store.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from analytics import derived, fmt
from analytics.calendar import MONTHS

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_VERSUS = {  # what a change is compared with, by the kind of comparison
    "prev_M": ("so với tháng trước", "on the previous month"),
    "prev_Q": ("so với quý trước", "on the previous quarter"),
    "prev_A": ("so với năm trước", "on the previous year"),
    "yoy": ("so với cùng kỳ năm trước", "year on year"),
}
STATUS_TEXT = {
    "met": ("Đã đạt", "Met"),
    "on_track": ("Có khả năng đạt", "Likely to be met"),
    "at_risk": ("Có nguy cơ không đạt", "At risk of being missed"),
    "off_track": ("Khó đạt", "Unlikely to be met"),
    "no_data": ("Chưa có số liệu", "No data yet"),
}
"""Target statuses in words that say what they mean (one table for reports and briefings)."""
BALANCE_WORDS = {  # (surplus, deficit) by balance indicator, as the statistics office words them
    "TRADE_BALANCE": (("xuất siêu", "nhập siêu"), ("a trade surplus of", "a trade deficit of")),
    "BUDGET_BALANCE": (("thặng dư", "bội chi"), ("a surplus of", "a deficit of")),
}
_BALANCE_DEFAULT = (("thặng dư", "thâm hụt"), ("a surplus of", "a deficit of"))


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def mid_sentence(name: str) -> str:
    """A name in mid-sentence: first letter lower-cased unless it starts an acronym ("CPI")."""
    first = name.split(" ", 1)[0]
    return name if first.isupper() or not name else name[0].lower() + name[1:]


def period_phrase(period: Any, freq: str = "M", lang: str = "vi") -> str:
    """How a sentence names a period: "tháng 10/2026", "quý III/2026", "6 tháng đầu năm 2026",
    "9 tháng năm 2026", "năm 2026" / "October 2026", "Q3 2026", "the first half of 2026"."""
    ts = pd.Timestamp(period)
    q = (ts.month - 1) // 3 + 1
    if lang == "vi":
        return {
            "M": f"tháng {ts.month}/{ts.year}",
            "Q": f"quý {_ROMAN[q]}/{ts.year}",
            "6M": f"6 tháng đầu năm {ts.year}",
            "9M": f"9 tháng năm {ts.year}",
            "A": f"năm {ts.year}",
        }[freq]
    return {
        "M": f"{fmt.MONTHS_EN[ts.month - 1]} {ts.year}",
        "Q": f"Q{q} {ts.year}",
        "6M": f"the first half of {ts.year}",
        "9M": f"the first nine months of {ts.year}",
        "A": str(ts.year),
    }[freq]


def ytd_phrase(months: int, year: int, lang: str = "vi") -> str:
    """The opening of a year-to-date sentence: "Tính chung 10 tháng năm 2026" / "In the first 10
    months of 2026" ("6 tháng đầu năm", "cả năm" where the statistics office says so)."""
    if lang == "vi":
        span = {6: "6 tháng đầu năm", 12: "cả năm"}.get(months, f"{months} tháng năm")
        return f"Tính chung {span} {year}"
    span = {6: "the first half of", 12: "the whole of"}.get(months, f"the first {months} months of")
    return f"In {span} {year}"


def change_text(
    delta: float | None, kind: str = derived.PERCENT, lang: str = "vi", decimals: int = 1
) -> str:
    """A change in words by its kind: "tăng 3,2%" or "giảm 0,02 điểm phần trăm" (points to the
    rate's own decimals); empty where the kind states no change."""
    if _missing(delta) or kind not in (derived.PERCENT, derived.POINTS):
        return ""
    if kind == derived.POINTS:
        return fmt.change_points(delta, decimals, lang)
    return fmt.change(delta, 1, lang)


def change_clause(
    pct: float | None,
    versus: str,
    lang: str = "vi",
    kind: str = derived.PERCENT,
    decimals: int = 1,
) -> str:
    """ "tăng 0,2% so với tháng trước" / "up 0.2% on the previous month"; empty when missing."""
    text = change_text(pct, kind, lang, decimals)
    return f"{text} {versus}" if text else ""


def _join(parts: list[str], lang: str) -> str:
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return "".join(parts)
    word = " và " if lang == "vi" else " and "
    return ", ".join(parts[:-1]) + word + parts[-1]


def balance_text(code: str, value: float, unit: str, decimals: int = 0, lang: str = "vi") -> str:
    """ "xuất siêu 1,2 tỷ USD" / "a trade deficit of 725 million USD"; "cân bằng" at zero."""
    vi_words, en_words = BALANCE_WORDS.get(code, _BALANCE_DEFAULT)
    words = vi_words if lang == "vi" else en_words
    if round(value, decimals) == 0:
        return "cân bằng" if lang == "vi" else "in balance"
    return f"{words[0] if value > 0 else words[1]} {fmt.amount(abs(value), unit, decimals, lang)}"


def _growth_sentence(
    name: str,
    base_name: str,
    when: str,
    period: Any,
    value: float,
    formula: tuple[str, list[str]],
    freq: str,
    estimated: bool,
    lang: str,
) -> str:
    """A growth-rate indicator stated as the change of its base series, as GSO states it."""
    vi = lang == "vi"
    fn = formula[0]
    ts = pd.Timestamp(period)
    months = ts.month + MONTHS[freq] - 1  # into the year at the end of the period
    move = fmt.change(value, 2, lang) if vi else _moved(value)
    est = "ước tính " if vi and estimated else ""
    tail = " (estimate)." if estimated and not vi else "."
    if fn in ("yoy", "mom") and base_name:
        versus = _VERSUS["yoy" if fn == "yoy" else f"prev_{freq if freq in 'MQ' else 'M'}"]
        if vi:
            return f"{base_name} {when} {est}{move} {versus[0]}."
        return f"{base_name} in {when} {move} {versus[1]}{tail}"
    if fn in ("ytd_yoy", "ytd_avg_yoy") and base_name:
        if months <= MONTHS[freq]:  # the year's first period: no "tính chung"
            lead = f"{base_name} {when}" if vi else f"{base_name} in {when}"
        elif fn == "ytd_avg_yoy":
            span = f"{months} tháng năm {ts.year}"
            lead = f"Bình quân {span}, {mid_sentence(base_name)}"
            if not vi:
                lead = f"On average in the first {months} months of {ts.year}, the {mid_sentence(base_name)}"
        else:
            lead = f"{ytd_phrase(months, ts.year, lang)}, {mid_sentence(base_name)}"
        if vi:
            return f"{lead} {est}{move} {_VERSUS['yoy'][0]}."
        return f"{lead} {move} {_VERSUS['yoy'][1]}{tail}"
    v = fmt.percent(value, 2, lang)
    return f"{name} {when} {est}đạt {v}." if vi else f"{name}, {when}: {v}{tail}"


def _moved(pct: float, decimals: int = 2) -> str:
    """An English verb for a growth rate: "rose 2.67%", "fell 1.00%", "was unchanged"."""
    if round(pct, decimals) == 0:
        return "was unchanged"
    return f"{'rose' if pct > 0 else 'fell'} {fmt.percent(abs(pct), decimals, 'en')}"


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
    change: str | None = None,
    formula: str = "",
    code: str = "",
    base_name: str = "",
    status: str = "",
    lang: str = "vi",
) -> str:
    """One figure as the statistics office writes it, Vietnamese or English.

    Parameters
    ----------
    name, period, value, unit
        The indicator's name, the period's first day, its value and unit in ``lang``.
    freq, measure, decimals
        The period's frequency (M, Q, 6M, 9M, A) and the catalog's measure and decimals.
    prev, yoy, ytd, ytd_yoy
        Change on the previous period, on the same period last year (per cent, or points for
        rates in per cent), the year-to-date value and its change (flows only).
    change, formula, code, base_name
        The change kind (:func:`analytics.derived.change_kind`; derived from ``measure`` when
        None), the catalog's formula ("yoy(CPI)"), the indicator code (balance words) and, for a
        growth rate, the name of its base series ("Chỉ số giá tiêu dùng (CPI)").
    status
        ``preliminary`` figures read "ước tính" / "ước đạt".

    Returns
    -------
    str
        One sentence ending with a full stop (a second one for the year to date).
    """
    vi = lang == "vi"
    when = period_phrase(period, freq, lang)
    kind = change or derived.change_kind({"measure": measure, "unit_vi": unit, "formula": formula})
    est = status == "preliminary"
    if _missing(value):
        return f"{name} {when}: chưa có số liệu." if vi else f"{name}, {when}: no data yet."
    assert value is not None
    if kind == derived.GROWTH:
        form = derived.formula({"formula": formula})
        return _growth_sentence(name, base_name, when, period, value, form, freq, est, lang)
    ts = pd.Timestamp(period)
    ytd_months = ts.month + MONTHS[freq] - 1
    if kind == derived.BALANCE:
        est_vi = "ước tính " if est else ""
        text = f"{name} {when} {est_vi}" if vi else f"{name} in {when}: "
        text += balance_text(code, value, unit, decimals, lang)
        if not _missing(ytd) and freq == "M" and ytd_months > 1:
            assert ytd is not None
            lead = ytd_phrase(ytd_months, ts.year, lang)
            text += f". {lead}, {mid_sentence(name)} {est_vi}" if vi else f". {lead}: "
            text += balance_text(code, ytd, unit, decimals, lang)
        return text + (" (estimate)." if est and not vi else ".")
    versus_prev = _VERSUS.get(f"prev_{freq}", _VERSUS["prev_M"])[0 if vi else 1]
    changes = _join(
        [
            change_clause(prev, versus_prev, lang, kind, decimals),
            change_clause(yoy, _VERSUS["yoy"][0 if vi else 1], lang, kind, decimals),
        ],
        lang,
    )
    if measure == "index":
        if vi:
            body = changes or f"đạt {fmt.number(value, decimals, lang)}"
            text = f"{name} {when} {'ước tính ' if est else ''}{body}"
        else:
            body = changes or fmt.number(value, decimals, lang)
            text = f"{name} in {when}{' (estimate)' if est else ''}: {body}"
    else:
        level = fmt.amount(value, unit, decimals, lang)
        if vi:
            verb = (
                ("ước tính là" if est else "là")
                if kind == derived.POINTS
                else ("ước đạt" if est else "đạt")
            )
            text = f"{name} {when} {verb} {level}" + (f", {changes}" if changes else "")
        else:
            text = f"{name} in {when}: {'an estimated ' if est else ''}{level}"
            text += f", {changes}" if changes else ""
    if measure == "flow" and not _missing(ytd) and freq == "M" and ytd_months > 1:
        assert ytd is not None
        total = fmt.amount(ytd, unit, decimals, lang)
        growth = change_clause(ytd_yoy, _VERSUS["yoy"][0 if vi else 1], lang)
        lead = ytd_phrase(ytd_months, ts.year, lang)
        if vi:
            text += f". {lead}, {mid_sentence(name)} {'ước đạt' if est else 'đạt'} {total}"
        else:
            text += f". {lead}: {'an estimated ' if est else ''}{total}"
        text += f", {growth}" if growth else ""
    return text + "."


def sentence_of(row: Mapping[str, Any], lang: str = "vi", freq: str | None = None) -> str:
    """:func:`indicator_sentence` of one row of :func:`analytics.report.figures` (or of
    :func:`analytics.headline_table`): the catalog's metadata travels with the row."""
    vi = lang == "vi"
    fn, args = derived.formula(row)
    base_name = ""
    if args and fn in ("yoy", "mom", "ytd_yoy", "ytd_avg_yoy"):
        from analytics.catalog import catalog  # local: this module reads nothing at import

        ind = catalog().indicators.set_index("code")
        if args[0] in ind.index:
            base_name = str(ind.loc[args[0], "name_vi" if vi else "name_en"])
    unit = row.get("unit_vi" if vi else "unit_en", row.get("unit", ""))
    return indicator_sentence(
        str(row["name_vi"] if vi else row["name_en"]),
        row["period"],
        row["value"],
        str(unit or ""),
        freq=freq or str(row.get("span") or row.get("freq") or "M"),
        measure=str(row["measure"]),
        decimals=int(row["decimals"]),
        prev=row.get("prev", row.get("mom")),
        yoy=row.get("yoy"),
        ytd=row.get("ytd"),
        ytd_yoy=row.get("ytd_yoy"),
        change=row.get("change") or derived.change_kind(row),
        formula=str(row.get("formula") or ""),
        code=str(row.get("indicator", "")),
        base_name=base_name,
        status=str(row.get("status") or ""),
        lang=lang,
    )


def headline_sentences(table: Any, lang: str = "vi", freq: str | None = None) -> list[str]:
    """One sentence per row of :func:`analytics.headline_table` (polars or pandas)."""
    rows = table.to_dicts() if hasattr(table, "to_dicts") else table.to_dict("records")
    return [sentence_of(r, lang, freq) for r in rows]


_WORDING = {"about": ("khoảng", "about"), "below": ("dưới", "below"), "reach": ("đạt", "")}


def _as_written(value: float, unit: str, lang: str) -> str:
    """A target value as a resolution writes it: no trailing zeros ("10%", "4,5%", "95,15%")."""
    text = fmt.number(value, 2, lang)
    mark = "," if lang == "vi" else "."
    if mark in text:
        text = text.rstrip("0").rstrip(mark)
    return text + "%" if unit == "%" else f"{text} {unit}".strip()


def target_phrase(
    comparison: str,
    value: float,
    value_hi: float | None,
    unit: str = "",
    wording: str = "",
    lang: str = "vi",
) -> str:
    """A target as the resolution words it, with its unit: "từ 10% trở lên", "khoảng 4,5%",
    "dưới 4%", "đạt 95,5%", "5.400–5.500 USD", "không quá 4%" / "at least 10%", "about 4.5%"."""
    v = _as_written(value, unit, lang)
    if comparison == "range" and not _missing(value_hi):
        assert value_hi is not None
        return f"{_as_written(value, '', lang)}–{_as_written(value_hi, unit, lang)}"
    if wording in _WORDING:
        return f"{_WORDING[wording][0 if lang == 'vi' else 1]} {v}".strip()
    if lang == "vi":
        return {">=": f"từ {v} trở lên", "<=": f"không quá {v}"}.get(comparison, v)
    return {">=": f"at least {v}", "<=": f"at most {v}"}.get(comparison, v)


def target_sentence(row: Mapping[str, Any], name: str | None = None, lang: str = "vi") -> str:
    """A target outlook row -> "Tăng trưởng GDP: mục tiêu từ 10% trở lên; dự báo cả năm 7,1%
    (khoảng 6,5–7,6%), xác suất đạt 23%: có nguy cơ không đạt."; the unit, decimals and wording
    ("khoảng") come from the catalog when the row names a known indicator and target."""
    from analytics.catalog import catalog  # local: this module reads nothing at import

    vi = lang == "vi"
    label = name or str(row.get("indicator", ""))
    cat = catalog()
    ind = cat.indicators.set_index("code")
    code = str(row.get("indicator", ""))
    unit = str(ind.loc[code, "unit_vi" if vi else "unit_en"]) if code in ind.index else ""
    decimals = 1 if unit in ("%", "") else min(int(ind.loc[code, "decimals"]), 1)
    targets = cat.targets.set_index("code")
    tcode = str(row.get("code", ""))
    wording = ""
    if tcode in targets.index and "wording" in targets.columns:
        wording = str(targets.loc[tcode, "wording"] or "")
    goal = target_phrase(
        str(row["comparison"]), row["value"], row.get("value_hi"), unit, wording, lang
    )
    status = STATUS_TEXT.get(str(row.get("status")), (str(row.get("status")),) * 2)[0 if vi else 1]
    status = mid_sentence(status)
    proj = row.get("projected")
    if _missing(proj):
        return (
            f"{label}: mục tiêu {goal}; {status}." if vi else f"{label}: target {goal}; {status}."
        )
    p = fmt.amount(proj, unit, decimals, lang)
    band = ""
    if not _missing(row.get("lo")) and not _missing(row.get("hi")):
        both = fmt.amount_range(row["lo"], row["hi"], unit, decimals, lang)
        band = f" ({'khoảng' if vi else 'range'} {both})"
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
    """ "Dự báo <name> đến tháng 3/2027: 41,2 tỷ USD (khoảng tin cậy 80%: 39.000–43.400)."."""
    when = period_phrase(horizon_end, freq, lang)
    m = fmt.amount(mean, unit, decimals, lang)
    band = ""
    if not _missing(lo) and not _missing(hi):
        both = fmt.amount_range(lo, hi, unit, decimals, lang)
        band = (
            f" (khoảng tin cậy {level}%: {both})"
            if lang == "vi"
            else f" ({level}% interval: {both})"
        )
    if lang == "vi":
        return f"Dự báo {mid_sentence(name)} đến {when}: {m}{band}."
    return f"Forecast of {mid_sentence(name)} for {when}: {m}{band}."


def paragraph(sentences: Iterable[str]) -> str:
    """Sentences joined into one paragraph (empty strings dropped)."""
    return " ".join(s for s in sentences if s)


def as_of_note(snapshot_published: str | dt.datetime | None, demo: bool, lang: str = "vi") -> str:
    """ "Số liệu cập nhật đến 20/10/2026 16:00 (DỮ LIỆU MẪU ...)." — the provenance line every
    report carries."""
    when = fmt.datetime(snapshot_published, lang)
    if lang == "vi":
        return f"Số liệu cập nhật đến {when}" + (
            " (DỮ LIỆU MẪU, không phải số liệu chính thức)." if demo else "."
        )
    return f"Data as of {when}" + (" (DEMO DATA, not official statistics)." if demo else ".")
