"""Court-flow figures for the pages: new cases, outcomes with in absentia, bond, and the /mpp
page. Each figure calls the same cached answers as the JSON API (api/court_routes.py), so its
"Data" links reproduce it.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from immtrack.api.court_routes import court_answer
from immtrack.errors import QueryError
from immtrack.web import charts
from immtrack.web.figures import Figure

router = APIRouter(include_in_schema=False)
NEW_CASES_FROM = date(2019, 10, 1)  # FY2020 on: the years the policy events marked fall in
OUTCOME_SHOWN = ["removal_order", "voluntary_departure", "relief", "terminated",
                 "admin_closure", "other", "in_absentia", "in_absentia_of_removals"]


def _figure(request: Request, key: str, title: str, metric: str, api_params: dict,
            columns: list[str] | None = None, chart=None, section: str | None = None,
            note: str | None = None, **params) -> Figure:
    """One court-flow figure; a question the data cannot answer becomes a note, not an
    error page."""
    try:
        table, payload = court_answer(request.app.state.home, metric, **params)
    except QueryError as error:
        return Figure(key, title, [], [], {}, f"/api/{metric}", api_params,
                      note=f"Not available: {error}")
    rows = payload["sections"][section] if section else table.to_pylist()
    shown = columns or (list(rows[0]) if rows else [])
    notes = " ".join(payload.get("notes", []))
    return Figure(key, title, rows, shown, payload["provenance"], f"/api/{metric}", api_params,
                  chart(rows) if chart and rows else None, definition=metric,
                  note=note or notes or None)


def new_cases_figure(request: Request, **where) -> Figure:
    title = f"New cases by month since {NEW_CASES_FROM:%B %Y} (Notice to Appear date)"
    return _figure(request, "new-cases", title, "new-cases",
                   {**where, "since": NEW_CASES_FROM.isoformat(), "by": ["month"]},
                   ["month", "new_cases"],
                   lambda rows: charts.monthly_with_events(rows, "new_cases", title),
                   **where, since=NEW_CASES_FROM, by=["month"])


def outcomes_figure(request: Request, **where) -> Figure:
    title = "Outcomes of completed cases by fiscal year, with in absentia orders"
    params = {**where, "by": ["fiscal_year"], "definitions": OUTCOME_SHOWN}
    figure = _figure(request, "outcomes", title, "outcomes",
                     {**where, "by": ["fiscal_year"], "definition": OUTCOME_SHOWN},
                     ["fiscal_year", "definition", "numerator", "n", "rate", "ci95_low",
                      "ci95_high"],
                     lambda rows: charts.rates_with_intervals(
                         [r for r in rows if r["fiscal_year"] and r["fiscal_year"] >= 2015],
                         "fiscal_year", title), **params)
    return figure


def bond_figure(request: Request, **where) -> Figure:
    title = "Bond hearings by fiscal year: requests, decisions, amounts (dollars), days held"
    return _figure(request, "bond", title, "bond", {**where, "by": ["fiscal_year"]},
                   ["fiscal_year", "requests", "decisions", "initial_bond_median",
                    "new_bond_p25", "new_bond_median", "new_bond_p75",
                    "days_detained_median"], **where, by=["fiscal_year"])


def court_flow_figures(request: Request, *, bond_too: bool = True, new_cases_too: bool = True,
                       **where) -> list[Figure]:
    """The sections a nationality, court or judge page gains."""
    figures = [new_cases_figure(request, **where)] if new_cases_too else []
    figures.append(outcomes_figure(request, **where))
    if bond_too:
        figures.append(bond_figure(request, **where))
    return figures


@router.get("/mpp", response_class=HTMLResponse)
def mpp_page(request: Request) -> HTMLResponse:
    from immtrack.web.pages import page

    title = "MPP enrolments by month (new MPP cases by Notice to Appear date)"
    figures = [
        _figure(request, "enrolments", title, "mpp", {"by": ["month"]},
                ["month", "enrolments"],
                lambda rows: charts.monthly_with_events(rows, "enrolments", title),
                by=["month"]),
        _figure(request, "by-nationality", "MPP enrolments by nationality", "mpp",
                {"by": ["nationality"]}, ["nationality", "enrolments"], by=["nationality"]),
        _figure(request, "outcomes", "Outcomes of MPP cases, in absentia and representation",
                "mpp", {"by": ["month"]},
                ["definition", "unit", "numerator", "n", "rate", "ci95_low", "ci95_high"],
                section="outcomes", by=["month"]),
        _figure(request, "time", "Days from the Notice to Appear to completion (pending "
                "censored)", "mpp", {"by": ["month"]}, section="time_to_completion",
                by=["month"]),
    ]
    return page(request, "mpp.html", figures=figures)
