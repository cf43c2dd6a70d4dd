"""Person-level ICE detention records, as the Deportation Data Project releases ICE's FOIA
detention data (ERO-LESA): one row per placement ("stint") of one person at one facility;
successive placements of the same detention stay share the stay's book-in date, so a stay
with several placements is a stay with transfers.

Layout (column names as DDP publishes them, CSV or Parquet): unique_identifier (an anonymized
person id), stay_book_in_date_time, book_in_date_time, book_out_date_time (empty while held),
stay_book_out_date_time, detention_facility_code (DETLOC), detention_facility,
citizenship_country, gender, detention_release_reason. No real file is available here; the
reader is tested on files `immtrack.synth.ice_stints` writes in this layout.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq

from immtrack.errors import BadFileError
from immtrack.lake.quarantine import QuarantineLog
from immtrack.sources.archives import regular_file

COLUMNS = ("unique_identifier", "stay_book_in_date_time", "book_in_date_time",
           "book_out_date_time", "stay_book_out_date_time", "detention_facility_code",
           "detention_facility", "citizenship_country", "gender", "detention_release_reason")
REQUIRED = ("unique_identifier", "stay_book_in_date_time", "book_in_date_time",
            "detention_facility_code", "citizenship_country")
_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M",
                     "%Y-%m-%d")


def _moment(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    for layout in _DATETIME_FORMATS:
        try:
            return datetime.strptime(str(value).strip(), layout)
        except ValueError:
            continue
    raise ValueError(f"not a date and time: {value!r}")


def _records(path: Path) -> list[dict]:
    regular_file(path, str(path), max_bytes=16 << 30)
    try:
        if path.suffix.lower() == ".parquet":
            return pq.read_table(path).to_pylist()
        with open(path, newline="", encoding="utf-8-sig") as stream:
            return list(csv.DictReader(stream))
    except (UnicodeDecodeError, csv.Error) as error:
        raise BadFileError(str(path), f"cannot be read as UTF-8 CSV ({error})",
                           hint="DDP's files are UTF-8 CSV or Parquet") from None
    except Exception as error:  # noqa: BLE001 - pyarrow raises many types for a damaged file
        raise BadFileError(str(path), f"not a readable file ({str(error)[:200]})") from None


def read_stints(path: Path, log: QuarantineLog) -> tuple[list[dict], int]:
    """Placements that can be used, and how many rows were read; the rest are quarantined."""
    if not path.exists():
        raise BadFileError(str(path), "no such file")
    records = _records(path)
    if records and (missing := [c for c in REQUIRED if c not in records[0]]):
        raise BadFileError(str(path), f"missing column(s) {', '.join(missing)}; a detention "
                                      "file in DDP's layout needs " + ", ".join(REQUIRED),
                           line=1)
    stints = []
    for line, record in enumerate(records, 2):
        raw = "|".join("" if record.get(c) is None else str(record.get(c)) for c in COLUMNS)
        if empty := [c for c in REQUIRED if record.get(c) in (None, "")]:
            log.keep(source_file=path.name, line=line, reason="missing-value",
                     field_name=empty[0], detail=f"{empty[0]} is empty", raw_row=raw)
            continue
        try:
            moments = {c: _moment(record.get(c)) for c in COLUMNS if c.endswith("date_time")}
        except ValueError as error:
            log.keep(source_file=path.name, line=line, reason="bad-date", detail=str(error),
                     raw_row=raw)
            continue
        if moments["book_out_date_time"] and \
                moments["book_out_date_time"] < moments["book_in_date_time"]:
            log.keep(source_file=path.name, line=line, reason="bad-date",
                     field_name="book_out_date_time", detail="book-out before book-in",
                     raw_row=raw)
            continue
        stints.append({**{c: record.get(c) or None for c in COLUMNS}, **moments,
                       "unique_identifier": str(record["unique_identifier"]),
                       "source_file": path.name, "source_line": line})
    return stints, len(records)
