"""ICE detention statistics: the "Detention Management" workbooks ICE publishes several times a
year (FYxx_detentionStatsMMDDYYYY.xlsx), and the Deportation Data Project's tidy Parquet
release of every workbook (one table per tab; each row keeps the workbook's `file_date`, the
data's `pull_date` and the `fiscal_year` it covers).

Read here: the facilities tab (average daily population by facility and security level, and
average length of stay) and the monthly tabs for ADP, length of stay, book-ins by arresting
agency and book-outs by release reason, all turned into two tables: facility rows, and one
long table of monthly values (`measure`, `category`, `subcategory`). In the ADP and stay tabs
a criminality row takes the agency of the block it sits in (category "ICE Average",
subcategory "Convicted Criminal"), read in file order.

ICE's own workbooks put the header five or six rows down and rename tabs between releases
("Facilities FY22", "Facilities EOYFY20 " with a trailing space): the tab is found by its
normalized name and the header by its cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from immtrack.errors import BadFileError
from immtrack.lake.quarantine import QuarantineLog
from immtrack.sources.archives import regular_file
from immtrack.sources.workbooks import open_workbook, sheet_rows

ICE_STATS_URL = "https://www.ice.gov/detain/detention-management"
DDP_URL = "https://github.com/deportationdata/ice-detention-management"

FACILITY_COLUMNS = ("name", "address", "city", "state", "zip", "aor", "type_detailed",
                    "male_female", "level_a", "level_b", "level_c", "level_d", "male_crim",
                    "alos")
RELEASE_COLUMNS = ("fiscal_year", "file_date", "pull_date")


@dataclass(frozen=True)
class MonthlyTab:
    """A DDP monthly table: which column holds the category, the value and the FY-to-date."""

    file_name: str
    measure: str
    category: str
    value: str
    year_to_date: str
    subcategory: str | None = None


MONTHLY_TABS = (
    MonthlyTab("adp-by-agency-criminality.parquet", "adp", "agency", "adp", "adp_fy_ytd"),
    MonthlyTab("stay-length-by-agency-criminality.parquet", "avg_stay_days", "agency",
               "avg_stay_length_days", "avg_stay_length_days_fy_ytd"),
    MonthlyTab("book-ins-by-arresting-agency.parquet", "book_ins", "arresting_agency",
               "n_book_ins", "n_book_ins_ytd"),
    MonthlyTab("book-outs-by-reason.parquet", "book_outs", "release_reason", "n_book_outs",
               "n_book_outs_ytd", subcategory="criminality"),
)
FACILITIES_FILE = "facilities.parquet"
# The ADP and stay tabs stack three blocks per month, each headed by an agency total and
# followed by that agency's criminality rows, which do not repeat the agency.
AGENCY_BLOCKS = ("CBP Average", "ICE Average", "Average")


@dataclass
class StatsRows:
    facilities: dict[str, list] = field(default_factory=lambda: {k: [] for k in (
        *FACILITY_COLUMNS, *RELEASE_COLUMNS, "source_file", "source_line")})
    monthly: dict[str, list] = field(default_factory=lambda: {k: [] for k in (
        "measure", "category", "subcategory", "month_start", "value", "year_to_date",
        *RELEASE_COLUMNS, "source_file", "source_line")})
    read: dict[str, int] = field(default_factory=dict)


# The DDP tables' columns and their types; a column of another type that does not convert
# (text where numbers belong) makes the file unusable.
_TEXT, _NUMBER, _YEAR, _DATE = pa.string(), pa.float64(), pa.int16(), pa.date32()
COLUMN_TYPES = {
    **dict.fromkeys(("name", "address", "city", "state", "zip", "aor", "type_detailed",
                     "male_female", "agency", "arresting_agency", "release_reason",
                     "criminality"), _TEXT),
    **dict.fromkeys(("level_a", "level_b", "level_c", "level_d", "male_crim", "alos", "adp",
                     "adp_fy_ytd", "avg_stay_length_days", "avg_stay_length_days_fy_ytd",
                     "n_book_ins", "n_book_ins_ytd", "n_book_outs", "n_book_outs_ytd"), _NUMBER),
    "fiscal_year": _YEAR, "file_date": _DATE, "pull_date": _DATE, "date": _DATE,
}
# ICE's statistics begin in FY2000 at the earliest; a month after today cannot be counted yet.
EARLIEST_YEAR = 2000


def _conform(table: pa.Table, columns, path: Path) -> list[dict]:
    """The rows of `columns`, each converted to its type; a missing column, a column that will
    not convert, or text that is not UTF-8 is a BadFileError naming the file and column."""
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise BadFileError(str(path), f"missing column(s) {', '.join(missing)}; found "
                                      f"{', '.join(table.column_names)[:300]}",
                           hint="DDP may have changed the table's layout")
    converted = []
    for name in columns:
        column, want = table.column(name), COLUMN_TYPES.get(name, _TEXT)
        if column.type != want:
            try:
                column = column.cast(want)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as error:
                raise BadFileError(str(path), f"column {name} holds {column.type} values that "
                                              f"are not {want} ({str(error)[:120]})",
                                   hint="DDP may have changed the table's layout") from None
        converted.append(column)
    try:
        return pa.table(converted, names=list(columns)).to_pylist()
    except (pa.ArrowException, UnicodeDecodeError, ValueError, OverflowError) as error:
        raise BadFileError(str(path), f"the table's values cannot be read ({str(error)[:160]})",
                           hint="the file may be damaged; download it again") from None


MAX_PARQUET_BYTES = 1 << 30


def _parquet(path: Path) -> pa.Table:
    regular_file(path, str(path), max_bytes=MAX_PARQUET_BYTES)
    try:
        table = pq.read_table(path)
        table.column_names  # noqa: B018 - a damaged name is not UTF-8: find out here
        return table
    except Exception as error:  # noqa: BLE001 - pyarrow raises many types for a damaged file
        raise BadFileError(str(path), f"not a readable Parquet file "
                                      f"({' '.join(str(error).split())[:200]})",
                           hint="the file may be truncated; download it again") from None


def _plausible(month, log: QuarantineLog | None, path: Path, line: int, record: dict) -> bool:
    if month is None or EARLIEST_YEAR <= month.year and month <= date.today():
        return True
    if log is not None:
        log.keep(source_file=path.name, line=line, reason="implausible-period",
                 field_name="date", raw_value=str(month),
                 detail=f"month {month} is before {EARLIEST_YEAR} or after today",
                 raw_row="|".join(str(v) for v in record.values())[:10_000])
    return False


def read_ddp_stats(folder: Path, log: QuarantineLog | None = None) -> StatsRows:
    """Every release held in the DDP Parquet tables of `folder`. Rows the metrics cannot use
    keep their nulls; a month that cannot be real is quarantined into `log`."""
    rows = StatsRows()
    path = folder / FACILITIES_FILE
    table = _parquet(path)
    for line, record in enumerate(_conform(table, (*FACILITY_COLUMNS, *RELEASE_COLUMNS),
                                           path), 1):
        for key, value in record.items():
            rows.facilities[key].append(value)
        rows.facilities["source_file"].append(path.name)
        rows.facilities["source_line"].append(line)
    rows.read[path.name] = table.num_rows
    for tab in MONTHLY_TABS:
        path = folder / tab.file_name
        table = _parquet(path)
        wanted = [tab.category, "date", tab.value, tab.year_to_date, *RELEASE_COLUMNS,
                  *([tab.subcategory] if tab.subcategory else [])]
        blocks: dict[tuple, str] = {}  # (workbook, month) -> the agency block being read
        for line, record in enumerate(_conform(table, wanted, path), 1):
            category, subcategory = record[tab.category], \
                record[tab.subcategory] if tab.subcategory else None
            where = (record["file_date"], record["pull_date"], record["date"])
            if category in AGENCY_BLOCKS:
                blocks[where] = category
            elif tab.category == "agency" and where in blocks:
                # A criminality row belongs to the agency block it sits under.
                category, subcategory = blocks[where], category
            if not _plausible(record["date"], log, path, line, record):
                continue
            rows.monthly["measure"].append(tab.measure)
            rows.monthly["category"].append(category)
            rows.monthly["subcategory"].append(subcategory)
            rows.monthly["month_start"].append(record["date"])
            rows.monthly["value"].append(record[tab.value])
            rows.monthly["year_to_date"].append(record[tab.year_to_date])
            for key in RELEASE_COLUMNS:
                rows.monthly[key].append(record[key])
            rows.monthly["source_file"].append(path.name)
            rows.monthly["source_line"].append(line)
        rows.read[path.name] = table.num_rows
    return rows


# ICE's own workbook ------------------------------------------------------------------------

_FACILITY_TAB = re.compile(r"^facilities\b", re.IGNORECASE)
_WORKBOOK_DATE = re.compile(r"FY(\d{2})_detentionStats_?(\d{2})(\d{2})(\d{4})", re.IGNORECASE)
# Header cell (lower case, spaces collapsed) -> column.
_HEADERS = {"name": "name", "address": "address", "city": "city", "state": "state",
            "zip": "zip", "aor": "aor", "type detailed": "type_detailed",
            "male/female": "male_female", "level a": "level_a", "level b": "level_b",
            "level c": "level_c", "level d": "level_d", "male crim": "male_crim",
            "fy alos": "alos", "alos": "alos"}


def _normal(cell) -> str:
    return re.sub(r"\s+", " ", str(cell or "")).strip().lower()


def read_ice_workbook(path: Path) -> tuple[list[dict], str]:
    """Facility rows of an ICE detentionStats workbook, and the tab they came from."""
    book = open_workbook(path, str(path))
    tabs = [name for name in book.sheet_names if _FACILITY_TAB.match(name.strip())]
    if not tabs:
        raise BadFileError(str(path), "no Facilities tab; tabs are "
                                      + ", ".join(repr(n) for n in book.sheet_names))
    grid = sheet_rows(book, tabs[0], str(path))
    for index, row in enumerate(grid[:20]):
        cells = [_normal(c) for c in row]
        if "name" in cells and "city" in cells:
            header, first = cells, index + 1
            break
    else:
        raise BadFileError(str(path), "no header row with Name and City in the first 20 rows",
                           sheet=tabs[0])
    columns = {i: _HEADERS[c] for i, c in enumerate(header) if c in _HEADERS}
    missing = {"name", "city", "state", "aor", "level_a"} - set(columns.values())
    if missing:
        raise BadFileError(str(path), f"header lacks {', '.join(sorted(missing))}",
                           sheet=tabs[0], line=first)
    match = _WORKBOOK_DATE.search(path.name)
    file_date = date(int(match.group(4)), int(match.group(2)), int(match.group(3))) \
        if match else None
    facilities = []
    for line, row in enumerate(grid[first:], first + 1):
        if not any(str(c).strip() for c in row):
            continue
        if _normal(row[0]).startswith(("total", "footnote", "note")):
            continue
        record = {column: row[i] if row[i] != "" else None for i, column in columns.items()}
        for column in ("level_a", "level_b", "level_c", "level_d", "male_crim", "alos"):
            value = record.get(column)
            if value is not None and (isinstance(value, bool) or
                                      not isinstance(value, int | float)):
                raise BadFileError(str(path), f"{column} {str(value)[:40]!r} is not a number",
                                   sheet=tabs[0], line=line,
                                   hint="ICE may have changed the workbook's layout")
        record |= {"fiscal_year": 2000 + int(match.group(1)) if match else None,
                   "file_date": file_date, "pull_date": None, "source_line": line}
        facilities.append(record)
    return facilities, tabs[0]
