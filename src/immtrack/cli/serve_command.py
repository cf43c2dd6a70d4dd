"""`immtrack serve`: the web pages and the JSON API on a local address."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from immtrack.cli.main import State, app, friendly_errors
from immtrack.cli.output import stdout
from immtrack.lake.catalog import connect


@app.command("serve")
@friendly_errors
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Serve the pages (nationalities, courts, judges, case outlook, claim check) and the JSON
    API (OpenAPI docs at /docs) over the lake.

    Example: immtrack --home ~/immtrack-demo/demo serve --port 8000
    """
    import uvicorn

    from immtrack.api.app import create_app

    connect(State.home)  # a clear error now if there is no lake, not on the first request
    stdout.print(f"immtrack pages at http://{host}:{port}/ (API docs at "
                 f"http://{host}:{port}/docs); Ctrl-C stops.", highlight=False)
    if workers == 1:
        uvicorn.run(create_app(State.home, host), host=host, port=port, log_level="warning")
        return
    # Each worker process imports the app itself: uvicorn needs an import string, and the
    # workers learn the lake and the bound address from the environment.
    os.environ["IMMTRACK_HOME"] = str(State.home.resolve())
    os.environ["IMMTRACK_BIND_HOST"] = host
    uvicorn.run("immtrack.api.app:app_from_environment", factory=True, host=host, port=port,
                workers=workers, log_level="warning")
