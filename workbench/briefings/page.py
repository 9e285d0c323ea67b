"""The frame every briefing shares: title, language switch, demo banner, as-of line, refresh.

A briefing subclasses :class:`Briefing`, builds its controls in ``controls()``, relabels them in
``relabel()`` and draws its content in ``draw()``. The page redraws when the language changes, when
the refresh button is pressed, and when a watcher thread sees that a new snapshot was published.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import html
import io
import os
import threading
from typing import Any

import ipywidgets as widgets
import pandas as pd

from analytics import calendar, charts, fmt, store
from analytics.errors import NrisError
from workbench.briefings import poll_seconds, static
from workbench.briefings.i18n import t

CSS = """
<style>
.nris-page { font-family: Segoe UI, Roboto, Helvetica, Arial, sans-serif; color: #263238; }
.nris-title { font-size: 26px; font-weight: 600; color: #1f4e79; margin: 4px 0; }
.nris-banner { background: #fff3cd; border: 1px solid #e0a100; color: #6d4c00; padding: 6px 12px;
  border-radius: 4px; font-weight: 600; }
.nris-asof { color: #546e7a; font-size: 14px; }
.nris-error { background: #fdecea; border-left: 4px solid #c62828; padding: 8px 12px; }
.nris-note { color: #546e7a; font-style: italic; }
.nris-cards { display: flex; flex-wrap: wrap; gap: 12px; }
.nris-card { width: 230px; border: 1px solid #cfd8dc; border-radius: 6px; padding: 10px 12px;
  background: #fff; border-top: 5px solid var(--c); }
.nris-card div { line-height: 1.35; }
.nris-card .name { font-size: 13px; color: #455a64; min-height: 36px; }
.nris-card .value { font-size: 24px; font-weight: 600; }
.nris-card .unit { font-size: 13px; color: #607d8b; }
.nris-card .chg { font-size: 12.5px; }
.nris-table { border-collapse: collapse; font-size: 14px; }
.nris-table th { background: #eceff1; text-align: left; padding: 4px 8px; }
.nris-table td { border-bottom: 1px solid #eceff1; padding: 4px 8px; }
.nris-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
.nris-dl a { margin-right: 14px; }
.nris-status { padding: 1px 8px; border-radius: 10px; color: white; font-size: 12.5px; }
</style>
"""


def svg_html(chart: Any, css_class: str = "nris-chart") -> str:
    """An Altair chart as an HTML fragment holding its SVG."""
    return f'<div class="{css_class}">{charts.to_svg(chart)}</div>'


def error_html(exc: BaseException, lang: str) -> str:
    """A one-line message for a failure (the user's language first), never a traceback."""
    if isinstance(exc, NrisError):
        msg = exc.vi if lang == "vi" else exc.en
    else:
        msg = f"{type(exc).__name__}: {str(exc)[:200]}"
    return f'<div class="nris-error">{html.escape(t("error", lang))}: {html.escape(msg)}</div>'


def table_html(df: pd.DataFrame, numeric: tuple[str, ...] = ()) -> str:
    """A small HTML table with the house style (values already formatted as text)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for rec in df.itertuples(index=False):
        cells = []
        for col, v in zip(df.columns, rec, strict=True):
            cls = ' class="num"' if col in numeric else ""
            cells.append(
                f"<td{cls}>{v if str(v).startswith('<span') else html.escape(str(v))}</td>"
            )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="nris-table"><tr>{head}</tr>{"".join(rows)}</table>'


def download_links(df: pd.DataFrame, stem: str, lang: str) -> str:
    """CSV and Excel downloads of ``df`` as data: links (work offline, no server round trip)."""
    csv = df.to_csv(index=False).encode("utf-8-sig")
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter") as xw:
        df.to_excel(xw, index=False, sheet_name="data")
    xlsx_mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    links = [
        (f"data:text/csv;base64,{base64.b64encode(csv).decode()}", f"{stem}.csv", "download_csv"),
        (
            f"data:{xlsx_mime};base64,{base64.b64encode(buf.getvalue()).decode()}",
            f"{stem}.xlsx",
            "download_xlsx",
        ),
    ]
    parts = [
        f'<a class="nris-download" href="{href}" download="{name}">⬇ {t(key, lang)}</a>'
        for href, name, key in links
    ]
    return f'<div class="nris-dl">{"".join(parts)}</div>'


class Briefing:
    """Base of a briefing page: header, controls, body; subclasses fill ``controls`` and ``draw``."""

    key = "overview"

    def __init__(self, lang: str = "vi", poll: float | None = None) -> None:
        self.lang = "en" if lang == "en" else "vi"
        self._muted = False
        self._lock = threading.RLock()
        self.snapshot = store.snapshot_key()
        self.title = widgets.HTML()
        self.banner = widgets.HTML()
        self.asof = widgets.HTML()
        self.notice = widgets.HTML()
        self.lang_switch = widgets.ToggleButtons(
            options=[("Tiếng Việt", "vi"), ("English", "en")],
            value=self.lang,
            style={"button_width": "96px"},
        )
        self.lang_switch.add_class("nris-lang")
        self.refresh_button = widgets.Button(layout=widgets.Layout(width="auto"))
        self.refresh_button.add_class("nris-refresh")
        self.lang_switch.observe(self._on_lang, names="value")
        self.refresh_button.on_click(lambda _b: self.refresh(force=True))
        self.body = widgets.VBox(layout=widgets.Layout(width="100%"))
        self.control_box = widgets.HBox(
            self.controls(), layout=widgets.Layout(flex_flow="row wrap", gap="8px")
        )
        top = widgets.HBox(
            [self.title, self.lang_switch, self.refresh_button],
            layout=widgets.Layout(justify_content="space-between", align_items="center"),
        )
        self.widget = widgets.VBox(
            [
                widgets.HTML(CSS),
                top,
                self.banner,
                self.asof,
                self.notice,
                self.control_box,
                self.body,
            ],
            layout=widgets.Layout(padding="0 12px", max_width="1200px"),
        )
        self.widget.add_class("nris-page")
        self.widget.add_class(f"nris-{self.key}")
        self.widget.add_class(static.LIVE_CLASS)
        self._render_all()
        _mark_ready(self.key)
        self._closed = threading.Event()
        self.watcher: threading.Thread | None = None
        interval = poll_seconds() if poll is None else poll
        if interval > 0:
            self.watcher = threading.Thread(target=self._watch, args=(interval,), daemon=True)
            self.watcher.start()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The live widget plus its static HTML copy (painted before the widgets connect), marked
        with its snapshot so the server can tell a preheated copy gone stale (``server``)."""
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/html"] = static.snapshot_mark(self.snapshot) + static.page_html(self.widget)
        return bundle

    # -- for subclasses -------------------------------------------------------------------------
    def controls(self) -> list[widgets.Widget]:
        """The page's input widgets (created once)."""
        return []

    def relabel(self) -> None:
        """Set the controls' labels for ``self.lang``."""

    def draw(self) -> list[widgets.Widget]:
        """The page content for the current controls, language and snapshot."""
        return []

    # -- machinery ------------------------------------------------------------------------------
    def _header(self) -> None:
        lang = self.lang
        self.title.value = f'<div class="nris-title">{html.escape(t(self.key, lang))}</div>'
        self.refresh_button.description = "⟳ " + t("refresh", lang)
        try:
            info = store.snapshot_info()
        except NrisError as exc:
            self.banner.value = ""
            self.asof.value = error_html(exc, lang)
            return
        self.banner.value = (
            f'<div class="nris-banner nris-demo">⚠ {html.escape(t("demo", lang))}</div>'
            if info.get("demo")
            else ""
        )
        vintage = _stamp(info.get("max_vintage"), lang)
        published = _stamp(info.get("published_at"), lang, local=True)
        self.asof.value = (
            f'<div class="nris-asof">{t("as_of", lang)} <b>{vintage}</b> '
            f"({t('published', lang)} {published})</div>"
        )

    def _render_all(self) -> None:
        with self._lock:
            self._muted = True
            try:
                self._header()
                self.relabel()
            finally:
                self._muted = False
            self.redraw()
            for lang in ("vi", "en"):
                self.widget.remove_class(f"nris-ready-{lang}")
            self.widget.add_class(f"nris-ready-{self.lang}")

    def redraw(self) -> None:
        """Redraw the body; a failure shows one line instead of the content."""
        with self._lock:
            try:
                self.body.children = tuple(self.draw())
            except Exception as exc:  # a briefing shows a message, never a traceback
                self.body.children = (widgets.HTML(error_html(exc, self.lang)),)

    def _on_lang(self, change: dict[str, Any]) -> None:
        self.lang = change["new"]
        self._render_all()

    def on_change(self, _change: Any = None) -> None:
        """Observer for the controls: redraw unless the page is relabelling them."""
        if not self._muted:
            self.redraw()

    def refresh(self, force: bool = False) -> bool:
        """Re-read the snapshot pointer; redraw when it moved (or when forced). Returns whether redrawn."""
        key = store.snapshot_key()
        if key == self.snapshot and not force:
            return False
        changed = key != self.snapshot
        self.snapshot = key
        self._render_all()
        if changed:
            now = calendar.now().strftime("%H:%M:%S")
            self.notice.value = (
                f'<div class="nris-note nris-updated">{t("refreshed", self.lang)} ({now})</div>'
            )
        return True

    def close(self) -> None:
        """Stop watching for snapshots and close the page's widgets: a kernel that builds pages
        again (another call, other parameters) keeps no watcher redrawing a page nobody sees."""
        self._closed.set()
        _close_tree(self.widget)

    def _watch(self, interval: float) -> None:
        while not self._closed.wait(interval):
            with contextlib.suppress(Exception):  # keep watching; the page shows its own errors
                self.refresh()


def _close_tree(widget: widgets.Widget) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()


def _mark_ready(key: str) -> None:
    """Tell a test or benchmark that a (preheated) page finished (``$NRIS_BRIEFING_READY_DIR``)."""
    folder = os.environ.get("NRIS_BRIEFING_READY_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"{key}-{os.getpid()}.ready"), "w") as fh:
            fh.write(dt.datetime.now().isoformat())


def _stamp(value: str | None, lang: str, local: bool = False) -> str:
    if not value:
        return "–"
    ts = pd.Timestamp(value)
    if local and ts.tzinfo is not None:
        ts = ts.tz_convert("Asia/Ho_Chi_Minh")
    return fmt.datetime(ts, lang)
