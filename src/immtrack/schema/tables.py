"""Lake tables: which fields each holds, its grain, and how the current view is chosen.

Each table is stored as one Parquet file per release. `current` says how the published view
picks rows when releases overlap:
- "newest_release_per_period": for each series and period (month or fiscal year) the newest
  release that has the period is authoritative for all of it. CBP re-issues rolling four-year
  windows and leaves zero cells out, so a fact missing from a newer release that covers its
  month was revised away, and a fact must never be taken from two releases.
- "all_releases": every release's rows are visible side by side (quarantine).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from immtrack.schema.fields import FIELDS


@dataclass(frozen=True)
class Table:
    name: str
    source: str
    description: str
    fields: tuple[str, ...]
    current: str
    caveats: tuple[str, ...] = ()

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(name, FIELDS[name].type) for name in self.fields])


_PROVENANCE = ("release_id", "source_file", "source_sheet", "source_line")

TABLES: dict[str, Table] = {
    table.name: table
    for table in (
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
        Table(
            name="quarantine",
            source="all",
            description="Input rows that were read but not loaded, with the reason.",
            fields=(*_PROVENANCE, "reason_code", "field_name", "raw_value", "raw_row", "detail"),
            current="all_releases",
        ),
    )
}
