"""Publishing is all or nothing: a failed or killed ingest leaves the previous release
queryable and unchanged, readers and ingests never fight, and ingesting the same files twice
changes nothing.

Kills land at named publish stages (lake/faults.py): the process writes a marker just before
it acts, and each test checks the marker, so a kill that missed its stage fails the test."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import immtrack.lake.releases as releases_module
from immtrack.api.app import create_app
from immtrack.ingest import ingest_cbp
from immtrack.lake.faults import STAGES
from immtrack.lake.home import catalog_path
from immtrack.lake.listing import release_files_table, releases_table
from immtrack.lake.lock import orphan_files
from immtrack.lake.verify import verify_lake
from immtrack.metrics.encounters import EncounterQuestion, encounters
from immtrack.synth.cbp import write_cbp_releases
from tests.support.lake_faults import PausedAt, immtrack, killed_at

QUESTION = EncounterQuestion(region="southwest", start=date(2022, 10, 1), end=date(2023, 9, 1))


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> list[Path]:
    """Four distinct CBP releases: two from each of two seeds."""
    root = tmp_path_factory.mktemp("generated")
    return write_cbp_releases(root / "a") + write_cbp_releases(root / "b", seed=1)


@pytest.fixture(scope="module")
def one_release(generated, tmp_path_factory) -> Path:
    """A home holding the first release, copied by each test that changes it."""
    home = tmp_path_factory.mktemp("one") / "home"
    assert ingest_cbp(home, [str(generated[0])], progress=False)[0].status == "published"
    return home


def _copy(home: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(home, tmp_path / "home"))


def _state(home: Path) -> tuple:
    """Everything a reader can see: releases, file counts and one answer."""
    return (releases_table(home).to_pylist(), release_files_table(home).to_pylist(),
            encounters(QUESTION, home=home).total)


def _verify(home: Path) -> dict:
    return verify_lake(home).to_dict()


def test_ingesting_the_same_file_twice_changes_nothing(cli, home, generated):
    first = cli("ingest", "cbp", "--from", str(generated[0]))
    assert first.exit_code == 0 and "published" in first.stdout
    before = _state(home)
    catalog_bytes = catalog_path(home).read_bytes()
    second = cli("ingest", "cbp", "--from", str(generated[0]), "--format", "json")
    assert second.exit_code == 0
    assert '"status": "unchanged"' in second.stdout
    assert _state(home) == before
    assert catalog_path(home).read_bytes() == catalog_bytes


def test_a_failure_while_publishing_leaves_the_previous_release(one_release, generated,
                                                                tmp_path, monkeypatch):
    home = _copy(one_release, tmp_path)
    before = _state(home)

    def broken_views(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(releases_module, "create_views", broken_views)
    with pytest.raises(OSError):
        ingest_cbp(home, [str(generated[1])], progress=False)
    monkeypatch.undo()
    assert _state(home) == before
    # The staging folder and the files already moved into lake/ are removed on the way out.
    assert not (home / ".staging").exists()
    assert orphan_files(home) == []
    # The next ingest sweeps the leftovers and publishes normally.
    assert ingest_cbp(home, [str(generated[1])], progress=False)[0].status == "published"
    assert orphan_files(home) == []
    assert len(releases_table(home)) == 2


@pytest.mark.parametrize("stage", STAGES)
def test_a_kill_at_each_publish_stage_leaves_a_consistent_lake(stage, one_release, generated,
                                                               tmp_path):
    home = _copy(one_release, tmp_path)
    before, catalog_bytes = _state(home), catalog_path(home).read_bytes()
    markers = tmp_path / "markers"
    killed = killed_at(stage, home, markers, "ingest", "cbp", "--from", str(generated[1]))
    # The process reached the stage and died there, by SIGKILL.
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert (markers / stage).read_text().isdigit()
    assert [p.name for p in markers.iterdir()] == [stage]
    published = STAGES.index(stage) >= STAGES.index("catalog-swapped")
    if published:
        releases = releases_table(home).to_pylist()
        assert [r["release_label"] for r in releases] == [generated[0].name, generated[1].name]
        assert all(r["rows_read"] == r["rows_loaded"] + r["rows_quarantined"]
                   for r in releases)
    else:
        # Readers see exactly the previous state; the catalog was never written in place.
        assert _state(home) == before
        assert catalog_path(home).read_bytes() == catalog_bytes
    orphans = orphan_files(home)
    moved = STAGES.index("moving") <= STAGES.index(stage) < STAGES.index("catalog-swapped")
    assert bool(orphans) == moved, orphans
    # The next ingest (of another file) removes the staging folder and the orphans, and
    # never a file the catalog lists.
    assert ingest_cbp(home, [str(generated[2])], progress=False)[0].status == "published"
    assert orphan_files(home) == []
    assert not (home / ".staging").exists()
    again = ingest_cbp(home, [str(generated[1])], progress=False)[0]
    assert again.status == ("unchanged" if published else "published")
    report = _verify(home)
    assert report["status"] == "intact" and report["orphans"] == []
    assert len(report["releases"]) == 3


def test_readers_see_the_previous_release_while_an_ingest_publishes(one_release, generated,
                                                                     tmp_path):
    home = _copy(one_release, tmp_path)
    before = _state(home)
    api = TestClient(create_app(home), base_url="http://127.0.0.1")  # a loopback Host
    question = {"region": "southwest", "start": "2022-10", "end": "2023-09"}
    with PausedAt("catalog-writing", home, tmp_path / "markers", "ingest", "cbp", "--from",
                  str(generated[1])) as ingest:
        # The new catalog is open for writing, the release inserted but not committed.
        assert _state(home) == before
        listed = subprocess.run(immtrack(home, "releases", "--format", "csv"),
                                capture_output=True, text=True, timeout=120)
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.count("\n") == 2  # header and the previous release
        answered = api.get("/api/encounters", params=question)
        assert answered.status_code == 200, answered.text
        assert answered.json()["total"] == before[2]
    assert ingest.result.returncode == 0, ingest.result.stderr
    assert len(releases_table(home)) == 2
    # The server answers from the new release at once.
    assert api.get("/api/encounters", params=question).json()["total"] == \
        encounters(QUESTION, home=home).total != before[2]


_HOLD_CATALOG = """
import sys, time, duckdb
from pathlib import Path
con = duckdb.connect()
con.execute("ATTACH " + repr(sys.argv[1]) + " AS c (READ_ONLY)")
Path(sys.argv[2]).touch()
while not Path(sys.argv[3]).exists():
    time.sleep(0.02)
"""


def test_an_ingest_publishes_while_a_reader_holds_the_catalog_open(one_release, generated,
                                                                    tmp_path):
    home = _copy(one_release, tmp_path)
    opened, done = tmp_path / "opened", tmp_path / "done"
    with PausedAt("moved", home, tmp_path / "markers", "ingest", "cbp", "--from",
                  str(generated[1])) as ingest:
        reader = subprocess.Popen([sys.executable, "-c", _HOLD_CATALOG,
                                   str(catalog_path(home)), str(opened), str(done)])
        while not opened.exists():
            assert reader.poll() is None, "the reader could not open the catalog"
    try:
        assert ingest.result.returncode == 0, ingest.result.stderr
        assert len(releases_table(home)) == 2
    finally:
        done.touch()
        reader.wait(timeout=60)
    assert reader.returncode == 0


_READ_IN_A_LOOP = """
import json, sys
from pathlib import Path
from immtrack.lake.catalog import connect
home, stop = Path(sys.argv[1]), Path(sys.argv[2])
reads, errors, seen = 0, [], set()
while not stop.exists():
    try:
        seen.add(connect(home).execute("SELECT count(*) FROM releases").fetchone()[0])
        reads += 1
    except Exception as error:
        errors.append(f"{type(error).__name__}: {error}")
print(json.dumps({"reads": reads, "seen": sorted(seen), "errors": errors}))
"""


def test_readers_in_a_loop_never_fail_an_ingest_nor_fail_themselves(one_release, generated,
                                                                    tmp_path):
    home = _copy(one_release, tmp_path)
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", _READ_IN_A_LOOP, str(home), str(stop)],
                              stdout=subprocess.PIPE, text=True)
    try:
        results = [subprocess.run(immtrack(home, "ingest", "cbp", "--from", str(path)),
                                  capture_output=True, text=True, timeout=300)
                   for path in generated[1:3]]
    finally:
        stop.touch()
        output = reader.communicate(timeout=120)[0]
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    seen = json.loads(output)
    assert seen["errors"] == []
    assert seen["reads"] > 0 and seen["seen"][0] == 1  # it read before the first publish
    assert len(releases_table(home)) == 3


def test_a_cbp_ingest_while_another_publishes_is_refused_in_one_sentence(one_release,
                                                                         generated, tmp_path):
    home = _copy(one_release, tmp_path)
    with PausedAt("catalog-writing", home, tmp_path / "markers", "ingest", "cbp", "--from",
                  str(generated[1])) as ingest:
        outcome = ingest_cbp(home, [str(generated[2])], progress=False)[0]
        assert outcome.status == "refused"
        assert "another ingest" in outcome.message
    assert ingest.result.returncode == 0, ingest.result.stderr


def test_a_second_ingest_waits_its_turn(home, generated):
    home.mkdir(parents=True)
    import fcntl

    with open(home / ".ingest.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        outcome = ingest_cbp(home, [str(generated[0])], progress=False)[0]
    assert outcome.status == "refused"
    assert "another ingest" in outcome.message
    assert os.path.exists(home / ".ingest.lock")
