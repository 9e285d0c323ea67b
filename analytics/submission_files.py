"""Reading submission files as agencies really send them: .xlsx and .csv, into a grid of cells.

Everything here is about bytes and cells, nothing about the catalog: text is decoded (UTF-8 with or
without BOM, Windows-1258, CP1252), normalised to Unicode NFC, and each sheet becomes a list of rows
with their 1-based row numbers, so validation can point at "sheet, row, column" exactly. Formulas
give their cached value (what Excel last computed); a formula never computed reads as missing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analytics.errors import NrisError

SUFFIXES = (".xlsx", ".xlsm", ".csv")
ENCODINGS = ("utf-8-sig", "cp1258", "cp1252")


class SubmissionFileError(NrisError):
    """The file cannot be read at all (wrong type, corrupt, empty)."""


@dataclass
class Sheet:
    """One sheet as rows of cell values; ``formulas`` marks cells holding an uncomputed formula."""

    name: str
    rows: list[list[Any]]
    formulas: set[tuple[int, int]] = field(default_factory=set)  # (row index, col index), 0-based


def file_hash(data: bytes) -> str:
    """Content hash used to recognise the same file submitted twice."""
    return hashlib.sha256(data).hexdigest()


def nfc(value: Any) -> Any:
    """Text in Unicode NFC with non-breaking spaces made plain; other values unchanged."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value.replace("\u00a0", " ")).strip()
    return value


def fold(text: str) -> str:
    """Lower-case text without diacritics, for matching labels ("Mã chỉ tiêu" -> "ma chi tieu")."""
    decomposed = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def decode(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 (BOM or not), else Windows-1258, else CP1252. Returns (text, encoding)."""
    for enc in ENCODINGS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"  # every byte decodes; validation will flag the rest


def read_csv(data: bytes, name: str = "csv") -> list[Sheet]:
    """A CSV file as one sheet; the delimiter (comma, semicolon, tab) is sniffed."""
    text, _ = decode(data)
    text = unicodedata.normalize("NFC", text)
    sample = "\n".join(text.splitlines()[:40])
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        counts = {d: sample.count(d) for d in (";", "\t", ",")}
        delim = max(counts, key=lambda d: counts[d])

        class _D(csv.excel):
            delimiter = delim

        dialect = _D
    rows = [[nfc(c) for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    return [Sheet(Path(name).stem or "csv", rows)]


def read_xlsx(data: bytes) -> list[Sheet]:
    """Every sheet of a workbook with cached formula values; uncomputed formulas are marked."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SubmissionFileError(
            f"không đọc được tệp Excel ({type(exc).__name__})",
            f"cannot read the Excel file ({type(exc).__name__})",
        ) from None
    sheets = []
    for ws in wb.worksheets:
        rows = [[nfc(c) for c in row] for row in ws.iter_rows(values_only=True)]
        sheets.append(Sheet(ws.title, rows))
    wb.close()
    return sheets


def formula_cells(data: bytes, sheet: str) -> set[tuple[int, int]]:
    """Cells of ``sheet`` holding a formula (read only when a value is missing, to explain why)."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), data_only=False, read_only=True)
    try:
        out = set()
        for i, row in enumerate(wb[sheet].iter_rows(values_only=True)):
            for j, v in enumerate(row):
                if isinstance(v, str) and v.startswith("="):
                    out.add((i, j))
        return out
    finally:
        wb.close()


def read_sheets(data: bytes, name: str) -> list[Sheet]:
    """Read a submission file by its suffix; refuses other types with a one-line bilingual error."""
    suffix = Path(name).suffix.lower()
    if not data.strip():
        raise SubmissionFileError("tệp rỗng", "the file is empty")
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(data)
    if suffix == ".csv":
        return read_csv(data, name)
    raise SubmissionFileError(
        f"loại tệp '{suffix or name}' không được hỗ trợ (chỉ nhận .xlsx, .csv)",
        f"file type '{suffix or name}' is not supported (only .xlsx, .csv)",
    )


def cell_text(value: Any) -> str:
    """A cell as text for messages and label matching (dates as ISO, whole floats without .0)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
