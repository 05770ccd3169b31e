"""Expression-level analysis of policy and view SQL with sqlglot.

sqlglot is used only on expressions and queries (not DDL): which tables an expression reads,
comparisons of a column with itself, always-true expressions, bare `auth.uid()` calls.
"""

from __future__ import annotations

import re
from functools import lru_cache

import sqlglot
from sqlglot import exp


@lru_cache(maxsize=4096)
def parse_expression(text: str):
    """The sqlglot tree of `SELECT <text>`'s expression, or None when it does not parse."""
    try:
        tree = sqlglot.parse_one(f"SELECT {text}", read="postgres")
    except Exception:  # sqlglot raises several error types; an unparsable text is skipped
        return None
    return tree.expressions[0] if tree.expressions else None


@lru_cache(maxsize=1024)
def parse_query(text: str):
    """The sqlglot tree of a whole query, or None when it does not parse."""
    try:
        return sqlglot.parse_one(text, read="postgres")
    except Exception:
        return None


def tables_read(tree, default_schema: str = "public") -> set[str]:
    """`schema.table` keys of every table a tree reads (CTE names excluded)."""
    if tree is None:
        return set()
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    out = set()
    for table in tree.find_all(exp.Table):
        if not table.name or table.name in ctes:
            continue
        out.add(f"{table.db or default_schema}.{table.name}")
    return out


def function_calls(tree) -> set[str]:
    """Lower-case names (`schema.name` when qualified) of functions a tree calls."""
    if tree is None:
        return set()
    out = set()
    for node in tree.find_all(exp.Anonymous):
        name = str(node.this).lower()
        parent = node.parent
        if isinstance(parent, exp.Dot) and parent.expression is node:
            out.add(f"{parent.this.name.lower()}.{name}")
        else:
            out.add(name)
    return out


def self_comparisons(tree) -> list[str]:
    """`a = a` comparisons of one column with itself (same name, same or no qualifier)."""
    if tree is None:
        return []
    found = []
    for eq in tree.find_all(exp.EQ):
        left, right = _strip(eq.this), _strip(eq.expression)
        if isinstance(left, exp.Column) and isinstance(right, exp.Column):
            if left.name == right.name and (left.table or "") == (right.table or ""):
                found.append(eq.sql(dialect="postgres"))
    return found


def _strip(node):
    while isinstance(node, (exp.Paren, exp.Cast)):
        node = node.this
    return node


def is_always_true(text: str | None) -> bool:
    """`true`, `(true)`, `1 = 1`, `'a' = 'a'` and the like."""
    if text is None:
        return False
    tree = _strip(parse_expression(text))
    if isinstance(tree, exp.Boolean):
        return bool(tree.this)
    if isinstance(tree, exp.EQ):
        left, right = _strip(tree.this), _strip(tree.expression)
        return isinstance(left, exp.Literal) and left == right
    return False


def bare_uid_calls(tree) -> int:
    """How many `auth.uid()` / `auth.jwt()` calls are not wrapped in their own SELECT."""
    if tree is None:
        return 0
    count = 0
    for node in tree.find_all(exp.Anonymous):
        if str(node.this).lower() not in ("uid", "jwt", "role"):
            continue
        parent = node.parent
        if not (isinstance(parent, exp.Dot) and parent.this.name.lower() == "auth"):
            continue
        select = parent.find_ancestor(exp.Select)
        if select is None or select.find_ancestor(exp.Select) is None and select.parent is None:
            count += 1
    return count


_BODY = re.compile(r"AS\s+(\$[A-Za-z_0-9]*\$)(.*?)\1", re.S | re.I)


def function_body(definition: str) -> str | None:
    """The dollar-quoted body of a CREATE FUNCTION statement."""
    m = _BODY.search(definition or "")
    return m.group(2) if m else None


def mentions_uid(text: str | None) -> bool:
    """True when the SQL filters on the caller (auth.uid(), auth.jwt(), current_user...)."""
    return bool(text and re.search(r"auth\s*\.\s*(uid|jwt)\s*\(|current_user|session_user", text, re.I))
