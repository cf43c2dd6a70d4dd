"""The pages: home, nationality, courts and judges, case outlook, claim check, definitions.

Each page is built from figures (web/figures.py) that call the same cached answers as the API;
its URL holds every choice, so a link reproduces the page.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2.utils import htmlsafe_json_dumps

from immtrack.api import answers
from immtrack.api.claim_checks import check_claim_text
from immtrack.claims.model import shorten
from immtrack.claims.report import LABELS
from immtrack.errors import QueryError
from immtrack.lake.catalog import reader
from immtrack.lake.listing import releases_table
from immtrack.metrics import stays
from immtrack.metrics.definitions import DEFINITIONS, SMALL_N
from immtrack.web import charts
from immtrack.web.court_pages import court_flow_figures
from immtrack.web.figures import Figure, cell

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.filters["cell"] = cell
# A chart spec goes into the page inside <script type="application/json">: as JSON with <, >,
# & and ' written as \u escapes, so no data value can close the element or open another.
TEMPLATES.env.filters["spec"] = functools.partial(
    htmlsafe_json_dumps, dumps=functools.partial(json.dumps, default=str))
router = APIRouter(include_in_schema=False)
RATE_DEFINITIONS = ["merits", "eoir_completion", "protection"]
INVASION = date(2022, 2, 24)
ENCOUNTERS_FROM = "2019-10"  # FY2020 on: the years the policy events marked fall in
EXAMPLE_CLAIMS = Path(__file__).resolve().parents[3] / "examples" / "claims"
CHANGES_SHOWN = 50  # releases on /changes and in /changes.atom


def page(request: Request, template: str, **context) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, template, {"definitions": DEFINITIONS,
                                                          "small_n": SMALL_N, **context})


def _code(value: str, pattern: str, what: str) -> str:
    if not re.fullmatch(pattern, value or ""):
        raise QueryError(f"{shorten(value, 40)!r} is not a {what}")
    return value.upper()


def names(request: Request, lookup: str) -> dict[str, str]:
    """Codes to names from the EOIR release's own lookup table."""
    rows = reader(request.app.state.home).execute(
        "SELECT code, description FROM raw_eoir__lookups WHERE lookup_name = ?",
        [lookup]).fetchall()
    return {code: name for code, name in rows}


def _asylum_figure(request, key, title, by, params, chart_x=None, definitions=None):
    definitions = definitions or RATE_DEFINITIONS
    table, payload = answers.asylum_answer(request.app.state.home, **params, by=by,
                                           definitions=definitions, unit=None)
    rows = table.to_pylist()
    api_params = {k: (v.isoformat() if isinstance(v, date) else v)
                  for k, v in params.items()} | {"by": by, "definition": definitions}
    return Figure(key, title, rows, table.column_names, payload["provenance"], "/api/asylum",
                  api_params, charts.rates_with_intervals(rows, chart_x, title)
                  if chart_x and rows else None, definition="asylum")


def _slice_params(**values) -> dict:
    base = dict(nationality=None, court=None, judge=None, custody=None, represented=None,
                since=None, until=None, fiscal_year=None)
    return base | values


@router.get("/", response_class=HTMLResponse)
def home_page(request: Request) -> HTMLResponse:
    home = request.app.state.home
    figures = []
    try:
        table, payload = answers.encounter_answer(home, region="southwest", by=["fiscal_year"])
        rows = table.to_pylist()
        figures.append(Figure("encounters", "Southwest border encounters by fiscal year", rows,
                              table.column_names, payload["provenance"], "/api/encounters",
                              {"region": "southwest", "by": ["fiscal_year"]},
                              charts.bars(rows, "fiscal_year", "encounters",
                                          "Southwest border encounters"),
                              definition="encounters", note=" ".join(payload["notes"])))
    except QueryError:
        pass
    try:
        table, payload = answers.detention_answer(home, "national", measure="adp",
                                                  category="Average", subcategory=None,
                                                  since=None, until=None, by_release=False)
        rows = table.to_pylist()[-24:]
        figures.append(Figure("detention", "People in ICE detention on an average day", rows,
                              ["month", "value", "ice_file_date"], payload["provenance"],
                              "/api/detention/national",
                              {"measure": "adp", "category": "Average"},
                              charts.line(rows, "month", "value", "ICE average daily "
                                          "population"), definition="detention"))
    except QueryError:
        pass
    releases = releases_table(home).to_pylist()
    return page(request, "home.html", figures=figures, releases=releases,
                changes=_changes(releases))


def _changes(releases: list[dict]) -> list[str]:
    """What the newest release of each source changed against the one before it."""
    notes = []
    for source in sorted({r["source"] for r in releases}):
        mine = sorted((r for r in releases if r["source"] == source),
                      key=lambda r: r["ingested_at"])
        newest = mine[-1]
        if len(mine) == 1:
            notes.append(f"{source}: first release {newest['release_label']} "
                         f"({newest['rows_loaded']:,} rows loaded)")
        else:
            before = mine[-2]
            notes.append(f"{source}: {newest['release_label']} replaced "
                         f"{before['release_label']}: rows {before['rows_loaded']:,} -> "
                         f"{newest['rows_loaded']:,}, data through {newest['data_through']}")
    return notes


@router.get("/nationality/{code}", response_class=HTMLResponse)
def nationality_page(request: Request, code: str) -> HTMLResponse:
    code = _code(code, r"[A-Za-z]{2}", "two-letter EOIR nationality code such as RU")
    home = request.app.state.home
    name = names(request, "tblLookupNationality").get(code)
    if name is None:
        raise QueryError(f"no nationality {code} in the EOIR release's lookup")
    figures = []
    try:
        table, payload = answers.encounter_answer(home, citizenship=name, region="southwest",
                                                  start=ENCOUNTERS_FROM, by=["month"])
        rows = table.to_pylist()
        figures.append(Figure(
            "encounters",
            f"Southwest border encounters of {name.title()} citizens, by month, since "
            f"{ENCOUNTERS_FROM}",
            rows, table.column_names, payload["provenance"], "/api/encounters",
            {"citizenship": name, "region": "southwest", "start": ENCOUNTERS_FROM,
             "by": ["month"]},
            charts.encounters_by_month(rows, f"Encounters, {name.title()}"),
            definition="encounters", note=" ".join(payload["notes"])))
    except QueryError as error:
        figures.append(Figure("encounters", "Border encounters", [], [], {}, "/api/encounters",
                              note=f"No encounter series names {name}: {error}"))
    figures.append(_asylum_figure(request, "since", f"Asylum decisions since {INVASION}",
                                  [], _slice_params(nationality=code, since=INVASION),
                                  definitions=list(DEFINITIONS)))
    figures.append(_asylum_figure(request, "by-year", "Asylum outcomes by fiscal year",
                                  ["fiscal_year"], _slice_params(nationality=code),
                                  chart_x="fiscal_year"))
    figures += _application_figures(request, code)
    figures += court_flow_figures(request, nationality=code)
    figures.append(_detention_figure(request, name))
    return page(request, "nationality.html", code=code, name=name, figures=figures)


def _detention_figure(request: Request, name: str) -> Figure:
    """Length of detention for this citizenship, when person-level records are in the lake
    (ICE's own workbooks hold no nationality)."""
    title = f"Length of ICE detention, {name.title()} citizens"
    try:
        table = stays.length_of_stay(None, citizenship=name, home=request.app.state.home)
    except QueryError as error:
        return Figure("detention", title, [], [], {}, "/api/detention/national",
                      note=f"Not available: {error}. ICE's detention statistics do not break "
                           "detention down by nationality.")
    provenance = {"definition": stays.DEFINITIONS["length_of_stay"],
                  "releases": releases_table(request.app.state.home, "ice").to_pylist()[-1:]}
    return Figure("detention", title, table.to_pylist(), table.column_names, provenance,
                  "/api/detention/national", definition="detention",
                  note=None if table.num_rows else f"No stays of {name.title()} citizens.")


def _application_figures(request: Request, code: str) -> list[Figure]:
    home, found = request.app.state.home, []
    for key, metric, title, by, extra in (
            ("filings", "filings", "Asylum applications filed, by fiscal year", ["filed_fy"],
             {}),
            ("cohort", "cohort", f"What became of applications filed since {INVASION}", [],
             {"since": INVASION}),
            ("backlog", "backlog", "Applications pending at the release's last date", [], {}),
            ("time", "time-to-decision", "Days from filing to decision (pending censored)",
             ["custody"], {})):
        table, payload = answers.application_answer(
            home, metric, **_slice_params(nationality=code, **extra), by=by)
        rows = table.to_pylist()
        chart = charts.bars(rows, "filed_fy", "applications", title) \
            if metric == "filings" and rows else None
        api_params = {"nationality": code, "by": by,
                      **{k: v.isoformat() for k, v in extra.items()}}
        found.append(Figure(key, title, rows, table.column_names, payload["provenance"],
                            f"/api/applications/{metric}", api_params, chart,
                            definition=metric))
    return found


def _ranking(request: Request, by: str, sort: str, desc: bool) -> Figure:
    figure = _asylum_figure(request, by, f"Asylum grant rates by {by}", [by], _slice_params(),
                            definitions=["merits", "eoir_completion"])
    merits = {r[by]: r for r in figure.rows if r["definition"] == "merits"}
    completion = {r[by]: r for r in figure.rows if r["definition"] == "eoir_completion"}
    label = names(request, "tblLookupBaseCity" if by == "court" else "tblLookupJudge")
    rows = [{by: key, "name": label.get(key, ""), "n": merits[key]["n"],
             "rate": merits[key]["rate"], "ci95_low": merits[key]["ci95_low"],
             "ci95_high": merits[key]["ci95_high"], "small_n": merits[key]["small_n"],
             # Each rate counts its publisher's unit, so a judge can have TRAC-style decisions
             # and no initial completion of EOIR's (or the reverse).
             "eoir_completion": completion.get(key, {}).get("rate")} for key in merits]
    if sort not in (rows[0] if rows else {}):
        raise QueryError(f"cannot sort by {shorten(sort, 40)!r}; sort by one of the columns")
    rows.sort(key=lambda r: (r[sort] is None, r[sort] if r[sort] is not None else 0),
              reverse=desc)
    figure.rows, figure.columns, figure.chart = rows, list(rows[0]) if rows else [], None
    return figure


@router.get("/courts", response_class=HTMLResponse)
def courts_page(request: Request, sort: str = "n", desc: bool = True) -> HTMLResponse:
    return page(request, "ranking.html", kind="court", figure=_ranking(request, "court",
                                                                       sort, desc),
                sort=sort, desc=desc)


@router.get("/judges", response_class=HTMLResponse)
def judges_page(request: Request, sort: str = "n", desc: bool = True) -> HTMLResponse:
    return page(request, "ranking.html", kind="judge", figure=_ranking(request, "judge",
                                                                       sort, desc),
                sort=sort, desc=desc)


@router.get("/courts/{code}", response_class=HTMLResponse)
def court_page(request: Request, code: str) -> HTMLResponse:
    code = _code(code, r"[A-Za-z0-9]{2,6}", "court (base city) code such as NYC")
    name = names(request, "tblLookupBaseCity").get(code, code)
    return _one(request, "court", code, name)


@router.get("/judges/{code}", response_class=HTMLResponse)
def judge_page(request: Request, code: str) -> HTMLResponse:
    code = _code(code, r"[A-Za-z0-9]{2,8}", "judge code")
    name = names(request, "tblLookupJudge").get(code, code)
    return _one(request, "judge", code, name)


def _one(request: Request, kind: str, code: str, name: str) -> HTMLResponse:
    params = _slice_params(**{kind: code})
    figures = [_asylum_figure(request, "by-year", "Asylum outcomes by fiscal year",
                              ["fiscal_year"], params, chart_x="fiscal_year"),
               _asylum_figure(request, "by-nationality", "By nationality", ["nationality"],
                              params, definitions=["merits"])]
    if not figures[0].rows:
        raise QueryError(f"no asylum decisions for {kind} {code}")
    figures += court_flow_figures(request, new_cases_too=kind == "court", **{kind: code})
    return page(request, "slice.html", kind=kind, code=code, name=name, figures=figures)


@router.get("/outlook", response_class=HTMLResponse)
def outlook_page(request: Request,
                 nationality: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
                 court: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9]{2,6}$")] = None,
                 custody: Annotated[str | None, Query(pattern=r"^[NDR]$")] = None,
                 represented: bool | None = None) -> HTMLResponse:
    figures = []
    if nationality:
        params = _slice_params(nationality=nationality.upper(),
                               court=court.upper() if court else None, custody=custody,
                               represented=represented)
        figures.append(_asylum_figure(request, "rates", "Decisions in comparable cases", [],
                                      params, definitions=list(DEFINITIONS)))
        for key, metric, title, by in (
                ("cohort", "cohort", "Outcomes of comparable applications so far", []),
                ("time", "time-to-decision", "Days from filing to decision", [])):
            table, payload = answers.application_answer(request.app.state.home, metric,
                                                        **params, by=by)
            figures.append(Figure(key, title, table.to_pylist(), table.column_names,
                                  payload["provenance"], f"/api/applications/{metric}",
                                  {k: v for k, v in params.items() if v is not None},
                                  definition=metric))
    nationalities = sorted(names(request, "tblLookupNationality").items(),
                           key=lambda item: item[1])
    return page(request, "outlook.html", figures=figures, nationalities=nationalities,
                chosen={"nationality": nationality, "court": court, "custody": custody,
                        "represented": represented})


def _example_claims() -> str:
    path = EXAMPLE_CLAIMS / "cbp-fy2022.yaml"
    return path.read_text() if path.exists() else "claims:\n  - id: example\n"


@router.get("/check", response_class=HTMLResponse)
def check_form(request: Request) -> HTMLResponse:
    return page(request, "check.html", claims=_example_claims(), verdicts=None, labels=LABELS)


@router.post("/check", response_class=HTMLResponse)
async def check_page(request: Request, claims: Annotated[str, Form()]) -> HTMLResponse:
    verdicts = await run_in_threadpool(check_claim_text, claims, request.app.state.home)
    return page(request, "check.html", claims=claims, verdicts=verdicts, labels=LABELS)


@router.get("/changes", response_class=HTMLResponse)
def changes_page(request: Request) -> HTMLResponse:
    return page(request, "changes.html", changes=release_changes_or_none(request), limit=20)


@router.get("/changes.atom")
def changes_atom(request: Request) -> Response:
    """One Atom entry per release ingested, newest first, links absolute to this server."""
    from immtrack.update.atom import changes_feed

    changes = release_changes_or_none(request)
    return Response(changes_feed(changes, str(request.base_url)),
                    media_type="application/atom+xml")


def release_changes_or_none(request: Request) -> list:
    """The newest releases' changes; an empty list (an empty feed) when there is no lake."""
    from immtrack.errors import LakeError
    from immtrack.update.changes import release_changes

    try:
        return release_changes(request.app.state.home, limit=CHANGES_SHOWN)
    except LakeError:
        return []


@router.get("/definitions", response_class=HTMLResponse)
def definitions_page(request: Request) -> HTMLResponse:
    return page(request, "definitions.html")
