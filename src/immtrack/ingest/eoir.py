"""Ingest an EOIR release (zip or folder) as one release: every table, the lookups, the checks.

Steps: find and hash the files (a release already in the lake stops here), read each table
into typed Parquet with one DuckDB COPY (repairing or quarantining the rows DuckDB rejects),
read the lookups, count the codes they do not know, then publish everything in one catalog
transaction. Counts reconcile per file: rows read = loaded + quarantined.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import ibis
import pyarrow as pa

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
from immtrack.lake.sql import sql_identifier, sql_list, sql_string
from immtrack.metrics.asylum_tables import applications_table, decisions_table
from immtrack.metrics.court_tables import COURT_TABLES
from immtrack.schema.eoir import EOIR_TABLES
from immtrack.schema.tables import TABLES
from immtrack.sources import eoir
from immtrack.sources.eoir_tables import RepairLog, read_table

# DuckDB may use this much memory per ingest; it spills to disk beyond it, so peak memory
# stays flat as releases grow (bench/ingest_eoir.py measures it).
MEMORY_LIMIT = "2GB"
TableProgress = Callable[[str, float], None]  # (table, percent done)


def _connect(scratch: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute(f"SET temp_directory = {sql_string(scratch)}")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar_print = false")  # progress goes to our own bars
    return con


def _data_span(con: duckdb.DuckDBPyConnection, proceedings: list[Path]) -> tuple:
    return con.execute(
        f"""SELECT min(INPUT_DATE)::DATE, max(INPUT_DATE)::DATE
            FROM read_parquet({sql_list(proceedings)})
            WHERE year(INPUT_DATE) >= 1951 AND INPUT_DATE <= current_date""").fetchone()


def _derive_asylum_tables(con: duckdb.DuckDBPyConnection, part_files: dict[str, list[str]],
                          staging: Staging, release_id: str) -> None:
    """Build the asylum decisions and applications tables from the staged tables, once per
    release, so questions only filter and count them."""
    for name, paths in part_files.items():
        con.execute(f"CREATE OR REPLACE VIEW {sql_identifier(EOIR_TABLES[name].lake_table)} AS "
                    f"SELECT * FROM read_parquet({sql_list(paths)})")
    backend = ibis.duckdb.from_connection(con)
    for table, build in (("core_eoir__asylum_decisions", decisions_table),
                         ("core_eoir__asylum_applications", applications_table)):
        sql = ibis.to_sql(build(backend.table), dialect="duckdb")
        # Sorted by nationality: most questions name one, and Parquet's row-group statistics
        # then let DuckDB and Spark skip the other nationalities' rows.
        con.execute(f"COPY (SELECT *, {sql_string(release_id)} AS release_id FROM ({sql}) "
                    f"ORDER BY nationality) TO {sql_string(staging.path_for(table))} "
                    "(FORMAT parquet, COMPRESSION zstd)")


# Sorting key of each court-flow table: most questions name a nationality.
COURT_TABLE_ORDER = {"core_eoir__proceedings": "nationality, nta_month",
                     "core_eoir__bonds": "nationality", "core_eoir__appeals": "nationality"}


def _derive_court_tables(con: duckdb.DuckDBPyConnection, part_files: dict[str, list[str]],
                         staging: Staging, release_id: str) -> None:
    """Build the court-flow tables (new cases, outcomes, MPP, bonds, appeals) from the staged
    tables, once per release (metrics/court_tables.py)."""
    for name, paths in part_files.items():
        con.execute(f"CREATE OR REPLACE VIEW {sql_identifier(EOIR_TABLES[name].lake_table)} AS "
                    f"SELECT * FROM read_parquet({sql_list(paths)})")
    backend = ibis.duckdb.from_connection(con)
    for table, build in COURT_TABLES.items():
        sql = ibis.to_sql(build(backend.table), dialect="duckdb")
        con.execute(f"COPY (SELECT *, {sql_string(release_id)} AS release_id FROM ({sql}) "
                    f"ORDER BY {COURT_TABLE_ORDER[table]}) TO "
                    f"{sql_string(staging.path_for(table))} (FORMAT parquet, COMPRESSION zstd)")


def _read_lookups(files: eoir.ReleaseFiles, log: QuarantineLog, release_id: str
                  ) -> tuple[pa.Table, list[FileCount]]:
    rows, counts = [], []
    for name, path in sorted(files.lookups.items()):
        before = len(log)
        lookup_rows, read = eoir.read_lookup(path, name, log)
        rows += [{**row, "release_id": release_id} for row in lookup_rows]
        counts.append(FileCount(f"Lookup/{path.name}", "", files.sha256[path],
                                path.stat().st_size, read, len(lookup_rows), len(log) - before))
    return pa.Table.from_pylist(rows, schema=TABLES["raw_eoir__lookups"].arrow_schema()), counts


def ingest_eoir(home: Path, spec: str, *, release_date: date | None = None,
                progress: TableProgress | None = None) -> IngestOutcome:
    """Publish the EOIR release at `spec` (zip or folder); a no-op if it is already in the lake.

    Raises BadFileError when the release is unusable (not EOIR, incomplete, a table whose header
    does not match EOIR's layout) and LakeError when another ingest holds the lake.
    """
    with ingest_lock(home):
        staging = Staging(home)
        files = eoir.open_release(Path(spec).expanduser(), staging.path / "extracted")
        release_id = release_id_for(eoir.SOURCE, files.hashes())
        if has_release(home, release_id):
            shutil.rmtree(staging.path, ignore_errors=True)
            return IngestOutcome(files.label, "unchanged", release_id,
                                 message="already in the lake: nothing changed")
        log, repairs = QuarantineLog(), RepairLog()
        con = _connect(staging.path)
        counts, table_rows, part_files = [], [], {}
        for name, table in EOIR_TABLES.items():
            path = files.tables[name]
            before = len(log)
            count = read_table(
                con, path, path.name, list(table.columns), staging.path_for(table.lake_table),
                release_id=release_id, log=log, repairs=repairs, aliases=table.aliases,
                scan=files.scans[path],
                repaired_parquet=staging.path_for(table.lake_table, "repaired"),
                progress=(lambda pct, n=name: progress(n, pct)) if progress else None)
            if progress:
                progress(name, 100.0)
            assert len(log) - before == count.rows_quarantined
            counts.append(FileCount(path.name, "", files.sha256[path], path.stat().st_size,
                                    count.rows_read, count.rows_loaded, count.rows_quarantined))
            table_rows.append({"table": name, **vars(count)})
            part_files[name] = [str(p) for (t, _), p in staging.files.items()
                                if t == table.lake_table and p.exists()]
        _derive_asylum_tables(con, part_files, staging, release_id)
        _derive_court_tables(con, part_files, staging, release_id)
        lookups, lookup_counts = _read_lookups(files, log, release_id)
        counts += lookup_counts
        staging.write("raw_eoir__lookups", lookups)
        unknown = con.sql(eoir.unknown_codes_sql(
            part_files, str(staging.files[("raw_eoir__lookups", "")]))).to_arrow_table()
        staging.write("eoir_unknown_codes", unknown.append_column(
            "release_id", pa.array([release_id] * unknown.num_rows, pa.string())))
        staging.write("quarantine", log.to_arrow(release_id))
        staging.write("repairs", pa.Table.from_pylist([
            {"release_id": release_id, "source_file": e["file"], "source_line": e["line"],
             "raw_row": e["before"], "repaired_row": e["after"], "repair": e["repair"]}
            for e in repairs.entries], schema=TABLES["repairs"].arrow_schema()))
        data_from, data_through = _data_span(
            con, [Path(p) for p in part_files["B_TblProceeding"]])
        con.close()
        release = Release(
            release_id=release_id, source=eoir.SOURCE, release_label=files.label,
            origin=files.origin, release_date=release_date or eoir.release_date_of(files),
            data_from=data_from, data_through=data_through,
            is_synthetic=files.marker is not None, files=counts)
        publish(home, release, staging)
    read, loaded, quarantined = release.totals()
    skipped = [f for f in files.other if f.casefold().endswith(".csv")]
    message = ("also in the release, not read yet: " + ", ".join(skipped)) if skipped else ""
    return IngestOutcome(files.label, "published", release_id, read, loaded, quarantined,
                         message=message, rows_repaired=len(repairs.entries),
                         tables=table_rows)
