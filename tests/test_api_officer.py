"""The data officers' page in headless Chromium (loopback only, JavaScript off): sign in, download
the template, upload a good and a bad file, read the result in Vietnamese and English."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from api_helpers import ROOT, Server, start, token
from test_ingest_helpers import copy_store, data_rows, form_grid, write_xlsx

SHOTS = ROOT / "reports" / "screenshots"


@pytest.fixture(scope="module")
def officer_server(demo_store: Path, tmp_path_factory: pytest.TempPathFactory):
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian chromium not installed")
    folder = copy_store(demo_store, tmp_path_factory.mktemp("officer") / "store")
    server = start(folder)
    server.tokens["hn"] = token(folder, "UBND_01")
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.browser
def test_officer_signs_in_uploads_and_reads_the_result(
    officer_server: Server, tmp_path: Path, browser
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []
    ctx = browser.new_context(
        viewport={"width": 1200, "height": 1000},
        java_script_enabled=False,
        accept_downloads=True,
    )
    try:

        def route(r):  # noqa: ANN001, ANN202
            if r.request.url.startswith("http://127.0.0.1"):
                return r.continue_()
            outside.append(r.request.url)
            return r.abort()

        ctx.route("**/*", route)
        page = ctx.new_page()
        page.goto(officer_server.url + "/officer")
        # a wrong token is refused on the page
        page.fill("#token", "nris_00000000_wrong")
        page.click("#signin")
        assert "sai, hết hạn" in page.inner_text("#error")
        page.fill("#token", officer_server.tokens["hn"])
        page.click("#signin")
        assert "UBND_01" in page.inner_text("header")
        cookies = ctx.cookies()
        assert [c["httpOnly"] for c in cookies if c["name"] == "nris_token"] == [True]
        # download the template for July 2022, fill it in, upload it
        page.select_option("#regime", "BC_KTXH_THANG")
        page.fill("#period", "2022-07")
        with page.expect_download() as dl:
            page.click("text=Tải biểu mẫu (.xlsx)")
        template = tmp_path / "template.xlsx"
        dl.value.save_as(template)
        wb = openpyxl.load_workbook(template)
        ws = wb.worksheets[0]
        grid = [list(r) for r in ws.iter_rows(values_only=True)]
        assert any(r[1] == "CPI" for r in data_rows(grid))
        good_grid = form_grid("UBND_01", "BC_KTXH_THANG", "2022-07")
        good = write_xlsx(tmp_path / "hanoi_2022-07.xlsx", good_grid)
        page.set_input_files("#file", str(good))
        page.click("#upload")
        assert page.inner_text("#verdict") == "Đã nhận báo cáo"
        page.screenshot(path=str(SHOTS / "officer_accepted_vi.png"), full_page=True)
        assert "hanoi_2022-07.xlsx" in page.inner_text("#history")
        # a bad file: its row-level problems, in Vietnamese, then in English
        bad_grid = form_grid("UBND_01", "BC_KTXH_THANG", "2022-08")
        row = next(r for r in data_rows(bad_grid) if r[1] == "IIP")
        row[5] = "mười hai"
        bad = write_xlsx(tmp_path / "hanoi_bad.xlsx", bad_grid)
        page.set_input_files("#file", str(bad))
        page.click("#upload")
        assert "từ chối" in page.inner_text("#verdict")
        problems = page.inner_text("#problems")
        line = bad_grid.index(row) + 1
        assert "giá trị không phải là số" in problems and "mười hai" in problems
        assert str(line) in problems
        page.screenshot(path=str(SHOTS / "officer_rejected_vi.png"), full_page=True)
        page.goto(officer_server.url + "/officer?lang=en")
        page.set_input_files("#file", str(bad))
        page.click("#upload")
        assert page.inner_text("#verdict") == "Report refused: nothing stored"
        assert "value is not a number" in page.inner_text("#problems")
        page.screenshot(path=str(SHOTS / "officer_rejected_en.png"), full_page=True)
        history = page.inner_text("#history")
        assert "Rejected" in history and "Accepted" in history
    finally:
        ctx.close()
    assert outside == []
