"""The FastAPI app: JSON API under /api (OpenAPI at /docs), pages at /, assets at /static.

Errors are answers too, and the OpenAPI document lists each one: a bad parameter or a question
the data cannot answer is a 400 with the reason (JSON for the API, a page for people), a claim
file that cannot be checked a 422, a body too large a 413, a missing lake a 503; never a stack
trace. Every request passes the guards of `api/security.py` first (body size, Host, headers).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from immtrack import __version__
from immtrack.api.court_routes import router as court_api_router
from immtrack.api.routes import CLAIM_FILE_COMPONENTS
from immtrack.api.routes import router as api_router
from immtrack.api.security import LOOPBACK_NAMES, Guard, docs_policy, is_loopback
from immtrack.claims.model import ClaimTextError, shorten
from immtrack.errors import LakeError, QueryError
from immtrack.web.court_pages import router as court_page_router
from immtrack.web.pages import TEMPLATES
from immtrack.web.pages import router as page_router

STATIC = Path(__file__).resolve().parents[1] / "web" / "static"
TITLE = "immtrack"
DESCRIPTION = ("U.S. border encounters, detention and immigration court, from the agencies' own "
               "releases; every answer with its provenance. Bad parameters are answered 400, "
               "claim files that cannot be checked 422, bodies over 256 KB 413, a server "
               "without a lake 503; each with `{\"error\": reason}`.")
log = logging.getLogger("immtrack.api")


def _error(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api"):
        return JSONResponse({"error": message}, status_code=status)
    return TEMPLATES.TemplateResponse(request, "error.html", {"message": message},
                                      status_code=status)


def _openapi(app: FastAPI) -> dict:
    """FastAPI's document, corrected to say what the API answers: bad parameters are 400s
    (FastAPI would list its own 422 for them), and POST /api/check's body is a claim file."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=TITLE, version=__version__, description=DESCRIPTION,
                         routes=app.routes)
    for operations in schema["paths"].values():
        for method, operation in operations.items():
            if method != "post":
                operation["responses"].pop("422", None)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    components.update(CLAIM_FILE_COMPONENTS)
    app.openapi_schema = schema
    return schema


def create_app(home: Path, bind_host: str = "127.0.0.1") -> FastAPI:
    """The app over the lake at `home`. Bound to a loopback address (the default), it answers
    only requests addressed to a loopback name (see api/security.py)."""
    app = FastAPI(title=TITLE, version=__version__, description=DESCRIPTION, docs_url=None,
                  redoc_url=None)
    app.state.home = home
    app.include_router(api_router)
    app.include_router(court_api_router)
    app.include_router(page_router)
    app.include_router(court_page_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.openapi = lambda: _openapi(app)
    allowed = LOOPBACK_NAMES | {bind_host} if is_loopback(bind_host) else None
    app.add_middleware(Guard, allowed_hosts=allowed)

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        html = get_swagger_ui_html(openapi_url="/openapi.json", title=f"{TITLE} API")
        return HTMLResponse(html.body, headers={
            "content-security-policy": docs_policy(html.body.decode())})

    @app.exception_handler(QueryError)
    def _question(request: Request, error: QueryError) -> Response:
        return _error(request, 400, str(error))

    @app.exception_handler(ClaimTextError)
    def _claims(request: Request, error: ClaimTextError) -> Response:
        return _error(request, 422, f"cannot check this claim file: {error}")

    @app.exception_handler(LakeError)
    def _lake(request: Request, error: LakeError) -> Response:
        return _error(request, 503, str(error))

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, error: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(shorten(p, 40) for p in e['loc'][1:])}: "
                             f"{shorten(e['msg'], 160)}" for e in error.errors()[:5])
        return _error(request, 400, f"bad parameter: {problems}")

    @app.exception_handler(Exception)
    def _unexpected(request: Request, error: Exception) -> Response:
        log.error("unexpected error answering %s", request.url.path, exc_info=error)
        return _error(request, 500, "the server failed to answer this; the error is in its "
                                    "log")

    return app


def app_from_environment() -> FastAPI:
    """The app for `uvicorn --factory` (used by `immtrack serve --workers N`, where each worker
    process imports the app): the lake and the bound address come from the environment."""
    return create_app(Path(os.environ["IMMTRACK_HOME"]),
                      os.environ.get("IMMTRACK_BIND_HOST", "127.0.0.1"))
