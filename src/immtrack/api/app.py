"""The FastAPI app: JSON API under /api (OpenAPI at /docs), pages at /, assets at /static.

Errors are answers too: a question the data cannot answer is a 400 with the reason (JSON for
the API, a page for people), a missing lake is a 503; never a stack trace.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from immtrack import __version__
from immtrack.api.court_routes import router as court_api_router
from immtrack.api.routes import router as api_router
from immtrack.errors import LakeError, QueryError
from immtrack.web.court_pages import router as court_page_router
from immtrack.web.pages import TEMPLATES
from immtrack.web.pages import router as page_router

STATIC = Path(__file__).resolve().parents[1] / "web" / "static"


def _error(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api"):
        return JSONResponse({"error": message}, status_code=status)
    return TEMPLATES.TemplateResponse(request, "error.html", {"message": message},
                                      status_code=status)


def create_app(home: Path) -> FastAPI:
    app = FastAPI(title="immtrack", version=__version__,
                  description="U.S. border encounters, detention and immigration court, from "
                              "the agencies' own releases; every answer with its provenance.")
    app.state.home = home
    app.include_router(api_router)
    app.include_router(court_api_router)
    app.include_router(page_router)
    app.include_router(court_page_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(QueryError)
    def _question(request: Request, error: QueryError) -> Response:
        return _error(request, 400, str(error))

    @app.exception_handler(LakeError)
    def _lake(request: Request, error: LakeError) -> Response:
        return _error(request, 503, str(error))

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, error: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}"
                             for e in error.errors())
        return _error(request, 400, f"bad parameter: {problems}")

    return app
