"""Migrant Protection Protocols ("Remain in Mexico"): enrolments, outcomes, in absentia
orders, representation and time from the charging document to completion.

An MPP case is one EOIR marks with the case identifier MP (A_TblCaseIdentifier), or one with a
proceeding heard at an MPP hearing location of tblLookupHloc (schema.eoir.MPP_CASE_IDS,
MPP_HEARING_LOCATIONS). Enrolments are new MPP cases by their NTA date (metrics/new_cases.py's
unit); outcomes are outcomes.py's shares for MPP cases, in its units; time to completion runs
from the NTA date to the case's initial completion, Kaplan-Meier with cases still pending
censored at the release's last date of data (dropping them would make MPP look fast).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import ibis

from immtrack.errors import QueryError
from immtrack.lake.home import default_home
from immtrack.metrics.court_slices import (
    CourtSlice,
    answer,
    apply_filters,
    court_provenance,
)
from immtrack.metrics.engine import open_engine
from immtrack.metrics.new_cases import NewCasesQuestion, new_cases
from immtrack.metrics.outcomes import OutcomeQuestion, outcomes
from immtrack.metrics.provenance import eoir_release
from immtrack.metrics.survival import kaplan_meier
from immtrack.schema.eoir import MPP_CASE_IDS, MPP_HEARING_LOCATIONS

TABLE = "core_eoir__proceedings"
BREAKDOWNS = ("month", "fiscal_year", "nationality", "court", "hearing_location")
DEFINITION = (f"MPP cases: case identifier {', '.join(MPP_CASE_IDS)} (A_TblCaseIdentifier) or a "
              f"proceeding heard at an MPP hearing location ({', '.join(MPP_HEARING_LOCATIONS)}"
              "; tblLookupHloc).")
OUTCOME_DEFINITIONS = ("removal_order", "voluntary_departure", "relief", "terminated",
                       "admin_closure", "other", "in_absentia", "in_absentia_of_removals",
                       "represented")


@dataclass(frozen=True)
class MppQuestion(CourtSlice):
    by: tuple[str, ...] = ("month",)
    unit: str = "completed_cases"  # outcomes' unit


def _slice(question: MppQuestion) -> dict:
    return {k: getattr(question, k) for k in CourtSlice.__dataclass_fields__}


def time_to_completion(home: Path, question: MppQuestion, engine: str,
                       spark_master: str | None, by: tuple[str, ...] = ()) -> list[dict]:
    """Days from the NTA date to the initial completion, per breakdown: Kaplan-Meier
    percentiles, with pending cases censored at the release's last date of data."""
    runner = open_engine(home, engine, spark_master)
    table = runner.table(TABLE)
    table = apply_filters(table.filter(table.mpp, table.nta_date.notnull()), question,
                          day="nta_date", fiscal_year="nta_fy", represented=None)
    columns = {"month": "nta_month", "fiscal_year": "nta_fy", "nationality": "nationality",
               "court": "court", "hearing_location": "hearing_location"}
    through = eoir_release(home)["data_through"]
    # The first proceeding carries the case's dimensions; its case's initial completion may
    # be a later proceeding.
    first = table.filter(table.is_first_proceeding).select(
        "case_id", "nta_date", **{b: table[columns[b]] for b in by})
    done = table.filter(table.is_initial_completion).select(
        done_case=table.case_id, done_days=table.days_to_completion)
    cases = first.left_join(done, first.case_id == done.done_case)
    censored_days = ibis.literal(through).delta(cases.nta_date, unit="day") \
        if through else ibis.null("int64")
    cases = cases.mutate(event=cases.done_days.notnull(),
                         days=cases.done_days.cast("int64").fill_null(censored_days))
    counts = cases.filter(cases.days.notnull()).group_by([*by, "days"]).aggregate(
        events=cases.event.sum().cast("int64"), censored=(~cases.event).sum().cast("int64"))
    groups: dict[tuple, list[tuple[int, int, int]]] = {}
    for row in runner.to_pyarrow(counts).to_pylist():
        groups.setdefault(tuple(row[b] for b in by), []).append(
            (row["days"], row["events"], row["censored"]))
    rows = []
    for key, durations in sorted(groups.items(), key=lambda item: tuple(map(str, item[0]))):
        rows.append({**dict(zip(by, key, strict=True)),
                     "cases": sum(e + c for _, e, c in durations),
                     "completed": sum(e for _, e, _c in durations),
                     "pending": sum(c for *_, c in durations), **kaplan_meier(durations)})
    for row in rows:
        if hasattr(row.get("month"), "isoformat"):
            row["month"] = row["month"].isoformat()[:7]
    return rows


def mpp(question: MppQuestion | None = None, *, home: Path | None = None,
        engine: str = "duckdb", spark_master: str | None = None, **options):
    """MPP enrolments by month (or another breakdown), with the outcomes, in absentia and
    representation shares of MPP cases and their time to completion as sections.

    >>> mpp(by=("month",)).table.to_pandas()  # doctest: +SKIP
    """
    question = question or MppQuestion(**options)
    if unknown := [b for b in question.by if b not in BREAKDOWNS]:
        raise QueryError(f"cannot break down MPP by {', '.join(unknown)} "
                         f"(breakdowns: {', '.join(BREAKDOWNS)})")
    if question.mpp is False:
        raise QueryError("the MPP tracker counts MPP cases only")
    home = home or default_home()
    base = {**_slice(question), "mpp": True}
    enrolled = new_cases(NewCasesQuestion(**{**base, "represented": None}, by=question.by),
                         home=home, engine=engine, spark_master=spark_master)
    outcome_by = tuple(b for b in question.by if b not in ("month", "fiscal_year"))
    decided = outcomes(OutcomeQuestion(**base, by=outcome_by, unit=question.unit,
                                       definitions=OUTCOME_DEFINITIONS),
                       home=home, engine=engine, spark_master=spark_master)
    timing = time_to_completion(home, replace(question, represented=None), engine,
                                spark_master, outcome_by)
    rows = [{**{k: v for k, v in r.items() if k != "unit"}, "enrolments": r["new_cases"]}
            for r in enrolled.table.to_pylist()]
    for row in rows:
        row.pop("new_cases")
    excluded = {**enrolled.excluded, **decided.excluded}
    notes = [DEFINITION, *enrolled.notes, *decided.notes,
             "Time to completion: days from the NTA date to the case's initial completion; "
             "Kaplan-Meier, cases still pending censored at the release's last date of data; "
             "percentiles the data do not reach are empty."]
    provenance = court_provenance(
        home, metric="mpp", table=TABLE, derived_from=enrolled.provenance["derived_from"]
        + ["raw_eoir__tbl_repsassigned"],
        definitions={"mpp": DEFINITION, **decided.provenance["definitions"]},
        question=question, options={"by": list(question.by), "outcome_unit": question.unit},
        engine=enrolled.provenance["engine"], excluded=excluded, notes=notes)
    return answer("mpp", question, rows, provenance,
                  sections={"outcomes": decided.table.to_pylist(), "time_to_completion": timing})
