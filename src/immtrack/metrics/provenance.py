"""What every asylum answer says about where it came from: the EOIR release, the lake tables,
the filters, the definitions, the engine and the code version; also carried inside the Arrow
table (schema metadata `immtrack.provenance`) so a saved table keeps it."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa

from immtrack.errors import QueryError
from immtrack.lake.catalog import reader
from immtrack.lake.releases import code_version

SOURCE_TABLES = ("raw_eoir__tbl_court_appln", "raw_eoir__b_tblproceeding",
                 "raw_eoir__a_tblcase", "raw_eoir__tbl_repsassigned", "raw_eoir__tbl_schedule",
                 "raw_eoir__tbl_custodyhistory", "raw_eoir__tbl_lead_rider")


def eoir_release(home: Path) -> dict:
    """The EOIR release the metrics read: the newest in the lake."""
    release = reader(home).execute(
        """SELECT release_id, release_label, is_synthetic, data_through FROM release_order
           WHERE source = 'eoir' ORDER BY release_rank DESC LIMIT 1""").fetchone()
    if release is None:
        raise QueryError("the lake holds no EOIR release: run `immtrack ingest eoir`")
    return dict(zip(("release_id", "label", "is_synthetic", "data_through"), release,
                    strict=True))


def eoir_provenance(home: Path, *, metric: str, table: str, definitions: dict[str, str],
                    filters: dict, options: dict, engine: str) -> dict:
    return {"metric": metric, "table": table, "derived_from": list(SOURCE_TABLES),
            "releases": [eoir_release(home)],
            "definitions": definitions, "filters": filters, "options": options,
            "engine": engine, "code_version": code_version()}


def with_provenance(table: pa.Table, provenance: dict) -> pa.Table:
    """The table with its provenance in the schema metadata (kept by Parquet and Feather)."""
    return table.replace_schema_metadata(
        {**(table.schema.metadata or {}),
         b"immtrack.provenance": json.dumps(provenance, default=str).encode()})
