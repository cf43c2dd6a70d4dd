"""`immtrack verify`: is every file of the lake the one the catalog recorded at publishing?

Per release: every Parquet file exists, has the recorded size and SHA-256, its footer reads and
holds the recorded rows, and the rows of its tables add up to the release's rows loaded and
quarantined. A damaged release is named with the command that publishes it again. Files under
lake/ that no release lists (left by a killed ingest) are reported as orphans: not damage, and
removed by the next ingest or by `immtrack verify --clean`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from immtrack.errors import LakeError
from immtrack.lake.catalog import open_catalog
from immtrack.lake.home import catalog_path, staging_root
from immtrack.lake.integrity import full_problem, lake_files_on_disk, reingest_command
from immtrack.lake.lock import ingest_lock, sweep
from immtrack.lake.releases import DERIVED_TABLES
from immtrack.schema.tables import TABLES


@dataclass
class ReleaseCheck:
    release_id: str
    source: str
    release_label: str
    status: str  # intact or damaged
    files_checked: int
    problems: list[str] = field(default_factory=list)
    reingest: str | None = None  # the command that publishes it again, when damaged


@dataclass
class LakeCheck:
    home: str
    status: str  # intact or damaged
    catalog_problem: str | None = None
    releases: list[ReleaseCheck] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    staging_leftovers: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _count_problems(release: dict, files: list[tuple]) -> list[str]:
    """The release's loaded and quarantined rows, counted from its files' recorded rows."""
    loaded = sum(rows or 0 for table, _, _, _, rows in files
                 if TABLES.get(table) and TABLES[table].source == release["source"]
                 and table not in DERIVED_TABLES)
    quarantined = sum(rows or 0 for table, _, _, _, rows in files if table == "quarantine")
    if any(rows is None for *_, rows in files):
        return []  # published before row counts were recorded: the footers were checked
    problems = []
    if loaded != release["rows_loaded"]:
        problems.append(f"its tables hold {loaded:,} rows where it loaded "
                        f"{release['rows_loaded']:,}")
    if quarantined != release["rows_quarantined"]:
        problems.append(f"its quarantine holds {quarantined:,} rows where it quarantined "
                        f"{release['rows_quarantined']:,}")
    return problems


def verify_lake(home: Path, release_id: str | None = None) -> LakeCheck:
    """Check every file of every release (or of one release) in full."""
    check = LakeCheck(home=str(home), status="intact")
    if not catalog_path(home).exists():
        raise LakeError(f"no lake at {home}: nothing to verify")
    try:
        con = open_catalog(home)
    except LakeError as error:
        check.status, check.catalog_problem = "damaged", str(error)
        return check
    releases = con.sql("""SELECT release_id, source, release_label, origin, release_date,
                                 rows_loaded, rows_quarantined FROM releases
                          WHERE ? IS NULL OR release_id = ?
                          ORDER BY source, data_through, release_id""",
                       params=[release_id, release_id]).to_arrow_table().to_pylist()
    if release_id and not releases:
        raise LakeError(f"no release {release_id} in the lake at {home}; `immtrack releases` "
                        "lists them")
    for release in releases:
        files = con.execute("""SELECT lake_table, path, sha256, file_bytes, parquet_rows
                               FROM lake_files WHERE release_id = ? ORDER BY path""",
                            [release["release_id"]]).fetchall()
        problems = [f"{path}: {problem}" for _, path, sha256, size, rows in files
                    if (problem := full_problem(home, path, sha256=sha256, file_bytes=size,
                                                rows=rows))]
        if not problems:
            problems = _count_problems(release, files)
        damaged = bool(problems)
        check.releases.append(ReleaseCheck(
            release["release_id"], release["source"], release["release_label"],
            "damaged" if damaged else "intact", len(files), problems,
            reingest_command(release, [(t, p) for t, p, *_ in files]) if damaged else None))
    if any(r.status == "damaged" for r in check.releases):
        check.status = "damaged"
    listed = {path for (path,) in con.execute("SELECT path FROM lake_files").fetchall()}
    check.orphans = [p for p in lake_files_on_disk(home) if p not in listed]
    staging = staging_root(home)
    check.staging_leftovers = sorted(str(p.relative_to(home)) for p in staging.iterdir()) \
        if staging.is_dir() else []
    return check


def clean(home: Path) -> list[str]:
    """Remove orphans and staging leftovers now, under the ingest lock (refused while an
    ingest runs, so nothing it is staging or moving is touched)."""
    with ingest_lock(home, sweep_on_entry=False):
        return sweep(home)
