"""`immtrack check`: published statistics in (claim files), verdicts out."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import typer

from immtrack.claims.model import claim_file_schema, read_claim_file
from immtrack.claims.report import LABELS, to_html, to_markdown
from immtrack.claims.verdicts import check
from immtrack.cli.main import State, app, friendly_errors
from immtrack.cli.output import print_csv, print_json, print_table


class ReportFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"
    html = "html"


@app.command("check")
@friendly_errors
def check_command(
    files: Annotated[list[Path] | None, typer.Argument(
        help="Claim files (YAML); see docs/claims.md and examples/claims/.",
        show_default=False)] = None,
    fmt: Annotated[ReportFormat, typer.Option(
        "--format", "-f", help="table for people; json or csv for programs; markdown or html "
                               "for a report to publish.")] = ReportFormat.table,
    schema: Annotated[bool, typer.Option(
        "--schema", help="Print the claim file's JSON Schema and stop.")] = False,
) -> None:
    """Check published statistics against the agencies' data: supported, not supported, or
    cannot be checked, with the definition that matches best and the numbers that show it.

    Each claim is computed under every applicable definition (for grant rates: merits, EOIR's
    completion rate, protection; for encounters: every series that can answer) and compared
    with the claimed value as stated ("about", "more than"...). Common misreadings are named
    when they explain the published number: a share of decisions reported as a share of
    applicants, events reported as people, a fiscal year read as a calendar year, overlapping
    releases counted twice, a Border-Patrol-only count used for all encounters.

    Example: immtrack check examples/claims/cbp-fy2022.yaml --format markdown
    """
    if schema:
        print_json(claim_file_schema())
        return
    if not files:
        raise typer.BadParameter("give at least one claim file (or --schema)")
    claims = [claim for path in files for claim in read_claim_file(path)]
    verdicts = check(claims, State.home)
    if fmt is ReportFormat.json:
        print_json({"verdicts": [v.to_dict() for v in verdicts]})
    elif fmt is ReportFormat.markdown:
        sys.stdout.write(to_markdown(verdicts))
    elif fmt is ReportFormat.html:
        sys.stdout.write(to_html(verdicts))
    else:
        table = pa.Table.from_pylist([{
            "claim": v.claim.id + (" (demo)" if v.claim.demo else ""),
            "claimed": v.to_dict()["claimed"],
            "verdict": LABELS[v.verdict] if fmt is ReportFormat.table else v.verdict,
            "best reading": v.best["name"] if v.best else None,
            "value": f"{v.best['value']:,.1f}" if v.best else None,
            "misreadings": ", ".join(m["misreading"] for m in v.misreadings) or None,
        } for v in verdicts])
        if fmt is ReportFormat.csv:
            print_csv(table)
        else:
            print_table(table, title="Claims", notes=[f"{v.claim.id}: {v.reason}."
                                                      for v in verdicts])

