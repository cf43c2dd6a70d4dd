"""The agencies' sites as `immtrack update` tests and the update benchmark imitate them: the
real files from ../shared/data at the agencies' own paths, listing pages linking them, and the
files the agencies publish next (a later CBP window derived from the real CSV)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import duckdb

from tests.support.agency_server import AgencyServer, AgencySite

SW_PAGE = "/document/stats/southwest-land-border-encounters"
NATIONWIDE_PAGE = "/document/stats/nationwide-encounters"
OHSS_PAGE = "/khsm/cbp-encounters"
ICE_PAGE = "/detain/detention-management"
EOIR_PAGE = "/eoir/foia-library-0"
SBO_AUG = "/sites/default/files/2025-09/sbo-encounters-fy22-fy25-aug.csv"
SBO_SEP = "/sites/default/files/2025-10/sbo-encounters-fy22-fy25-sep.csv"
NATIONWIDE_STATE = "/sites/default/files/2025-09/nationwide-encounters-fy22-fy25-state.csv"
KHSM = "/sites/default/files/2024-12/KHSM Encounters (USBP) fy25m11.xlsx"
ICE_WORKBOOK = "/doclib/detention/FY26_detentionStats04092026.xlsx"
EOIR_ZIP = "/FOIA-TRAC-Report.zip"
PAGES = {"cbp-southwest": SW_PAGE, "cbp-nationwide": NATIONWIDE_PAGE, "ohss-khsm": OHSS_PAGE,
         "ice-detention": ICE_PAGE, "eoir-case-data": EOIR_PAGE}
MONTHS = ("OCT", "NOV", "DEC", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP")


def _month(fiscal_year: str, abbreviation: str) -> str:
    year = int(fiscal_year.split()[0])
    index = MONTHS.index(abbreviation)
    return f"{year - 1 if index < 3 else year}-{(index + 9) % 12 + 1:02d}"


def monthly_totals(text: str) -> dict[str, int]:
    """Totals per month of a CBP southwest CSV, summed here with the csv module."""
    totals: dict[str, int] = {}
    for row in csv.DictReader(io.StringIO(text)):
        key = _month(row["Fiscal Year"], row["Month (abbv)"])
        totals[key] = totals.get(key, 0) + int(row["Encounter Count"])
    return totals


def later_window(original: str) -> str:
    """CBP's next issue, as CBP makes them: the same window with June to August 2025 revised
    (every count of those months raised by a per-month step) and September 2025 added."""
    lines = original.splitlines()
    rows = list(csv.reader(lines))
    header, body = rows[0], rows[1:]
    step = {"JUN": 1, "JUL": 2, "AUG": 3}
    out = []
    for row in body:
        if row[0].startswith("2025") and row[2] in step:
            row = [*row[:-1], str(int(row[-1]) + step[row[2]])]
        out.append(row)
    out += [[*row[:2], "SEP", *row[3:-1], str(int(row[-1]) + 5)]
            for row in body if row[0].startswith("2025") and row[2] == "AUG"]
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\r\n").writerows([header, *out])
    return stream.getvalue()


def ice_workbook(shared: Path, path: Path) -> Path:
    """ICE's workbook of 2026-04-09 in ICE's own layout (title rows, then the header, a
    'Facilities FY26' tab), holding the real facility rows DDP parsed from it."""
    con = duckdb.connect()
    rows = con.execute(
        "SELECT name, address, city, state, zip, aor, type_detailed, male_female, level_a, "
        "level_b, level_c, level_d, male_crim, alos FROM read_parquet(?) "
        "WHERE file_date = DATE '2026-04-09' ORDER BY name",
        [str(shared / "ice/detention_management_stats/facilities.parquet")]).fetchall()
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Detention FY26"
    sheet = book.create_sheet("Facilities FY26")
    for row in (["ICE Detention Statistics"], ["FY2026 ADP"], [], [], [],
                ["Name", "Address", "City", "State", "Zip", "AOR", "Type Detailed",
                 "Male/Female", "Level A", "Level B", "Level C", "Level D", "Male Crim",
                 "FY26 ALOS"], *[list(r) for r in rows]):
        sheet.append(row)
    book.save(path)
    return path


class Agencies:
    """The imitation, started, with the `--listing` options that point update at it."""

    def __init__(self, site: AgencySite, server: AgencyServer):
        self.site, self.server = site, server

    def options(self, *codes: str) -> list[str]:
        chosen = codes or tuple(PAGES)
        return [part for code in chosen for part in
                ("--listing", f"{code}={self.server.url(PAGES[code])}")] + \
               [part for code in chosen for part in ("--source", code)]

    def file_gets(self, since: int = 0) -> list[str]:
        return [path for method, path, _ in self.site.requests[since:]
                if method == "GET" and path not in self.site.pages]


def build_site(shared: Path, scratch: Path) -> AgencySite:
    """Every watched publication with its first file; EOIR's is a generated release of 300
    cases (no real EOIR release is staged)."""
    from immtrack.synth.eoir import write_eoir_release

    site = AgencySite()
    site.publish(SBO_AUG, (shared / "cbp/cbp_sw_border_fy22_fy25/"
                           "sbo-encounters-fy22-fy25-aug.csv").read_bytes())
    site.publish(NATIONWIDE_STATE, (shared / "cbp/tidytuesday_sample/"
                                    "cbp_state_fy2022_apr_sw_az_russia_ukraine_rows.csv")
                 .read_bytes())
    site.publish(KHSM, (shared / "cbp/ohss_khsm/KHSM Encounters (USBP) fy25m11.xlsx")
                 .read_bytes())
    site.publish(ICE_WORKBOOK, ice_workbook(shared, scratch / "ice.xlsx").read_bytes())
    write_eoir_release(scratch / "eoir-june", 300, seed=3, release_date=date(2025, 6, 30),
                       zip_too=True)
    site.publish(EOIR_ZIP, (scratch / "eoir-june.zip").read_bytes())
    site.page(SW_PAGE, [SBO_AUG], "Southwest Land Border Encounters")
    site.page(NATIONWIDE_PAGE, [NATIONWIDE_STATE], "Nationwide Encounters")
    site.page(OHSS_PAGE, [KHSM], "CBP Encounters")
    site.page(ICE_PAGE, [ICE_WORKBOOK], "Detention Management")
    site.page(EOIR_PAGE, [EOIR_ZIP, "/eoir/page/file/1234/download"], "FOIA Library")
    return site
