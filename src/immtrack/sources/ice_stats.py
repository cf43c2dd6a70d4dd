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


def _require(table: pa.Table, columns, path: Path) -> None:
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise BadFileError(str(path), f"missing column(s) {', '.join(missing)}; found "
                                      f"{', '.join(table.column_names)}")


def _parquet(path: Path) -> pa.Table:
    try:
        return pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise BadFileError(str(path), f"not a readable Parquet file ({error})") from None


def read_ddp_stats(folder: Path) -> StatsRows:
    """Every release held in the DDP Parquet tables of `folder` (rows are never dropped: a row
    the metrics cannot use keeps its nulls)."""
    rows = StatsRows()
    path = folder / FACILITIES_FILE
    table = _parquet(path)
    _require(table, (*FACILITY_COLUMNS, *RELEASE_COLUMNS), path)
    for line, record in enumerate(table.select([*FACILITY_COLUMNS, *RELEASE_COLUMNS])
                                  .to_pylist(), 1):
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
        _require(table, wanted, path)
        blocks: dict[tuple, str] = {}  # (workbook, month) -> the agency block being read
        for line, record in enumerate(table.select(wanted).to_pylist(), 1):
            category, subcategory = record[tab.category], \
                record[tab.subcategory] if tab.subcategory else None
            where = (record["file_date"], record["pull_date"], record["date"])
            if category in AGENCY_BLOCKS:
                blocks[where] = category
            elif tab.category == "agency" and where in blocks:
                # A criminality row belongs to the agency block it sits under.
                category, subcategory = blocks[where], category
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
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own error types per format
        raise BadFileError(str(path), f"not a readable workbook ({error})") from None
    tabs = [name for name in book.sheet_names if _FACILITY_TAB.match(name.strip())]
    if not tabs:
        raise BadFileError(str(path), "no Facilities tab; tabs are "
                                      + ", ".join(repr(n) for n in book.sheet_names))
    grid = book.get_sheet_by_name(tabs[0]).to_python()
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
        record |= {"fiscal_year": 2000 + int(match.group(1)) if match else None,
                   "file_date": file_date, "pull_date": None, "source_line": line}
        facilities.append(record)
    return facilities, tabs[0]
