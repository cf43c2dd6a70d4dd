"""Bond hearings in immigration court (D_TblAssociatedBond): requests, decisions, the amounts
set, and how long people were held before the judge decided.

Each bond record is one bond proceeding (a request the court received, BOND_HEAR_REQ_DATE)
and, once completed, one decision (DEC, COMP_DATE); a judge who changes a bond later makes a
new record. Decisions are reported by their code as EOIR records it: EOIR publishes no lookup
for bond decision codes (the Deportation Data Project's codebook says so too), so immtrack does
not say what a letter means. Amounts are INITIAL_BOND (set by DHS) and NEW_BOND (set by the
judge) read as dollars; medians and quartiles are exact (linear interpolation, computed from
counts per amount, so every engine gives the same figures), over the records that have an
amount. Days from detention run from the case's detention date to the bond decision.
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
    quantiles,
    share_row,
)
from immtrack.metrics.definitions import SMALL_N
from immtrack.metrics.engine import open_engine

TABLE = "core_eoir__bonds"
DERIVED_FROM = ["raw_eoir__d_tblassociatedbond", "raw_eoir__b_tblproceeding",
                "raw_eoir__a_tblcase", "raw_eoir__tbl_custodyhistory",
                "raw_eoir__tbl_repsassigned"]
BREAKDOWNS = {"fiscal_year": "fy", "nationality": "nationality", "court": "court",
              "hearing_location": "hearing_location", "judge": "judge", "custody": "custody",
              "bond_type": "bond_type", "represented": "represented_at_completion"}
DATE_BASES = {"decision": ("bond_decision_date", "bond_decision_fy"),
              "request": ("request_date", "request_fy")}
CHANGES = ("lowered", "raised", "unchanged")
DEFINITIONS = {
    "requests": "Bond records (one bond proceeding each: a request the court received).",
    "decisions": "Bond records with a decision code and a completion date.",
    "decision_codes": "Decisions by DEC code as EOIR records it, each with its share of "
                      "decisions and a 95% interval; EOIR publishes no lookup for the codes.",
    "initial_bond": "Median and quartiles of INITIAL_BOND (dollars, set by DHS) over records "
                    "with a numeric amount.",
    "new_bond": "Median and quartiles of NEW_BOND (dollars, set by the immigration judge) "
                "over records with a numeric amount.",
    "amount_change": "Of records with both amounts: the judge's bond lower, higher or the "
                     "same as DHS's, with shares and 95% intervals.",
    "days_detained_to_decision": "Median and quartiles of days from the detention date "
                                 "(A_TblCase DATE_DETAINED, else the custody history's first) "
                                 "to the bond decision.",
}
EXCLUSIONS = {"amount_not_numeric": "records whose INITIAL_BOND or NEW_BOND is text, not a "
                                    "number (left out of the amounts)",
              "undecided": "records without a decision code or completion date (counted as "
                           "requests, not as decisions)"}


@dataclass(frozen=True)
class BondQuestion(CourtSlice):
    by: tuple[str, ...] = ()
    date_basis: str = "decision"  # decision (COMP_DATE) or request (BOND_HEAR_REQ_DATE)


def _values(runner, table, by, column) -> dict[tuple, list[tuple[float, int]]]:
    """Counts per value of `column` per breakdown group: quantiles are computed from them."""
    present = table.filter(table[column].notnull())
    counts = grouped(present, (*by, "_value"), {**BREAKDOWNS, "_value": column},
                     {"count": present.count().cast("int64")})
    out: dict[tuple, list[tuple[float, int]]] = {}
    for row in runner.to_pyarrow(counts).to_pylist():
        out.setdefault(tuple(row[b] for b in by), []).append((row["_value"], row["count"]))
    return out


def bond(question: BondQuestion | None = None, *, home: Path | None = None,
         engine: str = "duckdb", spark_master: str | None = None, **options):
    """Bond requests, decisions, amounts and days from detention, by any breakdown; sections:
    decisions by code, and the judge's change to DHS's amount.

    >>> bond(nationality="RU", fiscal_year=2023).table.to_pandas()  # doctest: +SKIP
    """
    question = question or BondQuestion(**options)
    check_by(question.by, BREAKDOWNS)
    if question.date_basis not in DATE_BASES:
        raise QueryError(f"date basis must be one of {', '.join(DATE_BASES)}")
    if question.case_type or question.charge_group or question.mpp is not None:
        raise QueryError("bond records cannot be filtered by case type, charge group or MPP")
    home = home or default_home()
    runner = open_engine(home, engine, spark_master)
    day, fy = DATE_BASES[question.date_basis]
    table = runner.table(TABLE)
    table = apply_filters(table.mutate(fy=table[fy]), question, day=day, fiscal_year=fy)
    by = question.by
    decided = table.bond_decision.notnull() & table.bond_decision_date.notnull()
    summary = runner.to_pyarrow(grouped(table, by, BREAKDOWNS, {
        "requests": table.count().cast("int64"),
        "decisions": decided.sum().cast("int64"),
        "with_initial_bond": table.initial_bond.notnull().sum().cast("int64"),
        "with_new_bond": table.new_bond.notnull().sum().cast("int64"),
        "amount_not_numeric": table.amount_not_numeric.sum().cast("int64")})).to_pylist()
    amounts = {column: _values(runner, table, by, column)
               for column in ("initial_bond", "new_bond", "days_detained_to_decision")}
    rows = []
    for row in summary:
        key = tuple(row[b] for b in by)
        out = dict(row)
        for column, prefix in (("initial_bond", "initial_bond"), ("new_bond", "new_bond"),
                               ("days_detained_to_decision", "days_detained")):
            for name, value in quantiles(amounts[column].get(key, [])).items():
                out[f"{prefix}_{name}"] = value
        rows.append(out)
    with_code = table.filter(decided)
    codes = runner.to_pyarrow(grouped(with_code, (*by, "bond_decision"),
                                      {**BREAKDOWNS, "bond_decision": "bond_decision"},
                                      {"count": with_code.count().cast("int64")})).to_pylist()
    totals = {tuple(r[b] for b in by): r["decisions"] for r in summary}
    decision_rows = [{**{b: r[b] for b in by}, "bond_decision": r["bond_decision"],
                      **share_row(r["count"], totals[tuple(r[b] for b in by)], SMALL_N)}
                     for r in codes]
    both = table.filter(table.amount_change.isin(list(CHANGES)))
    changes = runner.to_pyarrow(grouped(both, (*by, "amount_change"),
                                        {**BREAKDOWNS, "amount_change": "amount_change"},
                                        {"count": both.count().cast("int64")})).to_pylist()
    pairs: dict[tuple, int] = {}
    for r in changes:
        pairs[tuple(r[b] for b in by)] = pairs.get(tuple(r[b] for b in by), 0) + r["count"]
    change_rows = [{**{b: r[b] for b in by}, "amount_change": r["amount_change"],
                    **share_row(r["count"], pairs[tuple(r[b] for b in by)], SMALL_N)}
                   for r in changes]
    # An empty slice sums to null.
    excluded = {"amount_not_numeric": sum(r["amount_not_numeric"] or 0 for r in summary),
                "undecided": sum((r["requests"] or 0) - (r["decisions"] or 0) for r in summary)}
    notes = ["Unit: bond records (D_TblAssociatedBond rows); a judge's later change is a new "
             "record.",
             f"Dates and --fy filter the {question.date_basis} date "
             f"({'COMP_DATE' if question.date_basis == 'decision' else 'BOND_HEAR_REQ_DATE'}).",
             "Bond decision codes are shown as EOIR records them: EOIR publishes no lookup "
             "for them, so immtrack does not name them.",
             "Amounts: medians and quartiles over records with a numeric amount (INITIAL_BOND "
             "is often blank even when DHS set a bond, per the Deportation Data Project)."]
    notes += [f"Left out: {n:,} {EXCLUSIONS[k]}." for k, n in excluded.items() if n]
    provenance = court_provenance(
        home, metric="bond", table=TABLE, derived_from=DERIVED_FROM, definitions=DEFINITIONS,
        question=question, options={"by": list(by), "date_basis": question.date_basis},
        engine=runner.name, excluded=excluded, notes=notes)
    return answer("bond", question, rows, provenance,
                  sections={"decisions": decision_rows, "amount_change": change_rows})
