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
    """How many `auth.uid()` / `auth.jwt()` calls are evaluated per row: not wrapped in their
    own SELECT, at the top of the expression or inside a correlated subquery (a correlated
    EXISTS runs once per outer row, and the call once per row it scans)."""
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
        elif _select_from(select) is not None and _correlated(select):
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


def _select_from(select) -> object:
    return select.args.get("from_") or select.args.get("from")


def _correlated(select) -> bool:
    """Whether a subquery names a table it does not read itself (the outer row): such a
    subquery is evaluated again for every outer row."""
    own = {t.alias_or_name for t in select.find_all(exp.Table)}
    own |= {s.alias for s in select.find_all(exp.Subquery) if s.alias}
    own |= {c.alias_or_name for c in select.find_all(exp.CTE)}
    return any(c.table and c.table not in own for c in select.find_all(exp.Column))


def conjuncts(node):
    """The operands of a top-level AND chain (parentheses removed)."""
    node = _strip(node)
    if isinstance(node, exp.And):
        yield from conjuncts(node.this)
        yield from conjuncts(node.expression)
    elif node is not None:
        yield node


def _atoms(node):
    """The operands of the AND/OR/NOT tree of a boolean expression."""
    node = _strip(node)
    if isinstance(node, (exp.And, exp.Or)):
        yield from _atoms(node.this)
        yield from _atoms(node.expression)
    elif isinstance(node, exp.Not):
        yield from _atoms(node.this)
    elif node is not None:
        yield node


def _in_subquery(node, root) -> bool:
    parent = node.parent
    while parent is not None and parent is not root:
        if isinstance(parent, exp.Select):
            return True
        parent = parent.parent
    return False


def own_columns(node, table: str) -> set[str]:
    """Columns of the policy's own table a node references: unqualified outside subqueries,
    or qualified with the table's name anywhere (an unqualified name inside a subquery
    belongs to the subquery's table)."""
    out = set()
    for col in node.find_all(exp.Column):
        if col.table == table or (not col.table and not _in_subquery(col, node)):
            out.add(col.name)
    return out


def caller_functions(functions) -> set[str]:
    """Lower-case names (`name` and `schema.name`) of functions whose body looks at the
    caller (auth.uid(), auth.jwt(), current_user), directly or through another such function."""
    bodies = {f: function_body(f.definition) or "" for f in functions}
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for f, body in bodies.items():
            names = {f.name.lower(), f"{f.schema}.{f.name}".lower()}
            if names <= found:
                continue
            if mentions_uid(body) or any(re.search(rf"\b{re.escape(n)}\s*\(", body, re.I)
                                         for n in found if "." not in n):
                found |= names
                changed = True
    return found


def mentions_caller(node, callers: set[str]) -> bool:
    """Whether a node looks at the caller: auth.uid()/auth.jwt()/current_user, or a call to
    one of `callers`."""
    return mentions_uid(node.sql(dialect="postgres")) or bool(function_calls(node) & callers)


def tied_columns(tree, table: str, callers: set[str]) -> set[str]:
    """Columns of the policy's table that the expression ties to the caller: each operand of
    its AND/OR tree that references the column and also looks at the caller
    (`user_id = auth.uid()`, `has_org_role(organization_id, ...)`, a correlated EXISTS)."""
    out: set[str] = set()
    for atom in _atoms(tree):
        if mentions_caller(atom, callers):
            out |= own_columns(atom, table)
    return out


def _is_uid(node) -> bool:
    """`auth.uid()` or `(select auth.uid())`."""
    node = _strip(node)
    if isinstance(node, exp.Subquery):
        node = node.this
        if isinstance(node, exp.Select) and len(node.expressions) == 1 and _select_from(node) is None:
            node = _strip(node.expressions[0])
            if isinstance(node, exp.Alias):  # PostgreSQL prints `( SELECT auth.uid() AS uid)`
                node = _strip(node.this)
    return (isinstance(node, exp.Dot) and isinstance(node.expression, exp.Anonymous)
            and node.this.name.lower() == "auth" and str(node.expression.this).lower() == "uid")


def requires_user(tree, callers: set[str]) -> bool:
    """Whether the expression can only hold for a signed-in caller: one of its AND operands
    compares something with auth.uid() (NULL for anon), checks `auth.role() =
    'authenticated'`, calls a function that looks at the caller, or is an EXISTS/IN
    subquery that does so; an OR needs it on both sides."""
    for node in conjuncts(tree):
        if isinstance(node, exp.Or):
            if requires_user(node.this, callers) and requires_user(node.expression, callers):
                return True
        elif isinstance(node, (exp.EQ, exp.In)):
            sides = [node.this, node.args.get("expression"), *node.args.get("expressions", ())]
            if any(s is not None and _is_uid(s) for s in sides):
                return True
            if "auth.role()" in node.sql(dialect="postgres").lower().replace(" ", "") \
                    and "'authenticated'" in node.sql(dialect="postgres"):
                return True
            query = node.args.get("query")
            if query is not None and _subquery_requires_user(query, callers):
                return True
        elif isinstance(node, exp.Exists):
            if _subquery_requires_user(node.this, callers):
                return True
        elif isinstance(node, exp.Anonymous) or isinstance(node, exp.Dot):
            if function_calls(node) & callers:
                return True
    return False


def _subquery_requires_user(query, callers) -> bool:
    select = query.this if isinstance(query, exp.Subquery) else query
    where = select.args.get("where") if isinstance(select, exp.Select) else None
    return where is not None and requires_user(where.this, callers)
