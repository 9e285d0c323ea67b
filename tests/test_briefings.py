"""Briefings for leaders: page logic in-process, then the real thing in Voilà and headless Chromium."""

from __future__ import annotations

import json
import shutil
import socket
import time
from pathlib import Path

import pytest

from analytics import paths
from workbench import serve
from workbench.briefings import geo

SHARED_TOPO = Path(__file__).resolve().parents[2] / "shared/data/geo/vn34_provinces_2025.topojson"
PAGES = {
    "1_tong_quan.ipynb": "overview",
    "2_chi_tieu.ipynb": "indicator",
    "3_tinh_thanh.ipynb": "provinces",
    "4_tinh_hinh_bao_cao.ipynb": "reporting",
}


# -- boundaries -------------------------------------------------------------------------------------
def test_province_names_normalize_across_sources() -> None:
    assert geo.normalize_name("TP HCM") == geo.normalize_name("Thành phố Hồ Chí Minh")
    assert geo.normalize_name("Khánh Hoà") == geo.normalize_name("Khánh Hòa")
    assert geo.normalize_name("TP Đà Nẵng") == "da nang"


def test_topojson_decodes_shared_arcs_and_drops_degenerate_rings() -> None:
    topo = {
        "type": "Topology",
        "transform": {"scale": [1, 1], "translate": [100, 10]},
        "arcs": [[[0, 0], [1, 0], [0, 1]], [[1, 1], [-1, 0], [0, -1]], [[5, 5], [0, 0]]],
        "objects": {
            "p": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "properties": {"name": "Hà Nội"}},
                    {"type": "Polygon", "arcs": [[2]], "properties": {"name": "speck"}},
                ],
            }
        },
    }
    feats = geo.topo_to_features(topo)
    assert len(feats) == 1
    ring = feats[0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] == [100.0, 10.0]
    assert [101.0, 11.0] in ring


@pytest.mark.skipif(not SHARED_TOPO.exists(), reason="shared boundaries file not present")
def test_every_province_matches_a_boundary(monkeypatch: pytest.MonkeyPatch) -> None:
    import analytics

    monkeypatch.setenv("NRIS_BOUNDARIES", str(SHARED_TOPO))
    provinces = analytics.catalog().provinces()
    feats = geo.province_features(provinces)
    assert feats is not None
    assert sorted(f["properties"]["area"] for f in feats) == sorted(provinces["code"])
    assert geo.boundaries_path() == SHARED_TOPO
    monkeypatch.delenv("NRIS_BOUNDARIES")
    assert geo.boundaries_path() == geo.default_boundaries()


# -- serving options --------------------------------------------------------------------------------
def test_voila_command_is_hardened() -> None:
    opts = serve.ServeOptions(port=9999, pool_size=2)
    argv = serve.voila_argv(opts, serve.resolve_token(opts))
    text = " ".join(argv)
    assert str(serve.briefings_dir()) in argv
    for flag in (
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.preheat_kernel=True",
        "--VoilaConfiguration.default_pool_size=2",
        "--MappingKernelManager.cull_idle_timeout=",
        "--VoilaConfiguration.template=nris",
        "--VoilaKernelManager.fill_delay=",
        "--KernelManager.transport=ipc",  # a pool starting at once loses no kernel to a port race
    ):
        assert flag in text
    assert "--Voila.token=" in argv  # loopback: no token needed
    defaults = serve.ServeOptions()
    assert defaults.pool_size >= 2 and defaults.fill_delay >= 5
    assert "fill_delay" not in " ".join(serve.voila_argv(serve.ServeOptions(preheat=False), ""))


def test_token_required_beyond_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NRIS_SERVE_TOKEN", raising=False)
    assert serve.resolve_token(serve.ServeOptions(ip="127.0.0.1")) == ""
    generated = serve.resolve_token(serve.ServeOptions(ip="0.0.0.0"))
    assert len(generated) >= 24
    assert serve.resolve_token(serve.ServeOptions(ip="10.0.0.5", token="x" * 20)) == "x" * 20
    from analytics.errors import NrisError

    with pytest.raises(NrisError):
        serve.resolve_token(serve.ServeOptions(ip="0.0.0.0", token="short"))


def test_serve_cli_refuses_bad_input_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from workbench.cli import main

    assert main(["serve", "--port", "70000"]) == 2
    assert main(["serve", "--boundaries", "/nonexistent/vn.topojson"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(" | " in line and "Traceback" not in line for line in err)


# -- pages in-process -------------------------------------------------------------------------------
def _svgs(widget: object) -> list[str]:
    import ipywidgets as w

    out: list[str] = []
    if isinstance(widget, w.HTML) and "<svg" in widget.value:
        out.append(widget.value)
    for child in getattr(widget, "children", ()):
        out += _svgs(child)
    return out


def _text(widget: object) -> str:
    parts = [str(getattr(widget, "value", "")), str(getattr(widget, "description", ""))]
    return " ".join(parts + [_text(c) for c in getattr(widget, "children", ())])


def test_indicator_page_reacts_to_widgets_and_language(use_store: Path) -> None:
    from workbench.briefings.pages.indicator import Indicator

    page = Indicator(poll=0, indicator="RETAIL_SALES")
    first = _svgs(page.body)
    assert first and "mark-line" in first[0]
    assert "DỮ LIỆU MẪU" in page.banner.value and "Số liệu đến" in page.asof.value
    page.transform.value = "yoy"
    assert _svgs(page.body)[0] != first[0]
    page.area.value = "79"
    assert "Hồ Chí Minh" in _text(page.body)
    page.lang_switch.value = "en"
    assert "Data as of" in page.asof.value and "DEMO DATA" in page.banner.value
    assert "Retail sales" in _text(page.body) and page.transform.value == "yoy"
    links = [v for v in _text(page.body).split('"') if v.startswith("data:")]
    assert any(v.startswith("data:text/csv") for v in links)
    assert any("spreadsheetml" in v for v in links)


def test_provinces_page_draws_the_shipped_map_by_default(
    use_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.briefings.pages.provinces import Provinces

    monkeypatch.delenv("NRIS_BOUNDARIES", raising=False)
    page = Provinces(poll=0)
    maps = [s for s in _svgs(page.body) if "nris-map-svg" in s]
    assert maps and maps[0].count('<path class="mark-shape nris-area"') == 34
    assert "<circle" not in maps[0] and "Quần đảo Hoàng Sa" in maps[0]
    page.province.value = "79"
    assert 'data-area="79" d="M' in _svgs(page.body)[0] and "#ff6f00" in _svgs(page.body)[0]
    page.lang_switch.value = "en"
    assert "Truong Sa archipelago" in _svgs(page.body)[0]
    # a boundaries file matching no province: the page falls back to bubbles
    stray = tmp_path / "stray.geojson"
    stray.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    monkeypatch.setenv("NRIS_BOUNDARIES", str(stray))
    page = Provinces(poll=0)
    bubbles = [s for s in _svgs(page.body) if "nris-map-svg" in s]
    assert bubbles and bubbles[0].count("<circle") == 34 and "Hoàng Sa" not in bubbles[0]


def _publish_copy(store: Path) -> str:
    """Publish the current snapshot again under a new name, vintage 20/07/2022; its file name."""
    pointer = store / "current.json"
    info = json.loads(pointer.read_text())
    new = "snapshot-29990101T000000000000-1.parquet"
    shutil.copy(store / "snapshots" / info["file"], store / "snapshots" / new)
    info.update(file=new, max_vintage="2022-07-20T09:00:00")
    pointer.write_text(json.dumps(info))
    return new


def test_page_picks_up_a_new_snapshot(
    demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.briefings.pages.reporting import Reporting

    store = tmp_path / "store"
    shutil.copytree(demo_store, store)
    monkeypatch.setenv("NRIS_STORE", str(store))
    page = Reporting(poll=0)
    assert _svgs(page.body), _text(page.body)[:300]
    assert page.refresh() is False  # nothing new
    _publish_copy(store)
    assert page.refresh() is True
    assert "20/07/2022" in page.asof.value and "nris-updated" in page.notice.value


def test_reporting_bars_keep_their_period_whole(use_store: Path) -> None:
    """Each status bar's label fits its column: a long regime name is cut by the page, never the
    period after it by Vega."""
    import re

    from workbench.briefings.pages.reporting import BAR_LABEL_CHARS, Reporting

    page = Reporting(poll=0)
    ends = {
        "vi": r" \((Tháng 06/|Quý II/|6 tháng |9 tháng |Năm )2022\)$",
        "en": r" \([A-Z0-9_]+\)$",
    }
    for lang, end in ends.items():
        page.lang_switch.value = lang
        chart = next(s for s in _svgs(page.body) if "mark-rect" in s)
        labels = [x for x in re.findall(r"<text[^>]*>([^<]*)</text>", chart) if "(" in x]
        assert len(labels) >= 20, labels
        assert all(re.search(end, x) for x in labels), labels
        assert all(len(x) <= BAR_LABEL_CHARS for x in labels), labels
        assert any("…" in x for x in labels)  # the long names, shortened by the page


def test_static_copy_is_the_live_page_without_javascript(use_store: Path) -> None:
    from workbench.briefings.pages.overview import Overview

    page = Overview(poll=0)
    bundle = page._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    static = bundle["text/html"]
    assert "nris-static" in static and "nris-live" not in static
    assert "nris-live" in page.widget._dom_classes
    svgs = _svgs(page.body)
    assert svgs and all(s in static for s in svgs)  # the same cards and charts, verbatim
    assert "DỮ LIỆU MẪU" in static and "Số liệu đến" in static
    assert "<script" not in static.replace("<svg", "")
    assert '<select disabled aria-disabled="true"><option selected>Cả nước</option>' in static
    page.area.value = "79"
    again = page._repr_mimebundle_()["text/html"]
    assert "Thành phố Hồ Chí Minh</option>" in again and again != static


def test_overview_cards_colour_by_good_direction(use_store: Path) -> None:
    from analytics.charts import PALETTE
    from workbench.briefings.pages.overview import Overview

    page = Overview(poll=0)
    html = _text(page.body)
    assert html.count('class="nris-card"') >= 8
    cpi = html.split('data-indicator="CPI_YOY"')[0].rsplit("--c:", 1)[1][:7]
    assert cpi in (PALETTE["good"], PALETTE["bad"], PALETTE["neutral"])
    page.area.value = "01"
    assert _text(page.body).count('class="nris-card"') < html.count('class="nris-card"')


def test_each_page_function_can_be_called_again_with_other_parameters(
    use_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kernel may call a page function more than once (other parameters, another cell): each
    call is a page of its own, drawn for its own parameters and language."""
    import sys

    from workbench import briefings

    monkeypatch.setenv("NRIS_BRIEFING_POLL", "0")
    import workbench.briefings.pages.alerts  # noqa: F401  (a page module loaded first changes nothing)

    pages = [
        (briefings.overview(lang="vi", area="VN"), briefings.overview(lang="en", area="01")),
        (
            briefings.indicator(lang="vi", code="EXPORTS"),
            briefings.indicator(lang="en", code="CPI_YOY", area="01", transform="level"),
        ),
        (
            briefings.provinces(lang="vi", code="RETAIL_SALES", province="01"),
            briefings.provinces(lang="en", code="IIP", transform="yoy", province="79"),
        ),
        (briefings.reporting(lang="vi"), briefings.reporting(lang="en", period="2022-03")),
        (briefings.alerts(lang="vi"), briefings.alerts(lang="en", state="all")),
    ]
    assert all(callable(getattr(briefings, n)) for n in briefings.__all__)
    for first, second in pages:
        assert first is not second and first.body is not second.body
        assert (first.lang, second.lang) == ("vi", "en")
        assert "Số liệu đến" in first.asof.value and "Data as of" in second.asof.value
        assert "nris-error" not in _text(first.body) + _text(second.body)
    (ov_vi, ov_en), (ind_vi, ind_en), (pr_vi, pr_en), (rep_vi, rep_en), (al_vi, al_en) = pages
    assert (ov_vi.area.value, ov_en.area.value) == ("VN", "01")
    assert "Mục tiêu Quốc hội giao năm 2022" in _text(ov_vi.body)
    assert "Target 2022" in _text(ov_en.body) and "National Assembly" not in _text(ov_en.body)
    cards = [_text(p.body).count('class="nris-card"') for p in (ov_vi, ov_en)]
    assert cards[0] > cards[1] > 0  # the nation's headline cards, then a province's fewer ones
    assert (ind_vi.indicator.value, ind_vi.area.value) == ("EXPORTS", "VN")
    assert (ind_en.indicator.value, ind_en.area.value) == ("CPI_YOY", "01")
    assert "Kim ngạch xuất khẩu hàng hóa" in _text(ind_vi.body)
    assert "CPI, change on same month" in _text(ind_en.body) and "Ha Noi" in _text(ind_en.body)
    assert (pr_vi.indicator.value, pr_vi.province.value) == ("RETAIL_SALES", "01")
    assert (pr_en.indicator.value, pr_en.province.value) == ("IIP", "79")
    assert (rep_vi.period.value, rep_en.period.value) == ("2022-06", "2022-03")
    assert (al_vi.state.value, al_en.state.value) == ("active", "all")
    assert "workbench.briefings.pages.overview" in sys.modules
    # a page that watches for snapshots stops watching when closed (no thread left per call)
    monkeypatch.setenv("NRIS_BRIEFING_POLL", "0.05")
    watched = briefings.alerts(lang="en")
    assert watched.watcher is not None and watched.watcher.is_alive()
    watched.close()
    watched.watcher.join(10)
    assert not watched.watcher.is_alive() and watched.widget.comm is None
    assert all(p.watcher is None for pair in pages for p in pair)  # poll 0: none was started


# -- in a real browser ------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def voila_server(demo_store: Path, tmp_path_factory: pytest.TempPathFactory):
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian chromium not installed")
    ready = tmp_path_factory.mktemp("ready")
    env = {"NRIS_STORE": str(demo_store), "NRIS_BRIEFING_READY_DIR": str(ready),
           "NRIS_BRIEFING_POLL": "5"}  # fmt: skip
    # each page these tests open, preheated once for each time it is opened (the overview twice)
    # and not refilled while they run (a refill would be computed for nobody: the pool refill
    # is test_serve's); the alerts page has a server of its own (test_alerts_browser.py). No
    # outlook watcher (test_serve's stop tests have one): on the shared store it would only
    # evaluate the alert rules, for no page these tests open (2.4 CPU-seconds)
    pools = {"5_canh_bao.ipynb": {"pool_size": 0}, "1_tong_quan.ipynb": {"pool_size": 2},
             "default": {"pool_size": 1}}  # fmt: skip
    preheated = len(PAGES) + 1
    opts = serve.ServeOptions(
        port=_free_port(), pool_size=1, fill_delay=3600, warm_outlook=False, extra_env=env,
        boundaries=str(SHARED_TOPO) if SHARED_TOPO.exists() else None,
        extra_args=[f"--VoilaKernelManager.kernel_pools_config={json.dumps(pools)}"],
    )  # fmt: skip
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    server = serve.start(opts, log=log)
    deadline = time.monotonic() + 240
    while len(list(ready.glob("*.ready"))) < preheated and time.monotonic() < deadline:
        time.sleep(0.5)
    if len(list(ready.glob("*.ready"))) < preheated:  # say so here, not as a page timeout later
        server.stop()
        pytest.fail(
            f"preheated pages not ready after 240 s; Voilà log ends:\n{log.read_text()[-3000:]}"
        )
    yield server
    server.stop()


def _open(browser, url: str):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    outside: list[str] = []

    def route(r):
        u = r.request.url
        if u.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            return r.continue_()
        outside.append(u)
        return r.abort()

    ctx.route("**/*", route)
    page = ctx.new_page()
    page.goto(url)
    # the live widgets (not the static copy the page shows first) are in place
    page.wait_for_selector(".nris-page.nris-live.nris-ready-vi .nris-chart svg", timeout=120_000)
    page.wait_for_selector(".nris-ssr", state="detached", timeout=60_000)
    return ctx, page, outside


def _chart_html(page) -> str:
    return page.eval_on_selector_all(
        ".nris-page .nris-chart svg", "els => els.map(e => e.outerHTML).join('')"
    )


def _screenshot(page, path: Path) -> None:
    """The whole page: Voilà scrolls inside its own container, so grow the viewport to fit."""
    height = page.evaluate("() => document.querySelector('.nris-page').scrollHeight")
    page.set_viewport_size({"width": 1280, "height": min(int(height) + 160, 6000)})
    # laid out again for the new size by the second frame after it (not a fixed 300 ms)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _change(page, nb: str) -> None:
    if nb.startswith("1_"):
        page.select_option(".nris-area select", label="Thành phố Hồ Chí Minh")
    elif nb.startswith("2_"):
        page.select_option(".nris-transform select", label="So với cùng kỳ (%)")
    elif nb.startswith("3_"):
        page.select_option(".nris-province select", label="Thành phố Hồ Chí Minh")
    else:
        page.select_option(".nris-period select", index=1)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("nb", list(PAGES))
def test_briefing_in_browser(voila_server: serve.Server, browser, nb: str) -> None:
    shots = paths.reports_dir() / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    ctx, page, outside = _open(browser, voila_server.url(nb))
    try:
        page.wait_for_timeout(500)
        # no error output: no Python error cell, no error box of ours, no traceback text
        assert (
            page.locator(".jp-OutputArea-output[data-mime-type*='stderr'], .nris-error").count()
            == 0
        )
        body = page.inner_text("body")
        assert "Traceback" not in body and "Error" not in body
        assert "DỮ LIỆU MẪU" in body and "Số liệu đến" in body
        # every chart drew marks
        n_charts = page.locator(".nris-page .nris-chart svg").count()
        assert n_charts >= 1
        marks = page.eval_on_selector_all(
            ".nris-page .nris-chart svg",
            "els => els.map(e => e.querySelectorAll('path, rect, circle, line, polyline').length)",
        )
        assert all(m > 0 for m in marks), marks
        _screenshot(page, shots / f"{PAGES[nb]}.png")
        # a widget changes the chart
        before = _chart_html(page)
        _change(page, nb)
        page.wait_for_function(
            "b => Array.from(document.querySelectorAll('.nris-page .nris-chart svg'))"
            ".map(e => e.outerHTML).join('') !== b", arg=before, timeout=60_000,
        )  # fmt: skip
        # the English switch changes the labels
        page.get_by_role("button", name="English").click()
        page.wait_for_selector(".nris-page.nris-ready-en", timeout=60_000)
        body_en = page.inner_text("body")
        assert "DEMO DATA" in body_en and "Số liệu đến" not in body_en
        _screenshot(page, shots / f"{PAGES[nb]}_en.png")
        assert outside == [], f"requests beyond localhost: {outside}"
    finally:
        ctx.close()


@pytest.mark.browser
@pytest.mark.slow
def test_page_is_readable_before_its_javascript(voila_server: serve.Server, browser) -> None:
    """The charts are in the page's HTML: they show even when Voilà's JavaScript never arrives."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})

    def route(r):
        u = r.request.url
        if u.startswith(("http://127.0.0.1", "data:")) and "/voila/static/" not in u:
            return r.continue_()
        return r.abort()

    ctx.route("**/*", route)
    page = ctx.new_page()
    try:
        page.goto(voila_server.url("1_tong_quan.ipynb"))
        page.wait_for_selector(".nris-static.nris-ready-vi .nris-chart svg", timeout=120_000)
        assert page.locator(".nris-static .nris-card").first.is_visible()
        assert "DỮ LIỆU MẪU" in page.inner_text("body")
        marks = page.eval_on_selector_all(
            ".nris-static .nris-chart svg",
            "els => els.map(e => e.querySelectorAll('path, rect, circle, line, polyline').length)",
        )
        assert marks and all(m > 0 for m in marks)
        assert page.locator(".nris-live").count() == 0  # no live widgets without the JavaScript
        assert page.locator(".nris-static select").first.is_disabled()
    finally:
        ctx.close()


@pytest.mark.browser
@pytest.mark.slow
def test_tree_page_lists_the_briefings_offline(voila_server: serve.Server, browser) -> None:
    ctx, outside = browser.new_context(), []

    def route(r):
        if r.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:")):
            return r.continue_()
        outside.append(r.request.url)
        return r.abort()

    ctx.route("**/*", route)
    page = ctx.new_page()
    page.goto(voila_server.url())
    page.wait_for_selector("text=1_tong_quan", timeout=30_000)
    html = page.content()
    ctx.close()
    assert all(nb.removesuffix(".ipynb") in html for nb in PAGES)
    assert outside == [], outside


def _wait_ready(folder: Path, n: int, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while len(list(folder.glob("*.ready"))) < n:
        assert time.monotonic() < deadline, f"only {len(list(folder.glob('*.ready')))} of {n} ready"
        time.sleep(0.3)


@pytest.mark.slow
def test_preheated_page_is_recomputed_for_a_new_snapshot(demo_store: Path, tmp_path: Path) -> None:
    """A page preheated before new submissions is handed out with the new figures, not the old."""
    import urllib.request

    store = tmp_path / "store"
    shutil.copytree(demo_store, store)
    # the page quickest to compute (1.3 CPU-seconds, the report page 2.4): any page is recycled
    ready, nb = tmp_path / "ready", "1_tong_quan.ipynb"
    pools = {nb: {"pool_size": 1}, "default": {"pool_size": 0}}
    env = {"NRIS_STORE": str(store), "NRIS_BRIEFING_READY_DIR": str(ready),
           "NRIS_BRIEFING_POLL": "1"}  # fmt: skip
    opts = serve.ServeOptions(
        port=_free_port(), pool_size=0, fill_delay=0, warm_outlook=False, extra_env=env,
        extra_args=[f"--VoilaKernelManager.kernel_pools_config={json.dumps(pools)}"],
    )  # fmt: skip
    server = serve.start(opts, log=tmp_path / "voila.log")
    try:
        _wait_ready(ready, 1)
        old = json.loads((store / "current.json").read_text())["file"]
        new = _publish_copy(store)
        _wait_ready(ready, 2)  # the stale page was recomputed in a fresh kernel
        with urllib.request.urlopen(server.url(nb), timeout=60) as resp:
            page = resp.read().decode()
        assert f"nris-snapshot: {new}" in page and f"nris-snapshot: {old}" not in page
        assert "20/07/2022" in page  # the new as-of date, in the static copy itself
        assert "recomputing 1 preheated page" in (tmp_path / "voila.log").read_text()
    finally:
        server.stop()


@pytest.mark.slow
def test_token_is_enforced(tmp_path: Path, use_store: Path) -> None:
    import urllib.error
    import urllib.request

    token = "t0k3n-" + "x" * 20
    opts = serve.ServeOptions(port=_free_port(), token=token, preheat=False, warm_outlook=False)
    server = serve.start(opts, log=tmp_path / "voila.log")
    try:
        plain = f"http://127.0.0.1:{opts.port}/"
        try:
            with urllib.request.urlopen(plain, timeout=30) as resp:
                assert "login" in resp.geturl()  # sent to the login page, not the briefings
                assert "1_tong_quan" not in resp.read().decode()
        except urllib.error.HTTPError as exc:
            assert exc.code in (401, 403)
        with urllib.request.urlopen(server.url(), timeout=30) as ok:
            assert ok.status == 200 and "login" not in ok.geturl()
    finally:
        server.stop()
