"""Asylum rates: planted cells come back exactly, a hand-made release gives the answers worked
out below, and a plain-Python count over the raw files agrees with the engine."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from immtrack.ingest import ingest_eoir
from immtrack.metrics.applications import ApplicationQuestion, backlog, cohort
from immtrack.metrics.asylum import AsylumQuestion, asylum
from immtrack.schema.eoir import APPLICATION_DECISIONS
from immtrack.synth.eoir import PlantedCell, write_eoir_release
from tests.support.eoir_release import write_release


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("asylum")
    write_eoir_release(root / "release", 8000, seed=21,
                       planted=[PlantedCell("RU", 2023, 85, 15),
                                PlantedCell("UE", 2022, 30, 10, 5)])
    ingest_eoir(root / "home", str(root / "release"))
    return root / "release", root / "home"


def _rates(answer) -> dict[str, tuple[int, int]]:
    return {r["definition"]: (r["numerator"], r["n"]) for r in answer.table.to_pylist()}


def test_planted_cells_come_back_exactly(generated):
    _, home = generated
    russia = _rates(asylum(nationality="RU", fiscal_year=2023, home=home))
    assert {k: russia[k] for k in ("merits", "eoir_completion", "denial", "other_share")} == {
        "merits": (85, 100), "eoir_completion": (85, 100), "denial": (15, 100),
        "other_share": (0, 100)}
    ukraine = _rates(asylum(nationality="UE", fiscal_year=2022, home=home))
    assert {k: ukraine[k] for k in ("merits", "eoir_completion", "denial", "other_share")} \
        == {"merits": (30, 40), "eoir_completion": (30, 45), "denial": (10, 45),
            "other_share": (5, 45)}


def test_the_interval_brackets_the_rate_and_small_cells_are_flagged(generated):
    _, home = generated
    rows = asylum(nationality="UE", fiscal_year=2022, definitions=("merits",),
                  home=home).table.to_pylist()
    assert rows[0]["ci95_low"] < rows[0]["rate"] == 0.75 < rows[0]["ci95_high"]
    assert rows[0]["small_n"] is False
    small = asylum(nationality="UE", fiscal_year=2022, custody="D", home=home)
    assert all(r["small_n"] for r in small.table.to_pylist())


def _raw(path: Path) -> list[dict]:
    with open(path, encoding="latin-1", newline="") as stream:
        # The same repairs the ingest makes: NUL bytes and stray quotes dropped.
        text = stream.read().replace("\x00", "").replace('"', "")
    return list(csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE))


def test_a_plain_python_count_over_the_raw_files_agrees(generated):
    release, home = generated
    proceedings = {r["IDNPROCEEDING"]: r for r in _raw(release / "B_TblProceeding.csv")}
    outcome = {code: d.outcome for code, d in APPLICATION_DECISIONS.items()}
    expected = Counter()
    for row in _raw(release / "tbl_Court_Appln.csv"):
        proceeding = proceedings.get(row["IDNPROCEEDING"])
        if row["APPL_CODE"] != "ASYL" or not row["APPL_DEC"] or not proceeding \
                or not proceeding["COMP_DATE"]:
            continue
        expected[(proceeding["CUSTODY"], outcome[row["APPL_DEC"]])] += 1
    rows = asylum(by=("custody",), definitions=("merits",), home=home).table.to_pylist()
    for row in rows:
        grants, denials = expected[(row["custody"], "grant")], expected[(row["custody"], "deny")]
        assert (row["numerator"], row["n"]) == (grants, grants + denials), row["custody"]


@pytest.fixture(scope="module")
def hand_made(tmp_path_factory) -> Path:
    """Four Russian cases, worked by hand in the tests below.

    Case 1 filed for asylum on 2021-09-15; denied (and withholding denied) in its first
    proceeding on 2022-05-01, with voluntary departure (V); after a remand the same application
    was granted on 2023-03-01 with relief (R). Counsel for case 1 appeared on 2022-06-01, after
    its first hearing (2022-03-01). Case 2 is a family rider of case 1: filed 2021-10-20,
    granted 2023-03-01 (R); only a government attorney (INS) appears for it. Case 3 filed
    2022-01-05, withdrew asylum (W) on 2023-01-10 but got CAT protection (L) and a removal
    order (X); it has a custody history. Case 4 filed 2022-03-01 and is pending.
    """
    root = tmp_path_factory.mktemp("hand")
    cases = [{"IDNCASE": i, "NAT": "RU", "CUSTODY": "N"} for i in (1, 2, 3, 4)]

    def proceeding(idn, case, completed=None, decision=None):
        return {"IDNPROCEEDING": idn, "IDNCASE": case, "NAT": "RU", "CUSTODY": "N",
                "CASE_TYPE": "RMV", "COMP_DATE": completed and f"{completed} 00:00:00.000",
                "DEC_CODE": decision}

    def application(idn, proceeding_id, case, code, filed, decision=None):
        return {"IDNPROCEEDINGAPPLN": idn, "IDNPROCEEDING": proceeding_id, "IDNCASE": case,
                "APPL_CODE": code, "APPL_RECD_DATE": f"{filed} 00:00:00.000",
                "APPL_DEC": decision}

    proceedings = [proceeding(11, 1, "2022-05-01", "V"), proceeding(12, 1, "2023-03-01", "R"),
                   proceeding(21, 2, "2023-03-01", "R"), proceeding(31, 3, "2023-01-10", "X"),
                   proceeding(41, 4)]
    applications = [
        application(101, 11, 1, "ASYL", "2021-09-15", "D"),
        application(103, 11, 1, "ASYW", "2021-09-15", "D"),
        application(102, 12, 1, "ASYL", "2021-09-15", "G"),
        application(201, 21, 2, "ASYL", "2021-10-20", "G"),
        application(301, 31, 3, "ASYL", "2022-01-05", "W"),
        application(303, 31, 3, "WCAT", "2022-01-05", "L"),
        application(401, 41, 4, "ASYL", "2022-03-01")]
    reps = [{"IDNREPSASSIGNED": 1, "IDNCASE": 1, "STRATTYTYPE": "ALIEN",
             "E_28_DATE": "2022-06-01 00:00:00.000"},
            {"IDNREPSASSIGNED": 2, "IDNCASE": 2, "STRATTYTYPE": "INS",
             "E_28_DATE": "2021-11-01 00:00:00.000"}]
    hearings = [{"IDNSCHEDULE": 1, "IDNPROCEEDING": 11, "IDNCASE": 1,
                 "ADJ_DATE": "2022-03-01 00:00:00.000"}]
    custody = [{"IDNCUSTODY": 1, "IDNCASE": 3, "CUSTODY": "D",
                "DATDETAINED": "2022-01-01 00:00:00.000"}]
    write_release(root / "release", {
        "A_TblCase": cases, "B_TblProceeding": proceedings, "tbl_Court_Appln": applications,
        "tbl_Lead_Rider": [{"idnLeadRider": 1, "idnLeadCase": 1, "idnRiderCase": 2}],
        "tbl_RepsAssigned": reps, "tbl_schedule": hearings, "tbl_CustodyHistory": custody})
    ingest_eoir(root / "home", str(root / "release"))
    return root / "home"


def _ask(home: Path, **options) -> dict[str, tuple[int, int]]:
    return _rates(asylum(AsylumQuestion(nationality="RU", **options), home=home))


def test_every_definition_gives_the_hand_worked_answer(hand_made):
    # Every decision: grants 2 (case 1 in 2023, case 2), denials 1 (case 1 in 2022), other 1
    # (case 3's withdrawal): 4 final decisions.
    every = _ask(hand_made)
    assert every["merits"] == (2, 3) and every["eoir_completion"] == (2, 4)
    assert every["denial"] == (1, 4) and every["other_share"] == (1, 4)
    # Protection: the 2 grants plus case 3's CAT protection; the one denial got no other
    # protection (its withholding was denied too).
    assert every["protection"] == (3, 4) and every["denial_without_other_relief"] == (1, 4)
    # Court decisions of the deciding proceedings: R (12), R (21) stay; V (11) voluntary
    # departure; X (31) removal.
    assert (every["allowed_to_stay"], every["removal_order"], every["voluntary_departure"]) \
        == ((2, 4), (1, 4), (1, 4))


def test_units_riders_and_dates_change_what_is_counted(hand_made):
    # Last decision per case, or per application (case 1's remanded application is one
    # application): case 1 counts once, as its 2023 grant: 2 grants, 1 other.
    for unit in ("cases", "applications"):
        last = _ask(hand_made, unit=unit)
        assert (last["merits"], last["eoir_completion"]) == ((2, 2), (2, 3)), unit
    # Without riders case 2 drops: 1 grant, 1 denial, 1 other.
    no_riders = _ask(hand_made, rider=False)
    assert (no_riders["merits"], no_riders["eoir_completion"]) == ((1, 2), (1, 3))
    # Since 2022-06-01 (after case 1's denial): grants 2, other 1.
    since = _ask(hand_made, since=date(2022, 6, 1))
    assert since["merits"] == (2, 2) and since["other_share"] == (1, 3)
    by_year = asylum(AsylumQuestion(nationality="RU", by=("fiscal_year",),
                                    definitions=("merits",)), home=hand_made).table.to_pylist()
    assert [(r["fiscal_year"], r["numerator"], r["n"]) for r in by_year] == \
        [(2022, 0, 1), (2023, 2, 2)]
    # Filed in FY2022 (2021-10-01 to 2022-09-30), whenever decided: case 2's grant and case
    # 3's withdrawal (case 1 filed in FY2021).
    filed = _ask(hand_made, fiscal_year=2022, date_basis="filing")
    assert filed["merits"] == (1, 1) and filed["eoir_completion"] == (1, 2)


def test_custody_and_representation_come_from_their_own_tables(hand_made):
    # Ever detained: only case 3 (custody history), whose one decision is "other".
    assert _ask(hand_made, ever_detained=True)["eoir_completion"] == (0, 1)
    # Counsel (ALIEN) only in case 1; the INS row of case 2 is the government's attorney.
    assert _ask(hand_made, represented=True)["merits"] == (1, 2)
    assert _ask(hand_made, represented=False)["merits"] == (1, 1)
    # Case 1's counsel came after its first hearing: nobody was represented at it.
    at_first = _ask(hand_made, represented=True, represented_at="first_hearing")
    assert at_first["merits"] == (0, 0)
    # At decision: case 1's 2023 grant (counsel since 2022-06-01) but not its 2022 denial.
    rows = asylum(AsylumQuestion(by=("represented_at_decision",), definitions=("merits",)),
                  home=hand_made).table.to_pylist()
    assert [(r["represented_at_decision"], r["numerator"], r["n"]) for r in rows] == \
        [(False, 1, 2), (True, 1, 1)]


def test_cohorts_and_backlog_follow_each_application(hand_made):
    # Four applications (case 1's counts once). As of 2023-06-30: granted 2 (case 1 on
    # 2023-03-01, case 2), other 1 (case 3), pending 1 (case 4).
    table, provenance = cohort(ApplicationQuestion(nationality="RU"), as_of=date(2023, 6, 30),
                               home=hand_made)
    shares = {r["outcome"]: (r["applications"], r["n"]) for r in table.to_pylist()}
    assert shares == {"grant": (2, 4), "deny": (0, 4), "other": (1, 4), "pending": (1, 4)}
    assert provenance["options"]["as_of"] == date(2023, 6, 30)
    # As of 2023-02-01 only case 3's withdrawal (2023-01-10) is decided; case 4 filed later
    # than 2022-01-01 falls out of a cohort filed up to then.
    table, _ = cohort(ApplicationQuestion(until=date(2022, 1, 31)), as_of=date(2023, 2, 1),
                      home=hand_made)
    shares = {r["outcome"]: r["applications"] for r in table.to_pylist()}
    assert shares == {"grant": 0, "deny": 0, "other": 1, "pending": 2}
    # A slice with no applications (found by bench/api.py: it used to fail) is all zeros.
    table, _ = cohort(ApplicationQuestion(nationality="ZZ"), as_of=date(2023, 6, 30),
                      home=hand_made)
    assert [(r["applications"], r["n"], r["share"]) for r in table.to_pylist()] == \
        [(0, 0, None)] * 4
    # Pending on 2021-12-31: cases 1 and 2 had filed; on 2023-02-01: cases 1, 2 and 4 (case
    # 1's application was decided again only on 2023-03-01).
    for at, expected in ((date(2021, 12, 31), 2), (date(2023, 2, 1), 3)):
        table, _ = backlog(ApplicationQuestion(), at=at, home=hand_made)
        assert table.to_pylist() == [{"pending_applications": expected,
                                      "pending_cases": expected}]


def test_the_cli_answers_in_json_with_provenance(generated, cli):
    _, home = generated
    cli.home = home
    result = cli("asylum", "--nationality", "RU", "--fy", "2023", "--definition", "merits",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["rows"][0]["numerator"] == 85 and payload["rows"][0]["n"] == 100
    assert payload["provenance"]["releases"][0]["is_synthetic"] is True
    assert "grants / (grants + denials)" in payload["provenance"]["definitions"]["merits"]
    bad = cli("asylum", "--by", "planet")
    assert bad.exit_code == 2 and "planet" in bad.stderr


def test_answers_carry_provenance_in_the_arrow_table_and_the_cli(hand_made, cli):
    answer = asylum(AsylumQuestion(nationality="RU", unit="cases"), home=hand_made)
    stored = json.loads(answer.table.schema.metadata[b"immtrack.provenance"])
    assert stored["filters"] == {"nationality": "RU"} and stored["options"]["unit"] == "cases"
    assert stored["releases"][0]["is_synthetic"] is False  # written by hand, not generated
    cli.home = hand_made
    result = cli("cohort", "--nationality", "RU", "--as-of", "2023-06-30", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {r["outcome"]: r["applications"] for r in payload["rows"]} == \
        {"grant": 2, "deny": 0, "other": 1, "pending": 1}
    assert payload["provenance"]["metric"] == "cohort"
    backlog_rows = json.loads(cli("backlog", "--at", "2021-12-31", "--format", "json").stdout)
    assert backlog_rows["rows"] == [{"pending_applications": 2, "pending_cases": 2}]
    for bad in (("backlog", "--at", "2021-02-30"), ("asylum", "--unit", "people"),
                ("asylum", "--represented", "--represented-at", "lunch")):
        result = cli(*bad)
        assert result.exit_code == 2, (bad, result.output)
