"""Expression-level analysis of policy and view SQL on PostgreSQL's own parse trees (pglast).

Which tables an expression reads, comparisons of a column with itself, always-true
expressions, bare `auth.uid()` calls, the columns an expression ties to the caller.
Function bodies are read as text: a plpgsql body is not SQL.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pglast import ast
from pglast.enums import A_Expr_Kind, BoolExprType, SQLValueFunctionOp, SubLinkType
from pglast.parser import ParseError, parse_sql

from ..source.relations import query_relations, walk
from ..source.sqltext import to_sql


def _statements(text: str):
    try:
        return tuple(raw.stmt for raw in parse_sql(text))
    except ParseError:
        return None


@lru_cache(maxsize=4096)
def parse_expression(text: str):
    """The tree of a SQL expression, or None when it does not parse. Cached apart from the
    loader's snippet cache, so that lint/gate.py can drop these trees after its check."""
    stmts = _statements(f"SELECT {text}")
    if not stmts or len(stmts) != 1 or not isinstance(stmts[0], ast.SelectStmt) or not stmts[0].targetList:
        return None
    return stmts[0].targetList[0].val


@lru_cache(maxsize=1024)
def parse_query(text: str):
    """The statements (a tuple) of a query or of an SQL function's body, or None when it
    does not parse."""
    return _statements(text)


def tables_read(tree, default_schema: str = "public") -> set[str]:
    """`schema.table` keys of every table a tree reads (CTE names excluded)."""
    return set(query_relations(tree, default_schema)) if tree is not None else set()


def _name(nodes) -> str:
    """A dotted, lower-case name from a tuple of String nodes (a function's name)."""
    return ".".join(n.sval for n in nodes if isinstance(n, ast.String)).lower()


def function_calls(tree) -> set[str]:
    """Lower-case names (`schema.name` when qualified) of functions a tree calls."""
    if tree is None:
        return set()
    return {_name(n.funcname) for n in walk(tree) if isinstance(n, ast.FuncCall)}


def _strip(node):
    while isinstance(node, ast.TypeCast):
        node = node.arg
    return node


def _column(node) -> tuple[str, str] | None:
    """(qualifier or "", name) of a column reference."""
    if not isinstance(node, ast.ColumnRef):
        return None
    fields = node.fields
    name = fields[-1].sval if isinstance(fields[-1], ast.String) else "*"
    table = fields[-2].sval if len(fields) > 1 and isinstance(fields[-2], ast.String) else ""
    return table, name


def _is_op(node, op: str, *kinds: A_Expr_Kind) -> bool:
    """Whether a node is the operator `op` of one of `kinds` (`a = b`: AEXPR_OP)."""
    return (isinstance(node, ast.A_Expr) and node.kind in kinds
            and bool(node.name) and node.name[-1].sval == op)


def self_comparisons(tree) -> list[str]:
    """`a = a` comparisons of one column with itself (same name, same or no qualifier)."""
    if tree is None:
        return []
    found = []
    for node in walk(tree):
        if _is_op(node, "=", A_Expr_Kind.AEXPR_OP):
            left, right = _strip(node.lexpr), _strip(node.rexpr)
            if _column(left) is not None and _column(left) == _column(right):
                found.append(f"{to_sql(left)} = {to_sql(right)}")
    return found


def _literal(node):
    """(kind, text) of a number or string constant, else None (NULL and booleans included)."""
    if isinstance(node, ast.A_Const):
        val = node.val
        if isinstance(val, ast.Integer):
            return "number", str(val.ival)
        if isinstance(val, ast.Float):
            return "number", val.fval
        if isinstance(val, ast.String):
            return "string", val.sval
    return None


def is_always_true(text: str | None) -> bool:
    """`true`, `(true)`, `1 = 1`, `'a' = 'a'` and the like."""
    if text is None:
        return False
    tree = _strip(parse_expression(text))
    if isinstance(tree, ast.A_Const) and isinstance(tree.val, ast.Boolean):
        return bool(tree.val.boolval)
    if _is_op(tree, "=", A_Expr_Kind.AEXPR_OP):
        left = _literal(_strip(tree.lexpr))
        return left is not None and left == _literal(_strip(tree.rexpr))
    return False


def _is_auth_call(node, names: tuple[str, ...]) -> bool:
    """`auth.<name>()` for one of `names`."""
    return (isinstance(node, ast.FuncCall) and len(node.funcname) == 2
            and _name(node.funcname[:1]) == "auth" and _name(node.funcname[1:]) in names)


def bare_uid_calls(tree) -> int:
    """How many `auth.uid()` / `auth.jwt()` calls are evaluated per row: not wrapped in their
    own SELECT, at the top of the expression or inside a correlated subquery (a correlated
    EXISTS runs once per outer row, and the call once per row it scans)."""
    return _per_row_calls(tree, None) if tree is not None else 0


def _per_row_calls(node, select) -> int:
    """bare_uid_calls of the calls whose nearest SELECT is `select` (None: the top of the
    expression), and of the SELECTs under `node`."""
    count = calls = 0
    for item in walk(node, skip=(ast.SelectStmt,)):
        if isinstance(item, ast.SelectStmt) and item is not node:
            count += _per_row_calls(item, item)
        elif _is_auth_call(item, ("uid", "jwt", "role")):
            calls += 1
    if calls and (select is None or (select.fromClause and _correlated(select))):
        count += calls
    return count


_BODY = re.compile(r"AS\s+(\$[A-Za-z_0-9]*\$)(.*?)\1", re.S | re.I)


def function_body(definition: str) -> str | None:
    """The dollar-quoted body of a CREATE FUNCTION statement."""
    m = _BODY.search(definition or "")
    return m.group(2) if m else None


def mentions_uid(text: str | None) -> bool:
    """True when the SQL filters on the caller (auth.uid(), auth.jwt(), current_user...)."""
    return bool(text and re.search(r"auth\s*\.\s*(uid|jwt)\s*\(|current_user|session_user", text, re.I))


def _correlated(select) -> bool:
    """Whether a subquery names a table it does not read itself (the outer row): such a
    subquery is evaluated again for every outer row."""
    own = set()
    for node in walk(select):
        if isinstance(node, ast.RangeVar):
            own.add(node.alias.aliasname if node.alias else node.relname)
        elif isinstance(node, (ast.RangeSubselect, ast.RangeFunction)) and node.alias:
            own.add(node.alias.aliasname)
        elif isinstance(node, ast.CommonTableExpr):
            own.add(node.ctename)
    return any(col[0] and col[0] not in own
               for col in map(_column, walk(select)) if col is not None)


def conjuncts(node):
    """The operands of a top-level AND chain."""
    node = _strip(node)
    if isinstance(node, ast.BoolExpr) and node.boolop == BoolExprType.AND_EXPR:
        for arg in node.args:
            yield from conjuncts(arg)
    elif node is not None:
        yield node


def _atoms(node):
    """The operands of the AND/OR/NOT tree of a boolean expression."""
    node = _strip(node)
    if isinstance(node, ast.BoolExpr):
        for arg in node.args:
            yield from _atoms(arg)
    elif node is not None:
        yield node


def own_columns(node, table: str) -> set[str]:
    """Columns of the policy's own table a node references: unqualified outside subqueries,
    or qualified with the table's name anywhere (an unqualified name inside a subquery
    belongs to the subquery's table)."""
    outside = {col[1] for col in map(_column, walk(node, skip=(ast.SelectStmt,)))
               if col is not None and not col[0]}
    return outside | {col[1] for col in map(_column, walk(node)) if col is not None and col[0] == table}


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


_CALLER_VALUES = (SQLValueFunctionOp.SVFOP_CURRENT_USER, SQLValueFunctionOp.SVFOP_SESSION_USER)


def mentions_caller(node, callers: set[str]) -> bool:
    """Whether a node looks at the caller: auth.uid()/auth.jwt()/current_user, or a call to
    one of `callers`."""
    for item in walk(node):
        if _is_auth_call(item, ("uid", "jwt")):
            return True
        if isinstance(item, ast.SQLValueFunction) and item.op in _CALLER_VALUES:
            return True
        if isinstance(item, ast.FuncCall) and _name(item.funcname) in callers:
            return True
    return False


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
    if isinstance(node, ast.SubLink) and node.subLinkType == SubLinkType.EXPR_SUBLINK:
        select = node.subselect
        if isinstance(select, ast.SelectStmt) and len(select.targetList or ()) == 1 and not select.fromClause:
            node = _strip(select.targetList[0].val)
    return _is_auth_call(node, ("uid",))


def _checks_authenticated(node) -> bool:
    """Whether a comparison names both `auth.role()` and `'authenticated'`."""
    nodes = list(walk(node))
    return (any(_is_auth_call(n, ("role",)) and not n.args for n in nodes)
            and any(isinstance(n, ast.A_Const) and isinstance(n.val, ast.String)
                    and n.val.sval == "authenticated" for n in nodes))


_COMPARED = (SubLinkType.ANY_SUBLINK, SubLinkType.ALL_SUBLINK)


def requires_user(tree, callers: set[str]) -> bool:
    """Whether the expression can only hold for a signed-in caller: one of its AND operands
    compares something with auth.uid() (NULL for anon), checks `auth.role() =
    'authenticated'`, calls a function that looks at the caller, or is an EXISTS/IN
    subquery that does so; an OR needs it on both sides."""
    for node in conjuncts(tree):
        if isinstance(node, ast.BoolExpr) and node.boolop == BoolExprType.OR_EXPR:
            if all(requires_user(arg, callers) for arg in node.args):
                return True
        elif _is_op(node, "=", A_Expr_Kind.AEXPR_OP, A_Expr_Kind.AEXPR_IN,
                    A_Expr_Kind.AEXPR_OP_ANY, A_Expr_Kind.AEXPR_OP_ALL):
            right = node.rexpr if isinstance(node.rexpr, (tuple, list)) else (node.rexpr,)
            if any(s is not None and _is_uid(s) for s in (node.lexpr, *right)):
                return True
            if _checks_authenticated(node):
                return True
        elif isinstance(node, ast.SubLink) and node.subLinkType in _COMPARED and (
                not node.operName or node.operName[-1].sval == "="):
            # `x IN (SELECT ...)` (no operator), `x = ANY (SELECT ...)`, `x = ALL (SELECT ...)`
            if _is_uid(node.testexpr) or _checks_authenticated(node):
                return True
            if not node.operName and _subquery_requires_user(node.subselect, callers):
                return True
        elif isinstance(node, ast.SubLink) and node.subLinkType == SubLinkType.EXISTS_SUBLINK:
            if _subquery_requires_user(node.subselect, callers):
                return True
        elif isinstance(node, ast.FuncCall):
            if function_calls(node) & callers:
                return True
    return False


def _subquery_requires_user(select, callers) -> bool:
    where = select.whereClause if isinstance(select, ast.SelectStmt) else None
    return where is not None and requires_user(where, callers)
