"""Commands about the lake itself: releases, quarantine and verify."""

from __future__ import annotations

from typing import Annotated

import pyarrow as pa
import typer

from immtrack.cli.main import EXIT_DAMAGED, FormatOption, State, app, friendly_errors
from immtrack.cli.output import Format, emit, print_json
from immtrack.lake.listing import quarantine_table, release_files_table, releases_table
from immtrack.lake.verify import clean as clean_lake
from immtrack.lake.verify import verify_lake
from immtrack.schema.codes import QUARANTINE_REASONS


@app.command("releases")
@friendly_errors
def releases_command(
    source: Annotated[str | None, typer.Option(help="Only this source: cbp, eoir or ice.")]
    = None,
    files: Annotated[bool, typer.Option(
        "--files", help="One row per file and sheet, with its SHA-256 and counts.")] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """List ingested releases: what was read, when, from where, and whether counts reconcile.

    For every release rows_read = rows_loaded + rows_quarantined. Releases of a source are
    listed oldest data first; for overlapping CBP releases the later one wins month by month.
    """
    table = release_files_table(State.home) if files else releases_table(State.home, source)
    emit(table, fmt, title="Releases" if not files else "Release files")


@app.command("quarantine")
@friendly_errors
def quarantine_command(
    release: Annotated[str | None, typer.Option(help="Only this release id.")] = None,
    reason: Annotated[str | None, typer.Option(help="Only this reason code.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows (0: all).")] = 50,
    reasons: Annotated[bool, typer.Option(
        "--reasons", help="List the reason codes and what they mean, then stop.")] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Show input rows that were read but not loaded, with file, line, field and reason.

    Nothing is dropped silently: a row with a bad count, an unknown month or code, the wrong
    number of fields, or a duplicate of an earlier row is kept here with its raw text.
    """
    if reasons:
        rows = [{"reason_code": c.code, "label": c.label, "description": c.description}
                for c in QUARANTINE_REASONS.codes]
        emit(pa.Table.from_pylist(rows), fmt, title="Quarantine reasons")
        return
    table = quarantine_table(State.home, release_id=release, reason=reason,
                             limit=limit or None)
    emit(table, fmt, title="Quarantined rows", notes=[f"{table.num_rows:,} rows shown."])


@app.command("verify")
@friendly_errors
def verify_command(
    release: Annotated[str | None, typer.Option(help="Only this release id.")] = None,
    clean: Annotated[bool, typer.Option(
        "--clean", help="Also remove orphans and staging leftovers of killed ingests (waits "
                        "for no ingest: refused while one runs).")] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Check every file of the lake against the SHA-256, size and row counts recorded when it
    was published, and name each damaged release with the command that publishes it again.

    Exit codes: 0 the lake is intact; 4 a release or the catalog is damaged; 3 no lake. Other
    commands leave a damaged release out of their answers and warn about it. Orphans (files
    under lake/ no release lists, left by a killed ingest) are not damage: the next ingest, or
    --clean, removes them.
    """
    removed = clean_lake(State.home) if clean else []
    check = verify_lake(State.home, release)
    if fmt is Format.json:
        print_json({**check.to_dict(), "removed": removed})
    else:
        rows = [{"release_id": r.release_id, "source": r.source, "release_label":
                 r.release_label, "status": r.status, "files": r.files_checked,
                 "problems": "; ".join(r.problems), "reingest": r.reingest}
                for r in check.releases]
        table = pa.Table.from_pylist(rows, schema=pa.schema(
            [("release_id", pa.string()), ("source", pa.string()),
             ("release_label", pa.string()), ("status", pa.string()), ("files", pa.int64()),
             ("problems", pa.string()), ("reingest", pa.string())]))
        notes = [f"Lake {check.home}: {check.status}."]
        notes += [f"Damaged: {r.release_id} ({r.release_label}): {'; '.join(r.problems)}. "
                  f"Publish it again with: {r.reingest}" for r in check.releases
                  if r.status == "damaged"]
        if check.catalog_problem:
            notes.append(check.catalog_problem)
        if check.orphans or check.staging_leftovers:
            notes.append(f"{len(check.orphans)} orphan file(s) and "
                         f"{len(check.staging_leftovers)} staging leftover(s) of killed "
                         "ingests: not damage; the next ingest or `immtrack verify --clean` "
                         "removes them.")
        if removed:
            notes.append(f"Removed {len(removed)}: {', '.join(removed)}.")
        emit(table, fmt, title="Verify", notes=notes)
    if check.status != "intact":
        raise typer.Exit(EXIT_DAMAGED)
