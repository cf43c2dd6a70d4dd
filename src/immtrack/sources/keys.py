"""Primary keys at ingest: the first row with a key is loaded, a later one is quarantined.

Keys are declared once, per lake table, in schema/tables.py (`Table.key`). A repeated row is
either a damaged file (a line pasted twice) or a mistake upstream; loading it would count
its figures twice, so it is kept in the quarantine with its line and the line it repeats.
"""

from __future__ import annotations

from immtrack.lake.quarantine import QuarantineLog
from immtrack.schema.tables import TABLES


def first_of_each_key(table: str, rows: list[dict], log: QuarantineLog) -> list[dict]:
    """`rows` (named as the lake table's fields, with source_file and source_line) without
    those repeating an earlier row's key, which go to `log` as "duplicate-key"."""
    key = TABLES[table].key
    if not key:
        return rows
    seen: dict[tuple, int] = {}
    kept = []
    for row in rows:
        value = tuple(row.get(k) for k in key)
        if value in seen:
            shown = ", ".join(f"{k}={row.get(k)}" for k in key if row.get(k) is not None)
            log.keep(source_file=row["source_file"], source_sheet=row.get("source_sheet"),
                     line=row["source_line"], reason="duplicate-key",
                     field_name=",".join(key)[:200], raw_value=shown[:200],
                     detail=f"the key of {table} ({shown[:120]}) already appeared on line "
                            f"{seen[value]}; the first row was loaded",
                     raw_row=row.get("raw_row") or "|".join(str(v) for v in value)[:10_000])
        else:
            seen[value] = row["source_line"]
            kept.append(row)
    return kept
