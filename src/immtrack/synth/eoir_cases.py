"""The case model of generated EOIR releases: who comes to court, where, and what happens.

Cases are drawn as numpy arrays, a chunk at a time: nationality, court, judge, custody,
representation, case type, filing and completion dates, and the asylum outcome. Outcomes
depend on nationality (merits grant rates and "other" shares of EOIR's FY2019 Asylum Decision
Rates by Nationality), court, custody (detained: lower) and representation (higher); detained
dockets complete fastest; cases not completed by the release date are pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

# (EOIR nationality code, share of cases, merits grant rate, share of asylum decisions that are
# "other"): FY2019 EOIR Asylum Decision Rates by Nationality (shared/data/eoir/published), the
# rest of the world pooled.
NATIONALITIES = (
    ("ES", .16, .18, .23), ("GT", .14, .14, .29), ("HO", .13, .13, .25),
    ("MX", .13, .11, .46), ("CH", .06, .74, .26), ("IN", .04, .62, .18),
    ("CU", .02, .47, .27), ("EC", .02, .17, .59), ("HA", .02, .06, .28),
    ("VE", .02, .65, .54), ("NU", .013, .34, .22), ("NP", .01, .72, .13),
    ("CM", .009, .81, .06), ("BG", .008, .52, .14), ("BR", .007, .09, .42),
    ("RU", .006, .73, .33), ("NI", .005, .59, .41), ("CO", .005, .21, .58),
    ("ER", .005, .67, .08), ("RO", .005, .21, .63), ("PK", .005, .58, .33),
    ("UE", .004, .65, .39), ("PE", .0035, .24, .46), ("ET", .003, .80, .19),
    ("EG", .003, .81, .36), ("DR", .0025, .05, .55), ("AM", .0025, .74, .37),
    ("SY", .002, .92, .34),
)


# Immigration courts (base cities) with their names, and a share of cases and a court effect on
# the log-odds of a grant (courts differ widely: TRAC's judge reports).
COURTS = (
    ("NYC", "NEW YORK CITY", .12, 1.0), ("LOS", "LOS ANGELES", .09, .2),
    ("MIA", "MIAMI", .08, -.3), ("HOU", "HOUSTON", .07, -1.0),
    ("SFR", "SAN FRANCISCO", .06, .9), ("CHI", "CHICAGO", .05, -.2),
    ("DAL", "DALLAS", .05, -.9), ("ATL", "ATLANTA", .04, -1.6), ("NEW", "NEWARK", .04, .3),
    ("SNA", "SAN ANTONIO", .04, -.7), ("BOS", "BOSTON", .04, .4), ("DEN", "DENVER", .03, -.6),
    ("SEA", "SEATTLE", .03, .5), ("ORL", "ORLANDO", .03, -.1),
    ("PHI", "PHILADELPHIA", .03, .1), ("BAL", "BALTIMORE", .03, .0),
    ("ELP", "EL PASO", .03, -1.4), ("PHO", "PHOENIX", .02, -.8),
    ("LVG", "LAS VEGAS", .02, -.5), ("SND", "SAN DIEGO", .02, .1),
    ("MEM", "MEMPHIS", .02, -.9), ("DET", "DETROIT", .02, -.3), ("OMA", "OMAHA", .02, -.8),
    ("NOL", "NEW ORLEANS", .02, -1.2), ("CHL", "CHARLOTTE", .02, -1.1),
    ("CLE", "CLEVELAND", .01, -.5), ("KAN", "KANSAS CITY", .01, -.6),
)


JUDGES_PER_COURT = 12


@dataclass(frozen=True)
class PlantedCell:
    """An exact asylum outcome: cases of `nationality` whose asylum application was decided in
    `fiscal_year` (court completion date), with exactly these decisions."""

    nationality: str
    fiscal_year: int
    grants: int
    denials: int
    others: int = 0


@dataclass
class Cases:
    """Case-level arrays for one chunk; days are counted from 1970-01-01."""

    n: int
    nationality: np.ndarray
    court: np.ndarray
    judge: np.ndarray
    custody: np.ndarray
    represented: np.ndarray
    rep_at_first_hearing: np.ndarray
    asylum: np.ndarray
    affirmative: np.ndarray
    filed: np.ndarray
    completed: np.ndarray
    pending: np.ndarray
    outcome: np.ndarray  # grant, deny, other ('' for no asylum decision)
    proceedings: np.ndarray
    case_type: np.ndarray
    planted: np.ndarray


def draw_cases(rng: np.random.Generator, n: int, release_day: int,
                freq: dict) -> Cases:
    nat_codes = np.array([c for c, *_ in NATIONALITIES])
    nat_share = np.array([s for _, s, *_ in NATIONALITIES])
    nat = rng.choice(nat_codes, size=n, p=nat_share / nat_share.sum())
    court_share = np.array([s for _, _, s, _ in COURTS])
    court = rng.choice(len(COURTS), size=n, p=court_share / court_share.sum())
    judge = rng.integers(0, JUDGES_PER_COURT, size=n)
    custody = rng.choice(np.array(["N", "D", "R"]), size=n, p=[.66, .23, .11])
    detained = custody == "D"
    represented = rng.random(n) < np.where(detained, .3, .65)
    case_types, weights = freq[("A_TblCase", "CASE_TYPE")]
    case_type = rng.choice(np.array(case_types)[:6], size=n,
                           p=weights[:6] / weights[:6].sum())
    asylum = (rng.random(n) < np.where(case_type == "RMV", .45, .15)) & np.isin(
        case_type, ["RMV", "AOC", "WHO", "DEP", "EXC"])
    # Filing dates lean recent, as EOIR's docket grew: twelve years back at most.
    filed = release_day - (rng.random(n) ** 1.7 * 365 * 12).astype(np.int64) - 1
    scale = np.select([detained, custody == "R"], [45.0, 320.0], 520.0) * np.where(
        represented, 1.25, 1.0)
    completed = filed + 7 + rng.gamma(2.0, scale).astype(np.int64)
    pending = completed > release_day
    index = {c: i for i, (c, *_) in enumerate(NATIONALITIES)}
    nat_rows = np.array([index[c] for c in nat])
    grant_rate = np.array([g for *_, g, _ in NATIONALITIES])[nat_rows]
    other_share = np.array([o for *_, o in NATIONALITIES])[nat_rows]
    logit = np.log(grant_rate / (1 - grant_rate)) + np.array([e for *_, e in COURTS])[court] \
        * .6 + np.where(represented, .7, -.7) + np.where(detained, -.9, 0.0)
    p_grant = 1 / (1 + np.exp(-logit))
    draw = rng.random(n)
    other = draw < other_share * np.where(represented, .7, 1.3)
    granted = ~other & (rng.random(n) < p_grant)
    outcome = np.where(other, "other", np.where(granted, "grant", "deny"))
    outcome = np.where(asylum & ~pending, outcome, "")
    proceedings = rng.choice([1, 2, 3], size=n, p=[.85, .12, .03])
    return Cases(n, nat, court, judge, custody, represented, rng.random(n) < .7, asylum,
                  rng.random(n) < .25, filed, completed, pending, outcome, proceedings,
                  case_type, np.zeros(n, bool))


def fiscal_year(days: np.ndarray) -> np.ndarray:
    dates = days.astype("datetime64[D]")
    years = dates.astype("datetime64[Y]").astype(int) + 1970
    months = dates.astype("datetime64[M]").astype(int) % 12 + 1
    return years + (months >= 10)


def planted_cases(cells: list[PlantedCell], rng: np.random.Generator) -> Cases:
    outcomes, nats, completed = [], [], []
    for cell in cells:
        for outcome, count in (("grant", cell.grants), ("deny", cell.denials),
                               ("other", cell.others)):
            outcomes += [outcome] * count
            nats += [cell.nationality] * count
            start = (date(cell.fiscal_year - 1, 10, 1) - date(1970, 1, 1)).days
            completed += list(start + rng.integers(0, 365, size=count))
    n = len(outcomes)
    completed_days = np.array(completed, dtype=np.int64)
    return Cases(n, np.array(nats), rng.integers(0, len(COURTS), size=n),
                  rng.integers(0, JUDGES_PER_COURT, size=n), np.full(n, "N"), np.ones(n, bool),
                  np.ones(n, bool), np.ones(n, bool), np.zeros(n, bool),
                  completed_days - 400, completed_days, np.zeros(n, bool), np.array(outcomes),
                  np.ones(n, dtype=np.int64), np.full(n, "RMV"), np.ones(n, bool))


def keep_out_of_planted(cases: Cases, cells: list[PlantedCell]) -> None:
    """Random cases decided in a planted cell move to Mexico, so the cell holds exactly the
    planted decisions."""
    if not cells:
        return
    decided_fy = fiscal_year(cases.completed)
    for cell in cells:
        clash = (cases.nationality == cell.nationality) & (cases.outcome != "") & \
            (decided_fy == cell.fiscal_year)
        cases.nationality[clash] = "MX"


def concat(left: Cases, right: Cases) -> Cases:
    return Cases(left.n + right.n, *(np.concatenate([getattr(left, f), getattr(right, f)])
                                      for f in Cases.__dataclass_fields__ if f != "n"))
