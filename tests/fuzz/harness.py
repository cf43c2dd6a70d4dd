"""The mutation harness: hostile versions of real input files, run through every reader.

A *seed* is a small input made from the real files in ../shared/data (the first rows of the
southwest CBP CSV, ICE's files cut to a few rows in their own format, the OHSS workbook) or a
generated EOIR release. A *mutation* changes one file of a seed (truncate, flip bytes,
duplicate a line, repeat the header, re-encode, insert Windows-1252 bytes or lone CR/LF,
oversize a field or a number, put in an impossible year, delete a column of a Parquet file...).
`run` ingests the mutated input with the library's ingest function into one lake per seed and
classifies what happened:

- refused: a BadFileError (or an ingest outcome "refused") whose message names the file;
- published: the release is in the lake, and for the mutated file the rows counted here, from
  the file itself with another reader (csv, openpyxl, pyarrow, byte counts), equal the rows
  found in the lake's Parquet files for it plus the quarantined rows (never the ingest's own
  counts);
- anything else is a finding: a traceback, a hang, a write outside the lake, a miscount, or a
  mutation-specific oracle failing (a file cut mid-row published, a duplicate loaded twice, an
  impossible year steering the release order).

Used by tests/fuzz (bounded, fixed seed) and bench/fuzz_inputs.py (long runs, before/after).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import shutil
import signal
import traceback
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from immtrack.errors import BadFileError, ImmtrackError

SOUTHWEST_CSV = "cbp/cbp_sw_border_fy22_fy25/sbo-encounters-fy22-fy25-aug.csv"
KHSM_XLSX = "cbp/ohss_khsm/KHSM Encounters (USBP) fy25m11.xlsx"
ICE_FILES = {  # the files the ICE ingest reads, relative to the ICE folder
    "facilities/2015IceDetentionFacilityListing.xlsx": "xlsx",
    "facilities/facility-locations-oct2025.txt": "tsv",
    "historical/marshall_locations.csv": "csv",
    "offices/uwchr_aor_ero_field_office.csv": "csv",
    "offices/ice-areas-of-responsibility.csv": "csv",
    "detention_management_stats/facilities.parquet": "parquet",
    "detention_management_stats/adp-by-agency-criminality.parquet": "parquet",
    "detention_management_stats/stay-length-by-agency-criminality.parquet": "parquet",
    "detention_management_stats/book-ins-by-arresting-agency.parquet": "parquet",
    "detention_management_stats/book-outs-by-reason.parquet": "parquet",
}
HANG_SECONDS = 60


class Hang(Exception):
    pass


@dataclass(frozen=True)
class Mutation:
    """One change to one file: `kind` names it, `detail` says where and how."""

    kind: str
    detail: str
    data: bytes
    cut_mid_row: bool = False  # a truncation that ends inside a row: must be refused
    added_rows: int = 0  # rows the mutation added that must not be loaded (duplicates)
    impossible_year: bool = False


@dataclass
class Result:
    seed: str
    kind: str
    detail: str
    status: str  # refused, published, unchanged, or a finding
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("refused", "published", "unchanged")


@dataclass
class Tally:
    results: list[Result] = field(default_factory=list)

    def add(self, result: Result) -> Result:
        self.results.append(result)
        return result

    def table(self) -> Counter:
        return Counter((r.seed, r.kind, r.status) for r in self.results)


# Seeds ---------------------------------------------------------------------------------------

def first_lines(data: bytes, lines: int) -> bytes:
    """The header and the first `lines` rows, keeping the file's own line ends."""
    end = 0
    for _ in range(lines + 1):
        end = data.index(b"\n", end) + 1
    return data[:end]


def cbp_seed(shared: Path, rows: int = 120) -> bytes:
    return first_lines((shared / SOUTHWEST_CSV).read_bytes(), rows)


def _cut_csv(data: bytes, rows: int) -> bytes:
    """The first `rows` records of a CSV whose line ends may be CR only and whose quoted
    fields may hold line breaks, without a final line end (as ICE's files are written)."""
    text = data.decode("latin-1")
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream)
    position = 0
    for _ in range(rows + 1):  # csv gives no offsets, but its stream does
        if next(reader, None) is None:
            return data
        position = stream.tell()
    return text[:position].rstrip("\r\n").encode("latin-1")


def ice_seed(shared: Path, folder: Path, rows: int = 40) -> Path:
    """ICE's files in their layout, each cut to its first `rows` rows, in `folder`."""
    source = shared / "ice"
    for relative, kind in ICE_FILES.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if kind == "parquet":
            table = pq.read_table(source / relative)
            pq.write_table(table.slice(0, rows * 10), target)
        elif kind in ("csv", "tsv"):
            target.write_bytes(_cut_csv((source / relative).read_bytes(), rows))
        else:
            shutil.copy(source / relative, target)
    return folder


def eoir_seed(folder: Path, cases: int = 40, seed: int = 5) -> Path:
    from immtrack.synth.eoir import DefectPlan, write_eoir_release

    write_eoir_release(folder, cases, seed=seed, defects=DefectPlan.none())
    return folder


# Mutations -----------------------------------------------------------------------------------

WINDOWS_1252 = [b"\x93", b"\x94", b"\x96", b"\x97", b"\x85", b"\x80", b"\x9f", b"\x81"]
INSERTS = [*WINDOWS_1252, b"\r", b"\n", b"\x00", b'"', b"\t", b",", b"\xff\xfe", b"\xef\xbb\xbf"]


def line_starts(data: bytes) -> list[int]:
    starts = [0]
    for index, byte in enumerate(data):
        if byte == 0x0A and index + 1 < len(data):
            starts.append(index + 1)
    return starts


def _line_end(data: bytes) -> bytes:
    return b"\r\n" if b"\r\n" in data else b"\n" if b"\n" in data else b"\r"


def _lines(data: bytes) -> list[bytes]:
    end = _line_end(data)
    body = data[:-len(end)] if data.endswith(end) else data
    return body.split(end)


def _join(lines: list[bytes], end: bytes, final: bool) -> bytes:
    return end.join(lines) + (end if final else b"")


def truncate(data: bytes, where: float, file_type: str) -> Mutation:
    """Cut the file. A cut is detectable, and must be refused, when it leaves the last row
    without the line end the format has, or (for ICE's files, written without a final line
    end) with fewer fields than the header, or breaks a binary format."""
    cut = max(1, min(len(data) - 1, int(len(data) * where)))
    piece = data[:cut]
    end = _line_end(data)
    if file_type in ("parquet", "xlsx"):
        detectable = True
    elif data.endswith(end):
        detectable = not piece.endswith(end)
    else:
        text = piece.decode("latin-1")
        delimiter = "\t" if file_type == "tsv" else ","
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        detectable = bool(rows) and len(rows[-1]) < len(rows[0]) and not text.endswith(
            ("\r", "\n"))
    return Mutation("truncate", f"cut at byte {cut} of {len(data)}", piece,
                    cut_mid_row=detectable)


def flip(data: bytes, where: float, value: int) -> Mutation:
    at = min(len(data) - 1, int(len(data) * where))
    return Mutation("flip", f"byte {at} -> 0x{value:02x}",
                    data[:at] + bytes([value]) + data[at + 1:])


def insert(data: bytes, where: float, piece: bytes) -> Mutation:
    at = min(len(data), int(len(data) * where))
    kind = "cp1252" if piece in WINDOWS_1252 else "insert"
    return Mutation(kind, f"{piece!r} at byte {at}", data[:at] + piece + data[at:])


def duplicate_line(data: bytes, where: float) -> Mutation:
    lines, end = _lines(data), _line_end(data)
    index = 1 + int((len(lines) - 1) * where) if len(lines) > 1 else 0
    index = min(index, len(lines) - 1)
    copy = [*lines[:index + 1], lines[index], *lines[index + 1:]]
    return Mutation("duplicate-line", f"line {index + 1} twice",
                    _join(copy, end, data.endswith(end)), added_rows=1 if index else 0)


def repeat_header(data: bytes, where: float) -> Mutation:
    lines, end = _lines(data), _line_end(data)
    index = 1 + int((len(lines) - 1) * where)
    copy = [*lines[:index], lines[0], *lines[index:]]
    return Mutation("repeat-header", f"header again before line {index + 1}",
                    _join(copy, end, data.endswith(end)), added_rows=1)


def reencode(data: bytes, encoding: str) -> Mutation:
    text = data.decode("latin-1")
    return Mutation("re-encode", encoding, text.encode(encoding, errors="replace"))


def oversize_field(data: bytes, where: float, size: int) -> Mutation:
    lines, end = _lines(data), _line_end(data)
    index = min(len(lines) - 1, 1 + int((len(lines) - 1) * where))
    lines[index] = lines[index] + b"X" * size
    return Mutation("oversize", f"{size:,} bytes appended to line {index + 1}",
                    _join(lines, end, data.endswith(end)))


def huge_number(data: bytes, where: float, delimiter: bytes) -> Mutation:
    lines, end = _lines(data), _line_end(data)
    index = min(len(lines) - 1, 1 + int((len(lines) - 1) * where))
    fields = lines[index].split(delimiter)
    fields[-1] = b"9" * 30
    lines[index] = delimiter.join(fields)
    return Mutation("huge-number", f"30 digits in the last field of line {index + 1}",
                    _join(lines, end, data.endswith(end)))


def impossible_year(data: bytes, where: float, year: bytes) -> Mutation:
    """CBP: one row's fiscal year (the first field) becomes `year`."""
    lines, end = _lines(data), _line_end(data)
    index = min(len(lines) - 1, 1 + int((len(lines) - 1) * where))
    fields = lines[index].split(b",")
    fields[0] = year
    lines[index] = b",".join(fields)
    return Mutation("impossible-year", f"FY{year.decode()} on line {index + 1}",
                    _join(lines, end, data.endswith(end)), impossible_year=True)


def drop_final_line_end(data: bytes) -> Mutation:
    end = _line_end(data)
    trimmed = data[:-len(end)] if data.endswith(end) else data
    return Mutation("no-final-line-end", "the last line end removed", trimmed,
                    cut_mid_row=data.endswith(end))


def empty(data: bytes, header_only: bool) -> Mutation:
    if header_only:
        lines, end = _lines(data), _line_end(data)
        return Mutation("header-only", "the header line alone", lines[0] + end)
    return Mutation("empty", "zero bytes", b"")


def parquet_mutation(data: bytes, kind: str, where: float) -> Mutation:
    table = pq.read_table(pa.BufferReader(data))
    row = min(table.num_rows - 1, int(table.num_rows * where))
    column = min(table.num_columns - 1, int(table.num_columns * where))
    added = 0
    if kind == "duplicate-row":
        table = pa.concat_tables([table.slice(0, row + 1), table.slice(row, 1),
                                  table.slice(row + 1)])
        added = 1
    elif kind == "drop-column":
        table = table.remove_column(column)
    elif kind == "column-as-text":
        name = table.column_names[column]
        table = table.set_column(column, name, pa.array(
            [None if v is None else f"x{v}" for v in table.column(column).to_pylist()],
            pa.string()))
    elif kind == "null-column":
        name = table.column_names[column]
        table = table.set_column(column, name, pa.nulls(table.num_rows, pa.null()))
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return Mutation(kind, f"row {row}, column {column}", sink.getvalue(), added_rows=added)


def xlsx_mutation(data: bytes, kind: str, where: float) -> Mutation:
    """Changes inside the workbook's first sheet XML, the zip kept valid."""
    source = zipfile.ZipFile(io.BytesIO(data))
    sheets = sorted(n for n in source.namelist() if n.startswith("xl/worksheets/sheet"))
    target = sheets[min(len(sheets) - 1, int(len(sheets) * where))]
    xml = source.read(target)
    if kind == "far-cell":
        marker = xml.rfind(b"</sheetData>")
        xml = (xml[:marker] + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
               + xml[marker:])
    elif kind == "xml-truncate":
        xml = xml[:max(1, int(len(xml) * where))]
    elif kind == "xml-flip":
        at = min(len(xml) - 1, int(len(xml) * where))
        xml = xml[:at] + b"<" + xml[at + 1:]
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info, xml if info.filename == target else source.read(info))
    return Mutation(kind, f"{target}", sink.getvalue())


# Independent counts --------------------------------------------------------------------------

def csv_records(data: bytes, delimiter: str = ",", encoding: str = "latin-1") -> int:
    """Data records of a CSV, blank lines skipped, counted by Python's csv module."""
    text = data.decode(encoding, errors="replace")
    limit = csv.field_size_limit(1 << 30)  # the counting here must not be what fails
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    finally:
        csv.field_size_limit(limit)
    return sum(1 for r in rows[1:] if any(f.strip() for f in r))


def tab_records(data: bytes) -> int:
    """Data rows of an EOIR table: non-empty records after the header, a record ending with
    the header's line end (CRLF in EOIR's files; a lone LF inside a row does not end it)."""
    first = data.split(b"\n", 1)[0]
    end = b"\r\n" if first.endswith(b"\r") else b"\n"
    records = data.split(end)
    if records and records[-1] == b"":
        records.pop()
    return sum(1 for r in records[1:] if r.strip(b"\r\n"))


def workbook_rows(path: Path) -> dict[str, int]:
    """Non-empty rows below the header of every sheet, counted by openpyxl."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    counts = {sheet.title: sum(1 for row in sheet.iter_rows(min_row=2, values_only=True)
                               if any(c not in (None, "") for c in row))
              for sheet in book.worksheets}
    book.close()
    return counts


def lake_rows(home: Path, release_id: str, table: str, source_file: str | None = None) -> int:
    """Rows of one table (and file) in a release's Parquet files, read with pyarrow."""
    total = 0
    for path in sorted((home / "lake" / table).glob(f"{release_id}*.parquet")):
        if source_file is None:
            total += pq.read_metadata(path).num_rows
        else:
            column = pq.read_table(path, columns=["source_file"]).column(0).to_pylist()
            total += sum(1 for v in column if v == source_file)
    return total


def quarantined(home: Path, release_id: str, source_file: str) -> int:
    return lake_rows(home, release_id, "quarantine", source_file)


# Running -------------------------------------------------------------------------------------

@contextlib.contextmanager
def deadline(seconds: int):
    def alarm(signum, frame):
        raise Hang(f"no answer after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _listing(root: Path, skip: set[Path]) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")
            if not any(p.is_relative_to(s) for s in skip)}


def guarded(seed: str, mutation: Mutation, root: Path, home: Path, inputs: Path,
            ingest) -> Result:
    """Run `ingest()` and classify: refused, published (checked by the caller), or a finding."""
    before = _listing(root, {home, inputs})
    try:
        with deadline(HANG_SECONDS):
            outcome = ingest()
    except BadFileError as error:
        outcome = error
    except ImmtrackError as error:
        return Result(seed, mutation.kind, mutation.detail, "other-error", str(error))
    except Hang as error:
        return Result(seed, mutation.kind, mutation.detail, "hang", str(error))
    except BaseException as error:  # noqa: BLE001 - a traceback is what we are looking for
        if isinstance(error, KeyboardInterrupt):
            raise
        lines = traceback.format_exception(error)
        return Result(seed, mutation.kind, mutation.detail, "traceback",
                      f"{type(error).__name__}: {str(error)[:300]} | {lines[-2].strip()[:300]}")
    after = _listing(root, {home, inputs})
    if after - before:
        return Result(seed, mutation.kind, mutation.detail, "wrote-outside",
                      ", ".join(sorted(after - before)))
    return outcome


def _refusal(seed, mutation, message: str, file_name: str) -> Result:
    if file_name not in message and Path(file_name).stem not in message:
        return Result(seed, mutation.kind, mutation.detail, "refused-unnamed", message[:300])
    return Result(seed, mutation.kind, mutation.detail, "refused", message[:200])


def run_cbp(seed: str, mutation: Mutation, root: Path, home: Path, file_name: str,
            original_loaded: int) -> Result:
    from immtrack.ingest import ingest_cbp

    inputs = root / "inputs"
    shutil.rmtree(inputs, ignore_errors=True)
    inputs.mkdir(parents=True)
    path = inputs / file_name
    path.write_bytes(mutation.data)
    outcome = guarded(seed, mutation, root, home, inputs,
                      lambda: ingest_cbp(home, [str(path)], progress=False)[0])
    if isinstance(outcome, Result):
        return outcome
    if isinstance(outcome, BadFileError) or outcome.status == "refused":
        return _refusal(seed, mutation, str(outcome) if isinstance(outcome, BadFileError)
                        else outcome.message, file_name)
    if outcome.status == "unchanged":
        return Result(seed, mutation.kind, mutation.detail, "unchanged")
    release = outcome.release_id
    loaded = lake_rows(home, release, "core_cbp__encounters", file_name)
    kept = quarantined(home, release, file_name)
    if file_name.endswith(".xlsx"):
        try:
            read = sum(workbook_rows(path).values())
        except Exception as error:  # noqa: BLE001 - published, yet openpyxl cannot read it
            return Result(seed, mutation.kind, mutation.detail, "miscount",
                          f"published, but openpyxl cannot read it: {error}"[:300])
    else:
        read = csv_records(mutation.data, encoding="utf-8-sig")
    return check_published(seed, mutation, read, loaded, kept, original_loaded, home, release)


def check_published(seed, mutation, read, loaded, kept, original_loaded, home, release,
                    ) -> Result:
    def finding(status: str, message: str) -> Result:
        return Result(seed, mutation.kind, mutation.detail, status, message)

    if read != loaded + kept:
        return finding("miscount", f"read {read} (counted here) != loaded {loaded} + "
                                   f"quarantined {kept} (in the lake)")
    if mutation.cut_mid_row:
        return finding("truncated-published", f"cut mid-row and published: {loaded} rows "
                                              f"loaded of {original_loaded}")
    if mutation.added_rows and loaded > original_loaded:
        return finding("duplicate-loaded", f"{loaded} rows loaded, {original_loaded} in the "
                                           "original file")
    if mutation.impossible_year:
        import duckdb

        with duckdb.connect(str(home / "catalog.duckdb"), read_only=True) as con:
            through = con.execute("SELECT data_through FROM releases WHERE release_id = ?",
                                  [release]).fetchone()[0]
        if through is not None and not 2000 <= through.year <= 2030:
            return finding("impossible-year-published", f"data_through {through}")
    return Result(seed, mutation.kind, mutation.detail, "published")


def run_folder(seed: str, mutation: Mutation, root: Path, home: Path, pristine: Path,
               relative: str, ingest, count) -> Result:
    """Copy the seed folder, replace one file with the mutated bytes, ingest the folder."""
    inputs = root / "inputs"
    shutil.rmtree(inputs, ignore_errors=True)
    shutil.copytree(pristine, inputs)
    path = inputs / relative
    path.write_bytes(mutation.data)
    outcome = guarded(seed, mutation, root, home, inputs, lambda: ingest(inputs))
    if isinstance(outcome, Result):
        return outcome
    name = Path(relative).name
    if isinstance(outcome, BadFileError) or outcome.status == "refused":
        message = str(outcome) if isinstance(outcome, BadFileError) else outcome.message
        return _refusal(seed, mutation, message, name)
    if outcome.status == "unchanged":
        return Result(seed, mutation.kind, mutation.detail, "unchanged")
    read, loaded, kept, original = count(path, outcome.release_id)
    return check_published(seed, mutation, read, loaded, kept, original, home,
                           outcome.release_id)


def save(results: list[Result], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([vars(r) for r in results], indent=1))


def environment_ok() -> bool:
    return os.name == "posix"


TEXT_KINDS = ("truncate", "flip", "insert", "cp1252", "duplicate-line", "repeat-header",
              "re-encode", "oversize", "huge-number", "no-final-line-end", "empty",
              "header-only")
CBP_KINDS = (*TEXT_KINDS, "impossible-year")
PARQUET_KINDS = ("truncate", "flip", "duplicate-row", "drop-column", "column-as-text",
                 "null-column", "empty")
XLSX_KINDS = ("truncate", "flip", "far-cell", "xml-truncate", "xml-flip", "empty")


def kinds_for(file_type: str) -> tuple[str, ...]:
    return {"cbp": CBP_KINDS, "parquet": PARQUET_KINDS, "xlsx": XLSX_KINDS}.get(
        file_type, TEXT_KINDS)


def mutate(data: bytes, file_type: str, kind: str, where: float, value: int) -> Mutation:
    """One mutation of `data`, a file of `file_type` (cbp, csv, tsv, eoir, parquet, xlsx);
    `where` in [0, 1) places it, `value` (0-255) picks a byte or a variant."""
    delimiter = b"\t" if file_type in ("tsv", "eoir") else b","
    if kind == "truncate":
        return truncate(data, where, file_type)
    if kind == "flip":
        return flip(data, where, value)
    if kind == "empty":
        return empty(data, header_only=False)
    if kind == "header-only":
        return empty(data, header_only=True)
    if kind == "insert":
        return insert(data, where, INSERTS[value % len(INSERTS)])
    if kind == "cp1252":
        return insert(data, where, WINDOWS_1252[value % len(WINDOWS_1252)])
    if kind == "duplicate-line":
        return duplicate_line(data, where)
    if kind == "repeat-header":
        return repeat_header(data, where)
    if kind == "re-encode":
        return reencode(data, ("utf-16", "cp1252", "utf-8")[value % 3])
    if kind == "oversize":
        return oversize_field(data, where, 200_000)
    if kind == "huge-number":
        return huge_number(data, where, delimiter)
    if kind == "no-final-line-end":
        return drop_final_line_end(data)
    if kind == "impossible-year":
        return impossible_year(data, where, (b"2099", b"1999", b"2031")[value % 3])
    if file_type == "parquet":
        return parquet_mutation(data, kind, where)
    if file_type == "xlsx":
        return xlsx_mutation(data, kind, where)
    raise ValueError(f"no mutation {kind!r} for {file_type}")


# The three readers ---------------------------------------------------------------------------

class CbpTarget:
    """CBP's southwest CSV (first rows) and the OHSS workbook, one lake."""

    def __init__(self, shared: Path, root: Path, rows: int = 120):
        self.root, self.home = root, root / "home"
        self.csv = cbp_seed(shared, rows)
        self.csv_name = Path(SOUTHWEST_CSV).name
        self.xlsx = (shared / KHSM_XLSX).read_bytes()
        self.xlsx_name = Path(KHSM_XLSX).name
        self.original = {self.csv_name: csv_records(self.csv, encoding="utf-8-sig")}
        book = root / "seed" / self.xlsx_name
        book.parent.mkdir(parents=True, exist_ok=True)
        book.write_bytes(self.xlsx)
        self.original[self.xlsx_name] = sum(workbook_rows(book).values())

    def run(self, file_type: str, mutation: Mutation) -> Result:
        name = self.xlsx_name if file_type == "xlsx" else self.csv_name
        return run_cbp("cbp-" + file_type, mutation, self.root, self.home, name,
                       self.original[name])


class IceTarget:
    def __init__(self, shared: Path, root: Path, rows: int = 40):
        self.root, self.home = root, root / "home"
        self.pristine = ice_seed(shared, root / "seed", rows)
        self.original = {rel: self._read(self.pristine / rel, kind)
                         for rel, kind in ICE_FILES.items()}

    @staticmethod
    def _read(path: Path, kind: str) -> int:
        data = path.read_bytes()
        if kind == "parquet":
            return pq.read_metadata(path).num_rows
        if kind == "xlsx":
            return workbook_rows(path).get("Facility List - Main", 0)
        return csv_records(data, delimiter="\t" if kind == "tsv" else ",")

    def _loaded(self, relative: str, release: str) -> int:
        name = Path(relative).name
        if relative.startswith("offices/uwchr"):
            return lake_rows(self.home, release, "core_ice__offices")
        if relative.startswith("offices/ice-areas"):
            return lake_rows(self.home, release, "core_ice__aor_counties")
        if name == "facilities.parquet":
            return lake_rows(self.home, release, "core_ice__facility_population", name)
        if relative.startswith("detention_management_stats"):
            return lake_rows(self.home, release, "core_ice__monthly", name)
        return lake_rows(self.home, release, "raw_ice__facility_lists", name)

    def data(self, relative: str) -> bytes:
        return (self.pristine / relative).read_bytes()

    def run(self, relative: str, mutation: Mutation) -> Result:
        from immtrack.ingest import ingest_ice

        kind = ICE_FILES[relative]

        def count(path: Path, release: str):
            try:
                read = self._read(path, kind)
            except Exception:  # noqa: BLE001 - the harness cannot read it either
                read = -1
            return (read, self._loaded(relative, release),
                    quarantined(self.home, release, Path(relative).name),
                    self.original[relative])

        return run_folder("ice-" + kind, mutation, self.root, self.home, self.pristine,
                          relative, lambda folder: ingest_ice(self.home, folder), count)


class EoirTarget:
    def __init__(self, root: Path, cases: int = 40):
        from immtrack.schema.eoir import EOIR_TABLES

        self.root, self.home = root, root / "home"
        self.pristine = eoir_seed(root / "seed", cases)
        self.tables = {t.file_name: t for t in EOIR_TABLES.values()}
        self.files = sorted([*self.tables, *(f"Lookup/{p.name}" for p in
                                             (self.pristine / "Lookup").glob("*.csv"))])

    def data(self, relative: str) -> bytes:
        return (self.pristine / relative).read_bytes()

    @staticmethod
    def _records(data: bytes, relative: str) -> int:
        if relative.startswith("Lookup/"):  # lookups are read line by line, blanks skipped
            lines = re.split(rb"\r\n|\r|\n", data)  # not str.splitlines: 0x85 is no break
            if lines and lines[-1] == b"":
                lines.pop()
            return sum(1 for line in lines[1:]
                       if line.decode("latin-1").replace("\x00", "").strip())
        return tab_records(data)

    def run(self, relative: str, mutation: Mutation) -> Result:
        from immtrack.ingest import ingest_eoir

        original = self._records(self.data(relative), relative)
        if relative.startswith("Lookup/") and mutation.kind == "duplicate-line":
            # A lookup may list a code twice (inactive entries); the views take one.
            mutation = Mutation(mutation.kind, mutation.detail, mutation.data,
                                mutation.cut_mid_row)

        def count(path: Path, release: str):
            read = self._records(path.read_bytes(), relative)
            if relative.startswith("Lookup/"):
                loaded = lake_rows(self.home, release, "raw_eoir__lookups", relative)
                kept = quarantined(self.home, release, relative)
            else:
                loaded = lake_rows(self.home, release, self.tables[relative].lake_table)
                kept = quarantined(self.home, release, relative)
            return read, loaded, kept, original

        return run_folder("eoir-" + ("lookup" if "/" in relative else "table"), mutation,
                            self.root, self.home, self.pristine, relative,
                          lambda folder: ingest_eoir(self.home, str(folder)), count)
