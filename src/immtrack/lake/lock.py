"""One ingest at a time per home; what a killed ingest left is swept; write failures explained.

The lock is an flock on <home>/.ingest.lock. Holding it, an ingest removes the staging folders
and the orphans of killed ingests (Parquet files under lake/ that the catalog does not list):
no other ingest can be staging or moving files then, and a file the catalog lists is never
touched. A disk that fills up, or a home that cannot be written, ends the ingest with one
sentence instead of a traceback, and its staged files are removed at once.
"""

from __future__ import annotations

import errno
import fcntl
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from immtrack.errors import LakeError
from immtrack.lake.catalog import open_catalog
from immtrack.lake.home import catalog_path, staging_root
from immtrack.lake.integrity import lake_files_on_disk

# What the operating system says, as DuckDB and Arrow quote it, and what to do about it.
_WRITE_FAILURES = {
    errno.ENOSPC: ("No space left on device", "the disk is full",
                   "free some space on that disk and ingest again"),
    errno.EDQUOT: ("Disk quota exceeded", "the disk quota is used up",
                   "free some space within your quota and ingest again"),
    errno.EFBIG: ("File too large", "a file grew beyond what the system allows",
                  "raise the file size limit (ulimit -f) and ingest again"),
    errno.EROFS: ("Read-only file system", "the home is on a read-only file system",
                  "ingest into a writable folder (--home or IMMTRACK_HOME)"),
    errno.EACCES: ("Permission denied", "permission to write there is denied",
                   "ingest into a folder you can write (--home or IMMTRACK_HOME)"),
    errno.EPERM: ("Operation not permitted", "the system does not permit the write",
                  "ingest into a folder you can write (--home or IMMTRACK_HOME)"),
}


def write_failure(home: Path, error: BaseException) -> LakeError | None:
    """A LakeError for a failed write (full disk, read-only or forbidden home), else None.

    A permission error counts only when it names a path in the home: reading an input file
    that may not be read is the input's problem, not the lake's."""
    code = getattr(error, "errno", None)
    text = str(error)
    if code not in _WRITE_FAILURES:
        code = next((c for c, (quoted, _, _) in _WRITE_FAILURES.items() if quoted in text),
                    None)
    if code is None:
        return None
    if code in (errno.EACCES, errno.EPERM):
        named = str(getattr(error, "filename", None) or "") + text
        if str(home) not in named and str(home.resolve()) not in named:
            return None
    _, what, advice = _WRITE_FAILURES[code]
    detail = _detail(error)
    return LakeError(f"cannot write to the lake at {home}: {what} ({detail}). Nothing was "
                     f"published: the lake still answers as before. To go on, {advice}.")


def _detail(error: BaseException) -> str:
    """The first line of an error; DuckDB sometimes words it as JSON."""
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    start = line.find("{")
    if start >= 0:
        try:
            return json.loads(line[start:])["exception_message"]
        except (ValueError, KeyError, TypeError):
            pass
    return line


def referenced_files(home: Path) -> set[str] | None:
    """Paths the catalog lists, or None when there is no catalog or it cannot be read (then
    nothing may be called an orphan)."""
    if not catalog_path(home).exists():
        return None
    try:
        con = open_catalog(home)
    except LakeError:
        return None
    return {path for (path,) in con.execute("SELECT path FROM lake_files").fetchall()}


def orphan_files(home: Path) -> list[str]:
    """Files under lake/ that the catalog does not list (left by a killed ingest)."""
    referenced = referenced_files(home)
    if referenced is None:
        return []
    return [path for path in lake_files_on_disk(home) if path not in referenced]


def sweep(home: Path) -> list[str]:
    """Remove staging folders and orphans; call only while holding the ingest lock. Returns
    what was removed, relative to the home."""
    staging = staging_root(home)
    removed = sorted(str(p.relative_to(home)) for p in staging.iterdir()) \
        if staging.is_dir() else []
    shutil.rmtree(staging, ignore_errors=True)
    for path in orphan_files(home):
        try:
            (home / path).unlink()
            removed.append(path)
        except FileNotFoundError:
            pass
    return removed


@contextmanager
def ingest_lock(home: Path, *, sweep_on_entry: bool = True) -> Iterator[None]:
    """Hold the home's ingest lock: refuse if another ingest holds it, sweep what killed
    ingests left, remove staging on the way out, and on a failure also this ingest's own
    orphans, turning write failures into one clear LakeError."""
    try:
        home.mkdir(parents=True, exist_ok=True)
        lock = open(home / ".ingest.lock", "a")  # noqa: SIM115 (closed below)
    except OSError as error:
        raise (write_failure(home, error) or error) from None
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise LakeError(f"another ingest is writing to {home}; wait for it to finish") \
                from error
        if sweep_on_entry:
            sweep(home)
        try:
            yield
        except BaseException as error:
            # Files this ingest moved into lake/ are orphans unless the new catalog was
            # swapped in; removing them now gives a full disk its space back.
            sweep(home)
            if isinstance(error, OSError | duckdb.Error) and \
                    (failure := write_failure(home, error)):
                raise failure from None
            raise
        shutil.rmtree(staging_root(home), ignore_errors=True)
