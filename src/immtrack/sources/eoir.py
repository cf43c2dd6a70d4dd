"""EOIR CASE FOIA releases: where they are published, what is in them, how to read them whole.

Where: EOIR posts the whole case database every month in its FOIA library
(https://www.justice.gov/eoir/foia-library-0, "EOIR Case Data"), as one zip of about 20
tab-delimited tables plus a Lookup/ folder; the zip may use deflate64, which Python's zipfile
cannot read alone (the zipfile-deflate64 package adds it). A release is the whole zip, or the
folder it was extracted to.

What: the tables in schema/eoir.py (A_TblCase, B_TblProceeding, tbl_Court_Appln, ...). Other
tables in the zip are listed in the release but not read yet.

How: sources/eoir_tables.py reads each table with one DuckDB COPY; this module finds the files,
hashes them, reads the lookups, and counts the codes the lookups do not know.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import zipfile_deflate64  # noqa: F401  (teaches zipfile to read deflate64 members)

from immtrack.checksums import sha256_of
from immtrack.errors import BadFileError
from immtrack.lake.quarantine import QuarantineLog
from immtrack.lake.sql import sql_identifier, sql_list, sql_string
from immtrack.schema.eoir import EOIR_TABLES, LOOKUPS, qualifier_match
from immtrack.sources import SYNTHETIC_MARKER
from immtrack.sources.eoir_tables import FileScan, scan_file

SOURCE = "eoir"


@dataclass
class ReleaseFiles:
    """The files of one release on disk, with their SHA-256."""

    label: str
    origin: str
    tables: dict[str, Path] = field(default_factory=dict)  # EOIR table name -> file
    lookups: dict[str, Path] = field(default_factory=dict)  # lookup name -> file
    other: list[str] = field(default_factory=list)
    sha256: dict[Path, str] = field(default_factory=dict)
    scans: dict[Path, FileScan] = field(default_factory=dict)  # table files
    marker: dict | None = None

    def hashes(self) -> list[str]:
        """The release's identity: its tables and lookups, however they were packed."""
        return sorted(self.sha256[p] for p in [*self.tables.values(), *self.lookups.values()])


def _classify(files: ReleaseFiles, path: Path, relative: str) -> None:
    wanted = {t.file_name.casefold(): t.name for t in EOIR_TABLES.values()}
    in_lookup = any(part.casefold() == "lookup" for part in Path(relative).parts[:-1])
    name = Path(relative).name
    if name == SYNTHETIC_MARKER:
        files.marker = json.loads(path.read_text())
    elif in_lookup and name.casefold().endswith(".csv"):
        files.lookups[name[:-4]] = path
    elif name.casefold() in wanted:
        files.tables[wanted[name.casefold()]] = path
    else:
        files.other.append(relative)


def _check_complete(files: ReleaseFiles, where: str, listing: list[str]) -> None:
    missing = [EOIR_TABLES[t].file_name for t in EOIR_TABLES if t not in files.tables]
    if len(missing) == len(EOIR_TABLES):
        shown = ", ".join(listing[:8]) + (" ..." if len(listing) > 8 else "")
        raise BadFileError(where, f"this is not an EOIR case data release: none of its tables "
                                  f"are here (it holds {shown or 'nothing'})",
                           hint="point --from at EOIR's FOIA zip or the folder it was "
                                "extracted to")
    if missing:
        raise BadFileError(where, "the release is incomplete: missing " + ", ".join(missing),
                           hint="download the release again; a partial extract looks like this")
    if not files.lookups:
        raise BadFileError(where, "the release has no Lookup/ folder, so its codes cannot be "
                                  "decoded", hint="extract the whole zip, Lookup folder included")


def open_release(spec: Path, workdir: Path) -> ReleaseFiles:
    """Find (and for a zip, extract into `workdir`) a release's files, hashing each one."""
    if not spec.exists():
        raise BadFileError(str(spec), "no such file or folder")
    files = ReleaseFiles(spec.name, str(spec.resolve()))
    if spec.is_dir():
        listing = sorted(str(p.relative_to(spec)) for p in spec.rglob("*") if p.is_file())
        for relative in listing:
            _classify(files, spec / relative, relative)
    elif zipfile.is_zipfile(spec):
        with zipfile.ZipFile(spec) as archive:
            listing = [m for m in archive.namelist() if not m.endswith("/")]
            for member in listing:
                target = workdir / member
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    with archive.open(member) as source, open(target, "wb") as out:
                        shutil.copyfileobj(source, out, 1 << 22)
                except (zipfile.BadZipFile, EOFError, NotImplementedError) as error:
                    raise BadFileError(str(spec), f"cannot extract {member}: {error}",
                                       hint="the zip may be truncated; download it again") \
                        from error
                _classify(files, target, member)
    else:
        raise BadFileError(str(spec), "not a folder or a zip file",
                           hint="point --from at EOIR's FOIA zip or its extracted folder")
    _check_complete(files, str(spec), listing)
    for path in files.tables.values():  # one pass: hash, lines, tabs, dirty columns
        files.scans[path] = scan_file(path)
        files.sha256[path] = files.scans[path].sha256
    for path in files.lookups.values():
        files.sha256[path] = sha256_of(path)
    return files


def read_lookup(path: Path, name: str, log: QuarantineLog) -> tuple[list[dict], int]:
    """Rows of one lookup file in long form (code, qualifier, description, raw row)."""
    layout = LOOKUPS.get(name)
    with open(path, encoding="latin-1", newline="") as stream:
        lines = [line.rstrip("\r\n").replace("\x00", "") for line in stream]
    if not lines:
        return [], 0
    header = lines[0].split("\t")
    position = {h.strip().casefold(): i for i, h in enumerate(header)}
    wanted = [*layout.code_columns, layout.description_column] if layout else []
    known = layout is not None and all(c.casefold() in position for c in wanted)
    rows, read = [], 0
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        read += 1
        fields = line.split("\t")
        if len(fields) != len(header):
            log.keep(source_file=f"Lookup/{path.name}", line=number, reason="wrong-field-count",
                     detail=f"{len(fields)} fields where the header has {len(header)}",
                     raw_row=line)
            continue
        value = {}
        if known:
            codes = [fields[position[c.casefold()]].strip() for c in layout.code_columns]
            kind_at = position.get((layout.kind_column or "").casefold())
            kind = fields[kind_at].strip() if kind_at is not None else None
            value = {"code": codes[-1], "code_qualifier": layout.qualifier(codes[:-1], kind),
                     "description": fields[position[layout.description_column.casefold()]]
                     .strip()}
        rows.append({"lookup_name": name, "code": value.get("code"),
                     "code_qualifier": value.get("code_qualifier"),
                     "description": value.get("description"), "raw_row": line,
                     "source_file": f"Lookup/{path.name}", "source_line": number})
    return rows, read


def unknown_codes_sql(table_files: dict[str, list[str]], lookups_file: str) -> str:
    """Per coded column, the codes its lookup does not list, with how many rows hold them.

    Codes are counted first (a few hundred groups), then matched against the lookup, so the
    check needs little memory however large the table."""
    parts = []
    for lookup in LOOKUPS.values():
        for table, columns, kind in lookup.decodes:
            paths = table_files.get(table)
            if not paths:
                continue
            keys = ", ".join(sql_identifier(c) for c in columns)
            code = sql_identifier(columns[-1])
            qualifier = sql_identifier(columns[0]) if len(columns) > 1 else None
            match = "l.code = c.code"
            if qualifier:
                match += " AND " + qualifier_match("l.code_qualifier", "c.qualifier", kind)
            parts.append(
                f"""SELECT {sql_string(table)} AS table_name,
                           {sql_string(columns[-1])} AS column_name, c.code,
                           sum(c.rows)::BIGINT AS rows
                    FROM (SELECT {code} AS code, {qualifier or 'NULL'} AS qualifier,
                                 count(*) AS rows
                          FROM read_parquet({sql_list(paths)}) WHERE {code} IS NOT NULL
                          GROUP BY {keys}) c
                    WHERE NOT EXISTS (
                        SELECT 1 FROM read_parquet({sql_string(lookups_file)}) l
                        WHERE l.lookup_name = {sql_string(lookup.name)} AND {match})
                    GROUP BY ALL""")
    return " UNION ALL ".join(parts)


def release_date_of(files: ReleaseFiles) -> date | None:
    """A generated release states its date in its manifest; a real one is dated at ingest."""
    if files.marker and files.marker.get("release_date"):
        return date.fromisoformat(files.marker["release_date"])
    return None
