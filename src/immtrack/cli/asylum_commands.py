"""Immigration-court asylum commands: outcome rates, filings, cohorts, backlog, time to decision.

Every command takes the same slice options (nationality, court, custody, representation...),
so a question can move from one metric to the next unchanged.
"""

from __future__ import annotations

import functools
import inspect
from datetime import date
from typing import Annotated

import typer

from immtrack.cli.main import FormatOption, State, app, friendly_errors, split_list
from immtrack.cli.output import Format, emit
from immtrack.metrics.applications import DIMENSIONS as APPLICATION_DIMENSIONS
from immtrack.metrics.applications import (
    ApplicationQuestion,
    backlog,
    cohort,
    filings,
    time_to_decision,
)
from immtrack.metrics.asylum import DIMENSIONS, AsylumQuestion, asylum
from immtrack.metrics.definitions import DEFINITIONS, SMALL_N, UNITS
from immtrack.metrics.slices import ASYLUM_TYPE_VALUES, REPRESENTATION


def parse_day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date such as 2022-02-24") from None


Nationality = Annotated[str | None, typer.Option(
    help="EOIR nationality code: RU Russia, UE Ukraine, MX Mexico, CH China...")]
Court = Annotated[str | None, typer.Option(help="Base city code of the court (NYC...).")]
HearingLocation = Annotated[str | None, typer.Option(help="Hearing location code.")]
Judge = Annotated[str | None, typer.Option(help="Immigration judge code.")]
Custody = Annotated[str | None, typer.Option(
    help="Custody at the proceeding: N never detained, D detained, R released.")]
EverDetained = Annotated[bool | None, typer.Option(
    "--ever-detained/--never-detained", show_default=False,
    help="Only cases ever held (custody history, or a detained or released proceeding), or "
         "only cases never held.")]
CaseType = Annotated[str | None, typer.Option(help="RMV removal, AOC asylum only...")]
AsylumType = Annotated[str | None, typer.Option(
    help="Who started the asylum clock (C_ASY_TYPE): affirmative (I: referred by the asylum "
         "office), defensive (E: claimed in court), or unknown (blank or other codes).")]
Affirmative = Annotated[bool | None, typer.Option(
    "--affirmative/--defensive", show_default=False,
    help="Short for --asylum-type affirmative or --asylum-type defensive (cases whose type "
         "EOIR did not record are in neither).")]
Riders = Annotated[bool | None, typer.Option(
    "--riders/--no-riders", show_default=False,
    help="--no-riders leaves family members' rider cases out; --riders keeps only them.")]
Represented = Annotated[bool | None, typer.Option(
    "--represented/--unrepresented", show_default=False,
    help="Only cases with (or without) counsel for the noncitizen; see --represented-at.")]
RepresentedAt = Annotated[str, typer.Option(
    help="When counsel must have appeared: " + ", ".join(REPRESENTATION) + ".")]
Since = Annotated[str | None, typer.Option(help="On or after YYYY-MM-DD (e.g. 2022-02-24).")]
Until = Annotated[str | None, typer.Option(help="Up to YYYY-MM-DD.")]
FiscalYear = Annotated[int | None, typer.Option(
    "--fy", help="In this fiscal year (October to September).")]
Engine = Annotated[str, typer.Option(
    help="duckdb (embedded, default) or spark: the same metric code on either.")]
SparkMaster = Annotated[str | None, typer.Option(
    help="Spark master URL with --engine spark (default local[2]).")]
ApplicationBy = Annotated[list[str] | None, typer.Option(
    help="Break down by: " + ", ".join(APPLICATION_DIMENSIONS) + ".")]


# The options every asylum command shares: name -> (annotation, default).
SLICE_OPTIONS = {
    "nationality": (Nationality, None), "court": (Court, None),
    "hearing_location": (HearingLocation, None), "judge": (Judge, None),
    "custody": (Custody, None), "ever_detained": (EverDetained, None),
    "case_type": (CaseType, None), "asylum_type": (AsylumType, None),
    "affirmative": (Affirmative, None), "riders": (Riders, None),
    "represented": (Represented, None), "represented_at": (RepresentedAt, "ever"),
    "since": (Since, None), "until": (Until, None), "fiscal_year": (FiscalYear, None),
}


def with_slice_options(command):
    """Give a command the shared slice options; it receives them as `slice_options`, the
    keyword arguments of a metrics Slice, so each option is declared once for every command."""
    shared = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                annotation=annotation)
              for name, (annotation, default) in SLICE_OPTIONS.items()]
    own = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
           for p in inspect.signature(command, eval_str=True).parameters.values()
           if p.name != "slice_options"]

    @functools.wraps(command)
    def wrapper(**options):
        chosen = {name: options.pop(name) for name in SLICE_OPTIONS}
        chosen["rider"] = chosen.pop("riders")
        affirmative = chosen.pop("affirmative")
        if affirmative is not None:
            wanted = "affirmative" if affirmative else "defensive"
            if chosen["asylum_type"] not in (None, wanted):
                raise typer.BadParameter(f"--{wanted} contradicts --asylum-type "
                                         f"{chosen['asylum_type']}")
            chosen["asylum_type"] = wanted
        if chosen["asylum_type"] not in (None, *ASYLUM_TYPE_VALUES):
            raise typer.BadParameter("--asylum-type must be one of "
                                     + ", ".join(ASYLUM_TYPE_VALUES))
        chosen["since"], chosen["until"] = parse_day(chosen["since"]), parse_day(chosen["until"])
        return command(slice_options=chosen, **options)

    parameters = [*shared, *own]
    wrapper.__signature__ = inspect.Signature(parameters)
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    return wrapper


def _notes(provenance: dict) -> list[str]:
    notes = [f"{name}: {text}" for name, text in provenance["definitions"].items()]
    notes += provenance.get("notes", [])
    if any(r["is_synthetic"] for r in provenance["releases"]):
        notes.insert(0, "GENERATED DATA: the EOIR release in this lake was generated by "
                        "immtrack (invented records in EOIR's format).")
    return notes


def _emit(table, provenance: dict, fmt: Format, title: str, extra: list[str] = ()) -> None:
    emit(table, fmt, payload={"rows": table.to_pylist(),
                              "excluded": provenance.get("excluded", {}),
                              "notes": [*provenance.get("notes", []), *extra],
                              "provenance": provenance},
         title=title, notes=[*_notes(provenance), *extra])


@app.command("asylum")
@friendly_errors
@with_slice_options
def asylum_command(
    slice_options: dict,
    by: Annotated[list[str] | None, typer.Option(
        help="Break down by: " + ", ".join(DIMENSIONS) + ".")] = None,
    definition: Annotated[list[str] | None, typer.Option(
        help="Only these definitions: " + ", ".join(DEFINITIONS) + " (default: all).")]
    = None,
    unit: Annotated[str | None, typer.Option(
        help="Count every definition in one unit instead of its own: "
             + "; ".join(f"{name} = {text}" for name, text in UNITS.items())
             + ". By default merits counts TRAC's unit, eoir_completion EOIR's, the rest "
               "every decision.")] = None,
    date_basis: Annotated[str, typer.Option(
        help="Dates and --fy filter the decision date (decision) or the filing date (filing).")]
    = "decision",
    engine: Engine = "duckdb", spark_master: SparkMaster = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Asylum outcome rates from immigration-court decisions, every definition side by side.

    The same decisions give different rates depending on what is divided by what, and what
    one count is: **merits** is TRAC's method (grants / (grants + denials), one decision per
    case per fiscal year); **eoir_completion** is EOIR's (grants / (grants + denials +
    other), initial case completions only, other = abandoned, withdrawn, not adjudicated,
    other and CAT withholding); **protection** counts withholding and CAT protection too;
    **denial** and **denial_without_other_relief** split the denials; **allowed_to_stay**,
    **removal_order** and **voluntary_departure** read the court's decision on the whole
    proceeding. Each row names its unit; every rate comes with n and a 95% Wilson interval;
    rates under 30 in the denominator are flagged, not hidden; rows with codes outside EOIR's
    lookups are left out and counted. docs/metrics.md defines each one.

    Examples:

        immtrack asylum --nationality RU --since 2022-02-24 --by fiscal_year --definition merits

        immtrack asylum --nationality RU --by represented_at_first_hearing --unit cases
    """
    question = AsylumQuestion(
        **slice_options, by=split_list(by), definitions=split_list(definition) or tuple(DEFINITIONS),
        unit=unit, date_basis=date_basis)
    answer = asylum(question, home=State.home, engine=engine, spark_master=spark_master)
    answer.provenance["notes"] = answer.notes
    _emit(answer.table, answer.provenance, fmt, "Asylum outcomes",
          [f"small_n: fewer than {SMALL_N} in the denominator."])


def _application_question(slice_options: dict, by) -> ApplicationQuestion:
    return ApplicationQuestion(**slice_options, by=split_list(by))


@app.command("filings")
@friendly_errors
@with_slice_options
def filings_command(
    slice_options: dict, by: ApplicationBy = None, engine: Engine = "duckdb",
    spark_master: SparkMaster = None, fmt: FormatOption = Format.table,
) -> None:
    """Asylum applications filed in immigration court, as applications and as cases.

    A case can file more than once (a new proceeding after a remand or a change of venue), so
    both counts are given. Dates are filing dates (the court received the application).

    Example: immtrack filings --nationality RU --since 2022-02-24 --by filed_fy
    """
    question = _application_question(slice_options, by)
    table, provenance = filings(question, home=State.home, engine=engine,
                                spark_master=spark_master)
    _emit(table, provenance, fmt, "Asylum applications filed")


@app.command("cohort")
@friendly_errors
@with_slice_options
def cohort_command(
    slice_options: dict, by: ApplicationBy = None,
    as_of: Annotated[str | None, typer.Option(
        help="Outcomes as of this date (default: the release's last date of data).")] = None,
    engine: Engine = "duckdb", spark_master: SparkMaster = None,
    fmt: FormatOption = Format.table,
) -> None:
    """What became of the asylum applications filed in a period: granted, denied, other,
    closed without decision, pending.

    Unlike a grant rate, a cohort keeps the applications still waiting in its denominator, so
    it answers "of the people who applied, how many got asylum so far?". Each share comes with
    n and a 95% Wilson interval.

    Example: immtrack cohort --nationality RU --since 2022-02-24 --as-of 2024-09-30
    """
    question = _application_question(slice_options, by)
    table, provenance = cohort(question, as_of=parse_day(as_of), home=State.home,
                               engine=engine, spark_master=spark_master)
    _emit(table, provenance, fmt, "Outcomes of an application cohort")


@app.command("backlog")
@friendly_errors
@with_slice_options
def backlog_command(
    slice_options: dict, by: ApplicationBy = None,
    at: Annotated[str | None, typer.Option(
        help="Pending on this date (default: the release's last date of data).")] = None,
    engine: Engine = "duckdb", spark_master: SparkMaster = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Asylum applications pending in immigration court on a date, as applications and cases.

    Pending = filed on or before the date, neither decided nor closed without decision by then
    (an application whose proceeding was completed without an asylum decision is closed, not
    pending). --since/--until/--fy narrow the filing dates.

    Example: immtrack backlog --at 2023-09-30 --by nationality
    """
    question = _application_question(slice_options, by)
    table, provenance = backlog(question, at=parse_day(at), home=State.home, engine=engine,
                                spark_master=spark_master)
    _emit(table, provenance, fmt, "Pending asylum applications")


@app.command("time-to-decision")
@friendly_errors
@with_slice_options
def time_to_decision_command(
    slice_options: dict, by: ApplicationBy = None, engine: Engine = "duckdb",
    spark_master: SparkMaster = None, fmt: FormatOption = Format.table,
) -> None:
    """Days from filing an asylum application to the court's decision, pending cases counted.

    Kaplan-Meier: applications still pending are censored at the release's last date, and
    those closed without decision at the date they closed, instead of being dropped (dropping
    them would make courts look fast). Percentiles the data do not reach are left empty ("not
    reached").

    Example: immtrack time-to-decision --nationality RU --by custody
    """
    question = _application_question(slice_options, by)
    table, provenance = time_to_decision(question, home=State.home, engine=engine,
                                         spark_master=spark_master)
    _emit(table, provenance, fmt, "Time to decision (days)")
