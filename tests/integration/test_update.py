"""`immtrack update` against a local imitation of the agencies' sites, serving the real files
from ../shared/data at the agencies' own paths (EOIR: a generated release zip, since no real
one is staged): a first update ingests every source, a second finds nothing new, then the
agencies publish a later CBP window that revises months (derived from the real CSV), a new
EOIR zip at the same address, and a new ETag on unchanged bytes. Misbehaving servers (404,
a download cut short, an HTML error page served as the CSV, a listing page gone) are each
asserted: reported, nothing half-ingested, nothing ingested twice, the other sources go on."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import feedparser
import pytest
from fastapi.testclient import TestClient

from immtrack.api.app import create_app
from immtrack.lake.catalog import reader
from immtrack.update.runner import EXIT_FAILED, EXIT_NOTHING_NEW, EXIT_UPDATED, update_lock
from immtrack.update.state import UpdateState
from tests.support.agencies import (
    EOIR_ZIP,
    KHSM,
    NATIONWIDE_PAGE,
    NATIONWIDE_STATE,
    SBO_AUG,
    SBO_SEP,
    SW_PAGE,
    Agencies,
    build_site,
    later_window,
    monthly_totals,
)
from tests.support.agency_server import AgencyServer, AgencySite

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def agencies(shared_data, tmp_path_factory):
    site = build_site(shared_data, tmp_path_factory.mktemp("agencies"))
    with AgencyServer(site) as server:
        yield Agencies(site, server)


def _update(cli, agencies: Agencies, *args: str, codes=()) -> tuple[int, dict]:
    result = cli("update", *agencies.options(*codes), "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def _statuses(report: dict) -> dict[str, str]:
    return {f["file_name"]: f["status"] for f in report["files"]}


def _release_count(home: Path) -> int:
    return reader(home).execute("SELECT count(*) FROM releases").fetchone()[0]


@pytest.fixture(scope="module")
def story(agencies, shared_data, tmp_path_factory):
    """Every step of a month in the life of the lake, run once; the tests read the steps."""
    from immtrack.synth.eoir import write_eoir_release
    from tests.conftest import Cli

    scratch = tmp_path_factory.mktemp("story")
    cli = Cli(scratch / "home")
    steps = {}
    ice = ["--ice-base", str(shared_data / "ice")]
    steps["dry"] = _update(cli, agencies, "--dry-run", *ice)
    steps["dry_home_exists"] = (scratch / "home").exists() and any((scratch / "home").iterdir())
    steps["first"] = _update(cli, agencies, *ice)
    steps["first_releases"] = _release_count(cli.home)
    mark = len(agencies.site.requests)
    steps["second"] = _update(cli, agencies)
    steps["second_gets"] = agencies.file_gets(mark)
    # The agencies publish: CBP's next window, EOIR's next monthly zip at the same address,
    # OHSS re-uploads the same workbook (new ETag, same bytes).
    original = agencies.site.files[SBO_AUG].body.decode("utf-8-sig")
    agencies.site.publish(SBO_SEP, later_window(original).encode(), modified=1_760_000_000)
    agencies.site.page(SW_PAGE, [SBO_SEP, SBO_AUG], "Southwest Land Border Encounters")
    write_eoir_release(scratch / "eoir-july", 340, seed=4, release_date=date(2025, 7, 31),
                       zip_too=True)
    agencies.site.publish(EOIR_ZIP, (scratch / "eoir-july.zip").read_bytes(),
                          modified=1_760_000_000)
    agencies.site.files[KHSM].etag_salt = "re-uploaded"
    steps["later_dry"] = _update(cli, agencies, "--dry-run")
    steps["third"] = _update(cli, agencies)
    steps["third_releases"] = _release_count(cli.home)
    steps["fourth"] = _update(cli, agencies)
    steps["fourth_releases"] = _release_count(cli.home)
    steps["changes"] = json.loads(cli("changes", "--format", "json", "--limit", "0").stdout)
    steps["changes_text"] = cli("changes").stdout
    steps["original"], steps["later"] = original, later_window(original)
    return cli.home, steps


def test_a_dry_run_lists_every_source_and_changes_nothing(story):
    _, steps = story
    code, report = steps["dry"]
    assert code == EXIT_UPDATED
    assert _statuses(report) == {
        "sbo-encounters-fy22-fy25-aug.csv": "new",
        "nationwide-encounters-fy22-fy25-state.csv": "new",
        "KHSM Encounters (USBP) fy25m11.xlsx": "new",
        "FY26_detentionStats04092026.xlsx": "new",
        "FOIA-TRAC-Report.zip": "new"}
    assert {f["bytes"] for f in report["files"]} and all(f["bytes"] for f in report["files"])
    assert not steps["dry_home_exists"]  # no catalog, no download, no state


def test_the_first_update_ingests_every_source_once(story, shared_data):
    home, steps = story
    code, report = steps["first"]
    assert code == EXIT_UPDATED, report["failures"]
    assert set(_statuses(report).values()) == {"published"}
    assert steps["first_releases"] == 5
    rows = dict(reader(home).execute(
        "SELECT release_label, origin FROM releases").fetchall())
    assert rows["sbo-encounters-fy22-fy25-aug.csv"].endswith(SBO_AUG)
    # Counts reconcile for every file of every release.
    assert reader(home).execute("SELECT count(*) FROM release_files WHERE rows_read <> "
                                "rows_loaded + rows_quarantined").fetchone()[0] == 0
    # CBP's upload month is the release date; ICE's is in the workbook's name.
    dates = dict(reader(home).execute("SELECT release_label, release_date FROM releases")
                 .fetchall())
    assert dates["sbo-encounters-fy22-fy25-aug.csv"] == date(2025, 9, 1)
    assert dates["KHSM Encounters (USBP) fy25m11.xlsx"] == date(2024, 12, 1)


def test_the_ice_workbook_is_read_beside_the_facility_lists(story, shared_data):
    home, _ = story
    (adp,) = duckdb.connect().execute(
        "SELECT level_a + level_b + level_c + level_d FROM read_parquet(?) WHERE "
        "file_date = DATE '2026-04-09' AND name = 'ADELANTO ICE PROCESSING CENTER'",
        [str(shared_data / "ice/detention_management_stats/facilities.parquet")]).fetchone()
    got = reader(home).execute(
        "SELECT adp, detloc FROM core_ice__facility_population_all WHERE source_file = ? "
        "AND facility_name = 'ADELANTO ICE PROCESSING CENTER'",
        ["FY26_detentionStats04092026.xlsx"]).fetchall()
    assert got == [(pytest.approx(adp), got[0][1])] and got[0][1]  # matched to a DETLOC
    label = reader(home).execute("SELECT release_label FROM releases WHERE source = 'ice'") \
        .fetchone()[0]
    assert label == "FY26_detentionStats04092026"
    assert UpdateState.load(home).ice_base == str((shared_data / "ice").resolve())


def test_a_second_update_finds_nothing_new_without_downloading(story):
    _, steps = story
    code, report = steps["second"]
    assert code == EXIT_NOTHING_NEW
    assert set(_statuses(report).values()) == {"current"}
    assert steps["second_gets"] == []  # listing pages and HEAD requests only


def test_the_dry_run_sees_what_the_agencies_published(story):
    _, steps = story
    code, report = steps["later_dry"]
    assert code == EXIT_UPDATED
    statuses = _statuses(report)
    assert statuses["sbo-encounters-fy22-fy25-sep.csv"] == "new"
    assert statuses["sbo-encounters-fy22-fy25-aug.csv"] == "current"
    assert statuses["FOIA-TRAC-Report.zip"] == "changed"
    assert statuses["KHSM Encounters (USBP) fy25m11.xlsx"] == "changed"


def test_new_releases_are_ingested_and_identical_bytes_are_not(story):
    _, steps = story
    code, report = steps["third"]
    assert code == EXIT_UPDATED, report["failures"]
    statuses = _statuses(report)
    assert statuses["sbo-encounters-fy22-fy25-sep.csv"] == "published"
    assert statuses["FOIA-TRAC-Report.zip"] == "published"
    assert statuses["KHSM Encounters (USBP) fy25m11.xlsx"] == "same bytes"
    assert statuses["nationwide-encounters-fy22-fy25-state.csv"] == "current"
    assert steps["third_releases"] == 7
    code, report = steps["fourth"]
    assert code == EXIT_NOTHING_NEW and steps["fourth_releases"] == 7


def test_the_summary_gives_months_added_and_revised_with_old_and_new_values(story):
    _, steps = story
    before, after = monthly_totals(steps["original"]), monthly_totals(steps["later"])
    _, report = steps["third"]
    (cbp,) = [c for c in report["changes"] if c["source"] == "cbp"]
    (series,) = cbp["series"]
    assert series["series"] == "cbp_southwest_grouped"
    assert series["months_added"] == ["2025-09"]
    revised = {r["period"]: (r["previous"], r["revised"]) for r in series["revisions"]}
    expected = {m: (before[m], after[m]) for m in before if before[m] != after[m]}
    assert revised == expected
    assert set(revised) == {"2025-06", "2025-07", "2025-08"}
    assert cbp["previous_release"] == "sbo-encounters-fy22-fy25-aug.csv"
    assert any(str(f"{after['2025-08']:,}") in line for line in cbp["headlines"])


def test_changes_lists_each_release_once_newest_first(story):
    _, steps = story
    changes = steps["changes"]
    assert len(changes) == 7
    assert len({c["release_id"] for c in changes}) == 7
    eoir = [c for c in changes if c["source"] == "eoir"]
    assert [c["is_synthetic"] for c in eoir] == [True, True]
    newest = eoir[0]
    assert newest["previous_release"] == eoir[1]["release_label"]
    cases = {f["file_name"]: f for f in newest["files"]}["A_TblCase.csv"]
    assert cases["previous_rows"] is not None and cases["rows"] != cases["previous_rows"]
    assert "months revised" in steps["changes_text"] or "month revised" in \
        steps["changes_text"]


def test_the_atom_feed_is_valid_and_lists_the_revisions(story):
    home, steps = story
    client = TestClient(create_app(home), base_url="http://127.0.0.1")  # a loopback Host
    response = client.get("/changes.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert len(feed.entries) == 7
    assert len({e.id for e in feed.entries}) == 7
    assert feed.feed.links[0].href == "http://127.0.0.1/changes.atom"
    sep = next(e for e in feed.entries if "sbo-encounters-fy22-fy25-sep.csv" in e.title)
    assert "1 month added, 3 months revised" in sep.title
    before, after = monthly_totals(steps["original"]), monthly_totals(steps["later"])
    assert f"{before['2025-08']:,} -> {after['2025-08']:,}" in sep.summary
    assert f"<td>{after['2025-08']:,}</td>" in sep.content[0].value
    release_id = next(c["release_id"] for c in steps["changes"]
                      if c["release_label"] == "sbo-encounters-fy22-fy25-sep.csv")
    assert sep.link == f"http://127.0.0.1/changes#{release_id}"
    assert "http://127.0.0.1/" in {link.href for link in sep.links}
    page = client.get("/changes")
    assert page.status_code == 200
    assert 'type="application/atom+xml"' in page.text
    assert "sbo-encounters-fy22-fy25-sep.csv" in page.text
    api = client.get("/api/changes", params={"source": "cbp", "limit": 1}).json()
    assert api["changes"][0]["release_label"] == "sbo-encounters-fy22-fy25-sep.csv"


def test_the_cli_writes_the_same_feed(story):
    home, _ = story
    from tests.conftest import Cli

    result = Cli(home)("changes", "--atom", "--base-url", "https://tracker.example.org")
    feed = feedparser.parse(result.stdout_bytes)
    assert not feed.bozo and len(feed.entries) == 7
    assert feed.entries[0].link.startswith("https://tracker.example.org/changes#")


# Misbehaving servers: each on a fresh lake with the cheap CBP publications only.

@pytest.fixture
def small_site(shared_data):
    site = AgencySite()
    site.publish(SBO_AUG, (shared_data / "cbp/cbp_sw_border_fy22_fy25/"
                           "sbo-encounters-fy22-fy25-aug.csv").read_bytes())
    site.publish(NATIONWIDE_STATE, (shared_data / "cbp/tidytuesday_sample/"
                                    "cbp_state_fy2022_apr_sw_az_russia_ukraine_rows.csv")
                 .read_bytes())
    site.page(SW_PAGE, [SBO_AUG])
    site.page(NATIONWIDE_PAGE, [NATIONWIDE_STATE])
    with AgencyServer(site) as server:
        yield Agencies(site, server)


CHEAP = ("cbp-southwest", "cbp-nationwide")


def _labels(home: Path) -> list[str]:
    return sorted(label for (label,) in reader(home).execute(
        "SELECT release_label FROM releases").fetchall())


def test_a_404_fails_that_file_and_the_other_source_goes_on(cli, small_site):
    small_site.site.files[SBO_AUG].misbehave = "404"
    code, report = _update(cli, small_site, codes=CHEAP)
    assert code == EXIT_FAILED
    assert _statuses(report) == {"sbo-encounters-fy22-fy25-aug.csv": "failed",
                                 "nationwide-encounters-fy22-fy25-state.csv": "published"}
    (problem,) = report["failures"]
    assert "404" in problem and "sbo-encounters-fy22-fy25-aug.csv" in problem
    assert _labels(cli.home) == ["nationwide-encounters-fy22-fy25-state.csv"]


def test_a_download_cut_short_is_never_ingested_and_resumes(cli, small_site):
    small_site.site.files[SBO_AUG].misbehave = "truncate"
    code, report = _update(cli, small_site, codes=CHEAP)
    assert code == EXIT_FAILED
    assert _statuses(report)["sbo-encounters-fy22-fy25-aug.csv"] == "failed"
    assert "run again to resume" in report["failures"][0]
    assert _labels(cli.home) == ["nationwide-encounters-fy22-fy25-state.csv"]
    parts = list((cli.home / "downloads").rglob("*.part"))
    size = len(small_site.site.files[SBO_AUG].body)
    assert [p.stat().st_size for p in parts] == [size // 2]
    assert not [f for f in UpdateState.load(cli.home).files.values() if f.url.endswith(
        "aug.csv")]  # not recorded: the next run fetches it
    small_site.site.files[SBO_AUG].misbehave = None
    mark = len(small_site.site.requests)
    code, report = _update(cli, small_site, codes=CHEAP)
    assert code == EXIT_UPDATED
    assert _statuses(report) == {"sbo-encounters-fy22-fy25-aug.csv": "published",
                                 "nationwide-encounters-fy22-fy25-state.csv": "current"}
    ranges = [r for m, p, r in small_site.site.requests[mark:] if p == SBO_AUG and m == "GET"]
    assert ranges == [f"bytes={size // 2}-"]  # resumed, not fetched again
    assert _labels(cli.home) == ["nationwide-encounters-fy22-fy25-state.csv",
                                 "sbo-encounters-fy22-fy25-aug.csv"]
    rows = reader(cli.home).execute(
        "SELECT rows_read FROM releases WHERE release_label LIKE 'sbo%'").fetchone()[0]
    assert rows == 1936  # the whole file


def test_an_html_error_page_served_as_the_csv_is_refused(cli, small_site):
    small_site.site.files[SBO_AUG].misbehave = "html"
    code, report = _update(cli, small_site, codes=CHEAP)
    assert code == EXIT_FAILED
    (problem,) = report["failures"]
    assert "HTML page ('Access Denied')" in problem and "instead of the CSV" in problem
    assert _labels(cli.home) == ["nationwide-encounters-fy22-fy25-state.csv"]
    assert not [p for p in (cli.home / "downloads").rglob("sbo*") if p.is_file()]
    small_site.site.files[SBO_AUG].misbehave = None
    code, _ = _update(cli, small_site, codes=CHEAP)
    assert code == EXIT_UPDATED and len(_labels(cli.home)) == 2


def test_a_listing_page_that_is_gone_fails_its_source_only(cli, small_site):
    small_site.site.pages.pop(SW_PAGE)
    code, report = _update(cli, small_site, codes=CHEAP)
    assert code == EXIT_FAILED
    pages = {p["publication"]: p for p in report["publications"]}
    assert pages["cbp-southwest"]["status"] == "failed"
    assert pages["cbp-nationwide"]["status"] == "ok"
    assert "404" in pages["cbp-southwest"]["message"]
    assert _labels(cli.home) == ["nationwide-encounters-fy22-fy25-state.csv"]


def test_a_page_without_matching_links_is_a_failure_that_says_so(cli, small_site):
    small_site.site.page(SW_PAGE, ["/sites/default/files/2025-09/annual-report.pdf"])
    code, report = _update(cli, small_site, codes=("cbp-southwest",))
    assert code == EXIT_FAILED
    assert "no link matches the file pattern" in report["failures"][0]


def test_two_updates_never_overlap(cli, small_site):
    cli.home.mkdir(parents=True)
    with update_lock(cli.home):
        result = cli("update", *small_site.options(*CHEAP))
    assert result.exit_code == 3
    assert "another `immtrack update` is running" in result.stderr


def test_a_file_already_ingested_by_hand_is_recognised(cli, small_site, shared_data):
    from immtrack.ingest import ingest_cbp

    ingest_cbp(cli.home, [str(shared_data / "cbp/cbp_sw_border_fy22_fy25/"
                                            "sbo-encounters-fy22-fy25-aug.csv")],
               progress=False)
    code, report = _update(cli, small_site, codes=("cbp-southwest",))
    assert code == EXIT_NOTHING_NEW
    assert _statuses(report) == {"sbo-encounters-fy22-fy25-aug.csv": "in lake"}
    assert len(_labels(cli.home)) == 1


def test_the_listing_can_come_from_the_environment(cli, small_site, monkeypatch):
    monkeypatch.setenv("IMMTRACK_LISTING_CBP_SOUTHWEST", small_site.server.url(SW_PAGE))
    result = cli("update", "--source", "cbp-southwest", "--dry-run", "--format", "json")
    assert result.exit_code == EXIT_UPDATED
    assert _statuses(json.loads(result.stdout)) == {"sbo-encounters-fy22-fy25-aug.csv": "new"}
    table = cli("publications", "--format", "json")
    urls = {p["publication"]: p["listing_url"] for p in json.loads(table.stdout)}
    assert urls["cbp-southwest"] == small_site.server.url(SW_PAGE)
    assert urls["ice-detention"] == "https://www.ice.gov/detain/detention-management"


def test_update_state_is_in_the_lake_home_and_written_whole(cli, small_site):
    _update(cli, small_site, codes=CHEAP)
    state = json.loads((cli.home / "update-state.json").read_text())
    entry = state["files"][small_site.server.url(SBO_AUG)]
    assert entry["sha256"] == __import__("hashlib").sha256(
        small_site.site.files[SBO_AUG].body).hexdigest()
    assert entry["etag"] == small_site.site.files[SBO_AUG].etag and entry["release_id"]
    assert not list(cli.home.glob(".update-state.*.tmp"))
    shutil.rmtree(cli.home / "downloads")  # downloads may go: the state says what is current
    code, _ = _update(cli, small_site, codes=CHEAP)
    assert code == EXIT_NOTHING_NEW


def test_a_changed_file_the_reader_refuses_stays_failed_until_fixed(cli, small_site):
    assert _update(cli, small_site, codes=("cbp-southwest",))[0] == EXIT_UPDATED
    good = small_site.site.files[SBO_AUG].body
    small_site.site.publish(SBO_AUG, b"Year,Count\r\n2025,12\r\n")  # a layout CBP never used
    for _ in range(2):  # refused, and refused again: never taken for current
        code, report = _update(cli, small_site, codes=("cbp-southwest",))
        assert code == EXIT_FAILED
        assert _statuses(report) == {"sbo-encounters-fy22-fy25-aug.csv": "failed"}
        assert "sbo-encounters-fy22-fy25-aug.csv" in report["failures"][0]
    small_site.site.publish(SBO_AUG, good)
    code, report = _update(cli, small_site, codes=("cbp-southwest",))
    assert code == EXIT_NOTHING_NEW and _statuses(report) == {
        "sbo-encounters-fy22-fy25-aug.csv": "current"}
    assert _labels(cli.home) == ["sbo-encounters-fy22-fy25-aug.csv"]


def test_the_installed_command_runs_update_without_the_query_engines(small_site, tmp_path):
    """`immtrack update` as a timer starts it: its own process, only its commands loaded."""
    import subprocess
    import sys

    command = [str(Path(sys.executable).parent / "immtrack"), "--home", str(tmp_path / "h"),
               "update", *small_site.options(*CHEAP), "--format", "json"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert first.returncode == EXIT_UPDATED, first.stderr
    again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert again.returncode == EXIT_NOTHING_NEW, again.stderr
    assert set(_statuses(json.loads(again.stdout)).values()) == {"current"}
    probe = subprocess.run(
        [sys.executable, "-c", "import sys; sys.argv = ['immtrack', 'update', '--help']\n"
         "from immtrack.cli import main\n"
         "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ibis', 'duckdb', "
         "'pandas')))"], capture_output=True, text=True, timeout=300)
    assert probe.stdout.strip() == "[]", probe.stderr
