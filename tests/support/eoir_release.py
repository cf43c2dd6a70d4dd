"""EOIR releases written by hand for tests whose answers are worked out beside them."""

from __future__ import annotations

from pathlib import Path

from immtrack.schema.eoir import EOIR_TABLES


def _cell(value) -> str:
    """A value as EOIR writes it: None is a blank field, never the text "None"."""
    return "" if value is None else str(value)


def write_release(folder: Path, rows: dict[str, list[dict]]) -> None:
    """A release written by hand: every table's real header, the rows given, empty lookups."""
    (folder / "Lookup").mkdir(parents=True)
    for name, table in EOIR_TABLES.items():
        columns = [c.name for c in table.columns]
        lines = ["\t".join(columns)] + ["\t".join(_cell(r.get(c)) for c in columns)
                                        for r in rows.get(name, [])]
        (folder / table.file_name).write_text("\r\n".join(lines) + "\r\n", encoding="latin-1")
    (folder / "Lookup" / "tblLookupCaseType.csv").write_text("strCode\tstrDescription\r\n")
