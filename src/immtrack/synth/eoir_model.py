"""Random generated cases: who comes to court, how their proceedings unfold, what is decided.

Cases are drawn a chunk at a time (synth/eoir_frames.py holds the arrays). The story of a case:
it is filed in a fiscal year (volumes: synth/eoir_calibration.py), at a court, with a case
type (DEP and EXC before April 1997, RMV and the rest after), custody and nationality. Its
first proceeding runs until it is decided, ends in an other completion (a change of venue or
transfer starts a new proceeding at another court; an administrative closure may be
recalendared) or is still pending at the release date; a decision may be appealed and
remanded, or reopened, which starts a new proceeding decided again. Asylum seekers file one
application or two (different dates), recorded again in each later proceeding; the deciding
proceeding's court decision follows the asylum outcome, and other decided proceedings take
court-decision codes so that every coded column keeps its real shares (synth/eoir_draws.py).
The constants below are tuned so the structural rates match the real ones
(schema/data/eoir_structure.csv); `immtrack synth eoir-compare` shows how close they are.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from immtrack.synth.eoir_calibration import (
    filing_year_weights,
    nationality_weights,
    outcomes,
)
from immtrack.synth.eoir_draws import draw_rows, fiscal_year, fit_joint, sequence
from immtrack.synth.eoir_frames import (
    COURTS,
    JUDGES_PER_COURT,
    ApplicationFrame,
    CaseFrame,
    ProceedingFrame,
)
from immtrack.synth.eoir_rates import COURT_DECISIONS, STRUCTURE, shares

FIRST_FY = 1990
OLD_LAW_UNTIL = (date(1997, 4, 1) - date(1970, 1, 1)).days  # IIRIRA: DEP and EXC end
MAX_PROCEEDINGS = 5
# Share of completed proceedings that end in a court decision rather than an other completion:
# 52.4% of proceedings have a DEC_CODE, 24.8% an OTHER_COMP (missingness_by_field.csv).
DECIDED_SHARE = (1 - STRUCTURE["proceeding_dec_code_blank"].value) / (
    2 - STRUCTURE["proceeding_dec_code_blank"].value
    - STRUCTURE["proceeding_other_comp_blank"].value)
# Tuned: chances that a proceeding is followed by another (the real mean is 1.296 per case).
VENUE_CONTINUES, RECALENDARED = 0.9, 0.25
REMANDED = {True: 0.25, False: 0.03}  # asylum decisions are appealed and remanded more
ASYLUM_SHARE = {"RMV": 0.38, "DEP": 0.25, "EXC": 0.25, "AOC": 1.0}
SECOND_FILING = STRUCTURE["asylum_cases_several_filing_dates"].value
# Assumptions (no staged figure): who is affirmative among asylum seekers, representation.
ASYLUM_TYPES = (("E", .72), ("I", .25), ("J", .03))
REPRESENTED = {"D": .30, "R": .60, "N": .65}
COUNSEL_WITHOUT_DATE = .04
OTHER_RELIEF = (("42B", .30), ("245", .25), ("42A", .12), ("VD", .15), ("212c", .05),
                ("212h", .05), ("216", .04), ("SUSP", .04))
GRANT_CODES = ("G", "G", "G", "G", "G", "C", "F", "I", "P")
OTHER_CODES = ("A", "W", "W", "M", "O")


def _days(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def draw_cases(rng: np.random.Generator, n: int, release: date) -> CaseFrame:
    release_day = _days(release)
    years, weights = filing_year_weights(FIRST_FY, release)
    fy = rng.choice(years, size=n, p=weights)
    fy_start = (np.array([f"{y - 1}-10-01" for y in fy], dtype="datetime64[D]")
                .astype(np.int64))
    filed = np.minimum(fy_start + rng.integers(0, 365, size=n), release_day - 2)
    types = shares("A_TblCase", "CASE_TYPE")
    old_law = np.isin(types.values, ["DEP", "EXC"])
    old = filed < OLD_LAW_UNTIL
    case_type = np.where(
        old, rng.choice(types.values[old_law], size=n, p=types.p[old_law] / types.p[old_law].sum()),
        rng.choice(types.values[~old_law], size=n,
                   p=types.p[~old_law] / types.p[~old_law].sum()))
    custody = shares("A_TblCase", "CUSTODY").draw(rng, n)
    recent = fy >= 2014
    asylum_p = np.array([ASYLUM_SHARE.get(t, 0.0) for t in case_type])
    asylum_p = np.where((case_type == "RMV") & ~recent, 0.22, asylum_p)
    asylum = rng.random(n) < asylum_p
    nationality = np.empty(n, dtype=object)
    for year in np.unique(fy):
        for flag in (True, False):
            where = np.flatnonzero((fy == year) & (asylum == flag))
            if len(where):
                codes, p = nationality_weights(int(year), flag)
                nationality[where] = rng.choice(codes, size=len(where), p=p)
    court_share = np.array([s for _, s, _ in COURTS])
    court = rng.choice(len(COURTS), size=n, p=court_share / court_share.sum())
    kinds, kind_p = zip(*ASYLUM_TYPES, strict=True)
    asylum_type = np.where(asylum & (rng.random(n) < .95),
                           rng.choice(np.array(kinds), size=n, p=kind_p), "")
    asylum_type = np.where(case_type == "WHO", "E", asylum_type)
    # Non-asylum cases carry "E" often enough for C_ASY_TYPE's real blank share (62.5%).
    filled = (asylum_type != "").sum()
    want = (1 - STRUCTURE["case_c_asy_type_blank"].value) * n
    fill_p = np.clip((want - filled) / max((asylum_type == "").sum(), 1), 0, 1)
    asylum_type = np.where((asylum_type == "") & ~asylum & (rng.random(n) < fill_p), "E",
                           asylum_type)
    sex_shares = shares("A_TblCase", "Sex")
    sex = np.where(rng.random(n) < sex_shares.blank, "", sex_shares.draw(rng, n))
    represented = rng.random(n) < np.array([REPRESENTED[c] for c in custody])
    detained_day = np.where(custody != "N", filed - rng.integers(1, 20, size=n), -1)
    released_day = np.where(custody == "R", np.minimum(
        detained_day + rng.integers(10, 150, size=n), release_day - 1), -1)
    return CaseFrame(nationality.astype(str), case_type, custody, filed, court, sex,
                     asylum_type.astype(str), asylum, represented, np.full(n, -1), detained_day,
                     released_day, np.zeros(n, bool))


def _durations(rng, custody: np.ndarray, asylum: np.ndarray, order: int) -> np.ndarray:
    scale = np.select([custody == "D", custody == "R"], [45.0, 430.0], 700.0)
    scale = scale * np.where(asylum, 1.3, 1.0) * (0.6 if order else 1.0)
    return np.maximum(rng.gamma(1.6, scale).astype(np.int64), 2)


def draw_proceedings(rng: np.random.Generator, cases: CaseFrame,
                     release: date) -> ProceedingFrame:
    """Each case's proceedings, in order; decisions get their codes in `decide`."""
    release_day = _days(release)
    other_shares = shares("B_TblProceeding", "OTHER_COMP")
    transfer = {"C", "T", "J"}
    closure = {c for (_, kind, c), d in COURT_DECISIONS.items()
               if kind == "O" and d.outcome_class == "admin_closure"}
    # DD appeals (DDC) are visa-petition appeals heard by the Board: a case row without any
    # immigration-court proceeding, as in the real release (no DDC among proceedings).
    alive = cases.case_type != "DDC"
    start, court = cases.filed.copy(), cases.court.copy()
    reason = np.full(cases.n, "first", dtype=object)
    rows: list[dict] = []
    for order in range(MAX_PROCEEDINGS):
        idx = np.flatnonzero(alive)
        if len(idx) == 0:
            break
        end = start[idx] + _durations(rng, cases.custody[idx], cases.asylum[idx], order)
        pending = end > release_day
        decided = ~pending & (rng.random(len(idx)) < DECIDED_SHARE)
        other = ~pending & ~decided
        other_comp = np.where(other, other_shares.draw(rng, len(idx)), "")
        rows.append(dict(case=idx, order=np.full(len(idx), order), start=start[idx],
                         end=np.where(pending, -1, end), court=court[idx],
                         dec_code=np.where(decided, "D?", ""), other_comp=other_comp,
                         reason=reason[idx].astype(str)))
        venue = other & np.isin(other_comp, list(transfer)) & (rng.random(len(idx))
                                                               < VENUE_CONTINUES)
        recalendar = other & np.isin(other_comp, list(closure)) & (rng.random(len(idx))
                                                                   < RECALENDARED)
        remand_p = np.array([REMANDED[bool(a)] for a in cases.asylum[idx]])
        remand = decided & (rng.random(len(idx)) < remand_p)
        gap = np.select([venue, recalendar, remand],
                        [rng.integers(1, 30, len(idx)), rng.integers(180, 1500, len(idx)),
                         rng.integers(120, 700, len(idx))], 0)
        nxt = end + gap
        go = (venue | recalendar | remand) & (nxt < release_day - 1)
        alive[:] = False
        alive[idx[go]] = True
        start[idx[go]] = nxt[go]
        moved = venue & go
        court[idx[moved]] = (court[idx[moved]] + rng.integers(1, len(COURTS),
                                                              moved.sum())) % len(COURTS)
        reason[idx] = np.select([venue, recalendar, remand & (rng.random(len(idx)) < .7)],
                                ["venue", "recalendar", "remand"], "reopen")
    columns = {k: np.concatenate([r[k] for r in rows]) for k in rows[0]}
    order = np.lexsort((columns["order"], columns["case"]))
    columns = {k: v[order] for k, v in columns.items()}
    m = len(columns["case"])
    case = columns["case"]
    return ProceedingFrame(
        case=case, order=columns["order"], start=columns["start"], end=columns["end"],
        court=columns["court"], judge=rng.integers(0, JUDGES_PER_COURT, size=m),
        custody=cases.custody[case], case_type=cases.case_type[case],
        dec_code=columns["dec_code"], other_comp=columns["other_comp"],
        absentia=np.full(m, ""), reason=columns["reason"])


def _asylum_outcomes(rng, cases: CaseFrame, proceedings: ProceedingFrame,
                     deciding: np.ndarray) -> np.ndarray:
    """grant, deny or other for each deciding proceeding of an asylum case: the
    nationality's published odds in the fiscal year of the decision, shifted by court,
    custody and representation; a decision that was remanded leans to denial."""
    if len(deciding) == 0:
        return np.array([], dtype=str)
    case = proceedings.case[deciding]
    fy = fiscal_year(proceedings.end[deciding])
    pairs, which = np.unique(np.stack([cases.nationality[case], fy.astype(str)]), axis=1,
                             return_inverse=True)
    odds = np.array([[o.grant, o.deny, o.other] for o in
                     (outcomes(n, int(y)) for n, y in pairs.T)])[which.ravel()]
    grant, deny, other = odds[:, 0], odds[:, 1], odds[:, 2]
    merits = np.clip(grant / np.maximum(grant + deny, 1e-9), 1e-3, 1 - 1e-3)
    effect = np.array([e for *_, e in COURTS])[proceedings.court[deciding]] * .6 \
        + np.where(cases.represented[case], .6, -.6) \
        + np.where(cases.custody[case] == "D", -.9, 0.0)
    logit = np.log(merits / (1 - merits)) + effect - effect.mean()
    p_grant = 1 / (1 + np.exp(-logit))
    nxt = np.minimum(deciding + 1, proceedings.n - 1)
    remanded_after = (deciding + 1 < proceedings.n) & (proceedings.case[nxt] == case) \
        & np.isin(proceedings.reason[nxt], ["remand", "reopen"])
    p_grant = np.where(remanded_after, p_grant * .3, p_grant)
    is_other = rng.random(len(deciding)) < other
    granted = ~is_other & (rng.random(len(deciding)) < p_grant)
    return np.where(is_other, "other", np.where(granted, "grant", "deny"))


def _last_proceeding(proceedings: ProceedingFrame) -> np.ndarray:
    """For each proceeding, the row of its case's last proceeding (rows sorted by case)."""
    ends = np.searchsorted(proceedings.case, proceedings.case, side="right") - 1
    return ends


def _filings(rng, cases: CaseFrame, proceedings: ProceedingFrame) -> tuple:
    """Asylum filings: (proceeding holding the first record, received day, filing number in
    its case: 0 or 1). A second filing (30% of asylum cases, real) comes later: in the next
    proceeding when there is one, else later in the same one."""
    first = np.flatnonzero(proceedings.order == 0)
    case = proceedings.case[first]
    first = first[cases.asylum[case] | (cases.case_type[case] == "WHO")]
    start, end = proceedings.start[first], proceedings.end[first]
    limit = np.where(end >= 0, end - 1, start + 400)
    day = np.minimum(start + rng.integers(20, 300, len(first)), np.maximum(limit, start))
    again = first[rng.random(len(first)) < SECOND_FILING]
    day_again = day[np.isin(first, again)]
    has_next = (again + 1 < proceedings.n) & (
        proceedings.case[np.minimum(again + 1, proceedings.n - 1)] == proceedings.case[again])
    later = np.where(has_next, again + 1, again)
    top = np.where(proceedings.end[later] >= 0, proceedings.end[later] - 1,
                   proceedings.start[later] + 500)
    second = np.maximum(day_again + 1, np.minimum(
        proceedings.start[later] + rng.integers(10, 200, len(later)), top))
    rows = np.concatenate([first, later])
    days = np.concatenate([day, second])
    number = np.concatenate([np.zeros(len(first), int), np.ones(len(later), int)])
    return rows, days, number


def decide(rng: np.random.Generator, cases: CaseFrame, proceedings: ProceedingFrame,
           placed: dict[tuple[str, str], int] | None = None) -> ApplicationFrame:
    """Applications and their decisions, and every decided proceeding's court decision.

    Each filing is recorded in the proceeding where it was filed and again in every later
    proceeding of the case (ASYL with ASYW and WCAT for 90% of filings; withholding-only cases
    ASYW and WCAT). A decided proceeding decides its latest filing (an earlier one is withdrawn
    or left blank), except 8% closed without an asylum decision; completed proceedings that
    moved the case (changes of venue, transfers) or closed it record T or S most of the time;
    pending ones stay blank."""
    rows, days, number = _filings(rng, cases, proceedings)
    last = _last_proceeding(proceedings)
    span = last[rows] - rows + 1
    who = cases.case_type[proceedings.case[rows]] == "WHO"
    kinds = np.where(who, 2, np.where(rng.random(len(rows)) < .9, 3, 1))
    code_sets = {3: ("ASYL", "ASYW", "WCAT"), 1: ("ASYL",), 2: ("ASYW", "WCAT")}
    per_filing = span * kinds
    filing_of_record = np.repeat(np.arange(len(rows)), per_filing)
    within = sequence(per_filing)
    proceeding = rows[filing_of_record] + within // kinds[filing_of_record]
    slot = within % kinds[filing_of_record]
    code = np.empty(len(proceeding), dtype=object)
    for size, names in code_sets.items():
        mine = kinds[filing_of_record] == size
        code[mine] = np.array(names)[slot[mine]]
    code = code.astype(str)
    received = days[filing_of_record]
    filing_number = number[filing_of_record]
    latest = np.full(proceedings.n, -1)
    np.maximum.at(latest, proceeding, filing_number)
    is_latest = filing_number == latest[proceeding]

    decided_rows = proceedings.dec_code == "D?"
    asylum_deciding = np.unique(proceeding[np.isin(code, ["ASYL", "ASYW"])
                                           & decided_rows[proceeding]])
    outcome = np.full(proceedings.n, "", dtype=object)
    outcome[asylum_deciding] = _asylum_outcomes(rng, cases, proceedings, asylum_deciding)
    closed_without = np.zeros(proceedings.n, bool)
    closed_without[asylum_deciding] = rng.random(len(asylum_deciding)) < .08

    m = len(proceeding)
    draw = rng.random(m)
    record_outcome = outcome[proceeding].astype(str)
    decided = decided_rows[proceeding]
    who_record = cases.case_type[proceedings.case[proceeding]] == "WHO"
    ruled = (record_outcome == "deny") | who_record
    withholding_granted = (code == "ASYW") & decided & is_latest & ~closed_without[proceeding] \
        & ruled & (draw < .08)
    cat_granted = (code == "WCAT") & decided & is_latest & ~closed_without[proceeding] \
        & ruled & (draw < .03)
    asylum_code = np.select(
        [record_outcome == "grant", record_outcome == "deny", record_outcome == "other"],
        [rng.choice(GRANT_CODES, m), np.full(m, "D"), rng.choice(OTHER_CODES, m)], "")
    other_comp = proceedings.other_comp[proceeding]
    completed = proceedings.end[proceeding] >= 0
    decision = np.select([
        decided & ~is_latest,
        decided & closed_without[proceeding],
        decided & (code == "ASYL"),
        decided & (code == "ASYW") & ruled,
        decided & (code == "WCAT") & ruled,
        decided,
        completed & np.isin(other_comp, ["C", "T", "J"]),
        completed & np.isin(other_comp, ["A", "B", "K", "M", "Y", "P"]),
        ~completed,
    ], [
        np.where(draw < .5, "W", ""),
        "",
        asylum_code,
        np.where(withholding_granted, "G", "D"),
        np.where(cat_granted, "L", "D"),
        np.where(draw < .25, "", "M"),
        np.where(draw < .7, "T", ""),
        np.where(draw < .7, "S", ""),
        np.where(draw < .02, "R", ""),
    ], "")
    relief_by_withholding = np.zeros(proceedings.n, bool)
    np.logical_or.at(relief_by_withholding, proceeding, withholding_granted)
    relief_by_cat = np.zeros(proceedings.n, bool)
    np.logical_or.at(relief_by_cat, proceeding, cat_granted)
    _court_decisions(rng, cases, proceedings, outcome, closed_without, relief_by_withholding,
                     relief_by_cat, placed or {})
    applications = ApplicationFrame(proceeding.astype(np.int64), code,
                                    received.astype(np.int64), decision.astype(str))
    return _with_other_relief(rng, cases, proceedings, applications)


# The court decision a decided asylum proceeding ends in, by case type and asylum outcome:
# (code, weight) choices; withholding or CAT granted after a denial override below.
_ASYLUM_COURT_DECISION = {
    ("RMV", "grant"): (("R", 1),), ("RMV", "deny"): (("X", .86), ("V", .14)),
    ("RMV", "other"): (("X", .45), ("V", .2), ("T", .15), ("U", .1), ("O", .1)),
    ("DEP", "grant"): (("R", 1),), ("DEP", "deny"): (("D", .85), ("V", .15)),
    ("DEP", "other"): (("D", .5), ("V", .2), ("T", .2), ("O", .1)),
    ("EXC", "grant"): (("R", 1),), ("EXC", "deny"): (("E", .8), ("W", .2)),
    ("EXC", "other"): (("E", .5), ("W", .3), ("T", .2)),
    ("AOC", "grant"): (("G", 1),), ("AOC", "deny"): (("D", 1),),
    ("AOC", "other"): (("A", .4), ("W", .4), ("O", .2)),
}


def _court_decisions(rng, cases, proceedings, outcome, closed_without, withholding, cat,
                     placed: dict[tuple[str, str], int]):
    """Court decisions of decided proceedings. `placed` counts the (case type, code) pairs of
    planted cases joining this chunk, so the chunk as a whole keeps DEC_CODE's real shares."""
    decided = np.flatnonzero(proceedings.dec_code == "D?")
    forced = np.full(proceedings.n, "", dtype=object)
    story = (outcome != "") & ~closed_without
    for (case_type, result), choices in _ASYLUM_COURT_DECISION.items():
        where = np.flatnonzero(story & (proceedings.case_type == case_type) & (outcome == result))
        codes, weights = zip(*choices, strict=True)
        forced[where] = rng.choice(np.array(codes), size=len(where),
                                   p=np.array(weights) / sum(weights))
    removal_deny = story & (proceedings.case_type == "RMV") & (outcome == "deny")
    forced[removal_deny & cat] = "Z"
    forced[removal_deny & withholding] = "E"
    who = story & (proceedings.case_type == "WHO")
    forced[who] = np.where(withholding[who], "E", np.where(cat[who], "Z", "D"))
    # The rest take codes so that DEC_CODE keeps its real shares, each a code EOIR's
    # court-decision lookup lists for the proceeding's case type.
    real = shares("B_TblProceeding", "DEC_CODE")
    types = np.unique(np.concatenate([proceedings.case_type[decided],
                                      np.array([t for t, _ in placed], dtype=str)]))
    support = np.array([[(t, "C", c) in COURT_DECISIONS for c in real.values] for t in types])
    totals = np.array([(proceedings.case_type[decided] == t).sum()
                       + sum(n for (pt, _), n in placed.items() if pt == t) for t in types],
                      dtype=float)
    target = fit_joint(totals, real.p, support)
    for i, t in enumerate(types):
        for j, c in enumerate(real.values):
            target[i, j] -= ((forced[decided] == c) & (proceedings.case_type[decided] == t)).sum()
            target[i, j] -= placed.get((t, c), 0)
    free = decided[forced[decided] == ""]
    row_of = np.searchsorted(types, proceedings.case_type[free])
    forced[free] = draw_rows(rng, real.values, np.clip(target, 0, None) + 1e-9 * support,
                             row_of)
    proceedings.dec_code[:] = np.where(proceedings.dec_code == "D?", forced, "")
    _absentia(rng, cases, proceedings)


def _absentia(rng, cases: CaseFrame, proceedings: ProceedingFrame) -> None:
    """In absentia orders: removal orders of people who did not appear (assumption: 40% of
    removal orders, 60% without counsel); blank on pending proceedings and on some other
    completions, as ABSENTIA is blank on 25.3% of real proceedings."""
    removal = np.array([COURT_DECISIONS.get((t, "C", c)) is not None
                        and COURT_DECISIONS[(t, "C", c)].outcome_class == "removal"
                        for t, c in zip(proceedings.case_type, proceedings.dec_code,
                                        strict=True)])
    unrepresented = ~cases.represented[proceedings.case]
    absent = removal & (rng.random(proceedings.n) < np.where(unrepresented, .6, .15))
    blank = (proceedings.end < 0) | ((proceedings.other_comp != "") & (rng.random(proceedings.n)
                                                                        < .1))
    proceedings.absentia[:] = np.where(blank, "", np.where(absent, "Y", "N"))


def _with_other_relief(rng, cases, proceedings, applications) -> ApplicationFrame:
    """Relief applications other than asylum (cancellation, adjustment, voluntary departure,
    waivers) on a quarter of other decided proceedings (assumed codes and shares: the staged
    frequencies do not cover tbl_Court_Appln)."""
    decided = (proceedings.dec_code != "") & ~cases.asylum[proceedings.case]
    chosen = np.flatnonzero(decided & (rng.random(proceedings.n) < .25))
    codes, weights = zip(*OTHER_RELIEF, strict=True)
    outcome = rng.choice(np.array(["G", "D", "W", "A", "O"]), size=len(chosen),
                         p=[.35, .4, .1, .05, .1])
    received = proceedings.start[chosen] + np.maximum(
        (proceedings.end[chosen] - proceedings.start[chosen]) // 3, 1)
    return ApplicationFrame(
        np.concatenate([applications.proceeding, chosen]),
        np.concatenate([applications.code, rng.choice(np.array(codes), size=len(chosen),
                                                      p=np.array(weights) / sum(weights))]),
        np.concatenate([applications.received, received]),
        np.concatenate([applications.decision, outcome]))


def with_counsel_dates(rng: np.random.Generator, cases: CaseFrame,
                       first_hearing: np.ndarray) -> None:
    """Counsel files the E-28 before the first hearing (70%) or after it; a few counsel rows
    carry no date (COUNSEL_WITHOUT_DATE, an assumption)."""
    before = rng.random(cases.n) < .7
    first_hearing = np.where(first_hearing < 0, cases.filed + 60, first_hearing)
    day = np.where(before, cases.filed + (first_hearing - cases.filed) // 2,
                   first_hearing + rng.integers(5, 200, size=cases.n))
    undated = rng.random(cases.n) < COUNSEL_WITHOUT_DATE
    cases.counsel_day[:] = np.where(cases.represented & ~undated, day, -1)


def draw_random(rng: np.random.Generator, n: int, release: date,
                placed: dict[tuple[str, str], int] | None = None) -> tuple:
    """`n` random cases; `placed` counts the court decisions of planted cases that join them."""
    cases = draw_cases(rng, n, release)
    proceedings = draw_proceedings(rng, cases, release)
    applications = decide(rng, cases, proceedings, placed)
    return cases, proceedings, applications
