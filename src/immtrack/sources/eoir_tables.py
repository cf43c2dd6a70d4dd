"""Read one EOIR FOIA table file into typed Parquet, in DuckDB, repairing what can be repaired.

EOIR's ".csv" files are tab-delimited Latin-1 text without quoting, with NUL bytes, stray
double quotes, blanks, single spaces and "N/A" for missing values, text datetimes, and a few rows
with an extra tab. The fast path is one DuckDB COPY: every column is read as text, cleaned and
typed by SQL expressions, and written to Parquet. Rows DuckDB cannot split into the header's
number of fields land in a rejects table with their line number and raw text; they are few, so
they are repaired here in Python (an extra tab is merged back when exactly one merge makes every
column parse as its type) or quarantined. Values that do not parse as their column's type, and
implausible dates, are kept: the typed column is null and the row's `data_issues` names the
column and the raw value.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from immtrack.errors import BadFileError
from immtrack.lake.quarantine import QuarantineLog
from immtrack.lake.sql import sql_identifier, sql_list, sql_string
from immtrack.schema.eoir import Column

EXTRA_FIELD = "immtrack_extra_field"
NULL_TOKENS = ("", " ", "N/A")
# EOIR writes SQL Server datetimes ("2019-03-04 00:00:00.000"); older dumps also used dates
# alone and US-style dates.
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S.%g", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%m/%d/%Y %H:%M:%S",
                "%m/%d/%Y", "%d-%b-%y")
# Dates before this year cannot be immigration-court events in this database (it starts in the
# 1980s); EOIR's placeholder dates sit in 1900. They are kept and flagged, not corrected.
EARLIEST_PLAUSIBLE_YEAR = 1951


@dataclass
class RepairLog:
    """Every repaired row: file, line, the raw text before and the fields after."""

    entries: list[dict] = field(default_factory=list)

    def add(self, file: str, line: int, before: str, after: list[str], how: str) -> None:
        self.entries.append({"file": file, "line": line, "before": before,
                             "after": "\t".join(after), "repair": how})


@dataclass(frozen=True)
class TableCount:
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_repaired: int


def _clean_sql(column: Column, dirty: bool) -> str:
    """Null tokens become NULL; NUL bytes and stray quotes are removed only in the columns
    where the file has any (stripping every value would cost a third of the read). Values are
    otherwise kept as written: TRY_CAST ignores the spaces around numbers and dates."""
    text = sql_identifier(column.name)
    if dirty:
        text = f"""replace(replace({text}, chr(0), ''), '"', '')"""
    tokens = ", ".join(sql_string(t) for t in NULL_TOKENS)
    return f"CASE WHEN {text} IN ({tokens}) THEN NULL ELSE {text} END AS {_raw(column)}"


def _raw(column: Column) -> str:
    return sql_identifier(f"raw {column.name}")


def _typed_sql(column: Column) -> tuple[str, str | None]:
    """The typed expression over the cleaned text, and one naming the problem when the text
    does not parse (or, for dates, parses to an implausible year)."""
    name, raw = sql_identifier(column.name), _raw(column)
    if column.kind == "Numeric":
        return f"TRY_CAST({raw} AS BIGINT) AS {name}", (
            f"CASE WHEN {name} IS NULL AND {raw} IS NOT NULL THEN "
            f"{sql_string(column.name + ': not a number (')} || {raw} || ')' END")
    if column.kind == "Date":
        # The ISO cast is fast and takes EOIR's usual format; other layouts fall through.
        formats = sql_list(DATE_FORMATS)
        return f"coalesce(TRY_CAST({raw} AS TIMESTAMP), TRY_STRPTIME(trim({raw}), " \
               f"{formats})) AS {name}", (
                   f"""CASE WHEN {name} IS NULL AND {raw} IS NOT NULL THEN
                         {sql_string(column.name + ': not a date (')} || {raw} || ')'
                       WHEN {name} < TIMESTAMP '{EARLIEST_PLAUSIBLE_YEAR}-01-01' THEN
                         {sql_string(column.name + ': implausible date (')} || {raw} || ')' END""")
    return f"{raw} AS {name}", None


def select_sql(columns: list[Column], source: str, *, release_id: str,
               dirty_columns: frozenset[int] = frozenset()) -> str:
    """Three steps, so each value is cleaned and parsed once: clean the text, type it, then
    name the values that did not parse."""
    cleaned = ", ".join(_clean_sql(c, i in dirty_columns) for i, c in enumerate(columns))
    typed, issues = [], []
    for column in columns:
        expression, issue = _typed_sql(column)
        typed.append(expression)
        if issue:
            issues.append(issue)
    raws = "".join(f", {_raw(c)}" for c in columns if c.kind != "String")
    issue_list = f"nullif(concat_ws('; ', {', '.join(issues)}), '')" if issues else "NULL"
    names = ", ".join(sql_identifier(c.name) for c in columns)
    return f"""
        SELECT {names}, {issue_list}::VARCHAR AS data_issues, {sql_string(release_id)} AS release_id
        FROM (SELECT {', '.join(typed)}{raws} FROM (SELECT {cleaned} FROM {source}))"""


@dataclass(frozen=True)
class FileScan:
    """What one pass over a table's bytes tells: its hash, lines and tabs (a file whose tabs
    add up needs no check for stray fields), and the columns holding NULs or quotes."""

    sha256: str
    lines: int
    tabs: int
    dirty_columns: frozenset[int]

    def extra_fields(self, columns: int) -> int:
        """Fields beyond `columns` per line, summed over the file (negative for short rows)."""
        return self.tabs - self.lines * (columns - 1)


def scan_file(path: Path) -> FileScan:
    # Hashing runs in a second thread (hashlib releases the GIL) while this one counts.
    digest = hashlib.sha256()
    lines = tabs = 0
    dirty: set[int] = set()
    tail = b""  # the unfinished last line of the previous chunk
    with open(path, "rb") as stream, ThreadPoolExecutor(1) as hasher:
        hashing = None
        while chunk := stream.read(1 << 24):
            if hashing:
                hashing.result()
            hashing = hasher.submit(digest.update, chunk)
            lines += chunk.count(b"\n")
            tabs += chunk.count(b"\t")
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
    return FileScan(digest.hexdigest(), lines + bool(tail), tabs, frozenset(dirty))


def read_header(path: Path, name: str) -> list[str]:
    with open(path, "rb") as stream:
        first = stream.readline()
    if not first.strip():
        raise BadFileError(name, "the file is empty", hint="the release may be incomplete")
    return first.rstrip(b"\r\n").decode("latin-1").replace("\x00", "").split("\t")


def check_header(name: str, header: list[str], columns: list[Column],
                 aliases: dict[str, tuple[str, ...]] | None = None) -> None:
    """The header must list the layout's columns in order; older spellings are accepted."""
    expected = [c.name for c in columns]
    accepted = [{e.casefold(), *(a.casefold() for a in (aliases or {}).get(e, ()))}
                for e in expected]
    found = [h.strip().casefold() for h in header]
    if len(found) == len(expected) and all(f in a for f, a in zip(found, accepted, strict=True)):
        return
    missing = [e for e in expected if e.casefold() not in {h.strip().casefold() for h in header}]
    unexpected = [h for h in header if h.strip().casefold() not in {e.casefold()
                                                                    for e in expected}]
    parts = []
    if missing:
        parts.append("missing " + ", ".join(missing))
    if unexpected:
        parts.append("unexpected " + ", ".join(unexpected))
    if not parts:
        parts.append("the columns are in another order than " + ", ".join(expected))
    raise BadFileError(name, "the header does not match EOIR's layout: " + "; ".join(parts),
                       line=1, hint="EOIR may have changed this table; immtrack never guesses "
                                    "which column is which")


def _parses(value: str, kind: str) -> bool:
    text = value.replace("\x00", "").replace('"', "").strip()
    if text in NULL_TOKENS or kind == "String":
        return True
    if kind == "Numeric":
        return text.lstrip("-").isdigit()
    for pattern in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%m/%d/%Y"):
        try:
            datetime.strptime(text, pattern)
            return True
        except ValueError:
            continue
    return False


def repair_extra_fields(fields: list[str], columns: list[Column]) -> list[list[str]]:
    """Every distinct way of merging one tab back into a field that leaves all columns parsing.

    A row with k extra fields had k tabs inside values; only one extra is repaired, because
    with more the combinations stop being identifiable.
    """
    if len(fields) != len(columns) + 1:
        return []
    candidates = []
    for i in range(len(columns)):
        merged = [*fields[:i], fields[i] + " " + fields[i + 1], *fields[i + 2:]]
        fits = columns[i].kind == "String" and all(
            _parses(v, c.kind) for v, c in zip(merged, columns, strict=True))
        if fits and merged not in candidates:
            candidates.append(merged)
    return candidates


def _watch_progress(con: duckdb.DuckDBPyConnection, report: Callable[[float], None],
                    done: threading.Event) -> None:
    while not done.wait(0.2):
        percentage = con.query_progress()
        if percentage >= 0:
            report(percentage)


def _csv_source(path: Path, columns: list[Column], rejects: str, *, sentinel: bool) -> str:
    """DuckDB's reader with every dialect option fixed (no sniffing: it could take '#' for a
    comment). With `sentinel`, a typed extra column catches rows with one field too many, even
    an empty trailing one, which DuckDB otherwise accepts by dropping it; short rows are padded
    with nulls and told apart because empty fields stay '' (nullstr is a byte EOIR never
    writes)."""
    spec = {c.name: "VARCHAR" for c in columns}
    options = ""
    if sentinel:
        spec[EXTRA_FIELD] = "UUID"
        options = "nullstr = '\x01', null_padding = true, "
    listing = "{" + ", ".join(f"{sql_string(k)}: {sql_string(v)}" for k, v in spec.items()) + "}"
    return (f"read_csv({sql_string(path)}, columns = {listing}, auto_detect = false, "
            "header = true, "
            f"delim = '\t', quote = '', escape = '', encoding = 'latin-1', {options}"
            f"store_rejects = true, rejects_table = {sql_string(rejects)}, "
            f"rejects_scan = {sql_string(rejects + '_scan')})")


def _rejected(con: duckdb.DuckDBPyConnection, rejects: str, error_type: str | None = None
              ) -> list[tuple[int, str]]:
    where = f"WHERE error_type = {sql_string(error_type)}" if error_type else ""
    rows = con.execute(f"SELECT line, any_value(csv_line) FROM {rejects} {where} "
                       "GROUP BY line ORDER BY line").fetchall()
    con.execute(f"DROP TABLE IF EXISTS {rejects}")
    con.execute(f"DROP TABLE IF EXISTS {rejects}_scan")
    # DuckDB keeps the line ends around a rejected line.
    return [(line, raw.strip("\r\n")) for line, raw in rows]


def _copy(con: duckdb.DuckDBPyConnection, sql: str, parquet: Path,
          progress: Callable[[float], None] | None) -> int:
    done = threading.Event()
    if progress:
        threading.Thread(target=_watch_progress, args=(con, progress, done), daemon=True).start()
    try:
        return con.execute(f"COPY ({sql}) TO {sql_string(parquet)} "
                           "(FORMAT parquet, COMPRESSION zstd)"
                           ).fetchone()[0]
    finally:
        done.set()


def _load(con, path: Path, columns: list[Column], parquet: Path, scan: FileScan,
          release_id: str, progress) -> tuple[int, list[tuple[int, str]], list[tuple[int, str]]]:
    """COPY the table; return rows loaded, rows with too many fields, rows with too few.

    DuckDB's own reader rejects short rows and rows with a non-empty extra field, with their
    line, but silently drops an empty trailing one. A file whose tabs add up to no extra field
    at all, or to exactly the extra fields the rejects hold, hides none and needs one pass.
    Otherwise the table is read with a sentinel column that catches every extra field (short
    rows are then padded, so a plain pass still names those, when there are any)."""
    rejects = f"rejects_{abs(hash((str(path), release_id)))}"

    def plain(copy: bool) -> tuple[int, list[tuple[int, str]]]:
        source = _csv_source(path, columns, rejects, sentinel=False)
        if copy:
            return _copy(con, select_sql(columns, source, release_id=release_id,
                                         dirty_columns=scan.dirty_columns), parquet,
                         progress), _rejected(con, rejects)
        con.execute(f"SELECT count(*) FROM {source}").fetchall()
        return 0, _rejected(con, rejects)

    def split(rejected):
        too_long = [(line, raw) for line, raw in rejected if raw.count("\t") >= len(columns)]
        return too_long, [r for r in rejected if r[1].count("\t") < len(columns) - 1]

    if scan.extra_fields(len(columns)) <= 0:
        loaded, rejected = plain(copy=True)
        if sum(raw.count("\t") + 1 - len(columns) for _, raw in rejected) == \
                scan.extra_fields(len(columns)):
            return loaded, *split(rejected)
    # Naming the sentinel makes DuckDB cast it (an unused column would not be read at all).
    source = (f'{_csv_source(path, columns, rejects, sentinel=True)} '
              f"WHERE {sql_identifier(columns[-1].name)} IS NOT NULL AND {EXTRA_FIELD} IS NULL")
    loaded = _copy(con, select_sql(columns, source, release_id=release_id,
                                   dirty_columns=scan.dirty_columns), parquet, progress)
    too_long = _rejected(con, rejects)
    short = []
    if scan.lines - 1 > loaded + len(too_long):
        short = split(plain(copy=False)[1])[1]
    return loaded, too_long, short


def read_table(con: duckdb.DuckDBPyConnection, path: Path, name: str, columns: list[Column],
               parquet: Path, *, release_id: str, log: QuarantineLog, repairs: RepairLog,
               repaired_parquet: Path, scan: FileScan | None = None,
               aliases: dict[str, tuple[str, ...]] | None = None,
               progress: Callable[[float], None] | None = None) -> TableCount:
    """Read one table file into `parquet` (and repaired rows into `repaired_parquet`)."""
    check_header(name, read_header(path, name), columns, aliases)
    scan = scan or scan_file(path)
    loaded, too_long, short = _load(con, path, columns, parquet, scan, release_id, progress)
    repaired_rows = []
    for line, raw in too_long:
        fields = raw.split("\t")
        candidates = repair_extra_fields(fields, columns)
        if len(candidates) == 1:
            repairs.add(name, line, raw, candidates[0], "merged an extra tab into a text field")
            repaired_rows.append(candidates[0])
            continue
        reason = "ambiguous-extra-field" if len(candidates) > 1 else "wrong-field-count"
        detail = (f"{len(fields)} fields where the header has {len(columns)}"
                  + (f"; {len(candidates)} ways to merge them back" if candidates else ""))
        log.keep(source_file=name, line=line, reason=reason, detail=detail, raw_row=raw)
    for line, raw in short:
        log.keep(source_file=name, line=line, reason="wrong-field-count", raw_row=raw,
                 detail=f"{raw.count(chr(9)) + 1} fields where the header has {len(columns)}")
    if repaired_rows:
        table = {c.name: [row[i] for row in repaired_rows] for i, c in enumerate(columns)}
        con.register("repaired_rows", pa.table(table))
        repaired_sql = select_sql(columns, "repaired_rows", release_id=release_id,
                                  dirty_columns=frozenset(range(len(columns))))
        con.execute(f"COPY ({repaired_sql}) TO {sql_string(repaired_parquet)} (FORMAT parquet)")
        con.unregister("repaired_rows")
    rejected = len(too_long) + len(short)
    return TableCount(loaded + rejected, loaded + len(repaired_rows),
                      rejected - len(repaired_rows), len(repaired_rows))
