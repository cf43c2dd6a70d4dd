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
    assert russia == {"merits": (85, 100), "eoir_completion": (85, 100), "denial": (15, 100),
                      "other_share": (0, 100)}
    ukraine = _rates(asylum(nationality="UE", fiscal_year=2022, home=home))
    assert ukraine == {"merits": (30, 40), "eoir_completion": (30, 45), "denial": (10, 45),
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
        text = stream.read().replace("\x00", "")
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


def test_a_hand_made_release_gives_the_hand_worked_answers(tmp_path):
    # Case 1 (RU) was denied in its first proceeding (May 2022) and granted after a remand
    # (March 2023). Case 2 (RU) is a family rider of case 1, granted in March 2023. Case 3 (RU)
    # withdrew (January 2023). Case 4 (RU) is pending.
    cases = [{"IDNCASE": i, "NAT": "RU", "CUSTODY": "N"} for i in (1, 2, 3, 4)]
    proceedings = [
        {"IDNPROCEEDING": 11, "IDNCASE": 1, "NAT": "RU", "CUSTODY": "N", "CASE_TYPE": "RMV",
         "COMP_DATE": "2022-05-01 00:00:00.000"},
        {"IDNPROCEEDING": 12, "IDNCASE": 1, "NAT": "RU", "CUSTODY": "N", "CASE_TYPE": "RMV",
         "COMP_DATE": "2023-03-01 00:00:00.000"},
        {"IDNPROCEEDING": 21, "IDNCASE": 2, "NAT": "RU", "CUSTODY": "N", "CASE_TYPE": "RMV",
         "COMP_DATE": "2023-03-01 00:00:00.000"},
        {"IDNPROCEEDING": 31, "IDNCASE": 3, "NAT": "RU", "CUSTODY": "N", "CASE_TYPE": "RMV",
         "COMP_DATE": "2023-01-10 00:00:00.000"},
        {"IDNPROCEEDING": 41, "IDNCASE": 4, "NAT": "RU", "CUSTODY": "N", "CASE_TYPE": "RMV"},
    ]
    applications = [
        {"IDNPROCEEDINGAPPLN": 101, "IDNPROCEEDING": 11, "IDNCASE": 1, "APPL_CODE": "ASYL",
         "APPL_DEC": "D"},
        {"IDNPROCEEDINGAPPLN": 102, "IDNPROCEEDING": 12, "IDNCASE": 1, "APPL_CODE": "ASYL",
         "APPL_DEC": "G"},
        {"IDNPROCEEDINGAPPLN": 201, "IDNPROCEEDING": 21, "IDNCASE": 2, "APPL_CODE": "ASYL",
         "APPL_DEC": "G"},
        {"IDNPROCEEDINGAPPLN": 301, "IDNPROCEEDING": 31, "IDNCASE": 3, "APPL_CODE": "ASYL",
         "APPL_DEC": "W"},
        {"IDNPROCEEDINGAPPLN": 401, "IDNPROCEEDING": 41, "IDNCASE": 4, "APPL_CODE": "ASYL"},
    ]
    riders = [{"idnLeadRider": 1, "idnLeadCase": 1, "idnRiderCase": 2}]
    write_release(tmp_path / "release", {"A_TblCase": cases, "B_TblProceeding": proceedings,
                                          "tbl_Court_Appln": applications,
                                          "tbl_Lead_Rider": riders})
    home = tmp_path / "home"
    ingest_eoir(home, str(tmp_path / "release"))
    # Every decision: grants 2 (case 1 in 2023, case 2), denials 1, other 1 (case 3).
    assert _rates(asylum(AsylumQuestion(nationality="RU"), home=home))["merits"] == (2, 3)
    assert _rates(asylum(AsylumQuestion(nationality="RU"), home=home))["eoir_completion"] \
        == (2, 4)
    # Last decision per case: case 1 counts once, as its 2023 grant: 2 grants, 1 other.
    last = _rates(asylum(AsylumQuestion(nationality="RU", decisions="last"), home=home))
    assert (last["merits"], last["eoir_completion"]) == ((2, 2), (2, 3))
    # Without riders case 2 drops: 1 grant, 1 denial, 1 other.
    no_riders = _rates(asylum(AsylumQuestion(nationality="RU", riders=False), home=home))
    assert (no_riders["merits"], no_riders["eoir_completion"]) == ((1, 2), (1, 3))
    # Since 2022-06-01 (after case 1's denial): grants 2, other 1.
    since = _rates(asylum(AsylumQuestion(nationality="RU", since=date(2022, 6, 1)), home=home))
    assert since["merits"] == (2, 2) and since["other_share"] == (1, 3)
    by_year = asylum(AsylumQuestion(nationality="RU", by=("fiscal_year",),
                                    definitions=("merits",)), home=home).table.to_pylist()
    assert [(r["fiscal_year"], r["numerator"], r["n"]) for r in by_year] == \
        [(2022, 0, 1), (2023, 2, 2)]


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
