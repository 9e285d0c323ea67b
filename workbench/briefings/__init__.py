"""Voilà briefings for leaders: thin notebooks call these functions, which return ready pages.

    from workbench import briefings
    briefings.overview(lang="vi")     # headline cards and the targets panel
    briefings.indicator(code="EXPORTS")
    briefings.provinces(code="RETAIL_SALES")
    briefings.reporting()
    briefings.alerts()                # alerts, most severe first

Each page has a Vietnamese/English switch, the data's as-of time, a demo-data banner when the
snapshot holds demo data, and picks up new snapshots without a server restart. Importing this package
loads nothing heavy; each page module is imported when its function is called.
"""

from __future__ import annotations

from typing import Any


def overview(lang: str = "vi", area: str = "VN") -> Any:
    """The national overview page (headline cards, targets)."""
    from workbench.briefings.pages.overview import overview as page

    return page(lang=lang, area=area)


def indicator(
    lang: str = "vi", code: str = "EXPORTS", area: str = "VN", transform: str = "level"
) -> Any:
    """The indicator drill-down page."""
    from workbench.briefings.pages.indicator import indicator as page

    return page(lang=lang, code=code, area=area, transform=transform)


def provinces(
    lang: str = "vi", code: str = "RETAIL_SALES", transform: str = "yoy", province: str = "01"
) -> Any:
    """The provinces page (map, ranking, regions, one province's series)."""
    from workbench.briefings.pages.provinces import provinces as page

    return page(lang=lang, code=code, transform=transform, province=province)


def reporting(lang: str = "vi", period: str | None = None) -> Any:
    """The reporting status page (who has reported for the current period)."""
    from workbench.briefings.pages.reporting import reporting as page

    return page(lang=lang, period=period)


def alerts(lang: str = "vi", state: str = "active") -> Any:
    """The alerts page (Cảnh báo): severity, why, state, a link to the drill-down."""
    from workbench.briefings.pages.alerts import alerts as page

    return page(lang=lang, state=state)


def poll_seconds() -> float:
    """How often pages (and the server, for its preheated pages) check for a new snapshot
    (``$NRIS_BRIEFING_POLL``, default 30 s; 0 = never)."""
    import os

    try:
        return float(os.environ.get("NRIS_BRIEFING_POLL", "30"))
    except ValueError:
        return 30.0


def setup() -> None:
    """Prepare a kernel for a briefing: a quicker Altair import, offline rendering for any chart.

    Altair imports jsonschema, which builds an RFC 3987 grammar with lark at import time whenever
    the optional ``rfc3987-syntax`` package is installed (it is, for jupyter-events): 2.6
    CPU-seconds in every kernel (a third of preheating a page), for "iri" format checks that the
    briefings never run. A briefing kernel goes without them (see ``analytics.startup``).
    """
    from analytics.startup import skip_iri_parsers

    skip_iri_parsers()
    import altair as alt

    alt.renderers.enable("html", template="inline")


__all__ = ["alerts", "indicator", "overview", "poll_seconds", "provinces", "reporting", "setup"]
