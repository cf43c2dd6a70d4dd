"""Derive immtrack's EOIR registry files from the staged public metadata (run by hand).

Every committed CSV under src/immtrack/schema/data/eoir_*.csv is derived data; this script
records where each came from and regenerates them when the sources change:

- eoir_columns.csv: column order and types (the Deportation Data Project's variable_types.csv)
  with descriptions from its codebook.xlsx.
- eoir_lookups.csv: every code and description of the release's Lookup/ folder, verbatim from
  lookup_tables_combined.csv (judges excepted: generated releases name invented judges).
- eoir_court_decisions.csv: EOIR's court-decision lookup keyed by (case type, decision type,
  code), with the outcome class immtrack counts (see `_outcome_class`). The staged copy is
  garbled after its seventh case type (see `court_decisions`), so the rest is reconstructed from
  EOIR's case-type-free decision lookups and marked so, row by row.
- eoir_value_shares.csv: the real share of each value of the coded columns the generator draws,
  and each column's blank share (value_frequencies_by_field.csv, missingness_by_field.csv).

    .venv/bin/python scripts/derive_eoir_registry.py
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parents[1]
# ../shared beside the checkout, or beside a folder holding it (a worktree under /work/wt).
SHARED = next((p / "shared" / "data" / "eoir" for p in ROOT.parents
               if (p / "shared" / "data" / "eoir").is_dir()),
              ROOT.parent / "shared" / "data" / "eoir")
DDP = SHARED / "deportationdata"
OUT = ROOT / "src" / "immtrack" / "schema" / "data"
TABLES = ("A_TblCase", "B_TblProceeding", "tbl_Court_Appln", "tbl_schedule",
          "tbl_CustodyHistory", "tbl_RepsAssigned", "B_TblProceedCharges",
          "D_TblAssociatedBond", "tbl_Lead_Rider", "A_TblCaseIdentifier",
          "tbl_JuvenileHistory", "tbl_Court_Motions", "tblAppeal")
KINDS = {"Numeric": "Numeric", "Date": "Date", "String": "String", "Boolean": "String"}


def _first_sentences(text: str, limit: int = 2) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(str(text).split()))
    return " ".join(sentences[:limit])


def _writer(name: str, header: list[str]):
    stream = open(OUT / name, "w", newline="", encoding="utf-8")  # noqa: SIM115
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(header)
    return stream, writer


def derive_columns() -> None:
    book = CalamineWorkbook.from_path(str(DDP / "codebook.xlsx"))
    descriptions = {(row[0].casefold(), str(row[1]).casefold()): row[3]
                    for row in book.get_sheet_by_name("fields").to_python()[1:] if row[3]}
    stream, writer = _writer("eoir_columns.csv", ["table", "column", "kind", "description"])
    with stream, open(DDP / "variable_types.csv", newline="") as source:
        for row in csv.DictReader(source):
            if row["table"] in TABLES:
                text = descriptions.get((row["table"].casefold(), row["name"].casefold()), "")
                writer.writerow([row["table"], row["name"], KINDS[row["type"]],
                                 _first_sentences(text)])


# Judges get generated names in generated releases (invented outcomes never sit beside a real
# judge's name); the court-decision lookup is written from eoir_court_decisions.csv.
NOT_COPIED = {"tblLookupJudge", "tblLookupJudgeBaseCity", "tblLookupCourtDecision"}


def _lookup_rows() -> list[dict]:
    with open(DDP / "lookup_tables_combined.csv", newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def derive_lookups(rows: list[dict]) -> None:
    stream, writer = _writer("eoir_lookups.csv", ["lookup", "code", "description"])
    with stream:
        for row in rows:
            if row["table"] not in NOT_COPIED and row["value"].strip():
                writer.writerow([row["table"], row["value"].strip(),
                                 " ".join(row["description"].split())])


# The staged court-decision lookup (lookup_tables_combined.csv, table tblLookupCourtDecision)
# kept only (code, description) of each row, sorted by case type then code, so the case type
# of its first seven blocks follows from their order (a new block starts where the code
# sorts lower than the one before): AOC, CDR, CFR, CSR, DCC, DDC, DEP. After the DEP block's
# seventh row ("NA") the rows hold other columns (flags, dates, ids beside case types): the
# rest of DEP and all of EXC, NAC, REC, RFR, RMV and WHO are lost there.
READABLE_CASE_TYPES = ("AOC", "CDR", "CFR", "CSR", "DCC", "DDC", "DEP")

# Other completions (strDecType O, B_TblProceeding.OTHER_COMP): the same twelve codes recur in
# every readable block; the Deportation Data Project's log of the June 2026 lookup counts 12
# distinct OTHER_COMP codes and descriptions (logs/eoir_lookups_20260602_115925.log).
OTHER_COMPLETIONS = {
    "A": "Administrative Closing - Other", "B": "Administrative closing - Failure to Appear",
    "C": "Change of Venue", "F": "Failure to Prosecute (DHS cases only)",
    "J": "Jurisdiction Transferred to the BIA", "K": "Administrative Closure",
    "M": "In Court Prosecutorial Discretion - Admin Closure",
    "O": "Other Administrative Completion", "P": "Temporary Protected Status", "T": "Transfer",
    "X": "ZERO BOND", "Y": "Prosecutorial Discretion - Admin Close"}

# Court decisions (strDecType C) of the case types the staged copy lost, reconstructed from
# EOIR's case-type-free lookups: tblDecCode (A LEGALLY ADMITTED, C CONDITIONAL GRANT,
# D DEPORTED, E EXCLUDED, G GRANTED, O OTHER, R RELIEF/RESCINDED, S ALIEN MAINTAINS LEGAL
# STATUS, T CASE TERMINATED BY IJ, V VOLUNTARY DEPARTURE, W WITHDRAWN, X REMOVED) and the
# letters the `eoir` package's flattened tblLookupCourtDecision keeps (E Remove-INA Withholding
# Granted, I Prosecutorial Discretion - Terminated, Q Final Grant of EOIR 42B/SUSP, R Relief
# Granted, K Revoke, S Sustain, Z Grant-CAT Withholding, H Haitian). Descriptions follow the
# readable blocks' wording where a letter appears there.
_REMOVAL_FAMILY = {
    "A": "Legally Admitted", "C": "Conditional Grant", "G": "Grant", "H": "Haitian",
    "O": "Other", "R": "Relief Granted", "S": "Alien Maintains Legal Status",
    "T": "Terminated", "U": "Dismissed by IJ", "V": "Voluntary Departure", "W": "Withdraw"}
RECONSTRUCTED = {
    "DEP": {"V": "Voluntary Departure", "R": "Relief Granted", "T": "Terminated",
            "U": "Dismissed by IJ", "O": "Other", "W": "Withdraw", "G": "Grant",
            "C": "Conditional Grant", "S": "Alien Maintains Legal Status"},
    "EXC": {**_REMOVAL_FAMILY, "E": "Exclude"},
    "RMV": {**_REMOVAL_FAMILY, "X": "Remove", "E": "Remove-INA Withholding Granted",
            "Z": "Remove-CAT Withholding Granted", "L": "Remove-CAT Deferral Granted",
            "I": "Prosecutorial Discretion - Terminated",
            "Q": "Final Grant of EOIR 42B/SUSP"},
    "WHO": {"D": "Deny", "E": "Grant-INA Withholding", "Z": "Grant-CAT Withholding",
            "H": "Grant-CAT Deferral", "A": "Abandonment", "W": "Withdraw", "O": "Other",
            "U": "Dismissed by IJ"},
    "RFR": {"A": "Affirmed - DHS Decision and no Reasonable Fear",
            "V": "Vacate - DHS Decision and Reasonable Fear", "U": "Dismissed by IJ",
            "O": "Other"},
    "REC": {"R": "Rescind", "T": "Terminated", "U": "Dismissed by IJ", "O": "Other",
            "W": "Withdraw"},
    "NAC": {"G": "Grant", "D": "Deny", "U": "Dismissed by IJ", "O": "Other",
            "W": "Withdraw"},
}
RECONSTRUCTED_SOURCE = ("reconstructed: the staged copy lost this case type; letter and "
                        "meaning from EOIR's tblDecCode and the eoir package's "
                        "tblLookupCourtDecision (schema/lookups)")
# Case types that take other completions (122 O rows over 12 codes: about ten case types).
OTHER_COMPLETION_CASE_TYPES = ("AOC", "CFR", "CSR", "DEP", "EXC", "NAC", "REC", "RFR", "RMV",
                               "WHO")

# Outcome classes, tried in order on the description (lower case); the first match wins.
_CLASS_RULES = (
    ("bond", ("zero bond",)),
    ("transfer", ("change of venue", "transfer")),
    ("admin_closure", ("administrative clos", "admin clos", "temporary protected status")),
    ("removal_with_protection", ("remove-ina withholding", "remove-cat")),
    ("removal", ("remove", "deport", "exclude")),
    ("voluntary_departure", ("voluntary departure",)),
    ("terminated", ("terminated", "dismiss", "failure to prosecute")),
    ("dhs_affirmed", ("affirmed - dhs",)),
    ("dhs_vacated", ("vacate - dhs",)),
    ("relief", ("grant", "relief", "haitian", "legally admitted", "maintains legal status")),
    ("denied", ("deny",)),
    ("withdrawn", ("withdraw",)),
    ("abandoned", ("abandon",)),
)


def _outcome_class(case_type: str, description: str) -> str:
    """What the decision means for the person; docs/metrics.md explains each class."""
    text = description.casefold()
    if case_type in ("RMV", "EXC") and text == "withdraw":
        # An applicant for admission who withdraws the application leaves the country.
        return "withdrawn_admission"
    if text == "rescind":
        return "rescinded"
    for name, needles in _CLASS_RULES:
        if any(needle in text for needle in needles):
            return name
    return "other"


def _readable_blocks(rows: list[dict]) -> list[list[tuple[str, str]]]:
    decisions = [(r["value"], r["description"]) for r in rows
                 if r["table"] == "tblLookupCourtDecision"]
    blocks: list[list[tuple[str, str]]] = []
    previous = None
    for code, description in decisions:
        if code == "NA":
            break
        if previous is None or code < previous:
            blocks.append([])
        blocks[-1].append((code, description))
        previous = code
    assert len(blocks) == len(READABLE_CASE_TYPES), len(blocks)
    return blocks


def derive_court_decisions(rows: list[dict]) -> None:
    out: dict[tuple[str, str, str], tuple[str, str]] = {}
    for case_type, block in zip(READABLE_CASE_TYPES, _readable_blocks(rows), strict=True):
        for code, description in block:
            kind = "O" if OTHER_COMPLETIONS.get(code) == description else "C"
            out[(case_type, kind, code)] = (description, "lookup_tables_combined.csv "
                                            f"(case type {case_type} from block order)")
    for case_type, codes in RECONSTRUCTED.items():
        for code, description in codes.items():
            out.setdefault((case_type, "C", code), (description, RECONSTRUCTED_SOURCE))
    for case_type in OTHER_COMPLETION_CASE_TYPES:
        for code, description in OTHER_COMPLETIONS.items():
            out.setdefault((case_type, "O", code), (
                description, "other completions: the twelve codes every readable block "
                             "repeats (reconstructed for this case type)"))
    stream, writer = _writer("eoir_court_decisions.csv", [
        "case_type", "decision_type", "code", "description", "outcome_class", "source"])
    with stream:
        for (case_type, kind, code), (description, source) in sorted(out.items()):
            writer.writerow([case_type, kind, code, description,
                             _outcome_class(case_type, description), source])


# Coded columns the generator draws from their real frequencies (and the realism report
# compares), with the columns whose blank share it follows.
SHARE_COLUMNS = {
    ("A_TblCase", "CUSTODY"), ("A_TblCase", "CASE_TYPE"), ("A_TblCase", "Sex"),
    ("A_TblCase", "LATEST_CAL_TYPE"), ("B_TblProceeding", "CASE_TYPE"),
    ("B_TblProceeding", "DEC_CODE"), ("B_TblProceeding", "OTHER_COMP"),
    ("B_TblProceeding", "DEC_TYPE"), ("B_TblProceeding", "CRIM_IND"),
    ("B_TblProceeding", "AGGRAVATE_FELON"), ("B_TblProceeding", "IHP"),
    ("tbl_schedule", "CAL_TYPE"), ("tbl_schedule", "ADJ_MEDIUM"),
    ("tbl_CustodyHistory", "CUSTODY"), ("tbl_RepsAssigned", "STRATTYLEVEL"),
    ("tbl_RepsAssigned", "STRATTYTYPE"), ("tbl_RepsAssigned", "BLNPRIMEATTY"),
    ("tbl_RepsAssigned", "PARENT_TABLE"), ("tbl_Lead_Rider", "blnActive"),
    ("B_TblProceedCharges", "CHG_STATUS"), ("D_TblAssociatedBond", "BOND_TYPE"),
    ("D_TblAssociatedBond", "DEC"), ("D_TblAssociatedBond", "FILING_PARTY"),
    ("D_TblAssociatedBond", "BOND_HEARING_TELEPHONIC"), ("D_TblAssociatedBond", "REL_CON"),
    ("tbl_JuvenileHistory", "idnJuvenile"), ("tbl_Court_Motions", "DEC"),
    ("tbl_Court_Motions", "STRFILINGPARTY"), ("tbl_Court_Motions", "STRFILINGMETHOD"),
    ("tbl_Court_Motions", "STRCERTOFSERVICECODE"), ("tblAppeal", "strAppealCategory"),
    ("tblAppeal", "strAppealType"), ("tblAppeal", "strFiledBy"),
    ("tblAppeal", "strBIADecisionType"), ("tblAppeal", "strCustody"),
    ("tblAppeal", "strCaseType"),
}


def derive_value_shares() -> None:
    """Per (table, column): each value's count and share of the non-blank values, and the
    column's blank share, with the file each figure comes from."""
    counts: dict[tuple[str, str], list[tuple[str, int]]] = {}
    with open(DDP / "value_frequencies_by_field.csv", newline="", encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            key = (row["table"], row["name"])
            if key in SHARE_COLUMNS and row["value"].strip():
                counts.setdefault(key, []).append((row["value"], int(float(row["n"]))))
    blank = {}
    with open(DDP / "missingness_by_field.csv", newline="", encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            blank[(row["table"], row["name"])] = float(row["missing_pct"])
    stream, writer = _writer("eoir_value_shares.csv", [
        "table", "column", "value", "n", "share", "blank_share"])
    with stream:
        for key in sorted(counts):
            total = sum(n for _, n in counts[key])
            for value, n in sorted(counts[key], key=lambda item: -item[1]):
                writer.writerow([*key, value, n, f"{n / total:.8f}",
                                 f"{blank.get(key, 0.0):.6f}"])


PUBLISHED = SHARED / "published"


def derive_calibration() -> None:
    """Asylum outcomes by nationality and fiscal year, and court receipts by fiscal year, as
    published (EOIR's Asylum Decision Rates by Nationality FY2018-FY2021, TRAC's quoted merits
    rates, EOIR's initial receipts, TRAC's FY2024 new cases): the generator's volumes and odds
    follow them (synth/eoir_calibration.py)."""
    stream, writer = _writer("eoir_asylum_calibration.csv", [
        "fiscal_year", "nationality", "grants", "denials", "other", "merits_rate", "source"])
    with stream, open(PUBLISHED / "grant_rates_by_nationality.csv", newline="",
                      encoding="utf-8") as source:
        seen = set()
        for row in csv.DictReader(source):
            code = row["eoir_nat_code"]
            if not code:
                continue  # SOVIET UNION has no code in tblLookupNationality
            org = "EOIR" if row["source_org"].startswith("EOIR") else "TRAC"
            if org == "EOIR" and row["grants"]:
                writer.writerow([row["fiscal_year"], code, row["grants"], row["denials"],
                                 row["other"], "", "EOIR Asylum Decision Rates by Nationality"])
            elif org == "TRAC" and row["grant_rate"] and (row["fiscal_year"], code) not in seen:
                seen.add((row["fiscal_year"], code))  # the first write-up quoted wins
                writer.writerow([row["fiscal_year"], code, "", "", "", row["grant_rate"],
                                 "TRAC merits rate as quoted: " + row["source"][:120]])
    stream, writer = _writer("eoir_receipts.csv", ["fiscal_year", "cases_received", "source"])
    with stream, open(PUBLISHED / "national_totals.csv", newline="", encoding="utf-8") as source:
        for row in csv.DictReader(source):
            if row["measure"] in ("eoir_initial_receipts", "trac_new_cases_received"):
                writer.writerow([row["fiscal_year"], row["value"], row["measure"]])


# Published cells every default generated release plants, so that each publisher's method
# must reproduce them to the unit: EOIR's Russian initial completions in FY2019 and FY2021,
# and TRAC's Russian merits decisions in FY2024 (3,754 grants at 85.2%: 3,754 / 0.852 = 4,406
# decisions, "over 4,400" in TRAC's words).
PLANTED_CELLS = (("eoir", "RU", "2019"), ("eoir", "RU", "2021"), ("trac", "RU", "2024"))


def derive_published_cells() -> None:
    stream, writer = _writer("eoir_published_cells.csv", [
        "method", "nationality", "fiscal_year", "grants", "denials", "other", "source"])
    with open(PUBLISHED / "grant_rates_by_nationality.csv", newline="",
              encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    for method, nationality, year in PLANTED_CELLS:
        mine = [r for r in rows if r["eoir_nat_code"] == nationality
                and r["fiscal_year"] == year]
        if method == "eoir":
            row = next(r for r in mine if r["source_org"].startswith("EOIR"))
            writer.writerow([method, nationality, year, row["grants"], row["denials"],
                             row["other"], f"EOIR Asylum Decision Rates by Nationality, "
                             f"FY{year} ({row['source'].rsplit('/', 1)[-1]})"])
        else:
            row = next(r for r in mine if r["grants"])
            decisions = round(int(row["grants"]) / float(row["grant_rate"]))
            writer.writerow([method, nationality, year, row["grants"],
                             decisions - int(row["grants"]), 0,
                             f"TRAC FY{year}: {row['grants']} grants at {row['grant_rate']} "
                             f"= {decisions} decisions ({row['source'][:60]})"])
    stream.close()


# What a Board decision (tblAppeal.strBIADecision, tblLookupBIADecision) means for the appeal,
# tried in order on the lookup's description (lower case); the first match wins.
_BIA_RULES = (
    ("other", (r"\bmoot\b",)),
    ("remanded", (r"(?<!no )remand", r"returned to court")),
    ("withdrawn", (r"withdraw",)),
    ("terminated", (r"terminat",)),
    ("admin_closed", (r"administratively closed",)),
    ("dismissed", (r"dismiss", r"affirm")),
    ("sustained", (r"sustain",)),
    ("denied", (r"\bden(y|ied|ial)?\b",)),
    ("granted", (r"grant",)),
    ("rejected", (r"reject",)),
)


def _bia_class(description: str) -> str:
    text = description.casefold()
    for name, patterns in _BIA_RULES:
        if any(re.search(pattern, text) for pattern in patterns):
            return name
    return "other"


def derive_bia_decisions(rows: list[dict]) -> None:
    """eoir_bia_decisions.csv: every code of the Board's decision lookup with its class."""
    stream, writer = _writer("eoir_bia_decisions.csv", ["code", "description",
                                                        "outcome_class"])
    with stream:
        for row in rows:
            if row["table"] == "tblLookupBIADecision" and row["value"].strip():
                description = " ".join(row["description"].split())
                writer.writerow([row["value"].strip(), description, _bia_class(description)])


# Charge groups (B_TblProceedCharges.CHARGE, tbllookupCharges), by the section of the
# Immigration and Nationality Act the code names (EOIR spells sections several ways:
# "212a06Ai", "(212)(a)(06)(i)(   )(   )"; compared with letters and digits only, lower case).
# Listed from the most serious: a proceeding's charge group is its most serious charge's.
CHARGE_GROUPS = (
    ("security", ("212a03", "212a3", "237a04", "237a4", "241a04a", "241a04b", "241a04c",
                  "241a04d")),
    ("criminal", ("212a02", "212a2", "237a02", "237s02", "241a02", "241a11", "212a23")),
    ("reentry", ("212a09", "212a06b")),
    ("fraud", ("212a06c", "212a06f", "237a01g", "241a01g", "237a03b", "237a03c", "237a03d",
               "241a03b", "241a03c")),
    ("entry_without_inspection", ("212a06ai", "212a06i", "241a01b")),
    ("arriving_without_documents", ("212a07", "212a20")),
    ("status_violation", ("237a01a", "237a01b", "237a01c", "237a01d", "241a01a", "241a01c")),
)
# Exact codes a prefix above would misplace, as the lookup describes them: 241a04 alone is
# "Crime involving moral turpitude" (the old 241(a)(4)), its subsections security grounds;
# 212a06Ai is "Alien in U.S. without Admission or Paroled", 212a06A "Alien previously
# deported"; the lookup keeps old-law meanings of 212a09A (polygamists), 212a09B (guardian)
# and 212a09Ci (child abduction).
CHARGE_EXACT = {"241a04": "criminal", "212a06ai": "entry_without_inspection",
                "212a06a": "reentry", "212a09a": "other", "212a09b": "other",
                "212a09ci": "other"}


def charge_group(code: str) -> str:
    key = re.sub(r"[^0-9a-z]", "", code.casefold())
    if key in CHARGE_EXACT:
        return CHARGE_EXACT[key]
    for name, prefixes in CHARGE_GROUPS:
        if key.startswith(prefixes):
            return name
    return "other"


def derive_charge_groups(rows: list[dict]) -> None:
    """eoir_charge_groups.csv: every code of the charges lookup with its group."""
    stream, writer = _writer("eoir_charge_groups.csv", ["code", "description", "charge_group"])
    with stream:
        for row in rows:
            if row["table"] == "tbllookupCharges" and row["value"].strip():
                writer.writerow([row["value"].strip(), " ".join(row["description"].split()),
                                 charge_group(row["value"].strip())])


def check_case_type_lookup() -> None:
    """The generator's case types must be the real lookup's."""
    codes = json.loads((SHARED / "schema" / "lookups" / "tblLookupCaseType.json").read_text())
    assert {"RMV", "DEP", "EXC", "AOC", "WHO"} <= set(codes), codes


if __name__ == "__main__":
    lookup_rows = _lookup_rows()
    derive_columns()
    derive_lookups(lookup_rows)
    derive_court_decisions(lookup_rows)
    derive_value_shares()
    derive_calibration()
    derive_published_cells()
    derive_bia_decisions(lookup_rows)
    derive_charge_groups(lookup_rows)
    check_case_type_lookup()
