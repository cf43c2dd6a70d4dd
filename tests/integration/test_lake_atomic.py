"""Publishing is all or nothing: a failed or killed ingest leaves the previous release
queryable and unchanged, and ingesting the same files twice changes nothing."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

import immtrack.lake.releases as releases_module
from immtrack.ingest import ingest_cbp
from immtrack.lake.home import catalog_path
from immtrack.lake.listing import release_files_table, releases_table
from immtrack.metrics.encounters import EncounterQuestion, encounters
from immtrack.synth.cbp import write_cbp_releases

QUESTION = EncounterQuestion(region="southwest", start=date(2022, 10, 1), end=date(2023, 9, 1))


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> list[Path]:
    return write_cbp_releases(tmp_path_factory.mktemp("generated"))


def _state(home: Path) -> tuple:
    """Everything a reader can see: releases, file counts, lake files and one answer."""
    files = sorted((p.relative_to(home), p.stat().st_mtime_ns)
                   for p in (home / "lake").rglob("*.parquet"))
    releases = releases_table(home).to_pylist()
    return releases, release_files_table(home).to_pylist(), files, \
        encounters(QUESTION, home=home).total


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


def test_a_failure_while_publishing_leaves_the_previous_release(home, generated, monkeypatch):
    ingest_cbp(home, [str(generated[0])], progress=False)
    before = _state(home)

    def broken_views(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(releases_module, "create_views", broken_views)
    with pytest.raises(OSError):
        ingest_cbp(home, [str(generated[1])], progress=False)
    monkeypatch.undo()
    assert _state(home)[:2] == before[:2]
    assert encounters(QUESTION, home=home).total == before[3]
    # The next ingest sweeps the leftovers and publishes normally.
    assert ingest_cbp(home, [str(generated[1])], progress=False)[0].status == "published"
    assert not any((home / ".staging").iterdir())
    assert len(releases_table(home)) == 2


def test_a_killed_ingest_leaves_the_previous_release(home, generated, tmp_path):
    ingest_cbp(home, [str(generated[0])], progress=False)
    before = _state(home)
    # A larger file, so that the ingest spends a while reading and writing.
    big = tmp_path / "big" / "nationwide-encounters-fy22-fy25-aor.csv"
    big.parent.mkdir()
    shutil.copy(generated[1], big)
    def command(target: Path) -> list[str]:
        return [sys.executable, "-m", "immtrack", "--home", str(target), "ingest", "cbp",
                "--from", str(big)]

    # Time a full run elsewhere, then kill at points spread over that span: start-up,
    # reading, staging and publishing.
    started = time.monotonic()
    subprocess.run(command(tmp_path / "scratch"), check=True, capture_output=True, timeout=120)
    duration = time.monotonic() - started
    outcomes = set()
    for delay in (duration * f for f in (0.3, 0.5, 0.65, 0.75, 0.85, 0.9, 0.95, 1.0)):
        process = subprocess.Popen(command(home), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        releases = releases_table(home).to_pylist()
        if len(releases) == 1:
            outcomes.add("killed before publishing")
            assert _state(home)[:2] == before[:2]
            assert encounters(QUESTION, home=home).total == before[3]
        else:
            outcomes.add("published before the kill")
            newest = releases[-1]
            assert newest["release_label"] == big.name
            assert newest["rows_read"] == newest["rows_loaded"] + newest["rows_quarantined"]
            break
    assert "killed before publishing" in outcomes
    finished = subprocess.run(command(home), capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert len(releases_table(home)) == 2
    with duckdb.connect(str(catalog_path(home)), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM lake_files").fetchone()[0] == 4


def test_a_second_ingest_waits_its_turn(home, generated):
    home.mkdir(parents=True)
    import fcntl

    with open(home / ".ingest.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        outcome = ingest_cbp(home, [str(generated[0])], progress=False)[0]
    assert outcome.status == "refused"
    assert "another ingest" in outcome.message
    assert os.path.exists(home / ".ingest.lock")
