"""Asylum outcome rates from the EOIR tables, every definition side by side, with n and a 95%
Wilson interval, written once as Ibis expressions.

Questions filter and count core_eoir__asylum_decisions, built once per release at ingest
(metrics/asylum_tables.py), in milliseconds on DuckDB. The counting unit is an option:
every final decision (`decisions`, default), the last decision of each application
(`applications`: a remand or reopening decides the same application again; an application is
one case's filing of one date) or the last decision of each case (`cases`). Dates filter on the
decision date (default) or, with `date_basis="filing"`, on the date the application was filed.
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
from immtrack.metrics.definitions import DEFINITIONS, SMALL_N, RateDefinition
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

DIMENSIONS = (*EQUALITY_FILTERS, *REPRESENTATION.values(), "fiscal_year", "court_outcome")
UNITS = {"decisions": None, "applications": ("case_id", "filed_date"), "cases": ("case_id",)}


@dataclass(frozen=True)
class AsylumQuestion(Slice):
    by: tuple[str, ...] = ()
    definitions: tuple[str, ...] = tuple(DEFINITIONS)
    unit: str = "decisions"  # decisions, applications or cases (see the module docstring)
    date_basis: str = "decision"  # decision or filing


@dataclass
class AsylumAnswer:
    question: AsylumQuestion
    table: pa.Table
    provenance: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        question = {k: (v.isoformat() if isinstance(v, date) else v)
                    for k, v in asdict(self.question).items()}
        return {"question": question, "rows": self.table.to_pylist(),
                "provenance": self.provenance}


def _counted(decisions: ibis.Table, question: AsylumQuestion) -> ibis.Table:
    """The decisions the question counts: its slice, then one per unit (the last decision)."""
    table = apply_slice(decisions, question, question.date_basis)
    key = UNITS[question.unit]
    if key:
        # The last decision of each unit; ties broken by the later application id.
        window = ibis.window(group_by=list(key), order_by=[ibis.desc("decision_date"),
                                                           ibis.desc("application_id")])
        table = table.mutate(rank=ibis.row_number().over(window)).filter(_.rank == 0) \
            .drop("rank")
    fiscal_year = DATE_BASES[question.date_basis][1]
    return table.mutate(fiscal_year=table[fiscal_year])


def count_outcomes(decisions: ibis.Table, question: AsylumQuestion) -> ibis.Table:
    """Decisions per counting class and group: the engine-side part of every definition."""
    table = _counted(decisions, question)
    other_relief = table.withholding_granted | table.cat_granted
    classes = {kind: table.outcome == kind for kind in ("grant", "deny", "other", "not_final")}
    classes |= {
        "protected": (table.outcome == "grant") | other_relief,
        "denied_unprotected": (table.outcome == "deny") & ~other_relief,
        "court_decided": table.court_outcome.notnull(),
        "allowed_to_stay": table.court_outcome.isin(["relief", "terminated"]),
        "removal": table.court_outcome == "removal",
        "voluntary_departure": table.court_outcome == "voluntary_departure"}
    metrics = {name: test.sum().cast("int64") for name, test in classes.items()}
    by = list(question.by)
    if by:
        return table.group_by(by).aggregate(**metrics).order_by(by)
    return table.aggregate(**metrics)


def rate_rows(counts: list[dict], definitions: list[RateDefinition], by: tuple[str, ...]
              ) -> list[dict]:
    """Each group's counts turned into one row per definition, with n and a Wilson interval."""
    rows = []
    for group in counts:
        for definition in definitions:
            n = sum(group[k] or 0 for k in definition.denominator)
            k = sum(group[c] or 0 for c in definition.numerator)
            low, high = wilson(k, n)
            rows.append({**{name: group[name] for name in by},
                         "definition": definition.name, "numerator": k, "n": n,
                         "rate": k / n if n else None,
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
    if question.unit not in UNITS:
        problems.append(f"no unit {question.unit} (units: {', '.join(UNITS)})")
    if problems:
        raise QueryError("; ".join(problems))


def asylum(question: AsylumQuestion | None = None, *, home: Path | None = None,
           engine: str = "duckdb", spark_master: str | None = None,
           **options) -> AsylumAnswer:
    """Asylum outcome rates under every requested definition, by any dimensions.

    >>> asylum(nationality="RU", fiscal_year=2023).table.to_pandas()  # doctest: +SKIP

    `engine="spark"` runs the same expressions on Spark (`spark_master`, default local[2]).
    The Arrow table carries its provenance in its schema metadata.
    """
    question = question or AsylumQuestion(**options)
    _check(question)
    home = home or default_home()
    runner = open_engine(home, engine, spark_master)
    counts = runner.to_pyarrow(count_outcomes(runner.table("core_eoir__asylum_decisions"),
                                              question)).to_pylist()
    rows = rate_rows(counts, [DEFINITIONS[d] for d in question.definitions], question.by)
    provenance = eoir_provenance(
        home, metric="asylum", table="core_eoir__asylum_decisions",
        definitions={d: DEFINITIONS[d].description for d in question.definitions},
        filters=slice_filters(question),
        options={"unit": question.unit, "date_basis": question.date_basis},
        engine=runner.name)
    table = pa.Table.from_pylist(rows) if rows else pa.table({})
    return AsylumAnswer(question, with_provenance(table, provenance), provenance)
