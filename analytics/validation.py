"""Validating a submission: find the form in the sheets, then check it against the catalog and history.

``parse_form`` finds the header (agency, regime, period, status) and the table (code, area, unit,
value) wherever the agency put them; ``validate`` checks every row and returns the observations to
store plus a list of ``Issue``s. An error rejects the whole file; a warning (provinces not adding up to
the national total, a value far outside the series' history, a late report) is recorded and shown
but does not.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from analytics import calendar
from analytics.catalog import LEVEL_OF_AREA, NATION, Catalog, area_code
from analytics.fmt import number, parse_number
from analytics.submission_files import Sheet, cell_text, fold

OUTLIER_Z = 6.0
MAX_ABS = {"%": 1e5}
"""Largest magnitude a value in a unit can have (a 1000-fold growth in per cent)."""
MAX_ABS_OTHER = 1e13
"""For every other unit: 1,000 times Vietnam's GDP in tỷ đồng. Beyond it a figure is a typo or
an attack (1e308 overflows every sum over it), refused rather than warned."""
ADD_UP_TOLERANCE = 0.005  # relative, provinces vs national total
HEADER_KEYS = {
    "agency": ("co quan", "agency", "don vi bao cao", "ma co quan"),
    "regime": ("che do", "regime"),
    "period": ("ky bao cao", "period", "reporting period"),
    "status": ("trang thai", "status"),
}
COLUMNS = {
    "code": {"ma chi tieu", "ma", "code", "indicator", "indicator code", "ma so"},
    "area": {"dia ban", "ma dia ban", "area", "area code", "tinh", "ma tinh"},
    "unit": {"don vi tinh", "dvt", "don vi", "unit"},
    "value": {"gia tri", "value", "so lieu", "thuc hien", "gia tri ky bao cao"},
}
STATUS_WORDS = {
    "preliminary": ("so bo", "uoc", "preliminary", "estimate"),
    "official": ("chinh thuc", "official", "final"),
}


@dataclass
class Issue:
    """One finding, located in the file as precisely as possible, in Vietnamese and English."""

    severity: str  # error | warning
    kind: str
    vi: str
    en: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def where(self, lang: str = "vi") -> str:
        parts = []
        if self.sheet:
            parts.append(f"{'trang' if lang == 'vi' else 'sheet'} '{self.sheet}'")
        if self.row:
            parts.append(f"{'dòng' if lang == 'vi' else 'row'} {self.row}")
        if self.column:
            parts.append(f"{'cột' if lang == 'vi' else 'column'} {self.column}")
        if self.value not in (None, ""):
            parts.append(f"{'giá trị' if lang == 'vi' else 'value'} '{self.value}'")
        return ", ".join(parts)

    def line(self, lang: str = "vi") -> str:
        """'sheet 'BaoCao', row 12, column E, value '1,2x': not a number' in one language."""
        where = self.where(lang)
        text = self.vi if lang == "vi" else self.en
        return f"{where}: {text}" if where else text

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Form:
    """What ``parse_form`` found: header values with their cells, and the table rows."""

    header: dict[str, tuple[str, str, int, str]] = field(default_factory=dict)  # sheet,row,col
    rows: list[dict[str, Any]] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # role -> column letter
    sheet: str | None = None
    issues: list[Issue] = field(default_factory=list)


@dataclass
class Checked:
    """The outcome of validation: the submission's identity, observations, and issues."""

    agency: str | None
    regime: str | None
    period: dt.date | None
    freq: str | None
    status: str
    obs: pd.DataFrame
    issues: list[Issue]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]


@dataclass(frozen=True)
class Lookups:
    """The catalog tables validation reads row by row, as dicts: built once per catalog, so a
    submission pays dictionary look-ups instead of a pandas ``set_index``/``.loc`` per cell."""

    indicators: dict[str, dict[str, Any]]  # code -> its catalog row
    indicator_codes: pd.Index
    area_level: dict[str, str]
    agency_area: dict[str, str]
    regimes: dict[str, dict[str, Any]]  # code -> its catalog row
    carried: dict[str, set[str]]  # regime -> indicators
    submitters: frozenset[tuple[str, str]]  # (regime, agency)
    n_provinces: int


_LOOKUPS: list[tuple[Catalog, Lookups]] = []


def lookups(cat: Catalog) -> Lookups:
    """``cat``'s ``Lookups`` (cached for the catalog object, which changes when its files do)."""
    for known, found in _LOOKUPS:
        if known is cat:
            return found
    ind = cat.indicators.set_index("code")
    ri = cat.regime_indicators
    found = Lookups(
        indicators=ind.to_dict("index"),
        indicator_codes=ind.index,
        area_level=dict(zip(cat.areas["code"], cat.areas["level"], strict=True)),
        agency_area=dict(zip(cat.agencies["code"], cat.agencies["area"], strict=True)),
        regimes=cat.regimes.set_index("code").to_dict("index"),
        carried={r: set(g) for r, g in ri.groupby("regime")["indicator"]},
        submitters=frozenset(
            zip(cat.regime_submitters["regime"], cat.regime_submitters["agency"], strict=True)
        ),
        n_provinces=len(cat.provinces()),
    )
    _LOOKUPS[:] = [(cat, found)]  # the catalog object is held here, so its id is never reused
    return found


def _err(kind: str, vi: str, en: str, **loc: Any) -> Issue:
    return Issue("error", kind, vi, en, **loc)


def _warn(kind: str, vi: str, en: str, **loc: Any) -> Issue:
    return Issue("warning", kind, vi, en, **loc)


def _role(cell: Any) -> str | None:
    """Which table column a header cell names ("Mã chỉ tiêu / Code" -> "code")."""
    text = cell_text(cell)
    if not text:
        return None
    for part in re.split(r"[/|\n]", text):
        key = fold(part).strip(" :*()")
        for role, aliases in COLUMNS.items():
            if key in aliases:
                return role
    return None


def _header_key(cell: Any) -> str | None:
    key = fold(cell_text(cell)).strip(" :*")
    if not key:
        return None
    for name, prefixes in HEADER_KEYS.items():
        if any(key.startswith(p) for p in prefixes):
            return name
    return None


def parse_form(sheets: list[Sheet]) -> Form:
    """Find the indicator table in the first sheet that has one, and the header fields above it;
    a field missing there is taken from a sheet before it (a cover sheet), the first found."""
    form = Form()
    earlier: dict[str, tuple[str, str, int, str]] = {}  # fields of the sheets before the table's
    for sheet in sheets:
        header: dict[str, tuple[str, str, int, str]] = {}
        for i, row in enumerate(sheet.rows):
            roles: dict[str, int] = {}
            for j, c in enumerate(row):
                role = _role(c)
                if role:
                    roles.setdefault(role, j)
            if "code" in roles and "value" in roles:
                form.header, form.sheet = {**earlier, **header}, sheet.name
                form.columns = {r: get_column_letter(j + 1) for r, j in roles.items()}
                form.rows = _table_rows(sheet, i, roles)
                return form
            cells = [(j, c) for j, c in enumerate(row) if cell_text(c)]
            if len(cells) >= 2:
                key = _header_key(cells[0][1])
                if key and key not in header:
                    j, value = cells[1]
                    header[key] = (cell_text(value), sheet.name, i + 1, get_column_letter(j + 1))
        earlier = {**header, **earlier}
    form.issues.append(
        _err(
            "no_table",
            "không tìm thấy bảng số liệu (cần dòng tiêu đề có cột 'Mã chỉ tiêu' và 'Giá trị')",
            "no data table found (need a header row with 'Mã chỉ tiêu/Code' and 'Giá trị/Value')",
        )
    )
    return form


def _is_note(code: str) -> bool:
    return bool(re.search(r"\s", code)) or len(code) > 40 or code.startswith(("*", "(", "-"))


def _table_rows(sheet: Sheet, header_i: int, roles: dict[str, int]) -> list[dict[str, Any]]:
    rows = []
    for i in range(header_i + 1, len(sheet.rows)):
        row = sheet.rows[i]

        def get(role: str, row: list[Any] = row) -> Any:
            j = roles.get(role)
            return row[j] if j is not None and j < len(row) else None

        code, value = cell_text(get("code")), get("value")
        blank_value = cell_text(value) == ""
        if not any(cell_text(c) for c in row):
            continue  # blank row
        if not code and blank_value:
            continue  # a row with only a name or a remark
        if code and blank_value and _is_note(code):
            continue  # a note under (or inside) the table: "Ghi chú: ...", "I. Kinh tế"
        rows.append(
            {
                "sheet": sheet.name,
                "row": i + 1,
                "code": code,
                "area": cell_text(get("area")),
                "unit": cell_text(get("unit")),
                "value": value,
                "formula": (i, roles["value"]) in sheet.formulas,
            }
        )
    return rows


def observation_period(
    start: dt.date, regime_freq: str, ind_freq: str, time_agg: str
) -> tuple[dt.date, str]:
    """Which (period, freq) a regime's report of an indicator fills.

    Same frequency: the period itself. A longer regime period (a 6-month report of a monthly series):
    for end-of-period indicators (time_agg ``last``: growth year to date, rates) the last sub-period,
    which the value is; for sums and averages the cumulative figure under the regime's frequency.
    """
    if regime_freq == "adhoc":
        return calendar.period_start(start, ind_freq), ind_freq
    if regime_freq == ind_freq:
        return start, ind_freq
    if calendar.MONTHS[regime_freq] > calendar.MONTHS[ind_freq]:
        if time_agg == "last":
            end = calendar.period_end(start, regime_freq)
            return calendar.period_start(end, ind_freq), ind_freq
        return start, regime_freq
    return calendar.period_start(start, ind_freq), ind_freq


def _check_header(
    form: Form, cat: Catalog, agency_arg: str | None, received_at: dt.datetime
) -> tuple[str | None, str | None, dt.date | None, str | None, str, list[Issue]]:
    issues: list[Issue] = []
    h = form.header

    def loc(key: str) -> dict[str, Any]:
        if key not in h:
            return {}
        _, sheet, row, col = h[key]
        return {"sheet": sheet, "row": row, "column": col, "value": h[key][0]}

    lk = lookups(cat)
    agencies = lk.agency_area
    file_agency = h["agency"][0].split()[0].upper() if h.get("agency", ("",))[0] else None
    agency = agency_arg.upper() if agency_arg else file_agency
    if agency_arg and file_agency and file_agency != agency:
        issues.append(
            _err(
                "agency_mismatch",
                f"tệp ghi cơ quan '{file_agency}' nhưng được nộp với tư cách '{agency}'",
                f"the file names agency '{file_agency}' but was submitted as '{agency}'",
                **loc("agency"),
            )
        )
    if not agency:
        issues.append(
            _err("no_agency", "thiếu mã cơ quan báo cáo", "the reporting agency is missing")
        )
    elif agency not in agencies:
        issues.append(
            _err(
                "unknown_agency",
                f"không có cơ quan '{agency}' trong danh mục",
                f"unknown agency '{agency}'",
                **loc("agency"),
            )
        )
        agency = None
    regimes = lk.regimes
    regime = h["regime"][0].split()[0].upper() if h.get("regime", ("",))[0] else None
    if not regime:
        issues.append(
            _err("no_regime", "thiếu mã chế độ báo cáo", "the reporting regime is missing")
        )
    elif regime not in regimes:
        issues.append(
            _err(
                "unknown_regime",
                f"không có chế độ báo cáo '{regime}'",
                f"unknown reporting regime '{regime}'",
                **loc("regime"),
            )
        )
        regime = None
    if agency and regime and (regime, agency) not in lk.submitters:
        issues.append(
            _err(
                "not_submitter",
                f"cơ quan {agency} không thuộc diện báo cáo theo chế độ {regime}",
                f"agency {agency} does not report under regime {regime}",
                **loc("regime"),
            )
        )
    period, freq = None, None
    if regime:
        freq = str(regimes[regime]["frequency"])
        text = h.get("period", ("",))[0]
        if not text:
            issues.append(_err("no_period", "thiếu kỳ báo cáo", "the reporting period is missing"))
        else:
            start, named = calendar.read_period(text, freq)
            ok = start is not None and (
                named == freq or (freq == "adhoc" and named in ("M", "D", "Q", "A"))
            )
            if not ok:
                want = {
                    "M": "tháng, vd 2026-10 | a month, e.g. 2026-10",
                    "Q": "quý, vd 2026-Q3 | a quarter, e.g. 2026-Q3",
                    "6M": "6 tháng, vd 2026-H1 | six months, e.g. 2026-H1",
                    "9M": "9 tháng, vd 2026-9M | nine months, e.g. 2026-9M",
                    "A": "năm, vd 2026 | a year, e.g. 2026",
                    "adhoc": "ngày hoặc tháng | a date or month",
                }[freq]
                vi_want, en_want = want.split(" | ")
                issues.append(
                    _err(
                        "period_freq",
                        f"kỳ báo cáo không khớp tần suất của chế độ {regime}: cần {vi_want}",
                        f"period does not match the frequency of regime {regime}: expected {en_want}",
                        **loc("period"),
                    )
                )
            else:
                period = start
                if freq != "adhoc":
                    reference = str(regimes[regime]["reference"])
                    opens = calendar.cutoff_window(start, freq, reference)[0]  # type: ignore[arg-type]
                    if received_at.date() < opens:
                        issues.append(
                            _err(
                                "period_window",
                                f"kỳ báo cáo chưa đến: thời gian chốt số liệu bắt đầu từ "
                                f"{opens:%d/%m/%Y}",
                                f"the period is not open yet: its cut-off window starts on "
                                f"{opens:%Y-%m-%d}",
                                **loc("period"),
                            )
                        )
                        period = None
                    else:
                        due = calendar.report_deadline(
                            start,  # type: ignore[arg-type]
                            freq,
                            int(regimes[regime]["deadline_days"]),
                            reference,
                        )
                        if received_at > due:
                            issues.append(
                                _warn(
                                    "late",
                                    f"nộp muộn: hạn nộp là {due:%H:%M %d/%m/%Y}",
                                    f"late: the report was due {due:%Y-%m-%d %H:%M}",
                                    **loc("period"),
                                )
                            )
    status = "preliminary"
    if h.get("status", ("",))[0]:
        word = fold(h["status"][0])
        found = [s for s, words in STATUS_WORDS.items() if any(w in word for w in words)]
        if len(found) != 1:
            issues.append(
                _err(
                    "bad_status",
                    "trạng thái số liệu phải là 'sơ bộ' hoặc 'chính thức'",
                    "data status must be 'preliminary' (sơ bộ) or 'official' (chính thức)",
                    **loc("status"),
                )
            )
        else:
            status = found[0]
    return agency, regime, period, freq, status, issues


SUGGEST_FOR = 50  # problems a report lists (NRIS_LIMITS problems); past them no fuzzy search


def _unknown_indicator(
    code: str, valid: Any, n_before: int, column: str | None, loc: dict[str, Any]
) -> Issue:
    """An unknown indicator code, with the nearest valid codes while the report still lists it.

    The nearest codes cost a fuzzy search over the catalog (~2 ms); past the problems a report
    shows, a file of thousands of made-up codes gets the plain message instead of minutes of search.
    """
    if n_before < SUGGEST_FOR:
        from analytics.errors import unknown_code

        near = unknown_code("chỉ tiêu", "indicator", code, valid)
        vi, en = near.vi, near.en
    else:
        vi, en = f"Không có chỉ tiêu '{code}'", f"unknown indicator '{code}'"
    return _err("unknown_indicator", vi, en, column=column, value=code, **loc)


def covers(
    cat: Catalog, regime: str | None, agency: str, agency_area: str | None, area: str
) -> bool:
    """Whether ``agency`` may report ``area``: the regime's coverage, else the agency's own area."""
    if regime is not None and (regime, agency) in cat.submits:
        return cat.covers(regime, agency, area)
    return area == agency_area


def authority_issues(
    obs: pd.DataFrame, cat: Catalog, agency: str | None, value_col: str | None
) -> list[Issue]:
    """Rows whose (indicator, area) another agency is authoritative for, as the catalog says.

    Where the catalog keeps other sources (``keep``), a warning: the figures are stored as the
    agency's own series and do not replace the consolidated one. Where it refuses them, an error.
    """
    issues: list[Issue] = []
    if agency is None:
        return issues
    for r in obs.itertuples(index=False):
        named = cat.authoritative(str(r.indicator), str(r.area))
        if named is None or named[0] == agency:
            continue
        owner, regime, others = named
        loc = {"sheet": r.src_sheet, "row": int(r.src_row), "column": value_col}
        if others == "refuse":
            issues.append(
                _err(
                    "not_authoritative",
                    f"{r.indicator} ({r.area}) chỉ nhận từ {owner} (chế độ {regime}); "
                    f"số liệu của {agency} không được lưu",
                    f"{r.indicator} ({r.area}) is accepted from {owner} only (regime {regime}); "
                    f"{agency}'s figure is not stored",
                    value=f"{r.value:g}",
                    **loc,
                )
            )
        else:
            issues.append(
                _warn(
                    "other_source",
                    f"{r.indicator} ({r.area}): số liệu chính thức là của {owner}; số của "
                    f"{agency} được lưu riêng, không thay thế",
                    f"{r.indicator} ({r.area}): the consolidated figure is {owner}'s; "
                    f"{agency}'s is kept as its own series, not replacing it",
                    value=f"{r.value:g}",
                    **loc,
                )
            )
    return issues


def _value(raw: Any) -> tuple[float | None, str | None]:
    """A cell value as a float, or (None, reason) when it is not a number."""
    if isinstance(raw, bool | dt.date | dt.datetime | dt.time):
        return None, "type"
    if isinstance(raw, int | float | np.integer | np.floating):
        v = float(raw)
        return (v, None) if np.isfinite(v) else (None, "type")
    try:
        return parse_number(str(raw)), None
    except ValueError:
        return None, "text"


def validate(
    form: Form,
    cat: Catalog,
    agency: str | None = None,
    received_at: dt.datetime | None = None,
) -> Checked:
    """Check a parsed form; returns the observations and every error and warning found.

    The two rules that read beyond the form, ``outlier_issues`` (the stored history) and
    ``authority_issues``, are run on the result by ``ingest.check``.
    """
    received_at = received_at or calendar.now()
    issues = list(form.issues)
    agency, regime, period, freq, status, header_issues = _check_header(
        form, cat, agency, received_at
    )
    issues += header_issues
    lk = lookups(cat)
    ind, areas = lk.indicators, lk.area_level
    agency_area = str(lk.agency_area[agency]) if agency else None
    carried = set(lk.carried.get(regime, ())) if regime else None
    col = form.columns
    commune_form = regime is not None and lk.regimes[regime]["level"] == "commune"
    out: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    for r in form.rows:
        loc = {"sheet": r["sheet"], "row": r["row"]}
        code = r["code"].upper()
        if not code:
            issues.append(
                _err(
                    "no_code",
                    "thiếu mã chỉ tiêu",
                    "the indicator code is missing",
                    column=col.get("code"),
                    **loc,
                )
            )
            continue
        if code not in ind:
            issues.append(
                _unknown_indicator(code, lk.indicator_codes, len(issues), col["code"], loc)
            )
            continue
        row_ok = True
        if carried is not None and code not in carried:
            issues.append(
                _err(
                    "not_in_regime",
                    f"chỉ tiêu {code} không thuộc chế độ báo cáo {regime}",
                    f"indicator {code} is not carried by regime {regime}",
                    column=col["code"],
                    value=code,
                    **loc,
                )
            )
            row_ok = False
        area = area_code(r["area"]) or (agency_area or NATION)
        if commune_form and r["area"].strip().isdigit():  # Excel drops a commune's leading zeros
            area = f"{int(r['area']):05d}"
        info = ind[code]
        levels = str(info["levels"]).split(";")
        if area not in areas:
            issues.append(
                _err(
                    "unknown_area",
                    f"không có địa bàn '{area}'",
                    f"unknown area '{area}'",
                    column=col.get("area"),
                    value=r["area"],
                    **loc,
                )
            )
            row_ok = False
        elif agency is not None and not covers(cat, regime, agency, agency_area, area):
            issues.append(
                _err(
                    "area_not_agency",
                    f"địa bàn {area} không thuộc phạm vi báo cáo của {agency}"
                    + (f" theo chế độ {regime}" if regime else ""),
                    f"area {area} is not covered by agency {agency}"
                    + (f" under regime {regime}" if regime else ""),
                    column=col.get("area"),
                    value=r["area"] or area,
                    **loc,
                )
            )
            row_ok = False
        elif (level := LEVEL_OF_AREA[str(areas[area])]) not in levels:
            vi_level = {"national": "cấp quốc gia", "province": "cấp tỉnh", "commune": "cấp xã"}
            issues.append(
                _err(
                    "area_level",
                    f"chỉ tiêu {code} không báo cáo {vi_level[level]}",
                    f"indicator {code} is not reported at {level} level",
                    column=col.get("area"),
                    value=area,
                    **loc,
                )
            )
            row_ok = False
        if r["unit"] and fold(r["unit"]).replace(" ", "") not in {
            fold(info["unit_vi"]).replace(" ", ""),
            fold(info["unit_en"]).replace(" ", ""),
        }:
            issues.append(
                _err(
                    "unit",
                    f"đơn vị tính sai, cần '{info['unit_vi']}'",
                    f"wrong unit, expected '{info['unit_en']}'",
                    column=col.get("unit"),
                    value=r["unit"],
                    **loc,
                )
            )
            row_ok = False
        value, why = (None, "missing") if cell_text(r["value"]) == "" else _value(r["value"])
        if value is None:
            vloc = {"column": col["value"], "value": cell_text(r["value"]), **loc}
            if why == "missing" and r["formula"]:
                issues.append(
                    _err(
                        "formula_no_value",
                        "ô chứa công thức chưa được tính (hãy mở và lưu lại tệp trong Excel)",
                        "the cell holds a formula with no computed value (open and save in Excel)",
                        **vloc,
                    )
                )
            elif why == "missing":
                issues.append(
                    _err(
                        "missing_value", "thiếu giá trị bắt buộc", "missing mandatory value", **vloc
                    )
                )
            else:
                issues.append(
                    _err(
                        "not_a_number", "giá trị không phải là số", "value is not a number", **vloc
                    )
                )
            row_ok = False
        elif abs(value) > (limit := MAX_ABS.get(str(info["unit_vi"]), MAX_ABS_OTHER)):
            issues.append(
                _err(
                    "implausible",
                    f"giá trị vượt mọi độ lớn hợp lý của đơn vị '{info['unit_vi']}' "
                    f"(tối đa {limit:.0e})",
                    f"value beyond any plausible magnitude for unit '{info['unit_en']}' "
                    f"(at most {limit:.0e})",
                    column=col["value"],
                    value=cell_text(r["value"]),
                    **loc,
                )
            )
            row_ok = False
        key = (code, area)
        if key in seen:
            issues.append(
                _err(
                    "duplicate_row",
                    f"trùng với dòng {seen[key]} ({code}, {area})",
                    f"duplicates row {seen[key]} ({code}, {area})",
                    column=col["code"],
                    value=code,
                    **loc,
                )
            )
            continue
        seen[key] = r["row"]
        if row_ok and period is not None and freq is not None:
            p, f = observation_period(period, freq, str(info["frequency"]), str(info["time_agg"]))
            out.append(
                {
                    "indicator": code,
                    "area": area,
                    "period": p,
                    "freq": f,
                    "value": value,
                    "unit": info["unit_vi"],
                    "src_row": r["row"],
                    "src_sheet": r["sheet"],
                }
            )
    if carried is not None and agency_area is not None and not form.issues:
        for code in sorted(carried - {c for c, _ in seen}):
            issues.append(
                _err(
                    "missing_indicator",
                    f"thiếu chỉ tiêu {code} của chế độ {regime}",
                    f"indicator {code} of regime {regime} is missing",
                    value=code,
                )
            )
    if not form.rows and not form.issues:
        issues.append(
            _err("no_rows", "bảng không có dòng số liệu nào", "the table has no data rows")
        )
    obs = pd.DataFrame(
        out,
        columns=["indicator", "area", "period", "freq", "value", "unit", "src_row", "src_sheet"],
    )
    if len(obs):
        issues += _add_up(obs, cat, col.get("value"))
    issues.sort(key=lambda i: i.severity != "error")  # errors first, each group in file order
    return Checked(agency, regime, period, freq, status, obs, issues)


def _add_up(obs: pd.DataFrame, cat: Catalog, value_col: str | None) -> list[Issue]:
    """Warn when provinces do not add up to a national total submitted in the same file."""
    if NATION not in set(obs["area"]):
        return []  # no national total in the file: nothing to add up to
    lk = lookups(cat)
    ind = lk.indicators
    n_prov = lk.n_provinces
    issues = []
    for (code, _period, _freq), g in obs.groupby(["indicator", "period", "freq"]):
        if ind[code]["area_agg"] != "sum" or NATION not in set(g["area"]):
            continue
        prov = g[g["area"] != NATION]
        if prov.empty:
            continue
        nat = g.loc[g["area"] == NATION].iloc[0]
        total = float(prov["value"].sum())
        tol = max(ADD_UP_TOLERANCE * abs(nat["value"]), 10.0 ** -int(ind[code]["decimals"]))
        complete = len(prov) == n_prov
        if (complete and abs(total - nat["value"]) > tol) or (
            not complete and total > nat["value"] + tol
        ):
            issues.append(
                _warn(
                    "add_up",
                    f"tổng các tỉnh ({number(total, 2)}) lệch so với số cả nước "
                    f"({number(nat['value'], 2)}) của {code}",
                    f"provinces add up to {number(total, 2, 'en')}, not the national total "
                    f"{number(nat['value'], 2, 'en')} of {code}",
                    sheet=nat["src_sheet"],
                    row=int(nat["src_row"]),
                    column=value_col,
                    value=f"{nat['value']:g}",
                )
            )
    return issues


def _decimals(value: float) -> int:
    """Decimals that keep about four significant digits of ``value`` (as ``{:.4g}`` did)."""
    return max(0, 3 - int(np.floor(np.log10(abs(value))))) if value else 0


def outlier_issues(obs: pd.DataFrame, history: pd.DataFrame, value_col: str | None) -> list[Issue]:
    """Warn about values far outside the series' history (robust z-score of the change).

    ``history`` holds the latest stored values (indicator, area, period, freq, value). Each series
    is turned into sorted numpy arrays once; each submitted value then costs a binary search and a
    few medians over at most 72 earlier values, not a pandas frame per row.
    """
    if obs.empty or history.empty:
        return []
    issues = []
    periods = pd.to_datetime(history["period"]).to_numpy("datetime64[ns]")
    order = np.lexsort((periods, history["freq"], history["area"], history["indicator"]))
    keys = list(
        zip(
            history["indicator"].to_numpy()[order],
            history["area"].to_numpy()[order],
            history["freq"].to_numpy()[order],
            strict=True,
        )
    )
    periods, values = periods[order], history["value"].to_numpy(float)[order]
    bounds: dict[tuple[str, str, str], tuple[int, int]] = {}
    for i, key in enumerate(keys):
        first, _ = bounds.get(key, (i, i))
        bounds[key] = (first, i + 1)
    for r in obs.itertuples(index=False):
        span = bounds.get((r.indicator, r.area, r.freq))
        if span is None:
            continue
        when = pd.Timestamp(r.period)
        p_all, v_all = periods[span[0] : span[1]], values[span[0] : span[1]]
        end = int(np.searchsorted(p_all, when.to_datetime64(), side="left"))
        p, v = p_all[max(0, end - 72) : end], v_all[max(0, end - 72) : end]
        lag = 12 // calendar.MONTHS[str(r.freq)] if str(r.freq) in ("M", "Q") else 1
        ref = when - pd.DateOffset(months=lag * calendar.MONTHS.get(str(r.freq), 1))
        at = int(np.searchsorted(p, ref.to_datetime64()))
        if len(v) < lag + 12 or at >= len(p) or p[at] != ref.to_datetime64():
            lag, at = 1, len(v) - 1
        if len(v) < 12:
            continue
        d = v[lag:] - v[:-lag]
        med = float(np.median(d))
        scale = max(  # robust spread of the changes, floored for flat or integer series
            1.4826 * float(np.median(np.abs(d - med))),
            1.2533 * float(np.mean(np.abs(d - med))),
            0.01 * abs(float(np.median(v))),
            1e-9,
        )
        expected = float(v[at]) + med
        z = abs(float(r.value) - expected) / scale
        if z > OUTLIER_Z:
            lo, hi = expected - OUTLIER_Z * scale, expected + OUTLIER_Z * scale
            issues.append(
                _warn(
                    "outlier",
                    f"{r.indicator} ({r.area}) khác thường so với lịch sử: dự kiến "
                    f"{number(lo, _decimals(lo))} đến {number(hi, _decimals(hi))}",
                    f"{r.indicator} ({r.area}) is far outside its history: expected "
                    f"{number(lo, _decimals(lo), 'en')} to {number(hi, _decimals(hi), 'en')}",
                    sheet=r.src_sheet,
                    row=int(r.src_row),
                    column=value_col,
                    value=f"{r.value:g}",
                )
            )
    return issues
