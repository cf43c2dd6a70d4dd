"""Person-level detention records in the layout the Deportation Data Project releases ICE's
FOIA detention data in (sources/ice_stints.py), invented: no real records are available here.

People get one or two stays; a stay has one to four placements at facilities drawn from the
facility codes given (transfers), stays last days to months, and the newest are still open.
Quirks a real file has, at small rates: an empty citizenship, a date that is not a date, a
book-out before its book-in. Every one is listed in the returned manifest with its line.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

from immtrack.sources import SYNTHETIC_MARKER
from immtrack.sources.ice_stints import COLUMNS

CITIZENSHIPS = ("MEXICO", "GUATEMALA", "HONDURAS", "EL SALVADOR", "VENEZUELA", "RUSSIA",
                "INDIA", "CHINA, PEOPLES REPUBLIC OF", "UKRAINE", "CUBA")
REASONS = ("Removed", "Bonded Out", "Paroled", "Order of Recognizance", "Transferred")


def _stamp(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def write_stints(path: Path, people: int, facilities: list[str], *, seed: int = 1,
                 data_end: datetime = datetime(2025, 6, 30), quirks: bool = True
                 ) -> list[dict]:
    """Write the file; returns the planted quirks as {line, kind}."""
    rng = random.Random(seed)
    rows, manifest = [], []
    for person in range(people):
        start = data_end - timedelta(days=rng.randint(1, 900))
        for _ in range(rng.choice((1, 1, 1, 2))):
            placements = rng.choice((1, 1, 2, 2, 3, 4))
            length = timedelta(days=rng.randint(1, 240), hours=rng.randint(0, 23))
            end = start + length
            open_stay = end > data_end
            citizenship = rng.choice(CITIZENSHIPS)
            moments = sorted(start + length * rng.random() for _ in range(placements - 1))
            bounds = [start, *moments, None if open_stay else end]
            for index in range(placements):
                rows.append({
                    "unique_identifier": f"P{person:07d}",
                    "stay_book_in_date_time": _stamp(start),
                    "book_in_date_time": _stamp(bounds[index]),
                    "book_out_date_time": _stamp(bounds[index + 1]),
                    "stay_book_out_date_time": _stamp(None if open_stay else end),
                    "detention_facility_code": rng.choice(facilities),
                    "detention_facility": "", "citizenship_country": citizenship,
                    "gender": rng.choice(("Male", "Male", "Female")),
                    "detention_release_reason": "" if open_stay else rng.choice(REASONS)})
            start = (end if not open_stay else data_end) + timedelta(days=rng.randint(30, 400))
            if start > data_end:
                break
    if quirks:
        planted = (("missing citizenship", "citizenship_country", ""),
                   ("bad date", "book_in_date_time", "31/02/2023 25:00"),
                   ("book-out before book-in", "book_out_date_time", "1999-01-01 00:00:00"))
        for (kind, column, value), index in zip(planted, rng.sample(range(len(rows)), 3),
                                                strict=True):
            rows[index][column] = value
            manifest.append({"line": index + 2, "kind": kind})
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    (path.parent / SYNTHETIC_MARKER).touch()
    return manifest
