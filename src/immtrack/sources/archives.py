"""Opening input files and archives without trusting them.

A zip can name members outside the folder it is extracted to (`/etc/x`, `../../x`: "zip
slip"), expand a megabyte into a gigabyte (a "zip bomb"), or be truncated; a path given as a
file can be a FIFO that never ends or a symlink to /dev/zero. Every reader opens its inputs
through this module, which refuses all of these with a BadFileError naming the file and the
problem, before a byte is written or read into memory.
"""

from __future__ import annotations

import errno
import os
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import zipfile_deflate64  # noqa: F401  (teaches zipfile to read deflate64 members)

from immtrack.errors import BadFileError

GIB = 1 << 30
_LAKE_ERRNOS = (errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES)


@dataclass(frozen=True)
class ArchiveLimits:
    """What an archive may expand to. EOIR's whole-database zip is ~3 GB holding ~40 GB of
    text (about 13:1); CBP's zips hold a few small CSVs. Text compresses far less than a
    bomb's 1000:1, so a high ratio on a large member is refused rather than extracted."""

    total_bytes: int = 200 * GIB
    member_bytes: int = 100 * GIB
    members: int = 10_000
    ratio: float = 200.0
    ratio_exempt_bytes: int = 1 << 20  # small members (lookups) may compress very well


EOIR_LIMITS = ArchiveLimits()
SMALL_LIMITS = ArchiveLimits(total_bytes=2 * GIB, member_bytes=GIB, members=1_000)
# Errors a damaged zip raises from Python's zipfile and its decompressors.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError,
              NotImplementedError, RuntimeError, ValueError, KeyError, OverflowError,
              UnicodeDecodeError)


def regular_file(path: Path, name: str | None = None, *, max_bytes: int | None = None) -> int:
    """The size of `path`, after checking it is a regular file (following symlinks) no larger
    than `max_bytes`: a FIFO would hang the reader and /dev/zero would fill memory."""
    name = name or str(path)
    try:
        info = os.stat(path)
    except OSError as error:
        raise BadFileError(name, f"cannot open the file ({error.strerror or error})") from None
    if not stat.S_ISREG(info.st_mode):
        kind = ("a folder" if stat.S_ISDIR(info.st_mode) else
                "a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode) else
                "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else
                "a socket" if stat.S_ISSOCK(info.st_mode) else "not a regular file")
        raise BadFileError(name, f"this is {kind}, not a regular file"
                                 + (" (it is a symlink)" if path.is_symlink() else ""),
                           hint="point immtrack at the downloaded file itself")
    if max_bytes is not None and info.st_size > max_bytes:
        raise BadFileError(name, f"the file holds {info.st_size:,} bytes, more than the "
                                 f"{max_bytes:,} this reader accepts",
                           hint="this is far larger than any release of this source; check "
                                "it is the right file")
    return info.st_size


def read_bytes(path: Path, name: str | None = None, *, max_bytes: int) -> bytes:
    """The whole file, once it is known to be a regular file of bounded size."""
    regular_file(path, name, max_bytes=max_bytes)
    with open(path, "rb") as stream:
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew while we looked
        raise BadFileError(name or str(path), f"the file holds more than {max_bytes:,} bytes")
    return data


def safe_member_path(member: str) -> PurePosixPath | None:
    """The member's path relative to the extraction folder, or None when it would land outside
    it (absolute, a drive letter, `..`, NUL). Backslashes count as separators, as Windows
    tools write them."""
    text = member.replace("\\", "/")
    if "\x00" in text or text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        return None
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        return None
    return PurePosixPath(*parts)


def check_archive(archive: zipfile.ZipFile, name: str,
                  limits: ArchiveLimits) -> list[zipfile.ZipInfo]:
    """The archive's file members, after checking every name and size against `limits`."""
    infos = archive.infolist()
    if len(infos) > limits.members:
        raise BadFileError(name, f"the zip lists {len(infos):,} members, more than the "
                                 f"{limits.members:,} a release of this source can hold")
    seen: set[str] = set()
    total = 0
    files = []
    for info in infos:
        relative = safe_member_path(info.filename)
        if relative is None:
            raise BadFileError(name, f"the zip member {info.filename!r} would be written "
                                     "outside the extraction folder; the archive is refused",
                               hint="a genuine release never names members with '/' at the "
                                    "start or '..'; download it from the agency again")
        if info.is_dir():
            continue
        key = str(relative).casefold()
        if key in seen:
            raise BadFileError(name, f"the zip holds {info.filename!r} twice; which copy is "
                                     "the release cannot be told")
        seen.add(key)
        if info.file_size > limits.member_bytes:
            raise BadFileError(name, f"the zip member {info.filename!r} expands to "
                                     f"{info.file_size:,} bytes, more than the "
                                     f"{limits.member_bytes:,} allowed")
        if info.file_size > limits.ratio_exempt_bytes and \
                info.file_size > limits.ratio * max(info.compress_size, 1):
            raise BadFileError(name, f"the zip member {info.filename!r} expands "
                                     f"{info.file_size / max(info.compress_size, 1):,.0f} "
                                     f"times ({info.compress_size:,} to {info.file_size:,} "
                                     f"bytes), beyond the {limits.ratio:.0f}:1 text can reach",
                               hint="this looks like a zip bomb, not a data release")
        total += info.file_size
        files.append(info)
    if total > limits.total_bytes:
        raise BadFileError(name, f"the zip expands to {total:,} bytes, more than the "
                                 f"{limits.total_bytes:,} allowed")
    return files


def open_zip(path: Path, name: str | None = None) -> zipfile.ZipFile:
    name = name or str(path)
    regular_file(path, name)
    try:
        return zipfile.ZipFile(path)
    except ZIP_ERRORS as error:
        raise BadFileError(name, f"not a readable zip file ({error})",
                           hint="the download may be truncated; fetch it again") from None


def extract(path: Path, workdir: Path, *, limits: ArchiveLimits = EOIR_LIMITS,
            wanted=None) -> list[tuple[str, Path]]:
    """Extract the zip at `path` into `workdir`, every member checked to land inside it and to
    stay within `limits`; `wanted(member)` can skip members. Returns (member, file) pairs."""
    name = str(path)
    root = workdir.resolve()
    extracted = []
    with open_zip(path, name) as archive:
        for info in check_archive(archive, name, limits):
            if wanted is not None and not wanted(info.filename):
                continue
            target = root.joinpath(*safe_member_path(info.filename).parts)
            if not target.resolve().is_relative_to(root):  # a symlinked folder on the way
                raise BadFileError(name, f"the zip member {info.filename!r} would be written "
                                         "outside the extraction folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            try:
                with archive.open(info) as source, open(target, "wb") as out:
                    while chunk := source.read(1 << 22):
                        written += len(chunk)
                        if written > info.file_size:  # never trust the header alone
                            raise BadFileError(name, f"the zip member {info.filename!r} holds "
                                                     "more bytes than its header says")
                        out.write(chunk)
            except BadFileError:
                raise
            except OSError as error:
                if error.errno in _LAKE_ERRNOS:  # the disk, not the zip: not ours to word
                    raise
                raise BadFileError(name, f"cannot extract {info.filename}: {error}",
                                   hint="the zip may be truncated; download it again") from None
            except ZIP_ERRORS as error:
                raise BadFileError(name, f"cannot extract {info.filename}: {error}",
                                   hint="the zip may be truncated; download it again") from None
            extracted.append((info.filename, target))
    return extracted
