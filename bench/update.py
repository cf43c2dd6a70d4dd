"""Benchmark: `immtrack update` against a local imitation of every agency's site (the real
files of ../shared/data; EOIR a generated 300-case zip), as a user runs it: a separate
`immtrack` process each time. Measures the dry run, the first update (fetch and ingest all
five publications) and, several times, an update with nothing new, which the issue wants
under 2 seconds (interpreter start and imports included).

    .venv/bin/python bench/update.py --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from immtrack.lake.home import find_shared_data  # noqa: E402
from tests.support.agencies import Agencies, build_site  # noqa: E402
from tests.support.agency_server import AgencyServer  # noqa: E402


def _run(command: list[str]) -> tuple[int, float]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    return done.returncode, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="nothing-new updates to time")
    options = parser.parse_args()
    shared = find_shared_data()
    if shared is None:
        sys.exit("../shared/data is needed (the real files)")
    immtrack = str(ROOT / ".venv/bin/immtrack")
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        site = build_site(shared, scratch)
        with AgencyServer(site) as server:
            agencies = Agencies(site, server)
            base = [immtrack, "--home", str(scratch / "home"), "update", *agencies.options(),
                    "--ice-base", str(shared / "ice")]
            code, seconds = _run([*base, "--dry-run"])
            print(f"dry run (5 publications, nothing ingested yet): exit {code}, "
                  f"{seconds:.2f} s")
            code, seconds = _run(base)
            print(f"first update (fetch and ingest 5 files): exit {code}, {seconds:.2f} s")
            times = []
            for _ in range(options.runs):
                code, seconds = _run(base)
                assert code == 4, f"expected exit 4 (nothing new), got {code}"
                times.append(seconds)
            print(f"nothing new, {options.runs} runs: exit 4; median {statistics.median(times):.2f}"
                  f" s, min {min(times):.2f} s, max {max(times):.2f} s")
            _, imports = _run([immtrack, "--help"])
            print(f"for scale, `immtrack --help` alone: {imports:.2f} s")


if __name__ == "__main__":
    main()
