"""Helpers shared by the ingest and reporting tests: a writable copy of the demo store, forms."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import unicodedata
from pathlib import Path

from analytics import templates

AGENCY, REGIME, PERIOD = "UBND_04", "BC_KTXH_THANG", "2022-07"
RECEIVED = dt.datetime(2022, 7, 16, 10, 0)


def copy_store(demo_store: Path, dest: Path) -> Path:
    """A private writable copy of the session demo store, its files dated now: a publish removes
    snapshots older than ``store.KEEP_OLD_SNAPSHOTS_S``, and the session's store may be that old."""
    shutil.copytree(
        demo_store, dest, ignore=shutil.ignore_patterns("write.lock"), copy_function=shutil.copy
    )
    return dest


def form_grid(agency: str = AGENCY, regime: str = REGIME, period: str = PERIOD) -> list[list]:
    """The template as a grid of cells with the value column filled from the previous period."""
    header, table = templates.template_frame(regime, period, agency)
    grid = templates._grid(header, table)
    for row in grid:
        if len(row) > 6 and isinstance(row[0], int):
            row[5] = row[6] if row[6] is not None else 1.0
    return grid


def write_csv(
    path: Path, grid: list[list], encoding: str = "utf-8-sig", delimiter: str = ","
) -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(
        [["" if c is None else c for c in row] for row in grid]
    )
    text = buf.getvalue()
    if encoding == "cp1258":
        text = to_cp1258(text)
    path.write_bytes(text.encode(encoding))
    return path


def to_cp1258(text: str) -> str:
    """Vietnamese as Windows-1258 writes it: precomposed vowels (â, ơ, ư...) + combining tones."""
    tones = set("\u0300\u0301\u0303\u0309\u0323")
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            ch.encode("cp1258")
            out.append(ch)
        except UnicodeEncodeError:
            d = unicodedata.normalize("NFD", ch)
            keep = "".join(m for m in d[1:] if m not in tones)
            out.append(unicodedata.normalize("NFC", d[0] + keep))
            out.append("".join(m for m in d[1:] if m in tones))
    return "".join(out)


def write_xlsx(path: Path, grid: list[list]) -> Path:
    return write_workbook(path, {"BaoCao": grid})


def write_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """An XLSX file with one sheet per item, in order."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.worksheets[0])
    for name, grid in sheets.items():
        ws = wb.create_sheet(name)
        for row in grid:
            ws.append(list(row))
    wb.save(path)
    return path


def data_rows(grid: list[list]) -> list[list]:
    """The table rows of a form grid (those starting with a row number)."""
    return [row for row in grid if len(row) > 6 and isinstance(row[0], int)]


def header_row(grid: list[list], startswith: str) -> list:
    return next(row for row in grid if row and str(row[0]).startswith(startswith))
