"""A home whose path holds quotes works like any other: paths and names reach SQL quoted."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from immtrack.ingest import ingest_cbp, ingest_eoir
from immtrack.lake.sql import sql_identifier, sql_list, sql_string
from immtrack.metrics.asylum import asylum
from immtrack.metrics.encounters import EncounterQuestion, encounters
from immtrack.synth.cbp import write_cbp_releases
from immtrack.synth.eoir import PlantedCell, write_eoir_release

AWKWARD = ["it's here", 'a "quoted" name', "''", "back\\slash", "semi; DROP TABLE x; --", ""]


@pytest.mark.parametrize("text", AWKWARD)
def test_quoted_strings_and_names_come_back_as_written(text):
    con = duckdb.connect()
    assert con.execute(f"SELECT {sql_string(text)}").fetchone()[0] == text
    assert con.execute(f"SELECT {sql_list([text, 'x'])}").fetchone()[0] == [text, "x"]
    if text:
        column = con.execute(f"SELECT 1 AS {sql_identifier(text)}").description[0][0]
        assert column == text


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> tuple[list[Path], Path]:
    root = tmp_path_factory.mktemp("inputs")
    write_eoir_release(root / "eoir", 1500, seed=5, planted=[PlantedCell("RU", 2023, 85, 15)])
    return write_cbp_releases(root / "cbp"), root / "eoir"


def test_a_home_with_quotes_in_its_path_ingests_and_answers(releases, tmp_path, cli):
    cbp_files, eoir_folder = releases
    plain, awkward = tmp_path / "plain", tmp_path / "it's \"here\"" / "home"
    question = EncounterQuestion(region="southwest", start=date(2022, 10, 1),
                                 end=date(2023, 9, 1))
    for home in (plain, awkward):
        outcomes = ingest_cbp(home, [str(p) for p in cbp_files], progress=False)
        assert [o.status for o in outcomes] == ["published", "published"]
        assert ingest_eoir(home, str(eoir_folder)).status == "published"
    # The same answers as from an ordinary path, and the planted cell exactly.
    assert encounters(question, home=awkward).total == encounters(question, home=plain).total
    rates = {r["definition"]: (r["numerator"], r["n"]) for r in
             asylum(nationality="RU", fiscal_year=2023, home=awkward).table.to_pylist()}
    assert rates["merits"] == (85, 100)
    listed = cli("--home", str(awkward), "releases", "--format", "csv")
    assert listed.exit_code == 0, listed.stderr
    assert listed.stdout.count("\n") == 1 + 3  # header and three releases
