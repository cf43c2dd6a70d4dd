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

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from immtrack.errors import BadFileError
from immtrack.lake.quarantine import QuarantineLog
from immtrack.lake.sql import sql_identifier, sql_list, sql_string
from immtrack.schema.eoir import Column
from immtrack.sources.eoir_text import FileScan, normalize, repeated_header_lines, scan_file

__all__ = ["FileScan", "RepairLog", "TableCount", "read_table", "scan_file"]

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


def _csv_source(path: Path, columns: list[Column], rejects: str, *, sentinel: bool,
                encoding: str = "latin-1", skip: list[str] | None = None) -> str:
    """DuckDB's reader with every dialect option fixed (no sniffing: it could take '#' for a
    comment). With `sentinel`, a typed extra column catches rows with one field too many, even
    an empty trailing one, which DuckDB otherwise accepts by dropping it; short rows are padded
    with nulls and told apart because empty fields stay '' (nullstr is a byte EOIR never
    writes). `skip` is a row to leave out (the header, repeated among the data)."""
    spec = {c.name: "VARCHAR" for c in columns}
    options = ""
    if sentinel:
        spec[EXTRA_FIELD] = "UUID"
        options = "nullstr = '\x01', null_padding = true, "
    listing = "{" + ", ".join(f"'{k}': '{v}'" for k, v in spec.items()) + "}"
    source = (f"read_csv('{_quoted(path)}', columns = {listing}, auto_detect = false, "
              f"header = true, delim = '\t', quote = '', escape = '', encoding = '{encoding}', "
              f"{options}store_rejects = true, rejects_table = '{rejects}', "
              f"rejects_scan = '{rejects}_scan')")
    if skip:
        same = " AND ".join(f""""{c.name}" IS NOT DISTINCT FROM '{_quoted(v)}'"""
                            for c, v in zip(columns, skip, strict=True))
        source = f"(SELECT * FROM {source} WHERE NOT ({same}))"
    return source


def _quoted(text) -> str:
    return str(text).replace("'", "''")


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
        return con.execute(f"COPY ({sql}) TO '{_quoted(parquet)}' "
                           "(FORMAT parquet, COMPRESSION zstd)").fetchone()[0]
    finally:
        done.set()


@dataclass(frozen=True)
class _Source:
    """The text DuckDB reads: the file itself, or its UTF-8 rewrite."""

    path: Path
    scan: FileScan
    encoding: str
    skip: list[str] | None  # the header, when it is repeated among the data


def _load(con, source: _Source, columns: list[Column], parquet: Path, release_id: str,
          progress) -> tuple[int, list[tuple[int, str]], list[tuple[int, str]]]:
    """COPY the table; return rows loaded, rows with too many fields, rows with too few.

    DuckDB's own reader rejects short rows and rows with a non-empty extra field, with their
    line, but silently drops an empty trailing one. A file whose tabs add up to no extra field
    at all, or to exactly the extra fields the rejects hold, hides none and needs one pass.
    Otherwise the table is read with a sentinel column that catches every extra field (short
    rows are then padded, so a plain pass still names those, when there are any)."""
    rejects = f"rejects_{abs(hash((str(source.path), release_id)))}"
    scan, options = source.scan, {"encoding": source.encoding, "skip": source.skip}

    def plain(copy: bool) -> tuple[int, list[tuple[int, str]]]:
        text = _csv_source(source.path, columns, rejects, sentinel=False, **options)
        if copy:
            return _copy(con, select_sql(columns, text, release_id=release_id,
                                         dirty_columns=scan.dirty_columns), parquet,
                         progress), _rejected(con, rejects)
        con.execute(f"SELECT count(*) FROM {text}").fetchall()
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
    text = (f'{_csv_source(source.path, columns, rejects, sentinel=True, **options)} '
            f'WHERE "{columns[-1].name}" IS NOT NULL AND {EXTRA_FIELD} IS NULL')
    loaded = _copy(con, select_sql(columns, text, release_id=release_id,
                                   dirty_columns=scan.dirty_columns), parquet, progress)
    too_long = _rejected(con, rejects)
    short = []
    if scan.lines - 1 > loaded + len(too_long):
        short = split(plain(copy=False)[1])[1]
    return loaded, too_long, short


def _source(path: Path, name: str, header: list[str], scan: FileScan, parquet: Path,
            repairs: RepairLog, log: QuarantineLog) -> tuple[_Source, int]:
    """What DuckDB should read, after refusing a cut file and rewriting a dirty one; the
    repeated header lines are quarantined here. Returns the source and how many there were."""
    if not scan.complete:
        line = scan.lines
        raise BadFileError(name, f"the file ends at byte {scan.size:,}, on line {line}, "
                                 "without its final line end: it looks truncated",
                           line=line, hint="download or extract the release again")
    source = _Source(path, scan, "latin-1", None)
    if scan.needs_rewrite:
        copy = parquet.with_name(parquet.name + ".utf8.txt")
        normalize(path, copy, scan, name, repairs)
        source = _Source(copy, scan_file(copy), "utf-8", None)
    if not scan.header_repeated:
        return source, 0
    with open(source.path, "rb") as stream:
        first = stream.readline()
    skip = first.rstrip(b"\r\n").decode(source.encoding).split("\t")
    lines = repeated_header_lines(source.path, source.scan.line_end, first)
    if not lines or len(skip) != len(header):
        return source, 0
    for line in lines:
        log.keep(source_file=name, line=line, reason="repeated-header", raw_row="\t".join(header),
                 detail="the header line again, in the middle of the data")
    return _Source(source.path, source.scan, source.encoding, skip), len(lines)


# DuckDB's messages when a write fails for want of room or permission, not because of the file.
_DISK_FAILURES = ("No space left on device", "Disk quota exceeded", "File too large",
                  "Read-only file system")


def _is_disk_failure(error: BaseException) -> bool:
    return any(text in str(error) for text in _DISK_FAILURES)


def read_table(con: duckdb.DuckDBPyConnection, path: Path, name: str, columns: list[Column],
               parquet: Path, *, release_id: str, log: QuarantineLog, repairs: RepairLog,
               repaired_parquet: Path, scan: FileScan | None = None,
               aliases: dict[str, tuple[str, ...]] | None = None,
               progress: Callable[[float], None] | None = None,
               key: tuple[str, ...] = ()) -> TableCount:
    """Read one table file into `parquet`; rows rebuilt from their text (repaired, or the first
    of a repeated `key`) go to `repaired_parquet`."""
    header = read_header(path, name)
    check_header(name, header, columns, aliases)
    scan = scan or scan_file(path)
    source, header_lines = _source(path, name, header, scan, parquet, repairs, log)
    try:
        loaded, too_long, short = _load(con, source, columns, parquet, release_id, progress)
    except duckdb.Error as error:
        if _is_disk_failure(error):
            raise  # the lake's disk, not the file: the ingest lock says so in one sentence
        first = " ".join(str(error).split())[:300]
        raise BadFileError(name, f"the table cannot be read as EOIR's tab-delimited text "
                                 f"({first})", hint="the file may be damaged; extract or "
                                                    "download the release again") from None
    rebuilt: dict[int, list[str]] = {}
    for line, raw in too_long:
        fields = raw.split("\t")
        candidates = repair_extra_fields(fields, columns)
        if len(candidates) == 1:
            repairs.add(name, line, raw, candidates[0], "merged an extra tab into a text field")
            rebuilt[line] = candidates[0]
            continue
        reason = "ambiguous-extra-field" if len(candidates) > 1 else "wrong-field-count"
        detail = (f"{len(fields)} fields where the header has {len(columns)}"
                  + (f"; {len(candidates)} ways to merge them back" if candidates else ""))
        log.keep(source_file=name, line=line, reason=reason, detail=detail, raw_row=raw)
    for line, raw in short:
        log.keep(source_file=name, line=line, reason="wrong-field-count", raw_row=raw,
                 detail=f"{raw.count(chr(9)) + 1} fields where the header has {len(columns)}")
    repaired = len(rebuilt)
    _write_rows(con, list(rebuilt.values()), columns, repaired_parquet, release_id)
    rejected = len(too_long) + len(short)
    removed = remove_repeated_keys(con, source, columns, key, parquet, repaired_parquet,
                                   rebuilt, {line for line, _ in [*too_long, *short]},
                                   name=name, log=log, release_id=release_id)
    if source.path != path:
        source.path.unlink(missing_ok=True)
    return TableCount(loaded + rejected + header_lines, loaded + repaired - removed,
                      rejected - repaired + header_lines + removed, repaired)


def _write_rows(con, rows: list[list[str]], columns: list[Column], parquet: Path,
                release_id: str, keep: str | None = None) -> None:
    """Rows given as their text fields, typed as the COPY types them, into `parquet` (with
    `keep`, a SELECT over the rows already there that stay)."""
    if not rows and keep is None:
        return
    table = {c.name: [row[i] for row in rows] for i, c in enumerate(columns)}
    con.register("rebuilt_rows", pa.table(table, schema=pa.schema(
        [(c.name, pa.string()) for c in columns])))
    sql = select_sql(columns, "rebuilt_rows", release_id=release_id,
                     dirty_columns=frozenset(range(len(columns))))
    if keep is not None:
        sql = f"{keep} UNION ALL ({sql})"
    target = parquet.with_name(parquet.name + ".new")
    con.execute(f"COPY ({sql}) TO '{_quoted(target)}' (FORMAT parquet)")
    con.unregister("rebuilt_rows")
    os.replace(target, parquet)


def _key_of(fields: list[str], positions: list[int], columns: list[Column]):
    """The key as DuckDB types it: numbers cleaned of NULs, quotes and spaces."""
    values = []
    for i in positions:
        text = fields[i].replace("\x00", "").replace('"', "").strip()
        if text in NULL_TOKENS:
            return None
        if columns[i].kind == "Numeric":
            if not text.lstrip("+-").isdigit():
                return None
            text = int(text)
        values.append(text)
    return tuple(values)


def remove_repeated_keys(con, source: _Source, columns: list[Column], key: tuple[str, ...],
                         parquet: Path, repaired_parquet: Path, rebuilt: dict[int, list[str]],
                         rejected_lines: set[int], *, name: str, log: QuarantineLog,
                         release_id: str) -> int:
    """Quarantine every row whose primary key already appeared earlier in the file, keeping the
    first; returns how many rows left the loaded tables.

    One GROUP BY over the loaded rows finds repeated keys (none, in EOIR's files); only then
    is the file read again to find their lines."""
    names = {c.name.casefold(): i for i, c in enumerate(columns)}
    if not key or any(k.casefold() not in names for k in key):
        return 0
    positions = [names[k.casefold()] for k in key]
    keys = ", ".join(f'"{columns[i].name}"' for i in positions)
    parts = [p for p in (parquet, repaired_parquet) if p.exists()]
    if not parts:
        return 0
    listing = ", ".join(f"'{_quoted(p)}'" for p in parts)
    not_null = " AND ".join(f'"{columns[i].name}" IS NOT NULL' for i in positions)
    repeated = {tuple(row[:-1]): row[-1] for row in con.execute(
        f"SELECT {keys}, count(*) FROM read_parquet([{listing}]) WHERE {not_null} "
        "GROUP BY ALL HAVING count(*) > 1").fetchall()}
    if not repeated:
        return 0
    lines: dict[tuple, list[tuple[int, list[str]]]] = {k: [] for k in repeated}
    skip = source.skip
    for number, raw in _text_records(source):
        if number == 1 or number in rejected_lines and number not in rebuilt:
            continue
        fields = rebuilt.get(number) or raw.split("\t")
        if len(fields) != len(columns) or fields == skip:
            continue
        found = _key_of(fields, positions, columns)
        if found in lines:
            lines[found].append((number, fields))
    # Only keys whose every row was found again are settled; others are left as loaded.
    settled = {k: found for k, found in lines.items() if len(found) == repeated[k]}
    if not settled:
        return 0
    first_rows, removed = [], 0
    for found in settled.values():
        (first_line, first), *later = sorted(found, key=lambda item: item[0])
        first_rows.append(first)
        for number, fields in later:
            removed += 1
            log.keep(source_file=name, line=number, reason="duplicate-key",
                     field_name=",".join(key), raw_value=",".join(fields[i] for i in positions),
                     detail=f"key {', '.join(fields[i].strip() for i in positions)} already "
                            f"on line {first_line}; the first row was loaded",
                     raw_row="\t".join(fields))
    con.register("repeated_keys", pa.Table.from_pylist(
        [dict(zip([f"k{i}" for i in range(len(positions))], k, strict=True))
         for k in settled]))
    match = " AND ".join(f'"{columns[i].name}" = d.k{n}' for n, i in enumerate(positions))
    others = (f"SELECT * FROM read_parquet('{{}}') t WHERE NOT EXISTS "
              f"(SELECT 1 FROM repeated_keys d WHERE {match})")
    target = parquet.with_name(parquet.name + ".new")
    con.execute(f"COPY ({others.format(_quoted(parquet))}) TO '{_quoted(target)}' "
                "(FORMAT parquet, COMPRESSION zstd)")
    os.replace(target, parquet)
    keep = others.format(_quoted(repaired_parquet)) if repaired_parquet.exists() else None
    _write_rows(con, first_rows, columns, repaired_parquet, release_id, keep=keep)
    con.unregister("repeated_keys")
    return removed


def _text_records(source: _Source):
    from immtrack.sources.eoir_text import records

    for number, raw in records(source.path, source.scan.line_end):
        yield number, raw.decode(source.encoding).rstrip("\r")
