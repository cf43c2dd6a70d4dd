"""A missing or damaged Parquet file, or a damaged catalog: `immtrack verify` names it and says
how to publish it again; every other command answers from the intact releases with a warning,
or fails with one sentence, never a traceback."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from immtrack.cli.main import app
from immtrack.ingest import ingest_cbp, ingest_eoir
from immtrack.lake.home import catalog_path
from immtrack.lake.listing import releases_table
from immtrack.metrics.asylum import asylum
from immtrack.metrics.encounters import EncounterQuestion, encounters
from immtrack.synth.cbp import write_cbp_releases
from immtrack.synth.eoir import write_eoir_release
from tests.support.lake_faults import immtrack, killed_at

QUESTION = EncounterQuestion(region="southwest", start=date(2022, 10, 1), end=date(2024, 9, 1))
ENCOUNTERS = ["encounters", "--region", "southwest", "--from", "2022-10", "--to", "2024-09",
              "--format", "json"]


def run(home: Path, *args: str):
    result = CliRunner().invoke(app, ["--home", str(home), *args], catch_exceptions=True)
    assert "Traceback" not in result.output + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    return result


@pytest.fixture(scope="module")
def lakes(tmp_path_factory) -> dict[str, Path]:
    """A lake with two CBP releases and an EOIR release; one with the older CBP release
    alone (what the first answers from when its newer release is damaged); a third CBP
    release to publish meanwhile, and a lake with the three CBP releases."""
    root = tmp_path_factory.mktemp("damage")
    cbp = write_cbp_releases(root / "cbp")
    write_eoir_release(root / "eoir", 800, seed=4)
    full, older = root / "full", root / "older"
    assert [o.status for o in ingest_cbp(full, [str(p) for p in cbp], progress=False)] == \
        ["published", "published"]
    assert ingest_eoir(full, str(root / "eoir")).status == "published"
    ingest_cbp(older, [str(cbp[0])], progress=False)
    another = write_cbp_releases(root / "another", seed=2)[0]
    with_another = root / "with-another"  # what the repaired lake must answer at the end
    ingest_cbp(with_another, [str(p) for p in [*cbp, another]], progress=False)
    return {"full": full, "older": older, "another": another, "with-another": with_another}


def _copy(lakes: dict[str, Path], tmp_path: Path) -> Path:
    return Path(shutil.copytree(lakes["full"], tmp_path / "home"))


def _newest_cbp(home: Path) -> tuple[dict, Path]:
    release = [r for r in releases_table(home).to_pylist() if r["source"] == "cbp"][-1]
    files = list((home / "lake" / "core_cbp__encounters").glob(f"{release['release_id']}*"))
    assert len(files) == 1
    return release, files[0]


def _missing(path: Path) -> None:
    path.unlink()


def _truncated(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def _overwritten(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size))


def _footer(path: Path) -> None:
    """The Parquet footer changed, its size and magic bytes intact."""
    data = bytearray(path.read_bytes())
    data[-40:-8] = bytes(b ^ 0xFF for b in data[-40:-8])
    path.write_bytes(bytes(data))


def _flipped(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(b ^ 0xFF for b in data[middle:middle + 64])
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_missing, _truncated, _overwritten, _footer, _flipped],
                         ids=["missing", "truncated", "overwritten", "footer", "flipped"])
def test_verify_names_the_damaged_release_and_reingesting_repairs_it(damage, lakes, tmp_path):
    home = _copy(lakes, tmp_path)
    intact_answer = encounters(QUESTION, home=home).total
    assert run(home, "verify").exit_code == 0
    release, path = _newest_cbp(home)
    damage(path)

    report = run(home, "verify", "--format", "json")
    assert report.exit_code == 4
    checked = json.loads(report.stdout)
    assert checked["status"] == "damaged"
    statuses = {r["release_id"]: r["status"] for r in checked["releases"]}
    assert statuses.pop(release["release_id"]) == "damaged"
    assert set(statuses.values()) == {"intact"} and len(statuses) == 2
    damaged = next(r for r in checked["releases"] if r["status"] == "damaged")
    assert str(path.relative_to(home)) in damaged["problems"][0]
    assert damaged["reingest"] == f"immtrack ingest cbp --from {shlex.quote(release['origin'])}"

    # Other commands: the damaged release is listed as such, answers come from the others.
    listed = run(home, "releases", "--format", "json")
    assert listed.exit_code == 0
    rows = {r["release_id"]: r["status"] for r in json.loads(listed.stdout)}
    answered = run(home, *ENCOUNTERS)
    if damage is _flipped:
        # Size and ends intact: only reading the bytes (or verify) finds it. The pages are
        # zstd-compressed, so the read fails (in one sentence) rather than give a wrong sum.
        if answered.exit_code == 0:
            assert json.loads(answered.stdout)["total"] == intact_answer
        else:
            assert answered.exit_code == 3 and "run `immtrack verify`" in answered.stderr
    else:
        assert rows[release["release_id"]].startswith("damaged: ")
        assert answered.exit_code == 0
        assert f"release {release['release_id']}" in answered.stderr
        assert "immtrack verify" in answered.stderr
        older = encounters(QUESTION, home=lakes["older"]).total
        assert json.loads(answered.stdout)["total"] == older != intact_answer

    # Another release can be published meanwhile.
    assert ingest_cbp(home, [str(lakes["another"])], progress=False)[0].status == "published"

    # Publishing it again from where it was read repairs it.
    again = subprocess.run(immtrack(home, *shlex.split(damaged["reingest"])[1:]),
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert run(home, "verify").exit_code == 0
    assert encounters(QUESTION, home=home).total == \
        encounters(QUESTION, home=lakes["with-another"]).total
    assert {r["status"] for r in releases_table(home).to_pylist()} == {"intact"}


def test_verify_checks_row_counts_against_the_catalog(lakes, tmp_path):
    """A lake file swapped for another valid Parquet file of the same table is damage too."""
    home = _copy(lakes, tmp_path)
    _, newest = _newest_cbp(home)
    oldest = sorted(newest.parent.iterdir())
    other = next(p for p in oldest if p != newest)
    shutil.copyfile(other, newest)
    report = run(home, "verify", "--format", "json")
    assert report.exit_code == 4
    problems = [p for r in json.loads(report.stdout)["releases"] for p in r["problems"]]
    assert len(problems) == 1


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty database"])
def test_a_damaged_catalog_gives_one_sentence_everywhere(damage, lakes, tmp_path):
    home = _copy(lakes, tmp_path)
    catalog = catalog_path(home)
    if damage == "garbage":
        catalog.write_bytes(os.urandom(catalog.stat().st_size))
    elif damage == "truncated":
        os.truncate(catalog, catalog.stat().st_size // 2)
    else:
        catalog.unlink()
        import duckdb

        duckdb.connect(str(catalog)).close()
    for args, code in ((["releases"], 3), (ENCOUNTERS, 3), (["quarantine"], 3),
                       (["verify"], 4)):
        result = run(home, *args)
        assert result.exit_code == code, (args, result.output)
        assert f"the catalog {catalog} cannot be read" in " ".join(result.output.split()), args
    report = json.loads(run(home, "verify", "--format", "json").stdout)
    assert report["status"] == "damaged" and "move it aside" in report["catalog_problem"]
    outcome = ingest_cbp(home, [str(tmp_path)], progress=False)[0]
    assert outcome.status == "refused"
    # Nothing under lake/ is taken for an orphan while the catalog cannot be read.
    assert any((home / "lake").rglob("*.parquet"))


def test_orphans_are_reported_and_cleaned_never_a_listed_file(lakes, tmp_path):
    home = _copy(lakes, tmp_path)
    extra = write_cbp_releases(tmp_path / "more", seed=3)[0]
    killed = killed_at("moved", home, tmp_path / "markers", "ingest", "cbp", "--from",
                       str(extra))
    assert killed.returncode == -9 and (tmp_path / "markers" / "moved").exists()
    listed_before = sorted(p for p in (home / "lake").rglob("*.parquet"))
    report = json.loads(run(home, "verify", "--format", "json").stdout)
    assert report["status"] == "intact"
    assert len(report["orphans"]) == 2  # the killed release's encounters and quarantine
    assert report["staging_leftovers"]
    cleaned = run(home, "verify", "--clean", "--format", "json")
    assert cleaned.exit_code == 0
    after = json.loads(cleaned.stdout)
    assert sorted(after["removed"]) == sorted(report["orphans"] + report["staging_leftovers"])
    assert after["orphans"] == [] and after["staging_leftovers"] == []
    remaining = sorted(p for p in (home / "lake").rglob("*.parquet"))
    assert remaining == [p for p in listed_before if str(p.relative_to(home))
                         not in report["orphans"]]
    assert run(home, "verify").exit_code == 0


def test_a_damaged_eoir_release_is_named_and_republished_whole(lakes, tmp_path):
    home = _copy(lakes, tmp_path)
    eoir = next(r for r in releases_table(home).to_pylist() if r["source"] == "eoir")
    before = asylum(nationality=None, fiscal_year=None, home=home).table.to_pylist()
    assert before and all(row["n"] for row in before)
    decisions = home / "lake" / "core_eoir__asylum_decisions" / f"{eoir['release_id']}.parquet"
    decisions.unlink()
    checked = json.loads(run(home, "verify", "--format", "json").stdout)
    damaged = [r for r in checked["releases"] if r["status"] == "damaged"]
    assert [r["release_id"] for r in damaged] == [eoir["release_id"]]
    assert damaged[0]["reingest"] == (f"immtrack ingest eoir --from "
                                      f"{shlex.quote(eoir['origin'])} --release-date "
                                      f"{eoir['release_date']}")
    # Without its release, EOIR questions have nothing to answer from: one sentence.
    answered = run(home, "asylum", "--format", "json")
    assert answered.exit_code in (2, 3) and eoir["release_id"] in answered.stderr
    outcome = ingest_eoir(home, eoir["origin"], release_date=eoir["release_date"])
    assert outcome.status == "published" and outcome.release_id == eoir["release_id"]
    assert run(home, "verify").exit_code == 0
    assert asylum(nationality=None, fiscal_year=None, home=home).table.to_pylist() == before
    again = releases_table(home).to_pylist()
    assert [r for r in again if r["source"] == "eoir"] == [eoir]  # same row, same place
