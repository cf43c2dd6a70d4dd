"""Benchmark: immtrack's full EOIR ingest against two baselines on the same generated releases.

Contenders, each run in its own process under /usr/bin/time -v (wall time, peak memory):
- duckdb_floor: DuckDB reads every table as text straight to Parquet, no validation, no
  repairs, bad rows skipped (the engine's floor);
- immtrack: `ingest_eoir` into a fresh lake (hashing, cleaning, typing, repairs, quarantine,
  lookups, unknown codes, atomic publish);
- pandas: read_csv in chunks (bad rows skipped) and to_parquet through pyarrow, the usual
  hand-made pipeline.

    .venv/bin/python bench/ingest_eoir.py --cases 1000000 5000000

Writes bench/out/ingest_eoir.json and prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
CONTENDERS = ("duckdb_floor", "immtrack", "pandas")


def run_duckdb_floor(release: Path, target: Path) -> None:
    import duckdb

    from immtrack.schema.eoir import EOIR_TABLES

    con = duckdb.connect()
    con.execute("SET memory_limit = '2GB'")
    con.execute("SET preserve_insertion_order = false")
    for table in EOIR_TABLES.values():
        columns = "{" + ", ".join(f"'{c.name}': 'VARCHAR'" for c in table.columns) + "}"
        con.execute(
            f"COPY (SELECT * FROM read_csv('{release / table.file_name}', columns = {columns}, "
            "auto_detect = false, header = true, delim = '\t', quote = '', escape = '', "
            "encoding = 'latin-1', ignore_errors = true)) "
            f"TO '{target / table.name}.parquet' (FORMAT parquet, COMPRESSION zstd)")


def run_immtrack(release: Path, target: Path) -> None:
    from immtrack.ingest import ingest_eoir

    outcome = ingest_eoir(target / "home", str(release))
    assert outcome.status == "published", outcome


def run_pandas(release: Path, target: Path) -> None:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from immtrack.schema.eoir import EOIR_TABLES

    for table in EOIR_TABLES.values():
        writer = None
        for chunk in pd.read_csv(release / table.file_name, sep="\t", encoding="latin-1",
                                 dtype=str, quoting=csv.QUOTE_NONE, on_bad_lines="skip",
                                 keep_default_na=False, chunksize=1_000_000):
            batch = pa.Table.from_pandas(chunk, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(target / f"{table.name}.parquet", batch.schema,
                                          compression="zstd")
            writer.write_table(batch.cast(writer.schema))
        if writer:
            writer.close()


def _measure(contender: str, release: Path, work: Path) -> dict:
    target = work / contender
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    command = ["/usr/bin/time", "-v", sys.executable, __file__, "--one", contender,
               str(release), str(target)]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    if done.returncode:
        raise RuntimeError(f"{contender} failed:\n{done.stderr[-2000:]}")
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)[1])
    shutil.rmtree(target, ignore_errors=True)
    return {"contender": contender, "wall_s": round(wall, 2), "peak_mb": peak_kb // 1024}


def _release(cases: int, work: Path) -> tuple[Path, int]:
    from immtrack.synth.eoir import write_eoir_release

    folder = work / f"release-{cases}"
    marker = folder / "immtrack-synthetic.json"
    if not marker.exists() or json.loads(marker.read_text())["cases"] != cases:
        shutil.rmtree(folder, ignore_errors=True)
        write_eoir_release(folder, cases, seed=cases)
    rows = json.loads(marker.read_text())["rows"]
    return folder, sum(n for name, n in rows.items() if not name.startswith("Lookup/"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--work", type=Path, default=OUT)
    parser.add_argument("--contenders", nargs="+", default=list(CONTENDERS), choices=CONTENDERS)
    parser.add_argument("--one", nargs=3, metavar=("CONTENDER", "RELEASE", "TARGET"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        contender, release, target = args.one
        globals()[f"run_{contender}"](Path(release), Path(target))
        return
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    for cases in args.cases:
        release, rows = _release(cases, args.work)
        size_mb = sum(p.stat().st_size for p in release.rglob("*") if p.is_file()) // 2**20
        for contender in args.contenders:
            result = {"cases": cases, "rows": rows, "release_mb": size_mb,
                      **_measure(contender, release, args.work)}
            result["rows_per_s"] = int(rows / result["wall_s"])
            results.append(result)
            print(json.dumps(result), flush=True)
    (args.work / "ingest_eoir.json").write_text(json.dumps(results, indent=2))
    print("\n| cases | rows | release MB | contender | wall s | rows/s | peak MB | vs floor |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        floor = next((f for f in results if f["cases"] == r["cases"]
                      and f["contender"] == "duckdb_floor"), None)
        ratio = f"{r['wall_s'] / floor['wall_s']:.2f}x" if floor else "-"
        print(f"| {r['cases']:,} | {r['rows']:,} | {r['release_mb']:,} | {r['contender']} | "
              f"{r['wall_s']} | {r['rows_per_s']:,} | {r['peak_mb']:,} | {ratio} |")


if __name__ == "__main__":
    main()
