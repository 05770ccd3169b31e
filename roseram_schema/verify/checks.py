"""Allowed values for a column, read from its CHECK constraints with PostgreSQL's own parser.

Recognises `x IN ('a', 'b')` and `x = ANY (ARRAY['a', 'b'])` (the form PostgreSQL prints
back, casts included), and lower bounds like `amount >= 0` or `length(name) > 0`.
"""

from __future__ import annotations

from functools import lru_cache

import pglast
from pglast import ast
from pglast.enums import A_Expr_Kind, BoolExprType


def _strip_casts(node):
    while isinstance(node, ast.TypeCast):
        node = node.arg
    return node


def _column_name(node) -> str | None:
    node = _strip_casts(node)
    if isinstance(node, ast.ColumnRef) and node.fields and isinstance(node.fields[-1], ast.String):
        return node.fields[-1].sval
    return None


def _constant(node):
    node = _strip_casts(node)
    if isinstance(node, ast.A_Const) and not node.isnull:
        val = node.val
        if isinstance(val, ast.String):
            return val.sval
        if isinstance(val, ast.Integer):
            return str(val.ival)
        if isinstance(val, ast.Float):
            return val.fval
        if isinstance(val, ast.Boolean):
            return "true" if val.boolval else "false"
    return None


def _constants(node) -> list[str]:
    node = _strip_casts(node)
    items = node.elements if isinstance(node, ast.A_ArrayExpr) else node if isinstance(node, tuple) else ()
    values = [_constant(item) for item in items or ()]
    return [v for v in values if v is not None]


def _walk(node, found: dict[str, list[str]], minimum: dict[str, int]) -> None:
    if isinstance(node, ast.BoolExpr):
        if node.boolop == BoolExprType.NOT_EXPR:
            return
        for arg in node.args:
            _walk(arg, found, minimum)
        return
    if not isinstance(node, ast.A_Expr):
        return
    op = node.name[-1].sval if node.name else ""
    if node.kind in (A_Expr_Kind.AEXPR_IN, A_Expr_Kind.AEXPR_OP_ANY) and op == "=":
        col = _column_name(node.lexpr)
        values = _constants(node.rexpr)
        if col and values:
            found.setdefault(col, values)
    elif node.kind == A_Expr_Kind.AEXPR_OP and op in (">", ">=", "="):
        col = _column_name(node.lexpr)
        inner = _strip_casts(node.lexpr)
        if col is None and isinstance(inner, ast.FuncCall) and inner.args:
            col = _column_name(inner.args[0])  # length(x) > 0 and the like
        value = _constant(node.rexpr)
        if col and value is not None:
            try:
                bound = int(float(value))
            except ValueError:
                if op == "=":
                    found.setdefault(col, [value])
                return
            minimum[col] = max(minimum.get(col, 0), bound + (1 if op == ">" else 0))


@lru_cache(maxsize=4096)
def analyse_check(expression: str) -> tuple[dict, dict]:
    """({column: allowed string values}, {column: lower bound}) found in one CHECK."""
    found: dict[str, list[str]] = {}
    minimum: dict[str, int] = {}
    try:
        tree = pglast.parse_sql(f"SELECT {expression}")
    except pglast.parser.ParseError:
        return found, minimum
    _walk(tree[0].stmt.targetList[0].val, found, minimum)
    return found, minimum


def column_rules(expressions) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Allowed values and lower bounds per column over several CHECK expressions."""
    allowed: dict[str, list[str]] = {}
    minimum: dict[str, int] = {}
    for expr in expressions:
        found, mins = analyse_check(expr)
        for col, values in found.items():
            allowed.setdefault(col, values)
        for col, bound in mins.items():
            minimum[col] = max(minimum.get(col, 0), bound)
    return allowed, minimum
