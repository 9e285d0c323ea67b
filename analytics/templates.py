"""Reporting forms (biểu mẫu báo cáo): the file an agency fills in for one regime and period.

A header names the agency, regime, period, cut-off window, deadline and data status; the table has one
row per indicator (and per area), its code, Vietnamese name, unit, an empty value cell (with Excel
data validation), and the previous period's value for reference. ``analytics.ingest`` reads the same
layout back, so a filled template always parses.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pandas as pd

from analytics import calendar, store
from analytics.calendar import MONTHS, read_period
from analytics.catalog import NATION, catalog
from analytics.errors import NrisError, unknown_code
from analytics.validation import observation_period

TABLE_COLUMNS = [
    "STT / No.",
    "Mã chỉ tiêu / Code",
    "Tên chỉ tiêu / Indicator name",
    "Địa bàn / Area",
    "Đơn vị tính / Unit",
    "Giá trị / Value",
    "Kỳ trước / Previous period",
    "Ghi chú / Note",
]
PERIOD_FORMAT = {"M": "%Y-%m", "Q": "{y}-Q{q}", "6M": "%Y-H1", "9M": "%Y-9M", "A": "%Y"}
NOTE = (
    "Ghi chú: nhập số theo đơn vị tính, dấu phẩy hoặc dấu chấm thập phân đều được; không sửa cột mã. "
    "/ Notes: enter numbers in the unit shown, decimal comma or dot; do not edit the code columns."
)


def period_text(start: dt.date, freq: str) -> str:
    """How a form writes a period: 2026-10, 2026-Q3, 2026-H1, 2026-9M, 2026 (ad hoc: the date)."""
    if freq == "Q":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if freq == "adhoc":
        return start.isoformat()
    return start.strftime(PERIOD_FORMAT[freq])


def _resolve(regime: str, period: str, agency: str) -> tuple[pd.Series, dt.date, pd.Series]:
    cat = catalog()
    regimes = cat.regimes.set_index("code", drop=False)
    if regime.upper() not in regimes.index:
        raise unknown_code("chế độ báo cáo", "regime", regime, regimes.index)
    reg = regimes.loc[regime.upper()]
    agencies = cat.agencies.set_index("code", drop=False)
    if agency.upper() not in agencies.index:
        raise unknown_code("cơ quan", "agency", agency, agencies.index)
    ag = agencies.loc[agency.upper()]
    subs = cat.regime_submitters
    if not ((subs["regime"] == reg["code"]) & (subs["agency"] == ag["code"])).any():
        who = ", ".join(sorted(subs.loc[subs["regime"] == reg["code"], "agency"])[:6])
        raise NrisError(
            f"{ag['code']} không báo cáo theo chế độ {reg['code']} (cơ quan báo cáo: {who}...)",
            f"{ag['code']} does not report under regime {reg['code']} (submitters: {who}...)",
        )
    start, named = read_period(period, str(reg["frequency"]))
    if start is None or (named != reg["frequency"] and reg["frequency"] != "adhoc"):
        raise NrisError(
            f"kỳ '{period}' không khớp tần suất {reg['frequency']} của chế độ {reg['code']}",
            f"period '{period}' does not match frequency {reg['frequency']} of {reg['code']}",
        )
    return reg, start, ag


STATUS_TEXT = {
    "preliminary": "sơ bộ (preliminary)\tsơ bộ | chính thức",
    "official": "chính thức (official)\tsơ bộ | chính thức",
}


def template_frame(
    regime: str, period: str, agency: str, status: str = "preliminary"
) -> tuple[dict[str, str], pd.DataFrame]:
    """The form's header fields and table rows (previous values from the snapshot when there is one).

    ``status`` is the data status the header declares: "preliminary" (sơ bộ) or "official"
    (chính thức), as a revision of an earlier preliminary figure is sent.
    """
    if status not in STATUS_TEXT:
        raise NrisError(
            f"trạng thái số liệu '{status}' không hợp lệ (preliminary | official)",
            f"unknown data status '{status}' (preliminary | official)",
        )
    reg, start, ag = _resolve(regime, period, agency)
    cat = catalog()
    freq = str(reg["frequency"])
    ind = cat.indicators.set_index("code")
    codes = cat.regime_indicators.loc[cat.regime_indicators["regime"] == reg["code"], "indicator"]
    areas = _form_areas(str(reg["code"]), str(reg["level"]), str(ag["code"]), str(ag["area"]))
    rows: list[dict[str, object]] = []
    for code in codes:
        p, f = observation_period(
            start, freq, str(ind.loc[code, "frequency"]), str(ind.loc[code, "time_agg"])
        )
        rows.extend(
            {
                "code": code,
                "name": ind.loc[code, "name_vi"],
                "area": area,
                "unit": ind.loc[code, "unit_vi"],
                "period": p,
                "freq": f,
            }
            for area in areas
        )
    table = pd.DataFrame(rows)
    table["previous"] = _previous_values(table)
    header = {"Cơ quan báo cáo / Agency": f"{ag['code']}\t{ag['name_vi']}"}
    header["Chế độ báo cáo / Regime"] = f"{reg['code']}\t{reg['name_vi']}"
    label = calendar.period_label(start, freq) if freq != "adhoc" else start.isoformat()
    header["Kỳ báo cáo / Period"] = f"{period_text(start, freq)}\t{label}"
    if freq != "adhoc":
        lo, hi = calendar.cutoff_window(start, freq, str(reg["reference"]))
        due = calendar.report_deadline(
            start, freq, int(reg["deadline_days"]), str(reg["reference"])
        )
        window = (
            "Thời kỳ số liệu / Reference period"
            if reg["reference"] == "calendar"
            else "Thời gian chốt số liệu / Cut-off window"
        )
        header[window] = f"{lo:%d/%m/%Y} - {hi:%d/%m/%Y}"
        header["Hạn nộp / Deadline"] = f"{due:%H:%M %d/%m/%Y}"
    header["Trạng thái số liệu / Status"] = STATUS_TEXT[status]
    return header, table


def _form_areas(regime: str, level: str, agency: str, own: str) -> list[str]:
    """The areas a form has rows for: the agency's own area, or under a commune-level regime each
    commune it covers (a province's communes, in the package's order)."""
    if level != "commune":
        return [own]
    cov = catalog().coverage
    return cov.loc[(cov["regime"] == regime) & (cov["agency"] == agency), "area"].tolist()


def _previous_values(table: pd.DataFrame) -> list[float | None]:
    """The latest stored value of the period before each row's period (None without a snapshot)."""
    if table.empty or not store.has_snapshot():
        return [None] * len(table)
    from analytics.load import load

    prev = [
        (pd.Timestamp(p) - pd.DateOffset(months=MONTHS.get(f, 12))).date()
        for p, f in zip(table["period"], table["freq"], strict=True)
    ]
    data = load(
        table["code"].unique().tolist(),
        areas=table["area"].unique().tolist(),
        start=min(prev),
        end=max(prev),
    ).to_pandas()
    values = {
        (r.indicator, r.area, pd.Timestamp(r.period).date(), r.freq): r.value
        for r in data.itertuples()
    }
    return [
        values.get((c, a, p, f))
        for c, a, p, f in zip(table["code"], table["area"], prev, table["freq"], strict=True)
    ]


def _grid(header: dict[str, str], table: pd.DataFrame) -> list[list[object]]:
    grid: list[list[object]] = [["BIỂU MẪU BÁO CÁO / REPORTING FORM"]]
    for key, value in header.items():
        grid.append([key, *value.split("\t")])
    grid.append([])
    grid.append(list(TABLE_COLUMNS))
    for i, r in enumerate(table.itertuples(), start=1):
        prev = None if r.previous is None or pd.isna(r.previous) else float(r.previous)
        grid.append([i, r.code, r.name, r.area, r.unit, None, prev, None])
    grid.append([])
    grid.append([NOTE])
    return grid


def write_template(
    regime: str,
    period: str,
    agency: str,
    out: str | Path,
    overwrite: bool = True,
    status: str = "preliminary",
) -> Path:
    """Write the form to ``out`` (.xlsx with data validation, or .csv in UTF-8 with BOM);
    ``status`` as in :func:`template_frame`."""
    out = Path(out)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise NrisError(
            f"tệp mẫu phải là .xlsx hoặc .csv: {out.name}",
            f"the template must be .xlsx or .csv: {out.name}",
        )
    if out.exists() and not overwrite:
        raise NrisError(f"tệp {out} đã tồn tại", f"file {out} already exists")
    header, table = template_frame(regime, period, agency, status)
    grid = _grid(header, table)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    if out.suffix.lower() == ".csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        for row in grid:
            writer.writerow(["" if c is None else c for c in row])
        tmp.write_text(buf.getvalue(), encoding="utf-8-sig")
    else:
        _write_xlsx(tmp, grid, len(header), len(table))
    tmp.replace(out)
    return out


def _write_xlsx(path: Path, grid: list[list[object]], n_header: int, n_rows: int) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("BaoCao")
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    value = wb.add_format({"bg_color": "#FFF2CC", "border": 1, "num_format": "#,##0.###"})
    locked = wb.add_format({"border": 1})
    prev = wb.add_format({"border": 1, "num_format": "#,##0.###", "font_color": "#808080"})
    first_data = n_header + 3  # title, header rows, blank, table header (0-based index)
    for i, row in enumerate(grid):
        for j, cell in enumerate(row):
            if cell is None and not (first_data <= i < first_data + n_rows and j == 5):
                continue
            if i == first_data - 1:
                ws.write(i, j, cell, head)
            elif first_data <= i < first_data + n_rows:
                fmt = value if j == 5 else prev if j == 6 else locked
                if cell is None:
                    ws.write_blank(i, j, None, fmt)
                else:
                    ws.write(i, j, cell, fmt)
            elif i == 0 or (j == 0 and i <= n_header):
                ws.write(i, j, cell, bold)
            else:
                ws.write(i, j, cell)
    if n_rows:
        ws.data_validation(
            first_data,
            5,
            first_data + n_rows - 1,
            5,
            {
                "validate": "decimal",
                "criteria": "between",
                "minimum": -1e15,
                "maximum": 1e15,
                "input_title": "Giá trị / Value",
                "input_message": "Nhập số (đơn vị tính ở cột E) / Enter a number (unit in column E)",
                "error_title": "Không phải số / Not a number",
                "error_message": "Ô này chỉ nhận số / This cell accepts numbers only",
            },
        )
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 26)
    ws.set_column(2, 2, 60)
    ws.set_column(3, 7, 16)
    ws.freeze_panes(first_data, 0)
    wb.close()


def fill_template(path: str | Path, values: dict[tuple[str, str], object]) -> None:
    """Put values into a written .xlsx/.csv template, keyed by (indicator, area) (tests, demos)."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        text = path.read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        for row in rows:
            if len(row) > 5 and (row[1], row[3]) in values:
                row[5] = str(values[(row[1], row[3])])
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows(rows)
        path.write_text(buf.getvalue(), encoding="utf-8-sig")
        return
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert ws is not None
    for row in ws.iter_rows():
        if len(row) > 5 and (row[1].value, row[3].value) in values:
            row[5].value = values[(row[1].value, row[3].value)]  # type: ignore[index]
    wb.save(path)


def expected_rows(regime: str, agency: str) -> list[tuple[str, str]]:
    """The (indicator, area) rows a form of ``regime`` for ``agency`` carries."""
    cat = catalog()
    area = str(cat.agencies.set_index("code").loc[agency, "area"]) or NATION
    level = str(cat.regimes.set_index("code").loc[regime, "level"])
    codes = cat.regime_indicators.loc[cat.regime_indicators["regime"] == regime, "indicator"]
    return [(c, a) for c in codes for a in _form_areas(regime, level, agency, area)]
