"""Asylum outcome rates from the EOIR tables, every definition side by side, with n, a 95%
Wilson interval and the unit it counts, written once as Ibis expressions.

Questions filter and count core_eoir__asylum_decisions, built once per release at ingest
(metrics/asylum_tables.py). Each definition counts in its own unit (definitions.UNITS): TRAC's
merits rate one grant or denial per case per fiscal year, EOIR's rate the decisions of each
case's initial completion, the others every decision record. `unit=` counts every definition
in one chosen unit instead (a publisher's rate is then no longer the publisher's method, and
the answer says so). Dates filter on the decision date (default) or, with
`date_basis="filing"`, on the date the application was filed. Rows whose application or
decision code is outside EOIR's lookups are left out of every count, and every answer says how
many (`excluded`, `notes`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import ibis
import pyarrow as pa
from ibis import _

from immtrack.errors import QueryError
from immtrack.lake.home import default_home
from immtrack.metrics.definitions import (
    DEFINITIONS,
    PUBLISHER_UNITS,
    SMALL_N,
    UNITS,
    RateDefinition,
)
from immtrack.metrics.engine import open_engine
from immtrack.metrics.intervals import wilson
from immtrack.metrics.provenance import eoir_provenance, with_provenance
from immtrack.metrics.slices import (
    DATE_BASES,
    EQUALITY_FILTERS,
    REPRESENTATION,
    Slice,
    apply_slice,
    slice_filters,
)
from immtrack.schema.eoir import ALLOWED_TO_STAY, REMOVAL_ORDERS

DIMENSIONS = (*EQUALITY_FILTERS, *REPRESENTATION.values(), "fiscal_year", "court_outcome")
TABLE = "core_eoir__asylum_decisions"
EXCLUSIONS = {
    "unknown_application_code": "decision records whose application code (APPL_CODE) EOIR's "
                                "lookup does not list",
    "unknown_decision_code": "asylum decision records whose decision code (APPL_DEC) EOIR's "
                             "lookup does not list",
}


@dataclass(frozen=True)
class AsylumQuestion(Slice):
    by: tuple[str, ...] = ()
    definitions: tuple[str, ...] = tuple(DEFINITIONS)
    unit: str | None = None  # None: each definition's own unit (see the module docstring)
    date_basis: str = "decision"  # decision or filing


@dataclass
class AsylumAnswer:
    question: AsylumQuestion
    table: pa.Table
    provenance: dict = field(default_factory=dict)
    excluded: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        question = {k: (v.isoformat() if isinstance(v, date) else v)
                    for k, v in asdict(self.question).items()}
        return {"question": question, "rows": self.table.to_pylist(),
                "excluded": self.excluded, "notes": self.notes,
                "provenance": self.provenance}


def unit_of(definition: RateDefinition, question: AsylumQuestion) -> str:
    return question.unit or definition.unit


def _counted(decisions: ibis.Table, question: AsylumQuestion, unit: str) -> ibis.Table:
    """The decisions the question counts in `unit`: its slice, known codes, then the unit."""
    table = apply_slice(decisions, question, question.date_basis)
    table = table.filter(table.application_code_known, table.outcome != "unknown_code")
    if unit == "initial_completions":
        table = table.filter(table.is_initial_completion, table.in_eoir_rate_case_types)
    elif unit == "case_fiscal_year":
        table = table.filter(table.outcome.isin(["grant", "deny"]))
        key = ("case_id", "decision_fy")
    else:
        key = {"decisions": None, "applications": ("case_id", "filed_date"),
               "cases": ("case_id",)}[unit]
    if unit in ("applications", "cases", "case_fiscal_year"):
        # The last decision of each unit; ties broken by the later application id.
        window = ibis.window(group_by=list(key), order_by=[ibis.desc("decision_date"),
                                                           ibis.desc("application_id")])
        table = table.mutate(rank=ibis.row_number().over(window)).filter(_.rank == 0) \
            .drop("rank")
    fiscal_year = DATE_BASES[question.date_basis][1]
    return table.mutate(fiscal_year=table[fiscal_year])


def count_outcomes(decisions: ibis.Table, question: AsylumQuestion,
                   unit: str = "decisions") -> ibis.Table:
    """Decisions per counting class and group, in one unit: the engine-side part of every
    definition."""
    table = _counted(decisions, question, unit)
    other_relief = table.withholding_granted | table.cat_granted
    decided_in_court = (table.court_decision_kind == "C") & table.court_outcome.notnull() \
        & (table.court_outcome != "unclassified")
    classes = {kind: table.outcome == kind for kind in ("grant", "deny", "other", "not_final")}
    classes |= {
        "protected": (table.outcome == "grant") | other_relief,
        "denied_unprotected": (table.outcome == "deny") & ~other_relief,
        "court_decided": decided_in_court,
        "allowed_to_stay": decided_in_court & table.court_outcome.isin(list(ALLOWED_TO_STAY)),
        "removal": decided_in_court & table.court_outcome.isin(list(REMOVAL_ORDERS)),
        "voluntary_departure": decided_in_court
        & (table.court_outcome == "voluntary_departure")}
    metrics = {name: test.sum().cast("int64") for name, test in classes.items()}
    by = list(question.by)
    if by:
        return table.group_by(by).aggregate(**metrics).order_by(by)
    return table.aggregate(**metrics)


def count_excluded(decisions: ibis.Table, question: AsylumQuestion) -> ibis.Table:
    """How many decision records of the slice are left out for an unknown code."""
    table = apply_slice(decisions, question, question.date_basis)
    return table.aggregate(
        unknown_application_code=(~table.application_code_known).sum().cast("int64"),
        unknown_decision_code=(table.application_code_known
                               & (table.outcome == "unknown_code")).sum().cast("int64"))


def rate_rows(counts: list[dict], definitions: list[RateDefinition], by: tuple[str, ...],
              unit: str) -> list[dict]:
    """Each group's counts turned into one row per definition, with n and a Wilson interval."""
    rows = []
    for group in counts:
        for definition in definitions:
            n = sum(group[k] or 0 for k in definition.denominator)
            k = sum(group[c] or 0 for c in definition.numerator)
            low, high = wilson(k, n)
            rows.append({**{name: group[name] for name in by},
                         "definition": definition.name, "unit": unit, "numerator": k,
                         "n": n, "rate": k / n if n else None,
                         "ci95_low": None if n == 0 else low,
                         "ci95_high": None if n == 0 else high,
                         "small_n": n < SMALL_N})
    return rows


def _check(question: AsylumQuestion) -> None:
    problems = []
    if unknown := set(question.by) - set(DIMENSIONS):
        problems.append(f"cannot break down by {', '.join(sorted(unknown))} "
                        f"(breakdowns: {', '.join(DIMENSIONS)})")
    if unknown := set(question.definitions) - set(DEFINITIONS):
        problems.append(f"no definition {', '.join(sorted(unknown))} "
                        f"(definitions: {', '.join(DEFINITIONS)})")
    if question.unit is not None and question.unit not in UNITS:
        problems.append(f"no unit {question.unit} (units: {', '.join(UNITS)})")
    if problems:
        raise QueryError("; ".join(problems))


def _notes(question: AsylumQuestion, definitions: list[RateDefinition],
           excluded: dict[str, int]) -> list[str]:
    notes = []
    for definition in definitions:
        unit = unit_of(definition, question)
        publisher = PUBLISHER_UNITS.get(definition.unit)
        if publisher and unit != definition.unit:
            notes.append(f"{definition.name} is counted per {unit}, not {publisher}'s own unit "
                         f"({UNITS[definition.unit]}): it is no longer {publisher}'s method.")
    units = sorted({unit_of(d, question) for d in definitions})
    notes += [f"Unit {unit}: {UNITS[unit]}." for unit in units]
    for reason, count in excluded.items():
        if count:
            notes.append(f"Left out: {count:,} {EXCLUSIONS[reason]}.")
    return notes


def asylum(question: AsylumQuestion | None = None, *, home: Path | None = None,
           engine: str = "duckdb", spark_master: str | None = None,
           **options) -> AsylumAnswer:
    """Asylum outcome rates under every requested definition, each in its unit, by any
    dimensions.

    >>> asylum(nationality="RU", fiscal_year=2023).table.to_pandas()  # doctest: +SKIP

    `engine="spark"` runs the same expressions on Spark (`spark_master`, default local[2]).
    The Arrow table carries its provenance in its schema metadata.
    """
    question = question or AsylumQuestion(**options)
    _check(question)
    home = home or default_home()
    runner = open_engine(home, engine, spark_master)
    decisions = runner.table(TABLE)
    definitions = [DEFINITIONS[d] for d in question.definitions]
    rows = []
    for unit in dict.fromkeys(unit_of(d, question) for d in definitions):
        mine = [d for d in definitions if unit_of(d, question) == unit]
        counts = runner.to_pyarrow(count_outcomes(decisions, question, unit)).to_pylist()
        rows += rate_rows(counts, mine, question.by, unit)
    order = {d.name: i for i, d in enumerate(definitions)}
    rows.sort(key=lambda r: (tuple(str(r[b]) for b in question.by), order[r["definition"]]))
    excluded = runner.to_pyarrow(count_excluded(decisions, question)).to_pylist()[0]
    excluded = {k: int(v or 0) for k, v in excluded.items()}
    notes = _notes(question, definitions, excluded)
    provenance = eoir_provenance(
        home, metric="asylum", table=TABLE,
        definitions={d: DEFINITIONS[d].description for d in question.definitions},
        filters=slice_filters(question),
        options={"unit": question.unit or "each definition's own",
                 "units": {d.name: unit_of(d, question) for d in definitions},
                 "date_basis": question.date_basis},
        engine=runner.name)
    provenance["excluded"] = excluded
    table = pa.Table.from_pylist(rows) if rows else pa.table({})
    return AsylumAnswer(question, with_provenance(table, provenance), provenance, excluded,
                        notes)
