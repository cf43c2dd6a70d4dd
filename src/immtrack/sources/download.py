"""Download a published file: streamed, resumable, checksummed, with a progress bar.

Agencies' files are large and their servers slow, so a transfer that breaks resumes from its
`.part` file with an HTTP Range request (guarded by If-Range, so a file that changed on the
server restarts from zero instead of being spliced). The SHA-256 is computed while streaming
and checked before the file is moved into place; the final name never holds a partial file.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from immtrack.checksums import sha256_of
from immtrack.errors import DownloadError

CHUNK_BYTES = 1 << 20
ProgressCallback = Callable[[int, int | None], None]  # (bytes so far, total or None)


@dataclass(frozen=True)
class DownloadedFile:
    path: Path
    url: str
    sha256: str
    bytes: int
    resumed: bool
    etag: str | None = None
    last_modified: str | None = None


def file_name_for(url: str) -> str:
    name = unquote(Path(urlparse(url).path).name)
    if not name:
        raise DownloadError(f"{url}: the address does not end in a file name")
    return name


def _rich_progress(name: str) -> tuple[ProgressCallback, Callable[[], None]]:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from immtrack.cli.output import stderr

    bar = Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                   TransferSpeedColumn(), TimeRemainingColumn(), console=stderr, transient=True)
    task = bar.add_task(name, total=None)
    bar.start()

    def update(done: int, total: int | None) -> None:
        bar.update(task, completed=done, total=total)

    return update, bar.stop


def _open(url: str, headers: dict[str, str], timeout: float):
    request = urllib.request.Request(url, headers={"User-Agent": "immtrack", **headers})
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        raise DownloadError(f"{url}: the server answered {error.code} {error.reason}") from None
    except (TimeoutError, urllib.error.URLError, ConnectionError) as error:
        reason = getattr(error, "reason", error)
        raise DownloadError(f"{url}: could not connect ({reason})") from None


def download(url: str, dest_dir: Path, *, expected_sha256: str | None = None,
             progress: bool | ProgressCallback = True, timeout: float = 60) -> DownloadedFile:
    """Fetch `url` into `dest_dir`, resuming a previous partial download.

    >>> download("https://www.cbp.gov/sites/default/files/2025-09/x.csv", Path("dl"))
    ... # doctest: +SKIP

    Raises DownloadError for HTTP errors, lost connections, truncated bodies and checksum
    mismatches (the partial file is then deleted).
    """
    dest_dir.mkdir(parents=True, exist_ok=True)
    final = dest_dir / file_name_for(url)
    if final.exists() and expected_sha256 and sha256_of(final) == expected_sha256:
        return DownloadedFile(final, url, expected_sha256, final.stat().st_size, False)
    part = final.with_name(final.name + ".part")
    sidecar = final.with_name(final.name + ".part.json")
    validators = json.loads(sidecar.read_text()) if sidecar.exists() and part.exists() else {}
    have = part.stat().st_size if part.exists() and validators else 0
    headers = {}
    if have:
        headers["Range"] = f"bytes={have}-"
        if validators.get("etag") or validators.get("last_modified"):
            headers["If-Range"] = validators.get("etag") or validators["last_modified"]
    update, stop = (_rich_progress(final.name) if progress is True
                    else (progress, lambda: None) if callable(progress)
                    else (lambda done, total: None, lambda: None))
    try:
        with _open(url, headers, timeout) as response:
            resumed = have > 0 and response.status == 206
            if not resumed:
                have = 0
            length = response.headers.get("Content-Length")
            total = have + int(length) if length is not None else None
            validators = {"etag": response.headers.get("ETag"),
                          "last_modified": response.headers.get("Last-Modified")}
            sidecar.write_text(json.dumps(validators))
            digest = hashlib.sha256()
            if resumed:
                with open(part, "rb") as existing:
                    while chunk := existing.read(CHUNK_BYTES):
                        digest.update(chunk)
            done = have
            update(done, total)
            with open(part, "ab" if resumed else "wb") as out:
                while True:
                    try:
                        chunk = response.read(CHUNK_BYTES)
                    except (OSError, http.client.HTTPException) as error:
                        raise DownloadError(f"{url}: the transfer broke off after {done:,} "
                                            f"bytes ({error}); run again to resume") from None
                    if not chunk:
                        break
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    update(done, total)
    finally:
        stop()
    if total is not None and done != total:
        raise DownloadError(f"{url}: got {done:,} of {total:,} bytes; run again to resume")
    sha256 = digest.hexdigest()
    if expected_sha256 and sha256 != expected_sha256.lower():
        part.unlink(missing_ok=True)
        sidecar.unlink(missing_ok=True)
        raise DownloadError(f"{url}: checksum mismatch: expected {expected_sha256}, got "
                            f"{sha256}; the partial file was deleted")
    os.replace(part, final)
    sidecar.unlink(missing_ok=True)
    return DownloadedFile(final, url, sha256, done, resumed, validators["etag"],
                          validators["last_modified"])
