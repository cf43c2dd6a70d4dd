"""`immtrack demo`: the README's main job."""

from __future__ import annotations

from typing import Annotated

import pyarrow as pa
import typer

from immtrack.cli.main import State, app, friendly_errors
from immtrack.cli.output import print_table, stderr, stdout
from immtrack.demo import build_demo
from immtrack.schema.series import ENCOUNTER_SERIES


@app.command("demo")
@friendly_errors
def demo_command(
    serve: Annotated[bool, typer.Option(
        help="Then serve the pages and the API on a local address (printed); Ctrl-C stops.")]
    = False,
    port: Annotated[int, typer.Option(help="Port for --serve.")] = 8000,
) -> None:
    """Build a demo lake in HOME/demo with no network and print a short headline report.

    Uses the real CBP, DHS OHSS and ICE files in ../shared/data when they are beside the
    checkout; otherwise generates files in CBP's real layout and says so on every figure.
    Immigration court data are a generated release in EOIR's exact format (no real records
    are available offline), labelled as such. Running it again changes nothing.
    """
    with stderr.status("Building the demo lake..."):
        report = build_demo(State.home / "demo")
    kind = (f"REAL public files from {report.shared}" if report.shared
            else "GENERATED files in CBP's real layout (../shared/data not found)")
    stdout.print(f"[bold]immtrack demo[/bold]: lake at {report.home}\nData: {kind}")
    print_table(pa.Table.from_pylist([
        {"file": o.name, "status": o.status, "rows_loaded": o.rows_loaded,
         "rows_quarantined": o.rows_quarantined} for o in report.outcomes]),
        title="Releases")
    rows = [{"headline": h.label, "encounters": h.value,
             "data": "GENERATED" if h.is_synthetic else "real",
             "source": ENCOUNTER_SERIES[h.series].publisher + " " + h.series}
            for h in report.headlines]
    print_table(pa.Table.from_pylist(rows), title="Headlines", notes=[
        "Encounters are events, not people.",
        "OHSS series (ohss_usbp_*) count Border Patrol only, rounded to tens; CBP southwest "
        "files count both Border Patrol and ports of entry.",
    ])
    court = report.court
    stdout.print(
        f"\nImmigration court (GENERATED release in EOIR's exact format, invented records): "
        f"{court['cases']:,} cases, {court['proceedings']:,} proceedings, "
        f"{court['asylum_applications']:,} asylum applications ({court['decided']:,} decided, "
        f"{court['closed']:,} closed without decision, {court['pending']:,} pending).",
        highlight=False)
    if report.detention:
        stdout.print(
            f"ICE detention (REAL, ICE's workbooks via the Deportation Data Project): "
            f"{report.detention['adp']:,.0f} people held on an average day in "
            f"{report.detention['month']} (workbook of {report.detention['workbook']}).",
            highlight=False)
    stdout.print(
        f"\nTry:\n  immtrack --home {report.home} encounters --citizenship RUSSIA "
        "--region southwest --from 2021-10 --to 2022-01 --by month\n"
        f"  immtrack --home {report.home} asylum --nationality RU --since 2022-02-24\n"
        f"  immtrack --home {report.home} distance \"Brooklyn, NY\" --nearest 5\n"
        f"  immtrack --home {report.home} check examples/claims/cbp-fy2022.yaml\n"
        f"  immtrack --home {report.home} releases\n"
        f"  immtrack --home {report.home} quarantine\n"
        f"  immtrack --home {report.home} encounters --help", highlight=False)
    if any(o.status == "refused" for o in report.outcomes):
        raise typer.Exit(1)
    if serve:
        import uvicorn

        from immtrack.api.app import create_app

        stdout.print(f"\n[bold]Pages at http://127.0.0.1:{port}/[/bold] (start with "
                     f"http://127.0.0.1:{port}/nationality/RU; API docs at "
                     f"http://127.0.0.1:{port}/docs). Ctrl-C stops.", highlight=False)
        uvicorn.run(create_app(report.home), host="127.0.0.1", port=port, log_level="warning")
