"""Encounter series: the published cuts of the same border encounters.

CBP and OHSS publish the same events broken down in different ways (by area of responsibility,
by state, by region and citizenship...). Each cut is a series. A question is answered from one
series, the first in priority order that has every breakdown it needs and covers its period;
adding two series together would count encounters twice.
"""

from __future__ import annotations

from dataclasses import dataclass

# Query dimension -> lake column.
DIMENSION_COLUMNS = {
    "month": "month_start",
    "fiscal_year": "fiscal_year",
    "component": "component_code",
    "region": "border_region_code",
    "aor": "aor_name",
    "state": "state_code",
    "demographic": "demographic_code",
    "citizenship": "citizenship_name",
    "title": "title_of_authority_code",
    "encounter_type": "encounter_type_code",
}


@dataclass(frozen=True)
class EncounterSeries:
    code: str
    title: str
    publisher: str
    dimensions: frozenset[str]
    components: tuple[str, ...]
    grain: str = "month"
    region_scope: str | None = None
    citizenship_groups: tuple[str, ...] | None = None
    notes: str = ""

    @property
    def coverage_note(self) -> str:
        if self.components == ("USBP",):
            who = "U.S. Border Patrol only: encounters at ports of entry (OFO) are not included"
        else:
            who = "both CBP components (Border Patrol and ports of entry)"
        if self.region_scope == "southwest":
            who += "; southwest border only"
        return f"{self.publisher} {self.title}: {who}. {self.notes}".strip()


_CBP_NOTE = "Exact counts; months absent from a file had no encounters in that cell."
_OHSS_NOTE = "Values rounded to tens; cells under 10 left out."
_GROUPED = ("EL SALVADOR", "GUATEMALA", "HONDURAS", "MEXICO", "OTHER")


def _series(*records: EncounterSeries) -> dict[str, EncounterSeries]:
    return {record.code: record for record in records}


def _ohss(code: str, title: str, *dims: str, grain: str = "month") -> EncounterSeries:
    base = {"month", "fiscal_year"} if grain == "month" else {"fiscal_year"}
    return EncounterSeries(code, f"KHSM workbook, {title}", "DHS OHSS",
                           frozenset({*base, "component", *dims}), ("USBP",), grain=grain,
                           notes=_OHSS_NOTE)


# In priority order: complete CBP files first, OHSS Border-Patrol-only workbooks last.
ENCOUNTER_SERIES = _series(
    EncounterSeries(
        "cbp_nationwide_aor", "Nationwide Encounters by area of responsibility", "CBP",
        frozenset({"month", "fiscal_year", "component", "region", "aor", "demographic",
                   "citizenship", "title", "encounter_type"}), ("OFO", "USBP"), notes=_CBP_NOTE),
    EncounterSeries(
        "cbp_nationwide_state", "Nationwide Encounters by state", "CBP",
        frozenset({"month", "fiscal_year", "region", "state", "demographic", "citizenship",
                   "title"}), ("OFO", "USBP"), notes=_CBP_NOTE),
    EncounterSeries(
        "cbp_southwest_aor", "Southwest Land Border Encounters by area of responsibility", "CBP",
        frozenset({"month", "fiscal_year", "component", "region", "aor", "demographic",
                   "citizenship", "title", "encounter_type"}), ("OFO", "USBP"),
        region_scope="southwest", notes=_CBP_NOTE),
    EncounterSeries(
        "cbp_southwest_grouped", "Southwest Land Border Encounters (citizenship grouping)", "CBP",
        frozenset({"month", "fiscal_year", "component", "region", "demographic", "citizenship",
                   "title", "encounter_type"}), ("OFO", "USBP"), region_scope="southwest",
        citizenship_groups=_GROUPED,
        notes=_CBP_NOTE + " Citizenship only as El Salvador, Guatemala, Honduras, Mexico, Other."),
    _ohss("ohss_usbp_monthly_region_citizenship", "monthly by region and citizenship",
          "region", "citizenship"),
    _ohss("ohss_usbp_monthly_citizenship", "monthly by citizenship", "citizenship"),
    _ohss("ohss_usbp_monthly_region_family_status", "monthly by region and family status",
          "region", "demographic"),
    _ohss("ohss_usbp_monthly_family_status", "monthly by family status", "demographic"),
    _ohss("ohss_usbp_monthly_region_sector", "monthly by region and sector", "region", "aor"),
    _ohss("ohss_usbp_monthly_sector", "monthly by sector", "aor"),
    _ohss("ohss_usbp_monthly_region", "monthly by region", "region"),
    _ohss("ohss_usbp_monthly_count", "monthly total"),
    _ohss("ohss_usbp_annual_region_citizenship", "annual by region and citizenship",
          "region", "citizenship", grain="fiscal_year"),
    _ohss("ohss_usbp_annual_citizenship", "annual by citizenship", "citizenship",
          grain="fiscal_year"),
    _ohss("ohss_usbp_annual_region_family_status", "annual by region and family status",
          "region", "demographic", grain="fiscal_year"),
    _ohss("ohss_usbp_annual_family_status", "annual by family status", "demographic",
          grain="fiscal_year"),
    _ohss("ohss_usbp_annual_region_sector", "annual by region and sector", "region", "aor",
          grain="fiscal_year"),
    _ohss("ohss_usbp_annual_sector", "annual by sector", "aor", grain="fiscal_year"),
    _ohss("ohss_usbp_annual_region", "annual by region", "region", grain="fiscal_year"),
    _ohss("ohss_usbp_annual_count", "annual total", grain="fiscal_year"),
)
