"""New cases in immigration court (proceedings begun, by the date of the charging document),
and the charges they are brought on.

One unit, named in every answer: a case (one charging document, IDNCASE) counted once, in the
month and fiscal year of its Notice to Appear (the earliest OSC_DATE of its proceedings), with
the nationality, court, hearing location, case type, custody and charge group of its first
proceeding. Cases without a usable NTA date (blank, or an EOIR placeholder before 1951) cannot
be placed in time and are left out and counted. `charges` counts the same cases by charge
group (or every proceeding, `unit="proceedings"`), with each group's share and a 95% Wilson
interval.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from immtrack.errors import QueryError
from immtrack.lake.home import default_home
from immtrack.metrics.court_slices import (
    CourtSlice,
    answer,
    apply_filters,
    check_by,
    court_provenance,
    grouped,
    months_as_text,
    share_row,
)
from immtrack.metrics.definitions import SMALL_N
from immtrack.metrics.engine import open_engine
from immtrack.schema.eoir import CHARGE_GROUP_TITLES

TABLE = "core_eoir__proceedings"
DERIVED_FROM = ["raw_eoir__b_tblproceeding", "raw_eoir__a_tblcase",
                "raw_eoir__b_tblproceedcharges", "raw_eoir__a_tblcaseidentifier"]
BREAKDOWNS = {"month": "nta_month", "fiscal_year": "nta_fy", "nationality": "nationality",
              "court": "court", "hearing_location": "hearing_location",
              "case_type": "case_type", "custody": "custody", "charge_group": "charge_group",
              "mpp": "mpp"}
UNITS = {
    "cases": "each case (charging document) once, in the month of its Notice to Appear "
             "(earliest OSC_DATE), with its first proceeding's court, case type, custody and "
             "charge group",
    "proceedings": "every proceeding (a case's later proceedings too: changes of venue, "
                   "remands, reopenings), dated by its case's Notice to Appear",
}
DEFINITION = ("New cases: cases whose charging document (Notice to Appear, OSC_DATE) falls in "
              "the period, each counted once, with its first proceeding's dimensions.")
EXCLUSIONS = {"no_nta_date": "cases without a usable NTA date (blank, or before 1951)"}


@dataclass(frozen=True)
class NewCasesQuestion(CourtSlice):
    by: tuple[str, ...] = ()
    unit: str = "cases"


def _rows(home: Path, question: NewCasesQuestion, engine: str, spark_master: str | None):
    check_by(question.by, BREAKDOWNS)
    if question.unit not in UNITS:
        raise QueryError(f"no unit {question.unit} (units: {', '.join(UNITS)})")
    if question.represented is not None:
        raise QueryError("new cases are counted when filed: representation is not a filter "
                         "here (see outcomes)")
    runner = open_engine(home, engine, spark_master)
    table = runner.table(TABLE)
    if question.unit == "cases":
        table = table.filter(table.is_first_proceeding)
    undated = apply_filters(table, question, day="nta_date", fiscal_year="nta_fy",
                            represented=None, dates=False)
    excluded = runner.to_pyarrow(undated.aggregate(
        no_nta_date=undated.nta_date.isnull().sum().cast("int64"))).to_pylist()[0]
    table = apply_filters(table.filter(table.nta_date.notnull()), question, day="nta_date",
                          fiscal_year="nta_fy", represented=None)
    return runner, table, {k: int(v or 0) for k, v in excluded.items()}


def _notes(unit: str, excluded: dict[str, int]) -> list[str]:
    notes = [f"Unit {unit}: {UNITS[unit]}."]
    notes += [f"Left out: {n:,} {EXCLUSIONS[k]}." for k, n in excluded.items() if n]
    return notes


def new_cases(question: NewCasesQuestion | None = None, *, home: Path | None = None,
              engine: str = "duckdb", spark_master: str | None = None, **options):
    """Cases begun in immigration court, by NTA month or fiscal year and any dimension.

    >>> new_cases(nationality="RU", since=date(2021, 10, 1), by=("month",))  # doctest: +SKIP
    """
    question = question or NewCasesQuestion(**options)
    home = home or default_home()
    runner, table, excluded = _rows(home, question, engine, spark_master)
    counts = grouped(table, question.by, BREAKDOWNS,
                     {"new_cases": table.count().cast("int64")})
    rows = months_as_text(runner.to_pyarrow(counts).to_pylist())
    rows = [{**r, "unit": question.unit} for r in rows if r["new_cases"]]
    notes = _notes(question.unit, excluded)
    provenance = court_provenance(
        home, metric="new_cases", table=TABLE, derived_from=DERIVED_FROM,
        definitions={"new_cases": DEFINITION}, question=question,
        options={"unit": question.unit, "by": list(question.by), "date": "nta_date"},
        engine=runner.name, excluded=excluded, notes=notes)
    return answer("new_cases", question, rows, provenance)


def charges(question: NewCasesQuestion | None = None, *, home: Path | None = None,
            engine: str = "duckdb", spark_master: str | None = None, **options):
    """New cases by charge group (each case's most serious charge), with each group's share
    of the cases in its breakdown row and a 95% interval."""
    question = question or NewCasesQuestion(**options)
    by = tuple(b for b in question.by if b != "charge_group")
    home = home or default_home()
    runner, table, excluded = _rows(home, replace(question, by=by), engine, spark_master)
    counts = grouped(table, (*by, "charge_group"), BREAKDOWNS,
                     {"count": table.count().cast("int64")})
    found = months_as_text(runner.to_pyarrow(counts).to_pylist())
    totals: dict[tuple, int] = {}
    for row in found:
        key = tuple(row[b] for b in by)
        totals[key] = totals.get(key, 0) + row["count"]
    rows = []
    for row in found:
        n = totals[tuple(row[b] for b in by)]
        rows.append({**{b: row[b] for b in by}, "charge_group": row["charge_group"],
                     "unit": question.unit, **share_row(row["count"], n, SMALL_N)})
    notes = _notes(question.unit, excluded) + [
        "Charge group: the proceeding's most serious charge (order: "
        + ", ".join(k for k in CHARGE_GROUP_TITLES if k != "none")
        + "); none when EOIR recorded no charge; unknown when all its charge codes are "
          "missing from tbllookupCharges."]
    provenance = court_provenance(
        home, metric="charges", table=TABLE, derived_from=DERIVED_FROM,
        definitions={"charge_group": "Share of new cases whose most serious charge is in "
                                     "the group; " + "; ".join(
                                         f"{k}: {v}" for k, v in CHARGE_GROUP_TITLES.items())},
        question=question, options={"unit": question.unit, "by": list(by)},
        engine=runner.name, excluded=excluded, notes=notes)
    return answer("charges", question, rows, provenance)
