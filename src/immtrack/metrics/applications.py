"""Asylum filings and time to decision, from core_eoir__asylum_applications.

Filings (metric `filings`): asylum applications (APPL_CODE ASYL) by the date the court received
them, counted two ways, applications and distinct cases, since a case can file more than once
(a new proceeding after a remand or change of venue).

Time to decision (metric `time_to_decision`): days from filing to the completion date of the
proceeding that decided the application (grant, deny or other). Applications still pending are
censored at the release's last date of data, not dropped: Kaplan-Meier estimates the median
and percentiles (a percentile the data do not reach is reported as null, "not reached").
The engine counts applications per (group, days, decided); the estimator runs on those counts.

Cohort outcomes (metric `cohort`): of the applications filed in a period, the shares granted,
denied, other and still pending as of a date, each with n and a Wilson interval.

Pending backlog (metric `backlog`): applications filed on or before a date and not decided by
it (decided later, or still pending in the release), as applications and as cases.
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
COHORT_OUTCOMES = ("grant", "deny", "other", "pending")


@dataclass(frozen=True)
class ApplicationQuestion(Slice):
    """A slice of asylum applications; dates and fiscal year are those of filing."""

    by: tuple[str, ...] = ()


def _applications(home: Path, engine: str, spark_master: str | None,
                  question: ApplicationQuestion) -> tuple[Engine, ibis.Table]:
    if unknown := set(question.by) - set(DIMENSIONS):
        raise QueryError(f"cannot break down by {', '.join(sorted(unknown))}; use: "
                         + ", ".join(DIMENSIONS))
    runner = open_engine(home, engine, spark_master)
    return runner, apply_slice(runner.table(TABLE), question, "filing")


def _grouped(runner: Engine, table: ibis.Table, by: list[str], **metrics) -> pa.Table:
    expression = table.group_by(by).aggregate(**metrics).order_by(by) if by \
        else table.aggregate(**metrics)
    return runner.to_pyarrow(expression)


def _answer(rows: pa.Table | list[dict], home: Path, engine: str, question, metric: str,
            definition: str, **options) -> tuple[pa.Table, dict]:
    provenance = eoir_provenance(home, metric=metric, table=TABLE,
                                 definitions={metric: definition},
                                 filters=slice_filters(question), options=options,
                                 engine=engine)
    table = rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows)
    return with_provenance(table, provenance), provenance


def filings(question: ApplicationQuestion | None = None, *, home: Path | None = None,
            engine: str = "duckdb", spark_master: str | None = None,
            **filters) -> tuple[pa.Table, dict]:
    """Asylum applications filed, and distinct cases that filed, by any dimensions."""
    question = question or ApplicationQuestion(**filters)
    home = home or default_home()
    runner, table = _applications(home, engine, spark_master, question)
    counts = _grouped(runner, table, list(question.by), applications=table.count(),
                      cases=table.case_id.nunique())
    return _answer(counts, home, engine, question, "filings",
                   "asylum applications (ASYL) by filing date; cases = distinct IDNCASE among "
                   "them")


def cohort(question: ApplicationQuestion | None = None, *, as_of: date | None = None,
           home: Path | None = None, engine: str = "duckdb", spark_master: str | None = None,
           **filters) -> tuple[pa.Table, dict]:
    """Of the applications filed in the slice, the shares granted, denied, other and pending
    as of `as_of` (default: the release's last date of data)."""
    question = question or ApplicationQuestion(**filters)
    home = home or default_home()
    as_of = as_of or eoir_release(home)["data_through"]
    runner, table = _applications(home, engine, spark_master, question)
    if question.since and as_of < question.since:
        raise QueryError(f"as-of date {as_of} is before the cohort's first filing date")
    decided = table.decision_date.notnull() & (table.decision_date <= as_of)
    table = table.filter(table.filed_date <= as_of)
    counts = _grouped(runner, table, list(question.by), **{
        kind: (decided & (table.outcome == kind)).sum().cast("int64")
        for kind in COHORT_OUTCOMES[:3]}, pending=(~decided).sum().cast("int64"))
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
                   "withholding), or pending (no final decision by then)", as_of=as_of)


def backlog(question: ApplicationQuestion | None = None, *, at: date | None = None,
            home: Path | None = None, engine: str = "duckdb", spark_master: str | None = None,
            **filters) -> tuple[pa.Table, dict]:
    """Asylum applications pending at `at` (default: the release's last date of data)."""
    question = question or ApplicationQuestion(**filters)
    home = home or default_home()
    at = at or eoir_release(home)["data_through"]
    runner, table = _applications(home, engine, spark_master, question)
    table = table.filter(table.filed_date <= at,
                         table.decision_date.isnull() | (table.decision_date > at))
    counts = _grouped(runner, table, list(question.by), pending_applications=table.count(),
                      pending_cases=table.case_id.nunique())
    return _answer(counts, home, engine, question, "backlog",
                   f"asylum applications filed on or before {at} without a final decision by "
                   "then; cases = distinct IDNCASE among them", at=at)


def time_to_decision(question: ApplicationQuestion | None = None, *, home: Path | None = None,
                     engine: str = "duckdb", spark_master: str | None = None,
                     **filters) -> tuple[pa.Table, dict]:
    """Kaplan-Meier median and percentiles of days from filing to decision, pending censored."""
    question = question or ApplicationQuestion(**filters)
    home = home or default_home()
    censor = eoir_release(home)["data_through"]
    runner, table = _applications(home, engine, spark_master, question)
    end = ibis.ifelse(table.is_pending, ibis.literal(censor), table.decision_date)
    table = table.mutate(days=(end - table.filed_date).cast("int64"))
    by = list(question.by)
    counts = runner.to_pyarrow(table.group_by([*by, "days"]).aggregate(
        events=(~_.is_pending).sum().cast("int64"),
        censored=_.is_pending.sum().cast("int64"))).to_pylist()
    groups: dict[tuple, list] = {}
    for row in counts:
        groups.setdefault(tuple(row[b] for b in by), []).append(
            (row["days"], row["events"], row["censored"]))
    rows = []
    for key in sorted(groups, key=lambda k: tuple(str(v) for v in k)):
        durations = groups[key]
        rows.append({**dict(zip(by, key, strict=True)),
                     "applications": sum(e + c for _, e, c in durations),
                     "decided": sum(e for _, e, _ in durations),
                     "pending": sum(c for _, _, c in durations),
                     **kaplan_meier(durations)})
    return _answer(rows, home, engine, question, "time_to_decision",
                   "days from filing to the deciding proceeding's completion; pending "
                   f"applications censored at the release's last date ({censor})")
