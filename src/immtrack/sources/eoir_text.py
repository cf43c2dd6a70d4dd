"""The bytes of one EOIR table file: one scanning pass, and a rewrite for the rare dirty file.

EOIR declares its tables Latin-1, CRLF-terminated and tab-delimited, but real exports also hold
Windows-1252 bytes (0x80-0x9F: curly quotes, dashes), which DuckDB's Latin-1 reader refuses, and
an occasional lone CR or LF inside a value, which breaks a row in two. `scan_file` finds all of
this in the pass that hashes the file; only when it found something does `normalize` write a
UTF-8 copy, decoded as Windows-1252 (bytes it leaves undefined as Latin-1) with each lone
line break replaced by a space, every changed line logged. Line numbers stay those of the
original file: a line of the copy is a record of the original.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

_C1 = re.compile(rb"[\x80-\x9f]")
CHUNK = 1 << 24


def _latin1_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    # cp1252 leaves 0x81, 0x8D, 0x8F, 0x90 and 0x9D undefined: keep them as Latin-1 does.
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error("immtrack-latin1", _latin1_fallback)


def decode_windows_1252(data: bytes) -> str:
    return data.decode("cp1252", errors="immtrack-latin1")


@dataclass(frozen=True)
class FileScan:
    """What one pass over a table's bytes tells: its hash, lines and tabs (a file whose tabs
    add up needs no check for stray fields), the columns holding NULs or quotes, and what
    would stop DuckDB: Windows-1252 bytes, lone line breaks, a repeated header line, a
    missing final line end."""

    sha256: str
    lines: int
    tabs: int
    dirty_columns: frozenset[int]
    size: int = 0
    line_end: bytes = b"\r\n"
    complete: bool = True
    windows_1252: bool = False
    lone_breaks: int = 0
    header_repeated: bool = False

    def extra_fields(self, columns: int) -> int:
        """Fields beyond `columns` per line, summed over the file (negative for short rows)."""
        return self.tabs - self.lines * (columns - 1)

    @property
    def needs_rewrite(self) -> bool:
        return self.windows_1252 or self.lone_breaks > 0


def _first_line(path: Path) -> bytes:
    with open(path, "rb") as stream:
        return stream.readline(1 << 20)


def scan_file(path: Path) -> FileScan:
    # Hashing runs in a second thread (hashlib releases the GIL) while this one counts.
    digest = hashlib.sha256()
    first = _first_line(path)
    line_end = b"\r\n" if first.endswith(b"\r\n") else b"\n"
    repeat = line_end + first.rstrip(b"\r\n") + line_end
    lines = tabs = crlf = cr = size = 0
    windows_1252 = header_repeated = False
    dirty: set[int] = set()
    tail = b""  # the unfinished last line of the previous chunk
    carry = b""  # the previous chunk's last bytes, to find a repeated header across chunks
    last = b""
    with open(path, "rb") as stream, ThreadPoolExecutor(1) as hasher:
        hashing = None
        while chunk := stream.read(CHUNK):
            if hashing:
                hashing.result()
            hashing = hasher.submit(digest.update, chunk)
            size += len(chunk)
            lines += chunk.count(b"\n")
            tabs += chunk.count(b"\t")
            cr += chunk.count(b"\r")
            crlf += chunk.count(b"\r\n") + (last == b"\r" and chunk[:1] == b"\n")
            windows_1252 = windows_1252 or _C1.search(chunk) is not None
            header_repeated = header_repeated or repeat in carry + chunk[:len(repeat)] \
                or repeat in chunk
            carry = chunk[-len(repeat):]
            last = chunk[-1:]
            for needle in (b"\x00", b'"'):  # rare: located one by one, with their column
                position = chunk.find(needle)
                while position != -1:
                    start = chunk.rfind(b"\n", 0, position) + 1
                    before = chunk[start:position] if start else tail + chunk[:position]
                    dirty.add(before.count(b"\t"))
                    position = chunk.find(needle, position + 1)
            cut = chunk.rfind(b"\n")
            tail = chunk[cut + 1:] if cut != -1 else tail + chunk
        if hashing:
            hashing.result()
    lone = (cr - crlf) + (lines - crlf) if line_end == b"\r\n" else cr
    complete = size == 0 or _ends_with(path, line_end)
    return FileScan(digest.hexdigest(), lines + bool(tail), tabs, frozenset(dirty), size,
                    line_end, complete, windows_1252, lone, header_repeated)


def _ends_with(path: Path, ending: bytes) -> bool:
    with open(path, "rb") as stream:
        stream.seek(0, 2)
        length = stream.tell()
        stream.seek(max(0, length - len(ending)))
        return stream.read() == ending


def records(path: Path, line_end: bytes) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes without the line end) of every record, the header being line 1."""
    carry = b""
    number = 0
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            parts = (carry + chunk).split(line_end)
            carry = parts.pop()
            for part in parts:
                number += 1
                yield number, part
    if carry:
        yield number + 1, carry


def normalize(path: Path, out: Path, scan: FileScan, name: str, repairs) -> int:
    """Write `path` as UTF-8 to `out`, one line per record of the original, decoded as
    Windows-1252 and with lone CR/LF inside a record replaced by a space; each changed line
    is logged in `repairs`. Returns the number of lines changed."""
    changed = 0
    with open(out, "wb") as sink:
        for number, raw in records(path, scan.line_end):
            if scan.line_end == b"\n" and raw.endswith(b"\r"):
                raw = raw[:-1]  # a CRLF among LF lines: still a line end
            text = decode_windows_1252(raw)
            fixed = text.replace("\r", " ").replace("\n", " ")
            if number > 1 and (fixed != text or _C1.search(raw)):
                changed += 1
                how = []
                if _C1.search(raw):
                    how.append("decoded Windows-1252 bytes (0x80-0x9F) the file declares "
                               "Latin-1")
                if fixed != text:
                    how.append("replaced a line break inside the row with a space")
                repairs.add(name, number, raw.decode("latin-1"), fixed.split("\t"),
                            "; ".join(how))
            sink.write(fixed.encode("utf-8") + b"\n")
    return changed


def repeated_header_lines(path: Path, line_end: bytes, header: bytes) -> list[int]:
    """Line numbers (after line 1) of lines that repeat the header exactly."""
    wanted = header.rstrip(b"\r\n")
    return [n for n, raw in records(path, line_end) if n > 1 and raw == wanted]
