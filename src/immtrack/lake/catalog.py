"""The DuckDB catalog: which releases exist, their files and counts, and views over the Parquet.

The catalog file is only written inside one transaction per release (see releases.py), so a
reader sees either the old state or the new one. Queries never hold the catalog open: `connect`
copies its small tables into an in-memory database and builds the views there, so an ingest can
publish while a server is answering questions.
"""

from __future__ import annotations

import atexit
import functools
from pathlib import Path

import duckdb
import pyarrow as pa

from immtrack.errors import LakeError
from immtrack.lake.decoded_views import decoded_view_sql
from immtrack.lake.home import catalog_path
from immtrack.lake.sql import sql_identifier, sql_list, sql_string
from immtrack.schema.fields import FIELDS
from immtrack.schema.tables import TABLES, sql_type

CATALOG_TABLES = {
    "releases": ("release_id", "source", "release_label", "release_date", "data_from",
                 "data_through", "is_synthetic", "origin", "ingested_at", "code_version",
                 "rows_read", "rows_loaded", "rows_quarantined"),
    "release_files": ("release_id", "file_name", "part", "sha256", "file_bytes", "rows_read",
                      "rows_loaded", "rows_quarantined"),
    "lake_files": ("release_id", "lake_table", "path"),
}
# Columns only the catalog has: which lake table a Parquet file belongs to, and its path
# relative to the home.
_EXTRA_TYPES = {"lake_table": pa.string(), "path": pa.string()}


def _sql_type(column: str) -> str:
    return "VARCHAR" if column in _EXTRA_TYPES else sql_type(column)


def catalog_schema(name: str) -> pa.Schema:
    return pa.schema([(c, _EXTRA_TYPES.get(c) or FIELDS[c].type) for c in CATALOG_TABLES[name]])


def create_catalog_tables(con: duckdb.DuckDBPyConnection, schema: str = "main") -> None:
    for name, columns in CATALOG_TABLES.items():
        body = ", ".join(f"{c} {_sql_type(c)}" for c in columns)
        con.execute(f"CREATE TABLE IF NOT EXISTS {schema}.{name} ({body})")


def _release_order_sql(schema: str) -> str:
    # Releases of a source are ordered by the last month they hold, then by publication date,
    # then by when they were ingested: the newest is the one with the latest data.
    return f"""
        CREATE OR REPLACE VIEW {schema}.release_order AS
        SELECT *, row_number() OVER (
            PARTITION BY source ORDER BY data_through NULLS FIRST, release_date NULLS FIRST,
            ingested_at) AS release_rank
        FROM {schema}.releases"""


def _empty_select(table: str) -> str:
    columns = ", ".join(f"CAST(NULL AS {kind}) AS {sql_identifier(name)}"
                        for name, kind in TABLES[table].sql_columns())
    return f"SELECT {columns} WHERE false"


def _rows_sql(table: str, paths: list[str]) -> str:
    if not paths:
        return _empty_select(table)
    return f"SELECT * FROM read_parquet({sql_list(paths)}, union_by_name = true)"


def _table_view_sql(schema: str, table: str, paths: list[str],
                    newest_paths: list[str]) -> list[str]:
    rows = _rows_sql(table, paths)
    if TABLES[table].current == "all_releases":
        return [f"CREATE OR REPLACE VIEW {schema}.{table} AS {rows}"]
    if TABLES[table].current == "newest_release":
        # Reading only the newest release's files keeps 100-million-row scans free of a join.
        return [f"CREATE OR REPLACE VIEW {schema}.{table}_all AS {rows}",
                f"CREATE OR REPLACE VIEW {schema}.{table} AS {_rows_sql(table, newest_paths)}"]
    return [
        f"""CREATE OR REPLACE VIEW {schema}.{table}_all AS
            SELECT t.*, r.release_rank FROM ({rows}) t
            JOIN {schema}.release_order r USING (release_id)""",
        f"""CREATE OR REPLACE VIEW {schema}.{table} AS
            SELECT * EXCLUDE (release_rank) FROM {schema}.{table}_all
            QUALIFY release_rank = max(release_rank) OVER (
                PARTITION BY series, month_start, fiscal_year)""",
    ]


def create_views(con: duckdb.DuckDBPyConnection, home: Path, schema: str = "main") -> None:
    """(Re)create the release order and every table's views from the lake_files listing."""
    con.execute(_release_order_sql(schema))
    newest = dict(con.execute(
        f"SELECT source, arg_max(release_id, release_rank) FROM {schema}.release_order "
        "GROUP BY source").fetchall())
    for table in TABLES.values():
        files = con.execute(
            f"SELECT release_id, path FROM {schema}.lake_files WHERE lake_table = ? "
            "ORDER BY release_id, path", [table.name]).fetchall()
        paths = [str(home / p) for _, p in files]
        newest_paths = [str(home / p) for r, p in files if r == newest.get(table.source)]
        for statement in _table_view_sql(schema, table.name, paths, newest_paths):
            con.execute(statement)
    for statement in decoded_view_sql(schema):
        con.execute(statement)


def connect(home: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the catalog's tables and every lake view, ready to query."""
    path = catalog_path(home)
    if not path.exists():
        raise LakeError(f"no lake at {home}: run `immtrack demo`, or `immtrack ingest cbp "
                        "--from PATH_OR_URL`, or point --home / IMMTRACK_HOME at a lake")
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {sql_string(path)} AS catalog (READ_ONLY)")
    except duckdb.IOException as error:
        raise LakeError(f"cannot open the catalog {path}: {error}") from error
    for name in CATALOG_TABLES:
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM catalog.{name}")
    con.execute("DETACH catalog")
    create_views(con, home)
    return con


@functools.lru_cache(maxsize=8)
def _shared(home: Path, catalog_version: int) -> duckdb.DuckDBPyConnection:
    return connect(home)


# Close the shared connections before the interpreter tears DuckDB's bindings down.
atexit.register(_shared.cache_clear)


def reader(home: Path) -> duckdb.DuckDBPyConnection:
    """A connection for queries, reusing the views built for the catalog's current version (it
    changes with every publish), so repeated questions skip the set-up. Each call gets its own
    cursor, safe to use from its own thread."""
    path = catalog_path(home)
    if not path.exists():
        return connect(home)  # raises the no-lake error
    return _shared(home.resolve(), path.stat().st_mtime_ns).cursor()
