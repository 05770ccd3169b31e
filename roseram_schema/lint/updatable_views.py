"""Writes through updatable views (docs/verify.md "Leaks", `view-write-through`).

PostgreSQL makes a simple view (one table in FROM, no DISTINCT, GROUP BY, set operation,
LIMIT or aggregate) updatable by itself. Without `security_invoker`, INSERT, UPDATE and
DELETE through it check the base table's RLS as the view's owner, who owns the table (and so
skips its policies): an API role holding a write privilege on the view writes any row, and
Supabase's default privileges grant ALL on every new view to anon and authenticated.
"""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast
from pglast.enums import SetOperation

from ..model import Catalog, Table, View
from ..platform import is_platform_schema
from ..source.relations import walk
from . import sqlrefs
from .findings import Finding
from .leaks import CLIENT_ROLES, exposed_schemas

WRITES = ("insert", "update", "delete")
# aggregates, window and set-returning functions PostgreSQL's own catalog ships that views
# commonly use; one in the select list makes the view read-only
_AGGREGATES = {"count", "sum", "avg", "min", "max", "array_agg", "string_agg", "json_agg", "jsonb_agg",
               "json_object_agg", "jsonb_object_agg", "bool_and", "bool_or", "every", "bit_and",
               "bit_or", "xmlagg", "row_number", "rank", "dense_rank", "lag", "lead", "ntile",
               "first_value", "last_value", "percent_rank", "cume_dist", "stddev", "variance",
               "unnest", "generate_series", "generate_subscripts", "json_array_elements",
               "json_array_elements_text", "jsonb_array_elements", "jsonb_array_elements_text",
               "json_each", "json_each_text", "jsonb_each", "jsonb_each_text", "json_object_keys",
               "jsonb_object_keys", "regexp_matches", "regexp_split_to_table", "string_to_table"}


@dataclass(frozen=True)
class UpdatableView:
    """A view PostgreSQL updates by itself: its base table, base column -> view column for
    the plain column references of its select list, and its WHERE (None when it has none)."""

    view: View
    base: Table
    columns: dict
    where: object


def _aggregating(node) -> bool:
    """An aggregate, window or set-returning call outside subqueries (a scalar subquery only makes its own
    column read-only)."""
    return any(isinstance(item, ast.FuncCall) and (
        item.over is not None or item.agg_star or item.agg_distinct
        or item.funcname[-1].sval.lower() in _AGGREGATES)
        for item in walk(node, skip=(ast.SelectStmt,)))


def updatable_view(view: View, catalog: Catalog) -> UpdatableView | None:
    """The view as PostgreSQL's automatic update sees it, or None when it is not updatable
    that way (materialized, a join, DISTINCT, GROUP BY, an aggregate...) or its FROM is not a
    table of the catalog (a view on a view is not followed)."""
    if view.materialized:
        return None
    stmts = sqlrefs.parse_query(view.query) or ()
    if len(stmts) != 1 or not isinstance(stmts[0], ast.SelectStmt):
        return None
    s = stmts[0]
    if s.op != SetOperation.SETOP_NONE or s.withClause or s.distinctClause \
            or s.groupClause or s.havingClause or s.limitCount or s.limitOffset or s.windowClause \
            or s.valuesLists or not s.fromClause or len(s.fromClause) != 1:
        return None
    item = s.fromClause[0]
    if not isinstance(item, ast.RangeVar):
        return None
    base = catalog.table(f"{item.schemaname or view.schema}.{item.relname}")
    if base is None:
        return None
    if any(_aggregating(t) for t in s.targetList or ()):
        return None
    columns: dict[str, str] = {}
    names = list(view.column_names)
    for i, target in enumerate(s.targetList or ()):
        val = target.val if isinstance(target, ast.ResTarget) else None
        col = sqlrefs._column(val) if val is not None else None
        if col is None:
            continue
        if col[1] == "*":
            for c in base.columns:
                columns.setdefault(c.name, c.name)
            continue
        if base.column(col[1]) is None:
            continue
        columns.setdefault(col[1], names[i] if i < len(names) else (target.name or col[1]))
    return UpdatableView(view, base, columns, s.whereClause)


def _writers(view: View) -> dict[str, list[str]]:
    """write command -> API roles holding it on the view; no grant recorded at all counts as
    Supabase's default privileges (ALL to anon and authenticated)."""
    if not view.grants:
        return {cmd: ["anon", "authenticated"] for cmd in WRITES}
    out: dict[str, list[str]] = {}
    for cmd in WRITES:
        roles = sorted({g.grantee for g in view.grants if g.grantee in CLIENT_ROLES and cmd in g.privileges})
        if roles:
            out[cmd] = roles
    return out


def write_through_views(catalog: Catalog, spec) -> list[tuple[UpdatableView, dict[str, list[str]]]]:
    """(view, write command -> API roles) of every view of an API schema that writes into an
    RLS table with its owner's rights: updatable by PostgreSQL itself (no INSTEAD OF
    trigger), no security_invoker, the base table's RLS enabled and not forced (FORCE
    applies it to the owner too)."""
    exposed = exposed_schemas(spec)
    # an INSTEAD OF trigger replaces the automatic update: its function decides what is written
    triggered = {(t.schema, t.table) for t in catalog.triggers}
    out = []
    for v in catalog.views:
        if v.schema not in exposed or is_platform_schema(v.schema) or v.security_invoker:
            continue
        if (v.schema, v.name) in triggered:
            continue
        writers = _writers(v)
        if not writers:
            continue
        found = updatable_view(v, catalog)
        if found is None or not found.base.rls_enabled or found.base.rls_forced:
            continue
        out.append((found, writers))
    return out


def view_write_through(catalog, spec, anchors):
    """view-write-through: an API role may INSERT, UPDATE or DELETE through a view that
    PostgreSQL updates by itself, without security_invoker, over an RLS table: the write
    skips the table's policies. An error, unless the view's WHERE only lets the caller's rows
    through and (for INSERT and UPDATE) WITH CHECK OPTION holds new rows to it: a warning then
    (the view's WHERE is the only policy; verify writes through it)."""
    callers = sqlrefs.caller_functions(catalog.functions)
    for found, writers in write_through_views(catalog, spec):
        v = found.view
        filtered = found.where is not None and sqlrefs.requires_user(found.where, callers)
        checked = v.check_option is not None
        open_cmds = [cmd for cmd in WRITES if cmd in writers
                     and not (filtered and (cmd == "delete" or checked))]
        roles = sorted({r for rs in writers.values() for r in rs})
        where = f"{v.origin} ({v.key})" if v.origin else v.key
        cmds = ", ".join(c.upper() for c in (open_cmds or [c for c in WRITES if c in writers]))
        if open_cmds:
            why = ("its WHERE filters on the caller but without WITH CHECK OPTION an "
                   f"{'INSERT' if 'insert' in open_cmds else 'UPDATE'} places rows anywhere"
                   if filtered else "any row of the table can be written")
            yield Finding(where, "view-write-through", "error",
                          f"{', '.join(roles)} may {cmds} through view {v.key}, which PostgreSQL updates "
                          f"itself with its owner's rights: the policies of {found.base.key} are skipped, "
                          + why,
                          f"ALTER VIEW {v.key} SET (security_invoker = true) (`-- security_invoker: true`), "
                          f"or REVOKE INSERT, UPDATE, DELETE ON {v.key} FROM anon, authenticated")
        else:
            yield Finding(where, "view-write-through", "warning",
                          f"{', '.join(roles)} may {cmds} through view {v.key} with its owner's rights "
                          f"(the policies of {found.base.key} are skipped); its WHERE filters on the caller "
                          "and WITH CHECK OPTION holds new rows to it: check that filter",
                          f"ALTER VIEW {v.key} SET (security_invoker = true)")
