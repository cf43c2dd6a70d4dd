"""Filings and time to decision: a hand-made release with answers worked out here, and a
plain-Python count of filings over the raw files of a generated release."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

from immtrack.ingest import ingest_eoir
from immtrack.metrics.applications import (
    ApplicationQuestion,
    filings,
    time_to_decision,
)
from immtrack.metrics.survival import kaplan_meier
from immtrack.synth.eoir import write_eoir_release
from tests.support.eoir_release import write_release


def _stamp(day: date) -> str:
    return f"{day.isoformat()} 00:00:00.000"


def test_a_hand_made_release(tmp_path):
    # Three Russian cases filed for asylum on 2022-01-01. Case 1's application was granted
    # after 10 days, then recorded again in a second proceeding (a remand), still pending: one
    # application, counted by its latest record (pending). Case 2 denied after 30 days, case 3
    # withdrew after 40 days. The release's data run to 2022-03-01 (INPUT_DATE), so the pending
    # one is censored at 59 days.
    # Kaplan-Meier: 3 at risk; day 30: S = 2/3; day 40: 2 at risk, S = 2/3 * 1/2 = 1/3;
    # day 59: censored. p25 = 30 (first S <= .75), median = 40 (first S <= .5), p75 and p90
    # never reached.
    filed = _stamp(date(2022, 1, 1))
    proceedings = [{"IDNPROCEEDING": p, "IDNCASE": c, "NAT": "RU", "CUSTODY": "N",
                    "INPUT_DATE": _stamp(date(2022, 3, 1)),
                    "COMP_DATE": _stamp(done) if done else ""}
                   for p, c, done in ((11, 1, date(2022, 1, 11)), (12, 1, None),
                                      (21, 2, date(2022, 1, 31)), (31, 3, date(2022, 2, 10)))]
    applications = [{"IDNPROCEEDINGAPPLN": a, "IDNPROCEEDING": p, "IDNCASE": c,
                     "APPL_CODE": "ASYL", "APPL_RECD_DATE": filed, "APPL_DEC": decision}
                    for a, p, c, decision in ((1, 11, 1, "G"), (2, 12, 1, ""),
                                              (3, 21, 2, "D"), (4, 31, 3, "W"))]
    write_release(tmp_path / "release", {
        "A_TblCase": [{"IDNCASE": c, "NAT": "RU"} for c in (1, 2, 3)],
        "B_TblProceeding": proceedings, "tbl_Court_Appln": applications})
    home = tmp_path / "home"
    ingest_eoir(home, str(tmp_path / "release"))
    table, _ = filings(nationality="RU", home=home)
    assert table.to_pylist() == [{"applications": 3, "cases": 3}]
    table, provenance = time_to_decision(ApplicationQuestion(nationality="RU"), home=home)
    assert provenance["releases"][0]["data_through"] == date(2022, 3, 1)
    assert table.to_pylist() == [{"applications": 3, "decided": 2,
                                  "closed_without_decision": 0, "pending": 1,
                                  "p25_days": 30, "median_days": 40, "p75_days": None,
                                  "p90_days": None}]


def test_kaplan_meier_without_censoring_is_the_plain_median():
    assert kaplan_meier([(5, 1, 0), (7, 1, 0), (9, 1, 0)])["median_days"] == 7
    assert kaplan_meier([(5, 0, 3)]) == dict.fromkeys(
        ("p25_days", "median_days", "p75_days", "p90_days"))


def _raw(path: Path) -> list[dict]:
    with open(path, encoding="latin-1", newline="") as stream:
        # The same repairs the ingest makes: NUL bytes and stray quotes dropped.
        text = stream.read().replace("\x00", "").replace('"', "")
    return list(csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE))


def test_filings_match_a_plain_python_count(tmp_path):
    write_eoir_release(tmp_path / "release", 4000, seed=3)
    home = tmp_path / "home"
    ingest_eoir(home, str(tmp_path / "release"))
    release = tmp_path / "release"
    # Nationality: the proceeding's NAT, else the case's (schema.eoir.NATIONALITY_SOURCE).
    case_nat = {r["IDNCASE"]: r["NAT"] for r in _raw(release / "A_TblCase.csv")}
    nationality = {r["IDNPROCEEDING"]: r["NAT"] or case_nat.get(r["IDNCASE"])
                   for r in _raw(release / "B_TblProceeding.csv")}
    # Decision codes the release's own lookup lists; an application whose latest record holds
    # any other code (N, ????, dates, as real releases do) is left out and counted apart.
    known = {r["strCode"] for r in _raw(release / "Lookup/tblLookupCourtAppDecisions.csv")}
    # One application per (case, filing date), placed by its latest record's proceeding.
    latest = {}
    for row in _raw(tmp_path / "release/tbl_Court_Appln.csv"):
        if row["APPL_CODE"] == "ASYL" and row["APPL_RECD_DATE"] and \
                row["IDNPROCEEDING"] in nationality:
            key = (row["IDNCASE"], row["APPL_RECD_DATE"])
            if key not in latest or int(row["IDNPROCEEDINGAPPLN"]) > \
                    int(latest[key]["IDNPROCEEDINGAPPLN"]):
                latest[key] = row
    expected, cases = Counter(), {}
    left_out = 0
    for row in latest.values():
        if row["APPL_DEC"] and row["APPL_DEC"] not in known:
            left_out += 1
            continue
        nat = nationality[row["IDNPROCEEDING"]]
        expected[nat] += 1
        cases.setdefault(nat, set()).add(row["IDNCASE"])
    table, provenance = filings(ApplicationQuestion(by=("nationality",)), home=home)
    got = {r["nationality"]: (r["applications"], r["cases"]) for r in table.to_pylist()}
    assert got == {nat: (n, len(cases[nat])) for nat, n in expected.items()}
    assert provenance["excluded"]["unknown_decision_code"] == left_out
