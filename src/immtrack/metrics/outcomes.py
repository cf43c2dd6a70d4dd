"""Outcomes of completed immigration-court proceedings: removal orders, voluntary departure,
relief, terminations, administrative closures and the rest, each with its share in absentia.

The outcome of a completed proceeding is its court decision (DEC_CODE) or other completion
(OTHER_COMP) read with its case type through EOIR's court-decision lookup, in six groups
(schema.eoir.OUTCOME_GROUPS). A share is the completions in a group over all completions with
a known outcome, with n and a 95% Wilson interval; in absentia is ABSENTIA = Y. Three units,
each named in the answer (UNITS): TRAC-style completed cases (each case once, at its latest
completion), EOIR's initial completions, or every completion. Changes of venue and transfers
are not completions; completions whose code EOIR's lookup does not list for the case type, or
that carry no decision code, are left out and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ibis

from immtrack.errors import QueryError
from immtrack.lake.home import default_home
from immtrack.metrics.asylum import rate_rows
from immtrack.metrics.court_slices import (
    CourtSlice,
    answer,
    apply_filters,
    check_by,
    court_provenance,
    grouped,
    months_as_text,
)
from immtrack.metrics.definitions import RateDefinition
from immtrack.metrics.engine import open_engine
from immtrack.schema.eoir import OUTCOME_GROUP_TITLES, OUTCOME_GROUPS

TABLE = "core_eoir__proceedings"
DERIVED_FROM = ["raw_eoir__b_tblproceeding", "raw_eoir__a_tblcase",
                "raw_eoir__tbl_repsassigned", "raw_eoir__b_tblproceedcharges",
                "raw_eoir__a_tblcaseidentifier", "raw_eoir__lookups"]
BREAKDOWNS = {"fiscal_year": "completion_fy", "month": "completion_month",
              "nationality": "nationality", "court": "court",
              "hearing_location": "hearing_location", "judge": "judge",
              "case_type": "case_type", "custody": "custody", "charge_group": "charge_group",
              "represented": "represented_at_completion", "mpp": "mpp",
              "court_outcome": "court_outcome"}
UNITS = {
    "completed_cases": "TRAC-style completed cases: each case once, at its latest completion "
                       "(its last completed proceeding that is not a change of venue or "
                       "transfer), in the fiscal year of that completion",
    "initial_completions": "EOIR's initial completions: each case's first completed "
                           "proceeding that is not a change of venue or transfer",
    "completions": "every completed proceeding that is not a change of venue or transfer (a "
                   "case decided again after a remand or reopening counts again)",
}
PUBLISHER_UNITS = {"completed_cases": "TRAC", "initial_completions": "EOIR"}
COUNTS = {**{group: f"Completions in the group {group}: {title}."
             for group, title in OUTCOME_GROUP_TITLES.items()},
          "known": "Completions whose outcome group is known.",
          "in_absentia": "Completions with an in absentia order (ABSENTIA = Y).",
          "in_absentia_removal": "Removal orders entered in absentia.",
          "with_counsel": "Completions with court counsel on or before the completion date."}
DEFINITIONS = {d.name: d for d in (
    *(RateDefinition(group, title, frozenset({group}), frozenset({"known"}), (), "court "
                     "decision", f"{title} / completions with a known outcome.",
                     unit="completed_cases")
      for group, title in OUTCOME_GROUP_TITLES.items()),
    RateDefinition("in_absentia", "Ordered in absentia", frozenset({"in_absentia"}),
                   frozenset({"known"}), (), "ABSENTIA",
                   "Completions with an in absentia order (ABSENTIA = Y: the person did not "
                   "appear) / completions with a known outcome.", unit="completed_cases"),
    RateDefinition("in_absentia_of_removals", "Removal orders in absentia",
                   frozenset({"in_absentia_removal"}), frozenset({"removal_order"}), (),
                   "ABSENTIA", "Removal orders entered in absentia / removal orders.",
                   unit="completed_cases"),
    RateDefinition("represented", "Represented at completion", frozenset({"with_counsel"}),
                   frozenset({"known"}), (), "COUNSEL",
                   "Completions where counsel for the noncitizen at the court (STRATTYTYPE "
                   "ALIEN, STRATTYLEVEL COURT) had appeared by the completion date / "
                   "completions with a known outcome.", unit="completed_cases"),
)}
EXCLUSIONS = {
    "unclassified": "completions whose (case type, decision code) pair EOIR's court-decision "
                    "lookup does not list",
    "no_decision": "completions without a decision code (DEC_CODE and OTHER_COMP blank)",
}


@dataclass(frozen=True)
class OutcomeQuestion(CourtSlice):
    by: tuple[str, ...] = ()
    definitions: tuple[str, ...] = tuple(DEFINITIONS)
    unit: str = "completed_cases"


def completions(table: ibis.Table, question: OutcomeQuestion) -> ibis.Table:
    """The completions a question counts: its unit, then its slice."""
    if question.unit not in UNITS:
        raise QueryError(f"no unit {question.unit} (units: {', '.join(UNITS)})")
    flag = {"completed_cases": "is_last_completion",
            "initial_completions": "is_initial_completion",
            "completions": "is_completion"}[question.unit]
    table = table.filter(table[flag])
    table = table.mutate(completion_month=ibis.date(table.completion_date.year(),
                                                    table.completion_date.month(), 1))
    return apply_filters(table, question, day="completion_date", fiscal_year="completion_fy")


def count_outcomes(table: ibis.Table, question: OutcomeQuestion) -> ibis.Table:
    """Completions per counting class (COUNTS) and breakdown: the engine-side part."""
    table = completions(table, question)
    known = table.outcome_group.isin(list(OUTCOME_GROUPS))
    removal = table.outcome_group == "removal_order"
    metrics = {group: (table.outcome_group == group).sum().cast("int64")
               for group in OUTCOME_GROUPS}
    metrics |= {"known": known.sum().cast("int64"),
                "in_absentia": (known & table.in_absentia).sum().cast("int64"),
                "in_absentia_removal": (removal & table.in_absentia).sum().cast("int64"),
                "with_counsel": (known & table.represented_at_completion).sum().cast("int64"),
                "unclassified": (table.outcome_group == "unclassified").sum().cast("int64"),
                "no_decision": (table.outcome_group == "no_decision").sum().cast("int64")}
    return grouped(table, question.by, BREAKDOWNS, metrics)


def _notes(question: OutcomeQuestion, excluded: dict[str, int]) -> list[str]:
    notes = [f"Unit {question.unit}: {UNITS[question.unit]}."]
    if question.unit in PUBLISHER_UNITS:
        notes.append(f"{PUBLISHER_UNITS[question.unit]}'s unit; the others: "
                     + "; ".join(f"{k}: {v}" for k, v in UNITS.items() if k != question.unit))
    notes += [f"Left out: {n:,} {EXCLUSIONS[k]}." for k, n in excluded.items() if n]
    return notes


def outcomes(question: OutcomeQuestion | None = None, *, home: Path | None = None,
             engine: str = "duckdb", spark_master: str | None = None, **options):
    """Outcome shares of completed proceedings with in absentia shares, in one named unit, by
    any breakdown.

    >>> outcomes(nationality="RU", fiscal_year=2024, by=("court",))  # doctest: +SKIP
    """
    question = question or OutcomeQuestion(**options)
    check_by(question.by, BREAKDOWNS)
    if unknown := set(question.definitions) - set(DEFINITIONS):
        raise QueryError(f"no definition {', '.join(sorted(unknown))} "
                         f"(definitions: {', '.join(DEFINITIONS)})")
    home = home or default_home()
    runner = open_engine(home, engine, spark_master)
    counts = months_as_text(runner.to_pyarrow(
        count_outcomes(runner.table(TABLE), question)).to_pylist())
    definitions = [DEFINITIONS[d] for d in question.definitions]
    rows = rate_rows(counts, definitions, question.by, question.unit)
    order = {d.name: i for i, d in enumerate(definitions)}
    rows.sort(key=lambda r: (tuple(str(r[b]) for b in question.by), order[r["definition"]]))
    excluded = {k: sum(int(c[k] or 0) for c in counts) for k in EXCLUSIONS}
    notes = _notes(question, excluded)
    provenance = court_provenance(
        home, metric="outcomes", table=TABLE, derived_from=DERIVED_FROM,
        definitions={d.name: d.description for d in definitions}, question=question,
        options={"unit": question.unit, "by": list(question.by), "date": "completion_date"},
        engine=runner.name, excluded=excluded, notes=notes)
    return answer("outcomes", question, rows, provenance)
