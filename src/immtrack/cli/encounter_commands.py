"""Commands about border encounters: ingest cbp, encounters, revisions, sources."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import pyarrow as pa
import typer
from rich.progress import Progress, SpinnerColumn, TextColumn

from immtrack.cli.main import (
    EXIT_BAD_INPUT,
    FormatOption,
    State,
    app,
    friendly_errors,
    ingest_app,
    parse_month,
    split_list,
)
from immtrack.cli.output import Format, emit, print_json, stderr, stdout
from immtrack.ingest import ingest_cbp
from immtrack.metrics.encounters import BREAKDOWNS, EncounterQuestion, encounters, revisions
from immtrack.schema.series import ENCOUNTER_SERIES

Citizenship = Annotated[str | None, typer.Option(
    help="Citizenship as CBP names it (RUSSIA, UKRAINE, 'CHINA, PEOPLES REPUBLIC OF'); case "
         "does not matter, and 'Russian Federation' or 'RU' work too.")]
Region = Annotated[str | None, typer.Option(
    help="Land border region: southwest, northern, other (CBP) or coastal (OHSS).")]
Component = Annotated[str | None, typer.Option(
    help="OFO (ports of entry) or USBP (Border Patrol, between ports).")]
Demographic = Annotated[str | None, typer.Option(
    help="single_adults, family_unit_individuals (FMUA), unaccompanied_children, "
         "accompanied_minors.")]
Title = Annotated[str | None, typer.Option(help="Title of authority: 8 or 42.")]
EncounterType = Annotated[str | None, typer.Option(
    "--type", help="apprehensions, inadmissibles or expulsions.")]
State_ = Annotated[str | None, typer.Option("--state", help="Two-letter state (state files).")]
Aor = Annotated[str | None, typer.Option(help="Area of responsibility or sector, as published.")]
From = Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM.")]
To = Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM.")]
FiscalYear = Annotated[int | None, typer.Option(
    "--fy", help="A whole fiscal year: --fy 2022 means 2021-10 to 2022-09.")]
By = Annotated[list[str] | None, typer.Option(
    help="Break down by: " + ", ".join(BREAKDOWNS) + ". Repeat or separate with commas.")]
Series = Annotated[str | None, typer.Option(
    help="Answer from this series only (see `immtrack sources`); by default the best one.")]


def _question(citizenship, region, component, demographic, title, encounter_type, state, aor,
              start, end, fiscal_year, by, series) -> EncounterQuestion:
    first, last = parse_month(start), parse_month(end)
    if fiscal_year is not None:
        if first or last:
            raise typer.BadParameter("use either --fy or --from/--to, not both")
        first, last = date(fiscal_year - 1, 10, 1), date(fiscal_year, 9, 1)
    if first and last and first > last:
        raise typer.BadParameter(f"--from {start} is after --to {end}")
    return EncounterQuestion(citizenship=citizenship, region=region, component=component,
                             demographic=demographic, title=title,
                             encounter_type=encounter_type, state=state, aor=aor,
                             start=first, end=last, by=split_list(by), series=series)


@app.command("encounters")
@friendly_errors
def encounters_command(
    citizenship: Citizenship = None, region: Region = None, component: Component = None,
    demographic: Demographic = None, title: Title = None, encounter_type: EncounterType = None,
    state: State_ = None, aor: Aor = None, start: From = None, end: To = None,
    fiscal_year: FiscalYear = None, by: By = None, series: Series = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Count border encounters, with totals, coverage notes and provenance.

    An **encounter is an event, not a person**: someone caught three times counts three times.
    Each month comes from the newest release that has it, so overlapping CBP releases are
    counted once (`immtrack revisions` lists what changed between releases).

    Which files can answer what: CBP's nationwide files cover both components (Border Patrol
    and ports of entry) but name only about twenty countries; the newer southwest files group
    citizenship into five values; DHS OHSS KHSM workbooks name 130+ countries but cover the
    **Border Patrol only** (no ports of entry), rounded to tens. The answer says which series
    it used and what it leaves out.

    Examples:

        immtrack encounters --citizenship RUSSIA --region southwest --from 2021-10 --to 2022-01 --by month

        immtrack encounters --region southwest --fy 2022 --by component

        immtrack encounters --citizenship UKRAINE --fy 2022 --by region --format json
    """
    question = _question(citizenship, region, component, demographic, title, encounter_type,
                         state, aor, start, end, fiscal_year, by, series)
    answer = encounters(question, home=State.home)
    releases = ", ".join(r["file"] for r in answer.provenance["releases"])
    emit(answer.table, fmt, payload=answer.to_dict(), total=answer.total,
         title=f"Encounters ({answer.series.code})",
         notes=[*answer.notes, f"Total: {answer.total:,}", f"Releases: {releases}"])


@app.command("revisions")
@friendly_errors
def revisions_command(
    citizenship: Citizenship = None, region: Region = None, component: Component = None,
    demographic: Demographic = None, title: Title = None, encounter_type: EncounterType = None,
    state: State_ = None, aor: Aor = None, start: From = None, end: To = None,
    fiscal_year: FiscalYear = None, series: Series = None, fmt: FormatOption = Format.table,
) -> None:
    """List counts that changed between releases covering the same month.

    CBP re-issues rolling four-year windows and revises earlier months. For every fact (series,
    month and dimensions) this shows the earlier and the revised value; a fact absent from a
    newer release that covers its month is shown as revised to 0.

    Example: immtrack revisions --region southwest --fy 2023
    """
    question = _question(citizenship, region, component, demographic, title, encounter_type,
                         state, aor, start, end, fiscal_year, None, series)
    table = revisions(question, home=State.home)
    emit(table, fmt, title="Revisions between releases",
         notes=[f"{table.num_rows:,} revised facts."])


@app.command("sources")
@friendly_errors
def sources_command(fmt: FormatOption = Format.table) -> None:
    """List the encounter series immtrack knows: publisher, breakdowns and what each covers.

    Questions are answered from one series at a time, chosen in this order.
    """
    rows = [{"series": s.code, "publisher": s.publisher, "grain": s.grain,
             "breakdowns": ", ".join(sorted(s.dimensions)), "coverage": s.coverage_note}
            for s in ENCOUNTER_SERIES.values()]
    emit(pa.Table.from_pylist(rows), fmt, title="Encounter series, in priority order")


@ingest_app.command("cbp")
@friendly_errors
def ingest_cbp_command(
    sources: Annotated[list[str], typer.Option(
        "--from", help="A CBP CSV, an OHSS KHSM .xlsx, a folder or zip of them, or an http(s) "
                       "URL (downloaded with a progress bar, resumable, checksummed).")],
    release_date: Annotated[str | None, typer.Option(
        help="Publication date YYYY-MM-DD, when the file name or URL does not say.")] = None,
    encoding: Annotated[str, typer.Option(
        help="Text encoding of CSVs (CBP: UTF-8). Try cp1252 for files re-saved in Excel.")]
    = "utf-8-sig",
    fmt: FormatOption = Format.table,
) -> None:
    """Read CBP encounter files into the lake, each file as one release.

    Every row is loaded or kept in the quarantine table with a reason (`immtrack quarantine`);
    rows read = loaded + quarantined for every file. Ingesting a file already in the lake
    changes nothing. A file that cannot be used is named with the line and the problem, and
    the command exits with 1.

    Examples:

        immtrack ingest cbp --from nationwide-encounters-fy22-fy25-aor.csv

        immtrack ingest cbp --from "https://www.cbp.gov/sites/default/files/2025-09/sbo-encounters-fy22-fy25-aug.csv"
    """
    published = date.fromisoformat(release_date) if release_date else None
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=stderr,
                  transient=True) as progress:
        task = progress.add_task("Reading CBP files", total=None)

        def report(outcome) -> None:
            progress.update(task, description=f"Read {outcome.name}")
            if outcome.status == "refused":
                stderr.print(f"[red]refused:[/red] {outcome.message}", highlight=False)

        outcomes = ingest_cbp(State.home, sources, release_date=published, encoding=encoding,
                              on_file=report)
    rows = [{"file": o.name, "status": o.status, "release_id": o.release_id,
             "rows_read": o.rows_read, "rows_loaded": o.rows_loaded,
             "rows_quarantined": o.rows_quarantined} for o in outcomes]
    if fmt is Format.json:
        print_json([{**row, "message": o.message} for row, o in zip(rows, outcomes,
                                                                      strict=True)])
    else:
        emit(pa.Table.from_pylist(rows), fmt, title=f"Ingest into {State.home}")
        if any(o.rows_quarantined for o in outcomes) and fmt is Format.table:
            stdout.print("[dim]- See the quarantined rows with `immtrack quarantine`.[/dim]")
    if any(o.status == "refused" for o in outcomes):
        raise typer.Exit(EXIT_BAD_INPUT)
