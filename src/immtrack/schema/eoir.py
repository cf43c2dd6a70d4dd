"""EOIR CASE FOIA tables and lookups, as EOIR publishes them: the registry for reading them.

Column names, order and types come from data/eoir_columns.csv (derived from the Deportation
Data Project's variable types and codebook by scripts/derive_eoir_registry.py); EOIR's own
header spelling is kept, and older spellings of a column are listed as aliases. The raw layer
keeps the agency's names: table `raw_eoir__a_tblcase` holds A_TblCase.csv.

Lookups are the `Lookup/` folder of the release. Each known lookup names its code column(s)
and description column; court decisions are keyed by (case type, decision code), because EOIR
reuses letters with different meanings in different kinds of proceedings.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib.resources import files

SQL_TYPES = {"Numeric": "BIGINT", "Date": "TIMESTAMP", "String": "VARCHAR"}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # Numeric, Date or String (EOIR's variable types; Boolean is read as String)

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]


@dataclass(frozen=True)
class EoirTable:
    name: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    descriptions: dict[str, str]
    aliases: dict[str, tuple[str, ...]]

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    @property
    def lake_table(self) -> str:
        return f"raw_eoir__{self.name.lower()}"


_TABLE_NOTES = {
    "A_TblCase": (("IDNCASE",), "One row per case: what EOIR calls a case is one charging "
                  "document (Notice to Appear); one person can have several."),
    "B_TblProceeding": (("IDNPROCEEDING",), "One row per proceeding: a single adjudication in "
                        "one court; a change of venue, reopening or remand starts a new one."),
    "tbl_Court_Appln": (("IDNPROCEEDINGAPPLN",), "One row per application for relief (asylum, "
                        "withholding, CAT...) and the court's decision on it."),
    "tbl_schedule": (("IDNSCHEDULE",), "One row per scheduled hearing."),
    "tbl_CustodyHistory": (("IDNCUSTODY",), "Changes of custody status over a case's life."),
    "tbl_RepsAssigned": (("IDNREPSASSIGNED",), "Attorneys or representatives who filed "
                         "notices of appearance in a case."),
    "B_TblProceedCharges": (("IDNPRCDCHG",), "Charges (grounds of removability) of a "
                            "proceeding."),
    "D_TblAssociatedBond": (("IDNASSOCBOND",), "One row per bond decision."),
    "tbl_Lead_Rider": (("idnLeadRider",), "Links family members' cases (riders) to a lead "
                       "case."),
}
# Older releases spelled some columns differently; the newer name is the lake's.
_ALIASES = {"Sex": ("GENDER",)}


def _load_tables() -> dict[str, EoirTable]:
    rows: dict[str, list[dict]] = {name: [] for name in _TABLE_NOTES}
    with files("immtrack.schema").joinpath("data/eoir_columns.csv").open(newline="") as stream:
        for row in csv.DictReader(stream):
            rows[row["table"]].append(row)
    tables = {}
    for name, (key, description) in _TABLE_NOTES.items():
        columns = tuple(Column(r["column"], r["kind"]) for r in rows[name])
        tables[name] = EoirTable(
            name, description, key, columns,
            {r["column"]: r["description"] or f"EOIR column {r['column']} ({r['kind']}); the "
             "codebook does not describe it." for r in rows[name]},
            {c.name: _ALIASES[c.name] for c in columns if c.name in _ALIASES})
    return tables


EOIR_TABLES = _load_tables()


@dataclass(frozen=True)
class Lookup:
    """A lookup file of the release: which columns hold the code(s) and the description."""

    name: str
    code_columns: tuple[str, ...]
    description_column: str
    decodes: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (table, columns it decodes)


LOOKUPS = {lookup.name: lookup for lookup in (
    Lookup("tblLookupNationality", ("NAT_CODE",), "NAT_NAME",
           (("A_TblCase", ("NAT",)), ("B_TblProceeding", ("NAT",)))),
    Lookup("tblLookupBaseCity", ("BASE_CITY_CODE",), "BASE_CITY_NAME",
           (("B_TblProceeding", ("BASE_CITY_CODE",)),)),
    Lookup("tblLookupHloc", ("HEARING_LOC_CODE",), "HEARING_LOC_NAME",
           (("B_TblProceeding", ("HEARING_LOC_CODE",)),)),
    Lookup("tblLookupJudge", ("JUDGE_CODE",), "JUDGE_NAME",
           (("B_TblProceeding", ("IJ_CODE",)),)),
    Lookup("tblLookupCaseType", ("strCode",), "strDescription",
           (("A_TblCase", ("CASE_TYPE",)), ("B_TblProceeding", ("CASE_TYPE",)))),
    Lookup("tblLookupCustodyStatus", ("strCode",), "strDescription",
           (("A_TblCase", ("CUSTODY",)), ("B_TblProceeding", ("CUSTODY",)))),
    Lookup("tblLanguage", ("strCode",), "strDescription",
           (("A_TblCase", ("LANG",)), ("B_TblProceeding", ("LANG",)))),
    Lookup("tblLookUp_Appln", ("strcode",), "strdescription",
           (("tbl_Court_Appln", ("APPL_CODE",)),)),
    Lookup("tblLookupCourtAppDecisions", ("strCode",), "strDescription",
           (("tbl_Court_Appln", ("APPL_DEC",)),)),
    Lookup("tblLookupCourtDecision", ("strCaseType", "strDecCode"), "strDecDescription",
           (("B_TblProceeding", ("CASE_TYPE", "DEC_CODE")),
            ("B_TblProceeding", ("CASE_TYPE", "OTHER_COMP")))),
    Lookup("tbllookupSchedule_Type", ("strCode",), "strDescription",
           (("tbl_schedule", ("SCHEDULE_TYPE",)),)),
    Lookup("tbllookupCharges", ("strCode",), "strCodeDescription",
           (("B_TblProceedCharges", ("CHARGE",)),)),
)}


@dataclass(frozen=True)
class DecisionClass:
    code: str
    label: str
    outcome: str  # grant, deny, other or not_final
    description: str


# Application decisions (tblLookupCourtAppDecisions), with the outcome class the asylum metrics
# use. EOIR's published rate counts "other" in its denominator; TRAC's does not.
APPLICATION_DECISIONS = {d.code: d for d in (
    DecisionClass("G", "GRANT", "grant", "Granted."),
    DecisionClass("F", "FULL GRANT", "grant", "Granted in full."),
    DecisionClass("C", "CONDITIONAL GRANT", "grant", "Granted on conditions."),
    DecisionClass("I", "IN COURT STIPULATED GRANT", "grant", "Granted by stipulation in court."),
    DecisionClass("P", "PAPER STIPULATED GRANT", "grant", "Granted by stipulation on paper."),
    DecisionClass("D", "DENY", "deny", "Denied."),
    DecisionClass("L", "GRANT WCAT", "other",
                  "Withholding under the Convention Against Torture granted (EOIR counts it as "
                  "'other' for asylum)."),
    DecisionClass("A", "ABANDONMENT", "other", "Abandoned by the applicant."),
    DecisionClass("W", "WITHDRAWN", "other", "Withdrawn by the applicant."),
    DecisionClass("M", "NOT ADJUDICATED", "other", "Not adjudicated."),
    DecisionClass("O", "OTHER", "other", "Other completion."),
    DecisionClass("S", "ADMIN CLOSURE", "not_final", "Administratively closed; may resume."),
    DecisionClass("T", "COV/TRANSFER", "not_final", "Change of venue or transfer."),
    DecisionClass("R", "RESERVED", "not_final", "Decision reserved."),
)}

CUSTODY_CODES = {"N": "Never detained", "D": "Detained", "R": "Released"}

# What a proceeding's court decision (B_TblProceeding DEC_CODE, read with its CASE_TYPE) means for
# the person, for the proceedings that can end in removal: relief (allowed to stay with relief),
# terminated (the case ends without an order: also allowed to stay), removal, voluntary
# departure, or other. Letters follow EOIR's tblDecCode and court-decision lookups; EOIR
# publishes no official grouping, so this one is ours (docs/metrics.md) and decisions of other
# case types stay unclassified.
_REMOVAL_DECISIONS = {"X": "removal", "V": "voluntary_departure", "R": "relief",
                      "G": "relief", "C": "relief", "Z": "relief", "Q": "relief",
                      "T": "terminated", "U": "terminated", "I": "terminated",
                      "A": "other", "W": "other", "O": "other"}
COURT_OUTCOMES = {
    **{("RMV", code): kind for code, kind in (_REMOVAL_DECISIONS | {"E": "relief"}).items()},
    **{("DEP", code): kind for code, kind in (_REMOVAL_DECISIONS | {"D": "removal"}).items()},
    **{("EXC", code): kind for code, kind in (_REMOVAL_DECISIONS | {"E": "removal"}).items()},
}
ALLOWED_TO_STAY = ("relief", "terminated")
ASYLUM_APPLICATION_CODES = {"ASYL": "Asylum", "ASYW": "Withholding of removal (INA 241(b)(3))",
                            "WCAT": "Withholding under the Convention Against Torture"}
