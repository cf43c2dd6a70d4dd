"""The two tables every asylum question counts, derived once per release at ingest.

core_eoir__asylum_decisions: one row per decision record on an asylum application (ASYL) in a
completed proceeding, plus the decision records whose application code is outside EOIR's
lookup (kept so answers can say how many rows they leave out). core_eoir__asylum_applications:
one row per asylum application (one case's filing of one date), with its status: decided,
closed without decision (its proceeding completed with no final asylum decision), pending
(its proceeding is not completed), or an unknown decision code.

Both carry the same dimensions, read as EOIR's column definitions and lookups say
(schema/eoir.py):

- nationality: NATIONALITY_SOURCE (the proceeding's NAT, else the case's);
- asylum type: C_ASY_TYPE I affirmative (the clock started by DHS), E defensive (by EOIR),
  anything else unknown;
- ever detained: a custody record or a proceeding with custody D or R (N is never detained);
- rider: an active link to a lead case (tbl_Lead_Rider blnActive 1; 0 is a severed rider);
- representation: counsel for the noncitizen at the immigration court (STRATTYTYPE ALIEN,
  STRATTYLEVEL COURT), ever, at the first scheduled hearing, at the decision;
- the proceeding's court outcome: DEC_CODE (type C) or OTHER_COMP (type O) read with its
  CASE_TYPE through EOIR's court-decision lookup (COURT_DECISIONS), "unclassified" when the
  lookup does not list the pair;
- whether the proceeding is the case's initial completion: its first completed proceeding
  that is not a change of venue or transfer (EOIR's rate counts initial completions only).

`tables(name)` gives a lake table as an Ibis expression (at ingest: DuckDB views of the staged
files), so the derivation is the same code the metrics use.
"""

from __future__ import annotations

import ibis
from ibis import _

from immtrack.schema.eoir import (
    APPLICATION_CODES,
    APPLICATION_DECISIONS,
    ASYLUM_TYPES,
    COUNSEL,
    COURT_DECISIONS,
    EOIR_RATE_CASE_TYPES,
    HELD_CUSTODY,
    NOT_COMPLETIONS,
)

GRANT_CODES = [c for c, d in APPLICATION_DECISIONS.items() if d.outcome == "grant"]
FINAL_OUTCOMES = ("grant", "deny", "other")


def application_outcome(decision):
    """The outcome class of an application decision code: grant, deny, other, not_final, or
    unknown_code for a code outside EOIR's lookup."""
    cases = [(decision.isin([c for c, d in APPLICATION_DECISIONS.items() if d.outcome == k]), k)
             for k in ("grant", "deny", "other", "not_final")]
    return ibis.cases(*cases, else_="unknown_code").name("outcome")


def fiscal_year(day):
    return (day.year() + (day.month() >= 10).cast("int32")).cast("int32")


def _court_outcome(case_type, kind, code):
    """The outcome class of (case type, kind, code) from COURT_DECISIONS; unclassified when
    the lookup does not list it, null when the proceeding has no decision."""
    branches = [((case_type == t) & (kind == k) & (code == c), d.outcome_class)
                for (t, k, c), d in COURT_DECISIONS.items()]
    return ibis.ifelse(code.isnull(), ibis.null("string"),
                       ibis.cases(*branches, else_="unclassified"))


def _proceedings(tables) -> ibis.Table:
    """Each proceeding's dimensions, court outcome, initial-completion flag and the other
    protection granted in it."""
    applications = tables("raw_eoir__tbl_court_appln")
    granted = applications.APPL_DEC.isin(GRANT_CODES)
    protection = applications.group_by(protection_proceeding=_.IDNPROCEEDING).aggregate(
        withholding_granted=((_.APPL_CODE == "ASYW") & granted).any(),
        cat_granted=(((_.APPL_CODE == "WCAT") & granted) | (_.APPL_DEC == "L")).any())
    raw = tables("raw_eoir__b_tblproceeding")
    kind = ibis.ifelse(raw.DEC_CODE.notnull(), "C",
                       ibis.ifelse(raw.OTHER_COMP.notnull(), "O", ibis.null("string")))
    code = raw.DEC_CODE.fill_null(raw.OTHER_COMP)
    proceedings = raw.select(
        "IDNPROCEEDING", "BASE_CITY_CODE", "HEARING_LOC_CODE", "IJ_CODE", "CASE_TYPE",
        "CUSTODY", "COMP_DATE", proceeding_case=_.IDNCASE, proceeding_nat=_.NAT,
        court_outcome=_court_outcome(raw.CASE_TYPE, kind, code), court_decision_kind=kind)
    counts = proceedings.COMP_DATE.notnull() & ~proceedings.court_outcome.isin(
        list(NOT_COMPLETIONS)).fill_null(False)
    first = ibis.window(group_by=[proceedings.proceeding_case, counts],
                        order_by=[proceedings.COMP_DATE, proceedings.IDNPROCEEDING])
    proceedings = proceedings.mutate(
        is_initial_completion=counts & (ibis.row_number().over(first) == 0))
    joined = proceedings.left_join(protection,
                                   proceedings.IDNPROCEEDING == protection.protection_proceeding)
    return joined.drop("protection_proceeding")


def _cases(tables) -> ibis.Table:
    """Per case: nationality, asylum type, rider, ever detained, first counsel, first hearing."""
    cases = tables("raw_eoir__a_tblcase").select(
        feature_case=_.IDNCASE, case_nat=_.NAT, C_ASY_TYPE=_.C_ASY_TYPE)
    reps = tables("raw_eoir__tbl_repsassigned")
    counsel = reps.filter(*[reps[column] == value for column, value in COUNSEL.items()]) \
        .group_by(counsel_case=_.IDNCASE).aggregate(first_counsel=_.E_28_DATE.min(),
                                                      counsel_rows=_.count())
    hearings = tables("raw_eoir__tbl_schedule").group_by(hearing_case=_.IDNCASE) \
        .aggregate(first_hearing=_.ADJ_DATE.min())
    riders = tables("raw_eoir__tbl_lead_rider").filter(_.blnActive == "1") \
        .select(rider_case=_.idnRiderCase).distinct()
    held = tables("raw_eoir__tbl_custodyhistory").filter(_.CUSTODY.isin(list(HELD_CUSTODY))) \
        .select(held_case=_.IDNCASE).union(
            tables("raw_eoir__b_tblproceeding").filter(_.CUSTODY.isin(list(HELD_CUSTODY)))
            .select(held_case=_.IDNCASE), distinct=True)
    joined = cases.left_join(counsel, cases.feature_case == counsel.counsel_case)
    joined = joined.left_join(hearings, joined.feature_case == hearings.hearing_case)
    joined = joined.left_join(riders, joined.feature_case == riders.rider_case)
    joined = joined.left_join(held, joined.feature_case == held.held_case)
    asylum_type = ibis.cases(*[(joined.C_ASY_TYPE == code, kind)
                               for code, kind in ASYLUM_TYPES.items()], else_="unknown")
    return joined.select(
        "feature_case", "case_nat", "first_counsel", "first_hearing",
        has_counsel=_.counsel_rows.notnull(), asylum_type=asylum_type,
        rider=_.rider_case.notnull(), ever_detained=_.held_case.notnull())


def _asylum_applications(tables) -> ibis.Table:
    """ASYL application records (and records whose code EOIR's lookup does not list), joined
    to their proceeding's and case's features."""
    applications = tables("raw_eoir__tbl_court_appln").filter(
        (_.APPL_CODE == "ASYL") | ~_.APPL_CODE.isin(list(APPLICATION_CODES)))
    applications = applications.mutate(application_code_known=_.APPL_CODE == "ASYL")
    joined = applications.join(_proceedings(tables), "IDNPROCEEDING")
    cases = _cases(tables)
    return joined.left_join(cases, joined.IDNCASE == cases.feature_case)


def _dimensions(table: ibis.Table) -> dict:
    """The columns both tables share, under the names the metrics use."""
    counsel = table.first_counsel
    return dict(
        nationality=table.proceeding_nat.fill_null(table.case_nat),
        court=table.BASE_CITY_CODE, hearing_location=table.HEARING_LOC_CODE,
        judge=table.IJ_CODE, case_type=table.CASE_TYPE, custody=table.CUSTODY,
        ever_detained=table.ever_detained.fill_null(False),
        asylum_type=table.asylum_type.fill_null("unknown"),
        represented=table.has_counsel.fill_null(False),
        represented_at_first_hearing=(counsel <= table.first_hearing).fill_null(False),
        represented_at_decision=(counsel <= table.COMP_DATE).fill_null(False),
        rider=table.rider.fill_null(False),
        filed_date=table.APPL_RECD_DATE.date(), filed_fy=fiscal_year(table.APPL_RECD_DATE),
        application_code_known=table.application_code_known)


def decisions_table(tables) -> ibis.Table:
    """One row per decision record on an asylum application in a completed proceeding."""
    joined = _asylum_applications(tables)
    joined = joined.filter(joined.APPL_DEC.notnull(), joined.COMP_DATE.notnull())
    return joined.select(
        case_id=_.IDNCASE, proceeding_id=_.IDNPROCEEDING, application_id=_.IDNPROCEEDINGAPPLN,
        decision_code=_.APPL_DEC, outcome=application_outcome(_.APPL_DEC),
        decision_date=_.COMP_DATE.date(), decision_fy=fiscal_year(_.COMP_DATE),
        **_dimensions(joined),
        is_initial_completion=_.is_initial_completion.fill_null(False),
        in_eoir_rate_case_types=_.CASE_TYPE.isin(list(EOIR_RATE_CASE_TYPES)).fill_null(False),
        withholding_granted=_.withholding_granted.fill_null(False),
        cat_granted=_.cat_granted.fill_null(False), court_outcome=_.court_outcome,
        court_decision_kind=_.court_decision_kind)


def applications_table(tables) -> ibis.Table:
    """One row per asylum application, with its status: decided, closed_without_decision,
    pending, or unknown_code.

    An application is one case's filing of one date: when a remand or reopening records it
    again in a new proceeding, its latest record (highest IDNPROCEEDINGAPPLN; EOIR's ids grow
    with time) says where it stands. It is decided with a final code (grant, deny, other)
    and a completion date; closed without decision when its proceeding was completed without
    one (blank, administratively closed, transferred, reserved); pending while its proceeding
    is not completed.
    """
    joined = _asylum_applications(tables).filter(_.APPL_RECD_DATE.notnull())
    latest = ibis.window(group_by=[_.IDNCASE, _.APPL_RECD_DATE, _.application_code_known],
                         order_by=ibis.desc(_.IDNPROCEEDINGAPPLN))
    joined = joined.mutate(record=ibis.row_number().over(latest)).filter(_.record == 0)
    outcome = application_outcome(_.APPL_DEC)
    completed = _.COMP_DATE.notnull()
    final = outcome.isin(list(FINAL_OUTCOMES)) & completed
    unknown = _.APPL_DEC.notnull() & (outcome == "unknown_code")
    status = ibis.cases((unknown, "unknown_code"), (final, "decided"),
                        (completed, "closed_without_decision"), else_="pending")
    return joined.select(
        case_id=_.IDNCASE, application_id=_.IDNPROCEEDINGAPPLN, status=status,
        decision_date=ibis.ifelse(final & ~unknown, _.COMP_DATE.date(), ibis.null("date")),
        closed_date=ibis.ifelse(completed & ~final & ~unknown, _.COMP_DATE.date(),
                                ibis.null("date")),
        outcome=ibis.ifelse(final & ~unknown, outcome, ibis.null("string")),
        is_pending=~completed & ~unknown,
        **_dimensions(joined))
