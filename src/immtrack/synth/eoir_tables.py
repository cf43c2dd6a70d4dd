"""One function per EOIR table: each turns the frames of a chunk into that table's columns.

Every function returns the table's columns (EOIR's names, text as EOIR writes it) and, per
row, the index of the case it belongs to, so the writer can keep planted cases' rows free of
defects. Columns follow the real shares in the registry (synth/eoir_rates.py); what a column
does not follow is said beside it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from immtrack.synth.eoir_draws import fill_to_shares, sequence
from immtrack.synth.eoir_frames import (
    COURT_CODES,
    ApplicationFrame,
    CaseFrame,
    ProceedingFrame,
)
from immtrack.synth.eoir_rates import STRUCTURE, lookup_codes, shares

Columns = dict[str, pa.Array]
CITIES = ("HOUSTON", "LOS ANGELES", "NEW YORK", "MIAMI", "SAN JOSÉ", "CHICAGO", "DALLAS",
          "BROOKLYN", "NEWARK", "SAN ANTONIO", "PHOENIX", "DENVER", "ATLANTA", "SEATTLE")
STATES = ("TX", "CA", "NY", "FL", "CA", "IL", "TX", "NY", "NJ", "TX", "AZ", "CO", "GA", "WA")
SPANISH = ("MX", "GT", "HO", "ES", "CU", "EC", "VE", "NU", "CO", "PE", "DR")


def dates(days: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """Days since 1970 -> EOIR's text datetimes; masked (or negative) entries become blanks."""
    days = np.asarray(days, dtype=np.int64)
    mask = days < 0 if missing is None else (missing | (days < 0))
    day_text = pc.cast(pa.array(np.maximum(days, 0).astype(np.int32), type=pa.int32(),
                                mask=mask).cast(pa.date32()), pa.string())
    return pc.binary_join_element_wise(day_text, " 00:00:00.000", "")


def text(values, missing: np.ndarray | None = None) -> pa.Array:
    values = np.asarray(values).astype(str)
    mask = (values == "") if missing is None else (missing | (values == ""))
    return pa.array(values, type=pa.string(), mask=mask)


class Ids:
    """Running primary keys per table, so ids stay unique across chunks."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def take(self, table: str, count: int) -> np.ndarray:
        start = self.next.get(table, 1)
        self.next[table] = start + count
        return np.arange(start, start + count, dtype=np.int64)


def _id_text(ids: np.ndarray) -> pa.Array:
    return pa.array(ids).cast(pa.string())


def languages(nationality: np.ndarray) -> np.ndarray:
    out = np.where(np.isin(nationality, SPANISH), "SP", "ENG")
    out = np.where(nationality == "RU", "RUS", out)
    return np.where(nationality == "CH", "MAN", out)


def judges(proceedings: ProceedingFrame) -> np.ndarray:
    return np.char.add(np.char.add(COURT_CODES[proceedings.court], "J"),
                       proceedings.judge.astype(str))


def case_table(rng, cases: CaseFrame, case_ids: np.ndarray,
               first_hearing: np.ndarray) -> tuple[Columns, np.ndarray]:
    n = cases.n
    city = rng.integers(0, len(CITIES), size=n)
    entry = cases.filed - rng.integers(1, 400, size=n)
    latest = shares("A_TblCase", "LATEST_CAL_TYPE")
    return {
        "IDNCASE": _id_text(case_ids), "ALIEN_CITY": text(np.array(CITIES)[city]),
        "ALIEN_STATE": text(np.array(STATES)[city]),
        "ALIEN_ZIPCODE": text(np.where(rng.random(n) < .02, "N/A",
                                       rng.integers(10000, 99999, size=n).astype(str))),
        "NAT": text(cases.nationality), "LANG": text(languages(cases.nationality)),
        "CUSTODY": text(cases.custody, rng.random(n) < shares("A_TblCase", "CUSTODY").blank),
        "CASE_TYPE": text(cases.case_type),
        "E_28_DATE": dates(cases.counsel_day),
        "LATEST_HEARING": dates(first_hearing),
        "LATEST_CAL_TYPE": text(latest.draw(rng, n), rng.random(n) < latest.blank),
        "C_ASY_TYPE": text(cases.asylum_type),
        "DATE_OF_ENTRY": dates(entry, rng.random(n) < .36),
        "Sex": text(cases.sex),
        "DATE_DETAINED": dates(cases.detained_day),
        "DATE_RELEASED": dates(cases.released_day),
        # EOIR writes a single space in unused code fields now and then.
        "LPR": text(np.where(rng.random(n) < .01, " ", "0"), rng.random(n) < .9),
    }, np.arange(n)


def proceeding_table(rng, cases: CaseFrame, proceedings: ProceedingFrame,
                     case_ids: np.ndarray, proceeding_ids: np.ndarray, release_day: int,
                     hearing_location: np.ndarray | None = None
                     ) -> tuple[Columns, np.ndarray]:
    """`hearing_location` gives a proceeding's hearing location where it is not its court's
    own code ('' elsewhere): MPP cases are heard at the MPP hearing locations."""
    m = proceedings.n
    court = COURT_CODES[proceedings.court]
    location = court if hearing_location is None else \
        np.where(hearing_location != "", hearing_location, court)
    nat = cases.nationality[proceedings.case]
    decided = proceedings.dec_code != ""
    dec_type = shares("B_TblProceeding", "DEC_TYPE")
    # DEC_TYPE is filled on 62.6% of real proceedings, more than the 52.4% with a DEC_CODE:
    # other completions carry one too, about two in five.
    typed = decided | ((proceedings.other_comp != "") & (rng.random(m) < (
        (1 - dec_type.blank) - decided.mean()) / max((proceedings.other_comp != "").mean(),
                                                     1e-9)))
    crim = shares("B_TblProceeding", "CRIM_IND")
    hearing = np.where(proceedings.end >= 0, proceedings.end,
                       np.minimum(proceedings.start + 200, release_day + 90))
    return {
        "IDNPROCEEDING": _id_text(proceeding_ids),
        "IDNCASE": _id_text(case_ids[proceedings.case]),
        "OSC_DATE": dates(cases.filed[proceedings.case]),
        "INPUT_DATE": dates(np.minimum(proceedings.start + 3, release_day)),
        "BASE_CITY_CODE": text(court),
        "HEARING_LOC_CODE": text(location),
        "IJ_CODE": text(judges(proceedings)),
        "TRANS_IN_DATE": dates(np.where(proceedings.reason == "venue", proceedings.start, -1)),
        "HEARING_DATE": dates(hearing),
        "DEC_TYPE": text(np.where(typed, dec_type.draw(rng, m), "")),
        "DEC_CODE": text(proceedings.dec_code),
        "OTHER_COMP": text(proceedings.other_comp),
        "COMP_DATE": dates(proceedings.end),
        "ABSENTIA": text(proceedings.absentia),
        "CUSTODY": text(proceedings.custody), "CASE_TYPE": text(proceedings.case_type),
        "NAT": text(nat), "LANG": text(languages(nat)),
        "CRIM_IND": text(crim.draw(rng, m), rng.random(m) < crim.blank),
        "DATE_DETAINED": dates(cases.detained_day[proceedings.case]),
        "DATE_RELEASED": dates(cases.released_day[proceedings.case]),
    }, proceedings.case


def application_table(rng, proceedings: ProceedingFrame, applications: ApplicationFrame,
                      case_ids: np.ndarray, proceeding_ids: np.ndarray, ids: Ids
                      ) -> tuple[Columns, np.ndarray]:
    case = proceedings.case[applications.proceeding]
    return {
        "IDNPROCEEDINGAPPLN": _id_text(ids.take("tbl_Court_Appln", applications.n)),
        "IDNPROCEEDING": _id_text(proceeding_ids[applications.proceeding]),
        "IDNCASE": _id_text(case_ids[case]),
        "APPL_CODE": text(applications.code),
        "APPL_RECD_DATE": dates(applications.received),
        "APPL_DEC": text(applications.decision),
    }, case


def _schedule_types(position, hearings, asylum, detained) -> np.ndarray:
    """EOIR's hearing types (tbllookupSchedule_Type): an initial master, master resets, and an
    individual (merits) hearing last; detained dockets have their own codes."""
    last, first = position == hearings - 1, position == 0
    free = np.select([last & asylum, last, first], ["IA", "II", "MM"], "MR")
    held = np.select([last, first], ["ID", "MD"], "RD")
    return np.where(detained, held, free)


def hearing_rows(rng, proceedings: ProceedingFrame, release_day: int) -> tuple:
    """Hearings per proceeding (mean 2.74, as real) between its start and end."""
    extra = STRUCTURE["hearings_per_proceeding"].value - 1
    count = np.minimum(rng.poisson(extra, size=proceedings.n) + 1, 12)
    rows = np.repeat(np.arange(proceedings.n), count)
    position = sequence(count)
    stop = np.where(proceedings.end < 0, release_day + 120, proceedings.end)
    span = np.maximum(stop - proceedings.start, 1)
    when = proceedings.start[rows] + span[rows] * (position + 1) // (count[rows] + 1)
    first = proceedings.start + span // (count + 1)
    return rows, position, count, when, first


def schedule_table(rng, cases: CaseFrame, proceedings: ProceedingFrame, hearings: tuple,
                   case_ids: np.ndarray, proceeding_ids: np.ndarray, ids: Ids
                   ) -> tuple[Columns, np.ndarray]:
    rows, position, count, when, _ = hearings
    case = proceedings.case[rows]
    # A decided proceeding's last hearing is the individual (merits) one; the rest are drawn
    # so that CAL_TYPE keeps its real shares.
    decided = (proceedings.dec_code != "")[rows] & (position == count[rows] - 1)
    cal = shares("tbl_schedule", "CAL_TYPE")
    cal_type = fill_to_shares(rng, cal.values, cal.p, np.where(decided, "I", ""))
    medium = shares("tbl_schedule", "ADJ_MEDIUM")
    nat = cases.nationality[case]
    return {
        "IDNSCHEDULE": _id_text(ids.take("tbl_schedule", len(rows))),
        "IDNPROCEEDING": _id_text(proceeding_ids[rows]),
        "IDNCASE": _id_text(case_ids[case]),
        "OSC_DATE": dates(cases.filed[case]), "LANG": text(languages(nat)),
        "HEARING_LOC_CODE": text(COURT_CODES[proceedings.court[rows]]),
        "BASE_CITY_CODE": text(COURT_CODES[proceedings.court[rows]]),
        "IJ_CODE": text(judges(proceedings)[rows]),
        "INPUT_DATE": dates(proceedings.start[rows] + 3),
        "CAL_TYPE": text(cal_type), "ADJ_DATE": dates(when),
        "ADJ_TIME_START": text(np.full(len(rows), "0900")),
        "ADJ_MEDIUM": text(medium.draw(rng, len(rows)), rng.random(len(rows)) < medium.blank),
        "SCHEDULE_TYPE": text(_schedule_types(position, count[rows], cases.asylum[case],
                                              (proceedings.custody == "D")[rows])),
    }, case


def custody_history_table(rng, cases: CaseFrame, case_ids: np.ndarray, ids: Ids
                          ) -> tuple[Columns, np.ndarray]:
    """Custody records: mostly N (70.95% of real rows), D (17.96%) and R (11.08%), 0.78 rows
    per case: never-detained people get an N record, detained and released people a D record
    and, once released, an R record, at the rates that give those real shares."""
    real = shares("tbl_CustodyHistory", "CUSTODY")
    per_case = STRUCTURE["custody_history_rows_per_case"].value * cases.n
    want = {code: real.share(code) * per_case for code in ("N", "D", "R")}
    held = cases.custody != "N"
    p_n = min(want["N"] / max((~held).sum(), 1), 1.0)
    p_d = min(want["D"] / max(held.sum(), 1), 1.0)
    p_r = min(want["R"] / max((cases.custody == "R").sum(), 1), 1.0)
    n_row = ~held & (rng.random(cases.n) < p_n)
    d_row = held & (rng.random(cases.n) < p_d)
    r_row = (cases.custody == "R") & (rng.random(cases.n) < p_r)
    case = np.concatenate([np.flatnonzero(n_row), np.flatnonzero(d_row),
                           np.flatnonzero(r_row)])
    code = np.array(["N"] * n_row.sum() + ["D"] * d_row.sum() + ["R"] * r_row.sum())
    order = np.argsort(case, kind="stable")
    case, code = case[order], code[order]
    return {
        "IDNCUSTODY": _id_text(ids.take("tbl_CustodyHistory", len(case))),
        "IDNCASE": _id_text(case_ids[case]), "CUSTODY": text(code),
        "DATDETAINED": dates(np.where(code == "N", -1, cases.detained_day[case])),
        "DATRELEASED": dates(np.where(code == "R", cases.released_day[case], -1)),
    }, case


def reps_table(rng, cases: CaseFrame, proceedings: ProceedingFrame, case_ids: np.ndarray,
               proceeding_ids: np.ndarray, ids: Ids) -> tuple[Columns, np.ndarray]:
    """Counsel for the noncitizen (ALIEN, 51.8% of real rows) on represented cases and
    government attorneys (INS) on most cases, 2.03 rows per case; 3.9% of rows are at the
    Board (appeals) level, for cases that went up on appeal; PARENT_TABLE takes EOIR's real
    spellings at their real shares."""
    level = shares("tbl_RepsAssigned", "STRATTYLEVEL")
    attorney = shares("tbl_RepsAssigned", "STRATTYTYPE")
    per_case = STRUCTURE["reps_rows_per_case"].value
    alien_rows = attorney.share("ALIEN") * per_case * cases.n
    ins_rows = attorney.share("INS") * per_case * cases.n
    represented = np.flatnonzero(cases.represented)
    extra = max(alien_rows / max(len(represented), 1) - 1, 0)
    alien = np.repeat(represented, rng.poisson(extra, size=len(represented)) + 1)
    government = np.repeat(np.arange(cases.n), rng.poisson(ins_rows / cases.n, size=cases.n))
    case = np.concatenate([alien, government])
    is_alien = np.arange(len(case)) < len(alien)
    appealed = np.zeros(cases.n, bool)
    appealed[proceedings.case[np.isin(proceedings.reason, ["remand"])]] = True
    # Half the rows of appealed cases are at the Board; the rest of the Board's real share
    # falls on other cases (appeals dismissed without a remand).
    want = level.share("BOARD") * len(case)
    from_appeals = .5 * appealed[case].sum()
    rest = max(want - from_appeals, 0) / max((~appealed[case]).sum(), 1)
    board = rng.random(len(case)) < np.where(appealed[case], .5, rest)
    order = np.argsort(case, kind="stable")
    case, is_alien, board = case[order], is_alien[order], board[order]
    parent = np.where(board, np.where(rng.random(len(case)) < .6, "tblappeal", "tblAppeal"),
                      rng.choice(np.array(["a_tblcase", "b_tblproceeding", "B_TblProceeding",
                                           "A_Tblcase", "A_TblCase"]), size=len(case),
                                 p=[.39, .36, .14, .1, .01]))
    first_proceeding = np.minimum(np.searchsorted(proceedings.case, case),
                                  max(proceedings.n - 1, 0))
    has_proceeding = proceedings.n > 0 and True
    on_proceeding = (np.char.lower(parent.astype(str)) == "b_tblproceeding") & (
        proceedings.case[first_proceeding] == case if has_proceeding else False)
    parent_idn = np.where(on_proceeding, proceeding_ids[first_proceeding], case_ids[case])
    prime = rng.random(len(case)) < shares("tbl_RepsAssigned", "BLNPRIMEATTY").share("1")
    return {
        "IDNREPSASSIGNED": _id_text(ids.take("tbl_RepsAssigned", len(case))),
        "IDNCASE": _id_text(case_ids[case]),
        "STRATTYLEVEL": text(np.where(board, "BOARD", "COURT")),
        "STRATTYTYPE": text(np.where(is_alien, "ALIEN", "INS")),
        "PARENT_TABLE": text(parent), "PARENT_IDN": _id_text(parent_idn),
        "BASE_CITY_CODE": text(COURT_CODES[cases.court[case]], rng.random(len(case)) < .32),
        "INS_TA_DATE_ASSIGNED": dates(np.where(is_alien, -1, cases.filed[case])),
        "E_28_DATE": dates(np.where(is_alien, cases.counsel_day[case], -1)),
        "BLNPRIMEATTY": text(np.where(prime, "1", "0")),
    }, case


# Charges a proceeding is brought on, by case type (codes of tbllookupCharges; assumed shares:
# the staged frequencies do not cover CHARGE). Removal cases are mostly entry without
# inspection, arriving without documents or overstays; detained people more often face
# criminal grounds.
CHARGE_MIX = {
    "RMV": (("212a06Ai", .50), ("212a07Ai  I", .16), ("237a01B", .12), ("237a01Ci", .06),
            ("212a09Ai", .03), ("212a06Ci", .03), ("237a02Aiii", .04), ("237a02Bi", .03),
            ("237a02Ai", .02), ("212a02Ai  I", .01)),
    "DEP": (("241a01B", .55), ("241a01Ci", .20), ("241a02Aiii", .08), ("241a02Bi", .07),
            ("241a01Gi", .05), ("241a02Ai", .05)),
    "EXC": (("212a20", .45), ("212a06Ci", .25), ("212a07Ai  I", .20), ("212a23", .10)),
}
CRIMINAL_IF_DETAINED = .35  # assumption: share of detained people's charges on criminal grounds
CRIMINAL_CODES = ("237a02Aiii", "237a02Bi", "237a02Ai", "237a02Aii", "237a02Ei")


def charges_table(rng, proceedings: ProceedingFrame, case_ids: np.ndarray,
                  proceeding_ids: np.ndarray, ids: Ids) -> tuple[Columns, np.ndarray]:
    """0.89 charges per proceeding (real), status at its real shares; codes by case type
    (CHARGE_MIX), criminal grounds more often for detained people; other case types take
    codes from the whole lookup."""
    count = rng.poisson(STRUCTURE["charges_per_proceeding"].value, size=proceedings.n)
    rows = np.repeat(np.arange(proceedings.n), count)
    status = shares("B_TblProceedCharges", "CHG_STATUS")
    case_type = proceedings.case_type[rows]
    charge = rng.choice(np.array(lookup_codes("tbllookupCharges")), size=len(rows)).astype(object)
    for kind, mix in CHARGE_MIX.items():
        here = np.flatnonzero(case_type == kind)
        codes, weights = zip(*mix, strict=True)
        charge[here] = rng.choice(np.array(codes), size=len(here),
                                  p=np.array(weights) / sum(weights))
    criminal = (proceedings.custody[rows] == "D") & np.isin(case_type, ["RMV"]) \
        & (rng.random(len(rows)) < CRIMINAL_IF_DETAINED)
    charge[criminal] = rng.choice(np.array(CRIMINAL_CODES), size=int(criminal.sum()))
    return {
        "IDNPRCDCHG": _id_text(ids.take("B_TblProceedCharges", len(rows))),
        "IDNCASE": _id_text(case_ids[proceedings.case[rows]]),
        "IDNPROCEEDING": _id_text(proceeding_ids[rows]),
        "CHARGE": text(charge.astype(str)),
        "CHG_STATUS": text(status.draw(rng, len(rows)), rng.random(len(rows)) < status.blank),
    }, proceedings.case[rows]


# Bond amounts in dollars (assumed: the staged figures hold no amounts): ICE's initial bond and
# the judge's new bond, drawn log-normally and rounded to $500; the judge lowers the bond more
# often than raising it. The statutory minimum is $1,500.
INITIAL_BOND_MEDIAN, NEW_BOND_MEDIAN, BOND_SPREAD = 10_000, 7_500, .6


def _dollars(rng, median: float, size: int) -> np.ndarray:
    amounts = np.exp(np.log(median) + BOND_SPREAD * rng.standard_normal(size))
    return np.maximum(np.round(amounts / 500) * 500, 1500).astype(np.int64)


def bond_table(rng, cases: CaseFrame, proceedings: ProceedingFrame, case_ids: np.ndarray,
               proceeding_ids: np.ndarray, ids: Ids) -> tuple[Columns, np.ndarray]:
    """Bond hearings (0.127 rows per case, real) for detained and released people's first
    proceedings, requested days to months after detention and decided a few weeks later; type,
    decision, filing party, medium and changed release conditions at their real shares;
    INITIAL_BOND and NEW_BOND blank at their real shares, amounts assumed (above)."""
    first = np.flatnonzero((proceedings.order == 0)
                           & (cases.custody[proceedings.case] != "N"))
    want = STRUCTURE["bond_rows_per_case"].value * cases.n
    chosen = first[rng.random(len(first)) < min(want / max(len(first), 1), 1.0)]
    case = proceedings.case[chosen]
    size = len(chosen)
    detained = np.where(cases.detained_day[case] >= 0, cases.detained_day[case],
                        proceedings.start[chosen])
    requested = detained + rng.gamma(1.5, 30, size=size).astype(np.int64) + 1
    decided = requested + rng.integers(3, 40, size=size)
    initial = _dollars(rng, INITIAL_BOND_MEDIAN, size)
    new = _dollars(rng, NEW_BOND_MEDIAN, size)
    court = COURT_CODES[proceedings.court[chosen]]
    return {
        "IDNASSOCBOND": _id_text(ids.take("D_TblAssociatedBond", size)),
        "IDNPROCEEDING": _id_text(proceeding_ids[chosen]),
        "IDNCASE": _id_text(case_ids[case]),
        "OSC_DATE": dates(cases.filed[case]),
        "REC_TYPE": text(np.full(size, "B")),
        "INPUT_DATE": dates(requested),
        "BASE_CITY_CODE": text(court), "HEARING_LOC_CODE": text(court),
        "IJ_CODE": text(judges(proceedings)[chosen]),
        "DEC": text(shares("D_TblAssociatedBond", "DEC").draw(rng, size)),
        "COMP_DATE": dates(decided),
        "INITIAL_BOND": text(initial.astype(str), rng.random(size) < .658),
        "REL_CON": _with_blanks(rng, "D_TblAssociatedBond", "REL_CON", size),
        "BOND_HEARING_TELEPHONIC": _with_blanks(rng, "D_TblAssociatedBond",
                                                "BOND_HEARING_TELEPHONIC", size),
        "BOND_HEAR_REQ_DATE": dates(requested),
        "NEW_BOND": text(new.astype(str), rng.random(size) < .436),
        "BOND_TYPE": _with_blanks(rng, "D_TblAssociatedBond", "BOND_TYPE", size),
        "FILING_PARTY": _with_blanks(rng, "D_TblAssociatedBond", "FILING_PARTY", size),
    }, case


def _with_blanks(rng, table: str, column: str, size: int) -> pa.Array:
    real = shares(table, column)
    return text(real.draw(rng, size), rng.random(size) < real.blank)


def rider_table(rng, cases: CaseFrame, case_ids: np.ndarray, ids: Ids
                ) -> tuple[Columns, np.ndarray]:
    """Family riders: 0.21 rows per case (real), a case riding on the case before it; 9.2% of
    the links are severed (blnActive 0, with the date), as in the real table."""
    eligible = np.flatnonzero(~cases.planted)
    eligible = eligible[eligible > 0]
    p = STRUCTURE["rider_rows_per_case"].value * cases.n / max(len(eligible), 1)
    riders = eligible[rng.random(len(eligible)) < p]
    active = shares("tbl_Lead_Rider", "blnActive")
    severed = rng.random(len(riders)) < active.share("0")
    created = cases.filed[riders]
    return {
        "idnLeadRider": _id_text(ids.take("tbl_Lead_Rider", len(riders))),
        "idnLeadCase": _id_text(case_ids[riders - 1]),
        "idnRiderCase": _id_text(case_ids[riders]),
        "datCreatedOn": dates(created), "datModifiedOn": dates(created),
        "datSeveredOn": dates(np.where(severed, created + rng.integers(30, 900,
                                                                        len(riders)), -1)),
        "blnActive": text(np.where(severed, "0", "1")),
    }, riders


# Case identifiers other than MP that generated releases attach now and then (assumption: the
# staged frequencies do not cover CASE_ID): dedicated docket, family units, juveniles.
OTHER_CASE_IDS = (("DD", .4), ("FA", .3), ("UJ", .2), ("J", .1))
OTHER_CASE_ID_SHARE = .03


def case_identifier_table(rng, cases: CaseFrame, mpp: np.ndarray, case_ids: np.ndarray,
                          ids: Ids) -> tuple[Columns, np.ndarray]:
    """A_TblCaseIdentifier: MP on every MPP case, and another identifier on a few cases
    (OTHER_CASE_IDS); the real table has about 0.05 rows per case (see eoir_structure.csv)."""
    other = ~mpp & (rng.random(cases.n) < OTHER_CASE_ID_SHARE)
    codes, weights = zip(*OTHER_CASE_IDS, strict=True)
    case = np.concatenate([np.flatnonzero(mpp), np.flatnonzero(other)])
    code = np.concatenate([np.full(int(mpp.sum()), "MP"),
                           rng.choice(np.array(codes), size=int(other.sum()),
                                      p=np.array(weights) / sum(weights))])
    order = np.argsort(case, kind="stable")
    case, code = case[order], code[order]
    return {
        "IDNCASEID": _id_text(ids.take("A_TblCaseIdentifier", len(case))),
        "IDNCASE": _id_text(case_ids[case]), "CASE_ID": text(code),
    }, case


def juvenile_table(rng, cases: CaseFrame, proceedings: ProceedingFrame, case_ids: np.ndarray,
                   proceeding_ids: np.ndarray, ids: Ids) -> tuple[Columns, np.ndarray]:
    """tbl_JuvenileHistory: 0.24 rows per case (real), on first proceedings; idnJuvenile at its
    real shares (EOIR does not publish what each number means); DATMODIFIEDON blank on two
    thirds of rows, as real."""
    first = np.flatnonzero(proceedings.order == 0)
    want = STRUCTURE["juvenile_rows_per_case"].value * cases.n
    chosen = first[rng.random(len(first)) < min(want / max(len(first), 1), 1.0)]
    size = len(chosen)
    created = proceedings.start[chosen] + rng.integers(0, 60, size=size)
    return {
        "idnJuvenileHistory": _id_text(ids.take("tbl_JuvenileHistory", size)),
        "idnCase": _id_text(case_ids[proceedings.case[chosen]]),
        "idnProceeding": _id_text(proceeding_ids[chosen]),
        "idnJuvenile": text(shares("tbl_JuvenileHistory", "idnJuvenile").draw(rng, size)),
        "DATCREATEDON": dates(created, rng.random(size) < .0134),
        "DATMODIFIEDON": dates(created + rng.integers(30, 700, size=size),
                               rng.random(size) < .674),
    }, proceedings.case[chosen]


# Motion types (tblLookupMotionType) generated motions are (assumption: the staged frequencies
# do not cover REC_TYPE): continuances, changes of venue, reopening, recalendaring...
MOTION_TYPES = (("CO", .22), ("CV", .14), ("O", .12), ("C", .10), ("ET", .08), ("AC", .07),
                ("TP", .06), ("SC", .06), ("WC", .05), ("EH", .04), ("TV", .03), ("MA", .03))


def motions_table(rng, cases: CaseFrame, proceedings: ProceedingFrame, case_ids: np.ndarray,
                  proceeding_ids: np.ndarray, ids: Ids) -> tuple[Columns, np.ndarray]:
    """tbl_Court_Motions: 0.58 motions per case (real), each filed during its proceeding;
    decision, filing party, filing method and service at their real shares; DEC blank and
    COMP_DATE blank together (1.05%, real)."""
    per = STRUCTURE["motion_rows_per_case"].value * cases.n / max(proceedings.n, 1)
    count = rng.poisson(per, size=proceedings.n)
    rows = np.repeat(np.arange(proceedings.n), count)
    size = len(rows)
    stop = np.where(proceedings.end >= 0, proceedings.end, proceedings.start + 400)
    received = proceedings.start[rows] + (rng.random(size) * np.maximum(
        stop[rows] - proceedings.start[rows], 1)).astype(np.int64)
    decision = shares("tbl_Court_Motions", "DEC")
    undecided = rng.random(size) < decision.blank
    types, weights = zip(*MOTION_TYPES, strict=True)
    court = COURT_CODES[proceedings.court[rows]]
    case = proceedings.case[rows]
    return {
        "IDNMOTION": _id_text(ids.take("tbl_Court_Motions", size)),
        "IDNPROCEEDING": _id_text(proceeding_ids[rows]),
        "IDNCASE": _id_text(case_ids[case]),
        "OSC_DATE": dates(cases.filed[case]),
        "REC_TYPE": text(rng.choice(np.array(types), size=size,
                                    p=np.array(weights) / sum(weights))),
        "INPUT_DATE": dates(received), "BASE_CITY_CODE": text(court),
        "HEARING_LOC_CODE": text(court), "IJ_CODE": text(judges(proceedings)[rows]),
        "DEC": text(decision.draw(rng, size), undecided),
        "COMP_DATE": dates(received + rng.integers(5, 60, size=size), undecided),
        "MOTION_RECD_DATE": dates(received),
        "STRFILINGPARTY": _with_blanks(rng, "tbl_Court_Motions", "STRFILINGPARTY", size),
        "STRFILINGMETHOD": _with_blanks(rng, "tbl_Court_Motions", "STRFILINGMETHOD", size),
        "STRCERTOFSERVICECODE": _with_blanks(rng, "tbl_Court_Motions", "STRCERTOFSERVICECODE",
                                             size),
        "strDJScenario": text(np.full(size, "0")),
    }, case


# The Board's decisions on generated appeals (assumption: the staged frequencies do not cover
# strBIADecision): most appeals are dismissed, some sustained or remanded.
BIA_OUTCOMES = (("DIS", .46), ("SAF", .08), ("SUD", .04), ("SUS", .08), ("REM", .14),
                ("TER", .03), ("WDL", .04), ("ADM", .03), ("DEN", .06), ("GRN", .04))
# Appeal types of the Department of Homeland Security's officers' decisions (category DD).
DD_TYPES = ("DD Visa", "DD Fines", "DD 212", "DD Bond")


def appeal_table(rng, cases: CaseFrame, proceedings: ProceedingFrame, case_ids: np.ndarray,
                 proceeding_ids: np.ndarray, release_day: int, ids: Ids
                 ) -> tuple[Columns, np.ndarray]:
    """tblAppeal: 0.115 appeals per case (real), on completed proceedings, filed within a
    month of the decision; type, filer and decision type at their real shares, the category
    following the type (DD for DHS officers' decisions, IJ otherwise); the Board decides within
    about a year (11.4% still undecided, as real); case type, nationality and custody those of
    the case."""
    completed = np.flatnonzero(proceedings.end >= 0)
    want = STRUCTURE["appeal_rows_per_case"].value * cases.n
    chosen = completed[rng.random(len(completed)) < min(want / max(len(completed), 1), 1.0)]
    size = len(chosen)
    case = proceedings.case[chosen]
    kind = shares("tblAppeal", "strAppealType").draw(rng, size)
    filed = np.minimum(proceedings.end[chosen] + rng.integers(1, 31, size=size), release_day)
    decided = filed + rng.gamma(2.0, 150, size=size).astype(np.int64)
    pending = (decided > release_day) | (rng.random(size) < .025)
    outcomes, weights = zip(*BIA_OUTCOMES, strict=True)
    decision = rng.choice(np.array(outcomes), size=size, p=np.array(weights) / sum(weights))
    e27 = rng.random(size) < .68
    return {
        "idnAppeal": _id_text(ids.take("tblAppeal", size)),
        "idncase": _id_text(case_ids[case]),
        "idnProceeding": _id_text(proceeding_ids[chosen]),
        "strAppealCategory": text(np.where(np.isin(kind, DD_TYPES), "DD", "IJ")),
        "strAppealType": text(kind),
        "datAppealFiled": dates(filed),
        "strFiledBy": text(shares("tblAppeal", "strFiledBy").draw(rng, size)),
        "datAttorneyE27": dates(np.where(e27, filed + 3, -1)),
        "datBIADecision": dates(decided, pending),
        "strBIADecision": text(decision, pending),
        "strBIADecisionType": text(shares("tblAppeal", "strBIADecisionType").draw(rng, size),
                                   pending | (rng.random(size) < .02)),
        "strCaseType": text(proceedings.case_type[chosen]),
        "strLang": text(languages(cases.nationality[case])),
        "strNat": text(cases.nationality[case]),
        "strCustody": text(proceedings.custody[chosen]),
    }, case
