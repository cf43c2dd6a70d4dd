"""Appeals to the Board of Immigration Appeals (tblAppeal): who appealed and what the Board
decided, where it has.

Each row of tblAppeal is one appeal or motion at the Board. Who filed it is strFiledBy
(tblLookupFiledBy: A the noncitizen, I DHS, B both...); the Board's decision is strBIADecision
(tblLookupBIADecision) in classes (schema.eoir.BIA_DECISIONS: dismissed, sustained, remanded,
...). Shares are of decided appeals, per filer, with 95% Wilson intervals; appeals without a
decision are pending and counted. By default only appeals of immigration judges' decisions
(category IJ) are counted; `category=None` counts the Board's whole docket, DHS officers'
decisions (DD) included.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from immtrack.errors import QueryError
from immtrack.lake.home import default_home
from immtrack.metrics.court_slices import (
    CourtSlice,
    answer,
    apply_filters,
    check_by,
    court_provenance,
    grouped,
    share_row,
)
from immtrack.metrics.definitions import SMALL_N
from immtrack.metrics.engine import open_engine
from immtrack.schema.eoir import FILED_BY

TABLE = "core_eoir__appeals"
DERIVED_FROM = ["raw_eoir__tblappeal", "raw_eoir__b_tblproceeding", "raw_eoir__lookups"]
BREAKDOWNS = {"fiscal_year": "fy", "nationality": "nationality", "court": "court",
              "judge": "judge", "case_type": "case_type", "custody": "custody",
              "appeal_type": "appeal_type", "filed_by": "filed_by"}
DATE_BASES = {"filed": ("appeal_filed_date", "appeal_filed_fy"),
              "decision": ("bia_decision_date", "bia_decision_fy")}
DEFINITION = ("Appeals to the Board by who filed them (strFiledBy) and the Board's decision "
              "class; shares are of decided appeals per filer.")


@dataclass(frozen=True)
class AppealQuestion(CourtSlice):
    by: tuple[str, ...] = ()
    category: str | None = "IJ"  # strAppealCategory; None: every category
    date_basis: str = "filed"  # filed (datAppealFiled) or decision (datBIADecision)


def appeals(question: AppealQuestion | None = None, *, home: Path | None = None,
            engine: str = "duckdb", spark_master: str | None = None, **options):
    """Appeals by who filed them, with the Board's decisions (shares of decided appeals).

    >>> appeals(nationality="RU", fiscal_year=2023).table.to_pandas()  # doctest: +SKIP
    """
    question = question or AppealQuestion(**options)
    check_by(question.by, BREAKDOWNS)
    if question.date_basis not in DATE_BASES:
        raise QueryError(f"date basis must be one of {', '.join(DATE_BASES)}")
    if question.represented is not None or question.charge_group or question.mpp is not None:
        raise QueryError("appeals cannot be filtered by representation, charge group or MPP")
    home = home or default_home()
    runner = open_engine(home, engine, spark_master)
    day, fy = DATE_BASES[question.date_basis]
    table = runner.table(TABLE)
    table = table.mutate(fy=table[fy])
    if question.category:
        table = table.filter(table.appeal_category == question.category)
    table = apply_filters(table, question, day=day, fiscal_year=fy, represented=None)
    by = tuple(b for b in question.by if b != "filed_by")
    counts = runner.to_pyarrow(grouped(
        table, (*by, "filed_by", "bia_outcome"),
        {**BREAKDOWNS, "bia_outcome": "bia_outcome"},
        {"appeals": table.count().cast("int64")})).to_pylist()
    decided: dict[tuple, int] = {}
    for row in counts:
        if row["bia_outcome"] not in ("pending", "unknown_code"):
            key = (*(row[b] for b in by), row["filed_by"])
            decided[key] = decided.get(key, 0) + row["appeals"]
    rows = []
    for row in counts:
        key = (*(row[b] for b in by), row["filed_by"])
        counted = row["bia_outcome"] not in ("pending", "unknown_code")
        share = share_row(row["appeals"], decided.get(key, 0), SMALL_N) if counted else {
            "numerator": row["appeals"], "n": decided.get(key, 0), "rate": None,
            "ci95_low": None, "ci95_high": None, "small_n": True}
        rows.append({**{b: row[b] for b in by}, "filed_by": row["filed_by"],
                     "filer": FILED_BY.get(row["filed_by"] or "", "other"),
                     "bia_outcome": row["bia_outcome"], "appeals": row["appeals"],
                     **{k: v for k, v in share.items() if k != "numerator"}})
    excluded = {"pending": sum(r["appeals"] for r in counts if r["bia_outcome"] == "pending"),
                "unknown_code": sum(r["appeals"] for r in counts
                                    if r["bia_outcome"] == "unknown_code")}
    notes = ["Unit: appeals (tblAppeal rows); shares are of decided appeals of the same filer "
             "(rate = appeals / n).",
             f"Category: {question.category or 'every category'} (IJ: appeals of an "
             "immigration judge's decision; DD: of a DHS officer's).",
             f"Dates and --fy filter the {question.date_basis} date."]
    if excluded["pending"]:
        notes.append(f"Pending: {excluded['pending']:,} appeals without a Board decision yet "
                     "(shown, not in any share).")
    if excluded["unknown_code"]:
        notes.append(f"Left out: {excluded['unknown_code']:,} appeals whose decision code "
                     "tblLookupBIADecision does not list.")
    provenance = court_provenance(
        home, metric="appeals", table=TABLE, derived_from=DERIVED_FROM,
        definitions={"appeals": DEFINITION}, question=question,
        options={"by": list(question.by), "category": question.category,
                 "date_basis": question.date_basis},
        engine=runner.name, excluded=excluded, notes=notes)
    return answer("appeals", question, rows, provenance)
