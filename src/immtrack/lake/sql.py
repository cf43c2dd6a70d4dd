"""Quoting for the few names and paths that SQL cannot take as parameters.

DuckDB binds values with `?`, but not file paths inside `read_parquet([...])`, `COPY ... TO`,
`ATTACH` or `SET temp_directory`, nor identifiers. Every such path or name goes through these
helpers, so a home such as `/tmp/it's here` or a column named `a"b` is read as written.
"""

from __future__ import annotations

from collections.abc import Iterable
from os import PathLike


def sql_string(value: str | PathLike) -> str:
    """A SQL string literal: `it's` -> `'it''s'`."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """A quoted SQL identifier: `a"b` -> `"a""b"`."""
    return '"' + name.replace('"', '""') + '"'


def sql_list(values: Iterable[str | PathLike]) -> str:
    """A SQL list of string literals, for read_parquet([...]) and IN (...)."""
    return "[" + ", ".join(sql_string(v) for v in values) + "]"
