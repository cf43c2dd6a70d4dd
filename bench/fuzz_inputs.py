"""The long mutation run: many hostile versions of every input file through every reader.

    .venv/bin/python bench/fuzz_inputs.py --per-file 40 --out bench/out/fuzz_inputs.json

Each reader gets its own lake under --work. For every mutated file the outcome is refused
(a clear error naming the file), published (counts checked independently), or a finding
(traceback, hang, write outside the lake, miscount, a cut file published, a duplicate
loaded, an impossible year in the release order). Prints one Markdown table per reader and
mutation kind. The same harness runs bounded in `make test` (tests/fuzz).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fuzz import harness  # noqa: E402


def _targets(shared: Path, work: Path, cases: int, rows: int):
    cbp = harness.CbpTarget(shared, work / "cbp", rows)
    ice = harness.IceTarget(shared, work / "ice", max(10, rows // 3))
    eoir = harness.EoirTarget(work / "eoir", cases)
    yield "cbp", cbp, [("cbp", cbp.csv_name, cbp.csv), ("xlsx", cbp.xlsx_name, cbp.xlsx)]
    yield "ice", ice, [(kind, rel, ice.data(rel)) for rel, kind in harness.ICE_FILES.items()]
    yield "eoir", eoir, [("eoir" if "/" not in rel else "tsv", rel, eoir.data(rel))
                         for rel in eoir.files]


def isolated(run, seed: str, mutation) -> harness.Result:
    """Run one case in a forked child, so a crash of the process (SIGABRT from a native
    library, an out-of-memory kill) is a finding rather than the end of the run."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            payload = json.dumps(vars(run()))
        except BaseException as error:  # noqa: BLE001
            payload = json.dumps(vars(harness.Result(seed, mutation.kind, mutation.detail,
                                                     "traceback", repr(error)[:300])))
        with os.fdopen(write_end, "w") as out:
            out.write(payload)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as stream:
        payload = stream.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        return harness.Result(seed, mutation.kind, mutation.detail, "crash",
                              f"the process died of {name}")
    return harness.Result(**json.loads(payload))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-file", type=int, default=30, help="mutations of each file")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--cases", type=int, default=40, help="EOIR cases generated")
    parser.add_argument("--rows", type=int, default=120, help="CBP rows kept from the real CSV")
    parser.add_argument("--only", default="", help="cbp, ice or eoir")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "fuzz_inputs.json")
    parser.add_argument("--memory-gib", type=float, default=6,
                        help="address-space limit, so a memory bomb fails fast")
    args = parser.parse_args()
    limit = int(args.memory_gib * (1 << 30))
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from immtrack.lake.home import find_shared_data

    shared = find_shared_data()
    if shared is None:
        print("needs ../shared/data", file=sys.stderr)
        return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="immtrack-fuzz-"))
    results = []
    started = time.perf_counter()
    for reader, target, files in _targets(shared, work, args.cases, args.rows):
        if args.only and reader != args.only:
            continue
        for file_type, name, data in files:
            kinds = harness.kinds_for(file_type)
            rng = random.Random(f"{args.seed}:{name}")  # same mutations whatever --only says
            for index in range(args.per_file):
                kind = kinds[index % len(kinds)]
                mutation = harness.mutate(data, file_type, kind, rng.random(),
                                          rng.randrange(256))
                which = name if reader != "cbp" else file_type
                result = isolated(lambda t=target, w=which, m=mutation: t.run(w, m),
                                  f"{reader}-{file_type}", mutation)
                result.detail = f"{name}: {result.detail}"
                results.append(result)
                if not result.ok:
                    print(f"{result.status:>26}  {result.seed} {result.kind} "
                          f"{result.detail[:60]}  {result.message[:160]}", flush=True)
    elapsed = time.perf_counter() - started
    harness.save(results, args.out)
    table = defaultdict(Counter)
    for r in results:
        table[(r.seed, r.kind)][r.status] += 1
    statuses = sorted({r.status for r in results})
    print(f"\n{len(results)} mutated files in {elapsed:.0f} s\n")
    print("| reader | mutation | " + " | ".join(statuses) + " |")
    print("|---|---|" + "---|" * len(statuses))
    for (seed, kind), counts in sorted(table.items()):
        print(f"| {seed} | {kind} | " + " | ".join(str(counts[s]) for s in statuses) + " |")
    totals = Counter(r.status for r in results)
    print("\nTotals: " + ", ".join(f"{s} {totals[s]}" for s in statuses))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
