"""Pinned messages of the validation rules: each malformed file of ``test_ingest_malformed``'s corpus
gives exactly these issues, in this order, each line saying what and where in both languages.

The lines were read one by one against the form (``form_grid``: the header on rows 2-7, the
indicator table from row 10, CPI on row 12, column B the code, D the area, E the unit, F the value).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from test_ingest_helpers import RECEIVED, data_rows, form_grid, header_row, write_csv
from test_ingest_malformed import CASES, _make

from analytics import ingest, validation

PINNED: dict[str, tuple[list[str], list[tuple[str, str]]]] = {
    "unknown_indicator": (
        ["unknown_indicator", "missing_indicator"],
        [
            (
                "sheet 'unknown_indicator', row 12, column B, value 'CPII': unknown indicator 'CPII'; nearest valid codes: CPI, IIP, CPI_YOY, CPI_MOM, GINI",
                "trang 'unknown_indicator', dòng 12, cột B, giá trị 'CPII': Không có chỉ tiêu 'CPII'; mã gần nhất: CPI, IIP, CPI_YOY, CPI_MOM, GINI",
            ),
            (
                "value 'CPI': indicator CPI of regime BC_KTXH_THANG is missing",
                "giá trị 'CPI': thiếu chỉ tiêu CPI của chế độ BC_KTXH_THANG",
            ),
        ],
    ),
    "not_in_regime": (
        ["not_in_regime", "area_level"],
        [
            (
                "sheet 'not_in_regime', row 22, column B, value 'EXPORTS': indicator EXPORTS is not carried by regime BC_KTXH_THANG",
                "trang 'not_in_regime', dòng 22, cột B, giá trị 'EXPORTS': chỉ tiêu EXPORTS không thuộc chế độ báo cáo BC_KTXH_THANG",
            ),
            (
                "sheet 'not_in_regime', row 22, column D, value '04': indicator EXPORTS is not reported at province level",
                "trang 'not_in_regime', dòng 22, cột D, giá trị '04': chỉ tiêu EXPORTS không báo cáo cấp tỉnh",
            ),
        ],
    ),
    "unknown_area": (
        ["unknown_area"],
        [
            (
                "sheet 'BaoCao', row 12, column D, value '99': unknown area '99'",
                "trang 'BaoCao', dòng 12, cột D, giá trị '99': không có địa bàn '99'",
            )
        ],
    ),
    "other_province": (
        ["area_not_agency"],
        [
            (
                "sheet 'other_province', row 12, column D, value '01': area 01 is not covered by agency UBND_04 under regime BC_KTXH_THANG",
                "trang 'other_province', dòng 12, cột D, giá trị '01': địa bàn 01 không thuộc phạm vi báo cáo của UBND_04 theo chế độ BC_KTXH_THANG",
            )
        ],
    ),
    "region_row": (
        ["area_not_agency"],
        [
            (
                "sheet 'region_row', row 10, column D, value 'R1': area R1 is not covered by agency UBND_04 under regime BC_KTXH_THANG",
                "trang 'region_row', dòng 10, cột D, giá trị 'R1': địa bàn R1 không thuộc phạm vi báo cáo của UBND_04 theo chế độ BC_KTXH_THANG",
            )
        ],
    ),
    "text_value": (
        ["not_a_number"],
        [
            (
                "sheet 'text_value', row 12, column F, value 'abc': value is not a number",
                "trang 'text_value', dòng 12, cột F, giá trị 'abc': giá trị không phải là số",
            )
        ],
    ),
    "garbled_number": (
        ["not_a_number"],
        [
            (
                "sheet 'BaoCao', row 10, column F, value '1,2,3a': value is not a number",
                "trang 'BaoCao', dòng 10, cột F, giá trị '1,2,3a': giá trị không phải là số",
            )
        ],
    ),
    "blank_value": (
        ["missing_value"],
        [
            (
                "sheet 'blank_value', row 14, column F: missing mandatory value",
                "trang 'blank_value', dòng 14, cột F: thiếu giá trị bắt buộc",
            )
        ],
    ),
    "blank_value_xlsx": (
        ["missing_value"],
        [
            (
                "sheet 'BaoCao', row 14, column F: missing mandatory value",
                "trang 'BaoCao', dòng 14, cột F: thiếu giá trị bắt buộc",
            )
        ],
    ),
    "wrong_unit_xlsx": (
        ["unit"],
        [
            (
                "sheet 'BaoCao', row 12, column E, value '%': wrong unit, expected 'index (2019=100)'",
                "trang 'BaoCao', dòng 12, cột E, giá trị '%': đơn vị tính sai, cần 'chỉ số (2019=100)'",
            )
        ],
    ),
    "unit_mismatch": (
        ["unit"],
        [
            (
                "sheet 'unit_mismatch', row 14, column E, value 'triệu USD': wrong unit, expected 'billion VND'",
                "trang 'unit_mismatch', dòng 14, cột E, giá trị 'triệu USD': đơn vị tính sai, cần 'tỷ đồng'",
            )
        ],
    ),
    "duplicate_row": (
        ["duplicate_row"],
        [
            (
                "sheet 'duplicate_row', row 22, column B, value 'CPI': duplicates row 12 (CPI, 04)",
                "trang 'duplicate_row', dòng 22, cột B, giá trị 'CPI': trùng với dòng 12 (CPI, 04)",
            )
        ],
    ),
    "missing_indicator": (
        ["missing_indicator"],
        [
            (
                "value 'NEW_ENTERPRISES': indicator NEW_ENTERPRISES of regime BC_KTXH_THANG is missing",
                "giá trị 'NEW_ENTERPRISES': thiếu chỉ tiêu NEW_ENTERPRISES của chế độ BC_KTXH_THANG",
            )
        ],
    ),
    "unknown_agency": (
        ["unknown_agency"],
        [
            (
                "sheet 'unknown_agency', row 2, column B, value 'UBND_99': unknown agency 'UBND_99'",
                "trang 'unknown_agency', dòng 2, cột B, giá trị 'UBND_99': không có cơ quan 'UBND_99' trong danh mục",
            )
        ],
    ),
    "not_a_submitter": (
        [
            "not_submitter",
            "area_not_agency",
            "area_not_agency",
            "area_not_agency",
            "area_not_agency",
            "area_not_agency",
            "area_not_agency",
            "area_not_agency",
            "area_not_agency",
            "area_not_agency",
            "area_not_agency",
            "area_not_agency",
            "area_not_agency",
        ],
        [
            (
                "sheet 'not_a_submitter', row 3, column B, value 'BC_KTXH_THANG': agency NSO does not report under regime BC_KTXH_THANG",
                "trang 'not_a_submitter', dòng 3, cột B, giá trị 'BC_KTXH_THANG': cơ quan NSO không thuộc diện báo cáo theo chế độ BC_KTXH_THANG",
            ),
            (
                "sheet 'not_a_submitter', row 10, column D, value '04': area 04 is not covered by agency NSO under regime BC_KTXH_THANG",
                "trang 'not_a_submitter', dòng 10, cột D, giá trị '04': địa bàn 04 không thuộc phạm vi báo cáo của NSO theo chế độ BC_KTXH_THANG",
            ),
        ],
    ),
    "unknown_regime": (
        ["unknown_regime"],
        [
            (
                "sheet 'unknown_regime', row 3, column B, value 'BC_KHONG_CO': unknown reporting regime 'BC_KHONG_CO'",
                "trang 'unknown_regime', dòng 3, cột B, giá trị 'BC_KHONG_CO': không có chế độ báo cáo 'BC_KHONG_CO'",
            )
        ],
    ),
    "no_regime": (
        ["no_regime"],
        [("the reporting regime is missing", "thiếu mã chế độ báo cáo")],
    ),
    "no_agency": (
        ["no_agency"],
        [("the reporting agency is missing", "thiếu mã cơ quan báo cáo")],
    ),
    "no_period": (
        ["no_period"],
        [("the reporting period is missing", "thiếu kỳ báo cáo")],
    ),
    "quarter_for_monthly": (
        ["period_freq"],
        [
            (
                "sheet 'quarter_for_monthly', row 4, column B, value '2022-Q3': period does not match the frequency of regime BC_KTXH_THANG: expected a month, e.g. 2026-10",
                "trang 'quarter_for_monthly', dòng 4, cột B, giá trị '2022-Q3': kỳ báo cáo không khớp tần suất của chế độ BC_KTXH_THANG: cần tháng, vd 2026-10",
            )
        ],
    ),
    "garbage_period": (
        ["period_freq"],
        [
            (
                "sheet 'garbage_period', row 4, column B, value 'tháng mười': period does not match the frequency of regime BC_KTXH_THANG: expected a month, e.g. 2026-10",
                "trang 'garbage_period', dòng 4, cột B, giá trị 'tháng mười': kỳ báo cáo không khớp tần suất của chế độ BC_KTXH_THANG: cần tháng, vd 2026-10",
            )
        ],
    ),
    "future_period": (
        ["period_window"],
        [
            (
                "sheet 'BaoCao', row 4, column B, value '2030-01': the period is not open yet: its cut-off window starts on 2029-12-15",
                "trang 'BaoCao', dòng 4, cột B, giá trị '2030-01': kỳ báo cáo chưa đến: thời gian chốt số liệu bắt đầu từ 15/12/2029",
            )
        ],
    ),
    "bad_status": (
        ["bad_status"],
        [
            (
                "sheet 'bad_status', row 7, column B, value 'xyz': data status must be 'preliminary' (sơ bộ) or 'official' (chính thức)",
                "trang 'bad_status', dòng 7, cột B, giá trị 'xyz': trạng thái số liệu phải là 'sơ bộ' hoặc 'chính thức'",
            )
        ],
    ),
    "no_table": (
        ["no_table", "no_agency", "no_regime"],
        [
            (
                "no data table found (need a header row with 'Mã chỉ tiêu/Code' and 'Giá trị/Value')",
                "không tìm thấy bảng số liệu (cần dòng tiêu đề có cột 'Mã chỉ tiêu' và 'Giá trị')",
            ),
            ("the reporting agency is missing", "thiếu mã cơ quan báo cáo"),
        ],
    ),
    "no_rows": (
        [
            "missing_indicator",
            "missing_indicator",
            "missing_indicator",
            "missing_indicator",
            "missing_indicator",
            "missing_indicator",
            "missing_indicator",
            "missing_indicator",
            "missing_indicator",
            "missing_indicator",
            "missing_indicator",
            "missing_indicator",
            "no_rows",
        ],
        [
            (
                "value 'BUDGET_REVENUE': indicator BUDGET_REVENUE of regime BC_KTXH_THANG is missing",
                "giá trị 'BUDGET_REVENUE': thiếu chỉ tiêu BUDGET_REVENUE của chế độ BC_KTXH_THANG",
            ),
            (
                "value 'CPI': indicator CPI of regime BC_KTXH_THANG is missing",
                "giá trị 'CPI': thiếu chỉ tiêu CPI của chế độ BC_KTXH_THANG",
            ),
        ],
    ),
    "agency_mismatch": (
        ["agency_mismatch", "unknown_agency"],
        [
            (
                "sheet 'agency_mismatch', row 2, column B, value 'UBND_04': the file names agency 'UBND_04' but was submitted as 'UBND_05'",
                "trang 'agency_mismatch', dòng 2, cột B, giá trị 'UBND_04': tệp ghi cơ quan 'UBND_04' nhưng được nộp với tư cách 'UBND_05'",
            ),
            (
                "sheet 'agency_mismatch', row 2, column B, value 'UBND_04': unknown agency 'UBND_05'",
                "trang 'agency_mismatch', dòng 2, cột B, giá trị 'UBND_04': không có cơ quan 'UBND_05' trong danh mục",
            ),
        ],
    ),
    "boolean_value": (
        ["not_a_number"],
        [
            (
                "sheet 'BaoCao', row 12, column F, value 'True': value is not a number",
                "trang 'BaoCao', dòng 12, cột F, giá trị 'True': giá trị không phải là số",
            )
        ],
    ),
    "date_value": (
        ["not_a_number"],
        [
            (
                "sheet 'BaoCao', row 12, column F, value '2022-07-01': value is not a number",
                "trang 'BaoCao', dòng 12, cột F, giá trị '2022-07-01': giá trị không phải là số",
            )
        ],
    ),
    "code_missing": (
        ["no_code", "missing_indicator"],
        [
            (
                "sheet 'code_missing', row 12, column B: the indicator code is missing",
                "trang 'code_missing', dòng 12, cột B: thiếu mã chỉ tiêu",
            ),
            (
                "value 'CPI': indicator CPI of regime BC_KTXH_THANG is missing",
                "giá trị 'CPI': thiếu chỉ tiêu CPI của chế độ BC_KTXH_THANG",
            ),
        ],
    ),
    "uncomputed_formula": (
        ["formula_no_value"],
        [
            (
                "sheet 'BaoCao', row 12, column F: the cell holds a formula with no computed value (open and save in Excel)",
                "trang 'BaoCao', dòng 12, cột F: ô chứa công thức chưa được tính (hãy mở và lưu lại tệp trong Excel)",
            )
        ],
    ),
    "absurd_value": (
        ["implausible"],
        [
            (
                "sheet 'absurd_value', row 14, column F, value '1e308': value beyond any plausible magnitude for unit 'billion VND' (at most 1e+13)",
                "trang 'absurd_value', dòng 14, cột F, giá trị '1e308': giá trị vượt mọi độ lớn hợp lý của đơn vị 'tỷ đồng' (tối đa 1e+13)",
            )
        ],
    ),
    "absurd_percent": (
        ["implausible"],
        [
            (
                "sheet 'BaoCao', row 13, column F, value '-200000': value beyond any plausible magnitude for unit '%' (at most 1e+05)",
                "trang 'BaoCao', dòng 13, cột F, giá trị '-200000': giá trị vượt mọi độ lớn hợp lý của đơn vị '%' (tối đa 1e+05)",
            )
        ],
    ),
    "absurd_negative": (
        ["implausible"],
        [
            (
                "sheet 'absurd_negative', row 10, column F, value '-50000000000000.0': value beyond any plausible magnitude for unit 'index (2020=100)' (at most 1e+13)",
                "trang 'absurd_negative', dòng 10, cột F, giá trị '-50000000000000.0': giá trị vượt mọi độ lớn hợp lý của đơn vị 'chỉ số (2020=100)' (tối đa 1e+13)",
            )
        ],
    ),
    "infinite_value": (
        ["not_a_number"],
        [
            (
                "sheet 'infinite_value', row 12, column F, value 'inf': value is not a number",
                "trang 'infinite_value', dòng 12, cột F, giá trị 'inf': giá trị không phải là số",
            )
        ],
    ),
    "nan_value": (
        ["not_a_number"],
        [
            (
                "sheet 'nan_value', row 10, column F, value 'NaN': value is not a number",
                "trang 'nan_value', dòng 10, cột F, giá trị 'NaN': giá trị không phải là số",
            )
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_each_malformed_file_gives_exactly_its_issues(
    name: str, use_store: Path, tmp_path: Path
) -> None:
    _, edit, kind, agency, _ = next(c for c in CASES if c[0] == name)
    checked, _ = ingest.check(_make(tmp_path, name, edit, kind), agency, RECEIVED)
    kinds, lines = PINNED[name]
    assert [i.kind for i in checked.issues] == kinds
    assert [(i.line("en"), i.line("vi")) for i in checked.issues[:2]] == lines
    assert {i.severity for i in checked.issues} == {"error"}
    flagged = {i.row for i in checked.issues if i.row is not None}
    assert flagged.isdisjoint(checked.obs["src_row"])  # a row with an error is not stored


def test_warnings_say_what_and_where(use_store: Path, tmp_path: Path) -> None:
    """NSO's monthly form with three provinces over its national retail sales and a province's CPI:
    provinces not adding up, values far from their history and another agency's figures are
    warnings, each pinned to its row; the file is not refused."""
    grid = form_grid("NSO", "TK_KTXH_THANG", "2022-07")
    next(r for r in data_rows(grid) if r[1] == "RETAIL_SALES")[5] = 1000.0
    for k, prov in enumerate(["01", "04", "08"]):
        grid.append([100 + k, "RETAIL_SALES", "", prov, "", 400.0, None, None])  # 1200 > 1000
    grid.append([99, "CPI", "", "79", "", 999.0, None])
    checked, _ = ingest.check(write_csv(tmp_path / "nso.csv", grid), None, RECEIVED)
    assert checked.errors == []
    assert [(w.kind, w.row) for w in checked.warnings] == [
        ("add_up", 19),
        ("outlier", 19),
        ("outlier", 31),
        ("outlier", 32),
        ("outlier", 33),
        ("outlier", 34),
        ("other_source", 31),
        ("other_source", 32),
        ("other_source", 33),
        ("other_source", 34),
    ]
    add_up, outlier, *_, other = checked.warnings
    assert add_up.line("en") == (
        "sheet 'nso', row 19, column F, value '1000': provinces add up to 1,200.00, not the "
        "national total 1,000.00 of RETAIL_SALES"
    )
    assert add_up.line("vi") == (
        "trang 'nso', dòng 19, cột F, giá trị '1000': tổng các tỉnh (1.200,00) lệch so với số "
        "cả nước (1.000,00) của RETAIL_SALES"
    )
    assert outlier.line("en") == (
        "sheet 'nso', row 19, column F, value '1000': RETAIL_SALES (VN) is far outside its "
        "history: expected 296,248 to 542,798"
    )
    assert outlier.line("vi") == (
        "trang 'nso', dòng 19, cột F, giá trị '1000': RETAIL_SALES (VN) khác thường so với lịch "
        "sử: dự kiến 296.248 đến 542.798"
    )
    assert checked.warnings[3].en.endswith("expected 554.7 to 1,041")  # four digits kept
    assert other.line("en") == (
        "sheet 'nso', row 34, column F, value '999': CPI (79): the consolidated figure is "
        "UBND_79's; NSO's is kept as its own series, not replacing it"
    )
    assert other.line("vi") == (
        "trang 'nso', dòng 34, cột F, giá trị '999': CPI (79): số liệu chính thức là của "
        "UBND_79; số của NSO được lưu riêng, không thay thế"
    )
    assert len(checked.obs) == len(data_rows(grid))


def test_one_outlier_gives_one_warning_and_every_row_is_stored(
    use_store: Path, tmp_path: Path
) -> None:
    grid = form_grid()
    next(r for r in data_rows(grid) if r[1] == "CPI")[5] = 999.0
    checked, _ = ingest.check(write_csv(tmp_path / "o.csv", grid), None, RECEIVED)
    [warning] = checked.issues
    assert (warning.severity, warning.kind) == ("warning", "outlier")
    assert warning.line("en") == (
        "sheet 'o', row 12, column F, value '999': CPI (04) is far outside its history: "
        "expected 101.9 to 113.8"
    )
    assert (checked.agency, checked.regime, checked.freq) == ("UBND_04", "BC_KTXH_THANG", "M")
    assert (checked.period, checked.status) == (dt.date(2022, 7, 1), "preliminary")
    obs = checked.obs
    assert obs["src_row"].tolist() == list(range(10, 22))
    assert (
        set(obs["area"]) == {"04"} and set(obs["freq"]) == {"M"} and set(obs["src_sheet"]) == {"o"}
    )
    assert set(obs["period"]) == {dt.date(2022, 7, 1)}
    cpi = obs[obs["indicator"] == "CPI"].iloc[0]
    assert (cpi["value"], cpi["unit"]) == (999.0, "chỉ số (2019=100)")


@pytest.mark.parametrize(
    ("word", "status", "kinds"),
    [
        ("Chính thức", "official", []),
        ("final", "official", []),
        ("Ước tính", "preliminary", []),
        ("sơ bộ / chính thức", "preliminary", ["bad_status"]),  # both: which one?
    ],
)
def test_data_status_words(
    word: str, status: str, kinds: list[str], use_store: Path, tmp_path: Path
) -> None:
    grid = form_grid()
    header_row(grid, "Trạng thái")[1] = word
    checked, _ = ingest.check(write_csv(tmp_path / "s.csv", grid), None, RECEIVED)
    assert checked.status == status
    assert [i.kind for i in checked.issues] == kinds


@pytest.mark.parametrize(
    ("start", "regime_freq", "ind_freq", "time_agg", "expected"),
    [
        (dt.date(2022, 7, 1), "M", "M", "sum", (dt.date(2022, 7, 1), "M")),
        (dt.date(2022, 1, 1), "6M", "M", "last", (dt.date(2022, 6, 1), "M")),  # June's value
        (dt.date(2022, 1, 1), "9M", "Q", "last", (dt.date(2022, 7, 1), "Q")),
        (dt.date(2022, 1, 1), "6M", "M", "sum", (dt.date(2022, 1, 1), "6M")),  # cumulative
        (dt.date(2022, 1, 1), "A", "Q", "mean", (dt.date(2022, 1, 1), "A")),
        (dt.date(2022, 8, 1), "M", "Q", "sum", (dt.date(2022, 7, 1), "Q")),  # a shorter regime
        (dt.date(2022, 8, 17), "adhoc", "M", "sum", (dt.date(2022, 8, 1), "M")),
        (dt.date(2022, 8, 17), "adhoc", "A", "last", (dt.date(2022, 1, 1), "A")),
    ],
)
def test_observation_period_of_each_regime(
    start: dt.date,
    regime_freq: str,
    ind_freq: str,
    time_agg: str,
    expected: tuple[dt.date, str],
) -> None:
    assert validation.observation_period(start, regime_freq, ind_freq, time_agg) == expected


def test_every_province_must_add_up_to_the_national_total(use_store: Path, tmp_path: Path) -> None:
    """With all provinces in the file a shortfall is a warning too (with some, only an excess)."""
    from analytics.catalog import catalog

    provinces = list(catalog().provinces()["code"])
    assert len(provinces) == 34
    grid = form_grid("NSO", "TK_KTXH_THANG", "2022-07")
    next(r for r in data_rows(grid) if r[1] == "RETAIL_SALES")[5] = 1000.0
    for k, prov in enumerate(provinces):
        grid.append([100 + k, "RETAIL_SALES", "", prov, "", 10.0, None, None])  # 340 < 1000
    checked, _ = ingest.check(write_csv(tmp_path / "all.csv", grid), None, RECEIVED)
    [add_up] = [w for w in checked.warnings if w.kind == "add_up"]
    assert add_up.en.startswith("provinces add up to 340.00, not the national total 1,000.00")
    some = form_grid("NSO", "TK_KTXH_THANG", "2022-07")
    next(r for r in data_rows(some) if r[1] == "RETAIL_SALES")[5] = 1000.0
    some.append([100, "RETAIL_SALES", "", "01", "", 10.0, None, None])  # the others not sent
    checked, _ = ingest.check(write_csv(tmp_path / "some.csv", some), None, RECEIVED)
    assert [w for w in checked.warnings if w.kind == "add_up"] == []


@pytest.mark.parametrize(
    ("national", "last", "warned"),
    [
        (1000.0, 14.0, False),  # 1004: within 0.5% of 1000
        (1000.0, 15.0, False),  # 1005: at it
        (1000.0, 20.0, True),  # 1010: beyond it
        (100.0, 1.8, False),  # 100.8: within one unit, the indicator's 0 decimals
        (100.0, 3.1, True),  # 102.1: beyond both
    ],
)
def test_add_up_tolerance_is_half_a_percent_or_the_last_decimal(
    national: float, last: float, warned: bool, use_store: Path, tmp_path: Path
) -> None:
    from analytics.catalog import catalog

    provinces = list(catalog().provinces()["code"])
    each = 30.0 if national == 1000.0 else 3.0  # 33 provinces send 990 (or 99), the last the rest
    grid = form_grid("NSO", "TK_KTXH_THANG", "2022-07")
    next(r for r in data_rows(grid) if r[1] == "RETAIL_SALES")[5] = national
    for k, prov in enumerate(provinces):
        value = last if k == len(provinces) - 1 else each
        grid.append([100 + k, "RETAIL_SALES", "", prov, "", value, None, None])
    checked, _ = ingest.check(write_csv(tmp_path / "tol.csv", grid), None, RECEIVED)
    assert [w.kind for w in checked.warnings].count("add_up") == int(warned)


@pytest.mark.parametrize(
    ("values", "warned"),
    [
        ([500.0, 498.0], False),  # short of the total: the other provinces have not reported
        ([500.0, 505.0], False),  # over it by the tolerance (0.5% of 1000)
        ([500.0, 506.0], True),  # over it by more
    ],
)
def test_some_provinces_may_only_fall_short_of_the_national_total(
    values: list[float], warned: bool, use_store: Path, tmp_path: Path
) -> None:
    grid = form_grid("NSO", "TK_KTXH_THANG", "2022-07")
    next(r for r in data_rows(grid) if r[1] == "RETAIL_SALES")[5] = 1000.0
    for k, (prov, value) in enumerate(zip(["01", "04"], values, strict=True)):
        grid.append([100 + k, "RETAIL_SALES", "", prov, "", value, None, None])
    checked, _ = ingest.check(write_csv(tmp_path / "some.csv", grid), None, RECEIVED)
    assert [w.kind for w in checked.warnings].count("add_up") == int(warned)


def test_a_quarterly_form_with_a_month_says_which_period_it_needs(
    use_store: Path, tmp_path: Path
) -> None:
    grid = form_grid("UBND_04", "BC_KTXH_QUY", "2022-Q2")
    header_row(grid, "Kỳ báo cáo")[1] = "2022-06"
    checked, _ = ingest.check(write_csv(tmp_path / "q.csv", grid), None, RECEIVED)
    [error] = checked.errors
    assert error.kind == "period_freq"
    assert error.en.endswith("regime BC_KTXH_QUY: expected a quarter, e.g. 2026-Q3")
    assert error.vi.endswith("chế độ BC_KTXH_QUY: cần quý, vd 2026-Q3")


def _validate(path: Path, agency: str | None = None, received: dt.datetime = RECEIVED):
    """``validation.validate`` alone on a real file (``ingest.check`` sorts the issues again and
    adds the history and authority rules)."""
    from analytics.catalog import catalog
    from analytics.submission_files import read_sheets

    form = validation.parse_form(read_sheets(path.read_bytes(), path.name))
    return validation.validate(form, catalog(), agency, received)


def test_area_level_says_national_and_commune_in_both_languages(
    use_store: Path, tmp_path: Path
) -> None:
    """A commune indicator sent for the nation, and the CPI sent for a commune of Hà Nội."""
    nso = form_grid("NSO", "TK_KTXH_THANG", "2022-07")
    nso.append([99, "COMMUNE_BIRTHS_REGISTERED", "", "VN", "", 5, None, None])
    checked = _validate(write_csv(tmp_path / "nso.csv", nso))
    [*_, regime, level] = checked.errors
    assert (regime.kind, level.kind) == ("not_in_regime", "area_level")
    assert level.line("en") == (
        "sheet 'nso', row 31, column D, value 'VN': indicator COMMUNE_BIRTHS_REGISTERED is not "
        "reported at national level"
    )
    assert level.line("vi").endswith(
        "chỉ tiêu COMMUNE_BIRTHS_REGISTERED không báo cáo cấp quốc gia"
    )
    hanoi = form_grid("UBND_01", "BC_XA_THANG", "2025-09")
    hanoi.append([99, "CPI", "", "00004", "", 100.0, None, None])
    checked = _validate(write_csv(tmp_path / "xa.csv", hanoi), received=dt.datetime(2025, 9, 16))
    assert [i.kind for i in checked.issues] == ["not_in_regime", "area_level"]
    assert checked.issues[1].en == "indicator CPI is not reported at commune level"
    assert checked.issues[1].vi == "chỉ tiêu CPI không báo cáo cấp xã"


def test_area_outside_the_agency_without_a_regime(use_store: Path, tmp_path: Path) -> None:
    """An unknown regime: the agency may report its own area only, and the message names no regime."""
    grid = form_grid()
    header_row(grid, "Chế độ")[1] = "BC_KHONG_CO"
    data_rows(grid)[0][3] = "01"
    checked = _validate(write_csv(tmp_path / "r.csv", grid))
    assert [(i.kind, i.row) for i in checked.issues] == [
        ("unknown_regime", 3),
        ("area_not_agency", 10),
    ]
    assert checked.issues[1].line("en") == (
        "sheet 'r', row 10, column D, value '01': area 01 is not covered by agency UBND_04"
    )
    assert checked.issues[1].vi == "địa bàn 01 không thuộc phạm vi báo cáo của UBND_04"
    assert checked.obs.empty  # no regime, no period to store under


def test_area_codes_typed_as_numbers(use_store: Path, tmp_path: Path) -> None:
    """Excel drops leading zeros: 4 is province 04 on a provincial form, commune 00004 on a commune
    form; an area left blank is the agency's own; the message quotes the cell as typed."""
    grid = form_grid()
    data_rows(grid)[0][3], data_rows(grid)[1][3] = "4", ""
    checked = _validate(write_csv(tmp_path / "p.csv", grid))
    assert checked.issues == []
    assert set(checked.obs["area"]) == {"04"}
    hanoi = form_grid("UBND_01", "BC_XA_THANG", "2025-09")
    rows = data_rows(hanoi)
    assert rows[2][3] == "00004"
    rows[2][3] = "4"
    checked = _validate(write_csv(tmp_path / "xa.csv", hanoi), received=dt.datetime(2025, 9, 16))
    assert checked.issues == []
    assert checked.obs["area"].tolist()[:4] == ["00070", "00073", "00004", "00008"]
    hue = form_grid("UBND_46", "BC_XA_THANG", "2025-09")
    data_rows(hue)[0][3] = "4"  # Ba Đình is Hà Nội's
    checked = _validate(write_csv(tmp_path / "hue.csv", hue), received=dt.datetime(2025, 9, 16))
    [error] = checked.errors
    assert error.line("en") == (
        "sheet 'hue', row 10, column D, value '4': area 00004 is not covered by agency UBND_46 "
        "under regime BC_XA_THANG"
    )


def test_errors_come_before_warnings_each_in_file_order(use_store: Path, tmp_path: Path) -> None:
    grid = form_grid()
    data_rows(grid)[3][5] = "abc"
    data_rows(grid)[1][5] = "x"
    checked = _validate(write_csv(tmp_path / "late.csv", grid), received=dt.datetime(2022, 7, 19))
    assert [(i.kind, i.row) for i in checked.issues] == [
        ("not_a_number", 11),
        ("not_a_number", 13),
        ("late", 4),
    ]
    assert checked.issues[2].line("en") == (
        "sheet 'late', row 4, column B, value '2022-07': late: the report was due 2022-07-18 17:00"
    )
    assert len(checked.obs) == 10


def test_rows_after_a_duplicate_are_still_checked(use_store: Path, tmp_path: Path) -> None:
    grid = form_grid()
    rows = data_rows(grid)
    rows[1][1], rows[1][4] = "IIP", rows[0][4]  # row 11 repeats row 10
    rows[2][5] = "abc"
    checked = _validate(write_csv(tmp_path / "d.csv", grid))
    assert [(i.kind, i.row) for i in checked.issues] == [
        ("duplicate_row", 11),
        ("not_a_number", 12),
        ("missing_indicator", None),
    ]
    assert checked.issues[0].en == "duplicates row 10 (IIP, 04)"
    assert checked.obs["src_row"].tolist() == [10, *range(13, 22)]


@pytest.mark.parametrize(
    ("code", "value", "refused"),
    [
        ("BUDGET_REVENUE", 1e13, False),  # at the limit of an amount
        ("BUDGET_REVENUE", -1e13, False),
        ("BUDGET_REVENUE", 1.0000001e13, True),
        ("PUBLIC_INVEST_RATE", 1e5, False),  # at the limit of a percentage
        ("PUBLIC_INVEST_RATE", 100000.01, True),
        ("CPI", 1e13, False),  # an index is held to the limit of every other unit
    ],
)
def test_implausible_magnitudes_at_their_limits(
    code: str, value: float, refused: bool, use_store: Path, tmp_path: Path
) -> None:
    grid = form_grid()
    next(r for r in data_rows(grid) if r[1] == code)[5] = repr(value)
    checked = _validate(write_csv(tmp_path / "v.csv", grid))
    assert [i.kind for i in checked.issues] == (["implausible"] if refused else [])
    if not refused:
        stored = checked.obs.set_index("indicator")["value"][code]
        assert stored == value


@pytest.mark.parametrize(
    ("unit", "ok"),
    [
        ("tỷ đồng", True),
        ("Tỷ  Đồng", True),  # case and spacing
        ("tỷđồng", True),
        ("billion VND", True),  # the English unit
        ("billionVND", True),
        ("ty dong", True),  # diacritics dropped
        ("triệu đồng", False),
    ],
)
def test_units_match_either_language_whatever_the_spacing(
    unit: str, ok: bool, use_store: Path, tmp_path: Path
) -> None:
    grid = form_grid()
    next(r for r in data_rows(grid) if r[1] == "BUDGET_REVENUE")[4] = unit
    checked = _validate(write_csv(tmp_path / "u.csv", grid))
    assert [(i.kind, i.row) for i in checked.issues] == ([] if ok else [("unit", 16)])


def _series(
    values: list[float], start: str = "2020-01", freq: str = "M", area: str = "04"
) -> pd.DataFrame:
    """A stored history: ``values`` for CPI in ``area``, one per period from ``start``."""
    step = {"M": "MS", "Q": "QS", "A": "YS"}[freq]
    periods = pd.date_range(start, periods=len(values), freq=step).date
    return pd.DataFrame(
        {"indicator": "CPI", "area": area, "period": periods, "freq": freq, "value": values}
    )


def _submitted(*rows: tuple[str, str, float], freq: str = "M") -> pd.DataFrame:
    """Observations as ``validate`` returns them: (area, period, value), CPI, from rows 12, 13..."""
    return pd.DataFrame(
        [
            {
                "indicator": "CPI",
                "area": area,
                "period": pd.Timestamp(period).date(),
                "freq": freq,
                "value": value,
                "unit": "chỉ số (2019=100)",
                "src_row": 12 + k,
                "src_sheet": "BaoCao",
            }
            for k, (area, period, value) in enumerate(rows)
        ]
    )


@pytest.mark.parametrize(
    ("value", "warned"),
    [
        (106.0, False),  # z = 6 exactly: |106 - 100| / (1% of 100)
        (94.0, False),
        (106.5, True),
        (93.5, True),
    ],
)
def test_outlier_threshold_on_a_flat_series(value: float, warned: bool) -> None:
    """Three flat years: no change to learn a spread from, so the floor (1% of the level) is the
    scale, and a value is an outlier beyond 6 of it from last January's 100."""
    issues = validation.outlier_issues(
        _submitted(("04", "2023-01", value)), _series([100.0] * 36), "F"
    )
    assert [i.kind for i in issues] == (["outlier"] if warned else [])
    if warned:
        [issue] = issues
        assert issue.severity == "warning"
        assert issue.line("en") == (
            f"sheet 'BaoCao', row 12, column F, value '{value:g}': CPI (04) is far outside its "
            "history: expected 94.00 to 106.0"
        )
        assert issue.line("vi") == (
            f"trang 'BaoCao', dòng 12, cột F, giá trị '{value:g}': CPI (04) khác thường so với "
            "lịch sử: dự kiến 94,00 đến 106,0"
        )


def test_outlier_compares_a_month_with_the_same_month_a_year_before() -> None:
    """Two years with a January peak: this January's peak is what last January said (no warning);
    with only 23 months, or last January missing, the month before is the reference and the peak
    is an outlier."""
    two_years = [150.0 if m % 12 == 0 else 100.0 for m in range(24)]
    peak = _submitted(("04", "2022-01", 150.0))
    assert validation.outlier_issues(peak, _series(two_years, "2020-01"), "F") == []
    short = _series(two_years[1:], "2020-02")
    [issue] = validation.outlier_issues(peak, short, "F")
    assert issue.en.endswith("expected 65.82 to 134.2")  # December's 100 +- 6 x 1.2533 x 100/22
    gap = _series(two_years, "2020-01")
    gap = gap[gap["period"] != dt.date(2021, 1, 1)]
    assert [i.kind for i in validation.outlier_issues(peak, gap, "F")] == ["outlier"]


def test_outlier_quarters_compare_with_the_same_quarter_a_year_before() -> None:
    """Quarterly: four quarters back (a Q1 peak expected in Q1); yearly: the year before."""
    quarters = [150.0 if q % 4 == 0 else 100.0 for q in range(16)]
    q1 = _submitted(("04", "2024-01", 150.0), freq="Q")
    assert validation.outlier_issues(q1, _series(quarters, "2020-01", "Q"), "F") == []
    q2 = _submitted(("04", "2024-04", 150.0), freq="Q")
    assert len(validation.outlier_issues(q2, _series(quarters, "2020-01", "Q"), "F")) == 1
    years = [100.0 + 2 * y for y in range(12)]  # 100 .. 122, two a year
    yearly = _series(years, "2010-01", "A")
    ok = _submitted(("04", "2022-01", 124.0), ("04", "2022-01", 131.0), freq="A")
    [issue] = validation.outlier_issues(ok, yearly, "F")  # 124 expected, scale 1.11 (1% of 111)
    assert (issue.row, issue.en) == (
        13,
        "CPI (04) is far outside its history: expected 117.3 to 130.7",
    )


def test_outlier_needs_a_year_of_history() -> None:
    obs = _submitted(("04", "2021-01", 500.0))
    assert validation.outlier_issues(obs, _series([100.0] * 11, "2020-02"), "F") == []
    assert len(validation.outlier_issues(obs, _series([100.0] * 12, "2020-01"), "F")) == 1


def test_outlier_reads_the_last_six_years_before_the_period() -> None:
    """72 months before the period count: a spike just before them does not widen the range, one
    inside them does; a stored value for the period itself (a revision) is not history."""
    obs = _submitted(("04", "2026-01", 106.5))
    outside = _series([1e6] + [100.0] * 72, "2019-12")
    assert len(validation.outlier_issues(obs, outside, "F")) == 1
    inside = _series([1e6] + [100.0] * 71, "2020-01")
    assert validation.outlier_issues(obs, inside, "F") == []
    revised = _series([100.0] * 72 + [1e6], "2020-01")
    assert len(validation.outlier_issues(obs, revised, "F")) == 1


def test_outlier_keeps_each_series_apart() -> None:
    """Two provinces' histories stored shuffled together; a row without history is skipped and
    the rows after it still checked; each row is judged against its own province."""
    hist = pd.concat([_series([100.0] * 36, area="04"), _series([1000.0] * 36, area="01")])
    hist = hist.sample(frac=1, random_state=1).reset_index(drop=True)
    obs = _submitted(
        ("08", "2023-01", 5.0), ("04", "2023-01", 1000.0), ("01", "2023-01", 1000.0),
        ("01", "2023-01", 100.0),
    )  # fmt: skip
    issues = validation.outlier_issues(obs, hist, "F")
    assert [(i.row, i.en) for i in issues] == [
        (13, "CPI (04) is far outside its history: expected 94.00 to 106.0"),
        (15, "CPI (01) is far outside its history: expected 940.0 to 1,060"),
    ]


def test_outlier_spread_is_the_robust_one_of_the_changes() -> None:
    """The scale is the larger of 1.4826 x the median absolute deviation of the year-on-year
    changes, 1.2533 x their mean absolute deviation, and 1% of the level."""
    steps = [0.0, 0.0, 10.0, 10.0, -10.0, -10.0, 0.0, 0.0, 10.0, 10.0, -10.0, -10.0]
    vals = [1000.0] * 12 + [1000.0 + s for s in steps] + [1000.0 + 2 * s for s in steps]
    issues = validation.outlier_issues(_submitted(("04", "2023-01", 2000.0)), _series(vals), "F")
    # year-on-year changes: 0,0,10,10,-10,-10 twice: median 0, MAD 10 -> 14.826 (mean |d| 6.67
    # -> 8.36; 1% of the level 10); expected = last January (1000) + 0
    assert issues[0].en.endswith("expected 911.0 to 1,089")
    sparse = [10.0] * 35 + [40.0]
    issues = validation.outlier_issues(_submitted(("04", "2023-01", 2000.0)), _series(sparse), "F")
    # one change of 30 in 24: MAD 0, 1% of the level 0.1, mean |d| 1.25 x 1.2533 = 1.567
    assert issues[0].en.endswith("expected 0.6002 to 19.40")  # 10 -+ 9.39975


@pytest.mark.parametrize(
    ("value", "decimals"),
    [(0.0, 0), (94.0, 2), (-94.0, 2), (106.0, 1), (1.0, 3), (10.0, 2), (12345.0, 0), (0.5, 4)],
)
def test_expected_range_keeps_four_significant_digits(value: float, decimals: int) -> None:
    assert validation._decimals(value) == decimals


def test_authority_refuses_or_keeps_another_agencys_figures(use_store: Path) -> None:
    """authority.csv: the CPI of the nation is NSO's alone (refused from anyone else); NSO's IIP and
    MAE's national poverty rate are the consolidated ones but others' are kept as their own series;
    nobody is named for a province's exports (a national-only indicator)."""
    from analytics.catalog import catalog

    rows = [
        ("EXPORTS", "04", 7.0),
        ("CPI", "VN", 104.25),
        ("IIP", "VN", 1e6),
        ("POVERTY_RATE", "VN", 3.5),
    ]
    obs = pd.DataFrame(
        [
            {"indicator": c, "area": a, "value": v, "src_row": 20 + k, "src_sheet": "S"}
            for k, (c, a, v) in enumerate(rows)
        ]
    )
    cat = catalog()
    assert cat.authoritative("EXPORTS", "04") is None
    issues = validation.authority_issues(obs, cat, "MERA", "G")
    assert [(i.severity, i.kind, i.row) for i in issues] == [
        ("error", "not_authoritative", 21),
        ("warning", "other_source", 22),
        ("warning", "other_source", 23),
    ]
    refused, _, kept = issues
    assert refused.line("en") == (
        "sheet 'S', row 21, column G, value '104.25': CPI (VN) is accepted from NSO only "
        "(regime TK_KTXH_THANG); MERA's figure is not stored"
    )
    assert refused.line("vi") == (
        "trang 'S', dòng 21, cột G, giá trị '104.25': CPI (VN) chỉ nhận từ NSO (chế độ "
        "TK_KTXH_THANG); số liệu của MERA không được lưu"
    )
    assert issues[1].value == "1e+06"
    assert kept.line("en") == (
        "sheet 'S', row 23, column G, value '3.5': POVERTY_RATE (VN): the consolidated figure is "
        "MAE's; MERA's is kept as its own series, not replacing it"
    )
    assert kept.line("vi") == (
        "trang 'S', dòng 23, cột G, giá trị '3.5': POVERTY_RATE (VN): số liệu chính thức là của "
        "MAE; số của MERA được lưu riêng, không thay thế"
    )
    assert [i.row for i in validation.authority_issues(obs, cat, "NSO", "G")] == [23]
    assert [i.row for i in validation.authority_issues(obs, cat, "MAE", "G")] == [21, 22]
    assert validation.authority_issues(obs, cat, None, "G") == []


def test_a_regime_that_carries_no_indicator_yet(use_store: Path, tmp_path: Path) -> None:
    """A regime added to the catalog before its indicators: every row is refused as not carried
    by it, and nothing is missing."""
    import shutil

    from analytics.catalog import load_catalog
    from analytics.submission_files import read_sheets

    folder = shutil.copytree(
        Path(__file__).resolve().parent.parent / "data" / "catalog", tmp_path / "cat"
    )
    with (folder / "regimes.yml").open("a", encoding="utf-8") as f:
        f.write(
            "\n- code: BC_MOI_THANG\n  name_vi: Báo cáo mới\n  name_en: A new report\n"
            "  frequency: M\n  submitters: [provinces]\n  receiver: VPCP\n  level: province\n"
            "  indicators: []\n"
        )
    grid = form_grid()
    header_row(grid, "Chế độ")[1] = "BC_MOI_THANG"
    path = write_csv(tmp_path / "moi.csv", grid)
    form = validation.parse_form(read_sheets(path.read_bytes(), path.name))
    checked = validation.validate(form, load_catalog(str(folder)), None, RECEIVED)
    assert [(i.kind, i.row) for i in checked.issues] == [
        ("not_in_regime", r) for r in range(10, 22)
    ]
    assert checked.issues[0].en == "indicator IIP is not carried by regime BC_MOI_THANG"
    assert checked.obs.empty


def test_nearest_codes_are_suggested_for_the_first_fifty_problems_only(
    use_store: Path, tmp_path: Path
) -> None:
    """The fuzzy search for the nearest codes stops once the report's 50 problems are listed."""
    grid = form_grid()
    rows = data_rows(grid)
    for k in range(40):
        grid.append([100 + k, f"CPI{k}", "", "04", rows[2][4], 1.0, None, None])
    checked = _validate(write_csv(tmp_path / "many.csv", grid))
    unknown = [i for i in checked.issues if i.kind == "unknown_indicator"]
    assert len(unknown) == 40 and len(checked.issues) == 40
    grid = form_grid()
    for k in range(60):
        grid.append([100 + k, f"CPI{k}", "", "04", "", 1.0, None, None])
    header_row(grid, "Trạng thái")[1] = "xyz"  # a header problem counts too
    checked = _validate(write_csv(tmp_path / "more.csv", grid))
    unknown = [i for i in checked.issues if i.kind == "unknown_indicator"]
    assert [i.kind for i in checked.issues[:1]] == ["bad_status"]
    assert (
        unknown[48].en
        == "unknown indicator 'CPI48'; nearest valid codes: CPI, CPI_YOY, CPI_MOM, CPI_CORE"
    )
    assert unknown[48].vi.startswith("Không có chỉ tiêu 'CPI48'; mã gần nhất: CPI")
    assert (unknown[49].en, unknown[49].vi) == (
        "unknown indicator 'CPI49'",
        "Không có chỉ tiêu 'CPI49'",
    )


def test_an_agency_outside_the_regime_may_still_report_its_own_area(
    use_store: Path, tmp_path: Path
) -> None:
    """A province sending NSO's monthly statistical form: refused as not a submitter, but its rows
    for its own province are not also refused as outside its area."""
    grid = form_grid("NSO", "TK_KTXH_THANG", "2022-07")
    header_row(grid, "Cơ quan")[1] = "UBND_04"
    for row in data_rows(grid):
        row[3] = "04" if row[1] in ("CPI", "IIP") else "VN"
    checked = _validate(write_csv(tmp_path / "p.csv", grid))
    kinds = [i.kind for i in checked.issues]
    assert kinds[0] == "not_submitter"
    assert kinds.count("area_not_agency") == len(data_rows(grid)) - 2
    cpi = next(r for r in data_rows(grid) if r[1] == "CPI")
    assert not any(i.row == grid.index(cpi) + 1 for i in checked.issues)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2022-08-17", dt.date(2022, 8, 17)),  # the day of the request
        ("17/08/2022", None),  # a day written the other way round is not a period
        ("2022-08", dt.date(2022, 8, 1)),
        ("2022-Q3", dt.date(2022, 7, 1)),
        ("2022", dt.date(2022, 1, 1)),
        ("2022-H1", None),  # six months: not a period an ad hoc report is asked for
        ("2022-9M", None),
    ],
)
def test_an_ad_hoc_report_names_a_day_month_quarter_or_year(
    text: str, period: dt.date | None, use_store: Path, tmp_path: Path
) -> None:
    grid = form_grid("UBND_04", "BC_DOTXUAT_TTG", "2022-08")
    header_row(grid, "Kỳ báo cáo")[1] = text
    checked = _validate(write_csv(tmp_path / "adhoc.csv", grid), received=dt.datetime(2022, 12, 30))
    assert (checked.period, checked.freq) == (period, "adhoc")
    if period is None:
        [error] = checked.errors
        assert error.line("en") == (
            f"sheet 'adhoc', row 4, column B, value '{text}': period does not match the frequency "
            "of regime BC_DOTXUAT_TTG: expected a date or month"
        )
        assert (
            error.vi
            == "kỳ báo cáo không khớp tần suất của chế độ BC_DOTXUAT_TTG: cần ngày hoặc tháng"
        )
    else:
        assert checked.issues == []  # no cut-off window nor deadline: it is asked for when needed
        cpi = checked.obs.set_index("indicator").loc["CPI_YOY"]
        assert (cpi["period"], cpi["freq"]) == (period.replace(day=1), "M")  # a monthly series


def test_a_six_month_report_fills_last_values_and_cumulative_sums(
    use_store: Path, tmp_path: Path
) -> None:
    """The 6-month provincial report: a year-to-date rate (``last``) is June's monthly value, a
    growth to date the second quarter's; sums are the six months' cumulative figure."""
    grid = form_grid("UBND_04", "BC_KTXH_6THANG", "2022-H1")
    checked = _validate(write_csv(tmp_path / "h1.csv", grid), received=dt.datetime(2022, 6, 16))
    assert checked.errors == []
    got = checked.obs.set_index("indicator")[["period", "freq"]].apply(tuple, axis=1).to_dict()
    assert got["PUBLIC_INVEST_RATE"] == (dt.date(2022, 6, 1), "M")
    assert got["GRDP_GROWTH_YTD"] == (dt.date(2022, 4, 1), "Q")
    assert got["RETAIL_SALES"] == (dt.date(2022, 1, 1), "6M")
    assert got["UNEMPLOYMENT_RATE"] == (dt.date(2022, 1, 1), "6M")


def test_a_table_without_rows_says_so_last(use_store: Path, tmp_path: Path) -> None:
    _, edit, kind, agency, _ = next(c for c in CASES if c[0] == "no_rows")
    checked, _ = ingest.check(_make(tmp_path, "no_rows", edit, kind), agency, RECEIVED)
    last = checked.issues[-1]
    assert (last.kind, last.line("en"), last.line("vi")) == (
        "no_rows",
        "the table has no data rows",
        "bảng không có dòng số liệu nào",
    )


def test_outlier_compares_six_months_with_the_six_months_a_year_before() -> None:
    """A six-month figure is stored once a year (the first half): the change learned is the one
    from a half to the next year's, not from two years before."""
    halves = _series([100.0 + 10 * y for y in range(14)], "2008-01", "A").assign(freq="6M")
    h1 = _submitted(("04", "2022-01", 240.0), ("04", "2022-01", 250.0), freq="6M")
    [issue] = validation.outlier_issues(h1, halves, "F")  # 230 + 10 expected, scale 1% of 165
    assert (issue.row, issue.en) == (
        13,
        "CPI (04) is far outside its history: expected 230.1 to 249.9",
    )


def test_outlier_falls_back_to_the_month_before_without_last_years_month() -> None:
    """Three years of January peaks but last January not stored, or nothing stored in the last
    year: the last stored value is the reference, and the peak an outlier."""
    years = _series([150.0 if m % 12 == 0 else 100.0 for m in range(36)], "2019-01")
    peak = _submitted(("04", "2022-01", 150.0))
    assert validation.outlier_issues(peak, years, "F") == []
    gap = years[years["period"] != dt.date(2021, 1, 1)]
    [issue] = validation.outlier_issues(peak, gap, "F")
    assert issue.en.endswith("expected 66.82 to 133.2")  # December's 100 -+ 6 x 1.2533 x 150/34
    old = _submitted(("04", "2023-01", 200.0))  # nothing stored in 2022
    [issue] = validation.outlier_issues(old, years, "F")
    assert issue.en.endswith("expected 46.29 to 153.7")  # 100 -+ 6 x 1.2533 x 250/35


def test_outlier_on_a_series_of_zeros() -> None:
    """No change and no level: the smallest spread (1e-9) still lets a zero pass and flags a one."""
    zeros = _series([0.0] * 24)
    assert validation.outlier_issues(_submitted(("04", "2022-01", 0.0)), zeros, "F") == []
    [issue] = validation.outlier_issues(_submitted(("04", "2022-01", 1.0)), zeros, "F")
    assert issue.en.endswith("expected -0.000000006000 to 0.000000006000")
