"""Generated documentation: the data dictionary from the schema registry and the CLI reference
from the live --help. `make docs` writes them; a test fails when they are out of date."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from immtrack.schema.codes import (
    BORDER_REGIONS,
    COMPONENTS,
    DEMOGRAPHICS,
    ENCOUNTER_TYPES,
    QUARANTINE_REASONS,
    TITLES_OF_AUTHORITY,
)
from immtrack.schema.eoir import EOIR_TABLES
from immtrack.schema.fields import FIELDS
from immtrack.schema.series import ENCOUNTER_SERIES
from immtrack.schema.tables import TABLES

EOIR_BY_LAKE_TABLE = {t.lake_table: t for t in EOIR_TABLES.values()}
CODE_TABLES = (COMPONENTS, BORDER_REGIONS, DEMOGRAPHICS, TITLES_OF_AUTHORITY, ENCOUNTER_TYPES,
               QUARANTINE_REASONS)


def render_data_dictionary() -> str:
    lines = ["# Data dictionary", "",
             "Generated from `src/immtrack/schema/` by `make docs`; do not edit by hand.", ""]
    for table in TABLES.values():
        lines += [f"## `{table.name}`", "", table.description, ""]
        lines += [f"- {caveat}" for caveat in table.caveats]
        lines += ["", "| column | type | meaning |", "|---|---|---|"]
        raw = EOIR_BY_LAKE_TABLE.get(table.name)
        lines += [f"| `{c.name}` | {c.kind} | {raw.descriptions[c.name]} |"
                  for c in table.raw_columns]
        lines += [f"| `{name}` | {FIELDS[name].type} | {FIELDS[name].description} |"
                  for name in table.fields]
        lines.append("")
    lines += ["## Encounter series", "", "In the order a question is matched against them.", "",
              "| series | publisher | breakdowns | coverage |", "|---|---|---|---|"]
    lines += [f"| `{s.code}` | {s.publisher} | {', '.join(sorted(s.dimensions))} | "
              f"{s.coverage_note} |" for s in ENCOUNTER_SERIES.values()]
    for codes in CODE_TABLES:
        lines += ["", f"## Codes: {codes.name}", "", codes.description, "",
                  "| code | label | meaning | also spelled |", "|---|---|---|---|"]
        lines += [f"| `{c.code}` | {c.label} | {c.description} | {', '.join(c.spellings)} |"
                  for c in codes.codes]
    return "\n".join(lines) + "\n"


def _commands(app) -> list[list[str]]:
    import typer.main

    group = typer.main.get_command(app)
    paths = []

    def walk(command, prefix):
        paths.append(prefix)
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, [*prefix, name])

    walk(group, [])
    return paths


def render_cli_reference() -> str:
    from immtrack.cli.main import app

    runner = CliRunner(env={"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"})
    lines = ["# Command-line reference", "",
             "Generated from the live `--help` by `make docs`; do not edit by hand.", ""]
    for path in _commands(app):
        text = runner.invoke(app, [*path, "--help"], prog_name="immtrack").output
        text = re.sub(r"[ \t]+\n", "\n", text).strip()
        title = " ".join(["immtrack", *path])
        lines += [f"## `{title}`", "", "```", text, "```", ""]
    return "\n".join(lines)


def render_claim_schema() -> str:
    """The claim file's JSON Schema, from the models that validate claim files."""
    from immtrack.claims.model import claim_file_schema

    return json.dumps(claim_file_schema(), indent=2) + "\n"


def render_court_decisions() -> str:
    """EOIR's court-decision lookup as immtrack reads it: each (case type, kind, code), its
    description and outcome class, and where the row comes from."""
    from immtrack.schema.eoir import COURT_DECISIONS, COURT_OUTCOME_CLASSES

    lines = ["# Court decisions by case type", "",
             "Generated from `src/immtrack/schema/data/eoir_court_decisions.csv` by `make docs`; "
             "do not edit by hand. docs/metrics.md explains the classes; "
             "`scripts/derive_eoir_registry.py` derives the rows.", "",
             "| class | meaning |", "|---|---|"]
    lines += [f"| `{name}` | {text} |" for name, text in COURT_OUTCOME_CLASSES.items()]
    lines += ["", "Kind C is a court decision (`B_TblProceeding.DEC_CODE`), kind O an other "
              "completion (`OTHER_COMP`).", "",
              "| case type | kind | code | description | class | source |",
              "|---|---|---|---|---|---|"]
    lines += [f"| {d.case_type} | {d.decision_type} | `{d.code}` | {d.description} | "
              f"`{d.outcome_class}` | {d.source} |" for d in COURT_DECISIONS.values()]
    return "\n".join(lines) + "\n"


def render_generator_rates() -> str:
    """Which real figure each generated column and structure follows."""
    from immtrack.synth.eoir_compare import COMPARED
    from immtrack.synth.eoir_rates import STRUCTURE, shares

    lines = ["# What generated EOIR releases follow", "",
             "Generated from `src/immtrack/schema/data/eoir_value_shares.csv` and "
             "`eoir_structure.csv` by `make docs`; do not edit by hand. docs/eoir.md explains "
             "the generator; `immtrack synth eoir-compare DIR` measures a release against "
             "these figures.", "",
             "## Coded columns", "",
             "Real shares among non-blank values of the June 2026 release (the Deportation "
             "Data Project's `value_frequencies_by_field.csv`; blanks from "
             "`missingness_by_field.csv`). Codes outside a column's lookup are not drawn.", "",
             "| table | column | blank | values (real share) |", "|---|---|---|---|"]
    for table, column in COMPARED:
        real = shares(table, column)
        values = ", ".join(f"{v} {100 * p:.2f}%" for v, p in zip(real.values, real.p,
                                                                  strict=True))
        lines.append(f"| {table} | {column} | {100 * real.blank:.2f}% | {values} |")
    lines += ["", "## Structure", "", "| rate | real value | source | derivation |",
              "|---|---|---|---|"]
    lines += [f"| `{name}` | {rate.value:g} | {rate.source} | {rate.derivation} |"
              for name, rate in STRUCTURE.items()]
    return "\n".join(lines) + "\n"


def write_docs(folder: Path) -> None:
    (folder / "data-dictionary.md").write_text(render_data_dictionary())
    (folder / "court-decisions.md").write_text(render_court_decisions())
    (folder / "eoir-generator-rates.md").write_text(render_generator_rates())
    (folder / "cli-reference.md").write_text(render_cli_reference())
    (folder / "claims.schema.json").write_text(render_claim_schema())


if __name__ == "__main__":
    write_docs(Path(__file__).resolve().parents[2] / "docs")
