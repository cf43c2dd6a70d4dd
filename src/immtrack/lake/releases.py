"""Publishing a release: stage, check the counts reconcile, move into place, swap the catalog.

An ingest writes its Parquet files under .staging/, checks that every file's rows read equal
rows loaded plus rows quarantined, moves the files to lake/<table>/<release>.parquet (synced,
with their folder), then writes a new catalog beside the old one (a copy with the release
added, in one transaction), syncs it and renames it over the old one. The catalog file is never
written in place, so readers open the old catalog or the new one and never wait for, nor block,
an ingest. Queries only read files the catalog lists, so an ingest that fails or is killed at
any stage (lake/faults.py names them) leaves the previous state queryable and unchanged; its
leftovers are swept by the next ingest (lake/lock.py). A release's id is derived from its
files' SHA-256, so ingesting the same files again is recognised and changes nothing, unless
the release's Parquet files are damaged: then they are published again.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

import immtrack
from immtrack.checksums import sha256_of
from immtrack.errors import LakeError
from immtrack.lake import faults
from immtrack.lake.catalog import (
    CATALOG_TABLES,
    catalog_schema,
    create_catalog_tables,
    create_views,
    damaged_catalog_message,
    open_catalog,
)
from immtrack.lake.home import catalog_path, staging_root, table_file
from immtrack.lake.integrity import full_problem
from immtrack.lake.lock import ingest_lock  # noqa: F401  (the ingest modules take it from here)
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


def release_state(home: Path, release_id: str) -> str:
    """absent, intact, or damaged (a lake file missing or not as recorded at publishing)."""
    if not catalog_path(home).exists():
        return "absent"
    con = open_catalog(home)
    if not con.execute("SELECT count(*) FROM releases WHERE release_id = ?",
                       [release_id]).fetchone()[0]:
        return "absent"
    files = con.execute("SELECT path, sha256, file_bytes, parquet_rows FROM lake_files "
                        "WHERE release_id = ?", [release_id]).fetchall()
    damaged = any(full_problem(home, path, sha256=sha256, file_bytes=size, rows=rows,
                               read_unrecorded=False)
                  for path, sha256, size, rows in files)
    return "damaged" if damaged else "intact"


def has_release(home: Path, release_id: str) -> bool:
    """Whether the release is in the lake, whole: a damaged one is published again."""
    return release_state(home, release_id) == "intact"


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
        # zstd, as the EOIR tables: a byte changed inside a page then fails to decompress
        # instead of reading as a wrong number (snappy pages gave wrong sums silently); page
        # checksums let Arrow readers that verify them catch the rest.
        pq.write_table(rows.select(schema.names).cast(schema), self.path_for(table, part),
                       compression="zstd", write_page_checksum=True)

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


@dataclass(frozen=True)
class LakeFile:
    """A Parquet file moved into lake/, as the catalog records it."""

    table: str
    path: Path
    sha256: str
    file_bytes: int
    rows: int


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as stream:
        os.fsync(stream.fileno())


def _fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in `path` durable."""
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _catalog_rows(release: Release, published: list[LakeFile], home: Path,
                  ingested_at: datetime) -> dict[str, pa.Table]:
    read, loaded, quarantined = release.totals()
    releases = [{
        "release_id": release.release_id, "source": release.source,
        "release_label": release.release_label, "release_date": release.release_date,
        "data_from": release.data_from, "data_through": release.data_through,
        "is_synthetic": release.is_synthetic, "origin": release.origin,
        "ingested_at": ingested_at, "code_version": code_version(),
        "rows_read": read, "rows_loaded": loaded, "rows_quarantined": quarantined,
    }]
    files = [{"release_id": release.release_id, **vars(f)} for f in release.files]
    lake_files = [{"release_id": release.release_id, "lake_table": f.table,
                   "path": str(f.path.relative_to(home)), "sha256": f.sha256,
                   "file_bytes": f.file_bytes, "parquet_rows": f.rows} for f in published]
    rows = {"releases": releases, "release_files": files, "lake_files": lake_files}
    return {name: pa.Table.from_pylist(rows[name], schema=catalog_schema(name))
            for name in CATALOG_TABLES}


def _move_into_lake(home: Path, release: Release, staging: Staging) -> list[LakeFile]:
    published: list[LakeFile] = []
    for (table, part), staged in staging.files.items():
        if not staged.exists():  # a part with no rows (no repaired rows, say)
            continue
        target = table_file(home, table, release.release_id, part)
        if not target.parent.exists():
            target.parent.mkdir(parents=True)
            _fsync_dir(target.parent.parent)
        _fsync_file(staged)
        record = LakeFile(table, target, sha256_of(staged), staged.stat().st_size,
                          pq.read_metadata(staged).num_rows)
        os.replace(staged, target)
        _fsync_dir(target.parent)
        published.append(record)
        if len(published) == 1:
            faults.reached("moving")
    return published


def _write_catalog(home: Path, release: Release, published: list[LakeFile], new: Path) -> None:
    """Write the new catalog at `new` (same folder tree as the home) and swap it in."""
    current = catalog_path(home)
    legacy_wal = current.with_name(current.name + ".wal")  # left by a writer killed in place
    if current.exists():
        shutil.copyfile(current, new)
        if legacy_wal.exists():
            shutil.copyfile(legacy_wal, new.with_name(new.name + ".wal"))
    try:
        con = duckdb.connect(str(new))
    except duckdb.Error as error:
        raise LakeError(damaged_catalog_message(current, error)) from None
    try:
        create_catalog_tables(con)
        con.execute("BEGIN TRANSACTION")
        # Publishing a damaged release again keeps its place in the release order.
        previous = con.execute("SELECT ingested_at FROM releases WHERE release_id = ?",
                               [release.release_id]).fetchone()
        ingested_at = previous[0] if previous else datetime.now(UTC).replace(microsecond=0)
        rows = _catalog_rows(release, published, home, ingested_at)
        for name, table in rows.items():
            con.execute(f"DELETE FROM {name} WHERE release_id = ?", [release.release_id])
            con.register("incoming", table)
            con.execute(f"INSERT INTO {name} SELECT * FROM incoming")
            con.unregister("incoming")
        faults.reached("catalog-writing")
        con.execute("COMMIT")
        # Nobody sees this file before the rename, so the views need not share the
        # transaction (a failed statement would abort it, and create_views may retry).
        create_views(con, home)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    _fsync_file(new)
    faults.reached("catalog-written")
    legacy_wal.unlink(missing_ok=True)  # folded into the new catalog
    os.replace(new, current)
    faults.reached("catalog-swapped")
    _fsync_dir(home)


def publish(home: Path, release: Release, staging: Staging) -> None:
    """Move the staged tables into the lake and record the release, all or nothing."""
    _check_reconciles(release, staging)
    faults.reached("staged")
    published = _move_into_lake(home, release, staging)
    faults.reached("moved")
    _write_catalog(home, release, published, staging.path / "catalog.duckdb")
    faults.reached("published")
    shutil.rmtree(staging.path, ignore_errors=True)
