"""The alerts section of the periodic reports: how many are active, and the most severe ones."""

from __future__ import annotations

from workbench.alerts import book
from workbench.alerts.rules import SEVERITIES

_TEXT = {
    "head": ("Cảnh báo", "Alerts"),
    "none": ("Không có cảnh báo đang mở.", "No active alerts."),
    "count": ("Đang mở {n} cảnh báo: {parts}.", "{n} active alerts: {parts}."),
    "top": ("{n} cảnh báo nghiêm trọng nhất:", "The {n} most severe:"),
    "high": ("mức cao", "high"),
    "medium": ("mức trung bình", "medium"),
    "low": ("mức thấp", "low"),
}


def _t(key: str, lang: str) -> str:
    return _TEXT[key][0 if lang == "vi" else 1]


def section_markdown(lang: str = "vi", area: str = "VN", top: int = 10) -> str:
    """The section as Markdown: a heading, the count by severity and the ``top`` alerts' reasons
    (for a province, only its own alerts)."""
    df = book.alerts("active")
    if area != "VN":
        df = df[df["area"] == area]
    lines = [f"## {_t('head', lang)}", ""]
    if df.empty:
        return "\n".join([*lines, _t("none", lang)])
    parts = ", ".join(
        f"{int((df['severity'] == s).sum())} {_t(s, lang)}"
        for s in SEVERITIES
        if (df["severity"] == s).any()
    )
    lines += [_t("count", lang).format(n=len(df), parts=parts), ""]
    why = "why_vi" if lang == "vi" else "why_en"
    shown = df.head(top)
    lines += [_t("top", lang).format(n=len(shown)), ""]
    lines += [
        f"- **{_t(r['severity'], lang)}** (#{r['alert_id']}): {r[why]}" for _, r in shown.iterrows()
    ]
    return "\n".join(lines)


def show_section(lang: str = "vi", area: str = "VN", top: int = 10) -> None:
    """Display the section in a report notebook."""
    from IPython.display import Markdown, display

    display(Markdown(section_markdown(lang, area, top)))
