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
    "A_TblCaseIdentifier": (("IDNCASEID",), "Case identifier codes EOIR adds to a case for "
                            "tracking (tblLookUpCaseIdentifier): MP marks Migrant Protection "
                            "Protocols cases."),
    "tbl_JuvenileHistory": (("idnJuvenileHistory",), "Juvenile status records of a case's "
                            "proceedings (idnJuvenile: EOIR does not publish its lookup)."),
    "tbl_Court_Motions": (("IDNMOTION",), "One row per motion filed in immigration court "
                          "(type, filing party, the judge's decision)."),
    "tblAppeal": (("idnAppeal",), "One row per appeal or motion at the Board of Immigration "
                  "Appeals: who filed it, the Board's decision where present."),
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
    """A lookup file of the release: which columns hold the code(s) and the description.

    `decodes` lists (table, columns, kind): the columns a lookup decodes, the last one the
    code, any before it qualifiers. `kind_column` names a column that says which kind of
    code a row is (the court-decision lookup's strDecType: C court decision, O other
    completion); a decode with a kind matches only rows of that kind."""

    name: str
    code_columns: tuple[str, ...]
    description_column: str
    decodes: tuple[tuple[str, tuple[str, ...], str], ...] = ()
    kind_column: str | None = None

    def qualifier(self, qualifiers: list[str], kind: str | None) -> str | None:
        """The stored code_qualifier: qualifier values, then the kind, space-separated."""
        parts = [*qualifiers, *([kind] if kind else [])]
        return " ".join(parts) if parts else None


LOOKUPS = {lookup.name: lookup for lookup in (
    Lookup("tblLookupNationality", ("NAT_CODE",), "NAT_NAME",
           (("A_TblCase", ("NAT",), ""), ("B_TblProceeding", ("NAT",), ""))),
    Lookup("tblLookupBaseCity", ("BASE_CITY_CODE",), "BASE_CITY_NAME",
           (("B_TblProceeding", ("BASE_CITY_CODE",), ""),)),
    Lookup("tblLookupHloc", ("HEARING_LOC_CODE",), "HEARING_LOC_NAME",
           (("B_TblProceeding", ("HEARING_LOC_CODE",), ""),)),
    Lookup("tblLookupJudge", ("JUDGE_CODE",), "JUDGE_NAME",
           (("B_TblProceeding", ("IJ_CODE",), ""),)),
    Lookup("tblLookupCaseType", ("strCode",), "strDescription",
           (("A_TblCase", ("CASE_TYPE",), ""), ("B_TblProceeding", ("CASE_TYPE",), ""))),
    Lookup("tblLookupCustodyStatus", ("strCode",), "strDescription",
           (("A_TblCase", ("CUSTODY",), ""), ("B_TblProceeding", ("CUSTODY",), ""))),
    Lookup("tblLanguage", ("strCode",), "strDescription",
           (("A_TblCase", ("LANG",), ""), ("B_TblProceeding", ("LANG",), ""))),
    Lookup("tblLookUp_Appln", ("strcode",), "strdescription",
           (("tbl_Court_Appln", ("APPL_CODE",), ""),)),
    Lookup("tblLookupCourtAppDecisions", ("strCode",), "strDescription",
           (("tbl_Court_Appln", ("APPL_DEC",), ""),)),
    Lookup("tblLookupCourtDecision", ("strCaseType", "strDecCode"), "strDecDescription",
           (("B_TblProceeding", ("CASE_TYPE", "DEC_CODE"), "C"),
            ("B_TblProceeding", ("CASE_TYPE", "OTHER_COMP"), "O")),
           kind_column="strDecType"),
    Lookup("tbllookupSchedule_Type", ("strCode",), "strDescription",
           (("tbl_schedule", ("SCHEDULE_TYPE",), ""),)),
    Lookup("tbllookupCharges", ("strCode",), "strCodeDescription",
           (("B_TblProceedCharges", ("CHARGE",), ""),)),
    Lookup("tblLookUpCaseIdentifier", ("strCode",), "strDescription",
           (("A_TblCaseIdentifier", ("CASE_ID",), ""),)),
    Lookup("tblLookupMotionType", ("strCode",), "strDescription",
           (("tbl_Court_Motions", ("REC_TYPE",), ""),)),
    # Not tbl_Court_Motions.STRFILINGPARTY: 8.8% of its real values are R and 0.15% S, which
    # tblLookupFiledBy does not list (value_frequencies_by_field.csv).
    Lookup("tblLookupFiledBy", ("strCode",), "strDescription",
           (("tblAppeal", ("strFiledBy",), ""), ("D_TblAssociatedBond", ("FILING_PARTY",), ""))),
    Lookup("tblLookupBIADecision", ("strCode",), "strDescription",
           (("tblAppeal", ("strBIADecision",), ""),)),
    Lookup("tblLookupBIADecisionType", ("strCode",), "strDescription",
           (("tblAppeal", ("strBIADecisionType",), ""),)),
    Lookup("tbllookupAppealType", ("strCode",), "strDescription",
           (("tblAppeal", ("strAppealType",), ""),)),
)}


def qualifier_match(stored: str, qualifier: str, kind: str) -> str:
    """SQL that matches a lookup row's stored qualifier: the qualifier and the kind
    ("RMV C"), or the qualifier alone when the release's lookup has no kind column."""
    if not kind:
        return f"{stored} = {qualifier}"
    return f"{stored} IN ({qualifier} || ' {kind}', {qualifier})"


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
# Custody that means the person was held: D detained, R released (after detention). N means
# EOIR records the person as never detained (71% of real tbl_CustodyHistory rows).
HELD_CUSTODY = ("D", "R")

# Who started the asylum clock (A_TblCase.C_ASY_TYPE; EOIR's column definition: "whether the
# clock was started by Department of Homeland Security or the Executive Office for
# Immigration Review"): I = DHS, an affirmative claim referred by the asylum office; E = EOIR,
# a defensive claim made in court. Other values (J occurs) and blanks are unknown, never one
# side (the Deportation Data Project's eoir_case_joins.R recodes the same way).
ASYLUM_TYPES = {"I": "affirmative", "E": "defensive"}

# Which table's NAT a case's nationality comes from: the proceeding's (B_TblProceeding.NAT,
# the nationality recorded where the decision was made), the case's (A_TblCase.NAT) when the
# proceeding's is blank. One named choice for every metric and every recount.
NATIONALITY_SOURCE = "B_TblProceeding.NAT, else A_TblCase.NAT"

# Counsel counted as representation: attorneys for the noncitizen (STRATTYTYPE ALIEN) at the
# immigration court (STRATTYLEVEL COURT). BOARD rows are appeals; INS rows are DHS attorneys.
# A court counsel row without an E_28_DATE counts as representation "ever" but not at a date
# (first hearing, decision): when it began is unknown.
COUNSEL = {"STRATTYTYPE": "ALIEN", "STRATTYLEVEL": "COURT"}

@dataclass(frozen=True)
class CourtDecision:
    """One row of EOIR's court-decision lookup with the outcome class immtrack counts."""

    case_type: str
    decision_type: str  # C: court decision (DEC_CODE), O: other completion (OTHER_COMP)
    code: str
    description: str
    outcome_class: str
    source: str


def _load_court_decisions() -> dict[tuple[str, str, str], CourtDecision]:
    with files("immtrack.schema").joinpath("data/eoir_court_decisions.csv").open(
            newline="", encoding="utf-8") as stream:
        return {(r["case_type"], r["decision_type"], r["code"]): CourtDecision(
            r["case_type"], r["decision_type"], r["code"], r["description"],
            r["outcome_class"], r["source"]) for r in csv.DictReader(stream)}


# EOIR's court-decision lookup keyed by (case type, decision type, code): what a proceeding's
# DEC_CODE (type C) or OTHER_COMP (type O) means for the person, read with its CASE_TYPE.
# Derived by scripts/derive_eoir_registry.py; docs/metrics.md gives the reasoning per class.
# A pair the lookup does not list is "unclassified" and counted.
COURT_DECISIONS = _load_court_decisions()
COURT_OUTCOME_CLASSES = {
    "relief": "Relief granted: asylum, withholding, cancellation, adjustment, admitted, "
              "status kept (allowed to stay).",
    "terminated": "Case terminated or dismissed (allowed to stay, without a removal order).",
    "removal": "Removal, deportation or exclusion order.",
    "removal_with_protection": "Removal order with withholding of removal or CAT protection "
                               "granted: removal to the feared country is barred.",
    "voluntary_departure": "Voluntary departure granted (the person leaves).",
    "withdrawn_admission": "Application for admission withdrawn (the person leaves).",
    "denied": "Application denied in an asylum-only or withholding-only case (the DHS "
              "removal order stands).",
    "rescinded": "Adjustment of status rescinded.",
    "dhs_affirmed": "Credible, reasonable fear or claimed status review: DHS's decision "
                    "affirmed.",
    "dhs_vacated": "Credible, reasonable fear or claimed status review: DHS's decision "
                   "vacated (the claim goes on).",
    "withdrawn": "Withdrawn.", "abandoned": "Abandoned.",
    "admin_closure": "Administratively closed (may be recalendared), including TPS and "
                     "prosecutorial discretion closures.",
    "transfer": "Change of venue, transfer, or jurisdiction transferred to the Board: the "
                "case goes on elsewhere (not a completion).",
    "bond": "Zero bond (a bond decision).",
    "other": "Other completion.",
    "unclassified": "A (case type, code) pair EOIR's lookup does not list.",
}
ALLOWED_TO_STAY = ("relief", "terminated")
REMOVAL_ORDERS = ("removal", "removal_with_protection")
# Not a completion of the case: it continues in another proceeding (EOIR counted these as
# completions before FY2013, per DOJ OIG report I-2013-001; we do not).
NOT_COMPLETIONS = ("transfer",)
# EOIR's Asylum Decision Rates cover "completed removal, deportation, exclusion, and
# asylum-only proceedings" (footnote 2 of the tables, FY2018-FY2021).
EOIR_RATE_CASE_TYPES = ("RMV", "DEP", "EXC", "AOC")


def _lookup_codes(name: str) -> tuple[str, ...]:
    with files("immtrack.schema").joinpath("data/eoir_lookups.csv").open(
            newline="", encoding="utf-8") as stream:
        return tuple(r["code"] for r in csv.DictReader(stream) if r["lookup"] == name)


# Application codes EOIR's tblLookUp_Appln lists: a row with any other APPL_CODE (N, ????,
# dates occur in 0.45% of real rows) is left out of every count and counted as left out.
APPLICATION_CODES = _lookup_codes("tblLookUp_Appln")
ASYLUM_APPLICATION_CODES = {"ASYL": "Asylum", "ASYW": "Withholding of removal (INA 241(b)(3))",
                            "WCAT": "Withholding under the Convention Against Torture"}


def _data_rows(name: str) -> list[dict]:
    with files("immtrack.schema").joinpath(f"data/{name}").open(newline="",
                                                               encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


# The outcome of a completed proceeding, in the six groups TRAC's and EOIR's court tools
# report, from the court-decision classes above (COURT_OUTCOME_CLASSES). "denied" (an
# asylum-only or withholding-only application denied: DHS's order stands), rescissions,
# review of DHS's fear findings, withdrawals, abandonments and zero bonds are "other";
# transfers are not completions; unclassified pairs are left out and counted.
OUTCOME_GROUPS = {
    "removal_order": ("removal", "removal_with_protection"),
    "voluntary_departure": ("voluntary_departure",),
    "relief": ("relief",),
    "terminated": ("terminated",),
    "admin_closure": ("admin_closure",),
    "other": ("withdrawn_admission", "denied", "rescinded", "dhs_affirmed", "dhs_vacated",
              "withdrawn", "abandoned", "bond", "other"),
}
OUTCOME_GROUP_TITLES = {
    "removal_order": "Removal order (removal, deportation or exclusion; with or without "
                     "withholding or CAT protection)",
    "voluntary_departure": "Voluntary departure granted",
    "relief": "Relief granted (asylum, withholding, cancellation, adjustment, admitted, "
              "status kept)",
    "terminated": "Case terminated or dismissed",
    "admin_closure": "Administratively closed (may be recalendared)",
    "other": "Other completion (application for admission withdrawn, asylum-only or "
             "withholding-only denial, rescission, fear review, withdrawn, abandoned, other)",
}
# ABSENTIA (B_TblProceeding): "Indicates whether the alien fails to appear as scheduled
# before an immigration judge" (EOIR's column definition); Y is an in absentia order, blank or
# N is not (the Deportation Data Project's codebook).
IN_ABSENTIA = "Y"

# Migrant Protection Protocols ("Remain in Mexico"): cases EOIR marks with the case identifier
# MP (tblLookUpCaseIdentifier: MIGRANT PROTECTION PROTOCOL), or heard at the hearing locations
# tblLookupHloc names as MPP courts (MPP COURT CALEXICO PORT, MPP COURT EL PASO, MPP
# BROWNSVILLE GATEWAY INTERNATIONAL BRIDGE, MPP LAREDO, MPP COURT OTAY MESA, MPP COURT SAN
# YSIDRO PORT, MPP- TUM). MPP itself is a test location ("TEST HEARING LOC - ECAS MPP") and
# the lookup's RM ("Remain in Mexico") is not EOIR's MPP marker: neither counts.
MPP_CASE_IDS = ("MP",)
MPP_HEARING_LOCATIONS = ("CIX", "ENP", "MPB", "MPL", "OPP", "SYP", "TUM")

# Charge groups of tbllookupCharges codes (eoir_charge_groups.csv, derived by
# scripts/derive_eoir_registry.py from the section of the Act each code names), most serious
# first: a proceeding's charge group is that of its most serious charge. A code the lookup
# does not list is "unknown" and counted.
CHARGE_GROUP_ORDER = ("security", "criminal", "reentry", "fraud", "entry_without_inspection",
                      "arriving_without_documents", "status_violation", "other")
CHARGE_GROUP_TITLES = {
    "security": "Security and related grounds (212(a)(3), 237(a)(4))",
    "criminal": "Criminal grounds (212(a)(2), 237(a)(2), 241(a)(2))",
    "reentry": "Previously removed or unlawfully present (212(a)(9), 212(a)(6)(A)-(B))",
    "fraud": "Fraud, misrepresentation, false claims, document fraud (212(a)(6)(C), (F), "
             "237(a)(1)(G), 237(a)(3)(B)-(D))",
    "entry_without_inspection": "Present without admission or parole: entry without "
                                "inspection (212(a)(6)(A)(i), old 241(a)(1)(B))",
    "arriving_without_documents": "Arriving without valid entry documents (212(a)(7))",
    "status_violation": "Status violation or overstay (237(a)(1)(A)-(D), 241(a)(1)(A), (C))",
    "other": "Other grounds (health, public charge, labor certification, smuggling...)",
    "none": "No charge recorded for the proceeding",
}
CHARGE_GROUPS = {r["code"]: r["charge_group"] for r in _data_rows("eoir_charge_groups.csv")}

# The Board's decisions on appeals (tblAppeal.strBIADecision, tblLookupBIADecision) with the
# class immtrack counts (eoir_bia_decisions.csv, derived from the descriptions): dismissed (the
# decision appealed stands), sustained, granted, denied, remanded, terminated, withdrawn,
# admin_closed, rejected, other.
BIA_DECISIONS = {r["code"]: (r["description"], r["outcome_class"])
                 for r in _data_rows("eoir_bia_decisions.csv")}
# Who filed an appeal (tblAppeal.strFiledBy, tblLookupFiledBy): A the noncitizen ("Alien"),
# I DHS, B both; the lookup's other codes are rare.
FILED_BY = {"A": "noncitizen", "I": "DHS", "B": "both"}
