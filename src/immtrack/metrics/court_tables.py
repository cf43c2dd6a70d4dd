"""The tables the court-flow metrics count, derived once per release at ingest.

- core_eoir__proceedings: one row per proceeding with its case's NTA date, nationality, court,
  case type, custody and charge group, whether it is an MPP case, and, once completed, its
  outcome (six groups from EOIR's court-decision lookup, read by case type), in absentia flag,
  representation at completion and which completion of the case it is (initial, latest).
  New cases count its first proceedings; outcomes count its completions.
- core_eoir__bonds: one row per bond record (D_TblAssociatedBond) with its decision code,
  dates, amounts as numbers, the change the judge made, and the days from detention.
- core_eoir__appeals: one row per appeal at the Board (tblAppeal): who filed it, the Board's
  decision and its class.

Every code is read as the registry (schema/eoir.py) says: NATIONALITY_SOURCE, COUNSEL,
COURT_DECISIONS and OUTCOME_GROUPS, IN_ABSENTIA, MPP_CASE_IDS and MPP_HEARING_LOCATIONS,
CHARGE_GROUPS, BIA_DECISIONS. `tables(name)` gives a lake table as an Ibis expression, as in
metrics/asylum_tables.py.
"""

from __future__ import annotations

import ibis
from ibis import _

from immtrack.metrics.asylum_tables import _court_outcome, fiscal_year
from immtrack.schema.eoir import (
    BIA_DECISIONS,
    CHARGE_GROUP_ORDER,
    CHARGE_GROUPS,
    COUNSEL,
    IN_ABSENTIA,
    MPP_CASE_IDS,
    MPP_HEARING_LOCATIONS,
    NOT_COMPLETIONS,
    OUTCOME_GROUPS,
)

# Dates before this year are EOIR placeholders (the reader flags them): not an NTA date.
EARLIEST_YEAR = 1951


def _day(value):
    return value.date()


def _month(day):
    return ibis.date(day.year(), day.month(), 1)


def _outcome_group(court_outcome):
    branches = [(court_outcome.isin(list(classes)), group)
                for group, classes in OUTCOME_GROUPS.items()]
    branches += [(court_outcome.isin(list(NOT_COMPLETIONS)), "transfer"),
                 (court_outcome == "unclassified", "unclassified")]
    return ibis.ifelse(court_outcome.isnull(), "no_decision",
                       ibis.cases(*branches, else_="unclassified"))


def _charge_groups(tables) -> ibis.Table:
    """Per proceeding: its most serious charge group (CHARGE_GROUP_ORDER), or unknown when
    all its charges are codes the lookup does not list."""
    charges = tables("raw_eoir__b_tblproceedcharges")
    code = charges.CHARGE.strip()
    rank = ibis.cases(*[(code == c, CHARGE_GROUP_ORDER.index(g))
                        for c, g in CHARGE_GROUPS.items()], else_=ibis.null("int8"))
    per = charges.group_by(charge_proceeding=_.IDNPROCEEDING).aggregate(best=rank.min())
    group = ibis.cases(*[(per.best == i, name) for i, name in enumerate(CHARGE_GROUP_ORDER)],
                       else_="unknown")
    return per.select("charge_proceeding", charge_group=group)


def _case_features(tables) -> ibis.Table:
    """Per case: its NTA date, MPP marks, first court counsel."""
    raw = tables("raw_eoir__b_tblproceeding")
    plausible = raw.OSC_DATE.year() >= EARLIEST_YEAR
    per_case = raw.group_by(feature_case=_.IDNCASE).aggregate(
        nta=raw.OSC_DATE.min(where=plausible),
        first_proceeding=raw.IDNPROCEEDING.min(),
        at_mpp_location=raw.HEARING_LOC_CODE.isin(list(MPP_HEARING_LOCATIONS)).any())
    marked = tables("raw_eoir__a_tblcaseidentifier").filter(
        _.CASE_ID.strip().isin(list(MPP_CASE_IDS))).select(marked_case=_.IDNCASE).distinct()
    reps = tables("raw_eoir__tbl_repsassigned")
    counsel = reps.filter(*[reps[column] == value for column, value in COUNSEL.items()]) \
        .group_by(counsel_case=_.IDNCASE).aggregate(first_counsel=_.E_28_DATE.min(),
                                                      counsel_rows=_.count())
    cases = tables("raw_eoir__a_tblcase").select(case_case=_.IDNCASE, case_nat=_.NAT)
    joined = per_case.left_join(marked, per_case.feature_case == marked.marked_case)
    joined = joined.left_join(counsel, joined.feature_case == counsel.counsel_case)
    joined = joined.left_join(cases, joined.feature_case == cases.case_case)
    return joined.select(
        "feature_case", "nta", "first_proceeding", "first_counsel", "case_nat",
        mpp_marked=_.marked_case.notnull(),
        mpp=_.marked_case.notnull() | _.at_mpp_location.fill_null(False),
        has_counsel=_.counsel_rows.notnull())


def proceedings_table(tables) -> ibis.Table:
    """One row per proceeding: the case's NTA and features, the proceeding's own dimensions,
    and, once completed, its outcome and which completion of the case it is."""
    raw = tables("raw_eoir__b_tblproceeding")
    kind = ibis.ifelse(raw.DEC_CODE.notnull(), "C",
                       ibis.ifelse(raw.OTHER_COMP.notnull(), "O", ibis.null("string")))
    code = raw.DEC_CODE.fill_null(raw.OTHER_COMP)
    outcome = _court_outcome(raw.CASE_TYPE, kind, code)
    proceedings = raw.select(
        "IDNPROCEEDING", "IDNCASE", "BASE_CITY_CODE", "HEARING_LOC_CODE", "IJ_CODE",
        "CASE_TYPE", "CUSTODY", "COMP_DATE", "ABSENTIA", proceeding_nat=_.NAT,
        court_outcome=outcome, court_decision_code=code)
    # A completion as EOIR and metrics/asylum_tables.py count it: completed, not a change of
    # venue or transfer (a completion without a decision code still counts as one).
    counts = proceedings.COMP_DATE.notnull() & ~proceedings.court_outcome.isin(
        list(NOT_COMPLETIONS)).fill_null(False)
    first = ibis.window(group_by=[proceedings.IDNCASE, counts],
                        order_by=[proceedings.COMP_DATE, proceedings.IDNPROCEEDING])
    last = ibis.window(group_by=[proceedings.IDNCASE, counts],
                       order_by=[ibis.desc(proceedings.COMP_DATE),
                                 ibis.desc(proceedings.IDNPROCEEDING)])
    proceedings = proceedings.mutate(
        is_completion=counts,
        is_initial_completion=counts & (ibis.row_number().over(first) == 0),
        is_last_completion=counts & (ibis.row_number().over(last) == 0))
    features = _case_features(tables)
    charges = _charge_groups(tables)
    joined = proceedings.left_join(features, proceedings.IDNCASE == features.feature_case)
    joined = joined.left_join(charges, joined.IDNPROCEEDING == charges.charge_proceeding)
    nta = joined.nta
    completed = joined.COMP_DATE
    return joined.select(
        case_id=_.IDNCASE, proceeding_id=_.IDNPROCEEDING,
        is_first_proceeding=(_.IDNPROCEEDING == _.first_proceeding).fill_null(False),
        nta_date=_day(nta), nta_month=_month(nta), nta_fy=fiscal_year(nta),
        nationality=_.proceeding_nat.fill_null(_.case_nat), court=_.BASE_CITY_CODE,
        hearing_location=_.HEARING_LOC_CODE, judge=_.IJ_CODE, case_type=_.CASE_TYPE,
        custody=_.CUSTODY, charge_group=_.charge_group.fill_null("none"),
        mpp=_.mpp.fill_null(False), mpp_marked=_.mpp_marked.fill_null(False),
        completion_date=_day(completed), completion_fy=fiscal_year(completed),
        court_outcome=_.court_outcome, court_decision_code=_.court_decision_code,
        outcome_group=ibis.ifelse(completed.isnull(), ibis.null("string"),
                                  _outcome_group(_.court_outcome)),
        in_absentia=(_.ABSENTIA.strip().upper() == IN_ABSENTIA).fill_null(False),
        is_completion=_.is_completion, is_initial_completion=_.is_initial_completion,
        is_last_completion=_.is_last_completion,
        represented=_.has_counsel.fill_null(False),
        represented_at_completion=(_.first_counsel <= completed).fill_null(False),
        days_to_completion=ibis.ifelse(
            completed.notnull() & nta.notnull() & (completed >= nta),
            completed.date().delta(nta.date(), unit="day"), ibis.null("int64")).cast("int32"))


def _dollars(text):
    """A bond amount written as text ("7500", "0000007500") as dollars; null otherwise."""
    return text.strip().try_cast("float64")


def bonds_table(tables) -> ibis.Table:
    """One row per bond record with amounts as numbers and the days since detention."""
    bonds = tables("raw_eoir__d_tblassociatedbond")
    proceedings = tables("raw_eoir__b_tblproceeding").select(
        bond_proceeding=_.IDNPROCEEDING, proceeding_nat=_.NAT, proceeding_court=_.BASE_CITY_CODE,
        proceeding_custody=_.CUSTODY)
    cases = tables("raw_eoir__a_tblcase").select(case_case=_.IDNCASE, case_nat=_.NAT,
                                                  case_detained=_.DATE_DETAINED)
    custody = tables("raw_eoir__tbl_custodyhistory").group_by(custody_case=_.IDNCASE) \
        .aggregate(first_detained=_.DATDETAINED.min())
    reps = tables("raw_eoir__tbl_repsassigned")
    counsel = reps.filter(*[reps[column] == value for column, value in COUNSEL.items()]) \
        .group_by(counsel_case=_.IDNCASE).aggregate(first_counsel=_.E_28_DATE.min(),
                                                      counsel_rows=_.count())
    joined = bonds.left_join(proceedings, bonds.IDNPROCEEDING == proceedings.bond_proceeding)
    joined = joined.left_join(cases, joined.IDNCASE == cases.case_case)
    joined = joined.left_join(custody, joined.IDNCASE == custody.custody_case)
    joined = joined.left_join(counsel, joined.IDNCASE == counsel.counsel_case)
    initial, new = _dollars(joined.INITIAL_BOND), _dollars(joined.NEW_BOND)
    change = ibis.cases(
        (initial.notnull() & new.notnull() & (new < initial), "lowered"),
        (initial.notnull() & new.notnull() & (new > initial), "raised"),
        (initial.notnull() & new.notnull(), "unchanged"),
        (new.notnull(), "set_by_judge"), (initial.notnull(), "not_set_by_judge"),
        else_="no_amount")
    not_numeric = (joined.INITIAL_BOND.notnull() & initial.isnull()) \
        | (joined.NEW_BOND.notnull() & new.isnull())
    detained = joined.case_detained.fill_null(joined.first_detained)
    decided = joined.COMP_DATE
    return joined.select(
        bond_id=_.IDNASSOCBOND, case_id=_.IDNCASE, proceeding_id=_.IDNPROCEEDING,
        nationality=_.proceeding_nat.fill_null(_.case_nat),
        court=_.BASE_CITY_CODE.fill_null(_.proceeding_court),
        hearing_location=_.HEARING_LOC_CODE, judge=_.IJ_CODE, custody=_.proceeding_custody,
        bond_decision=_.DEC.strip(), bond_decision_date=_day(decided),
        bond_decision_fy=fiscal_year(decided), request_date=_day(_.BOND_HEAR_REQ_DATE),
        request_fy=fiscal_year(_.BOND_HEAR_REQ_DATE), initial_bond=initial, new_bond=new,
        amount_change=change, amount_not_numeric=not_numeric.fill_null(False),
        bond_type=_.BOND_TYPE.strip(), filing_party=_.FILING_PARTY.strip(),
        detained_date=_day(detained),
        days_detained_to_decision=ibis.ifelse(
            decided.notnull() & detained.notnull() & (decided >= detained),
            decided.date().delta(detained.date(), unit="day"), ibis.null("int64")).cast("int32"),
        represented=_.counsel_rows.notnull(),
        represented_at_completion=(_.first_counsel <= decided).fill_null(False))


def _bia_outcome(code):
    branches = [(code == c, outcome) for c, (_description, outcome) in BIA_DECISIONS.items()]
    return ibis.ifelse(code.isnull(), "pending", ibis.cases(*branches, else_="unknown_code"))


def appeals_table(tables) -> ibis.Table:
    """One row per appeal at the Board, with the deciding proceeding's court and judge."""
    appeals = tables("raw_eoir__tblappeal")
    proceedings = tables("raw_eoir__b_tblproceeding").select(
        appeal_proceeding=_.IDNPROCEEDING, proceeding_nat=_.NAT, proceeding_court=_.BASE_CITY_CODE,
        proceeding_judge=_.IJ_CODE)
    joined = appeals.left_join(proceedings,
                               appeals.idnProceeding == proceedings.appeal_proceeding)
    code = joined.strBIADecision.strip()
    return joined.select(
        appeal_id=_.idnAppeal, case_id=_.idncase, proceeding_id=_.idnProceeding,
        appeal_category=_.strAppealCategory.strip(), appeal_type=_.strAppealType.strip(),
        filed_by=_.strFiledBy.strip(), appeal_filed_date=_day(_.datAppealFiled),
        appeal_filed_fy=fiscal_year(_.datAppealFiled), bia_decision=code,
        bia_outcome=_bia_outcome(code), bia_decision_date=_day(_.datBIADecision),
        bia_decision_fy=fiscal_year(_.datBIADecision),
        nationality=_.strNat.strip().fill_null(_.proceeding_nat),
        case_type=_.strCaseType.strip(), custody=_.strCustody.strip(),
        court=_.proceeding_court, judge=_.proceeding_judge)


COURT_TABLES = {"core_eoir__proceedings": proceedings_table, "core_eoir__bonds": bonds_table,
                "core_eoir__appeals": appeals_table}
