"""The alerts page (5_canh_bao) served by Voilà and drawn by headless Chromium, vi and en."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
from test_alerts import _customs_july
from test_briefings import _free_port, _screenshot
from test_ingest_helpers import copy_store

import analytics
from analytics import ingest, paths
from workbench import serve
from workbench.alerts import book
from workbench.alerts.evaluate import evaluate

PAGE = "5_canh_bao.ipynb"


@pytest.fixture(scope="module")
def alerts_server(demo_store: Path, tmp_path_factory: pytest.TempPathFactory):
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian chromium not installed")
    tmp = tmp_path_factory.mktemp("alerts-serve")
    folder = copy_store(demo_store, tmp / "store")
    (folder / "alerts.sqlite").unlink(missing_ok=True)
    mp = pytest.MonkeyPatch()
    mp.setenv("NRIS_STORE", str(folder))
    mp.setenv("NRIS_ALERT_SPOOL", "off")
    ingest.submit(_customs_july(tmp, 3.0), received_at=dt.datetime(2022, 8, 3, 9))
    evaluate(which=("interval", "reports"), outlook=False, as_of="2022-08-10")
    spike = book.alerts().set_index("key").loc["interval|EXPORTS|VN|2022-07"]
    book.acknowledge([int(spike["alert_id"])], "lan")
    ready = tmp / "ready"
    env = {"NRIS_STORE": str(folder), "NRIS_BRIEFING_READY_DIR": str(ready),
           "NRIS_BRIEFING_POLL": "0", "NRIS_ALERT_SPOOL": "off"}  # fmt: skip
    # preheated, as `nris serve` runs: the pages are computed before anyone asks for them, and
    # a drill-down link's address reaches its page when the request arrives
    # only the pages the tests open are preheated, once for each time they are opened (the
    # alerts page twice), and not refilled while they run (a kernel computing any other page, or
    # a refill, would serve nobody; the pool refill is test_serve's)
    pools = {PAGE: {"pool_size": 2}, "2_chi_tieu.ipynb": {"pool_size": 1},
             "default": {"pool_size": 0}}  # fmt: skip
    opts = serve.ServeOptions(
        port=_free_port(), pool_size=1, fill_delay=3600, warm_outlook=False, extra_env=env,
        extra_args=[f"--VoilaKernelManager.kernel_pools_config={json.dumps(pools)}"],
    )  # fmt: skip
    server = serve.start(opts, log=tmp / "voila.log")
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not (
            len(list(ready.glob("alerts-*.ready"))) >= 2 and list(ready.glob("indicator-*.ready"))
        ):
            time.sleep(0.5)
        yield server, folder
    finally:
        server.stop()
        mp.undo()


@pytest.mark.browser
@pytest.mark.slow
def test_alerts_page_in_chromium(alerts_server, browser) -> None:
    server, folder = alerts_server
    shots = paths.reports_dir() / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    outside: list[str] = []

    def route(r):
        u = r.request.url
        if u.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            return r.continue_()
        outside.append(u)
        return r.abort()

    ctx.route("**/*", route)
    try:
        page = ctx.new_page()
        page.goto(server.url(PAGE), timeout=240_000)
        page.wait_for_selector(
            ".nris-page.nris-live.nris-ready-vi .nris-alert-count", timeout=240_000
        )
        n = int(page.get_attribute(".nris-page.nris-live .nris-alert-count", "data-count") or -1)
        assert n == len(book.alerts("active")) and n > 1
        rows = page.locator(".nris-page.nris-live table.nris-table tr")
        assert rows.count() == n + 1  # a header, then one row per alert
        body = page.inner_text(".nris-page.nris-live")
        assert "Cảnh báo đang mở" in body and "Đã ghi nhận (lan, " in body
        assert "Kim ngạch xuất khẩu hàng hóa tháng 7/2022 đạt" in body
        assert page.locator(".nris-page.nris-live .nris-error").count() == 0
        link = page.locator('.nris-page.nris-live a[href^="2_chi_tieu.ipynb?code=EXPORTS"]')
        assert link.count() == 1
        _screenshot(page, shots / "alerts.png")
        page.get_by_role("button", name="English").click()
        page.wait_for_selector(".nris-page.nris-live.nris-ready-en", timeout=60_000)
        body_en = page.inner_text(".nris-page.nris-live")
        assert "Active alerts" in body_en and "Acknowledged (lan, " in body_en
        assert "above its 95% forecast interval" in body_en and "Cảnh báo đang mở" not in body_en
        _screenshot(page, shots / "alerts_en.png")
        # a filter redraws the table: only the high-severity alerts
        page.select_option(".nris-page.nris-live .nris-severity select", label="High")
        high = len(book.alerts("active", "high"))
        page.wait_for_function(
            "n => document.querySelectorAll('.nris-page.nris-live table.nris-table tr').length"
            " === n + 1", arg=high, timeout=60_000,
        )  # fmt: skip
        assert outside == [], f"requests beyond localhost: {outside}"
    finally:
        ctx.close()


@pytest.mark.browser
@pytest.mark.slow
def test_an_alert_link_drills_down_in_chromium(alerts_server, browser) -> None:
    server, _ = alerts_server
    alert = next(r for r in book.alerts().itertuples() if r.indicator and r.indicator != "EXPORTS")
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    try:
        page = ctx.new_page()
        page.goto(server.url(PAGE), timeout=240_000)
        page.wait_for_selector(
            ".nris-page.nris-live.nris-ready-vi .nris-alert-count", timeout=240_000
        )
        page.locator(f'.nris-page.nris-live a[href="{alert.link}"]').first.click()
        page.wait_for_selector(
            ".nris-page.nris-live.nris-ready-vi .nris-chart svg", timeout=240_000
        )
        name = analytics.catalog().indicator(alert.indicator)["name_vi"]
        page.wait_for_function(  # a preheated page switches once the request has reached it
            "n => { const s = document.querySelector('.nris-page.nris-live .nris-indicator select');"
            " return s && s.options[s.selectedIndex].text.replace(/\\u00a0/g, ' ') === n; }",
            arg=name, timeout=60_000,
        )  # fmt: skip
        chosen = page.eval_on_selector(
            ".nris-page.nris-live .nris-indicator select", "s => s.options[s.selectedIndex].text"
        )
        assert chosen.replace("\xa0", " ") == name
        assert alert.indicator != "EXPORTS"  # not the page's default: the address chose it
    finally:
        ctx.close()
