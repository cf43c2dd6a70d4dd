"""DHS OHSS "KHSM" Border Patrol encounter workbooks (.xlsx), one series per sheet.

Each sheet is one cut of the same encounters: "Monthly Rgn and Citp" has fiscal year, month
("01 October" ... "12 September", fiscal order), region, citizenship and quantity. The workbook
covers U.S. Border Patrol only, rounds to tens and leaves small cells out. Sheets are matched
by name (case and spacing ignored); a sheet whose columns differ from its layout stops the
ingest, and a sheet immtrack does not know is quarantined row by row, so nothing is lost.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from immtrack.errors import BadFileError
from immtrack.lake.quarantine import QuarantineLog
from immtrack.schema.codes import fold
from immtrack.sources.encounter_rows import EncounterRows, RowProblem, add_row, refuse_if_mostly_bad
from immtrack.sources.workbooks import open_workbook, sheet_rows

# Our field -> OHSS's header.
_HEADERS = {"fiscal_year": "Fiscal Year", "month": "Month", "region": "Region",
            "citizenship": "Citizenship", "demographic": "Family Status", "aor": "Sector",
            "count": "Quantity"}

# Sheet name -> (series, fields in column order).
SHEET_LAYOUTS = {
    f"{grain.title()} {cut}": (f"ohss_usbp_{grain}_{series}",
                               ("fiscal_year", *(("month",) if grain == "monthly" else ()),
                                *fields, "count"))
    for grain in ("annual", "monthly")
    for cut, series, fields in (
        ("Count", "count", ()),
        ("Citizenship", "citizenship", ("citizenship",)),
        ("Region", "region", ("region",)),
        ("Family Status", "family_status", ("demographic",)),
        ("Sector", "sector", ("aor",)),
        ("Rgn and Citp", "region_citizenship", ("region", "citizenship")),
        ("Rgn and Fam Status", "region_family_status", ("region", "demographic")),
        ("Rgn and Sector", "region_sector", ("region", "aor")),
    )
}
_LAYOUT_BY_FOLDED_NAME = {fold(name): layout for name, layout in SHEET_LAYOUTS.items()}
_IMPLIED = {"component": "USBP"}


def _check_header(name: str, sheet: str, header: list, fields: tuple[str, ...]) -> None:
    expected = [_HEADERS[f] for f in fields]
    found = [" ".join(str(h).split()) for h in header if h not in (None, "")]
    if [fold(h) for h in found] != [fold(e) for e in expected]:
        raise BadFileError(name, f"columns {found} do not match the OHSS layout {expected}",
                           sheet=sheet, line=1,
                           hint="OHSS may have changed the workbook; immtrack never guesses "
                                "which column is which")


def read_workbook_rows(path: Path, name: str, rows: EncounterRows, log: QuarantineLog, *,
                       not_after: date | None = None) -> None:
    """Append every known sheet's rows to `rows`; quarantine the rows of unknown sheets."""
    workbook = open_workbook(path, name)
    if not workbook.sheet_names:
        raise BadFileError(name, "the workbook has no sheets")
    for sheet in workbook.sheet_names:
        table = sheet_rows(workbook, sheet, name, skip_empty_area=False)
        layout = _LAYOUT_BY_FOLDED_NAME.get(fold(sheet))
        if layout is not None and table:
            _check_header(name, sheet, table[0], layout[1])
        read = 0
        for index, cells in enumerate(table[1:], start=2):
            if all(c in (None, "") for c in cells):
                continue
            read += 1
            raw_row = "\t".join("" if c is None else str(c) for c in cells)
            try:
                if layout is None:
                    raise RowProblem("unknown-sheet", None, sheet,
                                     f"sheet {sheet!r} is not a known KHSM layout")
                series, fields = layout
                if any(c not in (None, "") for c in cells[len(fields):]):
                    raise RowProblem("wrong-field-count", None, None,
                                     f"values beyond the {len(fields)} columns of the layout")
                values = dict(zip(fields, cells, strict=False))
                add_row(rows, series, values, source_file=name, source_sheet=sheet,
                        line=index, implied=_IMPLIED, not_after=not_after)
            except RowProblem as problem:
                log.keep(source_file=name, source_sheet=sheet, line=index,
                         reason=problem.reason, field_name=problem.field_name,
                         raw_value=problem.raw_value, detail=problem.detail, raw_row=raw_row)
        rows.parts[sheet] = [read, read - log.count_in(name, sheet)]
        if layout is not None:
            refuse_if_mostly_bad(name, sheet, read, log)
