"""Submissions as agencies send them are read, validated, stored once, revised with vintages."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path

import pytest
import xlsxwriter
from test_ingest_helpers import (
    AGENCY,
    RECEIVED,
    copy_store,
    data_rows,
    form_grid,
    header_row,
    write_csv,
    write_xlsx,
)

import analytics
from analytics import ingest, store


@pytest.fixture
def store_copy(demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = copy_store(demo_store, tmp_path / "store")
    monkeypatch.setenv("NRIS_STORE", str(folder))
    return folder


def _vi_text(value: float) -> str:
    return analytics.fmt.number(value, 2, "vi")


def test_valid_xlsx_is_stored_with_a_new_vintage(store_copy: Path, tmp_path: Path) -> None:
    grid = form_grid()
    path = write_xlsx(tmp_path / "hn.xlsx", grid)
    before = store.snapshot_info()
    result = ingest.submit(path, received_at=RECEIVED)
    assert result.status == "accepted", result.report()
    assert result.n_rows == len(data_rows(grid)) == 12
    after = store.snapshot_info()
    assert after["rows"] == before["rows"] + 12
    got = analytics.load("CPI", areas="04", start="2022-07", end="2022-07", frame="pandas")
    cpi = next(r[5] for r in data_rows(grid) if r[1] == "CPI")
    assert got["value"].iloc[0] == pytest.approx(cpi)
    assert got["submission_id"].iloc[0] == result.submission_id
    assert got["status"].iloc[0] == "preliminary"


def test_a_receipt_is_stamped_in_vietnamese_time_on_a_utc_server(
    store_copy: Path, tmp_path: Path
) -> None:
    """The vintage (and the late/on-time judgement against 17:00) is Hà Nội's clock, not the
    process's: a UTC server would be seven hours behind."""
    import time
    from zoneinfo import ZoneInfo

    vn = ZoneInfo("Asia/Ho_Chi_Minh")
    with pytest.MonkeyPatch.context() as m:
        m.setenv("TZ", "UTC")
        time.tzset()
        before = dt.datetime.now(vn).replace(tzinfo=None, microsecond=0)
        result = ingest.submit(write_csv(tmp_path / "hn.csv", form_grid()))
        after = dt.datetime.now(vn).replace(tzinfo=None)
    time.tzset()
    assert result.status == "accepted", result.report()
    got = analytics.load("CPI", areas="04", start="2022-07", end="2022-07", frame="pandas")
    assert before <= got["vintage"].iloc[0].to_pydatetime() <= after


def test_same_file_twice_stores_nothing_new(store_copy: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", form_grid())
    first = ingest.submit(path, received_at=RECEIVED)
    info = store.snapshot_info()
    second = ingest.submit(path, received_at=RECEIVED + dt.timedelta(hours=1))
    assert (first.status, second.status) == ("accepted", "duplicate")
    assert second.duplicate_of == first.submission_id
    assert store.snapshot_info()["file"] == info["file"]
    subs = analytics.submissions()  # the duplicate is audited too, with nothing stored
    same = subs[subs["file_hash"] == first.file_hash].sort_values("submission_id")
    assert same["status"].tolist() == ["accepted", "duplicate"]
    assert same["submission_id"].tolist() == [first.submission_id, second.submission_id]
    assert same["n_rows"].tolist() == [12, 0]
    assert f'"duplicate_of": {first.submission_id}' in same["reasons"].iloc[1]


def test_revision_adds_a_vintage_and_keeps_the_old_one(store_copy: Path, tmp_path: Path) -> None:
    grid = form_grid()
    first = ingest.submit(write_csv(tmp_path / "v1.csv", grid), received_at=RECEIVED)
    for row in data_rows(grid):
        if row[1] == "RETAIL_SALES":
            old, row[5] = row[5], row[5] * 1.05
    header_row(grid, "Trạng thái")[1] = "chính thức"
    later = RECEIVED + dt.timedelta(days=20)
    second = ingest.submit(write_csv(tmp_path / "v2.csv", grid), received_at=later)
    assert first.status == second.status == "accepted"
    assert second.n_revised == 12
    now = analytics.load("RETAIL_SALES", "04", "2022-07", "2022-07", frame="pandas")
    then = analytics.load(
        "RETAIL_SALES", "04", "2022-07", "2022-07", as_of=RECEIVED, frame="pandas"
    )
    assert now["value"].iloc[0] == pytest.approx(old * 1.05)
    assert now["status"].iloc[0] == "revised"
    assert then["value"].iloc[0] == pytest.approx(old)
    hist = analytics.submission_history("RETAIL_SALES", "04", "2022-07")
    assert hist["submission_id"].tolist() == [first.submission_id, second.submission_id]
    assert hist["file_name"].tolist() == ["v1.csv", "v2.csv"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1258"])
def test_csv_encodings_nfd_decimal_comma_blank_rows_and_notes(
    store_copy: Path, tmp_path: Path, encoding: str
) -> None:
    grid = form_grid()
    rows = data_rows(grid)
    expected = {r[1]: round(r[5], 2) for r in rows}
    for r in rows:
        r[5] = _vi_text(r[5])  # "1.234,56" as a Vietnamese office writes it
        r[4] = unicodedata.normalize("NFD", str(r[4]))
    grid = (
        [unicodedata.normalize("NFD", c) if isinstance(c, str) else c for c in grid[0]],
        *[
            [unicodedata.normalize("NFD", c) if isinstance(c, str) else c for c in row]
            for row in grid[1:]
        ],
    )
    grid = list(grid)
    at = grid.index(next(r for r in grid if r and r[0] == 3))
    grid.insert(at, [])  # a blank row inside the table
    grid.append(["Người lập biểu: Nguyễn Văn A"])
    grid.append(["Ghi chú: số liệu ước tính"])
    path = write_csv(tmp_path / "f.csv", grid, encoding=encoding, delimiter=";")
    result = ingest.submit(path, received_at=RECEIVED)
    assert result.status == "accepted", result.report()
    got = analytics.load(list(expected), "04", "2022-07", "2022-07", frame="pandas")
    assert dict(zip(got["indicator"], got["value"], strict=True)) == pytest.approx(expected)


def test_xlsx_formulas_use_cached_values_and_numbers_as_text(
    store_copy: Path, tmp_path: Path
) -> None:
    grid = form_grid()
    path = tmp_path / "f.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Sheet1")
    expected = {}
    for i, row in enumerate(grid):
        for j, cell in enumerate(row):
            if cell is None:
                continue
            if j == 5 and isinstance(row[0], int) and i % 2:
                ws.write_formula(i, j, f"={cell}*2/2", None, cell)  # cached value = cell
            elif j == 5 and isinstance(row[0], int):
                ws.write_string(i, j, f"{cell:,.2f}")  # number stored as text, "1,234.50"
            else:
                ws.write(i, j, cell)
            if j == 5 and isinstance(row[0], int):
                expected[row[1]] = round(cell, 2)
    wb.close()
    result = ingest.submit(path, received_at=RECEIVED)
    assert result.status == "accepted", result.report()
    got = analytics.load(list(expected), "04", "2022-07", "2022-07", frame="pandas")
    assert dict(zip(got["indicator"], got["value"], strict=True)) == pytest.approx(expected)


def test_national_agency_provinces_must_add_up_warning_only(
    store_copy: Path, tmp_path: Path
) -> None:
    grid = form_grid("NSO", "TK_KTXH_THANG", "2022-07")
    table = data_rows(grid)
    retail = next(r for r in table if r[1] == "RETAIL_SALES")
    retail[5] = 1000.0
    for k, prov in enumerate(["01", "04", "08"]):
        grid.append([100 + k, "RETAIL_SALES", "", prov, "", 400.0, None, None])  # 1200 > 1000
    result = ingest.submit(write_csv(tmp_path / "nso.csv", grid), received_at=RECEIVED)
    assert result.status == "accepted", result.report()
    assert "add_up" in {w.kind for w in result.warnings}
    assert result.n_rows == len(table) + 3


def test_outlier_is_a_warning_not_a_rejection(store_copy: Path, tmp_path: Path) -> None:
    grid = form_grid()
    next(r for r in data_rows(grid) if r[1] == "CPI")[5] = 999.0
    result = ingest.submit(write_csv(tmp_path / "o.csv", grid), received_at=RECEIVED)
    assert result.status == "accepted"
    assert [w.row for w in result.warnings if w.kind == "outlier" and "CPI " in w.en]


def test_inbox_moves_files_with_reports(store_copy: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = write_csv(inbox / "good.csv", form_grid())
    bad_grid = form_grid()
    data_rows(bad_grid)[0][5] = "mười"
    write_csv(inbox / "bad.csv", bad_grid)
    (inbox / "~$good.xlsx").write_bytes(b"lock")  # Excel's lock file is left alone
    results = ingest.ingest_folder(inbox)
    assert sorted(r.status for r in results) == ["accepted", "rejected"]
    assert (inbox / "accepted" / "good.csv").exists() and not good.exists()
    report = json.loads((inbox / "rejected" / "bad.csv.report.json").read_text("utf-8"))
    assert report["issues"][0]["kind"] == "not_a_number"
    assert "giá trị không phải là số" in (inbox / "rejected" / "bad.csv.report.txt").read_text()
    assert (inbox / "~$good.xlsx").exists()


def test_cli_submit_and_status(store_copy: Path, tmp_path: Path, capsys) -> None:
    from workbench.cli import main

    path = write_csv(tmp_path / "cli.csv", form_grid())
    assert main(["submit", str(path), "--agency", AGENCY]) == 0
    assert "ACCEPTED" in capsys.readouterr().out
    assert main(["submit", str(path)]) == 0
    assert "DUPLICATE" in capsys.readouterr().out
    assert main(["status", "--period", "2022-07", "--regime", "BC_KTXH_THANG"]) == 0
    assert "BC_KTXH_THANG" in capsys.readouterr().out
    assert main(["history", "CPI", "--area", "04", "--period", "2022-07"]) == 0
    assert "cli.csv" in capsys.readouterr().out
    assert main(["submit", str(tmp_path / "nope.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err
