"""Asylum filings and time to decision, from core_eoir__asylum_applications.

Filings (metric `filings`): asylum applications (APPL_CODE ASYL) by the date the court received
them, counted two ways, applications and distinct cases, since a case can file more than once
(a new proceeding after a remand or change of venue).

Time to decision (metric `time_to_decision`): days from filing to the completion date of the
proceeding that decided the application (grant, deny or other). Applications still pending are
censored at the release's last date of data, not dropped: Kaplan-Meier estimates the median
and percentiles (a percentile the data do not reach is reported as null, "not reached").
The engine counts applications per (group, days, decided); the estimator runs on those counts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import ibis
import pyarrow as pa
from ibis import _

from immtrack.errors import QueryError
from immtrack.lake.catalog import reader
from immtrack.lake.home import default_home
from immtrack.lake.releases import code_version
from immtrack.metrics.engine import open_engine

DIMENSIONS = ("nationality", "court", "judge", "case_type", "custody", "affirmative",
              "represented", "rider", "filed_fy")
PERCENTILES = {"p25_days": 0.25, "median_days": 0.5, "p75_days": 0.75, "p90_days": 0.9}


@dataclass(frozen=True)
class ApplicationQuestion:
    nationality: str | None = None
    court: str | None = None
    custody: str | None = None
    since: date | None = None
    until: date | None = None
    fiscal_year: int | None = None
    by: tuple[str, ...] = ()


def _filtered(table: ibis.Table, question: ApplicationQuestion) -> ibis.Table:
    unknown = set(question.by) - set(DIMENSIONS)
    if unknown:
        raise QueryError(f"cannot break down by {', '.join(sorted(unknown))}; use: "
                         + ", ".join(DIMENSIONS))
    conditions = [table[name] == value for name, value in (
        ("nationality", question.nationality), ("court", question.court),
        ("custody", question.custody), ("filed_fy", question.fiscal_year))
        if value is not None]
    if question.since:
        conditions.append(table.filed_date >= question.since)
    if question.until:
        conditions.append(table.filed_date <= question.until)
    return table.filter(*conditions) if conditions else table


def _provenance(home: Path, engine: str, question, metric: str, definition: str) -> dict:
    release = reader(home).execute(
        """SELECT release_id, release_label, is_synthetic, data_through FROM release_order
           WHERE source = 'eoir' ORDER BY release_rank DESC LIMIT 1""").fetchone()
    if release is None:
        raise QueryError("the lake holds no EOIR release: run `immtrack ingest eoir`")
    return {"metric": metric, "definition": definition,
            "table": "core_eoir__asylum_applications",
            "releases": [{"release_id": release[0], "label": release[1],
                          "is_synthetic": release[2], "data_through": release[3]}],
            "filters": {k: v for k, v in asdict(question).items() if v not in (None, ())},
            "engine": engine, "code_version": code_version()}


def filings(question: ApplicationQuestion | None = None, *, home: Path | None = None,
            engine: str = "duckdb", spark_master: str | None = None,
            **filters) -> tuple[pa.Table, dict]:
    """Asylum applications filed, and distinct cases that filed, by any dimensions."""
    question = question or ApplicationQuestion(**filters)
    home = home or default_home()
    table = _filtered(open_engine(home, engine, spark_master)
                      .table("core_eoir__asylum_applications"), question)
    metrics = {"applications": table.count(), "cases": table.case_id.nunique()}
    by = list(question.by)
    expression = table.group_by(by).aggregate(**metrics).order_by(by) if by \
        else table.aggregate(**metrics)
    provenance = _provenance(home, engine, question, "filings",
                             "asylum applications (ASYL) by filing date; cases = distinct "
                             "IDNCASE among them")
    return expression.to_pyarrow(), provenance


def kaplan_meier(durations: list[tuple[int, int, int]]) -> dict[str, int | None]:
    """Percentiles of time to event from (days, events, censored) counts, one row per day.

    >>> kaplan_meier([(10, 1, 0), (20, 0, 1), (30, 1, 0), (40, 1, 0)])["median_days"]
    30
    """
    at_risk = sum(events + censored for _, events, censored in durations)
    survival, result = 1.0, dict.fromkeys(PERCENTILES)
    for days, events, censored in sorted(durations):
        if events and at_risk:
            survival *= 1 - events / at_risk
            for name, share in PERCENTILES.items():
                if result[name] is None and survival <= 1 - share + 1e-12:
                    result[name] = days
        at_risk -= events + censored
    return result


def time_to_decision(question: ApplicationQuestion | None = None, *, home: Path | None = None,
                     engine: str = "duckdb", spark_master: str | None = None,
                     **filters) -> tuple[pa.Table, dict]:
    """Kaplan-Meier median and percentiles of days from filing to decision, pending censored."""
    question = question or ApplicationQuestion(**filters)
    home = home or default_home()
    provenance = _provenance(home, engine, question, "time_to_decision",
                             "days from filing to the deciding proceeding's completion; "
                             "pending applications censored at the release's last date")
    censor = provenance["releases"][0]["data_through"]
    table = _filtered(open_engine(home, engine, spark_master)
                      .table("core_eoir__asylum_applications"), question)
    end = ibis.ifelse(table.is_pending, ibis.literal(censor), table.decision_date)
    table = table.mutate(days=(end - table.filed_date).cast("int64"))
    by = list(question.by)
    counts = table.group_by([*by, "days"]).aggregate(
        events=(~_.is_pending).sum().cast("int64"),
        censored=_.is_pending.sum().cast("int64")).to_pyarrow().to_pylist()
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
    return pa.Table.from_pylist(rows), provenance
