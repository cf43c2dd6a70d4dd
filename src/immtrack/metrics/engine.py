"""Where metric expressions run: DuckDB (the embedded default) or Apache Spark, on one lake.

Metrics are written once as Ibis expressions over lake tables; an engine only says how a lake
table becomes an Ibis table. DuckDB uses the catalog's views; Spark reads the same Parquet files
of the current release (on local disk here; object storage paths work the same way). Choosing
the engine is configuration (`--engine spark --spark-master URL`), not code. Ibis was chosen
because it compiled the same expressions to both engines with identical results where
hand-transpiled SQL (sqlglot) broke on percentiles and list functions
(shared notes, stack-recipes.md).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import ibis
import pyarrow as pa

from immtrack.errors import QueryError
from immtrack.lake.catalog import connect, reader
from immtrack.metrics.compiled_sql import compiled
from immtrack.schema.tables import TABLES

ENGINES = ("duckdb", "spark")
DEFAULT_SPARK_MASTER = "local[2]"


@dataclass
class Engine:
    name: str
    table: Callable[[str], ibis.Table]
    to_pyarrow: Callable[[ibis.Expr], pa.Table]


@functools.cache
def _unbound_table(name: str) -> ibis.Table:
    """A lake table as the registry describes it: expressions over it compile without a query."""
    if name not in TABLES:
        raise QueryError(f"{name!r} is not a lake table")
    return ibis.table(ibis.schema(TABLES[name].arrow_schema()), name=name)


def _duckdb(home: Path) -> Engine:
    def to_pyarrow(expression: ibis.Expr) -> pa.Table:
        # Compiled once per shape of question, values bound as parameters (compiled_sql.py):
        # Ibis's compiler costs more than DuckDB's answer on a warm lake.
        sql, params = compiled(expression.op())
        try:
            # DuckDB widens some sums (HUGEINT); the expression's schema says what was meant.
            return reader(home).sql(sql, params=params or None).to_arrow_table() \
                .cast(expression.schema().to_pyarrow())
        except duckdb.CatalogException as error:
            raise QueryError(f"the lake lacks a table this needs ({error}); ingest the "
                             "release first (`immtrack releases` lists what is there)") from None

    return Engine("duckdb", _unbound_table, to_pyarrow)


def _current_files(home: Path) -> dict[str, list[str]]:
    """Parquet files of each table's current view (the newest release of its source)."""
    con = connect(home)
    rows = con.execute("""
        SELECT f.lake_table, f.path FROM lake_files f
        JOIN release_order r USING (release_id)
        WHERE r.release_rank = (SELECT max(release_rank) FROM release_order o
                                WHERE o.source = r.source)""").fetchall()
    files: dict[str, list[str]] = {}
    for table, path in rows:
        files.setdefault(table, []).append(str(home / path))
    return files


@functools.cache
def spark_session(master: str):
    """One Spark session per master, bound to loopback, quiet, in UTC."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master(master).appName("immtrack")
               .config("spark.driver.memory", "4g")
               .config("spark.sql.shuffle.partitions", "4")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.driver.host", "127.0.0.1")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    return session


def open_engine(home: Path, engine: str = "duckdb", spark_master: str | None = None) -> Engine:
    if engine == "duckdb":
        return _duckdb(home)
    if engine != "spark":
        raise QueryError(f"unknown engine {engine!r}; use one of: {', '.join(ENGINES)}")
    try:
        session = spark_session(spark_master or DEFAULT_SPARK_MASTER)
    except ImportError as error:
        raise QueryError("the Spark engine needs pyspark: pip install "
                         "'ibis-framework[pyspark]'") from error
    backend = ibis.pyspark.connect(session)
    files = _current_files(home)

    @functools.cache
    def table(name: str) -> ibis.Table:
        if name not in TABLES:
            raise QueryError(f"{name!r} is not a lake table")
        if name not in files:
            raise QueryError(f"the lake holds no {name} yet: ingest a release first")
        # A release may store a table in several parts; Spark reads them as one view, named
        # for the lake too, since one session may serve several lakes.
        view = f"{name}_{abs(hash(str(home))):x}"
        session.read.parquet(*files[name]).createOrReplaceTempView(view)
        return backend.table(view)

    return Engine("spark", table, lambda expression: expression.to_pyarrow())
