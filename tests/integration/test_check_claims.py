"""`immtrack check` on the example claim files: real CBP and OHSS files for border encounters,
generated releases for asylum and for overlapping CBP releases.

Every number a verdict rests on is recomputed here from the raw files (csv, openpyxl), and the
verdicts are worked out from those numbers in the comments.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from immtrack.claims.model import Claim, read_claim_file
from immtrack.claims.verdicts import judge
from immtrack.ingest import ingest_cbp, ingest_eoir
from immtrack.synth.cbp import write_cbp_releases
from immtrack.synth.eoir import PlantedCell, write_eoir_release
from tests.support.raw_cbp import khsm_sum

ROOT = Path(__file__).resolve().parents[2]
SOUTHWEST = "cbp/cbp_sw_border_fy22_fy25/sbo-encounters-fy22-fy25-aug.csv"
KHSM = "cbp/ohss_khsm/KHSM Encounters (USBP) fy25m11.xlsx"


def _claim(**fields) -> Claim:
    return Claim.model_validate({"id": "test", "statement": "a test claim", **fields})


@pytest.fixture(scope="module")
def real_lake(shared_data: Path, tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("claims") / "home"
    ingest_cbp(home, [str(shared_data / SOUTHWEST), str(shared_data / KHSM)], progress=False)
    return home


@pytest.fixture(scope="module")
def raw(shared_data: Path) -> dict:
    """The numbers the CBP claims rest on, computed from the raw files."""
    with open(shared_data / SOUTHWEST, newline="", encoding="utf-8-sig") as stream:
        rows = [r for r in csv.DictReader(stream) if r["Fiscal Year"].startswith("2022")]
    book = openpyxl.load_workbook(shared_data / KHSM, read_only=True, data_only=True)
    citizenship = [r for r in book["Monthly Rgn and Citp"].iter_rows(min_row=2, values_only=True)
                   if any(c is not None for c in r)]
    book.close()
    southwest = (2, "Southwest Land Border")
    return {
        "sw_fy2022": sum(int(r["Encounter Count"]) for r in rows),
        "sw_fy2022_usbp": sum(int(r["Encounter Count"]) for r in rows
                              if r["Component"] == "U.S. Border Patrol"),
        "russia_fy2022": khsm_sum(citizenship, 2022, set(range(1, 13)), southwest,
                                  (3, "Russia")),
        "ukraine_fy2022": khsm_sum(citizenship, 2022, set(range(1, 13)), southwest,
                                   (3, "Ukraine")),
        # Calendar 2022 = January-September of FY2022 (fiscal months 4-12) and
        # October-December of FY2023 (fiscal months 1-3).
        "russia_cy2022": khsm_sum(citizenship, 2022, set(range(4, 13)), southwest,
                                  (3, "Russia"))
        + khsm_sum(citizenship, 2023, {1, 2, 3}, southwest, (3, "Russia")),
        "russia_oct_jan": khsm_sum(citizenship, 2022, {1, 2, 3, 4}, southwest, (3, "Russia")),
    }


def test_the_cbp_examples_get_the_verdicts_the_raw_files_support(real_lake, raw):
    verdicts = {c.id: judge(c, real_lake) for c in read_claim_file(
        ROOT / "examples/claims/cbp-fy2022.yaml")}

    def got(claim_id):
        verdict = verdicts[claim_id]
        return verdict.verdict, verdict.best["value"] if verdict.best else None, \
            [m["misreading"] for m in verdict.misreadings]

    # "about 5,200": 5,200 +- 10% holds the Border Patrol's 5,210.
    assert got("russians-sw-fy2022-border-patrol") == ("supported", raw["russia_fy2022"], [])
    assert raw["russia_fy2022"] == 5210
    # "more than 6,000" Ukrainians: the Border Patrol counted 600.
    assert got("ukrainians-sw-fy2022-border-patrol") == \
        ("not_supported", raw["ukraine_fy2022"], [])
    # About 6,400 Russian people, all components: only Border Patrol counts name Russians
    # (a lower bound on all encounters), and events only bound people from above: undecided.
    verdict, value, _ = got("russians-sw-recent-months")
    assert (verdict, value) == ("cannot_check", raw["russia_oct_jan"])
    # 5,210 "in 2022" is the fiscal-year figure; calendar 2022 differs.
    assert raw["russia_cy2022"] != raw["russia_fy2022"]
    assert got("russians-sw-2022-calendar") == \
        ("not_supported", raw["russia_cy2022"], ["fiscal_as_calendar"])
    assert got("southwest-fy2022-total") == ("supported", raw["sw_fy2022"], [])
    # 2,206,436 "encountered at the southwest border" is the Border Patrol's share alone.
    assert raw["sw_fy2022_usbp"] == 2206436
    assert got("southwest-fy2022-border-patrol-as-total") == \
        ("not_supported", raw["sw_fy2022"], ["border_patrol_only"])


def test_events_reported_as_people_are_named(real_lake, raw):
    # "About 680 Russians" (people) between October and January: Border Patrol counted 680
    # encounters, which can only bound the number of people from above (0 to 680).
    claim = _claim(quantity={"metric": "encounters", "counts": "people",
                             "filters": {"citizenship": "RUSSIA", "region": "southwest",
                                         "component": "USBP"},
                             "period": {"start": "2021-10-01", "end": "2022-01-31"}},
                   claimed={"value": raw["russia_oct_jan"], "stated": "about"})
    verdict = judge(claim, real_lake)
    assert verdict.verdict == "cannot_check"
    assert [m["misreading"] for m in verdict.misreadings] == ["events_as_people"]
    # "Fewer than 1,000 people": at most 680 people, so supported.
    fewer = claim.model_copy(update={"claimed": claim.claimed.model_copy(
        update={"value": 1000, "stated": "less_than"})})
    assert judge(fewer, real_lake).verdict == "supported"


def test_a_period_the_data_do_not_cover_cannot_be_checked(real_lake):
    claim = _claim(quantity={"metric": "encounters", "filters": {"region": "southwest"},
                             "period": {"fiscal_year": 2030}},
                   claimed={"value": 1})
    verdict = judge(claim, real_lake)
    assert verdict.verdict == "cannot_check" and "2030" in verdict.reason


def test_overlapping_releases_counted_twice_are_named(tmp_path):
    files = write_cbp_releases(tmp_path / "cbp", seed=7)
    home = tmp_path / "home"
    ingest_cbp(home, [str(f) for f in files], progress=False)
    # Per month, the newest file that has it (files come oldest first); stacked, every file.
    newest, stacked = {}, 0
    for path in files:
        months = defaultdict(int)
        with open(path, newline="", encoding="utf-8-sig") as stream:
            for row in csv.DictReader(stream):
                if row["Fiscal Year"].startswith("2023"):
                    months[row["Month (abbv)"]] += int(row["Encounter Count"])
        newest.update(months)
        stacked += sum(months.values())
    assert stacked > sum(newest.values())
    claim = _claim(quantity={"metric": "encounters", "period": {"fiscal_year": 2023}},
                   claimed={"value": stacked})
    verdict = judge(claim, home)
    assert verdict.verdict == "not_supported"
    assert verdict.best["value"] == sum(newest.values())
    assert "overlap_double_counted" in [m["misreading"] for m in verdict.misreadings]


@pytest.fixture(scope="module")
def asylum_lake(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("claims-eoir")
    write_eoir_release(root / "release", 3000, seed=5, planted=[PlantedCell("RU", 2023, 85, 15)])
    ingest_eoir(root / "home", str(root / "release"))
    return root / "release", root / "home"


def _raw(path: Path) -> list[dict]:
    with open(path, encoding="latin-1", newline="") as stream:
        text = stream.read().replace("\x00", "").replace('"', "")
    return list(csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE))


def _russian_fy2023_cohort(release: Path, as_of: date) -> tuple[int, int]:
    """Russian asylum applications filed in FY2023 and those granted by `as_of`, from the raw
    files: one application per (case, filing date), its latest record deciding."""
    proceedings = {r["IDNPROCEEDING"]: r for r in _raw(release / "B_TblProceeding.csv")}
    latest = {}
    for row in _raw(release / "tbl_Court_Appln.csv"):
        proceeding = proceedings.get(row["IDNPROCEEDING"])
        if row["APPL_CODE"] != "ASYL" or not proceeding or proceeding["NAT"] != "RU" \
                or not row["APPL_RECD_DATE"]:
            continue
        key = (row["IDNCASE"], row["APPL_RECD_DATE"])
        if key not in latest or int(row["IDNPROCEEDINGAPPLN"]) > int(latest[key][0]):
            latest[key] = (row["IDNPROCEEDINGAPPLN"], row, proceeding)
    filed = granted = 0
    for _, row, proceeding in latest.values():
        day = date.fromisoformat(row["APPL_RECD_DATE"][:10])
        if not date(2022, 10, 1) <= day <= date(2023, 9, 30):
            continue
        filed += 1
        done = proceeding["COMP_DATE"] and date.fromisoformat(proceeding["COMP_DATE"][:10])
        granted += bool(done and done <= as_of and row["APPL_DEC"] in "GFCIP"
                        and row["APPL_DEC"])
    return filed, granted


def test_the_demo_asylum_examples(asylum_lake):
    release, home = asylum_lake
    verdicts = {c.id: judge(c, home) for c in read_claim_file(
        ROOT / "examples/claims/demo-asylum.yaml")}
    assert all(c.demo for c in (v.claim for v in verdicts.values()))
    # Planted: Russians' FY2023 decisions are 85 grants and 15 denials: merits 85%.
    supported = verdicts["demo-russians-fy2023-grant-rate"]
    assert (supported.verdict, supported.best["name"], supported.best["value"]) == \
        ("supported", "merits", 85.0)
    # "85% of Russians who applied": the cohort filed in FY2023 is mostly undecided, so the
    # share granted is far lower, and the 85% is the decisions' rate.
    applied = verdicts["demo-russians-who-applied"]
    as_of = applied.best["provenance"]["options"]["as_of"]
    filed, granted = _russian_fy2023_cohort(release, as_of)
    assert applied.best["n"] == filed
    assert applied.best["value"] == pytest.approx(100 * granted / filed)
    assert applied.verdict == "not_supported"
    assert [m["misreading"] for m in applied.misreadings] == ["decisions_as_applicants"]
    # EOIR's completion rate over the planted cell is 85/100 too: "about 95%" is contradicted.
    eoir = verdicts["demo-russians-eoir-rate"]
    assert (eoir.verdict, eoir.best["name"], eoir.best["value"]) == \
        ("not_supported", "eoir_completion", 85.0)
    assert verdicts["demo-russians-2030"].verdict == "cannot_check"


def test_the_cli_reports_in_every_format(real_lake, cli):
    cli.home = real_lake
    example = str(ROOT / "examples/claims/cbp-fy2022.yaml")
    payload = json.loads(cli("check", example, "--format", "json").stdout)
    verdicts = {v["id"]: v for v in payload["verdicts"]}
    assert verdicts["southwest-fy2022-total"]["verdict"] == "supported"
    release = verdicts["southwest-fy2022-total"]["best"]["provenance"]["releases"][0]
    assert len(release["sha256"]) == 64 and release["is_synthetic"] is False
    markdown = cli("check", example, "--format", "markdown").stdout
    assert "## ukrainians-sw-fy2022-border-patrol: Not supported" in markdown
    page = cli("check", example, "--format", "html").stdout
    assert page.startswith("<!doctype html>") and "Cannot be checked" in page
    table = cli("check", example)
    assert table.exit_code == 0 and "Supported" in table.stdout
    schema = json.loads(cli("check", "--schema").stdout)
    assert "Claim" in schema["$defs"]
