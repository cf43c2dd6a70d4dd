"""The DuckDB catalog: which releases exist, their files and counts, and views over the Parquet.

The catalog file is never written in place: a publish writes a new catalog beside it and
renames it over the old one (see releases.py), so a reader opens either the old state or the
new one, and never waits for nor blocks an ingest. Queries never hold the catalog open either:
`connect` copies its small tables into an in-memory database and builds the views there.
"""

from __future__ import annotations

import atexit
import functools
import shlex
from pathlib import Path

import duckdb
import pyarrow as pa

from immtrack.errors import LakeError
from immtrack.lake.decoded_views import decoded_view_sql
from immtrack.lake.home import catalog_path
from immtrack.lake.integrity import (
    FileProblem,
    footer_problem,
    quick_problem,
    reingest_command,
)
from immtrack.lake.sql import sql_identifier, sql_list, sql_string
from immtrack.schema.fields import FIELDS
from immtrack.schema.tables import TABLES, sql_type

CATALOG_TABLES = {
    "releases": ("release_id", "source", "release_label", "release_date", "data_from",
                 "data_through", "is_synthetic", "origin", "ingested_at", "code_version",
                 "rows_read", "rows_loaded", "rows_quarantined"),
    "release_files": ("release_id", "file_name", "part", "sha256", "file_bytes", "rows_read",
                      "rows_loaded", "rows_quarantined"),
    # sha256, file_bytes and parquet_rows describe the Parquet file as published, so damage
    # can be found (`immtrack verify`); catalogs written before they were kept hold NULL.
    "lake_files": ("release_id", "lake_table", "path", "sha256", "file_bytes", "parquet_rows"),
}
# Columns only the catalog has: which lake table a Parquet file belongs to, its path relative
# to the home, and its row count.
_EXTRA_TYPES = {"lake_table": pa.string(), "path": pa.string(), "parquet_rows": pa.int64()}
_EXTRA_SQL_TYPES = {"lake_table": "VARCHAR", "path": "VARCHAR", "parquet_rows": "BIGINT"}


def _sql_type(column: str) -> str:
    return _EXTRA_SQL_TYPES.get(column) or sql_type(column)


def catalog_schema(name: str) -> pa.Schema:
    return pa.schema([(c, _EXTRA_TYPES.get(c) or FIELDS[c].type) for c in CATALOG_TABLES[name]])


def create_catalog_tables(con: duckdb.DuckDBPyConnection, schema: str = "main") -> None:
    """Create the catalog's tables, or add the columns an older catalog lacks."""
    for name, columns in CATALOG_TABLES.items():
        body = ", ".join(f"{c} {_sql_type(c)}" for c in columns)
        con.execute(f"CREATE TABLE IF NOT EXISTS {schema}.{name} ({body})")
        for column in columns:
            con.execute(f"ALTER TABLE {schema}.{name} ADD COLUMN IF NOT EXISTS "
                        f"{column} {_sql_type(column)}")


def _release_order_sql(schema: str, exclude: frozenset[str]) -> str:
    # Releases of a source are ordered by the last month they hold, then by publication date,
    # then by when they were ingested: the newest is the one with the latest data.
    where = f"WHERE release_id NOT IN ({', '.join(map(sql_string, sorted(exclude)))})" \
        if exclude else ""
    return f"""
        CREATE OR REPLACE VIEW {schema}.release_order AS
        SELECT *, row_number() OVER (
            PARTITION BY source ORDER BY data_through NULLS FIRST, release_date NULLS FIRST,
            ingested_at) AS release_rank
        FROM {schema}.releases {where}"""


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


def _create_views(con: duckdb.DuckDBPyConnection, home: Path, schema: str,
                  exclude: frozenset[str]) -> None:
    con.execute(_release_order_sql(schema, exclude))
    newest = dict(con.execute(
        f"SELECT source, arg_max(release_id, release_rank) FROM {schema}.release_order "
        "GROUP BY source").fetchall())
    for table in TABLES.values():
        files = [(r, p) for r, p in con.execute(
            f"SELECT release_id, path FROM {schema}.lake_files WHERE lake_table = ? "
            "ORDER BY release_id, path", [table.name]).fetchall() if r not in exclude]
        paths = [str(home / p) for _, p in files]
        newest_paths = [str(home / p) for r, p in files if r == newest.get(table.source)]
        for statement in _table_view_sql(schema, table.name, paths, newest_paths):
            con.execute(statement)
    for statement in decoded_view_sql(schema):
        con.execute(statement)


def create_views(con: duckdb.DuckDBPyConnection, home: Path, schema: str = "main"
                 ) -> list[FileProblem]:
    """(Re)create the release order and every table's views from the lake_files listing,
    leaving out releases with a damaged file; return the damage found."""
    listed = con.execute(f"SELECT release_id, path, file_bytes, parquet_rows "
                         f"FROM {schema}.lake_files").fetchall()
    problems = [FileProblem(r, p, problem) for r, p, size, _ in listed
                if (problem := quick_problem(home, p, size))]
    try:
        _create_views(con, home, schema, frozenset(p.release_id for p in problems))
        return problems
    except duckdb.Error as error:
        # A footer DuckDB cannot read: find the file, leave its release out, try once more.
        damaged = {p.path for p in problems}
        found = [FileProblem(r, p, problem) for r, p, _, rows in listed if p not in damaged
                 and (problem := footer_problem(home, p, rows))]
        if not found:
            raise LakeError(f"the lake's views cannot be built ({_first_line(error)}); run "
                            "`immtrack verify` to find the damaged release") from None
    problems += found
    _create_views(con, home, schema, frozenset(p.release_id for p in problems))
    return problems


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def damaged_catalog_message(path: Path, error: BaseException) -> str:
    return (f"the catalog {path} cannot be read ({_first_line(error)}). Only the catalog "
            "says which release each Parquet file of the lake belongs to: move it aside "
            f"(mv {shlex.quote(str(path))} {shlex.quote(str(path) + '.damaged')}) and "
            "ingest your releases again")


def _copy_catalog(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Copy the catalog's small tables into `con`; columns an older catalog lacks are NULL."""
    try:
        con.execute(f"ATTACH {sql_string(path)} AS catalog (READ_ONLY)")
        stored = con.execute("SELECT table_name, column_name FROM duckdb_columns() "
                             "WHERE database_name = 'catalog' AND schema_name = 'main'"
                             ).fetchall()
        for name, columns in CATALOG_TABLES.items():
            present = {column for table, column in stored if table == name}
            if not present:
                raise LakeError(damaged_catalog_message(
                    path, ValueError(f"it has no {name} table: not an immtrack catalog")))
            select = ", ".join(c if c in present else f"CAST(NULL AS {_sql_type(c)}) AS {c}"
                               for c in columns)
            con.execute(f"CREATE TABLE {name} AS SELECT {select} FROM catalog.{name}")
        con.execute("DETACH catalog")
    except duckdb.Error as error:
        raise LakeError(damaged_catalog_message(path, error)) from None


def _set_aside(con: duckdb.DuckDBPyConnection, problems: list[FileProblem]) -> list[str]:
    """Move damaged releases out of the catalog tables into damaged_releases, with why;
    return one warning per damaged release."""
    con.execute("CREATE TABLE damaged_files (release_id VARCHAR, path VARCHAR, "
                "problem VARCHAR)")
    if problems:
        con.executemany("INSERT INTO damaged_files VALUES (?, ?, ?)",
                        [(p.release_id, p.path, p.problem) for p in problems])
    con.execute("""CREATE TABLE damaged_releases AS
                   SELECT r.*, (SELECT string_agg(d.path || ': ' || d.problem, '; '
                                                  ORDER BY d.path)
                                FROM damaged_files d WHERE d.release_id = r.release_id)
                               AS problem
                   FROM releases r
                   WHERE release_id IN (SELECT release_id FROM damaged_files)""")
    warnings = []
    for release in con.sql("SELECT * FROM damaged_releases ORDER BY release_id") \
            .to_arrow_table().to_pylist():
        files = con.execute("SELECT lake_table, path FROM lake_files WHERE release_id = ?",
                            [release["release_id"]]).fetchall()
        warnings.append(
            f"release {release['release_id']} ({release['release_label']}) is damaged and "
            f"left out of every answer: {release['problem']}. Run `immtrack verify`; "
            f"re-ingest it with `{reingest_command(release, files)}`")
    for name in CATALOG_TABLES:
        con.execute(f"DELETE FROM {name} WHERE release_id IN "
                    "(SELECT release_id FROM damaged_files)")
    return warnings


def open_catalog(home: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory copy of the catalog's tables alone: no views, no file checks."""
    path = catalog_path(home)
    if not path.exists():
        raise LakeError(f"no lake at {home}: nothing has been ingested there yet")
    con = duckdb.connect()
    _copy_catalog(con, path)
    return con


# Damage found by the last connection to each home, for the faces to warn about.
_DAMAGE: dict[Path, list[str]] = {}


def damage_warnings(home: Path) -> list[str]:
    """One sentence per damaged release the last connection to `home` left out."""
    return _DAMAGE.get(home.resolve(), [])


def connect(home: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the catalog's tables and every lake view, ready to query.

    A release with a missing or damaged file is left out of every view and table, listed in
    damaged_releases instead (with damaged_files saying why), so the other releases still
    answer; `immtrack verify` checks every file in full."""
    path = catalog_path(home)
    if not path.exists():
        raise LakeError(f"no lake at {home}: run `immtrack demo`, or `immtrack ingest cbp "
                        "--from PATH_OR_URL`, or point --home / IMMTRACK_HOME at a lake")
    con = duckdb.connect()
    _copy_catalog(con, path)
    problems = create_views(con, home)
    warnings = _set_aside(con, problems)
    _DAMAGE[home.resolve()] = warnings
    return con


@functools.lru_cache(maxsize=8)
def _shared(home: Path, catalog_version: tuple, files_version: tuple
            ) -> duckdb.DuckDBPyConnection:
    return connect(home)


@functools.lru_cache(maxsize=8)
def _listed_files(home: Path, catalog_version: tuple) -> tuple[Path, ...]:
    con = open_catalog(home)
    return tuple(home / p for (p,) in con.execute("SELECT path FROM lake_files ORDER BY path")
                 .fetchall())


def _version(path: Path) -> tuple | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


# Close the shared connections before the interpreter tears DuckDB's bindings down.
atexit.register(_shared.cache_clear)


def reader(home: Path) -> duckdb.DuckDBPyConnection:
    """A connection for queries, reusing the views built for the catalog's current version (a
    publish replaces the catalog file, so its inode and time change) while the lake files are
    unchanged (a stat each), so repeated questions skip the set-up, and a file removed or
    replaced under a running server is noticed at the next question. Each call gets its own
    cursor, safe to use from its own thread."""
    home = home.resolve()
    catalog_version = _version(catalog_path(home))
    if catalog_version is None:
        return connect(home)  # raises the no-lake error
    files = _listed_files(home, catalog_version)
    return _shared(home, catalog_version, tuple(map(_version, files))).cursor()
