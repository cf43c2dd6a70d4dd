"""Writing generated EOIR tables: chunks appended as EOIR's text, with quirks planted in them.

Each chunk is written by pyarrow's CSV writer (tab, no quoting, CRLF) and encoded as Latin-1;
then the defects asked for are planted in chosen lines, each listed with its table, line and
kind, so tests and readers can check exact answers.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from immtrack.schema.eoir import EOIR_TABLES

EOL = "\r\n"


@dataclass
class DefectPlan:
    """Defects to plant: a rate per row, or an exact count per (table, kind) for tests."""

    rates: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_RATES))
    exact: dict[tuple[str, str], int] = field(default_factory=dict)

    @classmethod
    def none(cls) -> DefectPlan:
        return cls(rates={})


# Per-row rates of the real quirks, in the tables where they occur (rough orders of magnitude:
# BuzzFeed skipped 6 extra-tab rows of ~8M charges). Short rows are not a known EOIR quirk, so
# they are only planted on purpose (DefectPlan.exact), to test the reader.
DEFAULT_RATES = {"nul": 2e-5, "stray_quote": 5e-5, "extra_tab": 2e-6, "extra_tab_ambiguous":
                 1e-6, "old_date": 1e-4, "junk_code": 1e-4,
                 # Out-of-lookup codes at their real rates (the Deportation Data Project's
                 # processing log of the June 2026 release): 0.10% of APPL_DEC, 0.45% of
                 # APPL_CODE values, such as N, ???? and dates.
                 "junk_decision": 0.0010, "junk_application": 0.0045}
# What a real release holds where a code should be (eoir-real-data.md).
REAL_JUNK = ("N", "????", "2019-03-04 00:00:00.000")


# Where each defect goes: table -> kind -> column. An extra tab inside APPL_CODE can be placed
# again from the types (the date after it stops any other merge); one inside ALIEN_CITY cannot
# (strings follow it up to E_28_DATE), so it must be quarantined.
DEFECT_COLUMNS = {
    "A_TblCase": {"nul": "ALIEN_CITY", "stray_quote": "ALIEN_CITY", "old_date": "DATE_OF_ENTRY",
                  "junk_code": "NAT", "extra_tab_ambiguous": "ALIEN_CITY",
                  "short_row": "ALIEN_CITY"},
    "B_TblProceeding": {"nul": "HEARING_LOC_CODE", "stray_quote": "IJ_CODE",
                        "old_date": "INPUT_DATE", "junk_code": "NAT", "short_row": "NAT"},
    "tbl_Court_Appln": {"extra_tab": "APPL_CODE", "stray_quote": "APPL_CODE",
                        "short_row": "APPL_CODE", "junk_decision": "APPL_DEC",
                        "junk_application": "APPL_CODE"},
    "tbl_schedule": {"nul": "ADJ_MEDIUM", "stray_quote": "ADJ_MEDIUM", "old_date": "INPUT_DATE"},
    "B_TblProceedCharges": {"stray_quote": "CHARGE", "short_row": "CHARGE"},
    "tbl_Court_Motions": {"nul": "IJ_CODE", "stray_quote": "REC_TYPE", "old_date": "INPUT_DATE",
                          "short_row": "REC_TYPE"},
    "tblAppeal": {"stray_quote": "strAppealType", "old_date": "datAppealFiled",
                  "short_row": "strAppealType"},
}


class TableWriter:
    """Appends chunks of one table to its file and plants the defects asked for."""

    def __init__(self, folder: Path, name: str):
        self.table = EOIR_TABLES[name]
        self.path = folder / self.table.file_name
        self.stream = open(self.path, "wb")  # noqa: SIM115 (closed by close(), chunk by chunk)
        self.stream.write(("\t".join(c.name for c in self.table.columns) + EOL).encode("latin-1"))
        self.lines_written = 1

    def write(self, columns: dict[str, pa.Array], rng: np.random.Generator,
              defects: dict[str, int], log: list[dict], protected: int = 0) -> None:
        rows = len(next(iter(columns.values())))
        if rows == 0:
            return
        null = pa.nulls(rows, pa.string())
        table = pa.table({c.name: columns.get(c.name, null) for c in self.table.columns})
        buffer = io.BytesIO()
        pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(
            include_header=False, delimiter="\t", quoting_style="none", eol=EOL))
        text = buffer.getvalue().decode("utf-8")
        wanted = {kind: n for kind, n in defects.items() if n}
        if wanted:
            text = self._plant(text, rows - protected, rng, wanted, log)
        self.stream.write(text.encode("latin-1"))
        self.lines_written += rows

    def _plant(self, text: str, eligible: int, rng, wanted: dict[str, int], log) -> str:
        lines = text.split(EOL)
        names = [c.name for c in self.table.columns]
        total = sum(wanted.values())
        chosen = rng.choice(eligible, size=min(total, eligible), replace=False) if eligible else []
        kinds = [kind for kind, n in wanted.items() for _ in range(n)]
        for index, kind in zip(chosen, kinds, strict=False):
            fields = lines[index].split("\t")
            column = names.index(DEFECT_COLUMNS[self.table.name][kind])
            value = fields[column]
            if kind == "nul":
                fields[column] = value[:1] + "\x00" + value[1:]
            elif kind == "stray_quote":
                fields[column] = '"' + value
            elif kind in ("extra_tab", "extra_tab_ambiguous"):
                middle = max(1, len(value) // 2)
                fields[column] = (value or "XX")[:middle] + "\t" + (value or "XX")[middle:]
            elif kind == "short_row":
                fields = fields[:column]
            elif kind == "old_date":
                fields[column] = "1900-01-01 00:00:00.000"
            elif kind == "junk_code":
                fields[column] = "ZZ"
            elif kind in ("junk_decision", "junk_application"):
                fields[column] = REAL_JUNK[int(rng.integers(len(REAL_JUNK)))]
            lines[index] = "\t".join(fields)
            log.append({"table": self.table.name, "line": self.lines_written + 1 + int(index),
                        "kind": kind, "column": names[column]})
        return EOL.join(lines)

    def close(self) -> None:
        self.stream.close()


def defect_counts(table: str, rows: int, plan: DefectPlan, rng, first_chunk: bool
                   ) -> dict[str, int]:
    kinds = DEFECT_COLUMNS.get(table, {})
    counts = {kind: int(rng.binomial(rows, plan.rates[kind])) for kind in kinds
              if plan.rates.get(kind)}
    if first_chunk:
        for (name, kind), count in plan.exact.items():
            if name == table:
                counts[kind] = counts.get(kind, 0) + count
    return counts
