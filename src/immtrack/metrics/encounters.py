"""Border encounters: totals and breakdowns, answered from one series, with provenance.

Definition (metric `encounters`): the sum of `encounter_count` over the current facts of one
series (see schema/series.py) that match the filters, in the months asked. Current facts take
each month from the newest release that has it, so overlapping CBP releases are never counted
twice. An encounter is an event, not a person.

The series is chosen, not mixed: among the series that have every breakdown the question needs
and can hold the citizenship asked for, the one covering most of the period; then CBP's
complete counts over OHSS's Border-Patrol-only ones; then the coarsest cut.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from immtrack.errors import QueryError
from immtrack.lake.catalog import reader
from immtrack.lake.home import default_home
from immtrack.lake.releases import code_version
from immtrack.schema.codes import (
    BORDER_REGIONS,
    COMPONENTS,
    DEMOGRAPHICS,
    ENCOUNTER_TYPES,
    TITLES_OF_AUTHORITY,
    citizenship_query_name,
)
from immtrack.schema.series import DIMENSION_COLUMNS, ENCOUNTER_SERIES, EncounterSeries

DEFINITION = ("encounters: sum of CBP/OHSS encounter counts (events, not people) over the "
              "current facts of one series; each month is taken from the newest release that "
              "has it, so overlapping releases are counted once.")
EVENTS_NOT_PEOPLE = ("Encounters are events, not people: a person encountered twice counts "
                     "twice, and CBP does not publish unique people by citizenship.")
BREAKDOWNS = ("month", "fiscal_year", "component", "region", "aor", "state", "demographic",
              "citizenship", "title", "encounter_type")
_CODED_FILTERS = {"component": COMPONENTS, "region": BORDER_REGIONS,
                  "demographic": DEMOGRAPHICS, "title": TITLES_OF_AUTHORITY,
                  "encounter_type": ENCOUNTER_TYPES}


@dataclass(frozen=True)
class EncounterQuestion:
    """What to count. Filters are None for 'all'; months are first-of-month dates."""

    citizenship: str | None = None
    region: str | None = None
    component: str | None = None
    demographic: str | None = None
    title: str | None = None
    encounter_type: str | None = None
    state: str | None = None
    aor: str | None = None
    start: date | None = None
    end: date | None = None
    by: tuple[str, ...] = ()
    series: str | None = None

    def filters(self) -> dict[str, str]:
        """Filters as lake values: codes decoded, citizenship normalized; raises QueryError."""
        decoded = {}
        for name in ("citizenship", "region", "component", "demographic", "title",
                     "encounter_type", "state", "aor"):
            value = getattr(self, name)
            if value is None:
                continue
            if name in _CODED_FILTERS:
                code = _CODED_FILTERS[name].decode(value)
                if code is None:
                    known = ", ".join(c.code for c in _CODED_FILTERS[name].codes)
                    raise QueryError(f"unknown {name} {value!r}; use one of: {known}")
                value = code
            elif name == "citizenship":
                value = citizenship_query_name(value)
            elif name == "state":
                value = value.upper()
            decoded[name] = value
        return decoded


@dataclass
class EncounterAnswer:
    question: EncounterQuestion
    table: pa.Table
    total: int
    series: EncounterSeries
    months: list[date]
    missing_months: list[date]
    notes: list[str]
    provenance: dict
    alternatives: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "question": {k: (v.isoformat()[:7] if isinstance(v, date) else v)
                         for k, v in asdict(self.question).items()},
            "series": self.series.code, "coverage": self.series.coverage_note,
            "rows": self.table.to_pylist(), "total": self.total,
            "period": [self.months[0].isoformat()[:7], self.months[-1].isoformat()[:7]]
            if self.months else None,
            "missing_months": [m.isoformat()[:7] for m in self.missing_months],
            "notes": self.notes, "alternatives": self.alternatives,
            "provenance": self.provenance,
        }


def month_range(start: date, end: date) -> list[date]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _where(filters: dict[str, str], question: EncounterQuestion) -> tuple[str, list]:
    clauses, params = [], []
    for name, value in filters.items():
        clauses.append(f"{DIMENSION_COLUMNS[name]} = ?")
        params.append(value)
    if question.start:
        clauses.append("month_start >= ?")
        params.append(question.start)
    if question.end:
        clauses.append("month_start <= ?")
        params.append(question.end)
    return " AND ".join(clauses) or "true", params


def _eligible(question: EncounterQuestion, filters: dict[str, str]) -> list[EncounterSeries]:
    needed = set(filters) | set(question.by) | {"month"}
    eligible = []
    for series in ENCOUNTER_SERIES.values():
        if question.series and series.code != question.series:
            continue
        if series.grain != "month" or not needed <= series.dimensions:
            continue
        if series.region_scope and filters.get("region") != series.region_scope:
            continue
        if "component" in filters and filters["component"] not in series.components:
            continue
        if (series.citizenship_groups and "citizenship" in filters
                and filters["citizenship"] not in series.citizenship_groups):
            continue
        eligible.append(series)
    return eligible


def _coverage(con: duckdb.DuckDBPyConnection, series: list[EncounterSeries],
              filters: dict[str, str], question: EncounterQuestion
              ) -> tuple[dict[str, set[date]], dict[str, list[str]]]:
    """Months each series holds in the period, and the releases its matching rows come from;
    a series that never names the citizenship asked for cannot answer (CBP puts unnamed
    countries in OTHER), so it covers nothing."""
    period_only, period_params = _where({}, question)
    matching, params = _where(filters, question)
    codes = [s.code for s in series]
    # One scan for all three: the months in the period, the releases of the rows that match,
    # and whether the series ever names the citizenship (in any month). The current view is a
    # window over every release, so each scan costs more than the little it returns.
    citizenship = filters.get("citizenship")
    rows = con.execute(
        f"""SELECT series, list(DISTINCT month_start) FILTER (WHERE {period_only}),
                   list(DISTINCT release_id) FILTER (WHERE {matching}),
                   bool_or(citizenship_name = ?)
            FROM core_cbp__encounters WHERE series IN (SELECT unnest(?)) GROUP BY series""",
        [*period_params, *params, citizenship, codes]).fetchall()
    coverage: dict[str, set[date]] = {code: set() for code in codes}
    releases: dict[str, list[str]] = {code: [] for code in codes}
    for code, months, release_ids, named in rows:
        if citizenship is None or named:
            coverage[code] = set(months or ())
        releases[code] = release_ids or []
    return coverage, releases


def _choose(question: EncounterQuestion, filters: dict[str, str],
            con: duckdb.DuckDBPyConnection
            ) -> tuple[EncounterSeries, list[date], list[str], set[date], list[str]]:
    """The series to answer from, the months asked for, the other series that could answer,
    the months the chosen series holds and the releases its matching rows come from."""
    eligible = _eligible(question, filters)
    if not eligible:
        raise QueryError(
            "no published series can answer this: none breaks encounters down by "
            + ", ".join(sorted(set(filters) | set(question.by)))
            + (" for that component or region" if filters else "")
            + "; see `immtrack sources` for what each series has")
    coverage, releases = _coverage(con, eligible, filters, question)
    wanted = (set(month_range(question.start, question.end))
              if question.start and question.end else None)

    def score(series: EncounterSeries) -> tuple:
        # Most months covered; then complete CBP counts over Border-Patrol-only OHSS; then the
        # coarsest cut (an OHSS total is rounded once, a sum of rounded cells many times).
        months = coverage[series.code]
        covered = len(months & wanted) if wanted is not None else (1 if months else 0)
        return covered, series.components == ("OFO", "USBP"), -len(series.dimensions)

    best = max(eligible, key=score)  # max keeps the first (highest priority) on ties
    if not coverage[best.code]:
        asked = ", ".join(f"{k}={v}" for k, v in filters.items()) or "all encounters"
        raise QueryError(
            f"the lake holds no data for {asked} in that period from any series that can "
            f"answer it ({', '.join(s.code for s in eligible)}); ingest a CBP release that "
            "covers it, or see `immtrack releases`")
    alternatives = [s.code for s in eligible if s is not best and coverage[s.code]]
    months = sorted(coverage[best.code] if wanted is None else wanted)
    return best, months, alternatives, coverage[best.code], releases[best.code]


def _select_list(by: tuple[str, ...]) -> str:
    parts = []
    for name in by:
        column = DIMENSION_COLUMNS[name]
        parts.append(f"strftime({column}, '%Y-%m') AS month" if name == "month"
                     else f"{column} AS {name}")
    return ", ".join(parts)


def _provenance(con: duckdb.DuckDBPyConnection, series: str, release_ids: list[str],
                question: EncounterQuestion) -> dict:
    releases = con.execute(
        """SELECT r.release_id, r.release_label, r.origin, r.data_through, r.is_synthetic,
                  any_value(f.sha256) AS sha256
           FROM releases r JOIN release_files f USING (release_id)
           WHERE r.release_id IN (SELECT unnest(?))
           GROUP BY ALL ORDER BY r.data_through""", [release_ids]).fetchall()
    return {
        "metric": "encounters", "definition": DEFINITION, "table": "core_cbp__encounters",
        "series": series, "filters": {k: v for k, v in asdict(question).items()
                                      if v not in (None, ()) and k != "by"},
        "releases": [{"release_id": r[0], "file": r[1], "origin": r[2],
                      "data_through": r[3].isoformat(), "is_synthetic": r[4], "sha256": r[5]}
                     for r in releases],
        "code_version": code_version(),
    }


def _zero_filled(table: pa.Table, months: list[date]) -> pa.Table:
    """CBP leaves empty cells out; a covered month with no matching rows had none."""
    counts = dict(zip(table.column("month").to_pylist(), table.column("encounters").to_pylist(),
                      strict=True))
    labels = [m.isoformat()[:7] for m in months]
    return pa.table({"month": labels, "encounters": [counts.get(m, 0) for m in labels]},
                    schema=pa.schema([("month", pa.string()), ("encounters", pa.int64())]))


def encounters(question: EncounterQuestion | None = None, *, home: Path | None = None,
               **filters) -> EncounterAnswer:
    """Count border encounters.

    >>> answer = encounters(citizenship="RUSSIA", region="southwest",
    ...                     start=date(2021, 10, 1), end=date(2022, 1, 1), by=("month",))
    ... # doctest: +SKIP
    >>> answer.total, answer.series.code  # doctest: +SKIP
    (680, 'ohss_usbp_monthly_region_citizenship')

    Raises QueryError when no series can answer, LakeError when there is no lake.
    """
    question = question or EncounterQuestion(**filters)
    unknown = set(question.by) - set(BREAKDOWNS)
    if unknown:
        raise QueryError(f"cannot break down by {', '.join(sorted(unknown))}; use one of: "
                         + ", ".join(BREAKDOWNS))
    decoded = question.filters()
    con = reader(home or default_home())
    series, months, alternatives, held, release_ids = _choose(question, decoded, con)
    where, params = _where(decoded, question)
    select = _select_list(question.by)
    group = f"SELECT {select + ', ' if select else ''}sum(encounter_count)::BIGINT AS encounters"
    sql = f"{group} FROM core_cbp__encounters WHERE series = ? AND {where}"
    if question.by:
        sql += " GROUP BY ALL ORDER BY ALL"
    table = con.sql(sql, params=[series.code, *params]).to_arrow_table()
    if not question.by:
        table = pa.table({"encounters": [table.column("encounters")[0].as_py() or 0]})
    elif question.by == ("month",):
        table = _zero_filled(table, months)
    missing = [m for m in months if m not in held]
    total = sum(v or 0 for v in table.column("encounters").to_pylist())
    provenance = _provenance(con, series.code, release_ids, question)
    notes = [EVENTS_NOT_PEOPLE, series.coverage_note]
    if missing:
        notes.append("No data in the lake for " + ", ".join(m.isoformat()[:7] for m in missing)
                     + f" in {series.code}; those months are not in the total.")
    if any(r["is_synthetic"] for r in provenance["releases"]):
        notes.insert(0, "GENERATED DATA: these figures come from files immtrack generated for "
                        "the demo, not from real CBP releases.")
    return EncounterAnswer(question, table, total, series, months, missing, notes, provenance,
                           alternatives)


def revisions(question: EncounterQuestion | None = None, *, home: Path | None = None,
              **filters) -> pa.Table:
    """Facts whose count changed between releases that both cover their month.

    A fact missing from a newer release that covers its month counts as revised to 0.
    """
    question = question or EncounterQuestion(**filters)
    decoded = question.filters()
    con = reader(home or default_home())
    where, params = _where(decoded, question)
    period, period_params = _where({}, question)
    series_clause = "series = ?" if question.series else "true"
    series_params = [question.series] if question.series else []
    sql = f"""
        WITH facts AS (
            SELECT series, month_start, fiscal_year, fact_key, release_id, release_rank,
                   encounter_count
            FROM core_cbp__encounters_all WHERE {series_clause} AND {where}),
        covering AS (
            SELECT DISTINCT series, month_start, fiscal_year, release_id, release_rank
            FROM core_cbp__encounters_all WHERE {series_clause} AND {period}),
        keys AS (SELECT DISTINCT series, month_start, fiscal_year, fact_key FROM facts),
        grid AS (
            SELECT k.*, c.release_id, c.release_rank,
                   coalesce(f.encounter_count, 0) AS encounter_count
            FROM keys k
            JOIN covering c ON c.series = k.series AND c.fiscal_year = k.fiscal_year
                AND c.month_start IS NOT DISTINCT FROM k.month_start
            LEFT JOIN facts f ON f.series = k.series AND f.fiscal_year = k.fiscal_year
                AND f.month_start IS NOT DISTINCT FROM k.month_start
                AND f.fact_key = k.fact_key AND f.release_id = c.release_id),
        changes AS (
            SELECT *, lag(encounter_count) OVER w AS previous_count,
                   lag(release_id) OVER w AS previous_release_id
            FROM grid WINDOW w AS (PARTITION BY series, month_start, fiscal_year, fact_key
                                   ORDER BY release_rank))
        SELECT c.series, strftime(c.month_start, '%Y-%m') AS month, c.fiscal_year, c.fact_key,
               p.release_label AS previous_release, c.previous_count,
               n.release_label AS revised_release, c.encounter_count AS revised_count,
               c.encounter_count - c.previous_count AS change
        FROM changes c
        JOIN releases p ON p.release_id = c.previous_release_id
        JOIN releases n ON n.release_id = c.release_id
        WHERE c.previous_count <> c.encounter_count
        ORDER BY c.series, c.month_start, c.fiscal_year, c.fact_key, c.release_rank"""
    return con.sql(sql, params=[*series_params, *params, *series_params, *period_params]) \
        .to_arrow_table()


def summed_over_releases(question: EncounterQuestion, series: str, *,
                         home: Path | None = None) -> int:
    """What adding up every release's rows gives: the double count that overlapping CBP
    releases produce when they are stacked instead of each month taken once. Used to explain
    published figures, never as an answer."""
    decoded = question.filters()
    where, params = _where(decoded, question)
    (total,) = reader(home or default_home()).execute(
        f"SELECT coalesce(sum(encounter_count), 0)::BIGINT FROM core_cbp__encounters_all "
        f"WHERE series = ? AND {where}", [series, *params]).fetchone()
    return total
