"""The JSON API: one route per metric, parameters validated before any query, every answer
with its provenance, `?format=csv` for a download of the same table.

No SQL is built from what a user sends: parameters become metric questions, and the metrics
bind values as query parameters.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, BeforeValidator

from immtrack.api import answers
from immtrack.api.claim_checks import MAX_CLAIMS, TIME_BUDGET_SECONDS, check_claim_text
from immtrack.claims.model import ClaimFile, shorten
from immtrack.errors import QueryError
from immtrack.lake.listing import releases_table
from immtrack.metrics.applications import DIMENSIONS as APPLICATION_DIMENSIONS
from immtrack.metrics.asylum import DIMENSIONS
from immtrack.metrics.definitions import DEFINITIONS
from immtrack.metrics.detention import MEASURES, POPULATION_GROUPS
from immtrack.metrics.encounters import BREAKDOWNS


class Problem(BaseModel):
    """Every error answer: one sentence saying what was wrong and what to try."""

    error: str


_ERRORS = {
    400: {"model": Problem, "description": "A bad parameter, or a question the data cannot "
                                           "answer as asked (the reason says which)"},
    503: {"model": Problem, "description": "No lake to answer from, or it cannot be opened"},
}
_TABLE = {200: {"description": "The answer as JSON with its provenance, or with "
                               "`format=csv` the same rows as a CSV download",
                "content": {"text/csv": {"schema": {"type": "string"}}}}}
router = APIRouter(prefix="/api", tags=["api"], responses=_ERRORS)

Code = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9 ,.'()-]{1,60}$")]
Month = Annotated[str | None, Query(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$",
                                    description="YYYY-MM, 1900-01 to 2099-12")]
Format = Annotated[Literal["json", "csv"], Query(description="json, or csv to download")]


def table_response(table, payload: dict, fmt: str, name: str) -> Response:
    if fmt == "csv":
        stream = io.StringIO()
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(table.column_names)
        for row in table.to_pylist():
            writer.writerow(["" if row[c] is None else row[c] for c in table.column_names])
        return Response(stream.getvalue(), media_type="text/csv", headers={
            "Content-Disposition": f'attachment; filename="immtrack-{name}.csv"'})
    return JSONResponse(jsonable(payload))


def jsonable(value):
    """Dates as ISO text, tuples as lists: what JSON can hold."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _checked(values: list[str] | None, allowed, what: str) -> list[str]:
    values = [v for value in values or [] for v in value.split(",") if v]
    if unknown := [v for v in values if v not in allowed]:
        shown = ", ".join(shorten(v, 30) for v in unknown[:3])
        raise QueryError(f"unknown {what} {shown}{' and more' if len(unknown) > 3 else ''}; "
                         f"use: {', '.join(allowed)}")
    return list(dict.fromkeys(values))


@router.get("/encounters", responses=_TABLE,
            summary="Border encounters (CBP, OHSS), from one series")
def api_encounters(request: Request, citizenship: Code = None, region: Code = None,
                   component: Code = None, start: Month = None, end: Month = None,
                   by: Annotated[list[str] | None, Query()] = None,
                   format: Format = "json") -> Response:
    table, payload = answers.encounter_answer(
        request.app.state.home, citizenship=citizenship, region=region, component=component,
        start=start, end=end, by=_checked(by, BREAKDOWNS, "breakdown"))
    return table_response(table, payload, format, "encounters")


def _slice(nationality, court, judge, custody, represented, since, until, fiscal_year):
    return dict(nationality=nationality, court=court, judge=judge, custody=custody,
                represented=represented, since=since, until=until, fiscal_year=fiscal_year)


Custody = Annotated[Literal["N", "D", "R"] | None, Query()]
def _iso_day(value):
    """Only YYYY-MM-DD: pydantic would also take a number as seconds since 1970."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


Day = Annotated[date | None, Query(description="YYYY-MM-DD"), BeforeValidator(_iso_day)]
FiscalYear = Annotated[int | None, Query(ge=1990, le=2100)]


@router.get("/asylum", responses=_TABLE,
            summary="Asylum outcome rates under every definition, with intervals")
def api_asylum(request: Request, nationality: Code = None, court: Code = None,
               judge: Code = None, custody: Custody = None, represented: bool | None = None,
               since: Day = None, until: Day = None, fiscal_year: FiscalYear = None,
               by: Annotated[list[str] | None, Query()] = None,
               definition: Annotated[list[str] | None, Query()] = None,
               unit: Literal["decisions", "applications", "cases", "case_fiscal_year",
                             "initial_completions"] | None = None,
               format: Format = "json") -> Response:
    table, payload = answers.asylum_answer(
        request.app.state.home, **_slice(nationality, court, judge, custody, represented,
                                         since, until, fiscal_year),
        by=_checked(by, DIMENSIONS, "breakdown"),
        definitions=_checked(definition, DEFINITIONS, "definition") or list(DEFINITIONS),
        unit=unit)
    return table_response(table, payload, format, "asylum")


@router.get("/applications/{metric}", responses=_TABLE,
            summary="Asylum filings, cohort outcomes, pending backlog, time to decision")
def api_applications(request: Request,
                     metric: Literal["filings", "cohort", "backlog", "time-to-decision"],
                     nationality: Code = None, court: Code = None, judge: Code = None,
                     custody: Custody = None, represented: bool | None = None,
                     since: Day = None, until: Day = None, fiscal_year: FiscalYear = None,
                     by: Annotated[list[str] | None, Query()] = None,
                     at: Day = None, format: Format = "json") -> Response:
    options = {"cohort": {"as_of": at}, "backlog": {"at": at}}.get(metric, {})
    table, payload = answers.application_answer(
        request.app.state.home, metric, options={k: v for k, v in options.items() if v},
        **_slice(nationality, court, judge, custody, represented, since, until, fiscal_year),
        by=_checked(by, APPLICATION_DIMENSIONS, "breakdown"))
    return table_response(table, payload, format, metric)


@router.get("/detention/national", responses=_TABLE,
            summary="ICE's monthly national detention figures")
def api_detention_national(request: Request, measure: Literal[MEASURES] = "adp",
                           category: Code = None, subcategory: Code = None,
                           since: Day = None, until: Day = None, by_release: bool = False,
                           format: Format = "json") -> Response:
    table, payload = answers.detention_answer(
        request.app.state.home, "national", measure=measure, category=category,
        subcategory=subcategory, since=since, until=until, by_release=by_release)
    return table_response(table, payload, format, "detention-national")


@router.get("/detention/facilities", responses=_TABLE,
            summary="Detention population by facility, type, AOR")
def api_detention_facilities(request: Request,
                             by: Literal[tuple(POPULATION_GROUPS)] = "facility",
                             state: Code = None, aor: Code = None,
                             format: Format = "json") -> Response:
    table, payload = answers.detention_answer(request.app.state.home, "facilities", by=by,
                                              state=state, aor=aor)
    return table_response(table, payload, format, "detention-facilities")


@router.get("/detention/findings", responses=_TABLE,
            summary="What ICE's workbooks contradict")
def api_detention_findings(request: Request, format: Format = "json") -> Response:
    table, payload = answers.detention_answer(request.app.state.home, "findings")
    return table_response(table, payload, format, "detention-findings")


@router.get("/releases", responses=_TABLE,
            summary="Releases in the lake, with rows read, loaded, quarantined")
def api_releases(request: Request, format: Format = "json") -> Response:
    table = releases_table(request.app.state.home)
    return table_response(table, {"rows": table.to_pylist()}, format, "releases")


@router.get("/changes", summary="What each release changed: months added, revisions")
def api_changes(request: Request, source: Annotated[Literal["cbp", "ice", "eoir"] | None,
                                                    Query()] = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 20) -> Response:
    from immtrack.update.changes import release_changes

    changes = release_changes(request.app.state.home, source=source, limit=limit)
    return JSONResponse({"changes": [c.to_dict() for c in changes]})


# POST /api/check: the body is a claim file, as JSON or YAML; its schema is the claim file's.
CLAIM_FILE_COMPONENTS = {
    name: schema for name, schema in ClaimFile.model_json_schema(
        ref_template="#/components/schemas/{model}").pop("$defs").items()
} | {"ClaimFile": {k: v for k, v in ClaimFile.model_json_schema(
    ref_template="#/components/schemas/{model}").items() if k != "$defs"}}
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/plain")
_CLAIM_BODY = {"required": True, "description": "A claim file (docs/claims.md), as JSON or YAML",
               "content": {"application/json": {
                   "schema": {"$ref": "#/components/schemas/ClaimFile"}}} | {
                   kind: {"schema": {"type": "string"}} for kind in YAML_TYPES}}


@router.post("/check", summary="Check published claims (a claim file as JSON or YAML)",
             description=f"At most {MAX_CLAIMS} claims per request; claims still waiting after "
                         f"{TIME_BUDGET_SECONDS} s are answered `cannot_check` with that reason.",
             openapi_extra={"requestBody": _CLAIM_BODY}, responses={
                 200: {"description": "A verdict per claim"},
                 413: {"model": Problem, "description": "A body over 256 KB"},
                 415: {"model": Problem, "description": "A body neither JSON nor YAML"},
                 422: {"model": Problem, "description": "Not a claim file, or past its "
                                                       "limits (the reason says which)"}})
async def api_check(request: Request) -> Response:
    kind = request.headers.get("content-type", "text/plain").split(";")[0].strip().lower()
    if kind != "application/json" and kind not in YAML_TYPES:
        return JSONResponse({"error": f"a claim file is sent as application/json or YAML "
                                      f"({', '.join(YAML_TYPES)}), not {shorten(kind, 40)}"},
                            status_code=415)
    body = await request.body()
    verdicts = await run_in_threadpool(check_claim_text, body, request.app.state.home,
                                       is_json=kind == "application/json")
    return JSONResponse(jsonable({"verdicts": verdicts}))
