"""CBP border encounters: where they are published, their layouts, and how to read them.

Where: CBP's "Nationwide Encounters" and "Southwest Land Border Encounters" pages publish CSVs
re-issued monthly (https://www.cbp.gov/document/stats/nationwide-encounters, files under
https://www.cbp.gov/sites/default/files/<yyyy-mm>/, e.g. nationwide-encounters-fy22-fy25-aor.csv,
...-state.csv, sbo-encounters-fy22-fy25-aug.csv); DHS OHSS publishes the Border Patrol "KHSM"
encounter workbooks (https://ohss.dhs.gov/khsm/cbp-encounters). Each file is one release.

What: the layouts below, kept as data. A CSV's header must match one layout exactly, in CBP's
Title Case or in the snake_case that re-publishers use; anything else stops with the file, the
missing and the unexpected columns named.

How: every data row is either loaded or quarantined with a reason (`lake/quarantine.py`). A file
is refused as a whole only when it is unusable: no layout matches, it is empty or truncated,
it is not text in the expected encoding, or most of its rows are bad.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

from immtrack.errors import BadFileError
from immtrack.lake.quarantine import QuarantineLog
from immtrack.sources.archives import read_bytes
from immtrack.sources.cbp_workbook import read_workbook_rows
from immtrack.sources.encounter_rows import EncounterRows, RowProblem, add_row, refuse_if_mostly_bad

SOURCE = "cbp"

# Layout name -> {our field: the header CBP writes}. Field names are the query dimensions
# (schema.series.DIMENSION_COLUMNS) plus the few columns used only while reading.
CSV_LAYOUTS = {
    "aor": {
        "fiscal_year": "Fiscal Year", "month_grouping": "Month Grouping",
        "month": "Month (abbv)", "component": "Component", "region": "Land Border Region",
        "aor": "Area of Responsibility", "aor_code": "AOR (Abbv)",
        "demographic": "Demographic", "citizenship": "Citizenship",
        "title": "Title of Authority", "encounter_type": "Encounter Type",
        "count": "Encounter Count",
    },
    "state": {
        "fiscal_year": "Fiscal Year", "month_grouping": "Month Grouping",
        "month": "Month (abbv)", "region": "Land Border Region", "state": "State",
        "demographic": "Demographic", "citizenship": "Citizenship",
        "title": "Title of Authority", "count": "Encounter Count",
    },
    "grouped": {
        "fiscal_year": "Fiscal Year", "month_grouping": "Month Grouping",
        "month": "Month (abbv)", "component": "Component", "demographic": "Demographic",
        "citizenship": "Citizenship Grouping", "title": "Title of Authority",
        "encounter_type": "Encounter Type", "count": "Encounter Count",
    },
}

_SOUTHWEST_FILE = re.compile(r"(^sbo-|southwest|swb)", re.IGNORECASE)


def header_key(header: str) -> str:
    """'Month (abbv)', 'month_abbv' and 'Fiscal\\nYear' all compare as month_abbv / fiscal_year."""
    return re.sub(r"[^0-9a-z]+", "_", header.casefold()).strip("_")


def _decode_text(data: bytes, name: str, encoding: str) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise BadFileError(name, "the file is UTF-16 text, not a CBP CSV (UTF-8)",
                           hint="re-save it as 'CSV UTF-8', or download the original again")
    if data[:4] == b"PK\x03\x04":
        raise BadFileError(name, "this is a zip or xlsx file with a .csv name",
                           hint="rename it to .xlsx or .zip and ingest it again")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise BadFileError(
            name, f"byte 0x{data[error.start]:02x} at offset {error.start} is not valid "
                  f"{encoding}", line=line,
            hint="CBP publishes UTF-8; if the file was re-saved by a spreadsheet, pass "
                 "--encoding cp1252 (or latin-1)") from error


def _match_layout(name: str, header: list[str]) -> tuple[str, dict[str, int]]:
    keys = [header_key(h) for h in header]
    best = None
    for layout, columns in CSV_LAYOUTS.items():
        wanted = {header_key(raw): fld for fld, raw in columns.items()}
        missing = [columns[fld] for raw_key, fld in wanted.items() if raw_key not in keys]
        unexpected = [h for h, k in zip(header, keys, strict=True) if k not in wanted]
        if not missing and not unexpected and len(set(keys)) == len(keys):
            return layout, {wanted[k]: i for i, k in enumerate(keys)}
        score = len(missing) + len(unexpected)
        if best is None or score < best[0]:
            best = (score, layout, missing, unexpected)
    _, layout, missing, unexpected = best
    problem = "the columns do not match any CBP encounter layout"
    if header and header[0].lstrip().startswith("<"):
        problem += " (this looks like an HTML page, not a CSV: was the download an error page?)"
    details = []
    if missing:
        details.append("missing " + ", ".join(repr(m) for m in missing))
    if unexpected:
        details.append("unexpected " + ", ".join(repr(u) for u in unexpected))
    raise BadFileError(name, f"{problem}; closest is the {layout!r} layout: "
                             + "; ".join(details), line=1,
                       hint="a renamed or missing column usually means CBP changed its layout "
                            "or the file was edited; immtrack never guesses which column is which")


def _series_for_csv(layout: str, name: str) -> str:
    if layout == "state":
        return "cbp_nationwide_state"
    if layout == "grouped":
        return "cbp_southwest_grouped"
    return "cbp_southwest_aor" if _SOUTHWEST_FILE.search(name) else "cbp_nationwide_aor"


# CBP's CSVs are a few megabytes; a file hundreds of times larger is not one of them.
MAX_CSV_BYTES = 1 << 29


def _check_complete(data: bytes, name: str) -> None:
    """A CBP CSV ends with a line end, in the file's own style: one that does not was cut."""
    end = b"\r\n" if b"\r\n" in data else b"\n" if b"\n" in data else b"\r"
    if not data.endswith(end):
        line = data.count(b"\n") + 1
        raise BadFileError(name, f"the file ends at byte {len(data):,}, on line {line}, "
                                 "without its final line end: it looks truncated", line=line,
                           hint="the download was probably cut off; fetch it again")


def _records(text: str, name: str):
    """(line, fields) of every record; a malformed record stops the file with its line."""
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    try:
        for fields in reader:
            yield reader.line_num, fields
            line = reader.line_num + 1
    except csv.Error as error:
        raise BadFileError(name, f"line {line} cannot be read as CSV ({error})", line=line,
                           hint="a value far longer than CBP writes, or an unclosed quote, "
                                "means the file was damaged or is not CBP's") from None


def read_csv(data: bytes, name: str, log: QuarantineLog, *,
             encoding: str = "utf-8-sig", not_after: date | None = None) -> EncounterRows:
    """Read one CBP CSV (any layout) into rows, quarantining bad rows into `log`.

    `not_after` is the last day the file can hold (its publication date, or today): a month
    after it cannot be real and is quarantined, so it never makes the file look newest."""
    if not data.strip():
        raise BadFileError(name, "the file is empty", hint="download it again")
    text = _decode_text(data, name, encoding)
    _check_complete(data, name)
    records = _records(text, name)
    _, header = next(records)
    layout, positions = _match_layout(name, header)
    series = _series_for_csv(layout, name)
    implied = {"region": "southwest"} if layout == "grouped" else {}
    rows = EncounterRows()
    read = 0
    for line, fields in records:
        if not any(f.strip() for f in fields):
            continue
        read += 1
        try:
            if fields == header:
                raise RowProblem("repeated-header", None, None,
                                 "the header line again, in the middle of the data")
            if len(fields) != len(header):
                raise RowProblem("wrong-field-count", None, None,
                                 f"{len(fields)} fields where the header has {len(header)}")
            values = {fld: fields[i] for fld, i in positions.items()}
            add_row(rows, series, values, source_file=name, source_sheet=None, line=line,
                    implied=implied, not_after=not_after)
        except RowProblem as problem:
            log.keep(source_file=name, line=line, reason=problem.reason,
                     field_name=problem.field_name, raw_value=problem.raw_value,
                     detail=problem.detail, raw_row="\t".join(fields)[:10_000])
    if read == 0:
        raise BadFileError(name, "the file has a header but no data rows", line=1,
                           hint="download it again; CBP files hold thousands of rows")
    rows.parts[""] = [read, read - log.count_in(name, None)]
    refuse_if_mostly_bad(name, None, read, log)
    return rows


def read_cbp_file(path: Path, log: QuarantineLog, *, name: str | None = None,
                  encoding: str = "utf-8-sig", not_after: date | None = None) -> EncounterRows:
    """Read a CBP CSV or an OHSS KHSM workbook, choosing the reader by the file's bytes."""
    name = name or path.name
    data = read_bytes(path, name, max_bytes=MAX_CSV_BYTES)
    if data[:4] == b"PK\x03\x04" and path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = EncounterRows()
        read_workbook_rows(path, name, rows, log, not_after=not_after)
        return rows
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise BadFileError(name, "the file has an .xlsx name but is not an Excel workbook",
                           hint="download it again; an error page saved as .xlsx looks like this")
    return read_csv(data, name, log, encoding=encoding, not_after=not_after)
