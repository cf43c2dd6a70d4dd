"""The `immtrack` command: thin faces over the library (parse, call, print).

Exit codes: 0 done; 1 a file or download could not be used; 2 the question or options were
wrong; 3 no lake, the lake is busy, cannot be written or cannot be read; 4 `immtrack verify`
found damage.
"""

from __future__ import annotations

import functools
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from immtrack.cli.output import Format, stderr
from immtrack.errors import BadFileError, DownloadError, ImmtrackError, LakeError, QueryError
from immtrack.lake.home import default_home

EXIT_BAD_INPUT, EXIT_BAD_QUESTION, EXIT_NO_LAKE, EXIT_DAMAGED = 1, 2, 3, 4

app = typer.Typer(
    name="immtrack",
    help="Answer questions about U.S. border encounters (CBP), detention (ICE) and immigration "
         "court (EOIR) from the agencies' own releases, with every number traced to its "
         "source.\n\nStart with `immtrack demo`, then try `immtrack encounters --help`.",
    no_args_is_help=True, rich_markup_mode="markdown", pretty_exceptions_enable=False,
    add_completion=False,
    epilog="Exit codes: 0 done, 1 unusable file or failed download, 2 bad question or option, "
           "3 no lake, lake busy, not writable or unreadable, 4 nothing new (update) or damage "
           "found (verify).",
)
ingest_app = typer.Typer(
    help="Read a public release into the lake, one source at a time (cbp, eoir); every row is "
         "loaded or quarantined with a reason, and the same files twice change nothing.",
    no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")


class State:
    home: Path = default_home()


HomeOption = Annotated[Path | None, typer.Option(
    "--home", envvar="IMMTRACK_HOME", show_default=False,
    help="The lake's folder (default: $IMMTRACK_HOME or ~/.local/share/immtrack).")]
FormatOption = Annotated[Format, typer.Option(
    "--format", "-f", help="table for people; csv or json (with provenance) for programs.")]


@app.callback()
def _options(home: HomeOption = None) -> None:
    if home:
        State.home = home


def friendly_errors(command):
    """Show library errors as one clear message and a meaningful exit code, never a traceback."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (BadFileError, DownloadError) as error:
            stderr.print(f"[red]error:[/red] {error}", highlight=False)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except QueryError as error:
            stderr.print(f"[red]cannot answer:[/red] {error}", highlight=False)
            raise typer.Exit(EXIT_BAD_QUESTION) from None
        except LakeError as error:
            stderr.print(f"[red]lake:[/red] {error}", highlight=False)
            raise typer.Exit(EXIT_NO_LAKE) from None
        except ImmtrackError as error:
            stderr.print(f"[red]error:[/red] {error}", highlight=False)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except OSError as error:
            from immtrack.lake.lock import write_failure

            if failure := write_failure(State.home, error):
                stderr.print(f"[red]lake:[/red] {failure}", highlight=False)
                raise typer.Exit(EXIT_NO_LAKE) from None
            raise
        except Exception as error:
            # DuckDB is imported only by commands that read the lake (`update` must start
            # without it), so its errors are recognised through the loaded module.
            duckdb = sys.modules.get("duckdb")
            if duckdb is None or not isinstance(error, duckdb.Error):
                raise
            # A lake file damaged in a way only reading it shows (its size and ends are right).
            detail = str(error).strip().splitlines()[0]
            stderr.print(f"[red]lake:[/red] a file of the lake at {State.home} could not be "
                         f"read ({detail}); run `immtrack verify` to find the damaged release",
                         highlight=False)
            raise typer.Exit(EXIT_NO_LAKE) from None
        finally:
            catalog = sys.modules.get("immtrack.lake.catalog")  # only if the lake was opened
            for warning in catalog.damage_warnings(State.home) if catalog else ():
                stderr.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    return wrapper


def parse_month(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        year, month = (int(part) for part in text.split("-")[:2])
        return date(year, month, 1)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a month such as 2022-01") from None


def split_list(values: list[str] | None) -> tuple[str, ...]:
    """--by month,component and --by month --by component mean the same."""
    return tuple(part.strip() for value in values or [] for part in value.split(",")
                 if part.strip())


# Commands whose own module is all they need: `immtrack update` run from a timer should not
# spend a second importing the query engines (ibis, DuckDB) when nothing is new.
LIGHT_COMMANDS = {"update": "update_commands", "publications": "update_commands"}


def _invoked_command(argv: list[str]) -> str | None:
    """The subcommand of an `immtrack ...` command line (None under other programs, such as
    pytest driving the app in-process)."""
    if not argv or Path(argv[0]).name not in ("immtrack", "__main__.py"):
        return None
    words = iter(argv[1:])
    for word in words:
        if word == "--home":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def register_commands() -> None:
    import sys

    if (light := LIGHT_COMMANDS.get(_invoked_command(sys.argv) or "")) is not None:
        __import__(f"immtrack.cli.{light}")
        return
    from immtrack.cli import (  # noqa: F401
        asylum_commands,
        catalog_commands,
        claim_commands,
        court_commands,
        demo_command,
        detention_commands,
        encounter_commands,
        eoir_commands,
        serve_command,
        update_commands,
    )


register_commands()
