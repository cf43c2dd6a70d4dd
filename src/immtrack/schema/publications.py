"""The catalogue of publications `immtrack update` watches, kept as data.

For each agency publication: the page that lists its files, how a file link on that page is
recognised (a pattern on the link's decoded file name), where the publication date of a file
is read from, what the file covers, how often a new one is expected, and which ingest reads
it. Adding a publication is adding a record here; the runner (update/runner.py) has no
agency-specific branches beyond the ingest kind.

The addresses are the agencies' own. A listing page can be pointed elsewhere (a mirror, a test
server) with `immtrack update --listing CODE=URL` or the environment variable named by
`Publication.env_var` (IMMTRACK_LISTING_CBP_SOUTHWEST=... for cbp-southwest).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date

# How a file's publication date is found, in order of preference per publication:
#   url_month        cbp.gov and ohss.dhs.gov file paths hold the upload month:
#                    /sites/default/files/2025-09/... or .../assets/documents/2023-Nov/...
#   name_mmddyyyy    ICE names its workbooks FY26_detentionStats01082026.xlsx (MM DD YYYY)
#   last_modified    the server's Last-Modified header (EOIR keeps one address for every release)
DATE_RULES = ("url_month", "name_mmddyyyy", "last_modified")


@dataclass(frozen=True)
class Publication:
    code: str
    source: str          # what --source names: cbp, ohss, ice or eoir
    ingest: str          # which ingest reads a file: cbp (one file, one release), ice or eoir
    agency: str
    title: str
    listing_url: str
    file_pattern: str    # regex, case-insensitive, full match on the link's decoded file name
    file_kind: str       # csv, xlsx or zip: what the bytes must be (an HTML page is refused)
    dates: tuple[str, ...]
    covers: str
    cadence: str
    cadence_days: int    # expected days between two releases (for "overdue" hints)
    pages: tuple[str, ...]  # pages of `immtrack serve` whose figures a new release changes

    @property
    def env_var(self) -> str:
        return "IMMTRACK_LISTING_" + re.sub(r"[^A-Z0-9]", "_", self.code.upper())

    def matches(self, file_name: str) -> bool:
        return re.fullmatch(self.file_pattern, file_name, re.IGNORECASE) is not None


PUBLICATIONS: dict[str, Publication] = {p.code: p for p in (
    Publication(
        code="cbp-nationwide", source="cbp", ingest="cbp", agency="CBP",
        title="Nationwide Encounters",
        listing_url="https://www.cbp.gov/document/stats/nationwide-encounters",
        # nationwide-encounters-fy22-fy25-aor.csv, nationwide-encounters-fy23-fy26-jun-aor.csv,
        # nationwide-encounters-fy21-fy24-state.csv
        file_pattern=r"nationwide-encounters-fy\d{2}-fy\d{2}(-[a-z]{3})?-(aor|state)\.csv",
        file_kind="csv", dates=("url_month", "last_modified"),
        covers="A rolling window of four fiscal years of encounters at every U.S. border, both "
               "components (Border Patrol and ports of entry), by month, area of "
               "responsibility (or state), demographic, about twenty named citizenships, title "
               "of authority and encounter type. Each issue revises earlier months.",
        cadence="monthly, mid-month, for the month before last", cadence_days=31,
        pages=("/",)),
    Publication(
        code="cbp-southwest", source="cbp", ingest="cbp", agency="CBP",
        title="Southwest Land Border Encounters",
        listing_url="https://www.cbp.gov/document/stats/southwest-land-border-encounters",
        # sbo-encounters-fy22-fy25-aug.csv
        file_pattern=r"(sbo-encounters|southwest-land-border-encounters)-fy\d{2}-fy\d{2}"
                     r"(-[a-z]{3})?(-aor)?\.csv",
        file_kind="csv", dates=("url_month", "last_modified"),
        covers="Encounters at the southwest land border over a rolling window of four fiscal "
               "years, both components, by month, demographic, citizenship grouping (El "
               "Salvador, Guatemala, Honduras, Mexico, other), title of authority and "
               "encounter type. Each issue revises earlier months.",
        cadence="monthly, mid-month, for the month before last", cadence_days=31,
        pages=("/", "/nationality/RU")),
    Publication(
        code="ohss-khsm", source="ohss", ingest="cbp", agency="DHS OHSS",
        title="KHSM CBP Encounters workbook (U.S. Border Patrol)",
        listing_url="https://ohss.dhs.gov/khsm/cbp-encounters",
        # KHSM Encounters (USBP) fy25m11.xlsx
        file_pattern=r"khsm[ _-]*encounters[ _-]*\(?usbp\)?[ _-]*fy\d{2}m\d{1,2}\.xlsx",
        file_kind="xlsx", dates=("url_month", "last_modified"),
        covers="Border Patrol encounters only (no ports of entry) from FY2000, annual and "
               "monthly, by citizenship (130+), region, family status and sector, rounded to "
               "tens. Each issue can revise earlier months.",
        cadence="monthly", cadence_days=31, pages=("/", "/nationality/RU")),
    Publication(
        code="ice-detention", source="ice", ingest="ice", agency="ICE",
        title="Detention Management statistics (FYxx_detentionStats workbooks)",
        listing_url="https://www.ice.gov/detain/detention-management",
        # FY26_detentionStats01082026.xlsx (some older ones have an underscore before the date)
        file_pattern=r"FY\d{2}[_-]?detentionStats[_-]?\d{8}\.xlsx",
        file_kind="xlsx", dates=("name_mmddyyyy", "url_month", "last_modified"),
        covers="ICE detention in the fiscal year to date: people held by facility (average "
               "daily population by security level, length of stay), book-ins, book-outs, "
               "alternatives to detention. Read into the ICE release beside the facility "
               "lists and field offices it needs.",
        cadence="about every two weeks", cadence_days=15, pages=("/",)),
    Publication(
        code="eoir-case-data", source="eoir", ingest="eoir", agency="EOIR (DOJ)",
        title="EOIR Case Data (FOIA library)",
        listing_url="https://www.justice.gov/eoir/foia-library-0",
        # https://fileshare.eoir.justice.gov/FOIA-TRAC-Report.zip, later "EOIR Case Data.zip":
        # one address for every release, so only its ETag, date and bytes tell a new one.
        file_pattern=r"(FOIA-TRAC-Report|EOIR[ _-]*Case[ _-]*Data)[^/]*\.zip",
        file_kind="zip", dates=("last_modified",),
        covers="Every immigration-court case, proceeding, application, hearing, custody record "
               "and representative since the 1950s, with the lookup tables; a whole snapshot "
               "each time (several GB).",
        cadence="monthly", cadence_days=31,
        pages=("/courts", "/judges", "/outlook", "/nationality/RU")),
)}

SOURCES = tuple(dict.fromkeys(p.source for p in PUBLICATIONS.values()))


def publications_for(sources: list[str] | tuple[str, ...] | None = None) -> list[Publication]:
    """The publications of the sources named (all when none), in catalogue order; a publication
    code names just that one."""
    if not sources:
        return list(PUBLICATIONS.values())
    unknown = [s for s in sources if s not in SOURCES and s not in PUBLICATIONS]
    if unknown:
        raise ValueError(f"unknown source {', '.join(unknown)}; use one of: "
                         f"{', '.join(SOURCES)} (or a publication: {', '.join(PUBLICATIONS)})")
    return [p for p in PUBLICATIONS.values() if p.source in sources or p.code in sources]


def listing_url(publication: Publication, overrides: dict[str, str] | None = None) -> str:
    """The page to read: an override given for the publication's code, else one given for its
    source (a mirror page may list the files of several publications: each keeps only the links
    its pattern matches), else the environment variable, else the agency's own address."""
    overrides = overrides or {}
    for key in (publication.code, publication.source):
        if key in overrides:
            return overrides[key]
    return os.environ.get(publication.env_var) or publication.listing_url


_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
                                       "sep", "oct", "nov", "dec"), 1)}


def date_from_url(url_path: str) -> date | None:
    """/files/2025-09/name.csv or /documents/2023-Nov/name.csv: the month it was uploaded."""
    match = re.search(r"/(\d{4})-(\d{2}|[A-Za-z]{3})/[^/]+$", url_path)
    if not match:
        return None
    year, month = int(match.group(1)), match.group(2)
    number = int(month) if month.isdigit() else _MONTHS.get(month.lower())
    return date(year, number, 1) if number and 1 <= number <= 12 else None


def date_from_name(file_name: str) -> date | None:
    """FY26_detentionStats01082026.xlsx: ICE writes the release date as MMDDYYYY."""
    match = re.search(r"(\d{2})(\d{2})(\d{4})\.\w+$", file_name)
    if not match:
        return None
    try:
        return date(int(match.group(3)), int(match.group(1)), int(match.group(2)))
    except ValueError:
        return None
