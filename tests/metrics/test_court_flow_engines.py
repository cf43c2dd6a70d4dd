"""The court-flow metrics give identical answers on DuckDB and on Spark (local mode): new
cases, charges, outcomes in every unit, MPP (with Kaplan-Meier time to completion), bond
quartiles and appeals. Marked slow: a Spark session takes seconds to start."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from immtrack.ingest import ingest_eoir
from immtrack.metrics.appeals import AppealQuestion, appeals
from immtrack.metrics.bond import BondQuestion, bond
from immtrack.metrics.mpp import MppQuestion, mpp
from immtrack.metrics.new_cases import NewCasesQuestion, charges, new_cases
from immtrack.metrics.outcomes import OutcomeQuestion, outcomes
from immtrack.synth.eoir import write_eoir_release

pytest.importorskip("pyspark", reason="the Spark engine needs pyspark (in the test extra)")
pytestmark = pytest.mark.slow

QUESTIONS = [
    (new_cases, NewCasesQuestion(nationality="RU", since=date(2021, 10, 1),
                                 until=date(2022, 9, 30), by=("month",))),
    (new_cases, NewCasesQuestion(by=("fiscal_year", "custody", "charge_group"),
                                 unit="proceedings")),
    (charges, NewCasesQuestion(by=("fiscal_year",), since=date(2018, 10, 1))),
    (outcomes, OutcomeQuestion(by=("nationality", "fiscal_year"), since=date(2019, 10, 1))),
    (outcomes, OutcomeQuestion(by=("court", "represented"), unit="initial_completions")),
    (outcomes, OutcomeQuestion(by=("judge",), unit="completions", fiscal_year=2023,
                               custody="D")),
    (mpp, MppQuestion(by=("month",))),
    (mpp, MppQuestion(by=("nationality",), unit="initial_completions")),
    (bond, BondQuestion(by=("fiscal_year", "custody"))),
    (bond, BondQuestion(by=("court",), date_basis="request", fiscal_year=2023)),
    (appeals, AppealQuestion(by=("fiscal_year",), category=None)),
]


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("court-engines")
    write_eoir_release(root / "release", 8000, seed=9)
    ingest_eoir(root / "home", str(root / "release"))
    return root / "home"


def _rows(table) -> list[dict]:  # engines may return groups in another order
    return sorted(table.to_pylist(), key=lambda r: tuple(str(v) for v in r.values()))


@pytest.mark.parametrize("metric,question", QUESTIONS,
                         ids=lambda item: getattr(item, "__name__", None)
                         or ",".join(getattr(item, "by", ())))
def test_duckdb_and_spark_agree(lake, metric, question):
    on_duckdb = metric(question, home=lake, engine="duckdb")
    on_spark = metric(question, home=lake, engine="spark")
    assert on_spark.provenance["engine"] == "spark"
    assert on_duckdb.table.num_rows > 0
    assert _rows(on_duckdb.table) == _rows(on_spark.table)
    for name, section in on_duckdb.sections.items():
        assert _rows(section) == _rows(on_spark.sections[name]), name
    assert on_duckdb.excluded == on_spark.excluded
