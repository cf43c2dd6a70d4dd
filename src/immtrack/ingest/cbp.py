"""Ingest CBP files: each file is its own release, since CBP and OHSS publish files one by
one; a file that cannot be used is reported and the others still go in."""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlparse

import pyarrow as pa

from immtrack.checksums import sha256_of
from immtrack.errors import BadFileError, ImmtrackError
from immtrack.ingest.outcome import IngestOutcome
from immtrack.lake.home import downloads_dir
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
from immtrack.sources import SYNTHETIC_MARKER, archives, cbp

_CBP_SUFFIXES = (".csv", ".xlsx")
_DATED_URL = re.compile(r"/(\d{4})-(\d{2})/[^/]+$")


@dataclass(frozen=True)
class InputFile:
    path: Path
    name: str
    origin: str
    release_date: date | None = None
    is_synthetic: bool = False


def _release_date_from_url(url: str) -> date | None:
    """cbp.gov serves files under /sites/default/files/<yyyy-mm>/: the month of publication."""
    match = _DATED_URL.search(urlparse(url).path)
    return date(int(match.group(1)), int(match.group(2)), 1) if match else None


@contextmanager
def cbp_inputs(spec: str, home: Path, *, progress: bool = True) -> Iterator[list[InputFile]]:
    """The CBP files behind a path, folder, zip or http(s) URL."""
    if spec.startswith(("http://", "https://")):
        from immtrack.sources.download import download

        fetched = download(spec, downloads_dir(home), progress=progress)
        yield [InputFile(fetched.path, unquote(Path(urlparse(spec).path).name), spec,
                         _release_date_from_url(spec))]
        return
    path = Path(spec).expanduser()
    if not path.exists():
        raise BadFileError(str(path), "no such file or folder")
    if path.is_dir():
        synthetic = (path / SYNTHETIC_MARKER).exists()
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in _CBP_SUFFIXES)
        if not files:
            raise BadFileError(str(path), "the folder holds no .csv or .xlsx files")
        yield [InputFile(p, p.name, str(p.resolve()), is_synthetic=synthetic) for p in files]
    elif path.suffix.lower() == ".zip" and path.is_file() and zipfile.is_zipfile(path):
        with archives.open_zip(path) as archive:
            names = [info.filename for info in
                     archives.check_archive(archive, str(path), archives.SMALL_LIMITS)]
        with tempfile.TemporaryDirectory() as folder:
            members = archives.extract(
                path, Path(folder), limits=archives.SMALL_LIMITS,
                wanted=lambda m: Path(m).suffix.lower() in _CBP_SUFFIXES)
            if not members:
                listing = ", ".join(names[:10]) or "nothing"
                raise BadFileError(str(path), f"the zip holds no CBP encounter files (.csv or "
                                              f".xlsx); it contains: {listing}")
            synthetic = SYNTHETIC_MARKER in {Path(m).name for m in names}
            yield [InputFile(target, Path(m).name, f"{path.resolve()}!{m}",
                             is_synthetic=synthetic) for m, target in members]
    else:
        synthetic = (path.parent / SYNTHETIC_MARKER).exists()
        yield [InputFile(path, path.name, str(path.resolve()), is_synthetic=synthetic)]


def ingest_cbp_file(home: Path, item: InputFile, *, release_date: date | None = None,
                    encoding: str = "utf-8-sig") -> IngestOutcome:
    """Read one CBP file and publish it as a release; a no-op if it is already in the lake."""
    archives.regular_file(item.path, item.name, max_bytes=cbp.MAX_CSV_BYTES)
    sha256 = sha256_of(item.path)
    release_id = release_id_for(cbp.SOURCE, [sha256])
    if has_release(home, release_id):
        return IngestOutcome(item.name, "unchanged", release_id,
                             message="already in the lake: nothing changed")
    log = QuarantineLog()
    published = release_date or item.release_date
    rows = cbp.read_cbp_file(item.path, log, name=item.name, encoding=encoding,
                             not_after=published or date.today())
    months = rows.months()
    years = [y for y in rows.columns["fiscal_year"] if y is not None]
    if not years:
        first = log.first(log.reasons.most_common(1)[0][0]) if len(log) else None
        raise BadFileError(item.name, "no row of the file could be loaded"
                           + (f"; the first problem, line {first['source_line']}: "
                              f"{first['detail']}" if first else ""),
                           hint="see whether this is the file you meant to ingest")
    release = Release(
        release_id=release_id, source=cbp.SOURCE, release_label=item.name, origin=item.origin,
        release_date=published,
        data_from=months[0] if months else date(min(years) - 1, 10, 1),
        data_through=months[-1] if months else date(max(years), 9, 1),
        is_synthetic=item.is_synthetic,
        files=[FileCount(item.name, part, sha256, item.path.stat().st_size, read, loaded,
                         read - loaded) for part, (read, loaded) in rows.parts.items()],
    )
    with ingest_lock(home):
        if has_release(home, release_id):  # another process published it meanwhile
            return IngestOutcome(item.name, "unchanged", release_id,
                                 message="already in the lake: nothing changed")
        staging = Staging(home)
        loaded = pa.Table.from_pydict({**rows.columns, "release_id": [release_id] *
                                       len(rows.columns["series"])})
        staging.write("core_cbp__encounters", loaded)
        staging.write("quarantine", log.to_arrow(release_id))
        publish(home, release, staging)
    read, loaded_count, quarantined = release.totals()
    return IngestOutcome(item.name, "published", release_id, read, loaded_count, quarantined)


def ingest_cbp(home: Path, specs: list[str], *, release_date: date | None = None,
               encoding: str = "utf-8-sig", progress: bool = True,
               on_file: Callable[[IngestOutcome], None] | None = None) -> list[IngestOutcome]:
    """Ingest every CBP file behind `specs`; unusable files are reported, not fatal to others."""
    outcomes = []
    for spec in specs:
        try:
            with cbp_inputs(spec, home, progress=progress) as items:
                for item in items:
                    try:
                        outcome = ingest_cbp_file(home, item, release_date=release_date,
                                                  encoding=encoding)
                    except BadFileError as error:
                        outcome = IngestOutcome(item.name, "refused", message=str(error))
                    outcomes.append(outcome)
                    if on_file:
                        on_file(outcome)
        except ImmtrackError as error:
            outcome = IngestOutcome(spec, "refused", message=str(error))
            outcomes.append(outcome)
            if on_file:
                on_file(outcome)
    return outcomes
