"""Reading submission files as agencies really send them: .xlsx and .csv, into a grid of cells.

Everything here is about bytes and cells, nothing about the catalog: text is decoded (UTF-8 with or
without BOM, Windows-1258, CP1252), normalised to Unicode NFC, and each sheet becomes a list of rows
with their 1-based row numbers, so validation can point at "sheet, row, column" exactly. Formulas
give their cached value (what Excel last computed); a formula never computed reads as missing.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import errno
import hashlib
import io
import os
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analytics.errors import NrisError

SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt")  # .txt: Excel's "Unicode Text" (UTF-16, tabs)
ENCODINGS = ("utf-8-sig", "cp1258", "cp1252")
MB = 1024 * 1024
SMALL_PART = MB  # below this a workbook part's compression ratio is not judged


@dataclass(frozen=True)
class Limits:
    """Bounds on one submission file, checked before the expensive work (``$NRIS_LIMITS``).

    The defaults are a real report times 100: the largest monthly form (a ministry's, ~60 rows) is
    ~10 KB as xlsx, ~100 KB of XML unpacked, one sheet of a few hundred rows; Excel itself caps a cell
    at 32,767 characters. A well-formed workbook's XML compresses 5-15 times; a zip bomb 1,000 times.
    """

    file_mb: float = 10.0  # size of the file as sent
    unzipped_mb: float = 50.0  # an xlsx's parts unpacked, all together
    zip_ratio: float = 100.0  # unpacked / packed size of any xlsx part over 1 MB
    rows: int = 50_000  # rows of any sheet or of a CSV
    field_chars: int = 32_767  # characters in one cell
    problems: int = 50  # problems listed in a report; the rest are counted

    @classmethod
    def from_env(cls) -> Limits:
        """The defaults, changed by ``NRIS_LIMITS="file_mb=20,rows=100000"``."""
        text = os.environ.get("NRIS_LIMITS", "").strip()
        if not text:
            return cls()
        types = {f.name: f.type for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for part in text.split(","):
            key, _, raw = part.partition("=")
            key = key.strip()
            try:
                if key not in types:
                    raise ValueError(key)
                values[key] = int(raw) if types[key] == "int" else float(raw)
                if values[key] <= 0:
                    raise ValueError(key)
            except ValueError:
                raise NrisError(
                    f"NRIS_LIMITS: '{part.strip()}' không hợp lệ (dùng {', '.join(types)}=số dương)",
                    f"NRIS_LIMITS: bad entry '{part.strip()}' (use {', '.join(types)}=a positive number)",
                ) from None
        return cls(**values)


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


def display(text: str) -> str:
    """Text safe to print on a terminal: control and format characters shown as escapes.

    A file name (or a cell) can carry ESC sequences, carriage returns or bidi overrides that would
    rewrite what an operator's terminal shows; Vietnamese letters and spaces pass unchanged.
    """
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return "".join(out)


def read_file(path: str | Path, limits: Limits | None = None) -> bytes:
    """The bytes of a regular file, refusing links, devices, unreadable and oversized files.

    Opened with ``O_NOFOLLOW`` (a link swapped in after the folder was listed is refused too) and
    ``O_NONBLOCK`` (a FIFO named like a report does not hang the inbox); the size is checked on the
    open file before anything is read, and no more than the limit is ever read.
    """
    limits = limits or Limits.from_env()
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP or os.path.islink(path):
            raise SubmissionFileError(
                "tệp là liên kết (symlink), không được đọc", "the file is a symbolic link; not read"
            ) from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise SubmissionFileError(
                "không có quyền đọc tệp", "permission denied: the file cannot be read"
            ) from None
        raise SubmissionFileError(
            f"không mở được tệp ({exc.strerror})", f"cannot open the file ({exc.strerror})"
        ) from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise SubmissionFileError(
                "không phải tệp thông thường, không được đọc", "not a regular file; not read"
            )
        cap = int(limits.file_mb * MB)
        if info.st_size > cap:
            raise _too_big("tệp", "the file", info.st_size, cap, "file_mb")
        try:
            data = fh.read(cap + 1)
        except OSError as exc:
            raise SubmissionFileError(
                f"lỗi khi đọc tệp ({exc.strerror})", f"error reading the file ({exc.strerror})"
            ) from None
        if len(data) > cap:  # grew after the size was checked
            raise _too_big("tệp", "the file", len(data), cap, "file_mb")
        return data


def _size(n: float) -> tuple[str, str]:
    """A byte count in MB, Vietnamese and English style."""
    en = f"{n / MB:,.1f}"
    vi = en.replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{vi} MB", f"{en} MB"


def _too_big(what_vi: str, what_en: str, n: float, cap: float, key: str) -> SubmissionFileError:
    (n_vi, n_en), (cap_vi, cap_en) = _size(n), _size(cap)
    return SubmissionFileError(
        f"{what_vi} quá lớn: {n_vi}, tối đa {cap_vi} (NRIS_LIMITS {key}); không đọc tiếp",
        f"{what_en} is too large: {n_en}, at most {cap_en} (NRIS_LIMITS {key}); not read further",
    )


def check_zip(data: bytes, limits: Limits) -> None:
    """Refuse a workbook whose parts unpack too big or compress like a zip bomb, before parsing.

    Judged from the zip's own directory; the zip reader never unpacks a part beyond the size the
    directory declares, so a lying directory only truncates the XML, which then fails to parse.
    """
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise SubmissionFileError(
            f"không đọc được tệp Excel ({type(exc).__name__})",
            f"cannot read the Excel file ({type(exc).__name__})",
        ) from None
    total, cap = 0, int(limits.unzipped_mb * MB)
    for info in infos:
        total += info.file_size
        if total > cap:
            raise _too_big(
                "nội dung giải nén của tệp Excel",
                "the Excel file unpacked",
                sum(i.file_size for i in infos),
                cap,
                "unzipped_mb",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > SMALL_PART and ratio > limits.zip_ratio:
            raise SubmissionFileError(
                f"phần '{display(info.filename)}' của tệp Excel nén bất thường ({ratio:,.0f} lần, "
                f"tối đa {limits.zip_ratio:g}; NRIS_LIMITS zip_ratio): nghi là bom nén",
                f"part '{display(info.filename)}' of the Excel file is compressed {ratio:,.0f} "
                f"times (at most {limits.zip_ratio:g}; NRIS_LIMITS zip_ratio): a zip bomb?",
            )


def _too_many_rows(limits: Limits, where_vi: str = "", where_en: str = "") -> SubmissionFileError:
    return SubmissionFileError(
        f"quá nhiều dòng{where_vi}: hơn {limits.rows:,} (NRIS_LIMITS rows); không đọc tiếp".replace(
            ",", "."
        ),
        f"too many rows{where_en}: more than {limits.rows:,} (NRIS_LIMITS rows); not read further",
    )


def _check_fields(row: list[Any], row_no: int, limits: Limits, sheet: str) -> None:
    for j, value in enumerate(row):
        if isinstance(value, str) and len(value) > limits.field_chars:
            from openpyxl.utils import get_column_letter

            raise SubmissionFileError(
                f"trang '{display(sheet)}', dòng {row_no}, cột {get_column_letter(j + 1)}: ô dài "
                f"{len(value):,} ký tự, tối đa {limits.field_chars:,} (NRIS_LIMITS field_chars)".replace(
                    ",", "."
                ),
                f"sheet '{display(sheet)}', row {row_no}, column {get_column_letter(j + 1)}: a cell of "
                f"{len(value):,} characters, at most {limits.field_chars:,} (NRIS_LIMITS field_chars)",
            )


def decode(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-16 with a BOM (Excel's "Unicode Text"), UTF-8 (BOM or not), else
    Windows-1258, else CP1252. Returns (text, encoding)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    for enc in ENCODINGS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"  # every byte decodes; validation will flag the rest


def read_csv(data: bytes, name: str = "csv", limits: Limits | None = None) -> list[Sheet]:
    """A CSV (or tab-separated text) file as one sheet; the delimiter (comma, semicolon, tab) is
    sniffed. Refuses, at the first one found, a row past ``limits.rows`` or a field past
    ``limits.field_chars``."""
    limits = limits or Limits.from_env()
    text, _ = decode(data)
    text = unicodedata.normalize("NFC", text).replace("\x00", "")
    sample = "\n".join(text[: 64 * 1024].splitlines()[:40])
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        counts = {d: sample.count(d) for d in (";", "\t", ",")}
        delim = max(counts, key=lambda d: counts[d])

        class _D(csv.excel):
            delimiter = delim

        dialect = _D
    sheet = Path(name).stem or "csv"
    rows: list[list[Any]] = []
    old_limit = csv.field_size_limit(limits.field_chars)
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        for row in reader:
            if len(rows) >= limits.rows:
                raise _too_many_rows(limits)
            rows.append([nfc(c) for c in row])
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise SubmissionFileError(
                f"dòng {reader.line_num}: có ô dài hơn {limits.field_chars:,} ký tự "
                f"(NRIS_LIMITS field_chars)".replace(",", "."),
                f"line {reader.line_num}: a field longer than {limits.field_chars:,} characters "
                "(NRIS_LIMITS field_chars)",
            ) from None
        raise SubmissionFileError(
            f"dòng {reader.line_num}: CSV hỏng ({exc})",
            f"line {reader.line_num}: broken CSV ({exc})",
        ) from None
    finally:
        csv.field_size_limit(old_limit)
    return [Sheet(sheet, rows)]


def read_xlsx(data: bytes, limits: Limits | None = None) -> list[Sheet]:
    """Every sheet of a workbook with cached formula values; uncomputed formulas are marked.

    The zip is checked first (``check_zip``); every row is read whatever the sheet's ``<dimension>``
    claims (a stale one would silently drop the rows past it); rows and cells are bounded.
    """
    import openpyxl

    limits = limits or Limits.from_env()
    check_zip(data, limits)
    sheets: list[Sheet] = []
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=True)
        try:
            for ws in wb.worksheets:
                if hasattr(ws, "reset_dimensions"):
                    ws.reset_dimensions()  # never trust <dimension>: read to the last row
                rows: list[list[Any]] = []
                for row in ws.iter_rows(values_only=True):
                    if len(rows) >= limits.rows:
                        raise _too_many_rows(
                            limits,
                            f" trong trang '{display(ws.title)}'",
                            f" in sheet '{display(ws.title)}'",
                        )
                    cells = [nfc(c) for c in row]
                    _check_fields(cells, len(rows) + 1, limits, ws.title)
                    rows.append(cells)
                sheets.append(Sheet(ws.title, rows))
        finally:
            wb.close()
    except SubmissionFileError:
        raise
    except Exception as exc:  # corrupt parts surface as any of zip, XML, key or value errors
        raise SubmissionFileError(
            f"không đọc được tệp Excel ({type(exc).__name__})",
            f"cannot read the Excel file ({type(exc).__name__})",
        ) from None
    return sheets


def formula_cells(data: bytes, sheet: str) -> set[tuple[int, int]]:
    """Cells of ``sheet`` holding a formula (read only when a value is missing, to explain why)."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), data_only=False, read_only=True)
    try:
        out = set()
        ws = wb[sheet]
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()
        for i, row in enumerate(ws.iter_rows(values_only=True)):
            for j, v in enumerate(row):
                if isinstance(v, str) and v.startswith("="):
                    out.add((i, j))
        return out
    finally:
        wb.close()


def read_sheets(data: bytes, name: str, limits: Limits | None = None) -> list[Sheet]:
    """Read a submission file by its suffix; refuses other types with a one-line bilingual error."""
    limits = limits or Limits.from_env()
    suffix = Path(name).suffix.lower()
    if len(data) > limits.file_mb * MB:
        raise _too_big("tệp", "the file", len(data), limits.file_mb * MB, "file_mb")
    if not data.strip() or not data.replace(b"\x00", b"").strip(b" \t\r\n\xff\xfe"):
        raise SubmissionFileError("tệp rỗng", "the file is empty")
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(data, limits)
    if suffix in (".csv", ".txt"):
        return read_csv(data, name, limits)
    raise SubmissionFileError(
        f"loại tệp '{display(suffix or name)}' không được hỗ trợ (chỉ nhận .xlsx, .csv, .txt)",
        f"file type '{display(suffix or name)}' is not supported (only .xlsx, .csv, .txt)",
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
