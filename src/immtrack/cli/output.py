"""Print a result as a table for people, or CSV / JSON for programs.

Tables and notes go to standard output; progress and errors go to standard error, so
`immtrack encounters --format csv > file.csv` writes only data.
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, datetime
from enum import StrEnum

import pyarrow as pa
from rich.console import Console
from rich.table import Table

stdout = Console(soft_wrap=True)
stderr = Console(stderr=True, soft_wrap=True)


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _json_default(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def print_json(payload) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, default=_json_default) + "\n")


def _cell(value, column: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if column.endswith(("fy", "year")) else f"{value:,}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def print_table(table: pa.Table, *, title: str | None = None, total: int | None = None,
                notes: list[str] | None = None) -> None:
    view = Table(title=title, title_justify="left", show_lines=False)
    numeric = {f.name for f in table.schema if pa.types.is_integer(f.type)}
    for name in table.column_names:
        view.add_column(name, justify="right" if name in numeric else "left")
    for row in table.to_pylist():
        view.add_row(*(_cell(row[c], c) for c in table.column_names))
    if total is not None and table.num_rows > 1:
        view.add_section()
        view.add_row("total", *([""] * (len(table.column_names) - 2)), _cell(total))
    stdout.print(view)
    for note in notes or []:
        stdout.print(f"[dim]- {note}[/dim]", highlight=False)


def print_csv(table: pa.Table) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(table.column_names)
    for row in table.to_pylist():
        writer.writerow(["" if row[c] is None else row[c] for c in table.column_names])


def emit(table: pa.Table, fmt: Format, *, payload: dict | None = None, **table_options) -> None:
    """Write `table` in the chosen format; JSON writes `payload` when given (with provenance)."""
    if fmt is Format.json:
        print_json(payload if payload is not None else table.to_pylist())
    elif fmt is Format.csv:
        print_csv(table)
    else:
        print_table(table, **table_options)
