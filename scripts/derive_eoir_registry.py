"""Derive immtrack's EOIR column registry from the staged public metadata (run by hand).

Reads ../shared/data/eoir/deportationdata/variable_types.csv (column order and types, as the
Deportation Data Project read them from recent releases) and codebook.xlsx (descriptions, CC0),
and writes src/immtrack/schema/data/eoir_columns.csv; from lookup_tables_combined.csv and
value_frequencies_by_field.csv it writes the code lists and value frequencies the release
generator draws from (eoir_lookups.csv, eoir_frequencies.csv). The committed CSVs are derived
data; this script records where they came from and regenerates them when the sources change.

    .venv/bin/python scripts/derive_eoir_registry.py
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "eoir" / "deportationdata"
TABLES = ("A_TblCase", "B_TblProceeding", "tbl_Court_Appln", "tbl_schedule",
          "tbl_CustodyHistory", "tbl_RepsAssigned", "B_TblProceedCharges",
          "D_TblAssociatedBond", "tbl_Lead_Rider")
KINDS = {"Numeric": "Numeric", "Date": "Date", "String": "String", "Boolean": "String"}


def _first_sentences(text: str, limit: int = 2) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(str(text).split()))
    return " ".join(sentences[:limit])


def main() -> None:
    book = CalamineWorkbook.from_path(str(SHARED / "codebook.xlsx"))
    descriptions = {(row[0].casefold(), str(row[1]).casefold()): row[3]
                    for row in book.get_sheet_by_name("fields").to_python()[1:] if row[3]}
    out = ROOT / "src/immtrack/schema/data/eoir_columns.csv"
    with open(SHARED / "variable_types.csv", newline="") as stream, \
            open(out, "w", newline="") as target:
        writer = csv.writer(target, lineterminator="\n")
        writer.writerow(["table", "column", "kind", "description"])
        for row in csv.DictReader(stream):
            if row["table"] in TABLES:
                text = descriptions.get((row["table"].casefold(), row["name"].casefold()), "")
                writer.writerow([row["table"], row["name"], KINDS[row["type"]],
                                 _first_sentences(text)])


# Lookups the generator writes into its Lookup/ folder (judges get generated names instead, so
# invented outcomes are never shown beside a real judge's name).
GENERATED_LOOKUPS = ("tblLookupNationality", "tblLookupBaseCity", "tblLookupHloc",
                     "tblLookupCaseType", "tblLookupCustodyStatus", "tblLanguage",
                     "tblLookUp_Appln", "tblLookupCourtAppDecisions", "tbllookupSchedule_Type",
                     "tbllookupCharges")
FREQUENCY_COLUMNS = {("A_TblCase", "CUSTODY"), ("A_TblCase", "CASE_TYPE"), ("A_TblCase", "Sex"),
                     ("B_TblProceeding", "DEC_CODE"), ("B_TblProceeding", "OTHER_COMP"),
                     ("B_TblProceeding", "CRIM_IND"), ("tbl_schedule", "CAL_TYPE"),
                     ("tbl_schedule", "ADJ_MEDIUM"), ("B_TblProceedCharges", "CHG_STATUS"),
                     ("D_TblAssociatedBond", "BOND_TYPE"), ("tbl_RepsAssigned", "STRATTYTYPE")}


def derive_code_lists() -> None:
    out = ROOT / "src/immtrack/schema/data"
    with open(SHARED / "lookup_tables_combined.csv", newline="") as stream, \
            open(out / "eoir_lookups.csv", "w", newline="") as target:
        writer = csv.writer(target, lineterminator="\n")
        writer.writerow(["lookup", "code", "description"])
        for row in csv.DictReader(stream):
            if row["table"] in GENERATED_LOOKUPS and row["value"].strip():
                writer.writerow([row["table"], row["value"].strip(),
                                 " ".join(row["description"].split())])
    with open(SHARED / "value_frequencies_by_field.csv", newline="") as stream, \
            open(out / "eoir_frequencies.csv", "w", newline="") as target:
        writer = csv.writer(target, lineterminator="\n")
        writer.writerow(["table", "column", "value", "n"])
        for row in csv.DictReader(stream):
            if (row["table"], row["name"]) in FREQUENCY_COLUMNS and row["value"].strip():
                writer.writerow([row["table"], row["name"], row["value"], row["n"]])


if __name__ == "__main__":
    main()
    derive_code_lists()
