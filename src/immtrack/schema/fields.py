"""Every lake column, defined once: its type and what it means (and what it cannot tell you).

Parquet schemas, DuckDB views, the data dictionary and the CLI's help are all generated from
these records; nothing else declares a column. Fields are grouped by domain so they can be
reviewed; a name means the same quantity in every table that uses it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True)
class Field:
    name: str
    type: pa.DataType
    description: str


def _fields(*records: Field) -> dict[str, Field]:
    return {record.name: record for record in records}


PROVENANCE_FIELDS = _fields(
    Field("release_id", pa.string(),
          "The release (one published file or zip) this row was read from; see `releases`."),
    Field("source_file", pa.string(), "Name of the published file the row came from."),
    Field("source_sheet", pa.string(), "Workbook sheet the row came from; null for CSV files."),
    Field("source_line", pa.int64(),
          "Line of the CSV file (1 = header) or row of the sheet (1 = first row) the value was "
          "read from, so every number can be traced to the cell that holds it."),
)

ENCOUNTER_FIELDS = _fields(
    Field("series", pa.string(),
          "Which published cut the row belongs to (see `immtrack sources`). Rows of different "
          "series describe the same encounters in different breakdowns: never add them together."),
    Field("fact_key", pa.string(),
          "The row's dimensions joined into one string; with series and period it identifies a "
          "fact across releases, so revisions can be listed."),
    Field("month_start", pa.date32(),
          "First day of the calendar month of the encounters; null for annual (fiscal-year) rows."),
    Field("fiscal_year", pa.int16(),
          "U.S. government fiscal year, October to September: FY2022 runs 2021-10-01 to "
          "2022-09-30. Files write the current year as text such as '2025 (FYTD)'."),
    Field("component_code", pa.string(),
          "CBP component: OFO (Office of Field Operations, ports of entry) or USBP (U.S. Border "
          "Patrol, between ports). Null where the series does not break encounters down by it."),
    Field("border_region_code", pa.string(),
          "Land border region: southwest, northern, other (CBP: coastal, air and sea) or coastal "
          "(OHSS: Border Patrol's coastal sectors). Null where the series has no region."),
    Field("aor_name", pa.string(),
          "Area of responsibility as published: a Border Patrol sector or an OFO field office."),
    Field("aor_code", pa.string(), "CBP's short name for the area of responsibility."),
    Field("state_code", pa.string(), "U.S. state (two-letter postal code) of the encounter."),
    Field("demographic_code", pa.string(),
          "single_adults, family_unit_individuals (CBP 'FMUA'), unaccompanied_children (CBP "
          "'UC / Single Minors' or 'UAC') or accompanied_minors."),
    Field("citizenship_name", pa.string(),
          "Citizenship, normalized to CBP's upper-case spelling (RUSSIA, 'CHINA, PEOPLES REPUBLIC "
          "OF'). CBP names about twenty countries and puts the rest in OTHER; the newer southwest "
          "files group all but four countries into OTHER, so small nationalities cannot be read "
          "from them."),
    Field("citizenship_raw", pa.string(), "Citizenship exactly as the file wrote it."),
    Field("title_of_authority_code", pa.string(),
          "Legal authority: '8' (Title 8, immigration law) or '42' (Title 42 public-health "
          "expulsions, March 2020 to May 2023)."),
    Field("encounter_type_code", pa.string(),
          "apprehensions (USBP, Title 8), inadmissibles (OFO, Title 8) or expulsions (Title 42)."),
    Field("encounter_count", pa.int64(),
          "Number of encounters: events, not people. One person caught three times counts three "
          "times. OHSS workbooks round to tens and leave out small cells."),
)

QUARANTINE_FIELDS = _fields(
    Field("reason_code", pa.string(), "Why the row was not loaded: a code from the quarantine "
          "reasons vocabulary (`immtrack quarantine --reasons`)."),
    Field("field_name", pa.string(), "The column whose value was rejected, where one was."),
    Field("raw_value", pa.string(), "The rejected value as the file wrote it."),
    Field("raw_row", pa.string(), "The whole input row as read, fields joined by a tab."),
    Field("detail", pa.string(), "A sentence saying what was wrong and what was expected."),
)

EOIR_FIELDS = _fields(
    Field("data_issues", pa.string(),
          "Values of this row that did not parse as their column's type, or dates before 1951, "
          "as 'COLUMN: problem (raw value)'; the typed column is null (or kept, for old dates)."),
    Field("repaired_row", pa.string(), "The row after the repair, fields joined by a tab."),
    Field("repair", pa.string(), "What the repair did, in words."),
    Field("lookup_name", pa.string(), "EOIR lookup file (Lookup/<name>.csv) the code is from."),
    Field("code", pa.string(), "The code as the lookup file writes it."),
    Field("code_qualifier", pa.string(),
          "The second key of lookups keyed by two columns: the case type of a court decision."),
    Field("description", pa.string(), "The lookup's description of the code."),
    Field("table_name", pa.string(), "EOIR table the value was found in."),
    Field("column_name", pa.string(), "Column of that table."),
    Field("rows", pa.int64(), "How many rows hold the value."),
)

ASYLUM_DECISION_FIELDS = _fields(
    Field("case_id", pa.int64(), "EOIR IDNCASE: one charging document; a person may have "
          "several."),
    Field("proceeding_id", pa.int64(), "EOIR IDNPROCEEDING of the proceeding that decided."),
    Field("application_id", pa.int64(), "EOIR IDNPROCEEDINGAPPLN of the asylum application."),
    Field("decision_code", pa.string(), "EOIR application decision code (APPL_DEC)."),
    Field("outcome", pa.string(),
          "grant (G, F, C, I, P), deny (D), other (L, A, W, M, O), not_final (S, T, R), or "
          "unknown_code (a code EOIR's lookup does not list: left out of counts)."),
    Field("decision_date", pa.date32(), "Completion date of the deciding proceeding."),
    Field("decision_fy", pa.int32(), "Fiscal year of the decision date (October to September)."),
    Field("nationality", pa.string(),
          "EOIR nationality code (RU, UE, MX): the proceeding's NAT, else the case's "
          "(schema.eoir.NATIONALITY_SOURCE)."),
    Field("court", pa.string(), "Base city code of the immigration court."),
    Field("hearing_location", pa.string(),
          "Hearing location code: where the respondent appeared (may differ from the court)."),
    Field("judge", pa.string(), "Immigration judge code of the deciding proceeding."),
    Field("case_type", pa.string(), "EOIR case type (RMV removal, AOC asylum only...)."),
    Field("custody", pa.string(),
          "Custody at the proceeding: N never detained, D detained, R released."),
    Field("asylum_type", pa.string(),
          "Who started the asylum clock (A_TblCase C_ASY_TYPE): affirmative (I: DHS, a claim "
          "referred by the asylum office), defensive (E: EOIR, a claim made in court), or "
          "unknown (blank, J or any other value)."),
    Field("ever_detained", pa.bool_(),
          "True when a custody record (tbl_CustodyHistory) or a proceeding shows the person "
          "detained (D) or released from detention (R); N records mean never detained."),
    Field("represented", pa.bool_(),
          "True when counsel for the noncitizen at the immigration court (tbl_RepsAssigned "
          "STRATTYTYPE ALIEN, STRATTYLEVEL COURT; BOARD rows are appeals) appeared in the "
          "case, with or without an E-28 date."),
    Field("represented_at_first_hearing", pa.bool_(),
          "True when court counsel's first appearance (E_28_DATE) is on or before the case's "
          "first scheduled hearing (tbl_schedule ADJ_DATE); counsel without a date is not "
          "placed in time and does not count here."),
    Field("represented_at_decision", pa.bool_(),
          "True when counsel's first appearance is on or before the deciding proceeding's "
          "completion date."),
    Field("rider", pa.bool_(),
          "True when the case rides on a family member's lead case (tbl_Lead_Rider, active "
          "links only: blnActive 0 is a severed rider, tried on its own)."),
    Field("application_code_known", pa.bool_(),
          "False for records whose APPL_CODE EOIR's lookup does not list (N, ????, dates): "
          "kept only to count them as left out."),
    Field("is_initial_completion", pa.bool_(),
          "True when the deciding proceeding is the case's initial completion: its first "
          "completed proceeding that is not a change of venue or transfer (EOIR's rate)."),
    Field("in_eoir_rate_case_types", pa.bool_(),
          "True for removal, deportation, exclusion and asylum-only proceedings, the case "
          "types EOIR's Asylum Decision Rates cover."),
    Field("court_decision_kind", pa.string(),
          "C when the proceeding ended in a court decision (DEC_CODE), O in an other "
          "completion (OTHER_COMP), null while pending."),
    Field("status", pa.string(),
          "decided (a final code and a completion date), closed_without_decision (the "
          "proceeding was completed without a final asylum decision), pending (the "
          "proceeding is not completed), or unknown_code."),
    Field("closed_date", pa.date32(),
          "Completion date of the proceeding that closed the application without a "
          "decision; null otherwise."),
    Field("withholding_granted", pa.bool_(),
          "True when the deciding proceeding also granted withholding of removal (ASYW)."),
    Field("cat_granted", pa.bool_(),
          "True when the deciding proceeding granted protection under the Convention Against "
          "Torture (WCAT granted, or decision L)."),
    Field("court_outcome", pa.string(),
          "What the deciding proceeding's DEC_CODE (or OTHER_COMP) means, read with its "
          "CASE_TYPE through EOIR's court-decision lookup (schema.eoir.COURT_OUTCOME_CLASSES: "
          "relief, terminated, removal, removal_with_protection, voluntary_departure, ...); "
          "unclassified for pairs the lookup does not list."),
    Field("filed_date", pa.date32(), "Date the court received the application (APPL_RECD_DATE)."),
    Field("filed_fy", pa.int32(), "Fiscal year of the filing date (October to September)."),
    Field("is_pending", pa.bool_(),
          "True when the application's proceeding is not completed (status pending)."),
)

RELEASE_FIELDS = _fields(
    Field("source", pa.string(), "Which public dataset: cbp, eoir or ice."),
    Field("release_label", pa.string(), "The published file or zip name the release is known by."),
    Field("release_date", pa.date32(),
          "When the publisher released it: given at ingest, or read from the download address "
          "or file name; null when unknown."),
    Field("data_from", pa.date32(), "First month with data in the release."),
    Field("data_through", pa.date32(),
          "Last month with data in the release; releases of a series are ordered by it."),
    Field("is_synthetic", pa.bool_(),
          "True when immtrack generated the files (demo or test data), never real records."),
    Field("origin", pa.string(), "The path or URL the files were read from."),
    Field("ingested_at", pa.timestamp("s", tz="UTC"), "When immtrack published the release."),
    Field("code_version", pa.string(), "immtrack version that read the files."),
    Field("file_name", pa.string(), "A file of the release."),
    Field("part", pa.string(), "A sheet of a workbook; empty for CSV files."),
    Field("sha256", pa.string(), "SHA-256 of the file's bytes as published."),
    Field("file_bytes", pa.int64(), "Size of the file in bytes."),
    Field("rows_read", pa.int64(), "Data rows read (blank lines and header rows not counted)."),
    Field("rows_loaded", pa.int64(), "Rows loaded into the lake."),
    Field("rows_quarantined", pa.int64(),
          "Rows kept in the quarantine table instead; rows_read = rows_loaded + rows_quarantined."),
)

ICE_FIELDS = _fields(
    Field("ice_file_date", pa.date32(),
          "Date of the ICE detention statistics workbook the row comes from (its release)."),
    Field("ice_pull_date", pa.date32(),
          "Date ICE pulled the data for that workbook (null when the workbook does not say)."),
    Field("facility_name", pa.string(), "Facility name as the source spells it."),
    Field("address", pa.string(), "Street address as the source writes it."),
    Field("city", pa.string(), "City as the source spells it."),
    Field("county", pa.string(), "County as the source spells it."),
    Field("zip", pa.string(), "ZIP code (five digits where the source gave a number)."),
    Field("facility_type", pa.string(),
          "ICE's detailed facility type: IGSA, DIGSA, SPC, CDF, USMS IGA, BOP, FAMILY..."),
    Field("gender", pa.string(), "Who the facility holds: Male, Female, Female/Male."),
    Field("adp", pa.float64(),
          "Average daily population: people held on an average day over the period."),
    Field("adp_level_a", pa.float64(), "ADP of security level A (lowest threat)."),
    Field("adp_level_b", pa.float64(), "ADP of security level B."),
    Field("adp_level_c", pa.float64(), "ADP of security level C."),
    Field("adp_level_d", pa.float64(), "ADP of security level D (highest threat)."),
    Field("adp_male_crim", pa.float64(), "ADP of men with criminal convictions."),
    Field("alos_days", pa.float64(), "Average length of stay in days, as ICE computes it."),
    Field("detloc", pa.string(), "ICE's 7-character detention facility code (DETLOC)."),
    Field("detloc_match", pa.string(),
          "How the row was matched to a DETLOC: name+state, address+city+state, or null."),
    Field("measure", pa.string(),
          "adp (people on an average day), avg_stay_days, book_ins or book_outs."),
    Field("category", pa.string(),
          "The breakdown ICE gives: agency or criminality (ADP, stay), arresting agency "
          "(book-ins), release reason (book-outs)."),
    Field("subcategory", pa.string(), "Criminality within a release reason (book-outs)."),
    Field("value", pa.float64(), "The month's value of the measure."),
    Field("year_to_date", pa.float64(), "The fiscal year to date value ICE prints beside it."),
    Field("latitude", pa.float64(), "Latitude in decimal degrees (WGS84)."),
    Field("longitude", pa.float64(), "Longitude in decimal degrees (WGS84)."),
    Field("first_used", pa.date32(), "First use of the facility (FOIA list)."),
    Field("last_used", pa.date32(), "Last use of the facility (FOIA list, to November 2017)."),
    Field("list_name", pa.string(),
          "Which facility list the row comes from: ice_2015 (ICE's 2015 authorized list), "
          "foia_list (1978-2017 FOIA list) or ddp_geocodes (DDP's manual geocodes)."),
    Field("field_sources", pa.string(),
          "Which list each field came from: ice_2015, foia_list or ddp_geocodes."),
    Field("office_name", pa.string(), "ERO field office name (Atlanta, New York City...)."),
    Field("state_name", pa.string(), "Full state name (Georgia, New York...)."),
    Field("notes", pa.string(), "Notes the source gives for the row."),
    Field("person_id", pa.string(), "Anonymized person identifier of the detention records."),
    Field("stay_start", pa.timestamp("s"), "Book-in of the detention stay."),
    Field("stay_end", pa.timestamp("s"), "Book-out of the stay; null while held."),
    Field("book_in", pa.timestamp("s"), "Book-in at this facility."),
    Field("book_out", pa.timestamp("s"), "Book-out from this facility; null while held."),
    Field("citizenship", pa.string(), "Country of citizenship as ICE records it."),
    Field("release_reason", pa.string(), "Why the person left detention."),
)


COURT_FLOW_FIELDS = _fields(
    Field("is_first_proceeding", pa.bool_(),
          "True for the case's first proceeding (lowest IDNPROCEEDING: EOIR's ids grow with "
          "time); new cases count these."),
    Field("nta_date", pa.date32(),
          "Date of the case's charging document (Notice to Appear, or Order to Show Cause "
          "before 1997): the earliest OSC_DATE of its proceedings."),
    Field("nta_month", pa.date32(), "First day of the month of the NTA date."),
    Field("nta_fy", pa.int32(), "Fiscal year of the NTA date (October to September)."),
    Field("charge_group", pa.string(),
          "The proceeding's most serious charge group (schema.eoir.CHARGE_GROUP_ORDER: "
          "security, criminal, reentry, fraud, entry_without_inspection, "
          "arriving_without_documents, status_violation, other), none without charges, "
          "unknown when its only charges are codes tbllookupCharges does not list."),
    Field("mpp", pa.bool_(),
          "True for Migrant Protection Protocols cases: case identifier MP "
          "(A_TblCaseIdentifier) or a proceeding heard at an MPP hearing location "
          "(schema.eoir.MPP_HEARING_LOCATIONS)."),
    Field("mpp_marked", pa.bool_(), "True when the case carries the case identifier MP."),
    Field("completion_date", pa.date32(), "The proceeding's completion date (COMP_DATE)."),
    Field("completion_fy", pa.int32(), "Fiscal year of the completion date."),
    Field("court_decision_code", pa.string(),
          "The proceeding's DEC_CODE (court decision), else its OTHER_COMP (other "
          "completion)."),
    Field("outcome_group", pa.string(),
          "The completed proceeding's outcome in six groups (schema.eoir.OUTCOME_GROUPS): "
          "removal_order, voluntary_departure, relief, terminated, admin_closure, other; "
          "transfer (not a completion), unclassified (a pair EOIR's lookup does not list) or "
          "no_decision (completed without a decision code): left out and counted."),
    Field("in_absentia", pa.bool_(),
          "True when the proceeding's ABSENTIA is Y: an order entered because the person did "
          "not appear (blank or N: not in absentia)."),
    Field("is_completion", pa.bool_(),
          "True for a completed proceeding that is not a change of venue or transfer."),
    Field("is_last_completion", pa.bool_(),
          "True for the case's latest completion (TRAC-style completed cases: each case once, "
          "at its latest outcome)."),
    Field("represented_at_completion", pa.bool_(),
          "True when court counsel's first appearance (E_28_DATE) is on or before the "
          "completion date."),
    Field("days_to_completion", pa.int32(),
          "Days from the NTA date to the completion date; null while pending."),
    Field("bond_id", pa.int64(), "EOIR IDNASSOCBOND: one bond proceeding or decision."),
    Field("bond_decision", pa.string(),
          "The judge's bond decision code (D_TblAssociatedBond DEC) as recorded: EOIR "
          "publishes no lookup for it."),
    Field("bond_decision_date", pa.date32(), "Completion date of the bond proceeding."),
    Field("bond_decision_fy", pa.int32(), "Fiscal year of the bond completion date."),
    Field("request_date", pa.date32(),
          "Date the court received the bond hearing request (BOND_HEAR_REQ_DATE)."),
    Field("request_fy", pa.int32(), "Fiscal year of the request date."),
    Field("initial_bond", pa.float64(),
          "Bond in dollars set by DHS (INITIAL_BOND); null when blank or not a number."),
    Field("new_bond", pa.float64(),
          "Bond in dollars set by the immigration judge (NEW_BOND); null when blank or not a "
          "number."),
    Field("amount_change", pa.string(),
          "lowered, raised or unchanged when both amounts are numbers; set_by_judge when only "
          "the judge's is; not_set_by_judge when only DHS's is; no_amount otherwise."),
    Field("amount_not_numeric", pa.bool_(),
          "True when INITIAL_BOND or NEW_BOND holds text that is not a number."),
    Field("bond_type", pa.string(),
          "BB custody redetermination, BD motion for bond redetermination, SB subsequent "
          "bond determination (the Deportation Data Project's codebook)."),
    Field("filing_party", pa.string(), "Who filed (tblLookupFiledBy: A noncitizen, I DHS...)."),
    Field("detained_date", pa.date32(),
          "Date the person was detained: the case's DATE_DETAINED, else the earliest "
          "detention date of its custody history."),
    Field("days_detained_to_decision", pa.int32(),
          "Days from the detention date to the bond decision; null without both dates or "
          "when the decision comes first."),
    Field("appeal_id", pa.int64(), "EOIR idnAppeal: one appeal or motion at the Board."),
    Field("appeal_category", pa.string(),
          "strAppealCategory: IJ (an immigration judge's decision), DD (a DHS officer's), MA."),
    Field("appeal_type", pa.string(), "strAppealType (tbllookupAppealType): Case Appeal, Bond "
          "Appeal, MTR BIA..."),
    Field("filed_by", pa.string(),
          "Who appealed (strFiledBy, tblLookupFiledBy): A noncitizen, I DHS, B both, O other, "
          "P petitioner..."),
    Field("appeal_filed_date", pa.date32(), "Date the appeal was filed."),
    Field("appeal_filed_fy", pa.int32(), "Fiscal year the appeal was filed."),
    Field("bia_decision", pa.string(), "The Board's decision code (tblLookupBIADecision)."),
    Field("bia_outcome", pa.string(),
          "The Board's decision in classes (schema.eoir.BIA_DECISIONS): dismissed, "
          "sustained, granted, denied, remanded, terminated, withdrawn, admin_closed, "
          "rejected, other; pending without a decision; unknown_code for codes the lookup "
          "does not list."),
    Field("bia_decision_date", pa.date32(), "Date of the Board's decision."),
    Field("bia_decision_fy", pa.int32(), "Fiscal year of the Board's decision."),
)

FIELDS: dict[str, Field] = {
    **PROVENANCE_FIELDS, **ENCOUNTER_FIELDS, **QUARANTINE_FIELDS, **EOIR_FIELDS,
    **ASYLUM_DECISION_FIELDS, **RELEASE_FIELDS, **ICE_FIELDS, **COURT_FLOW_FIELDS,
}
