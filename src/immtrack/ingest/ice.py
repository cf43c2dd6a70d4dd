"""Ingest ICE detention data: one folder (laid out as ../shared/data/ice) is one release holding
the detention statistics of every ICE workbook it covers, the facility lists, the field offices
and, when given, person-level detention records."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pyarrow as pa

from immtrack.checksums import sha256_of
from immtrack.errors import BadFileError
from immtrack.ingest.outcome import IngestOutcome
from immtrack.lake.quarantine import QuarantineLog
from immtrack.lake.releases import (
    FileCount,
    Release,
    Staging,
    has_release,
    ingest_lock,
    publish,
    release_id_for,
)
from immtrack.schema.tables import TABLES
from immtrack.sources import SYNTHETIC_MARKER
from immtrack.sources.archives import regular_file
from immtrack.sources.ice_facilities import read_facility_lists, unify
from immtrack.sources.ice_stats import FACILITY_COLUMNS, read_ddp_stats, read_ice_workbook
from immtrack.sources.ice_stints import read_stints
from immtrack.sources.keys import first_of_each_key

SOURCE = "ice"
STATS_FOLDER = "detention_management_stats"


def _key(*parts) -> str:
    return "|".join(re.sub(r"[^A-Z0-9]", "", str(p or "").upper()) for p in parts)


def match_detloc(rows: list[dict], facilities: list[dict]) -> None:
    """Give each facility-population row its DETLOC: ICE's statistics name facilities, its
    lists code them. Exact normalized name and state first, then address, city and state."""
    by_name = {_key(f["name"], f["state"]): f["detloc"] for f in facilities if f["name"]}
    by_address = {_key(f["address"], f["city"], f["state"]): f["detloc"] for f in facilities
                  if f["address"]}
    for row in rows:
        if detloc := by_name.get(_key(row["name"], row["state"])):
            row["detloc"], row["detloc_match"] = detloc, "name+state"
        elif detloc := by_address.get(_key(row["address"], row["city"], row["state"])):
            row["detloc"], row["detloc_match"] = detloc, "address+city+state"
        else:
            row["detloc"] = row["detloc_match"] = None


def _facility_population(records: list[dict]) -> dict[str, list]:
    levels = ("level_a", "level_b", "level_c", "level_d")
    renamed = {"name": "facility_name", "state": "state_code", "aor": "aor_code",
               "type_detailed": "facility_type", "male_female": "gender",
               "level_a": "adp_level_a", "level_b": "adp_level_b", "level_c": "adp_level_c",
               "level_d": "adp_level_d", "male_crim": "adp_male_crim", "alos": "alos_days",
               "file_date": "ice_file_date", "pull_date": "ice_pull_date"}
    rows = []
    for record in records:
        record = {**dict.fromkeys(FACILITY_COLUMNS), **record}
        values = [record[level] for level in levels if record[level] is not None]
        rows.append({**{renamed.get(k, k): v for k, v in record.items()},
                     "adp": sum(float(v) for v in values) if values else None,
                     "zip": None if record["zip"] is None else str(record["zip"])})
    return rows


def _table(name: str, rows: list[dict], release_id: str) -> pa.Table:
    schema = TABLES[name].arrow_schema()
    columns = {f: [row.get(f) for row in rows] for f in schema.names if f != "release_id"}
    return pa.table({**columns, "release_id": [release_id] * len(rows)}, schema=schema)


def _inputs(folder: Path, stints: Path | None) -> list[Path]:
    if not folder.is_dir():
        raise BadFileError(str(folder), "not a folder: give the ICE folder (docs/detention.md)")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in
                   (".parquet", ".xlsx", ".csv", ".txt"))
    if stints:
        regular_file(stints, str(stints))
    return files + ([stints] if stints else [])


def ingest_ice(home: Path, folder: str | Path, *, stints: Path | None = None) -> IngestOutcome:
    """Publish the ICE folder (and person-level records) as one release; a no-op if unchanged."""
    folder = Path(folder).expanduser()
    inputs = _inputs(folder, stints)
    hashes = {path: sha256_of(path) for path in inputs}
    release_id = release_id_for(SOURCE, list(hashes.values()))
    if has_release(home, release_id):
        return IngestOutcome(str(folder), "unchanged", release_id,
                             message="already in the lake: nothing changed")
    log = QuarantineLog()
    lists = read_facility_lists(folder, log)
    facilities = unify(lists.list_rows)
    stats = read_ddp_stats(folder / STATS_FOLDER, log)
    population = [dict(zip(stats.facilities, values, strict=True))
                  for values in zip(*stats.facilities.values(), strict=True)]
    read = dict(stats.read) | lists.read
    for workbook in sorted(folder.rglob("*detentionStats*.xlsx")):
        records, _ = read_ice_workbook(workbook)
        population += [{**r, "source_file": workbook.name} for r in records]
        read[workbook.name] = len(records)
    match_detloc(population, facilities)
    monthly = [dict(zip(stats.monthly, values, strict=True))
               for values in zip(*stats.monthly.values(), strict=True)]
    stint_rows: list[dict] = []
    if stints:
        stint_rows, read[stints.name] = read_stints(stints, log)
    tables = {
        "raw_ice__facility_lists": [{**r, "facility_name": r["name"], "state_code": r["state"],
                                     "aor_code": r["aor"]} for r in lists.list_rows],
        "core_ice__facility_population": _facility_population(population),
        "core_ice__monthly": [{**r, "ice_file_date": r["file_date"],
                               "ice_pull_date": r["pull_date"]} for r in monthly],
        "core_ice__offices": [{**o, "aor_code": o["aor"]} for o in lists.offices],
        "core_ice__aor_counties": [{**c, "aor_code": c["aor"]} for c in lists.aor_counties],
    }
    if stints:
        tables["core_ice__stints"] = [{
            "person_id": s["unique_identifier"], "stay_start": s["stay_book_in_date_time"],
            "stay_end": s["stay_book_out_date_time"], "book_in": s["book_in_date_time"],
            "book_out": s["book_out_date_time"], "detloc": s["detention_facility_code"],
            "facility_name": s["detention_facility"], "citizenship": s["citizenship_country"],
            "gender": s["gender"], "release_reason": s["detention_release_reason"],
            "source_file": s["source_file"], "source_line": s["source_line"]}
            for s in stint_rows]
    tables = {name: first_of_each_key(name, rows, log) for name, rows in tables.items()}
    # Rows loaded per file, counted from what goes into the lake.
    loaded = Counter(r["source_file"] for rows in tables.values() for r in rows)
    months = [r["month_start"] for r in tables["core_ice__monthly"] if r["month_start"]]
    release = Release(
        release_id=release_id, source=SOURCE, release_label=folder.name,
        origin=str(folder.resolve()), data_from=min(months, default=None),
        data_through=max(months, default=None),
        # Generated person-level records make the whole release generated.
        is_synthetic=(folder / SYNTHETIC_MARKER).exists()
        or bool(stints and (stints.parent / SYNTHETIC_MARKER).exists()),
        files=[FileCount(path.name, "", hashes[path], path.stat().st_size, read[path.name],
                         loaded[path.name], read[path.name] - loaded[path.name])
               for path in inputs if path.name in read])
    with ingest_lock(home):
        if has_release(home, release_id):
            return IngestOutcome(str(folder), "unchanged", release_id,
                                 message="already in the lake: nothing changed")
        staging = Staging(home)
        for name, rows in tables.items():
            staging.write(name, _table(name, rows, release_id))
        staging.write("core_ice__facilities", _table("core_ice__facilities", [
            {**f, "facility_name": f["name"], "state_code": f["state"], "aor_code": f["aor"],
             "field_sources": "; ".join(f"{k}={v}" for k, v in f["sources"].items())}
            for f in facilities], release_id))
        staging.write("quarantine", log.to_arrow(release_id))
        publish(home, release, staging)
    total_read, total_loaded, quarantined = release.totals()
    return IngestOutcome(str(folder), "published", release_id, total_read, total_loaded,
                         quarantined)
