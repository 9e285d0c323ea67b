"""A briefing page as plain HTML, shown before the browser has loaded Voilà's JavaScript.

A preheated page is computed before anyone asks for it, but the live page is a tree of widgets that
the browser can only draw after loading Voilà's ~5 MB of JavaScript, connecting to the kernel and
fetching every widget's state (2-3 s on a quiet 2-core server, far more when several leaders open
it at once). The same tree written out as HTML goes into the page itself (the ``text/html`` entry of
the page's display bundle, placed by the ``nris`` template), so the cards, tables and SVG charts
paint as soon as the HTML arrives. The controls are drawn disabled; the template swaps the static
copy for the live widgets once they have rendered, so nothing is lost if a kernel never connects.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

STATIC_CLASS = "nris-static"
LIVE_CLASS = "nris-live"  # only the live widget carries it: tests and benchmarks tell them apart

_LAYOUT_CSS = {
    "width": "width",
    "min_width": "min-width",
    "max_width": "max-width",
    "padding": "padding",
    "justify_content": "justify-content",
    "align_items": "align-items",
    "flex_flow": "flex-flow",
    "gap": "gap",
}


def _style(w: Any, extra: str = "") -> str:
    layout = getattr(w, "layout", None)
    parts = [extra] if extra else []
    if layout is not None:
        for trait, prop in _LAYOUT_CSS.items():
            value = getattr(layout, trait, None)
            if value:
                parts.append(f"{prop}:{value}")
    return f' style="{html.escape(";".join(parts))}"' if parts else ""


def _classes(w: Any, base: str) -> str:
    dom = [c for c in getattr(w, "_dom_classes", ()) if c != LIVE_CLASS]
    if "nris-page" in dom:
        dom.insert(0, STATIC_CLASS)
    return " ".join([base, *dom])


def _label(w: Any) -> str:
    desc = str(getattr(w, "description", "") or "")
    return f'<label class="widget-label">{html.escape(desc)}</label>' if desc else ""


def to_html(w: widgets.Widget) -> str:
    """The widget tree ``w`` as static HTML (boxes, HTML, and the controls' current state)."""
    if isinstance(w, widgets.Box):
        flex = "column" if isinstance(w, widgets.VBox) else "row"
        inner = "".join(to_html(c) for c in w.children)
        style = _style(w, f"display:flex;flex-direction:{flex}")
        return f'<div class="{_classes(w, "nris-s-box")}"{style}>{inner}</div>'
    if isinstance(w, widgets.HTML):
        return f'<div class="{_classes(w, "nris-s-html")}">{w.value}</div>'
    if isinstance(w, widgets.Dropdown):
        shown = html.escape(str(w.label if w.label is not None else ""))
        select = f'<select disabled aria-disabled="true"><option selected>{shown}</option></select>'
        return f'<div class="{_classes(w, "nris-s-control")}"{_style(w)}>{_label(w)}{select}</div>'
    if isinstance(w, widgets.ToggleButtons):
        buttons = "".join(
            f'<button disabled class="{"nris-s-on" if label == w.label else ""}">'
            f"{html.escape(str(label))}</button>"
            for label in w._options_labels
        )
        return f'<div class="{_classes(w, "nris-s-control nris-s-toggle")}">{buttons}</div>'
    if isinstance(w, widgets.Button):
        text = html.escape(str(w.description))
        return (
            f'<div class="{_classes(w, "nris-s-control")}"><button disabled>{text}</button></div>'
        )
    return ""


def snapshot_mark(key: str | None) -> str:
    """An HTML comment naming the snapshot a static copy was computed from."""
    return f"<!-- nris-snapshot: {html.escape(str(key))} -->"


def page_html(root: widgets.Widget) -> str:
    """The page's static copy: the page root is marked ``nris-static`` instead of ``nris-live``."""
    return to_html(root)
