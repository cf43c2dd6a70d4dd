"""Is each Parquet file of the lake the one the catalog recorded? Quick and full checks.

The quick check (exists, size as recorded, Parquet at both ends) costs a stat and 8 bytes per
file, so every connection runs it and leaves damaged releases out instead of failing. The full
check (`immtrack verify`) also compares the SHA-256 and row count recorded at publishing.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from immtrack.checksums import sha256_of

PARQUET_MAGIC = b"PAR1"


@dataclass(frozen=True)
class FileProblem:
    release_id: str
    path: str  # relative to the home, as the catalog lists it
    problem: str


def quick_problem(home: Path, path: str, file_bytes: int | None) -> str | None:
    """What a stat and the first and last four bytes can tell about a lake file."""
    full = home / path
    try:
        size = full.stat().st_size
        if file_bytes is not None and size != file_bytes:
            return f"it has {size:,} bytes where the catalog recorded {file_bytes:,}"
        if size < 2 * len(PARQUET_MAGIC):
            return "it is too short to be a Parquet file"
        with open(full, "rb") as stream:
            head = stream.read(4)
            stream.seek(-4, os.SEEK_END)
            tail = stream.read(4)
    except FileNotFoundError:
        return "the file is missing"
    except OSError as error:
        return f"it cannot be read ({error.strerror or error})"
    if head != PARQUET_MAGIC or tail != PARQUET_MAGIC:
        return "it is not a Parquet file any more (its first or last bytes are wrong)"
    return None


def footer_problem(home: Path, path: str, rows: int | None) -> str | None:
    """Whether the Parquet footer reads, and holds the rows recorded."""
    try:
        metadata = pq.read_metadata(home / path)
    except (OSError, ValueError) as error:
        return f"its Parquet footer cannot be read ({error})"
    if rows is not None and metadata.num_rows != rows:
        return f"it holds {metadata.num_rows:,} rows where the catalog recorded {rows:,}"
    return None


def full_problem(home: Path, path: str, *, sha256: str | None, file_bytes: int | None,
                 rows: int | None, read_unrecorded: bool = True) -> str | None:
    """Every check: quick, SHA-256 (when recorded), footer and row count; a file published
    before checksums were recorded is read whole instead (if `read_unrecorded`)."""
    if problem := quick_problem(home, path, file_bytes):
        return problem
    if sha256 is not None and sha256_of(home / path) != sha256:
        return "its SHA-256 differs from the one recorded at publishing (its bytes changed)"
    if problem := footer_problem(home, path, rows):
        return problem
    if sha256 is None and read_unrecorded:
        try:
            parquet = pq.ParquetFile(home / path, page_checksum_verification=True)
            for group in range(parquet.num_row_groups):
                parquet.read_row_group(group)
        except (OSError, ValueError) as error:
            return f"its data cannot be read ({error})"
    return None


def lake_files_on_disk(home: Path) -> list[str]:
    """Every file under lake/, relative to the home (symbolic links are not followed)."""
    found = []
    for folder, _, names in os.walk(home / "lake"):
        found += [str((Path(folder) / name).relative_to(home)) for name in names]
    return sorted(found)


def reingest_command(release: dict, files: list[tuple[str, str]]) -> str:
    """The command that publishes a release again from where it was read, with the options
    that give it the same id and dates. `files` are its (lake_table, path) rows."""
    where = (release.get("origin") or "PATH").split("!")[0]  # a zip member: zip!member
    command = f"immtrack ingest {release['source']} --from {shlex.quote(where)}"
    if release["source"] in ("cbp", "eoir") and release.get("release_date"):
        command += f" --release-date {release['release_date']}"
    if any(table == "core_ice__stints" for table, _ in files):
        command += " --stints PERSON_LEVEL_FILE"  # its path is not recorded, only its name
    return command
