"""Docs that tests keep honest: generated pages are current, nothing is undocumented."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from immtrack.docs import (
    CODE_TABLES,
    _commands,
    render_claim_schema,
    render_cli_reference,
    render_court_decisions,
    render_data_dictionary,
    render_generator_rates,
)
from immtrack.schema.fields import FIELDS
from immtrack.schema.series import ENCOUNTER_SERIES
from immtrack.schema.tables import TABLES

ROOT = Path(__file__).resolve().parents[2]


def test_the_data_dictionary_is_current():
    assert (ROOT / "docs/data-dictionary.md").read_text() == render_data_dictionary(), \
        "run `make docs`"


def test_the_court_decision_and_generator_pages_are_current():
    assert (ROOT / "docs/court-decisions.md").read_text() == render_court_decisions(), \
        "run `make docs`"
    assert (ROOT / "docs/eoir-generator-rates.md").read_text() == render_generator_rates(), \
        "run `make docs`"


def test_the_cli_reference_is_current():
    assert (ROOT / "docs/cli-reference.md").read_text() == render_cli_reference(), \
        "run `make docs`"


def test_the_claim_file_schema_is_current():
    schema = (ROOT / "docs/claims.schema.json").read_text()
    assert schema == render_claim_schema(), "run `make docs`"
    # It describes what a claim file needs.
    assert "claims" in json.loads(schema)["required"]


def test_every_command_teaches_with_its_help():
    import typer.main

    from immtrack.cli.main import app

    group = typer.main.get_command(app)
    for path in _commands(app)[1:]:
        command = group
        for name in path:
            command = command.commands[name]
        assert command.help and len(command.help.split()) >= 8, path
        for parameter in command.params:
            if parameter.name != "help":
                assert getattr(parameter, "help", None), f"{path} --{parameter.name}"


def test_every_column_code_and_series_is_described():
    for table in TABLES.values():
        assert table.description
        for name in table.fields:
            assert len(FIELDS[name].description.split()) >= 4, name
    for codes in CODE_TABLES:
        for code in codes.codes:
            assert code.label and code.description, code
    for series in ENCOUNTER_SERIES.values():
        assert series.coverage_note


@pytest.mark.skipif(shutil.which("ruff") is None and not (ROOT / ".venv/bin/ruff").exists(),
                    reason="ruff is not installed")
def test_the_code_passes_the_linter():
    ruff = shutil.which("ruff") or str(ROOT / ".venv/bin/ruff")
    result = subprocess.run([ruff, "check", "src", "tests", "bench"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
