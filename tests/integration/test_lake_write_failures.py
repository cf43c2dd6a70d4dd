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


_DISK_FULL = f"""
set -e
mkdir -p mnt
mount -t tmpfs -o size=$kb tmpfs mnt
cp -a "$base" mnt/home
set +e
{IMMTRACK} --home mnt/home ingest eoir --from "$eoir" >/dev/null 2>err.txt
ingest=$?
{IMMTRACK} --home mnt/home verify --format json >verify.json 2>>err.txt
verify=$?
used=$(du -sb mnt/home | cut -f1)
python3 -c "import json,sys; print(json.dumps({{'ingest': $ingest, 'verify': $verify,
  'used': $used, 'stderr': open('err.txt').read(), 'report': json.load(open('verify.json'))}}))"
"""


def test_a_full_disk_at_any_point_leaves_the_previous_release_and_frees_its_space(inputs,
                                                                                  tmp_path):
    base, full = _bytes(inputs["base"]), _bytes(inputs["full"])
    # Sizes from "the copy of the lake barely fits" to "the ingest fits": the disk fills
    # while staging, while moving, while copying the catalog or while writing it.
    sizes = [base + (full - base) * share // 4 + 64 * 1024 for share in range(0, 7, 2)]
    sizes.append(3 * full)
    outcomes = []
    for size in sizes:
        case = tmp_path / f"size-{size}"
        case.mkdir()
        seen = _in_namespace(_DISK_FULL, case, kb=f"{size // 1024}k", base=inputs["base"],
                             eoir=inputs["eoir"])
        assert "Traceback" not in seen["stderr"], seen["stderr"]
        assert seen["verify"] == 0, seen  # intact, no orphan, no staging leftover
        assert seen["report"]["orphans"] == [] and seen["report"]["staging_leftovers"] == []
        sources = sorted(r["source"] for r in seen["report"]["releases"])
        if seen["ingest"] == 0:
            assert sources == ["cbp", "eoir"]
        else:
            assert seen["ingest"] == 3, seen
            assert "the disk is full" in seen["stderr"] and "Nothing was published" in \
                seen["stderr"]
            assert sources == ["cbp"]
            assert seen["used"] <= base + 4096  # its space given back
        outcomes.append(seen["ingest"])
    assert outcomes[0] == 3 and outcomes[-1] == 0, outcomes


_READ_ONLY = f"""
mount --bind "$home" "$home"
mount -o remount,bind,ro "$home"
touch "$home/probe" 2>/dev/null && echo "not read-only" && exit 1
run() {{ {IMMTRACK} --home "$home" "$@" >out.txt 2>err.txt; echo $?; }}
releases=$(run releases --format json); releases_out=$(cat out.txt)
encounters=$(run encounters --region southwest --format json)
verify=$(run verify --format json)
cbp=$(run ingest cbp --from "$cbp"); cbp_err=$(cat err.txt)
eoir=$(run ingest eoir --from "$eoir"); eoir_err=$(cat err.txt)
clean=$(run verify --clean); clean_err=$(cat err.txt)
export releases_out cbp_err eoir_err clean_err
python3 -c "import json, os; print(json.dumps({{
  'releases': $releases, 'encounters': $encounters, 'verify': $verify, 'cbp': $cbp,
  'eoir': $eoir, 'clean': $clean, 'listed': json.loads(os.environ['releases_out']),
  'cbp_err': os.environ['cbp_err'], 'eoir_err': os.environ['eoir_err'],
  'clean_err': os.environ['clean_err']}}))"
"""


def test_a_read_only_home_answers_questions_and_refuses_ingests_in_one_sentence(inputs,
                                                                                tmp_path):
    home = Path(shutil.copytree(inputs["full"], tmp_path / "home"))
    seen = _in_namespace(_READ_ONLY, tmp_path, home=home, cbp=inputs["cbp"],
                         eoir=inputs["eoir"])
    assert (seen["releases"], seen["encounters"], seen["verify"]) == (0, 0, 0), seen
    assert sorted(r["source"] for r in seen["listed"]) == ["cbp", "eoir"]
    assert seen["cbp"] == 1 and seen["eoir"] == 3 and seen["clean"] == 3, seen
    for message in (seen["cbp_err"], seen["eoir_err"], seen["clean_err"]):
        assert "Traceback" not in message
        assert "read-only file system" in " ".join(message.split()), message
