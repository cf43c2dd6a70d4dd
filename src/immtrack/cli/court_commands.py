"""Immigration-court flow commands: new cases, outcomes and in absentia orders, MPP, bond,
charges and appeals.

They share one set of filters (nationality, court, judge, custody, charge group, MPP...) and
one way to name a period: --from/--to months, --since/--until days, or --fy. Each answer names
its unit, gives n and a 95% interval for every share, says what it left out, and carries its
provenance (--format json).
"""

from __future__ import annotations

import calendar
import functools
import inspect
from datetime import date
from typing import Annotated

import typer

from immtrack.cli.asylum_commands import (
    Court,
    Custody,
    Engine,
    FiscalYear,
    HearingLocation,
    Judge,
    Nationality,
    SparkMaster,
    parse_day,
)
from immtrack.cli.main import FormatOption, State, app, friendly_errors, split_list
from immtrack.cli.output import Format, emit, print_json
from immtrack.metrics.appeals import BREAKDOWNS as APPEAL_BREAKDOWNS
from immtrack.metrics.appeals import AppealQuestion, appeals
from immtrack.metrics.bond import BREAKDOWNS as BOND_BREAKDOWNS
from immtrack.metrics.bond import BondQuestion, bond
from immtrack.metrics.definitions import SMALL_N
from immtrack.metrics.mpp import BREAKDOWNS as MPP_BREAKDOWNS
from immtrack.metrics.mpp import MppQuestion, mpp
from immtrack.metrics.new_cases import BREAKDOWNS as NEW_CASE_BREAKDOWNS
from immtrack.metrics.new_cases import NewCasesQuestion, charges, new_cases
from immtrack.metrics.outcomes import BREAKDOWNS as OUTCOME_BREAKDOWNS
from immtrack.metrics.outcomes import DEFINITIONS as OUTCOME_DEFINITIONS
from immtrack.metrics.outcomes import UNITS as OUTCOME_UNITS
from immtrack.metrics.outcomes import OutcomeQuestion, outcomes
from immtrack.schema.eoir import CHARGE_GROUP_TITLES


def parse_month(text: str | None, *, end: bool) -> date | None:
    """YYYY-MM as its first day (or, with `end`, its last day)."""
    if text is None:
        return None
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, calendar.monthrange(year, month)[1] if end else 1)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a month such as 2021-10") from None


CaseType = Annotated[str | None, typer.Option(help="RMV removal, DEP deportation, AOC...")]
ChargeGroup = Annotated[str | None, typer.Option(
    help="Most serious charge group: " + ", ".join(CHARGE_GROUP_TITLES) + ".")]
Mpp = Annotated[bool | None, typer.Option(
    "--mpp/--no-mpp", show_default=False,
    help="Only Migrant Protection Protocols cases (case identifier MP or an MPP hearing "
         "location), or none of them.")]
Represented = Annotated[bool | None, typer.Option(
    "--represented/--unrepresented", show_default=False,
    help="Only completions (or bond decisions) with court counsel by the completion date, or "
         "without.")]
FromMonth = Annotated[str | None, typer.Option("--from", help="From this month (YYYY-MM).")]
ToMonth = Annotated[str | None, typer.Option("--to", help="To this month (YYYY-MM), included.")]
Since = Annotated[str | None, typer.Option(help="On or after YYYY-MM-DD.")]
Until = Annotated[str | None, typer.Option(help="Up to YYYY-MM-DD.")]

COURT_OPTIONS = {
    "nationality": (Nationality, None), "court": (Court, None),
    "hearing_location": (HearingLocation, None), "judge": (Judge, None),
    "case_type": (CaseType, None), "custody": (Custody, None),
    "charge_group": (ChargeGroup, None), "mpp": (Mpp, None),
    "represented": (Represented, None), "from_month": (FromMonth, None),
    "to_month": (ToMonth, None), "since": (Since, None), "until": (Until, None),
    "fiscal_year": (FiscalYear, None),
}


def with_court_options(command):
    """Give a command the shared court-flow filters; it receives them as `slice_options`, the
    keyword arguments of a metrics CourtSlice."""
    shared = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                annotation=annotation)
              for name, (annotation, default) in COURT_OPTIONS.items()]
    own = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
           for p in inspect.signature(command, eval_str=True).parameters.values()
           if p.name != "slice_options"]

    @functools.wraps(command)
    def wrapper(**options):
        chosen = {name: options.pop(name) for name in COURT_OPTIONS}
        since, until = parse_day(chosen.pop("since")), parse_day(chosen.pop("until"))
        first = parse_month(chosen.pop("from_month"), end=False)
        last = parse_month(chosen.pop("to_month"), end=True)
        if (since and first) or (until and last):
            raise typer.BadParameter("give a period with --from/--to or --since/--until, "
                                     "not both")
        chosen["since"], chosen["until"] = since or first, until or last
        if chosen["nationality"]:
            chosen["nationality"] = chosen["nationality"].upper()
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
    release = provenance["releases"][0]
    notes.append(f"Release {release['label']} ({release['release_id']}), data through "
                 f"{release['data_through']}; engine {provenance['engine']}; code "
                 f"{provenance['code_version']}.")
    return notes


def _show(answer, fmt: Format, title: str, section_titles: dict[str, str] | None = None
          ) -> None:
    """The main table, then each section; JSON holds them all with the provenance."""
    if fmt is Format.json:
        print_json(answer.to_dict())
        return
    sections = section_titles or {}
    if fmt is Format.csv:
        emit(answer.table, fmt)
        return
    emit(answer.table, fmt, title=title, notes=[] if sections else _notes(answer.provenance))
    for index, (key, section_title) in enumerate(sections.items()):
        last = index == len(sections) - 1
        emit(answer.sections[key], fmt, title=section_title,
             notes=_notes(answer.provenance) if last else [])


SMALL = f"small_n: fewer than {SMALL_N} in the denominator."


@app.command("new-cases")
@friendly_errors
@with_court_options
def new_cases_command(
    slice_options: dict,
    by: Annotated[list[str] | None, typer.Option(
        help="Break down by: " + ", ".join(NEW_CASE_BREAKDOWNS) + ".")] = None,
    unit: Annotated[str, typer.Option(help="cases (each case once) or proceedings.")]
    = "cases",
    engine: Engine = "duckdb", spark_master: SparkMaster = None,
    fmt: FormatOption = Format.table,
) -> None:
    """New cases in immigration court, by the date of the charging document (Notice to Appear).

    Each case counts once, in the month of its NTA (OSC_DATE), with its first proceeding's
    court, case type, custody at filing and charge group. Cases without a usable NTA date are
    left out and counted.

    Example: immtrack new-cases --nationality RU --from 2021-10 --to 2022-09 --by month
    """
    answer = new_cases(NewCasesQuestion(**slice_options, by=split_list(by), unit=unit),
                       home=State.home, engine=engine, spark_master=spark_master)
    _show(answer, fmt, "New cases (by Notice to Appear date)")


@app.command("outcomes")
@friendly_errors
@with_court_options
def outcomes_command(
    slice_options: dict,
    by: Annotated[list[str] | None, typer.Option(
        help="Break down by: " + ", ".join(OUTCOME_BREAKDOWNS) + ".")] = None,
    definition: Annotated[list[str] | None, typer.Option(
        help="Only these: " + ", ".join(OUTCOME_DEFINITIONS) + " (default: all).")] = None,
    unit: Annotated[str, typer.Option(
        help="; ".join(f"{k} = {v}" for k, v in OUTCOME_UNITS.items()) + ".")]
    = "completed_cases",
    engine: Engine = "duckdb", spark_master: SparkMaster = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Outcomes of completed proceedings: removal orders, voluntary departure, relief,
    terminations, administrative closures, other, and the share ordered in absentia.

    Each outcome is the court's decision read with the case type through EOIR's own
    court-decision lookup. Shares come with n and a 95% Wilson interval, in a named unit:
    TRAC-style completed cases (default), EOIR's initial completions, or every completion.
    Dates and --fy filter the completion date.

    Example: immtrack outcomes --nationality RU --fy 2024 --by court
    """
    question = OutcomeQuestion(**slice_options, by=split_list(by), unit=unit,
                               definitions=split_list(definition) or tuple(OUTCOME_DEFINITIONS))
    answer = outcomes(question, home=State.home, engine=engine, spark_master=spark_master)
    _show(answer, fmt, "Outcomes of completed proceedings")
    if fmt is Format.table:
        typer.echo(SMALL)


@app.command("mpp")
@friendly_errors
@with_court_options
def mpp_command(
    slice_options: dict,
    by: Annotated[list[str] | None, typer.Option(
        help="Enrolments by: " + ", ".join(MPP_BREAKDOWNS) + " (default month).")] = None,
    unit: Annotated[str, typer.Option(help="Outcomes' unit: " + ", ".join(OUTCOME_UNITS))]
    = "completed_cases",
    engine: Engine = "duckdb", spark_master: SparkMaster = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Migrant Protection Protocols ("Remain in Mexico"): enrolments, outcomes, in absentia
    orders, representation and time from the charging document to completion.

    MPP cases are those EOIR marks MP (A_TblCaseIdentifier) or heard at the MPP hearing
    locations (CIX, ENP, MPB, MPL, OPP, SYP, TUM). Time to completion is Kaplan-Meier, cases
    still pending censored.

    Example: immtrack mpp --by month
    """
    slice_options.pop("mpp", None)
    answer = mpp(MppQuestion(**slice_options, by=split_list(by) or ("month",), unit=unit),
                 home=State.home, engine=engine, spark_master=spark_master)
    _show(answer, fmt, "MPP enrolments (new MPP cases by NTA date)",
          {"outcomes": "Outcomes of MPP cases",
           "time_to_completion": "Days from NTA to completion (pending censored)"})


@app.command("bond")
@friendly_errors
@with_court_options
def bond_command(
    slice_options: dict,
    by: Annotated[list[str] | None, typer.Option(
        help="Break down by: " + ", ".join(BOND_BREAKDOWNS) + ".")] = None,
    date_basis: Annotated[str, typer.Option(
        help="Dates and --fy filter the decision date (decision) or the request date.")]
    = "decision",
    engine: Engine = "duckdb", spark_master: SparkMaster = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Bond hearings: requests, decisions by EOIR's codes, amounts set by DHS and by the
    judge (median and quartiles), how the judge changed them, and days from detention to the
    decision.

    Example: immtrack bond --nationality RU --fy 2023
    """
    answer = bond(BondQuestion(**slice_options, by=split_list(by), date_basis=date_basis),
                  home=State.home, engine=engine, spark_master=spark_master)
    _show(answer, fmt, "Bond requests, decisions and amounts",
          {"decisions": "Bond decisions by code (EOIR publishes no lookup for them)",
           "amount_change": "The judge's bond against DHS's"})


@app.command("charges")
@friendly_errors
@with_court_options
def charges_command(
    slice_options: dict,
    by: Annotated[list[str] | None, typer.Option(
        help="Break down by: " + ", ".join(NEW_CASE_BREAKDOWNS) + ".")] = None,
    unit: Annotated[str, typer.Option(help="cases (each case once) or proceedings.")]
    = "cases",
    engine: Engine = "duckdb", spark_master: SparkMaster = None,
    fmt: FormatOption = Format.table,
) -> None:
    """New cases by charge group (entry without inspection, arriving without documents,
    criminal grounds...), each with its share and a 95% interval.

    Example: immtrack charges --nationality RU --by fiscal_year --since 2019-10-01
    """
    answer = charges(NewCasesQuestion(**slice_options, by=split_list(by), unit=unit),
                     home=State.home, engine=engine, spark_master=spark_master)
    _show(answer, fmt, "New cases by charge group")


@app.command("appeals")
@friendly_errors
@with_court_options
def appeals_command(
    slice_options: dict,
    by: Annotated[list[str] | None, typer.Option(
        help="Break down by: " + ", ".join(APPEAL_BREAKDOWNS) + ".")] = None,
    category: Annotated[str, typer.Option(
        help="IJ (appeals of immigration judges' decisions), DD (of DHS officers'), or all.")]
    = "IJ",
    date_basis: Annotated[str, typer.Option(
        help="Dates and --fy filter the filing date (filed) or the Board's decision date.")]
    = "filed",
    engine: Engine = "duckdb", spark_master: SparkMaster = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Appeals to the Board of Immigration Appeals: who appealed and what the Board decided.

    Example: immtrack appeals --nationality RU --fy 2023
    """
    question = AppealQuestion(**slice_options, by=split_list(by),
                              category=None if category == "all" else category,
                              date_basis=date_basis)
    answer = appeals(question, home=State.home, engine=engine, spark_master=spark_master)
    _show(answer, fmt, "Appeals to the Board")
