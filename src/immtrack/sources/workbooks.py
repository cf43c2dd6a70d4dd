"""Opening .xlsx workbooks without trusting them.

python-calamine allocates a sheet's whole rectangle, from A1 to its last cell: one cell
written at XFD1048576 asks for 512 GiB and aborts the process. An .xlsx is also a zip, so it
can be a zip bomb. Before calamine sees a workbook, this module checks the zip (sizes,
ratios) and reads every cell reference of every sheet, streaming, to know each sheet's extent;
then every calamine call is wrapped so a damaged workbook is a BadFileError naming the file
(and sheet), never a traceback.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.parsers import expat

from python_calamine import CalamineError, CalamineWorkbook

from immtrack.errors import BadFileError
from immtrack.sources import archives

# The agencies' workbooks are a few thousand rows by a few dozen columns.
MAX_CELLS = 20_000_000
MAX_COLUMNS = 2_000
WORKBOOK_LIMITS = archives.ArchiveLimits(total_bytes=1 << 30, member_bytes=1 << 29,
                                         members=5_000, ratio=200.0)
# A cell or row reference: <c r="XFD1048576">, <row r="1048576">.
_REFERENCE = re.compile(rb' r="([A-Z]{0,3})([0-9]+)"')


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def sheet_extent(stream) -> tuple[int, int]:
    """(rows, columns) a sheet's XML reaches, from its row and cell references, checking on
    the way that the XML is well formed (calamine reads some broken XML without a word)."""
    rows = columns = 0
    tail = b""
    parser = expat.ParserCreate()
    while chunk := stream.read(1 << 20):
        parser.Parse(chunk, False)
        text = tail + chunk
        for letters, digits in _REFERENCE.findall(text):
            rows = max(rows, int(digits[:9]))
            if letters:
                columns = max(columns, _column_number(letters))
        tail = text[-40:]  # a reference cut by the chunk boundary is read again whole
    parser.Parse(b"", True)
    return rows, columns


def check_workbook(path: Path, name: str) -> None:
    """Refuse a workbook whose zip is damaged (every member is read to its CRC), or whose
    sheets are not well-formed XML or reach so far they would exhaust memory."""
    with archives.open_zip(path, name) as archive:
        for info in archives.check_archive(archive, name, WORKBOOK_LIMITS):
            sheet = re.fullmatch(r"xl/worksheets/[^/]+\.xml", info.filename) is not None
            try:
                with archive.open(info) as stream:
                    if not sheet:  # read to the end, so zipfile checks its CRC
                        while stream.read(1 << 20):
                            pass
                        continue
                    rows, columns = sheet_extent(stream)
            except expat.ExpatError as error:
                raise BadFileError(name, f"a sheet ({info.filename}) is not well-formed XML "
                                         f"({error})", hint="the workbook is damaged; "
                                                            "download it again") from None
            except archives.ZIP_ERRORS as error:
                raise BadFileError(name, f"not a readable Excel workbook ({error})",
                                   hint="the file may be truncated; download it again") \
                    from None
            if columns > MAX_COLUMNS or rows * max(columns, 1) > MAX_CELLS:
                raise BadFileError(name, f"a sheet ({info.filename}) reaches row {rows:,} and "
                                         f"column {columns:,}: far beyond the agencies' "
                                         "workbooks, and too large to read",
                                   hint="a cell written far outside the table makes this; "
                                        "check the workbook in a spreadsheet program")


def open_workbook(path: Path, name: str | None = None) -> CalamineWorkbook:
    name = name or str(path)
    archives.regular_file(path, name, max_bytes=WORKBOOK_LIMITS.total_bytes)
    if not zipfile.is_zipfile(path):
        raise BadFileError(name, "not a readable Excel workbook (not an .xlsx zip)",
                           hint="the file may be truncated or not an .xlsx; download it again")
    check_workbook(path, name)
    try:
        return CalamineWorkbook.from_path(str(path))
    except BaseException as error:  # calamine raises its own types, and panics
        if not _calamine_failure(error):
            raise
        raise BadFileError(name, f"not a readable Excel workbook ({_short(error)})",
                           hint="the file may be truncated or not an .xlsx; download it again")\
            from None


def sheet_rows(book: CalamineWorkbook, sheet: str, name: str, **options) -> list[list]:
    """A sheet's cells as Python values; a damaged sheet is a BadFileError."""
    try:
        return book.get_sheet_by_name(sheet).to_python(**options)
    except BaseException as error:
        if not _calamine_failure(error):
            raise
        raise BadFileError(name, f"the sheet cannot be read ({_short(error)})", sheet=sheet,
                           hint="the workbook may be damaged; download it again") from None


def _calamine_failure(error: BaseException) -> bool:
    # pyo3 turns a Rust panic into PanicException, which derives from BaseException.
    return isinstance(error, CalamineError | ValueError | OSError | UnicodeError |
                      OverflowError | IndexError | KeyError | TypeError) or \
        type(error).__name__ == "PanicException"


def _short(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text[:200] + ("..." if len(text) > 200 else "")
