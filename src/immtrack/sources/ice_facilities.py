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
        year = int(match.group(2))
        return date(year + (1900 if year > 30 else 2000), _MONTHS[match.group(1).lower()], 1)
    raise ValueError(f"not a date: {text!r}")


def _text(value) -> str | None:
    text = re.sub(r"\s+", " ", str(value)).strip() if value is not None else ""
    return text or None


def _zip(value) -> str | None:
    if value in (None, ""):
        return None
    text = str(int(value)) if isinstance(value, float) else str(value).strip()
    return text.zfill(5) if text.isdigit() and len(text) < 5 else text


def _row(lists: FacilityLists, list_name: str, path: Path, line: int, **values) -> None:
    lists.list_rows.append({**dict.fromkeys(FIELDS), **values, "list_name": list_name,
                            "source_file": path.name, "source_line": line})
    lists.loaded[path.name] = lists.loaded.get(path.name, 0) + 1


def _read_2015(folder: Path, lists: FacilityLists, log: QuarantineLog) -> None:
    from python_calamine import CalamineWorkbook

    path, sheet = folder / LIST_2015, "Facility List - Main"
    grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
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
        detloc = _text(row[at["History.Detention.Facility.Code"]])
        if not detloc:
            log.keep(source_file=path.name, source_sheet=sheet, line=line,
                     reason="missing-value", field_name="History.Detention.Facility.Code",
                     detail="no DETLOC code to key the facility on",
                     raw_row="\t".join(str(c) for c in row[:10]))
            continue
        _row(lists, "ice_2015", path, line, detloc=detloc, name=_text(row[at["Name"]]),
             address=_text(row[at["Address"]]), city=_text(row[at["City"]]),
             county=_text(row[at["County"]]), state=_text(row[at["State"]]),
             zip=_zip(row[at["Zip"]]), facility_type=_text(row[at["Type Detailed"]]))


def _csv_records(path: Path, **options) -> list[dict]:
    # CR-only line endings and quoted line breaks: the csv module with newline="" handles both.
    text = path.read_bytes().decode("latin-1")
    return list(csv.DictReader(io.StringIO(text, newline=""), **options))


def _read_foia_list(folder: Path, lists: FacilityLists, log: QuarantineLog) -> None:
    path = folder / FOIA_LIST
    records = _csv_records(path)
    lists.read[path.name] = len(records)
    for line, record in enumerate(records, 2):
        raw = ",".join(str(v) for v in record.values())
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
                     field_name="Date of Last Use", detail=str(error), raw_row=raw)
            continue
        located = record.get("Lat") and record.get("Lng")
        _row(lists, "foia_list", path, line, detloc=detloc, name=_text(record["Name"]),
             address=_text(record["Address"]), city=_text(record["City"]),
             county=_text(record["County"]), state=_text(record["State"]),
             zip=_zip(record["Zip"]), aor=_text(record["AOR"]),
             latitude=float(record["Lat"]) if located else None,
             longitude=float(record["Lng"]) if located else None, **used)


def _read_geocodes(folder: Path, lists: FacilityLists) -> None:
    path = folder / GEOCODES
    records = _csv_records(path, delimiter="\t")
    lists.read[path.name] = len(records)
    for line, record in enumerate(records, 2):
        # A few facilities are listed but could not be located: their coordinates stay null.
        located = record["latitude"].strip() and record["longitude"].strip()
        _row(lists, "ddp_geocodes", path, line, detloc=record["detention_facility_code"].strip(),
             name=_text(record["detention_facility_name"]), address=_text(record["address"]),
             city=_text(record["city"]), state=_text(record["state"]),
             latitude=float(record["latitude"]) if located else None,
             longitude=float(record["longitude"]) if located else None)


def _read_offices(folder: Path, lists: FacilityLists) -> None:
    path = folder / OFFICES
    records = _csv_records(path)
    lists.read[path.name] = lists.loaded[path.name] = len(records)
    lists.offices = [{"aor": r["aor"].strip(), "office_name": AOR_OFFICES.get(r["aor"].strip()),
                      "address": _text(r["field_office_addr"]),
                      "latitude": float(r["lat"]), "longitude": float(r["long"])}
                     for r in records]
    path = folder / AOR_COUNTIES
    records = _csv_records(path, skipinitialspace=True)
    lists.read[path.name] = lists.loaded[path.name] = len(records)
    codes = {name: code for code, name in AOR_OFFICES.items()}
    lists.aor_counties = [{"aor": codes.get(r["office_name"]), "office_name": r["office_name"],
                           "state_name": r["state_name"], "county": _text(r["county_name"]),
                           "notes": _text(r["notes"])} for r in records]


def read_facility_lists(folder: Path, log: QuarantineLog) -> FacilityLists:
    """Every list under `folder` (laid out as ../shared/data/ice), row by row."""
    for name in (LIST_2015, FOIA_LIST, GEOCODES, OFFICES, AOR_COUNTIES):
        if not (folder / name).exists():
            raise BadFileError(str(folder / name), "missing: the ICE folder needs the facility "
                                                   "lists and field offices (docs/detention.md)")
    lists = FacilityLists()
    _read_2015(folder, lists, log)
    _read_foia_list(folder, lists, log)
    _read_geocodes(folder, lists)
    _read_offices(folder, lists)
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
