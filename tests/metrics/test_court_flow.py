"""Court-flow metrics on a hand-made release whose answers are worked out below.

Ten cases (removal proceedings, RMV, unless said otherwise):

- Case 1 (RU): P11 filed (OSC) 2021-10-05 at NYC, never detained, charged with entry without
  inspection (212a06Ai) and an aggravated felony (237a02Aiii): its group is criminal, the more
  serious. Ordered removed (X) in absentia on 2022-06-01 (FY2022). Reopened: P12, relief (R)
  on 2023-11-15 (FY2024), no charges recorded. Court counsel since 2023-01-01: represented at
  P12's completion, not at P11's.
- Case 2 (RU on the case; its proceedings' NAT is blank, so the case's counts): P21 filed
  2021-10-20 at LOS, detained, arriving without documents (212a07Ai  I); change of venue (C)
  on 2022-01-10, not a completion. P22 at SFR: voluntary departure (V) on 2024-02-01 (FY2024);
  its only charge, ZZZ9, is not in the lookup: group unknown. A DHS attorney only.
- Case 3 (RU): P31 filed 2022-03-03, pending, no charges. Its INPUT_DATE, 2024-06-30, is the
  release's last date of data.
- Case 4 (RU): OSC 1900-01-01, an EOIR placeholder: no NTA date, left out of new cases and
  counted; terminated (T) on 2024-05-05 (FY2024): an outcome all the same.
- Case 5 (RU): P51 filed 2022-09-30; decision K on 2024-03-03, which EOIR's lookup does not
  list for RMV: unclassified, left out of outcomes and counted.
- Case 6 (UE): removed in absentia on 2024-01-01; another nationality, in no RU answer.
- MPP: case 7 (HO) is marked MP, filed 2019-03-10, removed in absentia on 2019-09-01 (175
  days); case 8 (GT) is heard at ENP (MPP COURT EL PASO), filed 2019-03-25, pending; case 10
  (CU) is marked MP and heard at OPP, filed 2019-04-15, terminated 2020-02-01 (292 days),
  counsel since 2019-05-01. Case 9 (HO) carries RM ("Remain in Mexico" in the lookup), which
  is not EOIR's MPP marker: not an MPP case.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from immtrack.errors import QueryError
from immtrack.ingest import ingest_eoir
from immtrack.metrics.appeals import appeals
from immtrack.metrics.bond import bond
from immtrack.metrics.mpp import mpp
from immtrack.metrics.new_cases import charges, new_cases
from immtrack.metrics.outcomes import outcomes
from tests.support.eoir_release import write_release


def _day(text: str | None) -> str | None:
    return f"{text} 00:00:00.000" if text else None


def _proceeding(idn, case, osc, court, *, hloc=None, nat="RU", custody="N", dec=None,
                other=None, comp=None, absentia=None, judge=None, entered=None):
    return {"IDNPROCEEDING": idn, "IDNCASE": case, "OSC_DATE": _day(osc),
            "INPUT_DATE": _day(entered or osc), "BASE_CITY_CODE": court,
            "HEARING_LOC_CODE": hloc or court, "IJ_CODE": judge or f"{court}J1",
            "DEC_CODE": dec, "OTHER_COMP": other, "COMP_DATE": _day(comp),
            "ABSENTIA": absentia, "CUSTODY": custody, "CASE_TYPE": "RMV", "NAT": nat}


PROCEEDINGS = [
    _proceeding(11, 1, "2021-10-05", "NYC", dec="X", comp="2022-06-01", absentia="Y"),
    _proceeding(12, 1, "2021-10-05", "NYC", dec="R", comp="2023-11-15", absentia="N",
                judge="NYCJ2"),
    _proceeding(21, 2, "2021-10-20", "LOS", nat=None, custody="D", other="C",
                comp="2022-01-10"),
    _proceeding(22, 2, "2021-10-20", "SFR", nat=None, custody="D", dec="V", comp="2024-02-01",
                absentia="N"),
    _proceeding(31, 3, "2022-03-03", "NYC", entered="2024-06-30"),
    _proceeding(41, 4, "1900-01-01", "NYC", dec="T", comp="2024-05-05", entered="2010-01-01"),
    _proceeding(51, 5, "2022-09-30", "NYC", dec="K", comp="2024-03-03"),
    _proceeding(61, 6, "2021-11-11", "NYC", nat="UE", dec="X", comp="2024-01-01",
                absentia="Y"),
    _proceeding(71, 7, "2019-03-10", "SND", nat="HO", dec="X", comp="2019-09-01",
                absentia="Y"),
    _proceeding(81, 8, "2019-03-25", "ELP", hloc="ENP", nat="GT"),
    _proceeding(91, 9, "2019-04-02", "SND", nat="HO", dec="X", comp="2019-12-01"),
    _proceeding(101, 10, "2019-04-15", "SND", hloc="OPP", nat="CU", dec="T", comp="2020-02-01"),
]
CASES = [{"IDNCASE": c, "NAT": nat, "CUSTODY": custody, "CASE_TYPE": "RMV",
          "DATE_DETAINED": _day(detained)}
         for c, nat, custody, detained in (
             (1, "RU", "N", None), (2, "RU", "D", "2022-10-15"), (3, "RU", "D", None),
             (4, "RU", "N", None), (5, "RU", "N", None), (6, "UE", "N", None),
             (7, "HO", "N", None), (8, "GT", "N", None), (9, "HO", "N", None),
             (10, "CU", "N", None))]
CHARGES = [{"IDNPRCDCHG": i, "IDNCASE": case, "IDNPROCEEDING": proceeding, "CHARGE": code}
           for i, (case, proceeding, code) in enumerate((
               (1, 11, "212a06Ai"), (1, 11, "237a02Aiii"), (2, 21, "212a07Ai  I"),
               (2, 22, "ZZZ9"), (6, 61, "237a01B"), (7, 71, "212a07Ai  I"),
               (10, 101, "212a06Ai")), start=1)]
IDENTIFIERS = [{"IDNCASEID": 1, "IDNCASE": 7, "CASE_ID": "MP"},
               {"IDNCASEID": 2, "IDNCASE": 9, "CASE_ID": "RM"},
               {"IDNCASEID": 3, "IDNCASE": 10, "CASE_ID": "MP"}]
REPS = [{"IDNREPSASSIGNED": 1, "IDNCASE": 1, "STRATTYLEVEL": "COURT", "STRATTYTYPE": "ALIEN",
         "E_28_DATE": _day("2023-01-01")},
        {"IDNREPSASSIGNED": 2, "IDNCASE": 2, "STRATTYLEVEL": "COURT", "STRATTYTYPE": "INS",
         "E_28_DATE": _day("2021-11-01")},
        {"IDNREPSASSIGNED": 3, "IDNCASE": 10, "STRATTYLEVEL": "COURT", "STRATTYTYPE": "ALIEN",
         "E_28_DATE": _day("2019-05-01")}]
CUSTODY = [{"IDNCUSTODY": 1, "IDNCASE": 3, "CUSTODY": "D", "DATDETAINED": _day("2023-01-01")}]


def _bond(idn, case, proceeding, dec, comp, initial, new, requested=None):
    return {"IDNASSOCBOND": idn, "IDNCASE": case, "IDNPROCEEDING": proceeding, "DEC": dec,
            "COMP_DATE": _day(comp), "BOND_HEAR_REQ_DATE": _day(requested or comp),
            "INITIAL_BOND": initial, "NEW_BOND": new, "BASE_CITY_CODE": "LOS",
            "IJ_CODE": "LOSJ1", "BOND_TYPE": "BB"}


# Russians' bond decisions in FY2023 (B1-B5), with B6 (UE) and B7 (FY2022) outside:
#   B1 C 2022-11-10  DHS 10000 -> judge 7500 (lowered), 26 days after detention (2022-10-15)
#   B2 C 2023-02-10  DHS "0000005000" = 5000 -> 6000 (raised), 118 days
#   B3 N 2023-03-01  no DHS amount -> 1500 (set by the judge), 59 days (custody history
#                    detention 2023-01-01: case 3 has no DATE_DETAINED)
#   B4 A 2023-05-05  DHS "abc" (not a number: left out of amounts and counted), 124 days
#   B5 C 2023-09-30  20000 -> 20000 (unchanged); case 1 was never detained: no days
BONDS = [_bond(1, 2, 21, "C", "2022-11-10", "10000", "7500", "2022-11-01"),
         _bond(2, 2, 22, "C", "2023-02-10", "0000005000", "6000"),
         _bond(3, 3, 31, "N", "2023-03-01", None, "1500"),
         _bond(4, 3, 31, "A", "2023-05-05", "abc", None),
         _bond(5, 1, 11, "C", "2023-09-30", "20000", "20000"),
         _bond(6, 6, 61, "N", "2023-01-01", None, "9000"),
         _bond(7, 2, 21, "C", "2021-12-01", None, "3000")]


def _appeal(idn, case, proceeding, filed, by, decision=None, decided=None, category="IJ",
            kind="Case Appeal"):
    return {"idnAppeal": idn, "idncase": case, "idnProceeding": proceeding,
            "strAppealCategory": category, "strAppealType": kind, "datAppealFiled": _day(filed),
            "strFiledBy": by, "strBIADecision": decision, "datBIADecision": _day(decided),
            "strNat": "RU", "strCaseType": "RMV"}


# Russians' appeals filed in FY2023: A2 by the noncitizen, sustained; A3 by the noncitizen,
# pending; A4 by DHS, remanded; A6 by the noncitizen, code XYZ (not in the lookup). A1 was
# filed in FY2022; A5 appeals a DHS officer's decision (category DD), left out by default.
APPEALS = [_appeal(1, 1, 11, "2022-06-20", "A", "DIS", "2022-12-01"),
           _appeal(2, 2, 22, "2022-10-05", "A", "SUS", "2023-06-01"),
           _appeal(3, 3, 31, "2023-01-01", "A"),
           _appeal(4, 5, 51, "2023-02-02", "I", "REM", "2023-08-01"),
           _appeal(5, 1, 11, "2023-03-03", "P", "GRN", "2023-09-01", "DD", "DD Visa"),
           _appeal(6, 3, 31, "2023-04-04", "A", "XYZ", "2023-09-09")]


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("court-flow")
    write_release(root / "release", {
        "A_TblCase": CASES, "B_TblProceeding": PROCEEDINGS, "B_TblProceedCharges": CHARGES,
        "A_TblCaseIdentifier": IDENTIFIERS, "tbl_RepsAssigned": REPS,
        "tbl_CustodyHistory": CUSTODY, "D_TblAssociatedBond": BONDS, "tblAppeal": APPEALS})
    ingest_eoir(root / "home", str(root / "release"))
    return root / "home"


RU_YEAR = {"nationality": "RU", "since": date(2021, 10, 1), "until": date(2022, 9, 30)}


def test_new_cases_count_each_case_once_by_its_nta_month(home):
    answer = new_cases(**RU_YEAR, by=("month",), home=home)
    assert {r["month"]: r["new_cases"] for r in answer.table.to_pylist()} == {
        "2021-10": 2, "2022-03": 1, "2022-09": 1}
    # Case 4's placeholder date cannot be placed in time: left out, and said so.
    assert answer.excluded == {"no_nta_date": 1}
    assert any("Left out: 1 cases without a usable NTA date" in n for n in answer.notes)
    assert answer.provenance["releases"][0]["is_synthetic"] is False
    # Dimensions are the first proceeding's: case 2 was filed detained at LOS.
    by_custody = new_cases(**RU_YEAR, by=("custody", "court"), home=home).table.to_pylist()
    assert {(r["custody"], r["court"]): r["new_cases"] for r in by_custody} == {
        ("D", "LOS"): 1, ("N", "NYC"): 3}
    # Every proceeding: case 1's reopening and case 2's second venue count too.
    proceedings = new_cases(**RU_YEAR, by=("month",), unit="proceedings", home=home)
    assert {r["month"]: r["new_cases"] for r in proceedings.table.to_pylist()} == {
        "2021-10": 4, "2022-03": 1, "2022-09": 1}


def test_charge_groups_take_the_most_serious_charge(home):
    rows = charges(**RU_YEAR, home=home).table.to_pylist()
    # Case 1: EWI and an aggravated felony -> criminal; case 2: arriving without documents;
    # cases 3 and 5: no charge recorded. Four cases in all.
    assert {r["charge_group"]: (r["numerator"], r["n"]) for r in rows} == {
        "criminal": (1, 4), "arriving_without_documents": (1, 4), "none": (2, 4)}
    assert all(r["ci95_low"] <= r["rate"] <= r["ci95_high"] for r in rows)
    every = charges(**RU_YEAR, unit="proceedings", home=home).table.to_pylist()
    # P22's only charge code is not in tbllookupCharges: unknown, not "none".
    assert {r["charge_group"]: r["numerator"] for r in every} == {
        "criminal": 1, "arriving_without_documents": 1, "unknown": 1, "none": 3}


def _shares(answer) -> dict[str, tuple[int, int]]:
    return {r["definition"]: (r["numerator"], r["n"]) for r in answer.table.to_pylist()}


def test_outcomes_in_each_unit(home):
    # TRAC-style completed cases in FY2024: case 1 (relief, its latest), case 2 (voluntary
    # departure: the change of venue is not a completion), case 4 (terminated); case 5's
    # unclassified decision is left out and counted. Case 1's counsel predates P12.
    trac = outcomes(nationality="RU", fiscal_year=2024, home=home)
    shares = _shares(trac)
    assert {k: shares[k] for k in ("removal_order", "voluntary_departure", "relief",
                                   "terminated", "admin_closure", "other", "in_absentia",
                                   "represented")} == {
        "removal_order": (0, 3), "voluntary_departure": (1, 3), "relief": (1, 3),
        "terminated": (1, 3), "admin_closure": (0, 3), "other": (0, 3),
        "in_absentia": (0, 3), "represented": (1, 3)}
    assert trac.excluded == {"unclassified": 1, "no_decision": 0}
    assert all(r["unit"] == "completed_cases" for r in trac.table.to_pylist())
    # EOIR's initial completions in FY2024: case 1's initial completion was in FY2022.
    initial = _shares(outcomes(nationality="RU", fiscal_year=2024, unit="initial_completions",
                               home=home))
    assert (initial["voluntary_departure"], initial["terminated"], initial["relief"]) == (
        (1, 2), (1, 2), (0, 2))
    # FY2022: the in absentia removal order of P11 is case 1's initial completion, but not
    # its latest.
    first = _shares(outcomes(nationality="RU", fiscal_year=2022, unit="initial_completions",
                             home=home))
    assert (first["removal_order"], first["in_absentia"], first["in_absentia_of_removals"]) \
        == ((1, 1), (1, 1), (1, 1))
    latest = outcomes(nationality="RU", fiscal_year=2022, home=home).table.to_pylist()
    assert {(r["n"], r["rate"]) for r in latest} == {(0, None)}
    by_court = outcomes(nationality="RU", fiscal_year=2024, by=("court",),
                        definitions=("relief", "terminated", "voluntary_departure"), home=home)
    assert {(r["court"], r["definition"]): (r["numerator"], r["n"])
            for r in by_court.table.to_pylist()} == {
        ("NYC", "relief"): (1, 2), ("NYC", "terminated"): (1, 2),
        ("NYC", "voluntary_departure"): (0, 2), ("SFR", "relief"): (0, 1),
        ("SFR", "terminated"): (0, 1), ("SFR", "voluntary_departure"): (1, 1)}


def test_mpp_enrolments_outcomes_and_time_to_completion(home):
    answer = mpp(by=("month",), home=home)
    # Cases 7 (MP), 8 (ENP) and 10 (MP, OPP); case 9's RM is not MPP.
    assert {r["month"]: r["enrolments"] for r in answer.table.to_pylist()} == {
        "2019-03": 2, "2019-04": 1}
    shares = {r["definition"]: (r["numerator"], r["n"])
              for r in answer.sections["outcomes"].to_pylist()}
    assert (shares["removal_order"], shares["terminated"], shares["in_absentia"],
            shares["in_absentia_of_removals"], shares["represented"]) == (
        (1, 2), (1, 2), (1, 2), (1, 1), (1, 2))
    # Kaplan-Meier: events at 175 and 292 days, case 8 censored at the release's last date
    # (2024-06-30): S = 2/3 after 175 (p25), 1/3 after 292 (median), p75 not reached.
    (timing,) = answer.sections["time_to_completion"].to_pylist()
    assert (timing["cases"], timing["completed"], timing["pending"]) == (3, 2, 1)
    assert (timing["p25_days"], timing["median_days"], timing["p75_days"]) == (175, 292, None)
    by_nationality = mpp(by=("nationality",), home=home).table.to_pylist()
    assert {r["nationality"]: r["enrolments"] for r in by_nationality} == {
        "CU": 1, "GT": 1, "HO": 1}
    assert "MP" in answer.provenance["definitions"]["mpp"]


def test_bond_decisions_amounts_and_days(home):
    answer = bond(nationality="RU", fiscal_year=2023, home=home)
    (row,) = answer.table.to_pylist()
    assert (row["requests"], row["decisions"], row["with_initial_bond"],
            row["with_new_bond"], row["amount_not_numeric"]) == (5, 5, 3, 4, 1)
    # NEW_BOND 1500, 6000, 7500, 20000: median (6000 + 7500) / 2; quartiles interpolated at
    # positions 0.75 and 2.25.
    assert (row["new_bond_p25"], row["new_bond_median"], row["new_bond_p75"]) == (
        4875.0, 6750.0, 10625.0)
    # INITIAL_BOND 5000 (written 0000005000), 10000, 20000; "abc" is left out.
    assert (row["initial_bond_p25"], row["initial_bond_median"], row["initial_bond_p75"]) \
        == (7500.0, 10000.0, 15000.0)
    assert row["days_detained_median"] == 88.5  # days 26, 59, 118, 124
    codes = {r["bond_decision"]: (r["numerator"], r["n"])
             for r in answer.sections["decisions"].to_pylist()}
    assert codes == {"C": (3, 5), "N": (1, 5), "A": (1, 5)}
    changes = {r["amount_change"]: (r["numerator"], r["n"])
               for r in answer.sections["amount_change"].to_pylist()}
    assert changes == {"lowered": (1, 3), "raised": (1, 3), "unchanged": (1, 3)}
    assert answer.excluded["amount_not_numeric"] == 1
    assert any("no lookup" in n for n in answer.notes)


def test_appeals_by_filer_with_pending_and_unknown_codes_apart(home):
    answer = appeals(nationality="RU", fiscal_year=2023, home=home)
    rows = {(r["filed_by"], r["bia_outcome"]): (r["appeals"], r["n"], r["rate"])
            for r in answer.table.to_pylist()}
    assert rows == {("A", "sustained"): (1, 1, 1.0), ("A", "pending"): (1, 1, None),
                    ("A", "unknown_code"): (1, 1, None), ("I", "remanded"): (1, 1, 1.0)}
    assert answer.excluded == {"pending": 1, "unknown_code": 1}
    every = appeals(nationality="RU", fiscal_year=2023, category=None, home=home)
    assert ("P", "granted") in {(r["filed_by"], r["bia_outcome"])
                                for r in every.table.to_pylist()}


def test_questions_the_data_cannot_answer_are_refused(home):
    with pytest.raises(QueryError, match="cannot break down"):
        outcomes(by=("planet",), home=home)
    with pytest.raises(QueryError, match="no unit"):
        outcomes(unit="people", home=home)
    with pytest.raises(QueryError, match="representation"):
        new_cases(represented=True, home=home)
