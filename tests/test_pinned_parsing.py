"""Pinned behaviour of ``validation.parse_form`` and its helpers on files built as officers send them:
where the header fields and the table are found, which rows are data, notes or blank, and what a
cell's value reads as. Each test writes a real CSV or XLSX file and reads it back through
``submission_files.read_sheets``, as ``ingest.check`` does.

The form is the province's monthly template (``form_grid``: the header on rows 2-7, the table's
column titles on row 9, the indicators on rows 10-21; column B the code, D the area, E the unit, F
the value).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from test_ingest_helpers import (
    RECEIVED,
    data_rows,
    form_grid,
    header_row,
    write_csv,
    write_workbook,
)

from analytics import validation
from analytics.catalog import catalog
from analytics.submission_files import read_sheets


def _read(path: Path) -> validation.Form:
    return validation.parse_form(read_sheets(path.read_bytes(), path.name))


def _validate(path: Path, received: dt.datetime = RECEIVED) -> validation.Checked:
    return validation.validate(_read(path), catalog(), None, received)


def _insert_after_table(grid: list[list], rows: list[list]) -> None:
    at = grid.index(data_rows(grid)[-1]) + 1
    grid[at:at] = rows


def test_notes_in_the_code_column_are_not_rows(tmp_path: Path) -> None:
    """A code cell with a blank value is a note when it holds a space, starts with '*', '(' or '-',
    or is longer than 40 characters; any other code with a blank value is a row to check."""
    grid = form_grid()
    _insert_after_table(
        grid,
        [
            ["", "I. Kinh tế", "", "", "", "", None, None],  # a section title
            ["", "(*)Sơ_bộ", "", "", "", "", None, None],
            ["", "*Ước_tính", "", "", "", "", None, None],
            ["", "-----", "", "", "", "", None, None],  # a rule drawn with dashes
            ["", "X" * 41, "", "", "", "", None, None],
        ],
    )
    checked = _validate(write_csv(tmp_path / "notes.csv", grid))
    assert checked.issues == []
    assert checked.obs["src_row"].tolist() == list(range(10, 22))
    form = _read(write_csv(tmp_path / "notes.csv", grid))
    assert [r["row"] for r in form.rows] == list(range(10, 22))


def test_codes_that_are_not_notes_are_checked(tmp_path: Path) -> None:
    """A 40-character code with a blank value, and a note-like code with a value, are rows."""
    grid = form_grid()
    _insert_after_table(
        grid,
        [
            ["", "Y" * 40, "", "04", "", "", None, None],
            ["", "I. Kinh tế", "", "04", "", "5", None, None],
            ["", "*CPI", "", "04", "", "5", None, None],
        ],
    )
    form = _read(write_csv(tmp_path / "codes.csv", grid))
    assert [(r["row"], r["code"]) for r in form.rows[-3:]] == [
        (22, "Y" * 40),
        (23, "I. Kinh tế"),
        (24, "*CPI"),
    ]
    checked = validation.validate(form, catalog(), None, RECEIVED)
    assert [(i.kind, i.row) for i in checked.issues] == [
        ("unknown_indicator", 22),
        ("unknown_indicator", 23),
        ("unknown_indicator", 24),
    ]


def test_an_issue_reads_in_vietnamese_unless_asked_otherwise(tmp_path: Path) -> None:
    grid = form_grid()
    data_rows(grid)[2][5] = "1,2x"
    [issue] = _validate(write_csv(tmp_path / "BaoCao.csv", grid)).issues
    assert issue.where() == "trang 'BaoCao', dòng 12, cột F, giá trị '1,2x'"
    assert (
        issue.line() == "trang 'BaoCao', dòng 12, cột F, giá trị '1,2x': giá trị không phải là số"
    )
    assert (
        issue.line("en") == "sheet 'BaoCao', row 12, column F, value '1,2x': value is not a number"
    )


def test_json_nan_and_infinity_are_not_numbers() -> None:
    """A JSON report (the API's body, parsed as the API parses it) may carry NaN or a number too
    large for a float (1e999 reads as infinity): neither is a value, whatever its magnitude."""
    from workbench.api.submissions import SubmissionIn, json_sheets

    grid = form_grid()
    rows = [f'{{"indicator": "{r[1]}", "area": "04", "value": {r[5]}}}' for r in data_rows(grid)]
    rows[2] = '{"indicator": "CPI", "area": "04", "value": NaN}'
    rows[3] = '{"indicator": "CPI_YOY", "area": "04", "value": 1e999}'
    body = f'{{"regime": "BC_KTXH_THANG", "period": "2022-07", "rows": [{", ".join(rows)}]}}'
    doc = SubmissionIn.model_validate_json(body)
    form = validation.parse_form(json_sheets(doc, "UBND_04"))
    checked = validation.validate(form, catalog(), "UBND_04", RECEIVED)
    assert [i.line("en") for i in checked.issues] == [
        "sheet 'json', row 8, column D, value 'nan': value is not a number",
        "sheet 'json', row 9, column D, value 'inf': value is not a number",
    ]
    assert checked.obs["src_row"].tolist() == [6, 7, *range(10, 18)]


def _typed_form() -> list[list]:
    """A form typed by hand: label and value only, required fields starred, labels ending in ':',
    a previous period named below the period, the table's columns in another order."""
    grid: list[list] = [
        ["BÁO CÁO TÌNH HÌNH KINH TẾ - XÃ HỘI THÁNG"],
        ["*Cơ quan báo cáo:", "UBND_04"],
        ["*Chế độ báo cáo:", "BC_KTXH_THANG"],
        ["*Kỳ báo cáo:", "2022-07"],
        ["Kỳ báo cáo trước:", "2022-06"],
        ["Trạng thái:", "Chính thức"],
        [],
        ["Mã chỉ tiêu (*)", "Giá trị:", "Đơn vị tính", "Địa bàn"],
    ]
    for r in data_rows(form_grid()):
        grid.append([r[1], r[5], r[4], r[3]])
    return grid


def test_a_form_typed_by_hand_is_found(tmp_path: Path) -> None:
    """Header labels lose a leading '*' and a trailing ':', column titles a trailing ':' or '(*)';
    a header field is the first row naming it; two cells are enough for a header row."""
    grid = _typed_form()
    assert grid[12][0] == "RETAIL_SALES"
    grid[12][1] = "12.345,6"  # as Vietnamese offices write numbers
    path = write_csv(tmp_path / "tay.csv", grid)
    form = _read(path)
    assert form.header == {
        "agency": ("UBND_04", "tay", 2, "B"),
        "regime": ("BC_KTXH_THANG", "tay", 3, "B"),
        "period": ("2022-07", "tay", 4, "B"),
        "status": ("Chính thức", "tay", 6, "B"),
    }
    assert form.columns == {"code": "A", "value": "B", "unit": "C", "area": "D"}
    assert (form.sheet, [r["row"] for r in form.rows]) == ("tay", list(range(9, 21)))
    checked = validation.validate(form, catalog(), None, RECEIVED)
    assert checked.issues == []
    assert (checked.agency, checked.period, checked.status) == (
        "UBND_04",
        dt.date(2022, 7, 1),
        "official",
    )
    assert checked.obs.set_index("indicator")["value"]["RETAIL_SALES"] == 12345.6


@pytest.mark.parametrize(
    ("regime", "period", "typed", "vi_want", "en_want"),
    [
        ("BC_KTXH_6THANG", "2022-H1", "2022-06", "6 tháng, vd 2026-H1", "six months, e.g. 2026-H1"),
        (
            "BC_KTXH_9THANG",
            "2022-9M",
            "2022-Q3",
            "9 tháng, vd 2026-9M",
            "nine months, e.g. 2026-9M",
        ),
        ("BC_KTXH_NAM", "2021", "2021-H1", "năm, vd 2026", "a year, e.g. 2026"),
    ],
)
def test_a_period_of_the_wrong_kind_names_the_kind_the_regime_needs(
    regime: str, period: str, typed: str, vi_want: str, en_want: str, tmp_path: Path
) -> None:
    grid = form_grid("UBND_04", regime, period)
    header_row(grid, "Kỳ báo cáo")[1] = typed
    checked = _validate(write_csv(tmp_path / "p.csv", grid), received=dt.datetime(2022, 12, 30))
    [error] = checked.errors
    assert error.line("en") == (
        f"sheet 'p', row 4, column B, value '{typed}': period does not match the frequency of "
        f"regime {regime}: expected {en_want}"
    )
    assert error.vi == f"kỳ báo cáo không khớp tần suất của chế độ {regime}: cần {vi_want}"
    assert (checked.period, checked.obs.empty) == (None, True)


@pytest.mark.parametrize(
    ("received", "kind", "vi"),
    [
        (dt.datetime(2022, 6, 30, 23, 59), "period_window", "01/07/2022"),
        (dt.datetime(2022, 7, 1), None, ""),
        (dt.datetime(2022, 8, 6, 17, 0), None, ""),
        (dt.datetime(2022, 8, 6, 17, 1), "late", "17:00 06/08/2022"),
    ],
)
def test_a_statistical_report_covers_the_calendar_month(
    received: dt.datetime, kind: str | None, vi: str, tmp_path: Path
) -> None:
    """NSO's monthly report (``reference: calendar``) for July opens on 1 July, not on the 15th of
    June as an administrative report's cut-off window does, and is due on 6 August at 17:00."""
    grid = form_grid("NSO", "TK_KTXH_THANG", "2022-07")
    checked = _validate(write_csv(tmp_path / "nso.csv", grid), received=received)
    assert [i.kind for i in checked.issues] == ([kind] if kind else [])
    if kind == "period_window":
        assert checked.issues[0].en == (
            "the period is not open yet: its cut-off window starts on 2022-07-01"
        )
        assert checked.issues[0].vi.endswith(f"bắt đầu từ {vi}")
        assert (checked.period, checked.obs.empty) == (None, True)  # nothing to store yet
    if kind == "late":
        assert checked.issues[0].en == "late: the report was due 2022-08-06 17:00"
        assert checked.issues[0].vi == f"nộp muộn: hạn nộp là {vi}"


def _two_sheets(path: Path, cover: list[list], table: list[list]) -> Path:
    return write_workbook(path, {"Bia": cover, "BaoCao": table})


def test_header_fields_on_a_cover_sheet_are_read(tmp_path: Path) -> None:
    """A workbook with the agency, regime and period on a cover sheet and the table on the next
    reads as the one-sheet form; the table's own sheet wins where both give a field."""
    grid = form_grid()
    at = grid.index(header_row(grid, "STT"))
    path = _two_sheets(tmp_path / "cover.xlsx", grid[:at], grid[at:])
    form = _read(path)
    assert (form.sheet, form.header["agency"], form.header["period"]) == (
        "BaoCao",
        ("UBND_04", "Bia", 2, "B"),
        ("2022-07", "Bia", 4, "B"),
    )
    checked = _validate(path)
    assert checked.issues == []
    assert (checked.agency, checked.regime, checked.period) == (
        "UBND_04",
        "BC_KTXH_THANG",
        dt.date(2022, 7, 1),
    )
    assert checked.obs["src_row"].tolist() == list(range(2, 14))

    stale = form_grid(period="2022-06")  # last month's cover left in front of this month's table
    path = _two_sheets(tmp_path / "both.xlsx", stale[:at], grid)
    form = _read(path)
    assert form.header["period"] == ("2022-07", "BaoCao", 4, "B")
    assert form.header["status"][1:] == ("BaoCao", 7, "B")


def test_a_bad_field_on_the_cover_sheet_is_located_there(tmp_path: Path) -> None:
    grid = form_grid()
    header_row(grid, "Kỳ báo cáo")[1] = "2022-13"
    at = grid.index(header_row(grid, "STT"))
    checked = _validate(_two_sheets(tmp_path / "cover.xlsx", grid[:at], grid[at:]))
    [error] = checked.errors
    assert error.where("en") == "sheet 'Bia', row 4, column B, value '2022-13'"
