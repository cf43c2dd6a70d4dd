"""Commands about immigration-court data: ingest eoir, synth eoir, synth cbp."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from immtrack.cli.main import FormatOption, State, app, friendly_errors, ingest_app
from immtrack.cli.output import Format, emit, print_json, stderr, stdout
from immtrack.ingest.eoir import ingest_eoir
from immtrack.lake.home import downloads_dir
from immtrack.schema.eoir import EOIR_TABLES

synth_app = typer.Typer(
    help="Write releases in the agencies' exact formats with invented records, for demos, "
         "tests and benchmarks; every file is marked as generated.", no_args_is_help=True)
app.add_typer(synth_app, name="synth")


def _table_progress() -> Progress:
    return Progress(TextColumn("{task.description:<22}"), BarColumn(), TaskProgressColumn(),
                    TimeElapsedColumn(), console=stderr, transient=False)


@ingest_app.command("eoir")
@friendly_errors
def ingest_eoir_command(
    source: Annotated[str, typer.Option(
        "--from", help="EOIR's FOIA zip (deflate64 is fine), the folder it was extracted to, "
                       "or an http(s) URL of the zip.")],
    release_date: Annotated[str | None, typer.Option(
        help="Publication date YYYY-MM-DD (generated releases carry their own).")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Read a whole EOIR case-data release into the lake as one release.

    Each table (A_TblCase, B_TblProceeding, tbl_Court_Appln, tbl_schedule, ...) is read
    as tab-delimited Latin-1 text, cleaned (NUL bytes, stray quotes, blanks, single spaces and
    "N/A" as null), typed, and written to Parquet. A row with one field too many is repaired
    when the column types show where the stray tab was, and logged (`repairs` table);
    otherwise it is quarantined with the reason. Values that do not parse, and dates before
    1951, are kept and named in the row's data_issues. Codes missing from the release's
    lookups are counted (`eoir_unknown_codes`). For every file rows read = loaded +
    quarantined. Earlier releases stay in the lake side by side.

    Examples:

        immtrack ingest eoir --from FOIA-TRAC-Report.zip

        immtrack synth eoir --cases 10000 --out demo-release && immtrack ingest eoir --from demo-release
    """
    spec = source
    if source.startswith(("http://", "https://")):
        from immtrack.sources.download import download

        spec = str(download(source, downloads_dir(State.home)).path)
    published = date.fromisoformat(release_date) if release_date else None
    with _table_progress() as progress:
        tasks = {name: progress.add_task(name, total=100) for name in EOIR_TABLES}

        def report(table: str, percent: float) -> None:
            progress.update(tasks[table], completed=percent)

        outcome = ingest_eoir(State.home, spec, release_date=published, progress=report)
    if fmt is Format.json:
        print_json(vars(outcome))
        return
    if outcome.status == "unchanged":
        stdout.print(f"{outcome.name}: {outcome.message} (release {outcome.release_id})")
        return
    emit(pa.Table.from_pylist(outcome.tables), fmt,
         title=f"Release {outcome.release_id} from {outcome.name}", notes=[
             f"Read {outcome.rows_read:,} rows; loaded {outcome.rows_loaded:,}; repaired "
             f"{outcome.rows_repaired:,}; quarantined {outcome.rows_quarantined:,} (lookups "
             "included).",
             "See `immtrack quarantine`, `immtrack releases --files`, and the repairs and "
             "eoir_unknown_codes tables in the catalog.",
             *([outcome.message] if outcome.message else [])])


@synth_app.command("eoir")
@friendly_errors
def synth_eoir_command(
    cases: Annotated[int, typer.Option(help="Random cases to generate (planted ones come on "
                                            "top).")],
    out: Annotated[Path, typer.Option(help="Folder to write the release into.")],
    seed: Annotated[int, typer.Option(help="Same seed, same bytes.")] = 0,
    release_date: Annotated[str, typer.Option(
        help="The release's date: no case is filed after it.")] = "2025-06-30",
    zip_too: Annotated[bool, typer.Option(
        "--zip", help="Also write the release as a zip beside the folder.")] = False,
    clean: Annotated[bool, typer.Option(
        "--clean", help="No planted defects and no out-of-lookup codes (the real quirks are "
                        "on by default).")] = False,
    published_cells: Annotated[bool, typer.Option(
        "--published-cells/--no-published-cells",
        help="Plant EOIR's and TRAC's published Russian cells (FY2019, FY2021 initial "
             "completions; FY2024 merits decisions), so each publisher's method must give "
             "them back exactly.")] = True,
) -> None:
    """Generate an EOIR case-data release in the exact real format (invented records).

    Tab-delimited Latin-1 `.csv` tables with EOIR's file names and header spelling, CRLF line
    ends, SQL Server text datetimes, the real Lookup/ folder, and the real quirks at realistic
    rates (NUL bytes, stray quotes, extra tabs, 1900 dates, codes outside the lookups). Every
    coded column follows the real release's value shares and every structure its real rate
    (remands, reopenings, changes of venue, second decisions, severed riders, custody N/D/R,
    blank decisions in completed proceedings): `immtrack synth eoir-compare DIR` shows how
    close. Volumes and outcomes follow EOIR's and TRAC's published tables. The manifest
    `immtrack-synthetic.json` lists every planted defect with its line and every planted cell.

    Examples:

        immtrack synth eoir --cases 100000 --out /tmp/release --seed 1

        immtrack synth eoir --cases 20000 --out /tmp/r --seed 7 && immtrack ingest eoir --from /tmp/r && immtrack asylum --nationality RU --fy 2021 --definition eoir_completion
    """
    from immtrack.synth.eoir import DefectPlan, write_eoir_release

    with Progress(TextColumn("Generating cases"), BarColumn(), TaskProgressColumn(),
                  TimeElapsedColumn(), console=stderr) as progress:
        task = progress.add_task("cases", total=cases or 1)
        manifest = write_eoir_release(
            out, cases, seed, release_date=date.fromisoformat(release_date),
            defects=DefectPlan.none() if clean else None, zip_too=zip_too,
            planted=None if published_cells else [],
            progress=lambda done, total: progress.update(task, completed=done))
    rows = [{"file": name, "rows": count} for name, count in manifest.rows.items()]
    planted = [f"{c['method']} {c['nationality']} FY{c['fiscal_year']}: {c['grants']} "
               f"grants, {c['denials']} denials, {c['others']} other"
               for c in manifest.planted]
    emit(pa.Table.from_pylist(rows), Format.table, title=f"Generated release in {out}",
         notes=[f"{len(manifest.defects)} planted defects listed in "
                f"{out / 'immtrack-synthetic.json'}.",
                *(["Planted cells: " + "; ".join(planted)] if planted else []),
                "Invented records; real format, codes and rates."])


@synth_app.command("eoir-compare")
@friendly_errors
def synth_eoir_compare_command(
    folder: Annotated[Path, typer.Argument(help="A release folder (generated or real).")],
    fmt: FormatOption = Format.table,
) -> None:
    """How much a release looks like the real one: each coded column's shares beside the real
    release's, and the structural rates beside their real figures.

    Real figures: the Deportation Data Project's value frequencies and missingness of the real
    June 2026 release, and the structural rates in schema/data/eoir_structure.csv (each with its
    source). A column passes when its largest gap is under 2 percentage points; a structural
    rate when it is within 20% of the real one. Exit 0 when everything passes, 1 otherwise.

    Example: immtrack synth eoir --cases 200000 --out /tmp/r && immtrack synth eoir-compare /tmp/r
    """
    from immtrack.synth.eoir_compare import realism_report

    if not (folder / "A_TblCase.csv").is_file():
        raise typer.BadParameter(f"{folder} holds no A_TblCase.csv: not an EOIR release folder")
    report = realism_report(folder)
    rows = [{"table": c["table"], "column": c["column"], "value": v["value"],
             "generated_pct": round(100 * v["generated"], 2),
             "real_pct": round(100 * v["real"], 2), "gap_pp": round(v["gap_pp"], 2)}
            for c in report["columns"] for v in c["values"]]
    summary = [{"check": f"{c['table']}.{c['column']}",
                "largest_gap": round(c["largest_gap_pp"], 2),
                "limit": report["share_tolerance_pp"], "unit": "pp", "passes": c["passes"]}
               for c in report["columns"]] + [
        {"check": r["rate"], "largest_gap": round(100 * r["relative_gap"], 1),
         "limit": 100 * report["structure_tolerance"], "unit": "% of real",
         "passes": r["passes"]} for r in report["structure"]]
    if fmt is Format.json:
        emit(pa.Table.from_pylist(rows), fmt, payload=report, title="Realism report")
    elif fmt is Format.csv:
        emit(pa.Table.from_pylist(rows), fmt, title="Realism report")
    else:
        emit(pa.Table.from_pylist(summary), fmt, title=f"Generated beside real: {folder}",
             notes=["Gaps per value: --format csv or json.",
                    "Everything passes." if report["passes"] else "Some checks fail."])
    if not report["passes"]:
        raise typer.Exit(1)


@synth_app.command("cbp")
@friendly_errors
def synth_cbp_command(
    out: Annotated[Path, typer.Option(help="Folder to write the two releases into.")],
    seed: Annotated[int, typer.Option(help="Same seed, same bytes.")] = 0,
) -> None:
    """Generate two overlapping CBP Nationwide Encounters (AOR) releases with revisions.

    The second re-issues the first's last years with some cells revised or dropped, as CBP
    does, so `immtrack revisions` has something to show. Invented numbers, real layout.
    """
    from immtrack.synth.cbp import write_cbp_releases

    for path in write_cbp_releases(out, seed):
        stdout.print(str(path))
