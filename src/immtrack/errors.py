"""Typed errors the library raises; the CLI and API turn them into messages for people.

Every error about an input file names the file, the line (or sheet and row) and the problem,
and says what to try. Row-level problems are not errors: they go to the quarantine table.
"""

from __future__ import annotations


class ImmtrackError(Exception):
    """Base class: anything the faces should show as a message, never as a traceback."""


class BadFileError(ImmtrackError):
    """A file that cannot be used at all (wrong layout, empty, truncated, wrong encoding...)."""

    def __init__(self, file: str, problem: str, *, line: int | None = None,
                 sheet: str | None = None, hint: str | None = None):
        self.file, self.problem, self.line, self.sheet, self.hint = file, problem, line, sheet, hint
        where = file
        if sheet is not None:
            where += f", sheet {sheet!r}"
        if line is not None:
            where += f", {'row' if sheet is not None else 'line'} {line}"
        message = f"{where}: {problem}"
        if hint:
            message += f"\n  hint: {hint}"
        super().__init__(message)


class DownloadError(ImmtrackError):
    """A download that failed or whose bytes did not match the expected checksum."""


class LakeError(ImmtrackError):
    """The lake is missing, locked by another ingest, or holds nothing for the question asked."""


class QueryError(ImmtrackError):
    """A question the data cannot answer as asked (unknown value, period not covered...)."""
