"""Benchmark: warm query latency of the asylum metrics on DuckDB over a large generated lake.

Two workloads, each repeated: the nationality x fiscal-year grant-rate table (every definition),
and a nationality page's worth of queries (one nationality's rates by fiscal year, custody,
court and representation at first hearing; its filings by year, its cohort since 2022-02-24,
its backlog and its time to decision by custody). Reports p50 and p95 of warm runs (the first
run is discarded).

    .venv/bin/python bench/metrics.py --lake /tmp/bench/lake-5000000 \
        --release /tmp/bench/release-5000000 --repeat 20
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import date
from pathlib import Path

from immtrack.ingest import ingest_eoir
from immtrack.metrics.applications import (
    ApplicationQuestion,
    backlog,
    cohort,
    filings,
    time_to_decision,
)
from immtrack.metrics.asylum import AsylumQuestion, asylum
from immtrack.metrics.bond import BondQuestion, bond
from immtrack.metrics.new_cases import NewCasesQuestion, new_cases
from immtrack.metrics.outcomes import OutcomeQuestion, outcomes
from immtrack.schema.eoir import OUTCOME_GROUPS

RATES = [(asylum, AsylumQuestion(nationality="RU", by=("fiscal_year",))),
         (asylum, AsylumQuestion(nationality="RU", by=("custody",))),
         (asylum, AsylumQuestion(nationality="RU", by=("court",))),
         (asylum, AsylumQuestion(nationality="RU", by=("represented_at_first_hearing",)))]
APPLICATIONS = [(filings, ApplicationQuestion(nationality="RU", by=("filed_fy",))),
                (cohort, ApplicationQuestion(nationality="RU", since=date(2022, 2, 24))),
                (backlog, ApplicationQuestion(nationality="RU")),
                (time_to_decision, ApplicationQuestion(nationality="RU", by=("custody",)))]
TABLE = [(asylum, AsylumQuestion(by=("nationality", "fiscal_year")))]
# The sections issue 17 added to the nationality page (web/court_pages.py asks the same).
COURT_FLOW = [(new_cases, NewCasesQuestion(nationality="RU", since=date(2019, 10, 1),
                                           by=("month",))),
              (outcomes, OutcomeQuestion(nationality="RU", by=("fiscal_year",), definitions=(
                  *OUTCOME_GROUPS, "in_absentia", "in_absentia_of_removals"))),
              (bond, BondQuestion(nationality="RU", by=("fiscal_year",)))]
WORKLOADS = {"nationality x fiscal year table": TABLE,
             "nationality page: rates (4 queries)": RATES,
             "nationality page: applications (4 queries)": APPLICATIONS,
             "nationality page: court flow (3 queries)": COURT_FLOW,
             "nationality page: all 11 queries": RATES + APPLICATIONS + COURT_FLOW}


def _time(run) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def _stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1),
            "runs": len(ordered)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake", type=Path, required=True)
    parser.add_argument("--release", type=Path, help="ingested first if the lake is empty")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    if args.release and not (args.lake / "catalog.duckdb").exists():
        ingest_eoir(args.lake, str(args.release))
    results = {}
    for label, questions in WORKLOADS.items():
        def run(questions=questions):
            for metric, question in questions:
                metric(question, home=args.lake)
        run()  # warm-up: caches, first connection
        results[label] = _stats([_time(run) for _ in range(args.repeat)])
        print(json.dumps({label: results[label]}), flush=True)


if __name__ == "__main__":
    main()
