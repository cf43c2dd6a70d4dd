"""`immtrack update`: read each watched listing page, fetch the files not yet ingested, ingest
each as a release, and report what happened to every file.

A file is new when its address was never ingested; a known address is checked again with a
HEAD request and fetched only when its ETag (else Last-Modified, else size) changed. Fetched
bytes identical to the last ones ingested (a new ETag on the same file) change nothing. A
download that breaks off stays a `.part` file that the next run resumes; it is never ingested,
and neither is an HTML page served in place of a file. A source that fails is reported and the
others go on. Two updates never run at once on one lake (a lock file in the home).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from immtrack.errors import BadFileError, ImmtrackError, LakeError
from immtrack.lake.home import downloads_dir
from immtrack.schema.publications import (
    PUBLICATIONS,
    Publication,
    listing_url,
    publications_for,
)
from immtrack.sources.listing import FileLink, Probe, check_kind, probe, read_listing
from immtrack.update.state import FileState, ListingState, UpdateState, now

if TYPE_CHECKING:  # the ingests (and their engines) are imported only when a file is new
    from immtrack.ingest.outcome import IngestOutcome

# Exit codes of `immtrack update` (3, lake busy, is the CLI's usual one).
EXIT_UPDATED, EXIT_FAILED, EXIT_NOTHING_NEW = 0, 1, 4

# What became of a file: found by a dry run (new, changed), or by a real run.
STATUSES = {
    "current": "checked: the server's ETag / Last-Modified are those of the file ingested",
    "new": "dry run: not ingested yet; would be fetched",
    "changed": "dry run: the server's ETag or date changed; would be fetched and compared",
    "published": "fetched and ingested as a new release",
    "same bytes": "fetched again (new ETag or date) but byte for byte the file ingested",
    "in lake": "fetched; these bytes were already a release in the lake (ingested by hand)",
    "failed": "not ingested; the message says why (the next run tries again)",
}
Event = Callable[[str], None]


@dataclass
class FileResult:
    publication: str
    url: str
    file_name: str
    status: str
    message: str = ""
    release_id: str | None = None
    bytes: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0


@dataclass
class PublicationResult:
    publication: str
    source: str
    listing_url: str
    status: str  # ok or failed (the page could not be read or lists no file)
    message: str = ""
    files: list[FileResult] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status == "failed" or any(f.status == "failed" for f in self.files)


@dataclass
class UpdateReport:
    dry_run: bool
    results: list[PublicationResult]
    seconds: float = 0.0

    @property
    def files(self) -> list[FileResult]:
        return [f for r in self.results for f in r.files]

    @property
    def published(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "published"]

    @property
    def failures(self) -> list[str]:
        problems = [f"{r.publication}: {r.message}" for r in self.results
                    if r.status == "failed"]
        return problems + [f"{f.publication}: {f.message}" for f in self.files
                           if f.status == "failed"]

    @property
    def exit_code(self) -> int:
        if self.failures:
            return EXIT_FAILED
        wanted = ("new", "changed") if self.dry_run else ("published",)
        return EXIT_UPDATED if any(f.status in wanted for f in self.files) \
            else EXIT_NOTHING_NEW


@contextmanager
def update_lock(home: Path) -> Iterator[None]:
    """One update at a time per lake home (ingests keep their own lock for each publish)."""
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".update.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise LakeError(f"another `immtrack update` is running on {home}; this one stops "
                            "(schedules may overlap: nothing is lost, the next run catches up)"
                            ) from error
        yield


def _same_file(known: FileState, seen: Probe) -> bool:
    """The server describes the file last ingested: same ETag, else same Last-Modified, else
    the same size when the server gives neither validator."""
    if seen.etag and known.etag:
        return seen.etag == known.etag
    if seen.last_modified and known.last_modified:
        return seen.last_modified == known.last_modified
    return seen.length is not None and seen.length == known.bytes


def _download_folder(home: Path, publication: Publication, url: str) -> Path:
    # One folder per address: CBP reuses file names across upload months.
    return downloads_dir(home) / publication.code / hashlib.sha256(url.encode()).hexdigest()[:12]


@dataclass
class Updater:
    home: Path
    dry_run: bool = False
    listings: dict[str, str] = field(default_factory=dict)
    ice_base: Path | None = None
    progress: bool = False
    timeout: float = 60
    on_event: Event | None = None
    state: UpdateState = field(default_factory=UpdateState)

    def say(self, message: str) -> None:
        if self.on_event:
            self.on_event(message)

    def run(self, sources: list[str] | None = None) -> UpdateReport:
        started = time.perf_counter()
        publications = publications_for(sources)
        if self.dry_run:
            self.state = UpdateState.load(self.home)
            results = [self.check(p, self.state) for p in publications]
        else:
            with update_lock(self.home):
                self.state = UpdateState.load(self.home)
                results = []
                for publication in publications:
                    results.append(self.check(publication, self.state))
                    self.state.save(self.home)  # what was ingested stays if a later one dies
        return UpdateReport(self.dry_run, results, time.perf_counter() - started)

    def check(self, publication: Publication, state: UpdateState) -> PublicationResult:
        page = listing_url(publication, self.listings)
        result = PublicationResult(publication.code, publication.source, page, "ok")
        self.say(f"{publication.code}: reading {page}")
        try:
            links = read_listing(page, publication, timeout=self.timeout)
        except (ImmtrackError, OSError) as error:
            result.status, result.message = "failed", str(error)
        else:
            if not links:
                result.status = "failed"
                result.message = (f"{page}: no link matches the file pattern "
                                  f"{publication.file_pattern!r}; the page may have moved or "
                                  "changed (point --listing at the right page)")
        if not self.dry_run:
            state.listings[publication.code] = ListingState(
                publication.code, page, now(), result.status,
                len(links) if result.status == "ok" else 0, result.message)
        if result.status == "failed":
            self.say(f"{publication.code}: failed: {result.message}")
            return result
        for link in links:
            try:
                outcome = self.check_file(publication, link, state)
            except (ImmtrackError, OSError) as error:  # OSError: disk full, a socket error
                outcome = FileResult(publication.code, link.url, link.file_name, "failed",
                                     str(error))
            self.say(f"{publication.code}: {link.file_name}: {outcome.status}"
                     + (f": {outcome.message}" if outcome.message else ""))
            result.files.append(outcome)
        return result

    def check_file(self, publication: Publication, link: FileLink, state: UpdateState
                   ) -> FileResult:
        known = state.files.get(link.url)
        seen = None
        if known and known.sha256:
            seen = probe(link.url, timeout=self.timeout)
            if _same_file(known, seen):
                if not self.dry_run:
                    known.checked_at = now()
                return FileResult(publication.code, link.url, link.file_name, "current",
                                  release_id=known.release_id, bytes=known.bytes)
            if self.dry_run:
                return FileResult(publication.code, link.url, link.file_name, "changed",
                                  _validators_changed(known, seen), bytes=seen.length)
        elif self.dry_run:
            seen = probe(link.url, timeout=self.timeout)
            return FileResult(publication.code, link.url, link.file_name, "new",
                              bytes=seen.length)
        return self.fetch_and_ingest(publication, link, state, known)

    def fetch_and_ingest(self, publication: Publication, link: FileLink, state: UpdateState,
                         known: FileState | None) -> FileResult:
        from immtrack.sources.download import download

        fetched = download(link.url, _download_folder(self.home, publication, link.url),
                           progress=self.progress, timeout=self.timeout)
        try:
            check_kind(fetched.path, publication.file_kind, link.url)
        except BadFileError:
            fetched.path.unlink(missing_ok=True)  # fetched afresh next time
            raise
        if known and known.sha256 == fetched.sha256:
            known.etag, known.last_modified = fetched.etag, fetched.last_modified
            known.checked_at = now()
            return FileResult(publication.code, link.url, link.file_name, "same bytes",
                              f"ETag or date changed, bytes did not (sha256 "
                              f"{fetched.sha256[:12]})", known.release_id, fetched.bytes)
        published = link.published or Probe(link.url, None, fetched.last_modified, None,
                                             None).last_modified_date()
        outcome = self.ingest(publication, fetched.path, link, published)
        if outcome.status == "refused":
            raise BadFileError(link.url, outcome.message)
        # Recorded only once ingested: a file that failed is fetched and tried again next time.
        record = known or FileState(link.url, publication.code, link.file_name,
                                    first_seen=now())
        record.etag, record.last_modified = fetched.etag, fetched.last_modified
        record.sha256, record.bytes = fetched.sha256, fetched.bytes
        record.release_id, record.checked_at, record.ingested_at = (outcome.release_id, now(),
                                                                    now())
        state.files[link.url] = record
        status = "published" if outcome.status == "published" else "in lake"
        return FileResult(publication.code, link.url, link.file_name, status,
                          "" if status == "published" else outcome.message,
                          outcome.release_id, fetched.bytes, outcome.rows_read,
                          outcome.rows_loaded, outcome.rows_quarantined)

    def ingest(self, publication: Publication, path: Path, link: FileLink, published
               ) -> IngestOutcome:
        self.say(f"{publication.code}: ingesting {link.file_name}")
        if publication.ingest == "cbp":
            from immtrack.ingest.cbp import InputFile, ingest_cbp_file

            return ingest_cbp_file(self.home, InputFile(path, link.file_name, link.url,
                                                        published))
        if publication.ingest == "eoir":
            from immtrack.ingest.eoir import ingest_eoir

            return ingest_eoir(self.home, str(path))
        if publication.ingest == "ice":
            from immtrack.ingest.ice import ingest_ice

            return ingest_ice(self.home, self.ice_release_folder(path))
        raise ValueError(f"no ingest named {publication.ingest!r}")

    def ice_release_folder(self, workbook: Path) -> Path:
        """ICE's workbooks are read beside the facility lists and field offices (and DDP's
        tables) of an ICE folder: the new release is that folder plus every workbook fetched
        so far, linked into downloads/ice-release/<newest workbook>/."""
        recorded = Path(self.state.ice_base) if self.state.ice_base else None
        base = self.ice_base or recorded or _last_ice_base(self.home)
        if base is None or not base.is_dir():
            raise BadFileError(str(workbook), "an ICE workbook is read beside ICE's facility "
                               "lists and field offices, and no ICE folder is known",
                               hint="ingest one first (`immtrack ingest ice --from FOLDER`) "
                                    "or give `immtrack update --ice-base FOLDER`")
        folder = downloads_dir(self.home) / "ice-release" / workbook.stem
        if folder.exists():
            import shutil

            shutil.rmtree(folder)
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.name.endswith((".part", ".part.json")):
                target = folder / path.relative_to(base)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(path.resolve(), target)
        workbooks = folder / "ice_workbooks"
        workbooks.mkdir(parents=True, exist_ok=True)
        # The workbooks already ingested, and this one; never one that failed to read.
        publication = PUBLICATIONS["ice-detention"]
        paths = [_download_folder(self.home, publication, f.url) / f.file_name
                 for f in self.state.files.values()
                 if f.publication == publication.code and f.release_id]
        for path in [workbook] + [p for p in paths if p.exists()]:
            if not (workbooks / path.name).exists():
                os.symlink(path.resolve(), workbooks / path.name)
        if not self.dry_run:
            self.state.ice_base = str(base.resolve())
        return folder


def _validators_changed(known: FileState, seen: Probe) -> str:
    if seen.etag and known.etag and seen.etag != known.etag:
        return f"ETag {known.etag} -> {seen.etag}"
    if seen.last_modified != known.last_modified:
        return f"Last-Modified {known.last_modified} -> {seen.last_modified}"
    return f"size {known.bytes} -> {seen.length}"


def _last_ice_base(home: Path) -> Path | None:
    """The folder of the newest ICE release ingested by hand (not one assembled here)."""
    from immtrack.lake.home import catalog_path

    if not catalog_path(home).exists():
        return None
    import duckdb

    with duckdb.connect(str(catalog_path(home)), read_only=True) as con:
        origins = [o for (o,) in con.execute(
            "SELECT origin FROM releases WHERE source = 'ice' ORDER BY ingested_at DESC"
        ).fetchall()]
    assembled = str((downloads_dir(home) / "ice-release").resolve())
    for origin in origins:
        if origin and not origin.startswith(assembled) and Path(origin).is_dir():
            return Path(origin)
    return None


def run_update(home: Path, *, sources: list[str] | None = None, dry_run: bool = False,
               listings: dict[str, str] | None = None, ice_base: Path | None = None,
               progress: bool = False, timeout: float = 60,
               on_event: Event | None = None) -> UpdateReport:
    """Check every watched publication (or those of `sources`) and ingest what is new.

    >>> report = run_update(Path("~/.local/share/immtrack").expanduser())  # doctest: +SKIP
    >>> report.exit_code, [f.file_name for f in report.published]  # doctest: +SKIP

    Raises LakeError when another update holds the lake; every other problem is reported per
    publication and file in the report.
    """
    return Updater(home, dry_run, dict(listings or {}), ice_base, progress, timeout,
                   on_event).run(sources)
