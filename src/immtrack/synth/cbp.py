"""Generated CBP "Nationwide Encounters" AOR releases, for the demo where real files are absent
and for tests of overlapping releases.

Two releases in CBP's real CSV layout share one set of underlying counts: FY2021-FY2024 and
FY2022-FY2025 (through March 2025). The second revises about 2% of the FY2023-FY2024 cells it
shares with the first and drops a few of them (revised to zero), as CBP's re-issues do. The
folder gets an `immtrack-synthetic.json` marker, so every answer drawn from these files is
labelled as generated. The numbers are invented; only the format is real.
"""

from __future__ import annotations

import csv
import json
import random
from datetime import date
from pathlib import Path

from immtrack.sources import SYNTHETIC_MARKER

HEADER = ("Fiscal Year", "Month Grouping", "Month (abbv)", "Component", "Land Border Region",
          "Area of Responsibility", "AOR (Abbv)", "Demographic", "Citizenship",
          "Title of Authority", "Encounter Type", "Encounter Count")
CITIZENSHIPS = ("BRAZIL", "CANADA", "CHINA, PEOPLES REPUBLIC OF", "COLOMBIA", "CUBA", "ECUADOR",
                "EL SALVADOR", "GUATEMALA", "HAITI", "HONDURAS", "INDIA", "MEXICO",
                "MYANMAR (BURMA)", "NICARAGUA", "OTHER", "PERU", "ROMANIA", "RUSSIA", "TURKEY",
                "UKRAINE", "VENEZUELA")
AREAS = (
    ("U.S. Border Patrol", "Southwest Land Border", "Tucson Sector", "Tucson"),
    ("U.S. Border Patrol", "Southwest Land Border", "Rio Grande Valley Sector", "RGV"),
    ("U.S. Border Patrol", "Northern Land Border", "Swanton Sector", "Swanton"),
    ("Office of Field Operations", "Southwest Land Border", "San Diego Field Office",
     "San Diego"),
    ("Office of Field Operations", "Northern Land Border", "Buffalo Field Office", "Buffalo"),
    ("Office of Field Operations", "Other", "Miami Field Office", "Miami"),
)
DEMOGRAPHICS = ("Single Adults", "FMUA", "UC / Single Minors", "Accompanied Minors")
MONTHS = ("OCT", "NOV", "DEC", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP")
TITLE_42_END = date(2023, 5, 1)  # last month with Title 42 expulsions
RELEASES = (("nationwide-encounters-fy21-fy24-aor.csv", 2021, date(2024, 9, 1)),
            ("nationwide-encounters-fy22-fy25-aor.csv", 2022, date(2025, 3, 1)))


def _month_start(fiscal_year: int, fiscal_month: int) -> date:
    month = (fiscal_month + 8) % 12 + 1
    return date(fiscal_year - 1 if month >= 10 else fiscal_year, month, 1)


def _cells(rng: random.Random) -> dict[tuple, int]:
    """Underlying counts: (fiscal year, fiscal month, area, demographic, citizenship, title)."""
    cells = {}
    for fiscal_year in range(2021, 2026):
        for fiscal_month in range(1, 13):
            month = _month_start(fiscal_year, fiscal_month)
            if month > RELEASES[-1][2]:
                continue
            for area in AREAS:
                for demographic in DEMOGRAPHICS:
                    if demographic == "Accompanied Minors" and area[0] == "U.S. Border Patrol":
                        continue
                    for citizenship in CITIZENSHIPS:
                        for title in ("Title 8", "Title 42"):
                            if title == "Title 42" and month > TITLE_42_END:
                                continue
                            if rng.random() < 0.55:  # CBP leaves empty cells out
                                continue
                            scale = 400 if area[1] == "Southwest Land Border" else 30
                            cells[(fiscal_year, fiscal_month, area, demographic, citizenship,
                                   title)] = max(1, int(rng.expovariate(1 / scale)))
    return cells


def _encounter_type(component: str, title: str) -> str:
    if title == "Title 42":
        return "Expulsions"
    return "Apprehensions" if component == "U.S. Border Patrol" else "Inadmissibles"


def _write_release(path: Path, cells: dict[tuple, int], first_year: int, through: date) -> int:
    last_fiscal_month = MONTHS.index(date(2000, through.month, 1).strftime("%b").upper()) + 1
    current_year = through.year + (through.month >= 10)
    rows = 0
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(HEADER)
        for (year, fiscal_month, area, demographic, citizenship, title), count in cells.items():
            if year < first_year or _month_start(year, fiscal_month) > through:
                continue
            grouping = "FYTD" if fiscal_month <= last_fiscal_month else "Remaining"
            partial = year == current_year and through.month != 9
            label = f"{year} (FYTD)" if partial else str(year)
            writer.writerow((label, grouping, MONTHS[fiscal_month - 1], *area, demographic,
                             citizenship, title, _encounter_type(area[0], title), count))
            rows += 1
    return rows


def write_cbp_releases(out_dir: Path, seed: int = 0) -> list[Path]:
    """Write the two overlapping generated releases and the synthetic marker; return the files."""
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    older = _cells(rng)
    newer = dict(older)
    for key in [k for k in older if k[0] in (2023, 2024)]:
        draw = rng.random()
        if draw < 0.005:
            del newer[key]
        elif draw < 0.02:
            newer[key] = max(1, older[key] + rng.randint(-5, 12))
    paths, counts = [], {}
    for (name, first_year, through), cells in zip(RELEASES, (older, newer), strict=True):
        paths.append(out_dir / name)
        counts[name] = _write_release(paths[-1], cells, first_year, through)
    (out_dir / SYNTHETIC_MARKER).write_text(json.dumps(
        {"generator": "immtrack.synth.cbp", "seed": seed, "rows": counts,
         "note": "Invented numbers in CBP's real layout; not real encounters."}, indent=2))
    return paths
