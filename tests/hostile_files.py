"""Hostile and awkward submission files, built at test time (big ones are never committed).

Each builder writes one file the way a careless or hostile sender would make it: a zip bomb whose
sheet XML unpacks to a gigabyte, a CSV of hundreds of megabytes, a field past the csv module's
131,072-character limit, Excel's "Unicode Text" export (UTF-16, tabs), a workbook whose
``<dimension>`` is stale, a FIFO named like a report.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

from test_ingest_helpers import write_xlsx

ROW_XML = b'<row><c t="inlineStr"><is><t>CPI</t></is></c><c><v>1</v></c></row>' * 1000


def zip_bomb(path: Path, unpacked: int = 1024**3) -> Path:
    """An .xlsx whose one sheet's XML unpacks to ``unpacked`` bytes (~3 MB on disk for 1 GB)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"/>',
        )
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(b'<worksheet><dimension ref="A1:B5"/><sheetData>')
            written = 0
            while written < unpacked:
                chunk = ROW_XML[: unpacked - written]
                f.write(chunk)
                written += len(chunk)
            f.write(b"</sheetData></worksheet>")
    return path


def giant_csv(path: Path, size: int, header: str) -> Path:
    """A CSV of ``size`` bytes: a real form's header, then the same bad row over and over."""
    row = b"99,CPI,Chi so gia,79,,abc\r\n" * 4096
    with open(path, "wb") as f:
        f.write(header.encode("utf-8"))
        written = len(header)
        while written < size:
            f.write(row)
            written += len(row)
        f.truncate(size)
    return path


def with_long_field(grid: list[list], chars: int) -> list[list]:
    """The form with a note row whose one cell is ``chars`` characters long."""
    return [*grid, ["Ghi chú", "x" * chars]]


def utf16_text(path: Path, grid: list[list]) -> Path:
    """Excel's "Unicode Text" export: UTF-16 little-endian with a BOM, tab-delimited, CRLF."""
    lines = ["\t".join("" if c is None else str(c) for c in row) for row in grid]
    path.write_bytes("\r\n".join(lines).encode("utf-16"))  # Python writes the BOM, LE here
    return path


def stale_dimension_xlsx(path: Path, grid: list[list], ref: str = "A1:H5") -> Path:
    """A workbook whose sheet claims ``<dimension ref=ref>`` while holding every row of ``grid``."""
    write_xlsx(path, grid)
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data, n = re.subn(
                    rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), data
                )
                assert n == 1
            dst.writestr(info, data)
    os.replace(tmp, path)
    return path


def fifo(path: Path) -> Path:
    """A named pipe called like a report: opening it for reading would block a naive reader."""
    os.mkfifo(path)
    return path


def entity_bomb(path: Path, grid: list[list]) -> Path:
    """A workbook whose sheet XML declares nested entities ("billion laughs", ~3 GB expanded)."""
    write_xlsx(path, grid)
    lol = "".join(
        f'<!ENTITY l{i} "{"".join(f"&l{i - 1};" for _ in range(10))}">' for i in range(1, 10)
    )
    doctype = f'<!DOCTYPE worksheet [<!ENTITY l0 "lol">{lol}]>'.encode()
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                decl = data[: data.index(b"?>") + 2] if data.startswith(b"<?xml") else b""
                body = data[len(decl) :].replace(b"<v>", b"<v>&l9;", 1)
                data = decl + doctype + body
            dst.writestr(info, data)
    os.replace(tmp, path)
    return path
