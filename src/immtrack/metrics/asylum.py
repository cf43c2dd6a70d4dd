"""Asylum outcome rates from the EOIR tables, every definition side by side, with n and a 95%
Wilson interval, written once as Ibis expressions.

`decisions_table` builds the unit once per release, at ingest (core_eoir__asylum_decisions);
questions then only filter and count it, in milliseconds on DuckDB.

The unit is a decision: a final decision on an asylum application (tbl_Court_Appln, APPL_CODE
ASYL) in a completed proceeding. Its date is the proceeding's completion date (COMP_DATE);
its dimensions come from the proceeding (nationality, court, hearing location, judge, case
type, custody at the proceeding) and the case (affirmative or defensive, ever represented,
rider of a family's lead case). Options say which decisions count: every decision (default) or
the last per case, and whether family riders count (default: yes).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import ibis
import pyarrow as pa
from ibis import _

from immtrack.errors import QueryError
from immtrack.lake.catalog import reader
from immtrack.lake.home import default_home
from immtrack.lake.releases import code_version
from immtrack.metrics.definitions import DEFINITIONS, SMALL_N, RateDefinition
from immtrack.metrics.engine import open_engine
from immtrack.metrics.intervals import wilson
from immtrack.schema.eoir import APPLICATION_DECISIONS

# Breakdown name -> column of the decisions table.
DIMENSIONS = {
    "nationality": "nationality", "court": "court", "hearing_location": "hearing_location",
    "judge": "judge", "case_type": "case_type", "custody": "custody",
    "fiscal_year": "decision_fy", "affirmative": "affirmative",
    "represented": "represented", "rider": "rider",
}


@dataclass(frozen=True)
class AsylumQuestion:
    nationality: str | None = None
    court: str | None = None
    judge: str | None = None
    custody: str | None = None
    case_type: str | None = None
    since: date | None = None
    until: date | None = None
    fiscal_year: int | None = None
    by: tuple[str, ...] = ()
    definitions: tuple[str, ...] = tuple(DEFINITIONS)
    decisions: str = "every"  # every, or last (the last decision of each case)
    riders: bool = True


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


def _outcome(decision):
    cases = [(decision.isin([c for c, d in APPLICATION_DECISIONS.items() if d.outcome == k]), k)
             for k in ("grant", "deny", "other", "not_final")]
    return ibis.cases(*cases, else_=ibis.null()).name("outcome")


def _fiscal_year(day):
    return (day.year() + (day.month() >= 10).cast("int32")).cast("int32")


def _asylum_applications(tables) -> ibis.Table:
    """ASYL applications with their proceeding's and case's dimensions (decided or not)."""
    applications = tables("raw_eoir__tbl_court_appln")
    proceedings = tables("raw_eoir__b_tblproceeding")
    cases = tables("raw_eoir__a_tblcase")
    representatives = tables("raw_eoir__tbl_repsassigned").select(rep_case=_.IDNCASE) \
        .distinct().mutate(represented=ibis.literal(True))
    riders = tables("raw_eoir__tbl_lead_rider").select(rider_case=_.idnRiderCase).distinct() \
        .mutate(rider=ibis.literal(True))
    joined = applications.filter(_.APPL_CODE == "ASYL").join(
        proceedings.select("IDNPROCEEDING", "NAT", "BASE_CITY_CODE", "HEARING_LOC_CODE",
                           "IJ_CODE", "CASE_TYPE", "CUSTODY", "COMP_DATE"),
        "IDNPROCEEDING")
    # Right-hand keys get their own names, so the chained joins keep one IDNCASE.
    kinds = cases.select(type_case=_.IDNCASE, C_ASY_TYPE=_.C_ASY_TYPE)
    joined = joined.left_join(kinds, joined.IDNCASE == kinds.type_case)
    joined = joined.left_join(representatives, representatives.rep_case == joined.IDNCASE)
    return joined.left_join(riders, riders.rider_case == joined.IDNCASE)


def decisions_table(tables) -> ibis.Table:
    """One row per final asylum decision, with every dimension; `tables(name)` gives the lake
    table as an Ibis expression on whichever engine runs it (at ingest: DuckDB)."""
    joined = _asylum_applications(tables).filter(_.APPL_DEC.notnull(), _.COMP_DATE.notnull())
    return joined.select(
        case_id=_.IDNCASE, proceeding_id=_.IDNPROCEEDING, application_id=_.IDNPROCEEDINGAPPLN,
        decision_code=_.APPL_DEC, outcome=_outcome(_.APPL_DEC),
        decision_date=_.COMP_DATE.date(), decision_fy=_fiscal_year(_.COMP_DATE),
        nationality=_.NAT, court=_.BASE_CITY_CODE, hearing_location=_.HEARING_LOC_CODE,
        judge=_.IJ_CODE, case_type=_.CASE_TYPE, custody=_.CUSTODY,
        affirmative=_.C_ASY_TYPE == "E", represented=_.represented.fill_null(False),
        rider=_.rider.fill_null(False),
    ).filter(_.outcome.notnull())


def applications_table(tables) -> ibis.Table:
    """One row per asylum application, decided or pending: filings and time to decision."""
    joined = _asylum_applications(tables).filter(_.APPL_RECD_DATE.notnull())
    outcome = _outcome(_.APPL_DEC)
    final = outcome.isin(["grant", "deny", "other"]) & _.COMP_DATE.notnull()
    return joined.select(
        case_id=_.IDNCASE, application_id=_.IDNPROCEEDINGAPPLN,
        filed_date=_.APPL_RECD_DATE.date(), filed_fy=_fiscal_year(_.APPL_RECD_DATE),
        decision_date=ibis.ifelse(final, _.COMP_DATE.date(), ibis.null("date")),
        outcome=ibis.ifelse(final, outcome, ibis.null("string")), is_pending=~final,
        nationality=_.NAT, court=_.BASE_CITY_CODE, judge=_.IJ_CODE, case_type=_.CASE_TYPE,
        custody=_.CUSTODY, affirmative=_.C_ASY_TYPE == "E",
        represented=_.represented.fill_null(False), rider=_.rider.fill_null(False))


def _filtered(decisions: ibis.Table, question: AsylumQuestion) -> ibis.Table:
    conditions = [decisions[name] == value for name, value in (
        ("nationality", question.nationality), ("court", question.court),
        ("judge", question.judge), ("custody", question.custody),
        ("case_type", question.case_type), ("decision_fy", question.fiscal_year))
        if value is not None]
    if question.since:
        conditions.append(decisions.decision_date >= question.since)
    if question.until:
        conditions.append(decisions.decision_date <= question.until)
    if not question.riders:
        conditions.append(~decisions.rider)
    table = decisions.filter(*conditions) if conditions else decisions
    if question.decisions == "last":
        # The last final decision of each case (ties broken by application id).
        window = ibis.window(group_by="case_id", order_by=[ibis.desc("decision_date"),
                                                           ibis.desc("application_id")])
        table = table.mutate(rank=ibis.row_number().over(window)).filter(_.rank == 0) \
            .drop("rank")
    return table


def count_outcomes(decisions: ibis.Table, question: AsylumQuestion) -> ibis.Table:
    """Decisions per outcome class and group: the engine-side part of every definition."""
    table = _filtered(decisions, question)
    by = [DIMENSIONS[name] for name in question.by]
    metrics = {kind: (table.outcome == kind).sum().cast("int64")
               for kind in ("grant", "deny", "other", "not_final")}
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
            rows.append({**{name: group[DIMENSIONS[name]] for name in by},
                         "definition": definition.name, "numerator": k, "n": n,
                         "rate": k / n if n else None,
                         "ci95_low": None if n == 0 else low,
                         "ci95_high": None if n == 0 else high,
                         "small_n": n < SMALL_N})
    return rows


def asylum(question: AsylumQuestion | None = None, *, home: Path | None = None,
           engine: str = "duckdb", spark_master: str | None = None,
           **options) -> AsylumAnswer:
    """Asylum outcome rates under every requested definition, by any dimensions.

    >>> asylum(nationality="RU", fiscal_year=2023).table.to_pandas()  # doctest: +SKIP

    `engine="spark"` runs the same expressions on Spark (`spark_master`, default local[2]).
    """
    question = question or AsylumQuestion(**options)
    unknown = (set(question.by) - set(DIMENSIONS)) | (set(question.definitions)
                                                       - set(DEFINITIONS))
    if unknown or question.decisions not in ("every", "last"):
        raise QueryError(f"unknown option {sorted(unknown) or question.decisions}; "
                         f"breakdowns: {', '.join(DIMENSIONS)}; definitions: "
                         f"{', '.join(DEFINITIONS)}; decisions: every or last")
    home = home or default_home()
    runner = open_engine(home, engine, spark_master)
    decisions = runner.table("core_eoir__asylum_decisions")
    counts = count_outcomes(decisions, question).to_pyarrow().to_pylist()
    con = reader(home)
    rows = rate_rows(counts, [DEFINITIONS[d] for d in question.definitions], question.by)
    releases = con.execute(
        """SELECT release_id, release_label, is_synthetic FROM release_order
           WHERE source = 'eoir' ORDER BY release_rank DESC LIMIT 1""").fetchall()
    provenance = {
        "tables": ["core_eoir__asylum_decisions", "from: raw_eoir__tbl_court_appln",
                   "raw_eoir__b_tblproceeding", "raw_eoir__a_tblcase",
                   "raw_eoir__tbl_repsassigned", "raw_eoir__tbl_lead_rider"],
        "releases": [{"release_id": r, "label": label, "is_synthetic": synthetic}
                     for r, label, synthetic in releases],
        "definitions": {d: DEFINITIONS[d].description for d in question.definitions},
        "filters": {k: v for k, v in asdict(question).items()
                    if v not in (None, (), True) and k not in ("by", "definitions")},
        "engine": runner.name, "code_version": code_version(),
    }
    return AsylumAnswer(question, pa.Table.from_pylist(rows) if rows else pa.table({}),
                        provenance)
