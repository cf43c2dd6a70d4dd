"""Publishing a release: stage, check the counts reconcile, move into place, commit the catalog.

An ingest writes its Parquet files under .staging/, checks that every file's rows read equal
rows loaded plus rows quarantined, moves the files to lake/<table>/<release>.parquet and then
records the release in one catalog transaction. Queries only read files the catalog lists, so
an ingest that fails or is killed at any point leaves the previous state queryable and
unchanged; its leftovers are swept away by the next ingest. A release's id is derived from its
files' SHA-256, so ingesting the same files again is recognised and changes nothing.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

import immtrack
from immtrack.errors import LakeError
from immtrack.lake.catalog import (
    CATALOG_TABLES,
    catalog_schema,
    create_catalog_tables,
    create_views,
)
from immtrack.lake.home import catalog_path, staging_root, table_file
from immtrack.schema.tables import TABLES


@dataclass(frozen=True)
class FileCount:
    """Reconciliation of one file (or one sheet of a workbook)."""

    file_name: str
    part: str
    sha256: str
    file_bytes: int
    rows_read: int
    rows_loaded: int
    rows_quarantined: int


@dataclass
class Release:
    release_id: str
    source: str
    release_label: str
    origin: str
    release_date: date | None = None
    data_from: date | None = None
    data_through: date | None = None
    is_synthetic: bool = False
    files: list[FileCount] = field(default_factory=list)

    def totals(self) -> tuple[int, int, int]:
        return (sum(f.rows_read for f in self.files), sum(f.rows_loaded for f in self.files),
                sum(f.rows_quarantined for f in self.files))


def release_id_for(source: str, sha256s: list[str]) -> str:
    """Same files, same id: the id is a hash of the sorted file hashes."""
    combined = hashlib.sha256("".join(sorted(sha256s)).encode()).hexdigest()
    return f"{source}-{combined[:16]}"


@functools.cache
def code_version() -> str:
    """The package version, plus the git commit when running from a checkout (read once: the
    code a process runs is the code it imported)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], check=False, capture_output=True,
            text=True, timeout=5, cwd=Path(immtrack.__file__).parent).stdout.strip()
    except OSError:
        commit = ""
    return f"{immtrack.__version__}+{commit}" if commit else immtrack.__version__


def has_release(home: Path, release_id: str) -> bool:
    path = catalog_path(home)
    if not path.exists():
        return False
    with duckdb.connect(str(path), read_only=True) as con:
        return bool(con.execute("SELECT count(*) FROM releases WHERE release_id = ?",
                                [release_id]).fetchone()[0])


@contextmanager
def ingest_lock(home: Path) -> Iterator[None]:
    """One ingest at a time per home; leftovers of a killed ingest are swept on entry."""
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".ingest.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise LakeError(f"another ingest is writing to {home}; wait for it to finish") \
                from error
        shutil.rmtree(staging_root(home), ignore_errors=True)
        yield


class Staging:
    """A private folder where an ingest writes its tables before they are published."""

    def __init__(self, home: Path):
        self.path = staging_root(home) / uuid.uuid4().hex
        self.path.mkdir(parents=True)
        self.files: dict[tuple[str, str], Path] = {}  # (table, part) -> staged file

    def path_for(self, table: str, part: str = "") -> Path:
        """Where to write a table's Parquet; a table may have several parts (main, repaired)."""
        if table not in TABLES:
            raise ValueError(f"{table!r} is not a lake table in the schema registry")
        self.files[(table, part)] = self.path / f"{table}{'.' + part if part else ''}.parquet"
        return self.files[(table, part)]

    def write(self, table: str, rows: pa.Table, part: str = "") -> None:
        schema = TABLES[table].arrow_schema()
        pq.write_table(rows.select(schema.names).cast(schema), self.path_for(table, part))

    def row_count(self, table: str) -> int:
        return sum(pq.ParquetFile(path).metadata.num_rows
                   for (name, _), path in self.files.items() if name == table and path.exists())


def _check_reconciles(release: Release, staging: Staging) -> None:
    for count in release.files:
        if count.rows_read != count.rows_loaded + count.rows_quarantined:
            raise AssertionError(f"{count.file_name} {count.part}: read {count.rows_read} != "
                                 f"loaded {count.rows_loaded} + quarantined "
                                 f"{count.rows_quarantined}")
    _, loaded, quarantined = release.totals()
    loaded_tables = {t for t, _ in staging.files if TABLES[t].source == release.source
                     and t not in DERIVED_TABLES}
    staged_quarantine = staging.row_count("quarantine")
    staged_loaded = sum(staging.row_count(t) for t in loaded_tables)
    if (staged_loaded, staged_quarantine) != (loaded, quarantined):
        raise AssertionError(f"{release.release_label}: staged {staged_loaded} loaded and "
                             f"{staged_quarantine} quarantined rows, counted {loaded} and "
                             f"{quarantined}")


# Tables derived from a release's rows rather than holding them: not part of rows_loaded.
DERIVED_TABLES = {"eoir_unknown_codes", "core_eoir__asylum_decisions",
                  "core_eoir__asylum_applications", "core_ice__facilities",
                  "core_eoir__proceedings", "core_eoir__bonds", "core_eoir__appeals"}


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as stream:
        os.fsync(stream.fileno())


def _catalog_rows(release: Release, published: list[tuple[str, Path]], home: Path
                  ) -> dict[str, pa.Table]:
    read, loaded, quarantined = release.totals()
    releases = [{
        "release_id": release.release_id, "source": release.source,
        "release_label": release.release_label, "release_date": release.release_date,
        "data_from": release.data_from, "data_through": release.data_through,
        "is_synthetic": release.is_synthetic, "origin": release.origin,
        "ingested_at": datetime.now(UTC).replace(microsecond=0), "code_version": code_version(),
        "rows_read": read, "rows_loaded": loaded, "rows_quarantined": quarantined,
    }]
    files = [{"release_id": release.release_id, **vars(f)} for f in release.files]
    lake_files = [{"release_id": release.release_id, "lake_table": t,
                   "path": str(p.relative_to(home))} for t, p in published]
    rows = {"releases": releases, "release_files": files, "lake_files": lake_files}
    return {name: pa.Table.from_pylist(rows[name], schema=catalog_schema(name))
            for name in CATALOG_TABLES}


def publish(home: Path, release: Release, staging: Staging) -> None:
    """Move the staged tables into the lake and record the release, all or nothing."""
    _check_reconciles(release, staging)
    published: list[tuple[str, Path]] = []
    for (table, part), staged in staging.files.items():
        if not staged.exists():  # a part with no rows (no repaired rows, say)
            continue
        target = table_file(home, table, release.release_id, part)
        target.parent.mkdir(parents=True, exist_ok=True)
        _fsync_file(staged)
        os.replace(staged, target)
        published.append((table, target))
    rows = _catalog_rows(release, published, home)
    with duckdb.connect(str(catalog_path(home))) as con:
        create_catalog_tables(con)
        con.execute("BEGIN TRANSACTION")
        for name, table in rows.items():
            con.register("incoming", table)
            con.execute(f"INSERT INTO {name} SELECT * FROM incoming")
            con.unregister("incoming")
        create_views(con, home)
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    shutil.rmtree(staging.path, ignore_errors=True)
