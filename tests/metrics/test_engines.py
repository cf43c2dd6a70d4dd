"""The same metric code on DuckDB and on Spark (local mode) must give identical answers.

Few questions, marked slow: a Spark session takes seconds to start.
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path

import pytest

from immtrack.ingest import ingest_eoir
from immtrack.metrics.applications import (
    ApplicationQuestion,
    backlog,
    cohort,
    filings,
    time_to_decision,
)
from immtrack.metrics.asylum import AsylumQuestion, asylum
from immtrack.synth.eoir import PlantedCell, write_eoir_release

pytest.importorskip("pyspark", reason="the Spark engine needs pyspark (in the test extra)")
pytestmark = pytest.mark.slow

QUESTIONS = [
    AsylumQuestion(nationality="RU", fiscal_year=2023),
    AsylumQuestion(by=("custody", "fiscal_year")),
    AsylumQuestion(by=("court",), unit="cases", rider=False,
                   definitions=("merits", "eoir_completion")),
    AsylumQuestion(by=("represented", "asylum_type", "rider"), definitions=("merits",)),
    # The publishers' methods: TRAC's one decision per case and year, EOIR's initial
    # completions, on the published cells and by nationality and year.
    AsylumQuestion(nationality="RU", definitions=("merits", "eoir_completion"),
                   by=("fiscal_year",)),
    AsylumQuestion(by=("nationality", "fiscal_year"), since=date(2018, 10, 1),
                   definitions=("merits", "eoir_completion")),
    AsylumQuestion(by=("ever_detained", "represented_at_first_hearing"), unit="applications",
                   date_basis="filing", since=date(2019, 10, 1),
                   definitions=("protection", "allowed_to_stay", "removal_order")),
]


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("engines")
    write_eoir_release(root / "release", 6000, seed=8,
                       planted=[PlantedCell("RU", 2023, 85, 15),
                                PlantedCell("RU", 2021, 155, 26, 97, method="eoir"),
                                PlantedCell("RU", 2024, 300, 52, method="trac")])
    ingest_eoir(root / "home", str(root / "release"))
    return root / "home"


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: ",".join(q.by) or "cell")
def test_duckdb_and_spark_agree(lake, question):
    on_duckdb = asylum(question, home=lake, engine="duckdb")
    on_spark = asylum(question, home=lake, engine="spark")
    assert on_spark.provenance["engine"] == "spark"

    def rows(answer):  # engines may return groups in another order
        return sorted(answer.table.to_pylist(), key=lambda r: tuple(str(v) for v in r.values()))

    assert rows(on_duckdb) == rows(on_spark)
    assert len(rows(on_duckdb)) > 0
    if question.nationality == "RU" and question.by == ("fiscal_year",):
        cells = {(r["fiscal_year"], r["definition"]): (r["numerator"], r["n"])
                 for r in on_spark.table.to_pylist()}
        assert cells[(2021, "eoir_completion")] == (155, 278)
        assert cells[(2024, "merits")] == (300, 352)


def test_application_metrics_agree(lake):
    for metric, question in ((filings, ApplicationQuestion(by=("nationality",))),
                             (time_to_decision, ApplicationQuestion(by=("custody",))),
                             (functools.partial(cohort, as_of=date(2022, 9, 30)),
                              ApplicationQuestion(by=("asylum_type",), fiscal_year=2021)),
                             (functools.partial(backlog, at=date(2021, 3, 31)),
                              ApplicationQuestion(by=("court",)))):
        on_duckdb, _ = metric(question, home=lake, engine="duckdb")
        on_spark, _ = metric(question, home=lake, engine="spark")
        assert on_duckdb.num_rows > 0

        def rows(table):
            return sorted(table.to_pylist(), key=lambda r: tuple(str(v) for v in r.values()))

        assert rows(on_duckdb) == rows(on_spark)
