"""ICE detention on the real files in ../shared/data/ice, plus generated person-level records.

Every expected number is computed here a second way, from the raw files (pyarrow, csv,
python-calamine) or by hand in the comments; distances by the spherical law of cosines, a
different formula from the haversine the code uses.
"""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest

from immtrack.ingest import ingest_ice
from immtrack.lake.catalog import reader
from immtrack.metrics import detention, distance, stays
from immtrack.sources.ice_stats import read_ice_workbook
from immtrack.synth.ice_stints import write_stints

pytestmark = pytest.mark.shared
STATS = "ice/detention_management_stats"


def _cosines_km(lat1, lon1, lat2, lon2) -> float:
    """Spherical law of cosines, radius 6,371.0088 km: a second way to the same distance."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    return 6371.0088 * math.acos(min(1.0, math.sin(p1) * math.sin(p2)
                                     + math.cos(p1) * math.cos(p2) * math.cos(dl)))


def _foia_rows(shared: Path) -> list[dict]:
    text = (shared / "ice/historical/marshall_locations.csv").read_bytes().decode("latin-1")
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture(scope="module")
def lake(shared_data: Path, tmp_path_factory) -> tuple[Path, list[dict], Path]:
    root = tmp_path_factory.mktemp("ice")
    stints = root / "stints" / "detentions.csv"
    planted = write_stints(stints, 300, ["STWRTGA", "ADLNTCA", "VRK", "KCHOSNY"], seed=4)
    home = root / "home"
    outcome = ingest_ice(home, shared_data / "ice", stints=stints)
    assert outcome.status == "published"
    return home, planted, stints


def test_every_row_is_loaded_or_quarantined(lake, shared_data):
    home, planted, _ = lake
    con = reader(home)
    files = dict(con.execute("SELECT file_name, rows_read FROM release_files").fetchall())
    for name in ("facilities.parquet", "adp-by-agency-criminality.parquet",
                 "book-outs-by-reason.parquet"):
        assert files[name] == pq.read_metadata(shared_data / STATS / name).num_rows
    assert files["marshall_locations.csv"] == len(_foia_rows(shared_data))
    assert con.execute("SELECT count(*) FROM release_files WHERE rows_read <> rows_loaded + "
                       "rows_quarantined").fetchone()[0] == 0
    # Quarantined: the FOIA rows without a DETLOC, and the three planted person-level quirks.
    no_code = [i for i, r in enumerate(_foia_rows(shared_data), 2) if not r["DETLOC"].strip()]
    got = con.execute("SELECT source_file, source_line FROM quarantine ORDER BY ALL").fetchall()
    assert sorted(got) == sorted([("marshall_locations.csv", line) for line in no_code]
                                 + [("detentions.csv", p["line"]) for p in planted])


def test_the_facility_table_holds_every_listed_code(lake, shared_data):
    home, _, _ = lake
    book = openpyxl.load_workbook(shared_data / "ice/facilities/2015IceDetentionFacilityListing"
                                  ".xlsx", read_only=True)
    listed = {r[0] for r in book["Facility List - Main"].iter_rows(min_row=2, values_only=True)
              if r[0]}
    book.close()
    listed |= {r["DETLOC"].strip() for r in _foia_rows(shared_data) if r["DETLOC"].strip()}
    with open(shared_data / "ice/facilities/facility-locations-oct2025.txt") as stream:
        listed |= {r["detention_facility_code"] for r in csv.DictReader(stream, delimiter="\t")}
    got = {r[0] for r in reader(home).execute("SELECT detloc FROM core_ice__facilities")
           .fetchall()}
    assert got == listed
    # Stewart: described by the 2015 list, placed by the FOIA list's geocode.
    row = reader(home).execute("SELECT facility_type, latitude, field_sources FROM "
                               "core_ice__facilities WHERE detloc = 'STWRTGA'").fetchone()
    foia = next(r for r in _foia_rows(shared_data) if r["DETLOC"] == "STWRTGA")
    assert row[1] == float(foia["Lat"]) and "facility_type=ice_2015" in row[2]


def test_national_and_facility_population_match_the_raw_tables(lake, shared_data):
    home, _, _ = lake
    raw = pq.read_table(shared_data / STATS / "adp-by-agency-criminality.parquet").to_pylist()
    # January 2024's national ADP from the newest workbook pulled after January ended.
    january = [r for r in raw if r["agency"] == "Average" and r["date"] == date(2024, 1, 1)
               and (r["pull_date"] or r["file_date"]) >= date(2024, 1, 31)]
    newest = max(january, key=lambda r: (r["file_date"], r["pull_date"]))
    table, provenance = detention.national("adp", category="Average", since=date(2024, 1, 1),
                                           until=date(2024, 1, 1), home=home)
    assert table.to_pylist()[0]["value"] == pytest.approx(newest["adp"])
    assert table.to_pylist()[0]["ice_file_date"] == newest["file_date"]
    assert provenance["releases"][0]["release_id"].startswith("ice-")
    # The newest workbook's facilities, by type: levels A-D summed per facility.
    facilities = pq.read_table(shared_data / STATS / "facilities.parquet").to_pylist()
    last = max((r["file_date"], r["pull_date"]) for r in facilities)
    expected: dict[str, float] = {}
    for r in facilities:
        if (r["file_date"], r["pull_date"]) == last:
            expected[r["type_detailed"]] = expected.get(r["type_detailed"], 0.0) + sum(
                r[k] or 0 for k in ("level_a", "level_b", "level_c", "level_d"))
    table, _ = detention.facility_population("facility_type", home=home)
    got = {r["facility_type"]: r["adp"] for r in table.to_pylist()}
    assert got == {k: pytest.approx(round(v, 1), abs=0.05) for k, v in expected.items()}


def test_criminality_rows_belong_to_the_agency_block_above_them(lake, shared_data):
    home, _, _ = lake
    table, _ = detention.national("adp", subcategory="all", since=date(2025, 3, 1),
                                  until=date(2025, 3, 1), home=home)
    rows = table.to_pylist()
    totals = {r["category"]: r["value"] for r in rows if r["subcategory"] is None}
    assert set(totals) == {"Average", "ICE Average", "CBP Average"}
    for block, total in totals.items():
        parts = [r["value"] for r in rows if r["category"] == block and r["subcategory"]]
        assert len(parts) == 3 and sum(parts) == pytest.approx(total, rel=1e-6), block
    assert totals["ICE Average"] + totals["CBP Average"] == pytest.approx(totals["Average"],
                                                                          rel=1e-6)
    # The same month's total straight from the raw table, newest workbook with March whole.
    raw = [r for r in pq.read_table(shared_data / STATS / "adp-by-agency-criminality.parquet")
           .to_pylist() if r["agency"] == "Average" and r["date"] == date(2025, 3, 1)
           and (r["pull_date"] or r["file_date"]) >= date(2025, 3, 31)]
    assert totals["Average"] == pytest.approx(max(
        raw, key=lambda r: (r["file_date"], r["pull_date"]))["adp"])


def test_findings_name_what_the_workbooks_contradict(lake, shared_data):
    home, _, _ = lake
    table, _ = detention.findings(home=home)
    rows = table.to_pylist()
    # The workbook of 2021-06-09: its facilities sum to about 16,079 against a national
    # fiscal-year-to-date ADP of about 38,421, recomputed here from the raw tables.
    facilities = pq.read_table(shared_data / STATS / "facilities.parquet").to_pylist()
    facility_sum = sum(sum(r[k] or 0 for k in ("level_a", "level_b", "level_c", "level_d"))
                       for r in facilities if r["file_date"] == date(2021, 6, 9))
    adp = pq.read_table(shared_data / STATS / "adp-by-agency-criminality.parquet").to_pylist()
    national = max(r["adp_fy_ytd"] for r in adp if r["file_date"] == date(2021, 6, 9)
                   and r["agency"] == "Average")
    assert abs(facility_sum - national) > 0.05 * national
    june = [r for r in rows if r["ice_file_date"] == date(2021, 6, 9)
            and r["finding"].startswith("facilities do not sum")]
    assert len(june) == 1 and f"{facility_sum:.0f}" in june[0]["detail"]
    kinds = {r["finding"] for r in rows}
    assert kinds == {"facilities do not sum to the national ADP",
                     "year-to-date count fell between workbooks",
                     "workbook repeats an earlier one",
                     "national figure belongs to another fiscal year",
                     "data pulled before the previous workbook's"}
    # The FY2026 workbook of 2026-01-08 prints FY2020's national ADP (raw tables), is named,
    # and the national series leaves it out.
    def national_of(file_date):
        return max(r["adp_fy_ytd"] for r in adp if r["file_date"] == file_date
                   and r["agency"] == "Average")
    assert national_of(date(2026, 1, 8)) == national_of(date(2020, 12, 31))
    assert any(r["ice_file_date"] == date(2026, 1, 8) and "another fiscal year" in r["finding"]
               for r in rows)
    table, _ = detention.national("adp", category="Average", by_release=True, home=home)
    assert date(2026, 1, 8) not in table.column("ice_file_date").to_pylist()


def test_distances_are_right_to_the_kilometre(lake, shared_data):
    home, _, _ = lake
    # A degree of longitude on the equator, and a quarter meridian.
    assert distance.haversine_km(0, 0, 0, 1) == pytest.approx(2 * math.pi * 6371.0088 / 360)
    assert distance.haversine_km(0, 0, 90, 0) == pytest.approx(math.pi * 6371.0088 / 2)
    foia = {r["DETLOC"]: r for r in _foia_rows(shared_data)}
    stewart, adelanto = foia["STWRTGA"], foia["ADLNTCA"]
    expected = _cosines_km(float(stewart["Lat"]), float(stewart["Lng"]),
                           float(adelanto["Lat"]), float(adelanto["Lng"]))
    got = distance.between(distance.resolve("STWRTGA", home), distance.resolve("ADLNTCA", home))
    assert abs(got["km"] - expected) < 1 and abs(got["miles"] - expected / 1.609344) < 1
    # From the New York field office (UWCHR's coordinates) to Stewart.
    with open(shared_data / "ice/offices/uwchr_aor_ero_field_office.csv") as stream:
        office = next(r for r in csv.DictReader(stream) if r["aor"] == "NYC")
    expected = _cosines_km(float(office["lat"]), float(office["long"]), float(stewart["Lat"]),
                           float(stewart["Lng"]))
    got = distance.between(distance.resolve("AOR:NYC", home), distance.resolve("STWRTGA", home))
    assert abs(got["km"] - expected) < 1
    # A county is the mean of its ZIP centres: worked here from the zipcodes package itself.
    import zipcodes
    kings = [(float(z["lat"]), float(z["long"])) for z in
             zipcodes.filter_by(county="Kings County", state="NY")]
    centre = (sum(p[0] for p in kings) / len(kings), sum(p[1] for p in kings) / len(kings))
    got = distance.between(distance.resolve("Kings County, NY", home),
                           distance.resolve("STWRTGA", home))
    expected = _cosines_km(*centre, float(stewart["Lat"]), float(stewart["Lng"]))
    assert abs(got["km"] - expected) < 1
    nearest = distance.nearest_facilities(distance.resolve("32.0,-84.8", home), limit=3,
                                          home=home).to_pylist()
    assert nearest[0]["km"] <= nearest[1]["km"] <= nearest[2]["km"]


def test_stays_and_transfers_from_a_hand_made_file(tmp_path, shared_data):
    # Person A: one stay, 2024-01-01 to 2024-01-11 (10 days), moved on 2024-01-05 from Stewart
    # (STWRTGA) to Adelanto (ADLNTCA). Person B: 2024-01-01 to 2024-01-31 (30 days), one
    # facility. Person C: booked in 2024-01-01, still held; the file's last moment is
    # 2024-03-01 (B's later stay), so C is censored at 60 days. Person B again: 2024-02-20 to
    # 2024-03-01 (10 days). All Russian.
    # Kaplan-Meier over stays (10, 10, 30 ended; 60 open): 4 at risk; day 10: S = 2/4;
    # day 30: S = 1/2 * 1/2 = 1/4; median = 10 (first S <= .5); p90 not reached.
    lines = ["unique_identifier,stay_book_in_date_time,book_in_date_time,book_out_date_time,"
             "stay_book_out_date_time,detention_facility_code,detention_facility,"
             "citizenship_country,gender,detention_release_reason",
             "A,2024-01-01 00:00:00,2024-01-01 00:00:00,2024-01-05 00:00:00,"
             "2024-01-11 00:00:00,STWRTGA,,RUSSIA,Male,",
             "A,2024-01-01 00:00:00,2024-01-05 00:00:00,2024-01-11 00:00:00,"
             "2024-01-11 00:00:00,ADLNTCA,,RUSSIA,Male,Removed",
             "B,2024-01-01 00:00:00,2024-01-01 00:00:00,2024-01-31 00:00:00,"
             "2024-01-31 00:00:00,VRK,,RUSSIA,Female,Paroled",
             "B,2024-02-20 00:00:00,2024-02-20 00:00:00,2024-03-01 00:00:00,"
             "2024-03-01 00:00:00,VRK,,RUSSIA,Female,Paroled",
             "C,2024-01-01 00:00:00,2024-01-01 00:00:00,,,VRK,,RUSSIA,Male,"]
    path = tmp_path / "stints.csv"
    path.write_text("\n".join(lines) + "\n")
    home = tmp_path / "home"
    ingest_ice(home, shared_data / "ice", stints=path)
    table = stays.length_of_stay("citizenship", home=home)
    assert table.to_pylist() == [{"citizenship": "RUSSIA", "stays": 4, "open_stays": 1,
                                  "median_days": 10, "p90_days": None}]
    summary, moves = stays.transfers(None, home=home)
    foia = {r["DETLOC"]: r for r in _foia_rows(shared_data)}
    expected = _cosines_km(float(foia["STWRTGA"]["Lat"]), float(foia["STWRTGA"]["Lng"]),
                           float(foia["ADLNTCA"]["Lat"]), float(foia["ADLNTCA"]["Lng"]))
    assert summary.to_pylist()[0]["stays_with_transfer"] == 1
    assert [m["from_detloc"] + ">" + m["to_detloc"] for m in moves.to_pylist()] == \
        ["STWRTGA>ADLNTCA"]
    assert abs(moves.to_pylist()[0]["km"] - expected) < 1


def _ice_workbook(folder: Path) -> Path:
    """A workbook in ICE's own layout, with its facility rows 7 and 8."""
    # ICE's own layout: title rows above the header, a tab name with a trailing space.
    book = openpyxl.Workbook()
    book.active.title = "Detention FY22"
    sheet = book.create_sheet("Facilities FY22 ")
    for row in (["ICE Detention Statistics"], [], ["FY2022 ADP"], [], [],
                ["Name", "Address", "City", "State", "Zip", "AOR", "Type Detailed",
                 "Male/Female", "Level A", "Level B", "Level C", "Level D", "Male Crim",
                 "FY ALOS"],
                ["STEWART DETENTION CENTER", "146 CCA ROAD", "LUMPKIN", "GA", 31815, "ATL",
                 "DIGSA", "Male", 100.5, 20, 10, 5, 30, 44.2],
                ["OTERO COUNTY PROCESSING CENTER", "26 MCGREGOR RANGE RD", "CHAPARRAL", "NM",
                 88081, "ELP", "IGSA", "Male", 50, 0, 0, 0, 0, 21.0],
                [], ["Footnote: ADP rounded"]):
        sheet.append(row)
    path = folder / "FY22_detentionStats_09292022.xlsx"
    book.save(path)
    return path


def test_ice_workbooks_are_found_by_tab_and_header(tmp_path):
    rows, tab = read_ice_workbook(_ice_workbook(tmp_path))
    assert tab == "Facilities FY22 "
    assert [(r["name"], r["level_a"], r["source_line"]) for r in rows] == [
        ("STEWART DETENTION CENTER", 100.5, 7), ("OTERO COUNTY PROCESSING CENTER", 50, 8)]
    assert rows[0]["file_date"] == date(2022, 9, 29) and rows[0]["fiscal_year"] == 2022


def test_an_ice_workbook_in_the_folder_is_ingested_beside_the_ddp_tables(tmp_path,
                                                                        shared_data):
    folder = tmp_path / "ice"
    shutil.copytree(shared_data / "ice", folder)
    workbook = _ice_workbook(folder)
    home = tmp_path / "home"
    ingest_ice(home, folder)
    rows = reader(home).execute(
        "SELECT facility_name, adp, detloc FROM core_ice__facility_population "
        "WHERE source_file = ? ORDER BY facility_name", [workbook.name]).fetchall()
    # Stewart: 100.5 + 20 + 10 + 5 = 135.5, matched to its DETLOC by name and state.
    assert rows == [("OTERO COUNTY PROCESSING CENTER", 50.0, rows[0][2]),
                    ("STEWART DETENTION CENTER", 135.5, "STWRTGA")]
    files = dict(reader(home).execute("SELECT file_name, rows_loaded FROM release_files")
                 .fetchall())
    assert files[workbook.name] == 2


def test_the_cli_answers(lake, cli):
    home = lake[0]
    cli.home = home
    result = cli("distance", "AOR:NYC", "STWRTGA", "--format", "json")
    assert result.exit_code == 0, result.output
    assert "km" in result.stdout
    assert cli("detention", "facilities", "--by", "planet").exit_code == 2
    assert cli("distance", "Nowhere, ZZ").exit_code == 2
    assert cli("detention", "findings", "--format", "csv").stdout.startswith("finding,")
    stays_json = json.loads(cli("detention", "stays", "--format", "json").stdout)
    assert stays_json["provenance"]["releases"][0]["is_synthetic"] is True  # generated stints
    # Stays counted from the raw file: distinct (person, stay book-in), planted bad rows out.
    _, planted, stints = lake
    bad = {p["line"] for p in planted}
    with open(stints, newline="") as stream:
        raw_stays = {(r["unique_identifier"], r["stay_book_in_date_time"])
                     for line, r in enumerate(csv.DictReader(stream), 2) if line not in bad}
    assert sum(r["stays"] for r in stays_json["rows"]) == len(raw_stays)
    moves = cli("detention", "transfers", "--list", "--format", "csv").stdout
    assert moves.startswith("person_id,stay_start,from_detloc,to_detloc")
    invented = stints.parent / "invented.csv"
    result = cli("synth", "stints", "--out", str(invented), "--people", "20")
    assert result.exit_code == 0, result.output
    with open(invented, newline="") as stream:
        codes = {r["detention_facility_code"] for r in csv.DictReader(stream)}
    listed = {r[0] for r in reader(home).execute("SELECT detloc FROM core_ice__facilities")
              .fetchall()}
    assert codes <= listed  # placements only at facilities the lists know
