"""JSON API for the court-flow metrics: new cases, outcomes with in absentia, MPP, bond,
charges and appeals; every answer with its provenance, `?format=csv` for the main table.

Parameters are validated before any query and become metric questions (no SQL is built from
what a user sends); answers are cached per lake version (api/answers.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from immtrack.api.answers import Answer, cached
from immtrack.api.routes import _ERRORS, _TABLE, Code, Day, Format, _checked, table_response
from immtrack.metrics.appeals import BREAKDOWNS as APPEAL_BREAKDOWNS
from immtrack.metrics.appeals import AppealQuestion, appeals
from immtrack.metrics.bond import BREAKDOWNS as BOND_BREAKDOWNS
from immtrack.metrics.bond import BondQuestion, bond
from immtrack.metrics.mpp import BREAKDOWNS as MPP_BREAKDOWNS
from immtrack.metrics.mpp import MppQuestion, mpp
from immtrack.metrics.new_cases import BREAKDOWNS as NEW_CASE_BREAKDOWNS
from immtrack.metrics.new_cases import NewCasesQuestion, charges, new_cases
from immtrack.metrics.outcomes import BREAKDOWNS as OUTCOME_BREAKDOWNS
from immtrack.metrics.outcomes import DEFINITIONS as OUTCOME_DEFINITIONS
from immtrack.metrics.outcomes import OutcomeQuestion, outcomes

router = APIRouter(prefix="/api", tags=["court flow"], responses=_ERRORS)

Custody = Annotated[Literal["N", "D", "R"] | None, Query()]
FiscalYear = Annotated[int | None, Query(ge=1951, le=2100)]
By = Annotated[list[str] | None, Query()]
Group = Annotated[str | None, Query(pattern=r"^[a-z_]{2,40}$")]
OutcomeUnit = Literal["completed_cases", "initial_completions", "completions"]

METRICS = {"new-cases": (new_cases, NewCasesQuestion), "charges": (charges, NewCasesQuestion),
           "outcomes": (outcomes, OutcomeQuestion), "mpp": (mpp, MppQuestion),
           "bond": (bond, BondQuestion), "appeals": (appeals, AppealQuestion)}


def court_answer(home: Path, metric: str, **params) -> Answer:
    """A court-flow metric's (table, payload), cached per lake version."""
    def compute() -> Answer:
        run, question_type = METRICS[metric]
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()
                  if v is not None or k == "category"}  # appeals: None is every category
        answer = run(question_type(**values), home=home)
        return answer.table, answer.to_dict()
    return cached(home, f"court-{metric}", params, compute)


def _slice(nationality, court, judge, custody, since, until, fiscal_year, **more) -> dict:
    return dict(nationality=nationality.upper() if nationality else None, court=court,
                judge=judge, custody=custody, since=since, until=until,
                fiscal_year=fiscal_year, **more)


@router.get("/new-cases", responses=_TABLE,
            summary="New cases by Notice to Appear date (each case once)")
def api_new_cases(request: Request, nationality: Code = None, court: Code = None,
                  judge: Code = None, custody: Custody = None, case_type: Code = None,
                  charge_group: Group = None, mpp: bool | None = None, since: Day = None,
                  until: Day = None, fiscal_year: FiscalYear = None, by: By = None,
                  unit: Literal["cases", "proceedings"] = "cases",
                  format: Format = "json") -> Response:
    table, payload = court_answer(
        request.app.state.home, "new-cases",
        **_slice(nationality, court, judge, custody, since, until, fiscal_year,
                 case_type=case_type, charge_group=charge_group, mpp=mpp, unit=unit),
        by=_checked(by, NEW_CASE_BREAKDOWNS, "breakdown"))
    return table_response(table, payload, format, "new-cases")


@router.get("/charges", responses=_TABLE,
            summary="New cases by charge group, with shares and intervals")
def api_charges(request: Request, nationality: Code = None, court: Code = None,
                custody: Custody = None, case_type: Code = None, mpp: bool | None = None,
                since: Day = None, until: Day = None, fiscal_year: FiscalYear = None,
                by: By = None, unit: Literal["cases", "proceedings"] = "cases",
                format: Format = "json") -> Response:
    table, payload = court_answer(
        request.app.state.home, "charges",
        **_slice(nationality, court, None, custody, since, until, fiscal_year,
                 case_type=case_type, mpp=mpp, unit=unit),
        by=_checked(by, NEW_CASE_BREAKDOWNS, "breakdown"))
    return table_response(table, payload, format, "charges")


@router.get("/outcomes", responses=_TABLE,
            summary="Outcomes of completed proceedings, with in absentia shares")
def api_outcomes(request: Request, nationality: Code = None, court: Code = None,
                 judge: Code = None, custody: Custody = None, case_type: Code = None,
                 charge_group: Group = None, mpp: bool | None = None,
                 represented: bool | None = None, since: Day = None, until: Day = None,
                 fiscal_year: FiscalYear = None, by: By = None,
                 definition: Annotated[list[str] | None, Query()] = None,
                 unit: OutcomeUnit = "completed_cases", format: Format = "json") -> Response:
    table, payload = court_answer(
        request.app.state.home, "outcomes",
        **_slice(nationality, court, judge, custody, since, until, fiscal_year,
                 case_type=case_type, charge_group=charge_group, mpp=mpp,
                 represented=represented, unit=unit),
        by=_checked(by, OUTCOME_BREAKDOWNS, "breakdown"),
        definitions=_checked(definition, OUTCOME_DEFINITIONS, "definition")
        or list(OUTCOME_DEFINITIONS))
    return table_response(table, payload, format, "outcomes")


@router.get("/mpp", responses=_TABLE,
            summary="MPP enrolments, outcomes, in absentia, time to completion")
def api_mpp(request: Request, nationality: Code = None, court: Code = None,
            since: Day = None, until: Day = None, fiscal_year: FiscalYear = None,
            by: By = None, unit: OutcomeUnit = "completed_cases",
            format: Format = "json") -> Response:
    table, payload = court_answer(
        request.app.state.home, "mpp",
        **_slice(nationality, court, None, None, since, until, fiscal_year, unit=unit),
        by=_checked(by, MPP_BREAKDOWNS, "breakdown") or ["month"])
    return table_response(table, payload, format, "mpp")


@router.get("/bond", responses=_TABLE,
            summary="Bond requests, decisions, amounts and days from detention")
def api_bond(request: Request, nationality: Code = None, court: Code = None,
             judge: Code = None, custody: Custody = None, represented: bool | None = None,
             since: Day = None, until: Day = None, fiscal_year: FiscalYear = None,
             by: By = None, date_basis: Literal["decision", "request"] = "decision",
             format: Format = "json") -> Response:
    table, payload = court_answer(
        request.app.state.home, "bond",
        **_slice(nationality, court, judge, custody, since, until, fiscal_year,
                 represented=represented, date_basis=date_basis),
        by=_checked(by, BOND_BREAKDOWNS, "breakdown"))
    return table_response(table, payload, format, "bond")


@router.get("/appeals", responses=_TABLE,
            summary="Appeals to the Board: who appealed, what it decided")
def api_appeals(request: Request, nationality: Code = None, court: Code = None,
                judge: Code = None, custody: Custody = None, case_type: Code = None,
                since: Day = None, until: Day = None, fiscal_year: FiscalYear = None,
                by: By = None, category: Literal["IJ", "DD", "MA", "all"] = "IJ",
                date_basis: Literal["filed", "decision"] = "filed",
                format: Format = "json") -> Response:
    table, payload = court_answer(
        request.app.state.home, "appeals",
        **_slice(nationality, court, judge, custody, since, until, fiscal_year,
                 case_type=case_type, date_basis=date_basis,
                 category=None if category == "all" else category),
        by=_checked(by, APPEAL_BREAKDOWNS, "breakdown"))
    return table_response(table, payload, format, "appeals")
