"""Numbers and changes written the Vietnamese way (1.234,5; "tăng 6,5%") or the English way."""

from __future__ import annotations

import math


def number(value: float | None, decimals: int = 1, lang: str = "vi") -> str:
    """1234.5 -> "1.234,5" in Vietnamese, "1,234.5" in English; missing -> "–"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
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
