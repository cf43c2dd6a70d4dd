"""Asylum rates: planted cells come back exactly, a hand-made release gives the answers worked
out below, and a plain-Python count over the raw files agrees with the engine."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from immtrack.ingest import ingest_eoir
from immtrack.metrics.applications import ApplicationQuestion, backlog, cohort
from immtrack.metrics.asylum import AsylumQuestion, asylum
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


@pytest.fixture(scope="module")
def hand_made(tmp_path_factory) -> Path:
    """Seven Russian removal cases, worked by hand in the tests below.

    Case 1 (C_ASY_TYPE E: defensive) filed for asylum on 2021-09-15; denied (and withholding
    denied) in its first proceeding on 2022-05-01 with voluntary departure (V); after a remand
    the same application was granted on 2023-03-01 with relief (R): decided in two fiscal
    years. Court counsel (ALIEN, COURT) appeared on 2022-06-01, after its first hearing
    (2022-03-01).
    Case 2 (I: affirmative) is an active family rider of case 1 (blnActive 1): filed
    2021-10-20, granted 2023-03-01 (R). Only a government attorney (INS) and Board-level
    counsel (an appeal: STRATTYLEVEL BOARD) appear for it: not represented in court.
    Case 3 (J: unknown) filed 2022-01-05, withdrew asylum (W) on 2023-01-10 but got CAT
    protection (L) and a removal order (X); custody history D: held.
    Case 4 (blank: unknown) filed 2022-03-01 and is pending.
    Case 5 (E) is a severed rider of case 1 (blnActive 0: not a rider); its custody history
    holds only N (never detained). Filed 2022-02-01; its proceeding was completed on
    2022-08-01 (terminated, T) with no asylum decision: closed without decision.
    Case 6 (E) filed 2022-06-01, denied on 2022-11-01 (X), remanded, granted on 2023-04-01
    (R): decided twice in FY2023. Its court counsel has no E-28 date.
    Case 7 (E) filed 2022-09-01; its first proceeding ended in a change of venue on
    2022-10-15 (OTHER_COMP C, application T), the next one denied asylum on 2023-05-01 (X).
    """
    root = tmp_path_factory.mktemp("hand")
    kinds = {1: "E", 2: "I", 3: "J", 4: "", 5: "E", 6: "E", 7: "E"}
    cases = [{"IDNCASE": i, "NAT": "RU", "CUSTODY": "N", "C_ASY_TYPE": kind}
             for i, kind in kinds.items()]

    def proceeding(idn, case, completed=None, decision=None, other=None):
        return {"IDNPROCEEDING": idn, "IDNCASE": case, "NAT": "RU", "CUSTODY": "N",
                "CASE_TYPE": "RMV", "COMP_DATE": completed and f"{completed} 00:00:00.000",
                "DEC_CODE": decision, "OTHER_COMP": other}

    def application(idn, proceeding_id, case, code, filed, decision=None):
        return {"IDNPROCEEDINGAPPLN": idn, "IDNPROCEEDING": proceeding_id, "IDNCASE": case,
                "APPL_CODE": code, "APPL_RECD_DATE": f"{filed} 00:00:00.000",
                "APPL_DEC": decision}

    proceedings = [proceeding(11, 1, "2022-05-01", "V"), proceeding(12, 1, "2023-03-01", "R"),
                   proceeding(21, 2, "2023-03-01", "R"), proceeding(31, 3, "2023-01-10", "X"),
                   proceeding(41, 4), proceeding(51, 5, "2022-08-01", "T"),
                   proceeding(61, 6, "2022-11-01", "X"), proceeding(62, 6, "2023-04-01", "R"),
                   proceeding(71, 7, "2022-10-15", other="C"),
                   proceeding(72, 7, "2023-05-01", "X")]
    applications = [
        application(101, 11, 1, "ASYL", "2021-09-15", "D"),
        application(103, 11, 1, "ASYW", "2021-09-15", "D"),
        application(102, 12, 1, "ASYL", "2021-09-15", "G"),
        application(201, 21, 2, "ASYL", "2021-10-20", "G"),
        application(301, 31, 3, "ASYL", "2022-01-05", "W"),
        application(303, 31, 3, "WCAT", "2022-01-05", "L"),
        application(401, 41, 4, "ASYL", "2022-03-01"),
        application(501, 51, 5, "ASYL", "2022-02-01"),
        application(601, 61, 6, "ASYL", "2022-06-01", "D"),
        application(602, 62, 6, "ASYL", "2022-06-01", "G"),
        application(701, 71, 7, "ASYL", "2022-09-01", "T"),
        application(702, 72, 7, "ASYL", "2022-09-01", "D")]

    def counsel(idn, case, kind, level, e28=None):
        return {"IDNREPSASSIGNED": idn, "IDNCASE": case, "STRATTYTYPE": kind,
                "STRATTYLEVEL": level, "E_28_DATE": e28 and f"{e28} 00:00:00.000"}

    reps = [counsel(1, 1, "ALIEN", "COURT", "2022-06-01"), counsel(2, 2, "INS", "COURT"),
            counsel(3, 2, "ALIEN", "BOARD", "2021-11-01"), counsel(4, 6, "ALIEN", "COURT")]
    hearings = [{"IDNSCHEDULE": 1, "IDNPROCEEDING": 11, "IDNCASE": 1,
                 "ADJ_DATE": "2022-03-01 00:00:00.000"}]
    custody = [{"IDNCUSTODY": 1, "IDNCASE": 3, "CUSTODY": "D",
                "DATDETAINED": "2022-01-01 00:00:00.000"},
               {"IDNCUSTODY": 2, "IDNCASE": 5, "CUSTODY": "N"}]
    riders = [{"idnLeadRider": 1, "idnLeadCase": 1, "idnRiderCase": 2, "blnActive": "1"},
              {"idnLeadRider": 2, "idnLeadCase": 1, "idnRiderCase": 5, "blnActive": "0"}]
    write_release(root / "release", {
        "A_TblCase": cases, "B_TblProceeding": proceedings, "tbl_Court_Appln": applications,
        "tbl_Lead_Rider": riders, "tbl_RepsAssigned": reps, "tbl_schedule": hearings,
        "tbl_CustodyHistory": custody})
    ingest_eoir(root / "home", str(root / "release"))
    return root / "home"


def _ask(home: Path, **options) -> dict[str, tuple[int, int]]:
    return _rates(asylum(AsylumQuestion(nationality="RU", **options), home=home))


def test_every_definition_gives_the_hand_worked_answer(hand_made):
    every = _ask(hand_made)
    # TRAC (merits): one grant or denial per case per fiscal year, the year's last:
    # case 1 FY2022 deny, case 1 FY2023 grant, case 2 grant, case 6 FY2023 grant (its 2023-04
    # grant is later than its 2022-11 denial), case 7 deny: 3 grants of 5.
    assert every["merits"] == (3, 5)
    # EOIR: the decision of each case's initial completion: case 1's 2022 denial, case 2's
    # grant, case 3's withdrawal (other), case 6's first denial, case 7's denial in the
    # proceeding after its change of venue (a change of venue is not a completion); case 5's
    # initial completion decided nothing on asylum. 1 grant of 5.
    assert every["eoir_completion"] == (1, 5)
    # Every decision record: grants 3 (case 1 2023, case 2, case 6 2023), denials 3 (case 1
    # 2022, case 6 2022, case 7), other 1 (case 3): 7.
    assert every["denial"] == (3, 7) and every["other_share"] == (1, 7)
    # Protection: the 3 grants plus case 3's CAT protection; no denial got other protection.
    assert every["protection"] == (4, 7) and every["denial_without_other_relief"] == (3, 7)
    # Court decisions of the 7 deciding proceedings: R (12, 21, 62) stay; X (31, 61, 72)
    # removal; V (11) voluntary departure.
    assert (every["allowed_to_stay"], every["removal_order"], every["voluntary_departure"]) \
        == ((3, 7), (3, 7), (1, 7))
    answer = asylum(AsylumQuestion(nationality="RU"), home=hand_made)
    units = {r["definition"]: r["unit"] for r in answer.table.to_pylist()}
    assert units["merits"] == "case_fiscal_year" and units["eoir_completion"] == \
        "initial_completions" and units["denial"] == "decisions"
    assert any(n.startswith("Unit case_fiscal_year: TRAC") for n in answer.notes)


def test_units_riders_and_dates_change_what_is_counted(hand_made):
    # Every definition counted per case (the last decision of each case): cases 1, 2, 6 grant,
    # 7 deny, 3 other.
    cases = _ask(hand_made, unit="cases")
    assert (cases["merits"], cases["eoir_completion"]) == ((3, 4), (3, 5))
    assert any("no longer" in n for n in asylum(
        AsylumQuestion(nationality="RU", unit="cases"), home=hand_made).notes)
    # Every decision: 3 grants of 6 grants and denials.
    assert _ask(hand_made, unit="decisions")["merits"] == (3, 6)
    # Without riders case 2 (active rider) drops; case 5 (severed) is not a rider.
    no_riders = _ask(hand_made, rider=False)
    assert (no_riders["merits"], no_riders["eoir_completion"]) == ((2, 4), (0, 4))
    assert _ask(hand_made, rider=True)["merits"] == (1, 1)
    by_year = asylum(AsylumQuestion(nationality="RU", by=("fiscal_year",),
                                    definitions=("merits",)), home=hand_made).table.to_pylist()
    assert [(r["fiscal_year"], r["numerator"], r["n"]) for r in by_year] == \
        [(2022, 0, 1), (2023, 3, 4)]
    # Filed in FY2022 (2021-10-01 to 2022-09-30), whenever decided: cases 2, 3, 6, 7.
    filed = _ask(hand_made, fiscal_year=2022, date_basis="filing")
    assert filed["merits"] == (2, 3) and filed["eoir_completion"] == (1, 4)


def test_asylum_type_reads_who_started_the_clock(hand_made):
    # I (affirmative): case 2 only. E (defensive): cases 1, 5, 6, 7. J and blank (cases 3
    # and 4) are unknown, on neither side.
    assert _ask(hand_made, asylum_type="affirmative")["merits"] == (1, 1)
    assert _ask(hand_made, asylum_type="defensive")["merits"] == (2, 4)
    unknown = _ask(hand_made, asylum_type="unknown")
    assert unknown["merits"] == (0, 0) and unknown["eoir_completion"] == (0, 1)


def test_custody_and_representation_come_from_their_own_tables(hand_made):
    # Held: only case 3 (custody D), whose one decision is "other"; case 5's only custody
    # record is N (never detained).
    assert _ask(hand_made, ever_detained=True)["eoir_completion"] == (0, 1)
    assert _ask(hand_made, ever_detained=False)["eoir_completion"] == (1, 4)
    # Court counsel for the noncitizen: cases 1 and 6 (case 6's row has no date). Case 2's
    # rows are a government attorney and Board-level counsel: not represented in court.
    assert _ask(hand_made, represented=True)["merits"] == (2, 3)
    assert _ask(hand_made, represented=False)["merits"] == (1, 2)
    # Case 1's counsel came after its first hearing, case 6's has no date: nobody counts as
    # represented at the first hearing.
    at_first = _ask(hand_made, represented=True, represented_at="first_hearing")
    assert at_first["merits"] == (0, 0)
    # At decision: case 1's 2023 grant (counsel since 2022-06-01) only.
    rows = asylum(AsylumQuestion(by=("represented_at_decision",), definitions=("merits",)),
                  home=hand_made).table.to_pylist()
    assert [(r["represented_at_decision"], r["numerator"], r["n"]) for r in rows] == \
        [(False, 2, 4), (True, 1, 1)]


def test_cohorts_and_backlog_follow_each_application(hand_made):
    # Seven applications (case 1's, 6's and 7's count once each, by their latest record). As
    # of 2023-06-30: granted 3 (cases 1, 2, 6), denied 1 (case 7), other 1 (case 3), closed
    # without decision 1 (case 5), pending 1 (case 4).
    table, provenance = cohort(ApplicationQuestion(nationality="RU"), as_of=date(2023, 6, 30),
                               home=hand_made)
    shares = {r["outcome"]: (r["applications"], r["n"]) for r in table.to_pylist()}
    assert shares == {"grant": (3, 7), "deny": (1, 7), "other": (1, 7),
                      "closed_without_decision": (1, 7), "pending": (1, 7)}
    assert provenance["options"]["as_of"] == date(2023, 6, 30)
    # Filed up to 2022-01-31 (cases 1, 2, 3), as of 2023-02-01: only case 3's withdrawal
    # (2023-01-10) is decided.
    table, _ = cohort(ApplicationQuestion(until=date(2022, 1, 31)), as_of=date(2023, 2, 1),
                      home=hand_made)
    shares = {r["outcome"]: r["applications"] for r in table.to_pylist()}
    assert shares == {"grant": 0, "deny": 0, "other": 1, "closed_without_decision": 0,
                      "pending": 2}
    # A slice with no applications (found by bench/api.py: it used to fail) is all zeros.
    table, _ = cohort(ApplicationQuestion(nationality="ZZ"), as_of=date(2023, 6, 30),
                      home=hand_made)
    assert [(r["applications"], r["n"], r["share"]) for r in table.to_pylist()] == \
        [(0, 0, None)] * 5
    # Pending on 2021-12-31: cases 1 and 2 had filed. On 2023-02-01: cases 1, 2, 4, 6 and 7
    # (decided later); case 3 was decided and case 5 closed without decision before.
    for at, expected in ((date(2021, 12, 31), 2), (date(2023, 2, 1), 5)):
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
        {"grant": 3, "deny": 1, "other": 1, "closed_without_decision": 1, "pending": 1}
    assert payload["provenance"]["metric"] == "cohort"
    backlog_rows = json.loads(cli("backlog", "--at", "2021-12-31", "--format", "json").stdout)
    assert backlog_rows["rows"] == [{"pending_applications": 2, "pending_cases": 2}]
    for bad in (("backlog", "--at", "2021-02-30"), ("asylum", "--unit", "people"),
                ("asylum", "--represented", "--represented-at", "lunch")):
        result = cli(*bad)
        assert result.exit_code == 2, (bad, result.output)
