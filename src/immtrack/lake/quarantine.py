"""The quarantine log: rows that were read but not loaded, each with a reason code.

Readers call `log.keep(...)` for every rejected row; nothing is dropped silently. Reasons are a
closed vocabulary (schema.codes.QUARANTINE_REASONS), so the docs and `immtrack quarantine
--reasons` list every reason a user can meet.
"""

from __future__ import annotations

from collections import Counter

import pyarrow as pa

from immtrack.schema.codes import QUARANTINE_REASONS
from immtrack.schema.tables import TABLES


class QuarantineLog:
    def __init__(self) -> None:
        self._rows: list[dict] = []
        self.reasons: Counter[str] = Counter()

    def keep(self, *, source_file: str, line: int, reason: str, detail: str, raw_row: str,
             field_name: str | None = None, raw_value: str | None = None,
             source_sheet: str | None = None) -> None:
        if reason not in QUARANTINE_REASONS:
            raise ValueError(f"unknown quarantine reason {reason!r}")
        self.reasons[reason] += 1
        self._rows.append({
            "source_file": source_file, "source_sheet": source_sheet, "source_line": line,
            "reason_code": reason, "field_name": field_name, "raw_value": raw_value,
            "raw_row": raw_row, "detail": detail,
        })

    def __len__(self) -> int:
        return len(self._rows)

    def first(self, reason: str) -> dict:
        return next(row for row in self._rows if row["reason_code"] == reason)

    def count_in(self, source_file: str, source_sheet: str | None) -> int:
        return sum(1 for row in self._rows
                   if row["source_file"] == source_file and row["source_sheet"] == source_sheet)

    def to_arrow(self, release_id: str) -> pa.Table:
        rows = [{"release_id": release_id, **row} for row in self._rows]
        return pa.Table.from_pylist(rows, schema=TABLES["quarantine"].arrow_schema())
