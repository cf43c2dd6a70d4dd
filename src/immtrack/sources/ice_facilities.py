"""ICE detention facility lists and field offices, unified into one facility table keyed by the
DETLOC code (the 7-character facility code of ICE's systems), each field saying which list it
came from.

- ICE's 2015 "Authorized Facilities" list (xlsx, ERO Custody Management Division, via Human
  Rights Watch): name, address, county, state, zip, type.
- The historical FOIA list of 1,493 facility records, 1978-2017 (NIJC FOIA, geocoded by The
  Marshall Project): lines end in CR only, some quoted addresses hold a line break, the text is
  not valid UTF-8 (read as Latin-1), and dates mix d/m/yy, dd/mm/yyyy, bare years and "Oct-82".
- The Deportation Data Project's manual geocodes (tab-separated).
- ERO field offices (UWCHR: AOR code, address, coordinates) and their areas of responsibility
  (DDP: county lists by office name).

Every list row is kept as read (`list_rows`); `unify` then builds one record per DETLOC. When
lists disagree, the newer, hand-checked source wins: the 2015 list for descriptions, the manual
geocodes for coordinates; the FOIA list fills the rest.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from immtrack.errors import BadFileError
from immtrack.lake.quarantine import QuarantineLog
from immtrack.sources.archives import read_bytes, regular_file
from immtrack.sources.workbooks import open_workbook, sheet_rows

LIST_2015 = "facilities/2015IceDetentionFacilityListing.xlsx"
FOIA_LIST = "historical/marshall_locations.csv"
GEOCODES = "facilities/facility-locations-oct2025.txt"
OFFICES = "offices/uwchr_aor_ero_field_office.csv"
AOR_COUNTIES = "offices/ice-areas-of-responsibility.csv"

# ERO area of responsibility code -> field office name (as the county lists spell it).
AOR_OFFICES = {
    "ATL": "Atlanta", "BAL": "Baltimore", "BOS": "Boston", "BUF": "Buffalo", "CHI": "Chicago",
    "DAL": "Dallas", "DEN": "Denver", "DET": "Detroit", "ELP": "El Paso", "HAL": "Harlingen",
    "HOU": "Houston", "LOS": "Los Angeles", "MIA": "Miami", "NEW": "Newark",
    "NOL": "New Orleans", "NYC": "New York City", "PHI": "Philadelphia", "PHO": "Phoenix",
    "SEA": "Seattle", "SFR": "San Francisco", "SLC": "Salt Lake City", "SNA": "San Antonio",
    "SND": "San Diego", "SPM": "St Paul", "WAS": "Washington", "HQ": "Headquarters",
}
FIELDS = ("name", "address", "city", "county", "state", "zip", "facility_type", "aor",
          "latitude", "longitude", "first_used", "last_used")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
                                       "sep", "oct", "nov", "dec"), 1)}


PRIORITY = ("ice_2015", "ddp_geocodes", "foia_list")
COORDINATE_PRIORITY = ("ddp_geocodes", "foia_list", "ice_2015")


@dataclass
class FacilityLists:
    list_rows: list[dict] = field(default_factory=list)
    offices: list[dict] = field(default_factory=list)
    aor_counties: list[dict] = field(default_factory=list)
    read: dict[str, int] = field(default_factory=dict)
    loaded: dict[str, int] = field(default_factory=dict)


def parse_foia_date(text: str) -> date | None:
    """The FOIA list's dates: 20/09/2007, 4/11/17, 1980, Oct-82 (day first; two-digit years
    after 30 are 19xx). A bare year or month gives its first day."""
    text = text.strip()
    if not text:
        return None
    if match := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})", text):
        day, month, year = (int(g) for g in match.groups())
        if year < 100:
            year += 1900 if year > 30 else 2000
        return date(year, month, day)
    if re.fullmatch(r"\d{4}", text):
        return date(int(text), 1, 1)
    if match := re.fullmatch(r"([A-Za-z]{3})-(\d{2})", text):
        year, month = int(match.group(2)), _MONTHS.get(match.group(1).lower())
        if month is None:
            raise ValueError(f"not a month: {text!r}")
        return date(year + (1900 if year > 30 else 2000), month, 1)
    raise ValueError(f"not a date: {text!r}")


def _text(value) -> str | None:
    text = re.sub(r"\s+", " ", str(value)).strip() if value is not None else ""
    return text or None


def _zip(value) -> str | None:
    if value in (None, ""):
        return None
    whole = isinstance(value, float) and value.is_integer() and abs(value) < 1e9
    text = str(int(value)) if whole else str(value).strip()
    return text.zfill(5) if text.isdigit() and len(text) < 5 else text


def _row(lists: FacilityLists, list_name: str, path: Path, line: int, **values) -> None:
    lists.list_rows.append({**dict.fromkeys(FIELDS), **values, "list_name": list_name,
                            "source_file": path.name, "source_line": line})
    lists.loaded[path.name] = lists.loaded.get(path.name, 0) + 1


def _number(record: dict, column: str, path: Path, line: int, log: QuarantineLog,
            raw: str) -> float | None | bool:
    """A coordinate or other number; False (after quarantining the row) when it is not one."""
    text = (record.get(column) or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if value != value or value in (float("inf"), float("-inf")):
        log.keep(source_file=path.name, line=line, reason="bad-value", field_name=column,
                 raw_value=text[:100], detail=f"{column} {text[:40]!r} is not a number",
                 raw_row=raw[:10_000])
        return False
    return value


def _read_2015(folder: Path, lists: FacilityLists, log: QuarantineLog) -> None:
    path, sheet = folder / LIST_2015, "Facility List - Main"
    book = open_workbook(path, str(path))
    if sheet not in book.sheet_names:
        raise BadFileError(str(path), f"no sheet {sheet!r}; sheets are "
                                      + ", ".join(repr(n) for n in book.sheet_names))
    grid = sheet_rows(book, sheet, str(path))
    if not grid:
        raise BadFileError(str(path), "the sheet is empty", sheet=sheet)
    header = [str(c).strip() for c in grid[0]]
    needed = ("History.Detention.Facility.Code", "Name", "Address", "City", "County", "State",
              "Zip", "Type Detailed")
    if missing := [c for c in needed if c not in header]:
        raise BadFileError(str(path), f"missing column(s) {', '.join(missing)}", sheet=sheet,
                           line=1)
    at = {name: header.index(name) for name in needed}
    lists.read[path.name] = 0
    for line, row in enumerate(grid[1:], 2):
        if not any(str(c).strip() for c in row):
            continue
        lists.read[path.name] += 1
        raw = "\t".join(str(c) for c in row[:10])[:10_000]
        if [str(c).strip() for c in row] == header:
            log.keep(source_file=path.name, source_sheet=sheet, line=line,
                     reason="repeated-header", detail="the header row again", raw_row=raw)
            continue
        detloc = _text(row[at["History.Detention.Facility.Code"]])
        if not detloc:
            log.keep(source_file=path.name, source_sheet=sheet, line=line,
                     reason="missing-value", field_name="History.Detention.Facility.Code",
                     detail="no DETLOC code to key the facility on", raw_row=raw)
            continue
        _row(lists, "ice_2015", path, line, detloc=detloc, name=_text(row[at["Name"]]),
             address=_text(row[at["Address"]]), city=_text(row[at["City"]]),
             county=_text(row[at["County"]]), state=_text(row[at["State"]]),
             zip=_zip(row[at["Zip"]]), facility_type=_text(row[at["Type Detailed"]]),
             source_sheet=sheet)
    if not lists.read[path.name]:
        raise BadFileError(str(path), "the facility list has a header but no rows",
                           sheet=sheet, line=1)


# ICE's lists are kilobytes; the FOIA list is 200 KB.
MAX_LIST_BYTES = 1 << 28


def _csv_records(path: Path, log: QuarantineLog, required: tuple[str, ...],
                 **options) -> list[tuple[int, dict, str]]:
    """(record number, {column: value}, raw text) of every data record of a CSV list.

    The lists are not valid UTF-8 (read as Latin-1), end lines in CR alone or CRLF, quote
    line breaks, and have no final line end. A file that is empty, has no data rows, lacks a
    column immtrack needs, or ends inside a row is refused; a row with the wrong number of
    fields, or the header again, is quarantined."""
    name = str(path)
    text = read_bytes(path, name, max_bytes=MAX_LIST_BYTES).decode("latin-1")
    if not text.strip():
        raise BadFileError(name, "the file is empty", hint="download it again")
    reader = csv.reader(io.StringIO(text, newline=""), **options)
    rows = []
    number = 0
    try:
        for number, fields in enumerate(reader, 1):  # noqa: B007 - number is read below
            rows.append(fields)
    except csv.Error as error:
        raise BadFileError(name, f"record {number + 1} cannot be read as CSV ({error})",
                           line=number + 1, hint="a value far longer than the list holds, "
                                                 "or a damaged file") from None
    header = [h.strip() for h in rows[0]]
    if missing := [c for c in required if c not in header]:
        raise BadFileError(name, f"missing column(s) {', '.join(missing)}; found "
                                 f"{', '.join(header)[:300]}", line=1,
                           hint="the list's layout changed or this is another file")
    data = [(n, fields) for n, fields in enumerate(rows[1:], 2) if any(f.strip() for f in fields)]
    if not data:
        raise BadFileError(name, "the file has a header but no data rows", line=1,
                           hint="download it again")
    last_number, last = data[-1]
    if len(last) < len(header) and not text.endswith(("\r", "\n")):
        raise BadFileError(name, f"the file ends in the middle of record {last_number} "
                                 f"({len(last)} of {len(header)} fields): it looks truncated",
                           line=last_number, hint="download it again")
    records = []
    for number, fields in data:
        raw = options.get("delimiter", ",").join(fields)
        if [f.strip() for f in fields] == header:
            log.keep(source_file=path.name, line=number, reason="repeated-header",
                     detail="the header line again, in the middle of the data",
                     raw_row=raw[:10_000])
        elif len(fields) != len(header):
            log.keep(source_file=path.name, line=number, reason="wrong-field-count",
                     detail=f"{len(fields)} fields where the header has {len(header)}",
                     raw_row=raw[:10_000])
        else:
            records.append((number, dict(zip(header, fields, strict=True)), raw))
    return records


def _read_foia_list(folder: Path, lists: FacilityLists, log: QuarantineLog) -> None:
    path = folder / FOIA_LIST
    records = _csv_records(path, log, ("DETLOC", "Name", "Address", "City", "County", "State",
                                       "Zip", "AOR", "Date of Last Use", "Date of First Use",
                                       "Lat", "Lng"))
    lists.read[path.name] = log.count_in(path.name, None) + len(records)
    for line, record, raw in records:
        detloc = _text(record.get("DETLOC"))
        if not detloc:
            log.keep(source_file=path.name, line=line, reason="missing-value",
                     field_name="DETLOC", detail="no DETLOC code to key the facility on",
                     raw_row=raw)
            continue
        try:
            used = {"first_used": parse_foia_date(record["Date of First Use"]),
                    "last_used": parse_foia_date(record["Date of Last Use"])}
        except ValueError as error:
            log.keep(source_file=path.name, line=line, reason="bad-date",
                     field_name="Date of Last Use", detail=str(error)[:200], raw_row=raw)
            continue
        latitude = _number(record, "Lat", path, line, log, raw)
        longitude = _number(record, "Lng", path, line, log, raw) if latitude is not False \
            else None
        if latitude is False or longitude is False:
            continue
        located = latitude is not None and longitude is not None
        _row(lists, "foia_list", path, line, detloc=detloc, name=_text(record["Name"]),
             address=_text(record["Address"]), city=_text(record["City"]),
             county=_text(record["County"]), state=_text(record["State"]),
             zip=_zip(record["Zip"]), aor=_text(record["AOR"]),
             latitude=latitude if located else None, longitude=longitude if located else None,
             **used)


def _read_geocodes(folder: Path, lists: FacilityLists, log: QuarantineLog) -> None:
    path = folder / GEOCODES
    records = _csv_records(path, log, ("detention_facility_code", "detention_facility_name",
                                       "latitude", "longitude", "address", "city", "state"),
                           delimiter="\t")
    lists.read[path.name] = log.count_in(path.name, None) + len(records)
    for line, record, raw in records:
        detloc = record["detention_facility_code"].strip()
        if not detloc:
            log.keep(source_file=path.name, line=line, reason="missing-value",
                     field_name="detention_facility_code", raw_row=raw,
                     detail="no DETLOC code to key the facility on")
            continue
        # A few facilities are listed but could not be located: their coordinates stay null.
        latitude = _number(record, "latitude", path, line, log, raw)
        longitude = _number(record, "longitude", path, line, log, raw) \
            if latitude is not False else None
        if latitude is False or longitude is False:
            continue
        located = latitude is not None and longitude is not None
        _row(lists, "ddp_geocodes", path, line, detloc=detloc,
             name=_text(record["detention_facility_name"]), address=_text(record["address"]),
             city=_text(record["city"]), state=_text(record["state"]),
             latitude=latitude if located else None, longitude=longitude if located else None)


def _read_offices(folder: Path, lists: FacilityLists, log: QuarantineLog) -> None:
    path = folder / OFFICES
    records = _csv_records(path, log, ("aor", "field_office_addr", "lat", "long"))
    lists.read[path.name] = log.count_in(path.name, None) + len(records)
    for line, record, raw in records:
        latitude = _number(record, "lat", path, line, log, raw)
        longitude = _number(record, "long", path, line, log, raw) \
            if latitude is not False else None
        if latitude is False or longitude is False:
            continue
        aor = record["aor"].strip()
        lists.offices.append({"aor": aor, "office_name": AOR_OFFICES.get(aor),
                              "address": _text(record["field_office_addr"]),
                              "latitude": latitude, "longitude": longitude,
                              "source_file": path.name, "source_line": line, "raw_row": raw})
    path = folder / AOR_COUNTIES
    records = _csv_records(path, log, ("office_name", "state_name", "county_name", "notes"),
                           skipinitialspace=True)
    lists.read[path.name] = log.count_in(path.name, None) + len(records)
    codes = {name: code for code, name in AOR_OFFICES.items()}
    lists.aor_counties = [{"aor": codes.get(r["office_name"]), "office_name": r["office_name"],
                           "state_name": r["state_name"], "county": _text(r["county_name"]),
                           "notes": _text(r["notes"]), "source_file": path.name,
                           "source_line": line, "raw_row": raw}
                          for line, r, raw in records]


def read_facility_lists(folder: Path, log: QuarantineLog) -> FacilityLists:
    """Every list under `folder` (laid out as ../shared/data/ice), row by row."""
    for name in (LIST_2015, FOIA_LIST, GEOCODES, OFFICES, AOR_COUNTIES):
        if not (folder / name).exists():
            raise BadFileError(str(folder / name), "missing: the ICE folder needs the facility "
                                                   "lists and field offices (docs/detention.md)")
        regular_file(folder / name)
    lists = FacilityLists()
    _read_2015(folder, lists, log)
    _read_foia_list(folder, lists, log)
    _read_geocodes(folder, lists, log)
    _read_offices(folder, lists, log)
    return lists


def unify(list_rows: list[dict]) -> list[dict]:
    """One record per DETLOC: each field from the first list in priority order that has it
    (coordinates as a pair), and `sources` naming the list of every field."""
    by_detloc: dict[str, list[dict]] = {}
    for row in list_rows:
        by_detloc.setdefault(row["detloc"], []).append(row)
    unified = []
    for detloc, rows in sorted(by_detloc.items()):
        record, sources = {"detloc": detloc}, {}
        for name in FIELDS:
            if name in ("latitude", "longitude"):
                continue
            ranked = sorted(rows, key=lambda r: PRIORITY.index(r["list_name"]))
            chosen = next((r for r in ranked if r[name] not in (None, "")), None)
            record[name] = chosen[name] if chosen else None
            if chosen:
                sources[name] = chosen["list_name"]
        ranked = sorted(rows, key=lambda r: COORDINATE_PRIORITY.index(r["list_name"]))
        located = next((r for r in ranked if r["latitude"] is not None), None)
        record["latitude"] = located["latitude"] if located else None
        record["longitude"] = located["longitude"] if located else None
        if located:
            sources["coordinates"] = located["list_name"]
        record["sources"] = sources
        unified.append(record)
    return unified
