"""New cases, outcomes with in absentia, MPP enrolments and bond amounts agree with a
plain-Python recount over the raw files of a generated release.

The recount reads the files with the csv module and decides every rule from the release
itself, not from immtrack's registry: what a court decision means comes from the descriptions
in the release's own court-decision lookup (keyed by case type and code), which hearing
locations are MPP courts from its tblLookupHloc, which case identifier marks MPP from its
tblLookUpCaseIdentifier.
"""

from __future__ import annotations

import csv
import statistics
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from immtrack.ingest import ingest_eoir
from immtrack.metrics.bond import bond
from immtrack.metrics.mpp import mpp
from immtrack.metrics.new_cases import new_cases
from immtrack.metrics.outcomes import outcomes
from immtrack.synth.eoir import write_eoir_release


def _raw(path: Path) -> list[dict]:
    with open(path, encoding="latin-1", newline="") as stream:
        text = stream.read().replace("\x00", "").replace('"', "")
    reader = csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    return [{k: (v.strip() if v.strip() not in ("N/A",) else "") for k, v in row.items()}
            for row in reader if None not in row and None not in row.values()]


def _fiscal_year(stamp: str) -> int:
    day = date.fromisoformat(stamp[:10])
    return day.year + (day.month >= 10)


def _group(description: str) -> str:
    """The six outcome groups, in the words of the court-decision lookup."""
    text = description.lower()
    if "venue" in text or "transfer" in text:
        return "transfer"
    if "zero bond" in text:
        return "other"
    if "admin" in text and "clos" in text or "temporary protected status" in text:
        return "admin_closure"
    if text.startswith(("remove", "deport", "exclude")):
        return "removal_order"
    if "voluntary departure" in text:
        return "voluntary_departure"
    if "terminat" in text or "dismiss" in text or "failure to prosecute" in text:
        return "terminated"
    if any(w in text for w in ("grant", "relief", "haitian", "legally admitted",
                               "maintains legal status")):
        return "relief"
    return "other"


class Release:
    def __init__(self, folder: Path):
        lookup = folder / "Lookup"
        self.groups = {(r["strCaseType"], r["strDecType"], r["strDecCode"]):
                       _group(r["strDecDescription"])
                       for r in _raw(lookup / "tblLookupCourtDecision.csv")}
        self.mpp_locations = {r["HEARING_LOC_CODE"] for r in _raw(lookup / "tblLookupHloc.csv")
                              if r["HEARING_LOC_NAME"].upper().startswith("MPP")}
        self.mpp_ids = {r["strCode"] for r in _raw(lookup / "tblLookUpCaseIdentifier.csv")
                        if "MIGRANT PROTECTION" in r["strDescription"].upper()}
        self.case_nat = {r["IDNCASE"]: r["NAT"] for r in _raw(folder / "A_TblCase.csv")}
        self.proceedings = _raw(folder / "B_TblProceeding.csv")
        for row in self.proceedings:
            row["nationality"] = row["NAT"] or self.case_nat.get(row["IDNCASE"], "")
        self.identifiers = _raw(folder / "A_TblCaseIdentifier.csv")
        self.bonds = _raw(folder / "D_TblAssociatedBond.csv")

    def group_of(self, row: dict) -> str | None:
        kind, code = ("C", row["DEC_CODE"]) if row["DEC_CODE"] else ("O", row["OTHER_COMP"])
        if not code:
            return None
        return self.groups.get((row["CASE_TYPE"], kind, code), "unclassified")

    def new_cases(self, only: set[str] | None = None) -> Counter:
        """(nationality, NTA month) of each case: its earliest plausible OSC_DATE, its first
        proceeding's nationality."""
        first: dict[str, dict] = {}
        nta: dict[str, str] = {}
        for row in self.proceedings:
            case = row["IDNCASE"]
            if case not in first or int(row["IDNPROCEEDING"]) < int(
                    first[case]["IDNPROCEEDING"]):
                first[case] = row
            if row["OSC_DATE"] and int(row["OSC_DATE"][:4]) >= 1951:
                nta[case] = min(nta.get(case, "9999"), row["OSC_DATE"][:10])
        return Counter((first[c]["nationality"], nta[c][:7]) for c in first
                       if c in nta and (only is None or c in only))

    def completed_cases(self) -> Counter:
        """(nationality, fiscal year, group, in absentia) of each case's latest completion."""
        latest: dict[str, tuple] = {}
        for row in self.proceedings:
            if not row["COMP_DATE"] or self.group_of(row) == "transfer":
                continue
            key = (row["COMP_DATE"][:10], int(row["IDNPROCEEDING"]))
            if row["IDNCASE"] not in latest or key > latest[row["IDNCASE"]][0]:
                latest[row["IDNCASE"]] = (key, row)
        return Counter((row["nationality"], _fiscal_year(row["COMP_DATE"]), self.group_of(row),
                        row["ABSENTIA"].upper() == "Y") for _, row in latest.values())

    def mpp_cases(self) -> set[str]:
        marked = {r["IDNCASE"] for r in self.identifiers if r["CASE_ID"] in self.mpp_ids}
        heard = {r["IDNCASE"] for r in self.proceedings
                 if r["HEARING_LOC_CODE"] in self.mpp_locations}
        return marked | heard


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Release, Path]:
    root = tmp_path_factory.mktemp("court-recount")
    write_eoir_release(root / "release", 25_000, seed=17)
    ingest_eoir(root / "home", str(root / "release"))
    return Release(root / "release"), root / "home"


def test_new_cases_match_the_recount(generated):
    release, home = generated
    counted = Counter()
    for row in new_cases(by=("nationality", "month"), home=home).table.to_pylist():
        counted[(row["nationality"] or "", row["month"])] = row["new_cases"]
    assert counted == release.new_cases()
    russians = new_cases(nationality="RU", since=date(2021, 10, 1), until=date(2022, 9, 30),
                         by=("month",), home=home).table.to_pylist()
    expected = {m: n for (nat, m), n in release.new_cases().items()
                if nat == "RU" and "2021-10" <= m <= "2022-09"}
    assert {r["month"]: r["new_cases"] for r in russians} == expected and expected


def test_outcomes_and_in_absentia_match_the_recount(generated):
    release, home = generated
    recount = release.completed_cases()
    for year in (2019, 2022, 2024):
        expected = Counter()
        for (nat, fy, group, absent), n in recount.items():
            if fy == year and group not in (None, "unclassified"):
                expected[(nat, group)] += n
                expected[(nat, "known")] += n
                expected[(nat, "in_absentia")] += n * absent
        answer = outcomes(fiscal_year=year, by=("nationality",), home=home, definitions=(
            "removal_order", "voluntary_departure", "relief", "terminated", "admin_closure",
            "other", "in_absentia"))
        found = Counter()
        for row in answer.table.to_pylist():
            found[(row["nationality"] or "", row["definition"])] = row["numerator"]
            if row["definition"] == "relief":
                found[(row["nationality"] or "", "known")] = row["n"]
        assert +found == +expected, year
        assert sum(v for (_, g), v in expected.items() if g == "in_absentia") > 0


def test_mpp_enrolments_match_the_recount(generated):
    release, home = generated
    cases = release.mpp_cases()
    assert cases, "the generated release has MPP cases"
    expected = Counter()
    for (_, month), n in release.new_cases(only=cases).items():
        expected[month] += n
    found = {r["month"]: r["enrolments"] for r in mpp(by=("month",), home=home)
             .table.to_pylist()}
    assert found == dict(expected)
    assert all("2019-01" <= month <= "2022-08" for month in found)


def test_median_bond_matches_the_recount(generated):
    release, home = generated
    for year in (2019, 2023):
        amounts = [float(r["NEW_BOND"]) for r in release.bonds
                   if r["COMP_DATE"] and _fiscal_year(r["COMP_DATE"]) == year
                   and r["NEW_BOND"].replace(".", "", 1).isdigit()]
        p25, median, p75 = statistics.quantiles(amounts, n=4, method="inclusive")
        (row,) = bond(fiscal_year=year, home=home).table.to_pylist()
        assert (row["new_bond_p25"], row["new_bond_median"], row["new_bond_p75"]) == \
            pytest.approx((p25, median, p75))
        assert row["with_new_bond"] == len(amounts)
