"""Which asylum applications or decisions a question looks at: one filter vocabulary for every
asylum metric, so `--nationality RU --custody D --represented` means the same everywhere.

The columns are those of core_eoir__asylum_decisions and core_eoir__asylum_applications
(metrics/asylum_tables.py). Dates filter on a basis: the decision date (decisions) or the
filing date (applications, cohorts, or `date_basis="filing"` for decisions).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

import ibis

from immtrack.errors import QueryError

# Filter name -> column; the same names are breakdowns (`by`).
EQUALITY_FILTERS = ("nationality", "court", "hearing_location", "judge", "custody",
                    "case_type", "ever_detained", "asylum_type", "rider")
ASYLUM_TYPE_VALUES = ("affirmative", "defensive", "unknown")
REPRESENTATION = {"ever": "represented", "first_hearing": "represented_at_first_hearing",
                  "decision": "represented_at_decision"}
DATE_BASES = {"decision": ("decision_date", "decision_fy"), "filing": ("filed_date", "filed_fy")}


@dataclass(frozen=True)
class Slice:
    """The filters every asylum question shares; None means no filter."""

    nationality: str | None = None
    court: str | None = None
    hearing_location: str | None = None
    judge: str | None = None
    custody: str | None = None
    case_type: str | None = None
    ever_detained: bool | None = None
    asylum_type: str | None = None  # affirmative, defensive or unknown (C_ASY_TYPE)
    rider: bool | None = None
    represented: bool | None = None
    represented_at: str = "ever"  # ever, first_hearing or decision
    since: date | None = None
    until: date | None = None
    fiscal_year: int | None = None


SLICE_FIELDS = tuple(f.name for f in fields(Slice))


def apply_slice(table: ibis.Table, question, date_basis: str) -> ibis.Table:
    """`table` filtered by the Slice fields of `question` (any dataclass holding them)."""
    if question.represented_at not in REPRESENTATION:
        raise QueryError(f"represented_at must be one of {', '.join(REPRESENTATION)}")
    if question.asylum_type is not None and question.asylum_type not in ASYLUM_TYPE_VALUES:
        raise QueryError(f"asylum type must be one of {', '.join(ASYLUM_TYPE_VALUES)}")
    if date_basis not in DATE_BASES:
        raise QueryError(f"date basis must be one of {', '.join(DATE_BASES)}")
    day, fiscal_year = DATE_BASES[date_basis]
    conditions = [table[name] == getattr(question, name) for name in EQUALITY_FILTERS
                  if getattr(question, name) is not None]
    if question.represented is not None:
        conditions.append(table[REPRESENTATION[question.represented_at]] == question.represented)
    if question.fiscal_year is not None:
        conditions.append(table[fiscal_year] == question.fiscal_year)
    if question.since:
        conditions.append(table[day] >= question.since)
    if question.until:
        conditions.append(table[day] <= question.until)
    return table.filter(*conditions) if conditions else table


def slice_filters(question) -> dict:
    """The filters a question set, for provenance (dates as ISO text)."""
    values = {name: getattr(question, name) for name in SLICE_FIELDS}
    if values["represented"] is None:
        values.pop("represented_at")
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()
            if v is not None}
