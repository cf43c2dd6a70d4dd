"""What the court-flow metrics share: one filter vocabulary, one answer shape, provenance,
and exact quantiles computed from counts so DuckDB and Spark agree to the unit.

The tables are core_eoir__proceedings, core_eoir__bonds and core_eoir__appeals
(metrics/court_tables.py). Each metric names the date its periods filter (the NTA date for new
cases, the completion date for outcomes, the bond decision date, the appeal's filing date).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from pathlib import Path

import ibis
import pyarrow as pa

from immtrack.errors import QueryError
from immtrack.metrics.intervals import wilson
from immtrack.metrics.provenance import eoir_provenance, with_provenance

CUSTODY_VALUES = ("N", "D", "R")


@dataclass(frozen=True)
class CourtSlice:
    """Filters every court-flow question shares; None means no filter. `since`/`until` bound
    the metric's own date (inclusive), `fiscal_year` its fiscal year."""

    nationality: str | None = None
    court: str | None = None
    hearing_location: str | None = None
    judge: str | None = None
    case_type: str | None = None
    custody: str | None = None
    charge_group: str | None = None
    mpp: bool | None = None
    represented: bool | None = None
    since: date | None = None
    until: date | None = None
    fiscal_year: int | None = None


SLICE_FIELDS = tuple(f.name for f in fields(CourtSlice))


def apply_filters(table: ibis.Table, question, *, day: str, fiscal_year: str,
                  represented: str | None = "represented_at_completion",
                  dates: bool = True) -> ibis.Table:
    """`table` filtered by the slice fields of `question` that the table has; `dates=False`
    skips the date filters (to count what a period leaves out)."""
    if question.custody is not None and question.custody not in CUSTODY_VALUES:
        raise QueryError(f"custody must be one of {', '.join(CUSTODY_VALUES)}")
    conditions = []
    for name in ("nationality", "court", "hearing_location", "judge", "case_type", "custody",
                 "charge_group", "mpp"):
        value = getattr(question, name)
        if value is None:
            continue
        if name not in table.columns:
            raise QueryError(f"this metric cannot be filtered by {name.replace('_', ' ')}")
        conditions.append(table[name] == value)
    if question.represented is not None and represented:
        conditions.append(table[represented] == question.represented)
    if dates:
        if question.fiscal_year is not None:
            conditions.append(table[fiscal_year] == question.fiscal_year)
        if question.since:
            conditions.append(table[day] >= question.since)
        if question.until:
            conditions.append(table[day] <= question.until)
    return table.filter(*conditions) if conditions else table


def slice_filters(question) -> dict:
    values = {name: getattr(question, name) for name in SLICE_FIELDS}
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()
            if v is not None}


def check_by(by: tuple[str, ...], allowed: dict[str, str]) -> None:
    if unknown := [b for b in by if b not in allowed]:
        raise QueryError(f"cannot break down by {', '.join(unknown)} "
                         f"(breakdowns: {', '.join(allowed)})")


def grouped(table: ibis.Table, by: tuple[str, ...], columns: dict[str, str],
            metrics: dict) -> ibis.Table:
    """Aggregate `metrics` by the breakdowns (`columns` maps a breakdown to its column)."""
    keys = {name: table[columns[name]] for name in by}
    if keys:
        return table.group_by(**keys).aggregate(**metrics).order_by(list(keys))
    return table.aggregate(**metrics)


def months_as_text(rows: list[dict]) -> list[dict]:
    """A `month` breakdown is a first-of-month date; shown as YYYY-MM."""
    for row in rows:
        if isinstance(row.get("month"), date):
            row["month"] = row["month"].isoformat()[:7]
    return rows


def share_row(numerator: int, n: int, small_n: int) -> dict:
    low, high = wilson(numerator, n)
    return {"numerator": numerator, "n": n, "rate": numerator / n if n else None,
            "ci95_low": None if n == 0 else low, "ci95_high": None if n == 0 else high,
            "small_n": n < small_n}


QUARTILES = {"p25": 0.25, "median": 0.5, "p75": 0.75}


def quantiles(counts: list[tuple[float, int]]) -> dict[str, float | None]:
    """p25, median and p75 of values given as (value, how many): linear interpolation between
    order statistics (numpy's default, DuckDB's quantile_cont), exact on any engine.

    >>> quantiles([(1000.0, 1), (2000.0, 2), (5000.0, 1)])["median"]
    2000.0
    """
    ordered = sorted((v, c) for v, c in counts if v is not None and c)
    total = sum(c for _, c in ordered)
    if total == 0:
        return dict.fromkeys(QUARTILES)

    def at(position: int) -> float:
        seen = 0
        for value, count in ordered:
            seen += count
            if position < seen:
                return float(value)
        return float(ordered[-1][0])

    out = {}
    for name, q in QUARTILES.items():
        h = (total - 1) * q
        low, high = at(math.floor(h)), at(math.ceil(h))
        out[name] = low + (high - low) * (h - math.floor(h))
    return out


@dataclass
class CourtAnswer:
    """A court-flow answer: its main table, named extra tables (sections), what it left out
    and why, and where every number came from."""

    metric: str
    question: object
    table: pa.Table
    sections: dict[str, pa.Table] = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)
    excluded: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        question = {k: (v.isoformat() if isinstance(v, date) else v)
                    for k, v in asdict(self.question).items()}
        return {"metric": self.metric, "question": question, "rows": self.table.to_pylist(),
                "sections": {k: v.to_pylist() for k, v in self.sections.items()},
                "excluded": self.excluded, "notes": self.notes,
                "provenance": self.provenance}


def arrow(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows) if rows else pa.table({})


def court_provenance(home: Path, *, metric: str, table: str, derived_from: list[str],
                     definitions: dict[str, str], question, options: dict, engine: str,
                     excluded: dict[str, int], notes: list[str]) -> dict:
    provenance = eoir_provenance(home, metric=metric, table=table, definitions=definitions,
                                 filters=slice_filters(question), options=options,
                                 engine=engine)
    provenance["derived_from"] = derived_from
    provenance["excluded"] = excluded
    provenance["notes"] = notes
    return provenance


def answer(metric: str, question, rows: list[dict], provenance: dict, *,
           sections: dict[str, list[dict]] | None = None) -> CourtAnswer:
    table = with_provenance(arrow(rows), provenance)
    return CourtAnswer(metric, question, table,
                       {k: with_provenance(arrow(v), provenance)
                        for k, v in (sections or {}).items()},
                       provenance, provenance["excluded"], provenance["notes"])
