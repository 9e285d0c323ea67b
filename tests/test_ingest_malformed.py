"""A corpus of malformed files, each refused for the right reason, leaving the snapshot untouched."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path

import hostile_files
import openpyxl
import pytest
from test_ingest_helpers import (
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

Grid = list[list]


def _set_value(code: str, value: object) -> Callable[[Grid], None]:
    def edit(grid: Grid) -> None:
        next(r for r in data_rows(grid) if r[1] == code)[5] = value

    return edit


def _set_col(code: str, col: int, value: object) -> Callable[[Grid], None]:
    def edit(grid: Grid) -> None:
        next(r for r in data_rows(grid) if r[1] == code)[col] = value

    return edit


def _set_header(label: str, value: object) -> Callable[[Grid], None]:
    def edit(grid: Grid) -> None:
        header_row(grid, label)[1] = value

    return edit


def _drop_header(label: str) -> Callable[[Grid], None]:
    def edit(grid: Grid) -> None:
        grid.remove(header_row(grid, label))

    return edit


def _add_row(row: list) -> Callable[[Grid], None]:
    return lambda grid: grid.insert(grid.index(data_rows(grid)[-1]) + 1, row)


def _drop_row(code: str) -> Callable[[Grid], None]:
    return lambda grid: grid.remove(next(r for r in data_rows(grid) if r[1] == code))


def _rename_value_column(grid: Grid) -> None:
    row = next(r for r in grid if r and str(r[0]).startswith("STT"))
    row[5] = "Số"


def _only_header(grid: Grid) -> None:
    for row in data_rows(grid):
        grid.remove(row)


# (name, edit of the form grid, file kind, submitting agency, expected error kind)
CASES: list[tuple[str, Callable[[Grid], None] | None, str, str | None, str]] = [
    ("unknown_indicator", _set_col("CPI", 1, "CPII"), "csv", None, "unknown_indicator"),
    ("not_in_regime", _add_row([99, "EXPORTS", "", "04", "", 5.0]), "csv", None, "not_in_regime"),
    ("unknown_area", _set_col("CPI", 3, "99"), "xlsx", None, "unknown_area"),
    ("other_province", _set_col("CPI", 3, "01"), "csv", None, "area_not_agency"),
    ("region_row", _set_col("IIP", 3, "R1"), "csv", None, "area_not_agency"),
    ("text_value", _set_value("CPI", "abc"), "csv", None, "not_a_number"),
    ("garbled_number", _set_value("IIP", "1,2,3a"), "xlsx", None, "not_a_number"),
    ("blank_value", _set_value("RETAIL_SALES", None), "csv", None, "missing_value"),
    ("blank_value_xlsx", _set_value("RETAIL_SALES", ""), "xlsx", None, "missing_value"),
    ("wrong_unit_xlsx", _set_col("CPI", 4, "%"), "xlsx", None, "unit"),
    ("unit_mismatch", _set_col("RETAIL_SALES", 4, "triệu USD"), "csv", None, "unit"),
    ("duplicate_row", _add_row([13, "CPI", "", "04", "", 101.0]), "csv", None, "duplicate_row"),
    ("missing_indicator", _drop_row("NEW_ENTERPRISES"), "xlsx", None, "missing_indicator"),
    ("unknown_agency", _set_header("Cơ quan", "UBND_99"), "csv", None, "unknown_agency"),
    ("not_a_submitter", _set_header("Cơ quan", "NSO"), "csv", None, "not_submitter"),
    ("unknown_regime", _set_header("Chế độ", "BC_KHONG_CO"), "csv", None, "unknown_regime"),
    ("no_regime", _drop_header("Chế độ"), "csv", None, "no_regime"),
    ("no_agency", _drop_header("Cơ quan"), "xlsx", None, "no_agency"),
    ("no_period", _drop_header("Kỳ báo cáo"), "csv", None, "no_period"),
    ("quarter_for_monthly", _set_header("Kỳ báo cáo", "2022-Q3"), "csv", None, "period_freq"),
    ("garbage_period", _set_header("Kỳ báo cáo", "tháng mười"), "csv", None, "period_freq"),
    ("future_period", _set_header("Kỳ báo cáo", "2030-01"), "xlsx", None, "period_window"),
    ("bad_status", _set_header("Trạng thái", "xyz"), "csv", None, "bad_status"),
    ("no_table", _rename_value_column, "csv", None, "no_table"),
    ("no_rows", _only_header, "csv", None, "no_rows"),
    ("agency_mismatch", None, "csv", "UBND_05", "agency_mismatch"),
    ("boolean_value", _set_value("CPI", True), "xlsx", None, "not_a_number"),
    ("date_value", _set_value("CPI", dt.datetime(2022, 7, 1)), "xlsx", None, "not_a_number"),
    ("code_missing", _set_col("CPI", 1, None), "csv", None, "no_code"),
    ("uncomputed_formula", _set_value("CPI", "=1+1"), "xlsx", None, "formula_no_value"),
    ("empty_file", None, "empty", None, "unreadable"),
    ("wrong_type", None, "pdf", None, "unreadable"),
    ("corrupt_xlsx", None, "corrupt", None, "unreadable"),
    ("absurd_value", _set_value("RETAIL_SALES", "1e308"), "csv", None, "implausible"),
    ("absurd_value_xlsx", _set_value("CPI", 1e308), "xlsx", None, "implausible"),
    ("absurd_percent", _set_value("CPI_YOY", -2e5), "xlsx", None, "implausible"),
    ("absurd_negative", _set_value("IIP", -5e13), "csv", None, "implausible"),
    ("infinite_value", _set_value("CPI", "inf"), "csv", None, "not_a_number"),
    ("nan_value", _set_value("IIP", "NaN"), "csv", None, "not_a_number"),
    # hostile files (tests/hostile_files.py; the big ones are in test_ingest_hostile.py)
    ("field_over_csv_limit", None, "long_field", None, "unreadable"),
    ("zip_bomb_ratio", None, "small_bomb", None, "unreadable"),
    ("xml_entity_bomb", None, "entity_bomb", None, "unreadable"),
    ("fifo", None, "fifo", None, "unreadable"),
    ("symlink_out", None, "symlink", None, "unreadable"),
]


def _make(tmp: Path, name: str, edit: Callable[[Grid], None] | None, kind: str) -> Path:
    if kind == "empty":
        (tmp / f"{name}.csv").write_bytes(b"")
        return tmp / f"{name}.csv"
    if kind == "pdf":
        (tmp / f"{name}.pdf").write_bytes(b"%PDF-1.4 CPI 101,2\n")
        return tmp / f"{name}.pdf"
    if kind == "corrupt":
        (tmp / f"{name}.xlsx").write_bytes(b"PK\x03\x04 not really a workbook" * 10)
        return tmp / f"{name}.xlsx"
    if kind == "long_field":  # past the csv module's 131,072 characters: a crash before
        return write_csv(tmp / f"{name}.csv", hostile_files.with_long_field(form_grid(), 140_000))
    if kind == "small_bomb":  # 2 MB of sheet XML packed ~1,000 times: refused before parsing
        return hostile_files.zip_bomb(tmp / f"{name}.xlsx", unpacked=2 * 1024**2)
    if kind == "entity_bomb":
        return hostile_files.entity_bomb(tmp / f"{name}.xlsx", form_grid())
    if kind == "fifo":
        return hostile_files.fifo(tmp / f"{name}.csv")
    if kind == "symlink":  # a valid form outside, reached through a link: never read
        outside = write_csv(tmp / "outside" / "valid.csv", form_grid())
        (tmp / f"{name}.csv").symlink_to(outside)
        return tmp / f"{name}.csv"
    grid = form_grid()
    if edit is not None:
        edit(grid)
    path = tmp / f"{name}.{kind}"
    return write_xlsx(path, grid) if kind == "xlsx" else write_csv(path, grid)


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 25
    assert len({c[0] for c in CASES}) == len(CASES)


def test_every_malformed_file_is_refused_and_leaves_the_snapshot_untouched(
    demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NRIS_STORE", str(copy_store(demo_store, tmp_path / "store")))
    info = store.snapshot_info()
    digest = hashlib.sha256(Path(info["path"]).read_bytes()).hexdigest()
    n_obs = store.read_query("SELECT count(*) AS n FROM observations")["n"].iloc[0]
    files = tmp_path / "files"
    (files / "outside").mkdir(parents=True)
    wrong = []
    for name, edit, kind, agency, expected in CASES:
        path = _make(files, name, edit, kind)
        result = ingest.submit(path, agency=agency, received_at=RECEIVED)
        kinds = {i.kind for i in result.errors}
        if result.status != "rejected" or expected not in kinds:
            wrong.append(f"{name}: {result.status}, {sorted(kinds)}")
        for issue in result.errors:  # each one says what and where, in both languages
            assert issue.vi and issue.en and issue.vi != issue.en
    assert wrong == []
    after = store.snapshot_info()
    assert after["file"] == info["file"]
    assert hashlib.sha256(Path(after["path"]).read_bytes()).hexdigest() == digest
    assert store.read_query("SELECT count(*) AS n FROM observations")["n"].iloc[0] == n_obs
    audit = analytics.submissions()  # the read side sees every attempt
    rejected = audit[audit["status"] == "rejected"]
    assert len(rejected) == len(CASES)
    assert set(rejected["file_name"]) == {_make_name(c) for c in CASES}
    assert (rejected["n_errors"] > 0).all() and rejected["reasons"].str.contains("kind").all()


def _make_name(case: tuple) -> str:
    name, _, kind = case[0], case[1], case[2]
    ext = {
        "empty": "csv",
        "pdf": "pdf",
        "corrupt": "xlsx",
        "long_field": "csv",
        "small_bomb": "xlsx",
        "entity_bomb": "xlsx",
        "fifo": "csv",
        "symlink": "csv",
    }.get(kind, kind)
    return f"{name}.{ext}"


def test_location_of_a_bad_cell_is_reported(demo_store: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("NRIS_STORE", str(copy_store(demo_store, tmp_path / "store")))
    grid = form_grid()
    _set_value("CPI", "12,3x")(grid)
    path = write_xlsx(tmp_path / "loc.xlsx", grid)
    checked, _ = ingest.check(path, received_at=RECEIVED)
    (err,) = checked.errors
    ws = openpyxl.load_workbook(path).active
    assert ws is not None
    assert ws[f"{err.column}{err.row}"].value == "12,3x" == err.value
    assert err.sheet == "BaoCao"
    assert "dòng" in err.line("vi") and "row" in err.line("en")
