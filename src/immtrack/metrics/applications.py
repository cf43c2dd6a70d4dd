"""Asylum filings and time to decision, from core_eoir__asylum_applications.

Every application has a status (metrics/asylum_tables.py): decided (a final code and a
completion date), closed without decision (its proceeding was completed with no final asylum
decision: blank, administratively closed, transferred), pending (its proceeding is not
completed), or an unknown decision code. Applications whose codes EOIR's lookups do not list
are left out of every count, and every answer says how many.

Filings (metric `filings`): asylum applications (APPL_CODE ASYL) by the date the court received
them, counted two ways, applications and distinct cases, since a case can file more than once.

Time to decision (metric `time_to_decision`): days from filing to the completion date of the
proceeding that decided the application (grant, deny or other). Applications still pending are
censored at the release's last date of data, and those closed without decision at the date
their proceeding closed, not dropped: Kaplan-Meier estimates the median and percentiles (a
percentile the data do not reach is reported as null, "not reached"). The engine counts
applications per (group, days, decided); the estimator runs on those counts.

Cohort outcomes (metric `cohort`): of the applications filed in a period, the shares granted,
denied, other, closed without decision and still pending as of a date, each with n and a
Wilson interval.

Pending backlog (metric `backlog`): applications filed on or before a date and neither decided
nor closed by it, as applications and as cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import ibis
import pyarrow as pa
from ibis import _

from immtrack.errors import QueryError
from immtrack.lake.home import default_home
from immtrack.metrics.engine import Engine, open_engine
from immtrack.metrics.intervals import wilson
from immtrack.metrics.provenance import eoir_provenance, eoir_release, with_provenance
from immtrack.metrics.slices import (
    EQUALITY_FILTERS,
    REPRESENTATION,
    Slice,
    apply_slice,
    slice_filters,
)
from immtrack.metrics.survival import kaplan_meier

DIMENSIONS = (*EQUALITY_FILTERS, *REPRESENTATION.values(), "filed_fy")
TABLE = "core_eoir__asylum_applications"
COHORT_OUTCOMES = ("grant", "deny", "other", "closed_without_decision", "pending")
EXCLUSIONS = {
    "unknown_application_code": "application records whose application code (APPL_CODE) "
                                "EOIR's lookup does not list",
    "unknown_decision_code": "asylum applications whose latest decision code (APPL_DEC) "
                             "EOIR's lookup does not list",
}


@dataclass(frozen=True)
class ApplicationQuestion(Slice):
    """A slice of asylum applications; dates and fiscal year are those of filing."""

    by: tuple[str, ...] = ()


def _applications(home: Path, engine: str, spark_master: str | None,
                  question: ApplicationQuestion) -> tuple[Engine, ibis.Table, dict]:
    """The engine, the slice's applications with known codes, and how many were left out."""
    if unknown := set(question.by) - set(DIMENSIONS):
        raise QueryError(f"cannot break down by {', '.join(sorted(unknown))}; use: "
                         + ", ".join(DIMENSIONS))
    runner = open_engine(home, engine, spark_master)
    table = apply_slice(runner.table(TABLE), question, "filing")
    excluded = runner.to_pyarrow(table.aggregate(
        unknown_application_code=(~table.application_code_known).sum().cast("int64"),
        unknown_decision_code=(table.application_code_known
                               & (table.status == "unknown_code")).sum().cast("int64")
    )).to_pylist()[0]
    excluded = {k: int(v or 0) for k, v in excluded.items()}
    known = table.filter(table.application_code_known, table.status != "unknown_code")
    return runner, known, excluded


def excluded_notes(excluded: dict[str, int]) -> list[str]:
    return [f"Left out: {count:,} {EXCLUSIONS[reason]}." for reason, count in excluded.items()
            if count]


def _grouped(runner: Engine, table: ibis.Table, by: list[str], **metrics) -> pa.Table:
    expression = table.group_by(by).aggregate(**metrics).order_by(by) if by \
        else table.aggregate(**metrics)
    return runner.to_pyarrow(expression)


def _answer(rows: pa.Table | list[dict], home: Path, engine: str, question, metric: str,
            definition: str, excluded: dict[str, int], **options) -> tuple[pa.Table, dict]:
    """The answer's table, and its provenance with what was left out and why (`excluded`,
    `notes`): the same keys the asylum answers carry."""
    provenance = eoir_provenance(home, metric=metric, table=TABLE,
                                 definitions={metric: definition},
                                 filters=slice_filters(question), options=options,
                                 engine=engine)
    provenance["excluded"] = excluded
    provenance["notes"] = excluded_notes(excluded)
    table = rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows)
    return with_provenance(table, provenance), provenance


def filings(question: ApplicationQuestion | None = None, *, home: Path | None = None,
            engine: str = "duckdb", spark_master: str | None = None,
            **filters) -> tuple[pa.Table, dict]:
    """Asylum applications filed, and distinct cases that filed, by any dimensions."""
    question = question or ApplicationQuestion(**filters)
    home = home or default_home()
    runner, table, excluded = _applications(home, engine, spark_master, question)
    counts = _grouped(runner, table, list(question.by), applications=table.count(),
                      cases=table.case_id.nunique())
    return _answer(counts, home, engine, question, "filings",
                   "asylum applications (ASYL) by filing date; cases = distinct IDNCASE among "
                   "them", excluded)


def cohort(question: ApplicationQuestion | None = None, *, as_of: date | None = None,
           home: Path | None = None, engine: str = "duckdb", spark_master: str | None = None,
           **filters) -> tuple[pa.Table, dict]:
    """Of the applications filed in the slice, the shares granted, denied, other and pending
    as of `as_of` (default: the release's last date of data)."""
    question = question or ApplicationQuestion(**filters)
    home = home or default_home()
    as_of = as_of or eoir_release(home)["data_through"]
    runner, table, excluded = _applications(home, engine, spark_master, question)
    if question.since and as_of < question.since:
        raise QueryError(f"as-of date {as_of} is before the cohort's first filing date")
    decided = table.decision_date.notnull() & (table.decision_date <= as_of)
    closed = table.closed_date.notnull() & (table.closed_date <= as_of)
    table = table.filter(table.filed_date <= as_of)
    counts = _grouped(runner, table, list(question.by), **{
        kind: (decided & (table.outcome == kind)).sum().cast("int64")
        for kind in COHORT_OUTCOMES[:3]},
        closed_without_decision=closed.sum().cast("int64"),
        pending=(~decided & ~closed).sum().cast("int64"))
    rows = []
    for group in counts.to_pylist():
        group |= {kind: group[kind] or 0 for kind in COHORT_OUTCOMES}  # an empty slice sums null
        n = sum(group[kind] for kind in COHORT_OUTCOMES)
        for kind in COHORT_OUTCOMES:
            low, high = wilson(group[kind], n)
            rows.append({**{b: group[b] for b in question.by}, "outcome": kind,
                         "applications": group[kind], "n": n,
                         "share": group[kind] / n if n else None,
                         "ci95_low": low if n else None, "ci95_high": high if n else None})
    return _answer(rows, home, engine, question, "cohort",
                   f"asylum applications filed in the slice, by their outcome as of {as_of}: "
                   "granted, denied, other (abandoned, withdrawn, not adjudicated, other, CAT "
                   "withholding), closed without decision (the proceeding was completed "
                   "without a final asylum decision), or pending (neither by then)", excluded,
                   as_of=as_of)


def backlog(question: ApplicationQuestion | None = None, *, at: date | None = None,
            home: Path | None = None, engine: str = "duckdb", spark_master: str | None = None,
            **filters) -> tuple[pa.Table, dict]:
    """Asylum applications pending at `at` (default: the release's last date of data)."""
    question = question or ApplicationQuestion(**filters)
    home = home or default_home()
    at = at or eoir_release(home)["data_through"]
    runner, table, excluded = _applications(home, engine, spark_master, question)
    table = table.filter(table.filed_date <= at,
                         table.decision_date.isnull() | (table.decision_date > at),
                         table.closed_date.isnull() | (table.closed_date > at))
    counts = _grouped(runner, table, list(question.by), pending_applications=table.count(),
                      pending_cases=table.case_id.nunique())
    return _answer(counts, home, engine, question, "backlog",
                   f"asylum applications filed on or before {at}, neither decided nor closed "
                   "without decision by then; cases = distinct IDNCASE among them", excluded,
                   at=at)


def time_to_decision(question: ApplicationQuestion | None = None, *, home: Path | None = None,
                     engine: str = "duckdb", spark_master: str | None = None,
                     **filters) -> tuple[pa.Table, dict]:
    """Kaplan-Meier median and percentiles of days from filing to decision, pending censored."""
    question = question or ApplicationQuestion(**filters)
    home = home or default_home()
    censor = eoir_release(home)["data_through"]
    runner, table, excluded = _applications(home, engine, spark_master, question)
    decided = table.status == "decided"
    end = ibis.ifelse(decided, table.decision_date,
                      table.closed_date.fill_null(ibis.literal(censor)))
    table = table.mutate(days=(end - table.filed_date).cast("int64"), decided=decided)
    by = list(question.by)
    counts = runner.to_pyarrow(table.group_by([*by, "days"]).aggregate(
        events=_.decided.sum().cast("int64"),
        censored=(~_.decided).sum().cast("int64"),
        closed=(_.status == "closed_without_decision").sum().cast("int64"))).to_pylist()
    groups: dict[tuple, list] = {}
    for row in counts:
        groups.setdefault(tuple(row[b] for b in by), []).append(
            (row["days"], row["events"], row["censored"], row["closed"]))
    rows = []
    for key in sorted(groups, key=lambda k: tuple(str(v) for v in k)):
        durations = groups[key]
        closed = sum(x for *_, x in durations)
        rows.append({**dict(zip(by, key, strict=True)),
                     "applications": sum(e + c for _, e, c, _ in durations),
                     "decided": sum(e for _, e, _, _ in durations),
                     "closed_without_decision": closed,
                     "pending": sum(c for _, _, c, _ in durations) - closed,
                     **kaplan_meier([(d, e, c) for d, e, c, _ in durations])})
    return _answer(rows, home, engine, question, "time_to_decision",
                   "days from filing to the deciding proceeding's completion; pending "
                   f"applications censored at the release's last date ({censor}), those "
                   "closed without decision at the date they closed", excluded)
