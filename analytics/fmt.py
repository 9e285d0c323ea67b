"""Numbers, changes and dates written the Vietnamese way (1.234,5; "tăng 6,5%"; 23/10/2026 16:00)
or the English way, by the project's own rules: nothing here reads the process locale."""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
"""English month names (``strftime("%B")`` would follow the locale)."""


def number(value: float | None, decimals: int = 1, lang: str = "vi") -> str:
    """1234.5 -> "1.234,5" in Vietnamese, "1,234.5" in English; missing -> "–".

    Rounds half away from zero on the figure as written (9,45 -> 9,5), as statistics releases do,
    not on its binary approximation (which would give 9,4)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    exact = Decimal(repr(float(value))) if math.isfinite(value) else Decimal(0)
    text = f"{exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def percent(value: float | None, decimals: int = 1, lang: str = "vi") -> str:
    """3.25 -> "3,3%" (vi) or "3.3%" (en)."""
    return "–" if value is None or _nan(value) else number(value, decimals, lang) + "%"


def _nan(value: float) -> bool:
    return isinstance(value, float) and math.isnan(value)


def change(pct: float | None, decimals: int = 1, lang: str = "vi") -> str:
    """A percent change in words: "tăng 3,2%", "giảm 1,0%", "không đổi" / "up 3.2%", "down 1.0%"."""
    if pct is None or _nan(pct):
        return "không có số liệu" if lang == "vi" else "not available"
    rounded = round(pct, decimals)
    if rounded == 0:
        return "không đổi" if lang == "vi" else "unchanged"
    word = (
        ("tăng" if rounded > 0 else "giảm") if lang == "vi" else ("up" if rounded > 0 else "down")
    )
    return f"{word} {percent(abs(pct), decimals, lang)}"


def change_points(delta: float | None, decimals: int = 1, lang: str = "vi") -> str:
    """A change of a rate in percentage points: "tăng 0,3 điểm phần trăm" / "up 0.3 percentage
    points"; "không đổi" / "unchanged" when it rounds to zero."""
    if delta is None or _nan(delta):
        return "không có số liệu" if lang == "vi" else "not available"
    rounded = round(delta, decimals)
    if rounded == 0:
        return "không đổi" if lang == "vi" else "unchanged"
    size = number(abs(delta), decimals, lang)
    if lang == "vi":
        return f"{'tăng' if rounded > 0 else 'giảm'} {size} điểm phần trăm"
    return f"{'up' if rounded > 0 else 'down'} {size} percentage points"


def amount(value: float | None, unit: str = "", decimals: int = 1, lang: str = "vi") -> str:
    """A level with its unit as a statistics release writes it: "2,7%", "294.302 tỷ đồng", and
    millions of USD from a thousand up in billions ("38,5 tỷ USD", "38.5 billion USD")."""
    if value is None or _nan(value):
        return "–"
    scaled = {"triệu USD": "tỷ USD", "million USD": "billion USD"}
    if unit in scaled and abs(value) >= 1000:
        return f"{number(value / 1000, 1, lang)} {scaled[unit]}"
    text = number(value, decimals, lang)
    if unit == "%":
        return text + "%"
    return f"{text} {unit}" if unit else text


def amount_range(
    lo: float | None, hi: float | None, unit: str = "", decimals: int = 1, lang: str = "vi"
) -> str:
    """Two levels with one unit, scaled alike: "39,0–43,4 tỷ USD", "6,5–7,6%"."""
    if lo is None or hi is None or _nan(lo) or _nan(hi):
        return "–"
    top = amount(max(abs(lo), abs(hi)), unit, decimals, lang)
    scale, unit_out = (
        (1000, top.split(" ", 1)[1]) if top.endswith(("tỷ USD", "billion USD")) else (1, unit)
    )
    step = 1 if scale > 1 else decimals
    text = f"{number(lo / scale, step, lang)}–{number(hi / scale, step, lang)}"
    if unit_out == "%":
        return text + "%"
    return f"{text} {unit_out}" if unit_out else text


def date(value: Any, lang: str = "vi") -> str:
    """A date: "23/10/2026" (vi) or "23 October 2026" (en); missing -> "–"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    d = value if isinstance(value, dt.date) else dt.datetime.fromisoformat(str(value))
    if lang == "vi":
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    return f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"


def datetime(value: Any, lang: str = "vi") -> str:
    """A moment to the minute: "23/10/2026 16:00" (vi) or "23 October 2026 16:00" (en)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    t = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return f"{date(t, lang)} {t.hour:02d}:{t.minute:02d}"


def parse_number(text: str, decimal: str | None = None) -> float:
    """Read a number written either way: "1.234,5", "1,234.5", "1234,5", "-3,2", "12%", "(5)".

    ``decimal`` ("," or ".") settles the decimal mark when the writer's convention is known. Without
    it, a lone separator followed by exactly three digits ("1.234", "1,234") is read as a thousands
    separator, as agencies write whole numbers.
    """
    s = str(text).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    s = s.replace("\u2212", "-").rstrip("%")  # U+2212, the minus sign typeset documents use
    neg = s.startswith("(") and s.endswith(")")
    s = s.strip("()")
    if not s:
        raise ValueError("empty number")
    if decimal in {",", "."}:
        thou = "." if decimal == "," else ","
        s = s.replace(thou, "").replace(decimal, ".")
    elif "." in s and "," in s:
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        s = s.replace("." if dec == "," else ",", "").replace(dec, ".")
    elif "," in s or "." in s:
        sep = "," if "," in s else "."
        head, _, tail = s.rpartition(sep)
        digits = head.lstrip("+-")
        if s.count(sep) > 1 or (len(tail) == 3 and digits.isdigit() and digits != "0"):
            s = s.replace(sep, "")
        else:
            s = s.replace(sep, ".")
    value = float(s)
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"not a finite number: {text!r}")
    return -value if neg else value
