"""Keeping current: update (fetch and ingest what the agencies published), changes (what each
release changed, also as Atom), publications (the watched pages)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import typer
from rich.table import Table

from immtrack.cli.main import FormatOption, State, app, friendly_errors
from immtrack.cli.output import Format, emit, print_json, stderr, stdout
from immtrack.schema.publications import PUBLICATIONS, SOURCES, listing_url, publications_for

SourceOption = Annotated[list[str] | None, typer.Option(
    "--source", "-s", help="Only these: " + ", ".join(SOURCES) + " (or a publication code: "
                           + ", ".join(PUBLICATIONS) + "). Repeat for several.")]


def _listings(values: list[str] | None) -> dict[str, str]:
    found = {}
    for value in values or []:
        code, _, url = value.partition("=")
        if not url or (code not in PUBLICATIONS and code not in SOURCES):
            raise typer.BadParameter(f"{value!r}: give CODE=URL, CODE one of "
                                     f"{', '.join([*SOURCES, *PUBLICATIONS])}")
        found[code] = url
    return found


def _sources(values: list[str] | None) -> list[str] | None:
    try:
        publications_for(values)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    return values or None


@app.command("update")
@friendly_errors
def update_command(
    sources: SourceOption = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Read the listing pages and ask the servers; list what would be "
                          "fetched; download and change nothing.")] = False,
    listing: Annotated[list[str] | None, typer.Option(
        help="CODE=URL: read this page instead of the agency's (a mirror, a test server). "
             "CODE is a publication or a source. The environment works too: the variable "
             "is the code in capitals, e.g. IMMTRACK_LISTING_CBP_SOUTHWEST=URL.")] = None,
    ice_base: Annotated[Path | None, typer.Option(
        help="The ICE folder (facility lists, field offices) that ICE's workbooks are read "
             "beside; default: the last one used, or the folder of the last `ingest ice`.")]
    = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for a server.")] = 60,
    fmt: FormatOption = Format.table,
) -> None:
    """Check the agencies' pages, fetch what is new, ingest it, and say what changed.

    Reads each watched listing page (`immtrack publications`), finds the file links not yet
    ingested (by address; a known address is asked again for its ETag / Last-Modified and
    fetched only when they changed, and ingested only when its SHA-256 changed), downloads
    them resumably with a progress bar and ingests each as a release. Then prints, for every
    new release, the months added and the months revised with old and new values.

    A source that fails (page gone, 404, download cut short, an HTML error page instead of
    the file) is reported and the others go on; a half-downloaded file is never ingested
    (the next run resumes it). Two updates never overlap on one lake.

    Exit codes: **0** new releases ingested (dry run: something to fetch); **4** nothing new;
    **1** some source failed (others may have been ingested); **3** no lake or another
    update is running.

    Examples:

        immtrack update --dry-run

        immtrack update

        immtrack update --source cbp --source ohss

        immtrack update --listing cbp-southwest=https://mirror.example.org/swb.html

    Scheduling (systemd timer or cron): see docs/update.md.
    """
    from immtrack.update.runner import run_update

    report = run_update(
        State.home, sources=_sources(sources), dry_run=dry_run, listings=_listings(listing),
        ice_base=ice_base, progress=sys.stderr.isatty(), timeout=timeout,
        on_event=lambda message: stderr.print(f"[dim]{message}[/dim]", highlight=False))
    changes = []
    if report.published:
        from immtrack.update.changes import release_changes

        changes = release_changes(State.home, release_ids=[f.release_id
                                                           for f in report.published])
    if fmt is Format.json:
        print_json({"dry_run": report.dry_run, "exit_code": report.exit_code,
                    "seconds": round(report.seconds, 3), "failures": report.failures,
                    "publications": [{"publication": r.publication, "source": r.source,
                                      "listing_url": r.listing_url, "status": r.status,
                                      "message": r.message} for r in report.results],
                    "files": [vars(f) for f in report.files],
                    "changes": [c.to_dict() for c in changes]})
        raise typer.Exit(report.exit_code)
    ingested = ("published", "in lake")
    rows = [{"publication": f.publication, "file": f.file_name, "status": f.status,
             "release_id": f.release_id,
             "rows_loaded": f.rows_loaded if f.status in ingested else None,
             "rows_quarantined": f.rows_quarantined if f.status in ingested else None,
             "message": f.message} for f in report.files]
    if rows:
        _rows(rows, fmt, "Would fetch" if report.dry_run else f"Update of {State.home}")
    if fmt is Format.table:
        _print_changes(changes)
        for problem in report.failures:
            stderr.print(f"[red]failed:[/red] {problem}", highlight=False)
        verdict = {0: "would fetch new files" if report.dry_run else
                   f"{len(report.published)} new release(s) ingested", 1: "some sources failed",
                   4: "nothing new"}[report.exit_code]
        stdout.print(f"[bold]{verdict}[/bold] ({report.seconds:.1f} s)", highlight=False)
    raise typer.Exit(report.exit_code)


def _rows(rows: list[dict], fmt: Format, title: str) -> None:
    """Print plain rows; Arrow is not needed for a few (and importing pandas through it would
    slow a scheduled update that finds nothing new)."""
    if fmt is Format.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(rows[0])
        writer.writerows([["" if v is None else v for v in row.values()] for row in rows])
        return
    view = Table(title=title, title_justify="left")
    for name in rows[0]:
        view.add_column(name, justify="right" if name.startswith("rows_") else "left")
    for row in rows:
        view.add_row(*("" if v is None else f"{v:,}" if isinstance(v, int) else str(v)
                       for v in row.values()))
    stdout.print(view)


def _print_changes(changes) -> None:
    for change in changes:
        stdout.print(f"\n[bold]{change.title}[/bold] ({change.release_id})", highlight=False)
        for line in change.headlines:
            stdout.print(f"  - {line}", highlight=False)
        revisions = change.revisions[:10]
        if revisions:
            emit(pa.Table.from_pylist([
                {"series": r.series, "period": r.period, "was": r.previous,
                 "now": r.revised, "change": r.change, "was_in": r.previous_release}
                for r in revisions]), Format.table, title="  Largest revisions")


@app.command("changes")
@friendly_errors
def changes_command(
    source: Annotated[str | None, typer.Option(help="Only this source: cbp, ice or eoir.")]
    = None,
    release: Annotated[str | None, typer.Option(help="Only this release id.")] = None,
    limit: Annotated[int, typer.Option(help="The newest this many releases (0: all).")] = 10,
    revisions: Annotated[bool, typer.Option(
        "--revisions", help="List every revised month (all series), not only the headlines.")]
    = False,
    atom: Annotated[bool, typer.Option(
        "--atom", help="Write the Atom feed (as served at /changes.atom) to standard output.")]
    = False,
    base_url: Annotated[str, typer.Option(
        help="With --atom: the address the pages are served at, for the feed's links.")]
    = "http://127.0.0.1:8000",
    fmt: FormatOption = Format.table,
) -> None:
    """What each release changed, newest first: months added, months revised (old and new
    values), new files, rows quarantined.

    Each release is compared with the lake as it stood just before it was ingested, by the
    rule the answers use (each month from the newest release that has it), so a revision
    listed here is a number that moved in `immtrack encounters`.

    Examples:

        immtrack changes

        immtrack changes --source cbp --limit 1 --revisions

        immtrack changes --atom --base-url https://tracker.example.org > changes.atom
    """
    from immtrack.update.changes import release_changes

    changes = release_changes(State.home, source=source,
                              release_ids=[release] if release else None, limit=limit or None)
    if atom:
        from immtrack.update.atom import changes_feed

        sys.stdout.buffer.write(changes_feed(changes, base_url))
        return
    if fmt is Format.json:
        print_json([c.to_dict() for c in changes])
        return
    if revisions:
        rows = [{"release_id": c.release_id, "series": r.series, "period": r.period,
                 "was": r.previous, "now": r.revised, "change": r.change,
                 "was_in": r.previous_release} for c in changes for r in c.revisions]
        emit(pa.Table.from_pylist(rows) if rows else pa.table({"release_id": []}), fmt,
             title="Revised months", notes=[f"{len(rows):,} revised totals."])
        return
    if fmt is Format.csv:
        emit(pa.Table.from_pylist([{"release_id": c.release_id, "source": c.source,
                                    "ingested_at": c.ingested_at, "title": c.title,
                                    "headlines": " ".join(c.headlines)} for c in changes]), fmt)
        return
    if not changes:
        stdout.print("No releases in the lake yet: run `immtrack update`.")
    for change in changes:
        stdout.print(f"[bold]{change.title}[/bold]\n  {change.release_id}, ingested "
                     f"{change.ingested_at:%Y-%m-%d %H:%M} UTC", highlight=False)
        for line in change.headlines:
            stdout.print(f"  - {line}", highlight=False)


@app.command("publications")
@friendly_errors
def publications_command(fmt: FormatOption = Format.table) -> None:
    """The agency pages `immtrack update` watches: what each lists, how its files are
    recognised, how often a new one is expected, and when it was last checked.

    Example: immtrack publications --format json
    """
    from immtrack.update.state import UpdateState

    state = UpdateState.load(State.home)
    rows = []
    for p in PUBLICATIONS.values():
        checked = state.listings.get(p.code)
        rows.append({
            "publication": p.code, "source": p.source, "agency": p.agency, "title": p.title,
            "listing_url": listing_url(p), "file_pattern": p.file_pattern,
            "cadence": p.cadence, "covers": p.covers, "env_var": p.env_var,
            "last_checked": checked.checked_at if checked else None,
            "last_status": checked.status if checked else None,
            "files_ingested": sum(1 for f in state.files.values()
                                  if f.publication == p.code and f.release_id)})
    table = pa.Table.from_pylist(rows)
    if fmt is Format.table:
        table = table.select(["publication", "agency", "listing_url", "cadence",
                              "last_checked", "last_status", "files_ingested"])
    emit(table, fmt, payload=rows, title="Watched publications",
         notes=["Override a page with --listing CODE=URL or the env_var column's variable."])
