"""Walking pglast parse trees: the relations a query reads, the columns an expression uses."""

from __future__ import annotations

from typing import Iterator

from pglast import ast

from .snippetfacts import remembered
from .sqltext import parse_expression, parse_index_key


_CHILD_SLOTS: dict[type, tuple[str, ...]] = {}


def _child_slots(cls) -> tuple[str, ...]:
    """The slots of a node class that can hold nodes (pglast's type info), so a walk skips
    locations, flags and names."""
    slots = _CHILD_SLOTS.get(cls)
    if slots is None:
        slots = _CHILD_SLOTS[cls] = tuple(
            name for name, info in cls.__slots__.items()
            if any(t in (list, tuple) or (isinstance(t, type) and issubclass(t, ast.Node))
                   for t in (info.py_type if isinstance(info.py_type, tuple) else (info.py_type,))))
    return slots


def walk(node, skip=()) -> Iterator[ast.Node]:
    """Every Node under `node` (itself included), depth first; subtrees of `skip` types pruned."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, (tuple, list)):
            stack.extend(reversed(item))
            continue
        if not isinstance(item, ast.Node):
            continue
        yield item
        if skip and isinstance(item, skip) and item is not node:
            continue
        for attr in _child_slots(type(item)):
            value = getattr(item, attr, None)
            if value is not None:
                stack.append(value)


def query_relations(query: ast.Node, default_schema: str) -> tuple[str, ...]:
    """"schema.name" of every table/view a query reads, sorted; CTE names are not relations."""
    cte_names = {n.ctename for n in walk(query) if isinstance(n, ast.CommonTableExpr)}
    out = set()
    for n in walk(query):
        if isinstance(n, ast.RangeVar):
            if n.schemaname is None and n.relname in cte_names:
                continue
            out.add(f"{n.schemaname or default_schema}.{n.relname}")
    return tuple(sorted(out))


def query_relation_offsets(query: ast.Node, default_schema: str) -> dict[str, int]:
    """"schema.name" -> offset (in the parsed text) of its first mention in the query."""
    cte_names = {n.ctename for n in walk(query) if isinstance(n, ast.CommonTableExpr)}
    out: dict[str, int] = {}
    for n in walk(query):
        if isinstance(n, ast.RangeVar) and not (n.schemaname is None and n.relname in cte_names):
            key = f"{n.schemaname or default_schema}.{n.relname}"
            location = n.location if isinstance(n.location, int) and n.location >= 0 else 0
            out[key] = min(out.get(key, location), location)
    return out


def column_refs(expr: ast.Node) -> list[tuple[str, ...]]:
    """Column references of an expression outside sub-queries, as name tuples (a.b -> (a, b)).

    Sub-queries are skipped: their columns belong to the tables they read.
    """
    if isinstance(expr, ast.SubLink):
        # walk never prunes its root: a whole `EXISTS (...)` is skipped here
        return column_refs(expr.testexpr) if expr.testexpr is not None else []
    out = []
    for n in walk(expr, skip=(ast.SubLink, ast.RangeSubselect)):
        if isinstance(n, ast.SubLink):
            # the test expression of `x IN (SELECT ...)` is ours, the sub-select is not
            if n.testexpr is not None:
                out.extend(column_refs(n.testexpr))
            continue
        if isinstance(n, ast.ColumnRef):
            fields = tuple(f.sval for f in n.fields if isinstance(f, ast.String))
            if len(fields) == len(n.fields):
                out.append(fields)
    return out


@remembered
def expression_columns(text: str) -> tuple[tuple[str, ...], ...]:
    """column_refs of a SQL expression given as text (remembered: policies repeat a lot)."""
    node, _ = parse_expression(text)
    return tuple(column_refs(node)) if node is not None else ()


@remembered
def index_key_columns(key: str) -> tuple[str, ...]:
    """The columns of its table an index key names: the column, or the unqualified column
    references of its expression (none when it does not parse: reported when read)."""
    elem, _ = parse_index_key(key)
    if elem is None:
        return ()
    if elem.name:
        return (elem.name,)
    return tuple(ref[0] for ref in column_refs(elem.expr) if len(ref) == 1)
