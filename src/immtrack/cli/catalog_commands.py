"""Commands about the lake itself: releases and quarantine."""

from __future__ import annotations

from typing import Annotated

import pyarrow as pa
import typer

from immtrack.cli.main import FormatOption, State, app, friendly_errors
from immtrack.cli.output import Format, emit
from immtrack.lake.listing import quarantine_table, release_files_table, releases_table
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
