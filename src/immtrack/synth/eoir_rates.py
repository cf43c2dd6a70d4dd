"""The real figures a generated EOIR release follows, read from the registry in one place.

- `shares(table, column)`: a coded column's real values and shares (eoir_value_shares.csv,
  derived from the Deportation Data Project's value frequencies of the June 2026 release),
  with its blank share (missingness_by_field.csv). Generated rows draw only real codes: values
  outside the column's lookup (junk) are left out here and planted on purpose elsewhere.
- `STRUCTURE[name]`: structural rates (proceedings per case, blanks in completed proceedings,
  asylum cases decided twice...), each with its source (eoir_structure.csv).
- `COURT_DECISIONS`: EOIR's court-decision lookup keyed by (case type, decision type, code),
  with the outcome class (eoir_court_decisions.csv).
- `lookup_codes(name)`: the real code list of a lookup (eoir_lookups.csv).

docs/eoir.md lists which real figure each generated column follows.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from importlib.resources import files

import numpy as np

from immtrack.schema.eoir import COURT_DECISIONS as SCHEMA_COURT_DECISIONS


def _rows(name: str) -> list[dict]:
    with files("immtrack.schema").joinpath(f"data/{name}").open(newline="",
                                                               encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


@dataclass(frozen=True)
class Shares:
    """A column's real values with their shares among non-blank rows, and its blank share."""

    values: np.ndarray
    p: np.ndarray
    blank: float

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.choice(self.values, size=size, p=self.p)

    def share(self, value: str) -> float:
        hits = self.p[self.values == value]
        return float(hits[0]) if len(hits) else 0.0


# Values under this share of a column with no lookup are treated as junk, not as codes.
JUNK_SHARE = 1e-3

# Columns whose codes a lookup lists: only those codes are drawn.
_LOOKUP_OF = {("A_TblCase", "CUSTODY"): "tblLookupCustodyStatus",
              ("tbl_CustodyHistory", "CUSTODY"): "tblLookupCustodyStatus",
              ("A_TblCase", "CASE_TYPE"): "tblLookupCaseType",
              ("B_TblProceeding", "CASE_TYPE"): "tblLookupCaseType"}
# Court-decision columns: every letter EOIR's court-decision lookup lists for some case type,
# however rare (L and Z are 0.05% of real DEC_CODE values).
_DECISION_KIND = {("B_TblProceeding", "DEC_CODE"): "C", ("B_TblProceeding", "OTHER_COMP"): "O"}


@functools.cache
def shares(table: str, column: str) -> Shares:
    rows = [r for r in _rows("eoir_value_shares.csv")
            if r["table"] == table and r["column"] == column]
    if not rows:
        raise KeyError(f"no real value shares for {table}.{column}")
    lookup = _LOOKUP_OF.get((table, column))
    allowed = set(lookup_codes(lookup)) if lookup else None
    if (table, column) in _DECISION_KIND:
        allowed = {code for (_, kind, code) in COURT_DECISIONS
                   if kind == _DECISION_KIND[(table, column)]}
    kept = [r for r in rows if (r["value"] in allowed if allowed is not None
                                else float(r["share"]) >= JUNK_SHARE)]
    weights = np.array([float(r["n"]) for r in kept])
    return Shares(np.array([r["value"] for r in kept]), weights / weights.sum(),
                  float(rows[0]["blank_share"]))


@dataclass(frozen=True)
class Rate:
    value: float
    source: str
    derivation: str


STRUCTURE = {r["name"]: Rate(float(r["value"]), r["source"], r["derivation"])
             for r in _rows("eoir_structure.csv")}


COURT_DECISIONS = SCHEMA_COURT_DECISIONS


@functools.cache
def lookup_codes(name: str) -> tuple[str, ...]:
    return tuple(r["code"] for r in _rows("eoir_lookups.csv") if r["lookup"] == name)


@functools.cache
def lookup_rows() -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for row in _rows("eoir_lookups.csv"):
        out.setdefault(row["lookup"], []).append((row["code"], row["description"]))
    return out


def calibration_rows() -> list[dict]:
    return _rows("eoir_asylum_calibration.csv")


def receipts_rows() -> list[dict]:
    return _rows("eoir_receipts.csv")
