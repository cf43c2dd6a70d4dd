"""Planted cells: exact asylum outcomes that a publisher's method must give back to the unit.

A `PlantedCell` is a set of cases of one nationality whose asylum decisions fall in one fiscal
year with exactly the grants, denials and other outcomes asked for, counted by one method:

- `simple`: one proceeding and one decision per case, so every method counts the same.
- `eoir`: EOIR's method (initial case completions, by fiscal year of completion). On top,
  some cases are remanded or reopened and decided again in the same or the next year
  (subsequent completions, which EOIR leaves out), and some begin with a change of venue
  (not a completion: the next proceeding's decision is the initial completion).
- `trac`: TRAC's method (one grant or denial per case per fiscal year of decision, the last).
  On top, some cases are decided twice in the year (a denial remanded, then the counted
  decision), some withdraw first and are decided after a reopening, some were decided the year
  before, and some denials come with withholding or CAT protection (still denials).

A per-decision count therefore gives a different answer than the method the cell is planted
for. Random cases of the cell's nationality that complete a proceeding in the cell's fiscal
year are given another nationality, so the cell holds exactly what was planted.
`published_cells()` are the cells every default generated release plants
(schema/data/eoir_published_cells.csv: EOIR's and TRAC's published Russian figures).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from importlib.resources import files

import numpy as np

from immtrack.synth.eoir_draws import fiscal_year
from immtrack.synth.eoir_frames import (
    COURTS,
    JUDGES_PER_COURT,
    ApplicationFrame,
    CaseFrame,
    ProceedingFrame,
)
from immtrack.synth.eoir_model import GRANT_CODES, OTHER_CODES

METHODS = ("simple", "eoir", "trac")
# Shares of a cell's cases that get each structure on top (at least one each when the cell
# is large enough to hold it).
ON_TOP = {"eoir": {"venue": .04, "remand_same_year": .03, "remand_next_year": .03},
          "trac": {"twice_same_year": .05, "other_then_decided": .03, "year_before": .03,
                   "with_protection": .05}}


@dataclass(frozen=True)
class PlantedCell:
    """Cases of `nationality` whose asylum decisions in `fiscal_year` are exactly these,
    under `method` (simple, eoir or trac)."""

    nationality: str
    fiscal_year: int
    grants: int
    denials: int
    others: int = 0
    method: str = "simple"
    source: str = ""

    @property
    def cases(self) -> int:
        return self.grants + self.denials + self.others


def published_cells() -> list[PlantedCell]:
    with files("immtrack.schema").joinpath("data/eoir_published_cells.csv").open(
            newline="", encoding="utf-8") as stream:
        return [PlantedCell(r["nationality"], int(r["fiscal_year"]), int(r["grants"]),
                            int(r["denials"]), int(r["other"]), r["method"], r["source"])
                for r in csv.DictReader(stream)]


def _day(year: int, month: int, day: int) -> int:
    return (date(year, month, day) - date(1970, 1, 1)).days


def _asylum_code(rng, outcome: str) -> str:
    return {"grant": rng.choice(GRANT_CODES), "deny": "D",
            "other": rng.choice(OTHER_CODES)}[outcome]


_COURT_DECISION = {"grant": "R", "deny": "X", "other": "X"}


class _Builder:
    """Collects planted cases proceeding by proceeding, then returns them as frames."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.cases: list[dict] = []
        self.proceedings: list[dict] = []
        self.applications: list[dict] = []
        self.proceedings_of: dict[int, int] = {}

    def case(self, nationality: str, filed: int) -> int:
        rng = self.rng
        self.cases.append(dict(
            nationality=nationality, case_type="RMV", custody="N", filed=filed,
            court=int(rng.integers(0, len(COURTS))), sex=rng.choice(["M", "F"]),
            asylum_type="I" if rng.random() < .2 else "E", asylum=True, represented=True,
            counsel_day=filed + 30, detained_day=-1, released_day=-1, planted=True))
        return len(self.cases) - 1

    def proceeding(self, case: int, start: int, end: int, *, outcome: str | None = None,
                   other_comp: str = "", reason: str = "first", court: int | None = None,
                   protection: str = "") -> None:
        """A completed proceeding: decided on asylum (`outcome`), or an other completion."""
        rng = self.rng
        order = self.proceedings_of.get(case, 0)
        self.proceedings_of[case] = order + 1
        court = self.cases[case]["court"] if court is None else court
        dec_code = ""
        if outcome is not None:
            dec_code = {"withholding": "E", "cat": "Z"}.get(protection,
                                                            _COURT_DECISION[outcome])
        self.proceedings.append(dict(
            case=case, order=order, start=start, end=end, court=court,
            judge=int(rng.integers(0, JUDGES_PER_COURT)), custody="N", case_type="RMV",
            dec_code=dec_code, other_comp=other_comp,
            absentia="N", reason=reason))
        index = len(self.proceedings) - 1
        received = self.cases[case]["filed"] + 20
        if outcome is None:
            self.applications.append(dict(proceeding=index, code="ASYL", received=received,
                                          decision="T" if other_comp == "C" else ""))
            return
        self.applications.append(dict(proceeding=index, code="ASYL", received=received,
                                      decision=_asylum_code(rng, outcome)))
        # After an asylum grant the judge need not rule on withholding or CAT (M, not
        # adjudicated); other completions end them the same way as asylum.
        asylum_code = self.applications[-1]["decision"]
        unruled = {"grant": "M", "deny": "D", "other": asylum_code}[outcome]
        withholding = "G" if protection == "withholding" else unruled
        cat = "L" if protection == "cat" else unruled
        self.applications.append(dict(proceeding=index, code="ASYW", received=received,
                                      decision=withholding))
        self.applications.append(dict(proceeding=index, code="WCAT", received=received,
                                      decision=cat))

    def frames(self) -> tuple:
        def arrays(rows: list[dict], keys: list[str]) -> dict:
            return {k: np.array([r[k] for r in rows]) for k in keys}
        case_keys = list(CaseFrame.__dataclass_fields__)
        cases = CaseFrame(**arrays(self.cases, case_keys))
        proceeding_keys = list(ProceedingFrame.__dataclass_fields__)
        order = sorted(range(len(self.proceedings)),
                       key=lambda i: (self.proceedings[i]["case"], self.proceedings[i]["order"]))
        remap = {old: new for new, old in enumerate(order)}
        proceedings = ProceedingFrame(**arrays([self.proceedings[i] for i in order],
                                               proceeding_keys))
        apps = sorted(({**a, "proceeding": remap[a["proceeding"]]} for a in self.applications),
                      key=lambda a: a["proceeding"])
        applications = ApplicationFrame(**arrays(apps, list(ApplicationFrame.__dataclass_fields__)))
        return cases, proceedings, applications


def _count(share: float, cases: int) -> int:
    return max(1, round(share * cases)) if cases >= 20 else 0


def _plant_cell(builder: _Builder, cell: PlantedCell) -> None:
    rng = builder.rng
    outcomes = ["grant"] * cell.grants + ["deny"] * cell.denials + ["other"] * cell.others
    rng.shuffle(outcomes)
    fy_start = _day(cell.fiscal_year - 1, 10, 1)
    extras = {name: _count(share, cell.cases) for name, share in
              ON_TOP.get(cell.method, {}).items()}
    kinds: list[str] = []
    for name, count in extras.items():
        kinds += [name] * count
    kinds += ["plain"] * (len(outcomes) - len(kinds))
    for outcome, kind in zip(outcomes, kinds, strict=True):
        if kind == "with_protection" and outcome != "deny":
            kind = "plain"
        early = fy_start + int(rng.integers(5, 170))
        late = fy_start + int(rng.integers(200, 360))
        decided = late if kind in ("twice_same_year", "other_then_decided", "remand_same_year",
                                   "venue") else fy_start + int(rng.integers(5, 360))
        if kind == "remand_same_year":
            decided = early
        filed = decided - int(rng.integers(300, 900))
        case = builder.case(cell.nationality, filed)
        if kind == "venue":
            moved = (builder.cases[case]["court"] + 1) % len(COURTS)
            builder.proceeding(case, filed, early - 30, other_comp="C")
            builder.proceeding(case, early - 20, decided, outcome=outcome, reason="venue",
                               court=moved)
        elif kind == "twice_same_year":
            builder.proceeding(case, filed, early, outcome="deny")
            builder.proceeding(case, early + 10, decided, outcome=outcome, reason="remand")
        elif kind == "other_then_decided":
            builder.proceeding(case, filed, early, outcome="other")
            builder.proceeding(case, early + 10, decided, outcome=outcome, reason="reopen")
        elif kind == "year_before":
            before = fy_start - int(rng.integers(30, 200))
            builder.proceeding(case, filed - 400, before, outcome="deny")
            builder.proceeding(case, before + 10, decided, outcome=outcome, reason="remand")
        elif kind == "with_protection":
            builder.proceeding(case, filed, decided, outcome=outcome,
                               protection="withholding" if rng.random() < .7 else "cat")
        else:
            builder.proceeding(case, filed, decided, outcome=outcome)
            if kind == "remand_same_year":
                builder.proceeding(case, decided + 10, late, reason="remand",
                                   outcome="grant" if rng.random() < .5 else "deny")
            elif kind == "remand_next_year":
                again = fy_start + 365 + int(rng.integers(30, 300))
                builder.proceeding(case, decided + 10, again, reason="remand",
                                   outcome="grant" if rng.random() < .5 else "deny")


def planted_frames(cells: list[PlantedCell], rng: np.random.Generator) -> tuple:
    builder = _Builder(rng)
    for cell in cells:
        if cell.method not in METHODS:
            raise ValueError(f"planted cell method must be one of {', '.join(METHODS)}")
        _plant_cell(builder, cell)
    return builder.frames()


def keep_out_of_planted(rng: np.random.Generator, frames: tuple,
                        cells: list[PlantedCell]) -> None:
    """Random cases of a planted nationality that complete a proceeding in (or next to) a
    planted fiscal year take another nationality, so planted cells hold exactly the planted
    decisions."""
    if not cells:
        return
    cases, proceedings, _ = frames
    completed_fy = np.where(proceedings.end >= 0, fiscal_year(np.maximum(proceedings.end, 0)),
                            0)
    planted_nationalities = {c.nationality for c in cells}
    for cell in cells:
        years = {cell.fiscal_year} if cell.method == "simple" else \
            {cell.fiscal_year - 1, cell.fiscal_year, cell.fiscal_year + 1}
        hit = np.isin(completed_fy, list(years)) \
            & (cases.nationality[proceedings.case] == cell.nationality)
        clash = np.unique(proceedings.case[hit])
        clash = clash[~cases.planted[clash]]
        pool = np.array([n for n in ("MX", "GT", "HO", "ES", "CH", "IN")
                         if n not in planted_nationalities])
        cases.nationality[clash] = rng.choice(pool, size=len(clash))
