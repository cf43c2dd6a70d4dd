"""The two tables every asylum question counts, derived once per release at ingest.

core_eoir__asylum_decisions: one row per final decision on an asylum application (ASYL) in a
completed proceeding. core_eoir__asylum_applications: one row per asylum application, decided or
pending. Both carry the same dimensions, taken from where EOIR records them:

- the proceeding that holds the application: nationality, court, hearing location, judge, case
  type, custody at the proceeding, completion date, court decision (DEC_CODE read with the case
  type into relief, terminated, removal, voluntary departure or other: schema.eoir.COURT_OUTCOMES)
  and whether withholding (ASYW) or CAT protection (WCAT, or decision L) was granted in it;
- the case: affirmative (C_ASY_TYPE E) or defensive, rider of a family's lead case, ever
  detained (a custody-history row, or a proceeding held detained or released), and
  representation by counsel for the noncitizen (tbl_RepsAssigned STRATTYTYPE ALIEN; INS rows are
  government attorneys): ever, at the first scheduled hearing, at the decision.

`tables(name)` gives a lake table as an Ibis expression (at ingest: DuckDB views of the staged
files), so the derivation is the same code the metrics use.
"""

from __future__ import annotations

import ibis
from ibis import _

from immtrack.schema.eoir import APPLICATION_DECISIONS, COURT_OUTCOMES

GRANT_CODES = [c for c, d in APPLICATION_DECISIONS.items() if d.outcome == "grant"]


def application_outcome(decision):
    """The outcome class of an application decision code (grant, deny, other, not_final)."""
    cases = [(decision.isin([c for c, d in APPLICATION_DECISIONS.items() if d.outcome == k]), k)
             for k in ("grant", "deny", "other", "not_final")]
    return ibis.cases(*cases, else_=ibis.null()).name("outcome")


def fiscal_year(day):
    return (day.year() + (day.month() >= 10).cast("int32")).cast("int32")


def _court_outcome(case_type, code):
    cases = [((case_type == kind) & (code == letter), outcome)
             for (kind, letter), outcome in COURT_OUTCOMES.items()]
    return ibis.cases(*cases, else_=ibis.null("string"))


def _proceedings(tables) -> ibis.Table:
    """Each proceeding's dimensions, court outcome and other protection granted in it."""
    applications = tables("raw_eoir__tbl_court_appln")
    granted = applications.APPL_DEC.isin(GRANT_CODES)
    protection = applications.group_by(protection_proceeding=_.IDNPROCEEDING).aggregate(
        withholding_granted=((_.APPL_CODE == "ASYW") & granted).any(),
        cat_granted=(((_.APPL_CODE == "WCAT") & granted) | (_.APPL_DEC == "L")).any())
    proceedings = tables("raw_eoir__b_tblproceeding").select(
        "IDNPROCEEDING", "NAT", "BASE_CITY_CODE", "HEARING_LOC_CODE", "IJ_CODE", "CASE_TYPE",
        "CUSTODY", "COMP_DATE", court_outcome=_court_outcome(_.CASE_TYPE, _.DEC_CODE))
    joined = proceedings.left_join(protection,
                                   proceedings.IDNPROCEEDING == protection.protection_proceeding)
    return joined.drop("protection_proceeding")


def _cases(tables) -> ibis.Table:
    """Per case: affirmative or defensive, rider, ever detained, first counsel, first hearing."""
    cases = tables("raw_eoir__a_tblcase").select(feature_case=_.IDNCASE, C_ASY_TYPE=_.C_ASY_TYPE)
    counsel = tables("raw_eoir__tbl_repsassigned").filter(_.STRATTYTYPE == "ALIEN") \
        .group_by(counsel_case=_.IDNCASE).aggregate(first_counsel=_.E_28_DATE.min())
    hearings = tables("raw_eoir__tbl_schedule").group_by(hearing_case=_.IDNCASE) \
        .aggregate(first_hearing=_.ADJ_DATE.min())
    riders = tables("raw_eoir__tbl_lead_rider").select(rider_case=_.idnRiderCase).distinct()
    held = tables("raw_eoir__tbl_custodyhistory").select(held_case=_.IDNCASE).union(
        tables("raw_eoir__b_tblproceeding").filter(_.CUSTODY.isin(["D", "R"]))
        .select(held_case=_.IDNCASE), distinct=True)
    joined = cases.left_join(counsel, cases.feature_case == counsel.counsel_case)
    joined = joined.left_join(hearings, joined.feature_case == hearings.hearing_case)
    joined = joined.left_join(riders, joined.feature_case == riders.rider_case)
    joined = joined.left_join(held, joined.feature_case == held.held_case)
    return joined.select(
        "feature_case", "C_ASY_TYPE", "first_counsel", "first_hearing",
        rider=_.rider_case.notnull(), ever_detained=_.held_case.notnull())


def _asylum_applications(tables) -> ibis.Table:
    """ASYL applications joined to their proceeding's and case's features."""
    applications = tables("raw_eoir__tbl_court_appln").filter(_.APPL_CODE == "ASYL")
    joined = applications.join(_proceedings(tables), "IDNPROCEEDING")
    cases = _cases(tables)
    return joined.left_join(cases, joined.IDNCASE == cases.feature_case)


def _dimensions(table: ibis.Table) -> dict:
    """The columns both tables share, under the names the metrics use."""
    counsel = table.first_counsel
    return dict(
        nationality=table.NAT, court=table.BASE_CITY_CODE, hearing_location=table.HEARING_LOC_CODE,
        judge=table.IJ_CODE, case_type=table.CASE_TYPE, custody=table.CUSTODY,
        ever_detained=table.ever_detained.fill_null(False),
        affirmative=table.C_ASY_TYPE == "E",
        represented=counsel.notnull(),
        represented_at_first_hearing=(counsel <= table.first_hearing).fill_null(False),
        represented_at_decision=(counsel <= table.COMP_DATE).fill_null(False),
        rider=table.rider.fill_null(False),
        filed_date=table.APPL_RECD_DATE.date(), filed_fy=fiscal_year(table.APPL_RECD_DATE))


def decisions_table(tables) -> ibis.Table:
    """One row per final asylum decision, with every dimension."""
    joined = _asylum_applications(tables).filter(_.APPL_DEC.notnull(), _.COMP_DATE.notnull())
    return joined.select(
        case_id=_.IDNCASE, proceeding_id=_.IDNPROCEEDING, application_id=_.IDNPROCEEDINGAPPLN,
        decision_code=_.APPL_DEC, outcome=application_outcome(_.APPL_DEC),
        decision_date=_.COMP_DATE.date(), decision_fy=fiscal_year(_.COMP_DATE),
        **_dimensions(joined),
        withholding_granted=_.withholding_granted.fill_null(False),
        cat_granted=_.cat_granted.fill_null(False), court_outcome=_.court_outcome,
    ).filter(_.outcome.notnull())


def applications_table(tables) -> ibis.Table:
    """One row per asylum application, decided or pending: filings, cohorts, time to decision.

    An application is one case's filing of one date: when a remand or reopening records it
    again in a new proceeding, its latest record (highest IDNPROCEEDINGAPPLN; EOIR's ids grow
    with time) says whether it is decided, and how.
    """
    joined = _asylum_applications(tables).filter(_.APPL_RECD_DATE.notnull())
    latest = ibis.window(group_by=[_.IDNCASE, _.APPL_RECD_DATE],
                         order_by=ibis.desc(_.IDNPROCEEDINGAPPLN))
    joined = joined.mutate(record=ibis.row_number().over(latest)).filter(_.record == 0)
    outcome = application_outcome(_.APPL_DEC)
    final = outcome.isin(["grant", "deny", "other"]) & _.COMP_DATE.notnull()
    return joined.select(
        case_id=_.IDNCASE, application_id=_.IDNPROCEEDINGAPPLN,
        decision_date=ibis.ifelse(final, _.COMP_DATE.date(), ibis.null("date")),
        outcome=ibis.ifelse(final, outcome, ibis.null("string")), is_pending=~final,
        **_dimensions(joined))
