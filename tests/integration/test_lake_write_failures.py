"""A full disk or a read-only home: one sentence, the previous state intact, space given back.

Real failures, not simulated ones: each case runs immtrack in a private mount namespace
(`unshare`), on a tmpfs too small for the ingest, or with the home bind-mounted read-only."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from immtrack.ingest import ingest_cbp, ingest_eoir
from immtrack.synth.cbp import write_cbp_releases
from immtrack.synth.eoir import write_eoir_release


def _unshare_works() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-r", "-m", "sh", "-c", "mount -t tmpfs tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(not _unshare_works(),
                                reason="needs unshare with user and mount namespaces")

IMMTRACK = f"{sys.executable} -m immtrack"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("inputs")
    cbp = write_cbp_releases(root / "cbp")
    write_eoir_release(root / "eoir", 800, seed=4)
    base = root / "base"
    ingest_cbp(base, [str(cbp[0])], progress=False)
    full = root / "full"
    shutil.copytree(base, full)
    assert ingest_eoir(full, str(root / "eoir")).status == "published"
    return {"base": base, "full": full, "eoir": root / "eoir", "cbp": cbp[1]}


def _bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _in_namespace(script: str, tmp_path: Path, **paths: Path) -> dict:
    """Run `script` (sh) as root of a private mount namespace; it prints one JSON line."""
    assignments = "".join(f"{name}={str(path)!r}\n" for name, path in paths.items())
    result = subprocess.run(["unshare", "-r", "-m", "sh", "-c", assignments + script],
                            capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# Inside the namespace: the ingest and the check run through the CLI in one interpreter.
_DRIVER = """
import json, sys
from typer.testing import CliRunner
from immtrack.cli.main import app
home, eoir = sys.argv[1], sys.argv[2]
run = lambda *args: CliRunner().invoke(app, ["--home", home, *args])
ingest = run("ingest", "eoir", "--from", eoir)
verify = run("verify", "--format", "json")
used = sum(p.stat().st_size for p in __import__("pathlib").Path(home).rglob("*") if p.is_file())
print(json.dumps({"ingest": ingest.exit_code, "stderr": ingest.stderr,
                  "exception": repr(ingest.exception), "verify": verify.exit_code,
                  "report": json.loads(verify.stdout), "used": used}))
"""

_DISK_FULL = f"""
set -e
mkdir -p mnt
mount -t tmpfs -o size=$kb tmpfs mnt
cp -a "$base" mnt/home
{sys.executable} -c '{_DRIVER}' mnt/home "$eoir"
"""


def test_a_full_disk_at_any_point_leaves_the_previous_release_and_frees_its_space(inputs,
                                                                                  tmp_path):
    base, full = _bytes(inputs["base"]), _bytes(inputs["full"])
    # From "the copy of the lake barely fits" to "the ingest fits": the disk fills while
    # staging, then while copying or writing the catalog, then not at all.
    sizes = [base + 64 * 1024, (base + full) // 2 + 64 * 1024, 3 * full]
    outcomes = []
    for size in sizes:
        case = tmp_path / f"size-{size}"
        case.mkdir()
        seen = _in_namespace(_DISK_FULL, case, kb=f"{size // 1024}k", base=inputs["base"],
                             eoir=inputs["eoir"])
        assert "Traceback" not in seen["stderr"], seen["stderr"]
        assert seen["exception"] in ("None", "SystemExit(3)"), seen
        assert seen["verify"] == 0, seen  # intact, no orphan, no staging leftover
        assert seen["report"]["orphans"] == [] and seen["report"]["staging_leftovers"] == []
        sources = sorted(r["source"] for r in seen["report"]["releases"])
        if seen["ingest"] == 0:
            assert sources == ["cbp", "eoir"]
        else:
            assert seen["ingest"] == 3, seen
            message = " ".join(seen["stderr"].split())
            assert "the disk is full" in message and "Nothing was published" in message
            assert sources == ["cbp"]
            assert seen["used"] <= base + 4096  # its space given back
        outcomes.append(seen["ingest"])
    assert outcomes == [3, 3, 0]


_READ_ONLY_DRIVER = """
import json, sys
from typer.testing import CliRunner
from immtrack.cli.main import app
home, cbp, eoir = sys.argv[1:4]
seen = {}
for name, args in (("releases", ["releases", "--format", "json"]),
                   ("encounters", ["encounters", "--region", "southwest", "--format", "json"]),
                   ("verify", ["verify", "--format", "json"]),
                   ("cbp", ["ingest", "cbp", "--from", cbp]),
                   ("eoir", ["ingest", "eoir", "--from", eoir]),
                   ("clean", ["verify", "--clean"])):
    result = CliRunner().invoke(app, ["--home", home, *args])
    seen[name] = {"exit": result.exit_code, "stdout": result.stdout, "stderr": result.stderr,
                  "exception": repr(result.exception)}
print(json.dumps(seen))
"""

_READ_ONLY = f"""
set -e
mount --bind "$home" "$home"
mount -o remount,bind,ro "$home"
if touch "$home/probe" 2>/dev/null; then echo "not read-only"; exit 1; fi
{sys.executable} -c '{_READ_ONLY_DRIVER}' "$home" "$cbp" "$eoir"
"""


def test_a_read_only_home_answers_questions_and_refuses_ingests_in_one_sentence(inputs,
                                                                                tmp_path):
    home = Path(shutil.copytree(inputs["full"], tmp_path / "home"))
    seen = _in_namespace(_READ_ONLY, tmp_path, home=home, cbp=inputs["cbp"],
                         eoir=inputs["eoir"])
    exits = {name: result["exit"] for name, result in seen.items()}
    assert exits == {"releases": 0, "encounters": 0, "verify": 0, "cbp": 1, "eoir": 3,
                     "clean": 3}, seen
    listed = json.loads(seen["releases"]["stdout"])
    assert sorted(r["source"] for r in listed) == ["cbp", "eoir"]
    for name in ("cbp", "eoir", "clean"):
        assert seen[name]["exception"] in ("SystemExit(1)", "SystemExit(3)"), seen[name]
        message = " ".join(seen[name]["stderr"].split())
        assert "Traceback" not in message
        assert "read-only file system" in message, message
