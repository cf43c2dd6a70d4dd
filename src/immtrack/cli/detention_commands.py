"""ICE detention commands: ingest, national figures, facilities, stays and transfers, findings,
and distances from home."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import typer

from immtrack.cli.eoir_commands import synth_app
from immtrack.cli.main import FormatOption, State, app, friendly_errors, ingest_app
from immtrack.cli.output import Format, emit, print_json, stdout
from immtrack.errors import QueryError
from immtrack.ingest.ice import ingest_ice
from immtrack.lake.catalog import reader
from immtrack.metrics import detention, distance, stays

detention_app = typer.Typer(
    help="ICE detention: how many people are held, where, for how long, and what ICE's own "
         "releases contradict. Data: ICE's detention statistics workbooks (as the Deportation "
         "Data Project publishes them) and facility lists; `immtrack ingest ice` first.",
    no_args_is_help=True)
app.add_typer(detention_app, name="detention")


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date such as 2023-09-30") from None


def _emit(table: pa.Table, provenance: dict, fmt: Format, title: str, notes=()) -> None:
    synthetic = any(r["is_synthetic"] for r in provenance.get("releases", []))
    emit(table, fmt, payload={"rows": table.to_pylist(), "provenance": provenance},
         title=title, notes=[*(["GENERATED DATA in this release (person-level records)."]
                               if synthetic else []),
                             provenance.get("definition", ""), *notes])


@ingest_app.command("ice")
@friendly_errors
def ingest_ice_command(
    source: Annotated[Path, typer.Option(
        "--from", help="The ICE folder: detention_management_stats/*.parquet (DDP), "
                       "facilities/, historical/, offices/ (as ../shared/data/ice); ICE's own "
                       "FYxx_detentionStats*.xlsx workbooks anywhere in it are read too.")],
    stints: Annotated[Path | None, typer.Option(
        help="Person-level detention records in DDP's layout (CSV or Parquet).")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Read ICE detention statistics, facility lists and field offices as one release.

    Example: immtrack ingest ice --from ../shared/data/ice
    """
    outcome = ingest_ice(State.home, source, stints=stints)
    if fmt is Format.json:
        print_json(vars(outcome))
        return
    stdout.print(f"{outcome.name}: {outcome.status} (release {outcome.release_id}); read "
                 f"{outcome.rows_read:,} rows, loaded {outcome.rows_loaded:,}, quarantined "
                 f"{outcome.rows_quarantined:,}. {outcome.message}".strip())


@detention_app.command("national")
@friendly_errors
def national_command(
    measure: Annotated[str, typer.Option(
        help="adp (people held on an average day), avg_stay_days, book_ins or book_outs.")]
    = "adp",
    category: Annotated[str | None, typer.Option(
        help="adp/avg_stay_days: Average (everyone), ICE Average, CBP Average; book_ins: "
             "Total, ICE, CBP; book_outs: Total, Removed, Bonded Out, Paroled...")] = None,
    subcategory: Annotated[str | None, typer.Option(
        help="Criminality within the category: Convicted Criminal, Pending Criminal "
             "Charges, Other Immigration Violator, or all (default: the totals).")] = None,
    since: Annotated[str | None, typer.Option(help="First month, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Last month, YYYY-MM-DD.")] = None,
    by_release: Annotated[bool, typer.Option(
        help="Every workbook's value for each month (revisions side by side).")] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """ICE's national monthly detention figures; each month from the newest workbook.

    Example: immtrack detention national --measure adp --category Average --since 2024-10-01
    """
    table, provenance = detention.national(measure, category=category,
                                           subcategory=subcategory, since=_day(since),
                                           until=_day(until), by_release=by_release,
                                           home=State.home)
    _emit(table, provenance, fmt, f"National {measure}")


@detention_app.command("facilities")
@friendly_errors
def facilities_command(
    by: Annotated[str, typer.Option(
        help="facility, facility_type, aor or state.")] = "facility",
    workbook: Annotated[str | None, typer.Option(
        help="File date of the ICE workbook (default: the newest).")] = None,
    state: Annotated[str | None, typer.Option(help="Two-letter state.")] = None,
    aor: Annotated[str | None, typer.Option(help="ERO area of responsibility (NYC...).")]
    = None,
    facility_type: Annotated[str | None, typer.Option(
        "--type", help="IGSA, DIGSA, SPC, CDF, USMS IGA...")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Average daily population and length of stay by facility, type, AOR or state.

    Example: immtrack detention facilities --by facility_type
    """
    table, provenance = detention.facility_population(
        by, workbook=_day(workbook), state=state, aor=aor, facility_type=facility_type,
        home=State.home)
    _emit(table, provenance, fmt, f"Detention population by {by}")


@detention_app.command("findings")
@friendly_errors
def findings_command(fmt: FormatOption = Format.table) -> None:
    """Where ICE's workbooks contradict themselves: facilities that do not sum to the national
    figure, year-to-date counts that fall, workbooks that repeat an earlier one."""
    table, provenance = detention.findings(home=State.home)
    _emit(table, provenance, fmt, "Consistency findings")


@detention_app.command("stays")
@friendly_errors
def stays_command(
    by: Annotated[str, typer.Option(help="citizenship, gender or release_reason.")]
    = "citizenship",
    citizenship: Annotated[str | None, typer.Option(help="Only this citizenship.")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Length of detention stays from person-level records: median and 90th percentile, with
    stays still open counted (Kaplan-Meier), by citizenship or another group."""
    table = stays.length_of_stay(by, citizenship=citizenship, home=State.home)
    _emit(table, _person_provenance("length_of_stay"), fmt, "Length of stay (days)")


@detention_app.command("transfers")
@friendly_errors
def transfers_command(
    by: Annotated[str, typer.Option(help="citizenship, gender or release_reason.")]
    = "citizenship",
    citizenship: Annotated[str | None, typer.Option(help="Only this citizenship.")] = None,
    moves: Annotated[bool, typer.Option(
        "--list", help="List every transfer with its distance instead.")] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Transfers between facilities within a detention stay, and how far each one moved a
    person (great-circle km)."""
    summary, listing = stays.transfers(by, citizenship=citizenship, home=State.home)
    _emit(listing if moves else summary, _person_provenance("transfers"), fmt, "Transfers")


def _person_provenance(metric: str) -> dict:
    release = reader(State.home).execute(
        """SELECT release_id, release_label, is_synthetic FROM release_order
           WHERE source = 'ice' ORDER BY release_rank DESC LIMIT 1""").fetchall()
    return {"metric": metric, "definition": stays.DEFINITIONS[metric],
            "releases": [dict(zip(("release_id", "label", "is_synthetic"), row, strict=True))
                         for row in release]}


@app.command("facilities")
@friendly_errors
def facilities_list_command(
    search: Annotated[str | None, typer.Argument(help="Part of a name or city.")] = None,
    state: Annotated[str | None, typer.Option(help="Two-letter state.")] = None,
    aor: Annotated[str | None, typer.Option(help="ERO area of responsibility.")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Detention facilities known to ICE's lists, with DETLOC code, location and where each
    field came from (2015 list, FOIA list, DDP geocodes).

    Example: immtrack facilities stewart --state GA
    """
    conditions, params = ["true"], []
    for clause, value in (("state_code = ?", state), ("aor_code = ?", aor)):
        if value:
            conditions.append(clause)
            params.append(value.upper())
    if search:
        conditions.append("(facility_name ILIKE ? OR city ILIKE ? OR detloc = ?)")
        params += [f"%{search}%", f"%{search}%", search.upper()]
    table = reader(State.home).sql(
        f"""SELECT detloc, facility_name, city, state_code, facility_type, aor_code, latitude,
                   longitude, last_used, field_sources FROM core_ice__facilities
            WHERE {' AND '.join(conditions)} ORDER BY state_code, city, facility_name""",
        params=params).to_arrow_table()
    shown = table if fmt is not Format.table else table.drop_columns(["field_sources"])
    emit(shown, fmt, payload={"rows": table.to_pylist()}, title="Detention facilities",
         notes=["field_sources (in csv and json) names the list each field came from."])


@app.command("distance")
@friendly_errors
def distance_command(
    origin: Annotated[str, typer.Argument(
        help="Home: 'City, ST', 'Name County, ST', 'AOR:NYC', a facility code or "
             "'lat,lon'.")],
    destination: Annotated[str | None, typer.Argument(
        help="A facility code (or any place); without it, the nearest facilities.")] = None,
    nearest: Annotated[int, typer.Option(help="How many nearest facilities.")] = 10,
    used_since: Annotated[str | None, typer.Option(
        help="Only facilities in use since this year (FOIA list or ICE's 2015 list).")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """How far a place is from detention facilities (great-circle km and miles).

    Examples:

        immtrack distance "Brooklyn, NY" STWRTGA

        immtrack distance "Brooklyn, NY" --nearest 5 --used-since 2015
    """
    start = distance.resolve(origin, State.home)
    if destination:
        result = distance.between(start, distance.resolve(destination, State.home))
        emit(pa.Table.from_pylist([result]), fmt, payload=result, title="Distance",
             notes=[distance.__doc__.split("\n\n")[2].replace("\n", " ")])
        return
    if nearest < 1:
        raise QueryError("--nearest must be 1 or more")
    table = distance.nearest_facilities(start, limit=nearest, used_since=used_since,
                                        home=State.home)
    emit(table, fmt, payload={"from": vars(start), "rows": table.to_pylist()},
         title=f"Facilities nearest {start.label} ({start.located_by})")


@synth_app.command("stints")
@friendly_errors
def synth_stints_command(
    out: Annotated[Path, typer.Option(help="CSV file to write.")],
    people: Annotated[int, typer.Option(help="People to invent.")] = 1000,
    seed: Annotated[int, typer.Option(help="Same seed, same file.")] = 1,
) -> None:
    """Invent person-level detention records in DDP's layout (for demos and tests)."""
    codes = [r[0] for r in reader(State.home).execute(
        "SELECT detloc FROM core_ice__facilities WHERE latitude IS NOT NULL "
        "AND last_used >= DATE '2015-01-01' ORDER BY detloc").fetchall()]
    if not codes:
        raise QueryError("ingest the ICE facility lists first (`immtrack ingest ice`)")
    from immtrack.synth.ice_stints import write_stints

    planted = write_stints(out, people, codes, seed=seed)
    stdout.print(f"wrote {out} ({people:,} people); planted quirks on lines "
                 + ", ".join(str(p["line"]) for p in planted))
