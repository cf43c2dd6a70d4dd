"""Compile an Ibis expression to DuckDB SQL once per *shape*, with its values as parameters.

Ibis's compiler costs more than DuckDB's answer on a warm lake (about 40 ms against 10 ms for
an asylum question), and a server asked about another nationality or another end date gets a
new expression each time, so caching SQL by the whole expression rarely hits. Here the string
and date literals of an expression are swapped for stand-ins numbered by position, the
stand-in expression is compiled once and cached, and its stand-ins in the SQL text become
DuckDB parameters (`$p0`, `$p1`...) bound to the question's own values. Questions that differ
only in such values share one compiled query; values never enter the SQL text.

When a stand-in does not come out of the compiler as the plain literal it went in as (the
compiler folded or rewrote it), the expression is compiled whole, as before.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from datetime import date

import ibis
import ibis.expr.operations as ops

_STAND_IN = "immtrack_stand_in_{}_7f3a"
_FIRST_YEAR = 1000  # stand-in dates: 1000-01-01, 1001-01-01... (no data is that old)


def _stand_in(position: int, literal: ops.Literal) -> tuple[ops.Literal, str] | None:
    """A literal of the same type to compile in place of `literal`, and how DuckDB SQL from
    Ibis writes it; None for values left in the SQL (numbers, booleans, lists...)."""
    if literal.dtype.is_string() and isinstance(literal.value, str):
        text = _STAND_IN.format(position)
        return ops.Literal(text, literal.dtype), f"'{text}'"
    if literal.dtype.is_date() and type(literal.value) is date:
        year = _FIRST_YEAR + position
        return ops.Literal(date(year, 1, 1), literal.dtype), f"MAKE_DATE({year}, 1, 1)"
    return None


@functools.lru_cache(maxsize=512)
def _compile_whole(operation: ops.Node) -> str:
    return ibis.to_sql(operation.to_expr(), dialect="duckdb")


def _compile_template(template: ops.Node, written: tuple[str, ...]) -> str | None:
    """SQL of the stand-in expression with each stand-in as `$pN`; None if one is missing."""
    sql = ibis.to_sql(template.to_expr(), dialect="duckdb")
    for position, text in enumerate(written):
        if text not in sql:
            return None
        sql = sql.replace(text, f"$p{position}")
    return sql


def _argument_shape(value, positions: dict[ops.Node, int]):
    if isinstance(value, ops.Node):
        return positions[value]
    if isinstance(value, tuple | list):
        return tuple(_argument_shape(item, positions) for item in value)
    if isinstance(value, Mapping):  # Ibis's frozen (ordered) dicts: names to nodes
        return tuple((key, _argument_shape(item, positions)) for key, item in value.items())
    return value


def _shape(nodes: list[ops.Node], templated: set[ops.Node]) -> tuple:
    """The expression with its templated literals' values left out, as a flat tuple: each
    node (children first) as its type and arguments, children by position. Computing it
    costs far less than building the stand-in expression, which is done only on a miss."""
    positions: dict[ops.Node, int] = {}
    shape = []
    for node in nodes:
        if node in templated:
            shape.append(("literal", node.dtype))
        else:
            shape.append((type(node), tuple(_argument_shape(arg, positions)
                                            for arg in node.__args__)))
        positions[node] = len(positions)
    return tuple(shape)


_SHAPES: dict[tuple, str | None] = {}  # shape -> SQL with parameters (None: compile whole)
_SHAPES_KEPT = 512
_SHAPES_LOCK = threading.Lock()


def compiled(operation: ops.Node) -> tuple[str, dict]:
    """DuckDB SQL for an Ibis operation and the parameters it takes."""
    nodes = operation.find(ops.Node, ordered=True)
    replacements, values, written = {}, {}, []
    for node in nodes:
        found = _stand_in(len(written), node) if isinstance(node, ops.Literal) else None
        if found is None:
            continue
        replacements[node] = found[0]
        values[f"p{len(written)}"] = node.value
        written.append(found[1])
    if not replacements:
        return _compile_whole(operation), {}
    try:
        key = _shape(nodes, set(replacements))
        with _SHAPES_LOCK:
            sql = _SHAPES.get(key, False)
    except TypeError:  # an argument that cannot be hashed: no shape to share
        return _compile_whole(operation), {}
    if sql is False:
        sql = _compile_template(operation.replace(replacements), tuple(written))
        with _SHAPES_LOCK:
            if len(_SHAPES) >= _SHAPES_KEPT:
                _SHAPES.pop(next(iter(_SHAPES)))  # the oldest shape
            _SHAPES[key] = sql
    if sql is None:
        return _compile_whole(operation), {}
    return sql, values
