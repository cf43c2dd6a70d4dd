"""The real CBP and OHSS files in ../shared/data, ingested and queried.

Every expected number is computed here a second way, straight from the raw file (csv module or
openpyxl), never copied from immtrack's output.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from immtrack.ingest import ingest_cbp
from immtrack.lake.listing import release_files_table, releases_table
from immtrack.metrics.encounters import EncounterQuestion, encounters
from tests.support.raw_cbp import khsm_sum

pytestmark = pytest.mark.shared

SOUTHWEST = "cbp/cbp_sw_border_fy22_fy25/sbo-encounters-fy22-fy25-aug.csv"
KHSM = "cbp/ohss_khsm/KHSM Encounters (USBP) fy25m11.xlsx"
STATE_SAMPLE = "cbp/tidytuesday_sample/cbp_state_fy2022_apr_sw_az_russia_ukraine_rows.csv"
FY_MONTH = {name: i for i, name in enumerate(
    ("OCT", "NOV", "DEC", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP"), 1)}


@pytest.fixture(scope="module")
def lake(shared_data: Path, tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("real") / "home"
    outcomes = ingest_cbp(home, [str(shared_data / f) for f in (SOUTHWEST, KHSM, STATE_SAMPLE)],
                          progress=False)
    assert [o.status for o in outcomes] == ["published"] * 3
    return home


@pytest.fixture(scope="module")
def southwest_rows(shared_data: Path) -> list[dict]:
    with open(shared_data / SOUTHWEST, newline="", encoding="utf-8-sig") as stream:
        return list(csv.DictReader(stream))


@pytest.fixture(scope="module")
def khsm(shared_data: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(shared_data / KHSM, read_only=True, data_only=True)
    sheets = {ws.title: [r for r in ws.iter_rows(min_row=2, values_only=True)
                         if any(c is not None for c in r)] for ws in book.worksheets}
    book.close()
    return sheets


def _fy(year: int) -> dict:
    return {"start": date(year - 1, 10, 1), "end": date(year, 9, 1)}


def test_every_row_of_every_file_is_loaded_and_counts_reconcile(lake, southwest_rows, khsm):
    files = release_files_table(lake).to_pylist()
    by_part = {(f["file_name"], f["part"]): f for f in files}
    assert by_part[("sbo-encounters-fy22-fy25-aug.csv", "")]["rows_read"] == len(southwest_rows)
    for sheet, rows in khsm.items():
        counts = by_part[("KHSM Encounters (USBP) fy25m11.xlsx", sheet)]
        assert counts["rows_read"] == len(rows), sheet
        assert counts["rows_loaded"] + counts["rows_quarantined"] == counts["rows_read"]
    for release in releases_table(lake).to_pylist():
        assert release["rows_read"] == release["rows_loaded"] + release["rows_quarantined"]
        assert release["is_synthetic"] is False


def test_southwest_totals_by_fiscal_year_and_component(lake, southwest_rows):
    expected = Counter()
    for row in southwest_rows:
        year = int(row["Fiscal Year"][:4])
        expected[(year, row["Component"])] += int(row["Encounter Count"])
    for year in (2022, 2023, 2024, 2025):
        answer = encounters(EncounterQuestion(region="southwest", by=("component",), **_fy(year)),
                            home=lake)
        got = dict(zip(answer.table.column("component").to_pylist(),
                       answer.table.column("encounters").to_pylist(), strict=True))
        assert got == {"OFO": expected[(year, "Office of Field Operations")],
                       "USBP": expected[(year, "U.S. Border Patrol")]}
        assert answer.series.code == "cbp_southwest_grouped"
    # CBP's own published FY2022 southwest figure, as a sanity check on the reading above.
    assert expected[(2022, "Office of Field Operations")] + \
        expected[(2022, "U.S. Border Patrol")] == 2_378_944


def test_grouped_citizenship_answers_mexico_by_month(lake, southwest_rows):
    expected = Counter()
    for row in southwest_rows:
        if row["Citizenship Grouping"] == "Mexico" and row["Fiscal Year"] == "2023":
            expected[FY_MONTH[row["Month (abbv)"]]] += int(row["Encounter Count"])
    answer = encounters(EncounterQuestion(citizenship="Mexico", region="southwest", by=("month",),
                                          **_fy(2023)), home=lake)
    assert answer.table.column("encounters").to_pylist() == [expected[m] for m in range(1, 13)]


def test_russians_at_the_southwest_border_by_month(lake, khsm):
    rows = khsm["Monthly Rgn and Citp"]
    expected = [khsm_sum(rows, 2022, {m}, (2, "Southwest Land Border"), (3, "Russia"))
                for m in (1, 2, 3, 4)]
    answer = encounters(EncounterQuestion(citizenship="RUSSIA", region="southwest",
                                          start=date(2021, 10, 1), end=date(2022, 1, 1),
                                          by=("month",)), home=lake)
    assert answer.table.column("month").to_pylist() == ["2021-10", "2021-11", "2021-12",
                                                        "2022-01"]
    assert answer.table.column("encounters").to_pylist() == expected
    assert answer.total == sum(expected) == 680
    assert answer.series.code == "ohss_usbp_monthly_region_citizenship"
    assert any("ports of entry (OFO) are not included" in note for note in answer.notes)


@pytest.mark.parametrize("citizenship, sheet_name", [("RUSSIA", "Russia"),
                                                     ("UKRAINE", "Ukraine")])
def test_small_nationalities_for_a_whole_fiscal_year(lake, khsm, citizenship, sheet_name):
    months = set(range(1, 13))
    southwest = khsm_sum(khsm["Monthly Rgn and Citp"], 2022, months,
                          (2, "Southwest Land Border"), (3, sheet_name))
    everywhere = khsm_sum(khsm["Monthly Citizenship"], 2022, months, (2, sheet_name))
    answer = encounters(EncounterQuestion(citizenship=citizenship, region="southwest",
                                          **_fy(2022)), home=lake)
    assert answer.total == southwest
    all_regions = encounters(EncounterQuestion(citizenship=citizenship, **_fy(2022)), home=lake)
    assert all_regions.series.code == "ohss_usbp_monthly_citizenship"
    assert all_regions.total == everywhere
    assert everywhere >= southwest > 0


def test_snake_case_republication_reads_as_the_state_layout(lake, shared_data):
    with open(shared_data / STATE_SAMPLE, newline="") as stream:
        rows = list(csv.DictReader(stream))
    expected = Counter()
    for row in rows:
        expected[row["citizenship"]] += int(row["encounter_count"])
    answer = encounters(EncounterQuestion(state="az", start=date(2022, 4, 1),
                                          end=date(2022, 4, 1), by=("citizenship",)), home=lake)
    assert answer.series.code == "cbp_nationwide_state"
    got = dict(zip(answer.table.column("citizenship").to_pylist(),
                   answer.table.column("encounters").to_pylist(), strict=True))
    assert got == dict(expected) == {"RUSSIA": 124, "UKRAINE": 48}


def test_the_cli_answers_in_json_with_provenance(lake, khsm, cli):
    cli.home = lake
    result = cli("encounters", "--citizenship", "RUSSIA", "--region", "southwest",
                 "--from", "2021-10", "--to", "2022-01", "--by", "month", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    rows = khsm["Monthly Rgn and Citp"]
    assert payload["total"] == khsm_sum(rows, 2022, {1, 2, 3, 4}, (2, "Southwest Land Border"),
                                         (3, "Russia"))
    assert [r["month"] for r in payload["rows"]] == ["2021-10", "2021-11", "2021-12", "2022-01"]
    release = payload["provenance"]["releases"][0]
    assert release["file"] == "KHSM Encounters (USBP) fy25m11.xlsx"
    assert len(release["sha256"]) == 64
    assert "events, not people" in payload["notes"][0]


def test_the_cli_writes_csv_with_only_data_on_stdout(lake, southwest_rows, cli):
    cli.home = lake
    result = cli("encounters", "--region", "southwest", "--fy", "2024", "--by", "component",
                 "--format", "csv")
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "component,encounters"
    expected = Counter()
    for row in southwest_rows:
        if row["Fiscal Year"] == "2024":
            expected[row["Component"]] += int(row["Encounter Count"])
    assert lines[1:] == [f"OFO,{expected['Office of Field Operations']}",
                         f"USBP,{expected['U.S. Border Patrol']}"]


def test_a_citizenship_the_grouped_file_cannot_name_falls_to_border_patrol_data(lake):
    # RUSSIA is inside "Other" in the southwest file: the answer must come from OHSS and say so.
    answer = encounters(EncounterQuestion(citizenship="RUSSIA", region="southwest",
                                          **_fy(2024)), home=lake)
    assert answer.series.code == "ohss_usbp_monthly_region_citizenship"
    assert answer.series.components == ("USBP",)
