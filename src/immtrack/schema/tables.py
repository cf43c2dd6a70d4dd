"""Lake tables: which columns each holds, its grain, and how the current view is chosen.

Each table is stored as Parquet files per release. `current` says how the published view picks
rows when there are several releases:
- "newest_release_per_period": for each series and period (month or fiscal year) the newest
  release that has the period is authoritative for all of it. CBP re-issues rolling four-year
  windows and leaves zero cells out, so a fact missing from a newer release that covers its
  month was revised away, and a fact must never be taken from two releases.
- "newest_release": the newest release of the source, whole (EOIR publishes complete
  snapshots); `<table>_all` keeps earlier releases side by side for comparison.
- "all_releases": every release's rows are visible side by side (quarantine, repairs).

Most columns are defined once in fields.py; the raw EOIR tables keep the agency's own columns,
defined in eoir.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from immtrack.schema.eoir import EOIR_TABLES, Column
from immtrack.schema.fields import FIELDS

_SQL_TYPES = {
    pa.string(): "VARCHAR", pa.int64(): "BIGINT", pa.int16(): "SMALLINT", pa.int32(): "INTEGER",
    pa.date32(): "DATE",
    pa.bool_(): "BOOLEAN", pa.timestamp("s", tz="UTC"): "TIMESTAMPTZ",
    pa.float64(): "DOUBLE", pa.timestamp("s"): "TIMESTAMP",
}


def sql_type(field_name: str) -> str:
    return _SQL_TYPES[FIELDS[field_name].type]


@dataclass(frozen=True)
class Table:
    name: str
    source: str
    description: str
    fields: tuple[str, ...]
    current: str
    caveats: tuple[str, ...] = ()
    raw_columns: tuple[Column, ...] = ()  # the agency's columns, before `fields`

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(name, FIELDS[name].type) for name in self.fields])

    def sql_columns(self) -> list[tuple[str, str]]:
        return [(c.name, c.sql_type) for c in self.raw_columns] + \
            [(name, sql_type(name)) for name in self.fields]


_PROVENANCE = ("release_id", "source_file", "source_sheet", "source_line")
_EOIR_CAVEAT = ("Generated releases (is_synthetic in `releases`) hold invented records in "
                "EOIR's real format.")

_CBP_TABLES = (
    Table(
        name="core_cbp__encounters",
        source="cbp",
        description="CBP and DHS OHSS border encounters, one row per published cell.",
        fields=("series", "fact_key", "month_start", "fiscal_year", "component_code",
                "border_region_code", "aor_name", "aor_code", "state_code",
                "demographic_code", "citizenship_name", "citizenship_raw",
                "title_of_authority_code", "encounter_type_code", "encounter_count",
                *_PROVENANCE),
        current="newest_release_per_period",
        caveats=(
            "An encounter is an event, not a person: repeat crossers count each time.",
            "Series are different breakdowns of the same encounters; never sum across them.",
            ("OHSS KHSM workbooks cover U.S. Border Patrol only (no ports of entry), round "
             "to tens and omit small cells."),
        ),
    ),
)

_EOIR_RAW_TABLES = tuple(
    Table(name=table.lake_table, source="eoir",
          description=f"EOIR {table.file_name}: {table.description}",
          fields=("data_issues", "release_id"), current="newest_release",
          caveats=(_EOIR_CAVEAT,), raw_columns=table.columns)
    for table in EOIR_TABLES.values()
)

_EOIR_DERIVED_TABLES = (
    Table(
        name="core_eoir__asylum_decisions",
        source="eoir",
        description="One row per decision record on an asylum application in a completed "
                    "proceeding (and per decision record whose application code EOIR's lookup "
                    "does not list, kept to be counted as left out), with every dimension the "
                    "asylum metrics use; derived at ingest (metrics/asylum_tables.py, "
                    "decisions_table).",
        fields=("case_id", "proceeding_id", "application_id", "decision_code", "outcome",
                "decision_date", "decision_fy", "nationality", "court", "hearing_location",
                "judge", "case_type", "custody", "ever_detained", "asylum_type",
                "represented", "represented_at_first_hearing", "represented_at_decision",
                "rider", "filed_date", "filed_fy", "application_code_known",
                "is_initial_completion", "in_eoir_rate_case_types", "withholding_granted",
                "cat_granted", "court_outcome", "court_decision_kind", "release_id"),
        current="newest_release",
        caveats=(_EOIR_CAVEAT,),
    ),
)

_EOIR_DERIVED_TABLES += (
    Table(
        name="core_eoir__asylum_applications",
        source="eoir",
        description="One row per asylum application (APPL_CODE ASYL: one case's filing of one "
                    "date), with its status (decided, closed without decision, pending, "
                    "unknown code), its filing date and, once decided or closed, the date; "
                    "derived at ingest (metrics/asylum_tables.py, applications_table).",
        fields=("case_id", "application_id", "status", "decision_date", "closed_date",
                "outcome", "is_pending", "nationality", "court", "hearing_location", "judge",
                "case_type", "custody", "ever_detained", "asylum_type", "represented",
                "represented_at_first_hearing", "represented_at_decision", "rider",
                "filed_date", "filed_fy", "application_code_known", "release_id"),
        current="newest_release",
        caveats=(_EOIR_CAVEAT,),
    ),
)

_EOIR_DERIVED_TABLES += (
    Table(
        name="core_eoir__proceedings",
        source="eoir",
        description="One row per proceeding with its case's NTA date, nationality, court, case "
                    "type, custody, charge group and MPP mark, and once completed its outcome "
                    "group, in absentia flag, representation and which completion of the case "
                    "it is; derived at ingest (metrics/court_tables.py, proceedings_table).",
        fields=("case_id", "proceeding_id", "is_first_proceeding", "nta_date", "nta_month",
                "nta_fy", "nationality", "court", "hearing_location", "judge", "case_type",
                "custody", "charge_group", "mpp", "mpp_marked", "completion_date",
                "completion_fy", "court_outcome", "court_decision_code", "outcome_group",
                "in_absentia", "is_completion", "is_initial_completion", "is_last_completion",
                "represented", "represented_at_completion", "days_to_completion",
                "release_id"),
        current="newest_release",
        caveats=(_EOIR_CAVEAT,),
    ),
    Table(
        name="core_eoir__bonds",
        source="eoir",
        description="One row per bond record (D_TblAssociatedBond) with its decision code, "
                    "request and decision dates, amounts in dollars, the change the judge made "
                    "and the days since detention; derived at ingest (metrics/court_tables.py, "
                    "bonds_table).",
        fields=("bond_id", "case_id", "proceeding_id", "nationality", "court",
                "hearing_location", "judge", "custody", "bond_decision", "bond_decision_date",
                "bond_decision_fy", "request_date", "request_fy", "initial_bond", "new_bond",
                "amount_change", "amount_not_numeric", "bond_type", "filing_party",
                "detained_date", "days_detained_to_decision", "represented",
                "represented_at_completion", "release_id"),
        current="newest_release",
        caveats=(_EOIR_CAVEAT,),
    ),
    Table(
        name="core_eoir__appeals",
        source="eoir",
        description="One row per appeal or motion at the Board of Immigration Appeals "
                    "(tblAppeal): who filed it, when, the Board's decision and its class; "
                    "derived at ingest (metrics/court_tables.py, appeals_table).",
        fields=("appeal_id", "case_id", "proceeding_id", "appeal_category", "appeal_type",
                "filed_by", "appeal_filed_date", "appeal_filed_fy", "bia_decision",
                "bia_outcome", "bia_decision_date", "bia_decision_fy", "nationality",
                "case_type", "custody", "court", "judge", "release_id"),
        current="newest_release",
        caveats=(_EOIR_CAVEAT,),
    ),
)

_ICE_CAVEAT = ("ICE's statistics are averages it computes; releases overlap and revise "
               "earlier figures, so every row names its workbook (ice_file_date).")
_ICE_TABLES = (
    Table(
        name="core_ice__facility_population", source="ice",
        description="Average daily population and length of stay by facility, one row per "
                    "facility per ICE workbook (release), from the Facilities tab.",
        fields=("ice_file_date", "ice_pull_date", "fiscal_year", "facility_name", "address",
                "city", "state_code", "zip", "aor_code", "facility_type", "gender", "adp",
                "adp_level_a", "adp_level_b", "adp_level_c", "adp_level_d", "adp_male_crim",
                "alos_days", "detloc", "detloc_match", "release_id", "source_file",
                "source_line"),
        current="newest_release", caveats=(_ICE_CAVEAT,)),
    Table(
        name="core_ice__monthly", source="ice",
        description="Monthly national detention figures per ICE workbook: ADP and average "
                    "stay by agency and criminality, book-ins by arresting agency, book-outs "
                    "by release reason.",
        fields=("measure", "category", "subcategory", "month_start", "value", "year_to_date",
                "ice_file_date", "ice_pull_date", "fiscal_year", "release_id", "source_file",
                "source_line"),
        current="newest_release", caveats=(_ICE_CAVEAT,)),
    Table(
        name="raw_ice__facility_lists", source="ice",
        description="Every row of the facility lists as read (2015 ICE list, FOIA list, DDP "
                    "geocodes), before they are unified by DETLOC.",
        fields=("list_name", "detloc", "facility_name", "address", "city", "county",
                "state_code", "zip", "facility_type", "aor_code", "latitude", "longitude",
                "first_used", "last_used", "release_id", "source_file", "source_line"),
        current="newest_release"),
    Table(
        name="core_ice__facilities", source="ice",
        description="Every known detention facility, keyed by DETLOC, unified from ICE's 2015 "
                    "list, the 1978-2017 FOIA list and DDP's manual geocodes.",
        fields=("detloc", "facility_name", "address", "city", "county", "state_code", "zip",
                "facility_type", "aor_code", "latitude", "longitude", "first_used",
                "last_used", "field_sources", "release_id"),
        current="newest_release"),
    Table(
        name="core_ice__offices", source="ice",
        description="ERO field offices: area of responsibility code, address, coordinates.",
        fields=("aor_code", "office_name", "address", "latitude", "longitude", "release_id"),
        current="newest_release"),
    Table(
        name="core_ice__aor_counties", source="ice",
        description="The states and counties each ERO field office covers.",
        fields=("aor_code", "office_name", "state_name", "county", "notes", "release_id"),
        current="newest_release"),
    Table(
        name="core_ice__stints", source="ice",
        description="Person-level detention placements (DDP's release of ICE's FOIA data): "
                    "one row per person per facility placement.",
        fields=("person_id", "stay_start", "stay_end", "book_in", "book_out", "detloc",
                "facility_name", "citizenship", "gender", "release_reason", "release_id",
                "source_file", "source_line"),
        current="newest_release"),
)

_SHARED_TABLES = (
    Table(
        name="raw_eoir__lookups",
        source="eoir",
        description="Every row of the release's Lookup/ folder, as code, qualifier and "
                    "description.",
        fields=("lookup_name", "code", "code_qualifier", "description", "raw_row",
                "release_id", "source_file", "source_line"),
        current="newest_release",
    ),
    Table(
        name="eoir_unknown_codes",
        source="eoir",
        description="Codes found in a coded column that its lookup does not list: kept raw in "
                    "the table, counted here.",
        fields=("table_name", "column_name", "code", "rows", "release_id"),
        current="all_releases",
    ),
    Table(
        name="repairs",
        source="all",
        description="Rows immtrack repaired (an extra tab merged back), before and after.",
        fields=("release_id", "source_file", "source_line", "raw_row", "repaired_row",
                "repair"),
        current="all_releases",
    ),
    Table(
        name="quarantine",
        source="all",
        description="Input rows that were read but not loaded, with the reason.",
        fields=(*_PROVENANCE, "reason_code", "field_name", "raw_value", "raw_row", "detail"),
        current="all_releases",
    ),
)

TABLES: dict[str, Table] = {
    table.name: table for table in (*_CBP_TABLES, *_EOIR_RAW_TABLES, *_EOIR_DERIVED_TABLES,
                                    *_ICE_TABLES, *_SHARED_TABLES)
}
