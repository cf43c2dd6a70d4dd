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

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from immtrack.errors import BadFileError
from immtrack.lake.quarantine import QuarantineLog
from immtrack.schema.eoir import Column

EXTRA_FIELD = "immtrack_extra_field"
NULL_TOKENS = ("", "N/A")  # compared after trimming, so a single space is null too
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


def _clean_sql(column: str, strip_nul: bool, strip_quotes: bool) -> str:
    text = f'"{column}"'
    if strip_nul:
        text = f"replace({text}, chr(0), '')"
    if strip_quotes:
        text = f"replace({text}, '\"', '')"
    text = f"trim({text})"
    tokens = ", ".join(f"'{t}'" for t in NULL_TOKENS)
    return f"CASE WHEN {text} IN ({tokens}) THEN NULL ELSE {text} END"


def _typed_sql(column: Column, clean: str) -> tuple[str, str | None]:
    """The typed expression, and an expression naming the problem when the raw value is bad."""
    name = f'"{column.name}"'
    if column.kind == "Numeric":
        typed = f"TRY_CAST({clean} AS BIGINT)"
        issue = f"CASE WHEN {clean} IS NOT NULL AND {typed} IS NULL THEN " \
                f"'{column.name}: not a number (' || {clean} || ')' END"
    elif column.kind == "Date":
        formats = "[" + ", ".join(f"'{f}'" for f in DATE_FORMATS) + "]"
        typed = f"TRY_STRPTIME({clean}, {formats})"
        issue = f"""CASE WHEN {clean} IS NOT NULL AND {typed} IS NULL THEN
                    '{column.name}: not a date (' || {clean} || ')'
                  WHEN year({typed}) < {EARLIEST_PLAUSIBLE_YEAR} THEN
                    '{column.name}: implausible date (' || {clean} || ')' END"""
    else:
        return f"{clean} AS {name}", None
    return f"{typed} AS {name}", issue


def select_sql(columns: list[Column], source: str, *, strip_nul: bool, strip_quotes: bool,
               release_id: str) -> str:
    expressions, issues = [], []
    for column in columns:
        typed, issue = _typed_sql(column, _clean_sql(column.name, strip_nul, strip_quotes))
        expressions.append(typed)
        if issue:
            issues.append(issue)
    issue_list = f"nullif(concat_ws('; ', {', '.join(issues)}), '')" if issues else "NULL"
    return (f"SELECT {', '.join(expressions)}, {issue_list}::VARCHAR AS data_issues, "
            f"'{release_id}' AS release_id FROM {source}")


@dataclass(frozen=True)
class FileScan:
    lines: int
    has_nul: bool
    has_quote: bool


def scan_file(path: Path) -> FileScan:
    """One pass over the bytes: line count, and whether NULs or double quotes occur at all
    (cleaning them costs a replace() per value, so it is only done where needed)."""
    lines, nul, quote, last = 0, False, False, b"\n"
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 24):
            lines += chunk.count(b"\n")
            nul = nul or b"\x00" in chunk
            quote = quote or b'"' in chunk
            last = chunk[-1:]
    return FileScan(lines + (last != b"\n"), nul, quote)


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
    listing = "{" + ", ".join(f"'{k}': '{v}'" for k, v in spec.items()) + "}"
    return (f"read_csv('{path}', columns = {listing}, auto_detect = false, header = true, "
            f"delim = '\t', quote = '', escape = '', encoding = 'latin-1', {options}"
            f"store_rejects = true, rejects_table = '{rejects}', "
            f"rejects_scan = '{rejects}_scan')")


def _rejected(con: duckdb.DuckDBPyConnection, rejects: str, error_type: str | None = None
              ) -> list[tuple[int, str]]:
    where = f"WHERE error_type = '{error_type}'" if error_type else ""
    rows = con.execute(f"SELECT line, any_value(csv_line) FROM {rejects} {where} "
                       "GROUP BY line ORDER BY line").fetchall()
    con.execute(f"DROP TABLE IF EXISTS {rejects}")
    con.execute(f"DROP TABLE IF EXISTS {rejects}_scan")
    # DuckDB keeps the line ends around a rejected line.
    return [(line, raw.strip("\r\n")) for line, raw in rows]


def read_table(con: duckdb.DuckDBPyConnection, path: Path, name: str, columns: list[Column],
               parquet: Path, *, release_id: str, log: QuarantineLog, repairs: RepairLog,
               repaired_parquet: Path, aliases: dict[str, tuple[str, ...]] | None = None,
               progress: Callable[[float], None] | None = None) -> TableCount:
    """Read one table file into `parquet` (and repaired rows into `repaired_parquet`)."""
    check_header(name, read_header(path, name), columns, aliases)
    scan = scan_file(path)
    rejects = f"rejects_{abs(hash((name, release_id)))}"
    last = columns[-1].name
    # Naming the sentinel makes DuckDB cast it (an unused column would not be read at all).
    source = (f'{_csv_source(path, columns, rejects, sentinel=True)} '
              f'WHERE "{last}" IS NOT NULL AND {EXTRA_FIELD} IS NULL')
    sql = select_sql(columns, source, strip_nul=scan.has_nul, strip_quotes=scan.has_quote,
                     release_id=release_id)
    done = threading.Event()
    watcher = threading.Thread(target=_watch_progress, args=(con, progress, done), daemon=True) \
        if progress else None
    if watcher:
        watcher.start()
    try:
        loaded = con.execute(f"COPY ({sql}) TO '{parquet}' (FORMAT parquet, "
                             "COMPRESSION zstd, ROW_GROUP_SIZE 1000000)").fetchone()[0]
    finally:
        done.set()
    too_long = _rejected(con, rejects)
    short = []
    if scan.lines - 1 > loaded + len(too_long):
        # Rows with too few fields were padded and left out above; a plain read names them.
        con.execute(f"SELECT count(*) FROM {_csv_source(path, columns, rejects, sentinel=False)}"
                    ).fetchall()
        short = _rejected(con, rejects, "MISSING COLUMNS")
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
                 detail=f"{len(raw.split(chr(9)))} fields where the header has {len(columns)}")
    if repaired_rows:
        table = {c.name: [row[i] for row in repaired_rows] for i, c in enumerate(columns)}
        con.register("repaired_rows", pa.table(table))
        repaired_sql = select_sql(columns, "repaired_rows", strip_nul=True, strip_quotes=True,
                                  release_id=release_id)
        con.execute(f"COPY ({repaired_sql}) TO '{repaired_parquet}' (FORMAT parquet)")
        con.unregister("repaired_rows")
    rejected = len(too_long) + len(short)
    return TableCount(loaded + rejected, loaded + len(repaired_rows),
                      rejected - len(repaired_rows), len(repaired_rows))
