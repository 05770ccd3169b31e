"""Views and materialized views: create, replace when compatible, else drop and re-create."""

from __future__ import annotations

from dataclasses import replace

from pglast import parse_sql
from pglast.ast import ColumnRef, FuncCall, TypeCast

from .changes import Change, CreateIndex, CreateView, DropIndex, DropView, ReplaceView, SetComment
from ..model import Catalog, View
from .access import diff_grants


def view_columns(view: View) -> tuple[str, ...] | None:
    """The output column names of a view's query, or None when they cannot be told.

    Read with PostgreSQL's own parser (pglast). pg_get_viewdef expands `*`, so for an
    inspected view every output column is either aliased or a plain column reference.
    """
    if view.column_names:
        return view.column_names
    try:
        stmt = parse_sql(view.query)[0].stmt
    except Exception:
        return None
    while getattr(stmt, "larg", None) is not None:  # UNION etc.: the left side names columns
        stmt = stmt.larg
    names: list[str] = []
    for target in stmt.targetList or ():
        if target.name:
            names.append(target.name)
            continue
        val = target.val
        while isinstance(val, TypeCast):
            val = val.arg
        if isinstance(val, ColumnRef):
            last = val.fields[-1]
            if not hasattr(last, "sval"):
                return None  # a star that was not expanded
            names.append(last.sval)
        elif isinstance(val, FuncCall):
            names.append(val.funcname[-1].sval)
        else:
            names.append("?column?")
    return tuple(names)


def can_replace(old: View, new: View) -> bool:
    """CREATE OR REPLACE VIEW keeps the old columns in place and may only append new ones.

    Column types cannot be checked from the catalog texts; a changed type makes PostgreSQL
    reject the replace at apply time, inside the transaction, so nothing is left half done.
    """
    if old.materialized or new.materialized:
        return False  # a materialized view has no CREATE OR REPLACE
    if old.check_option and not new.check_option:
        return False
    before, after = view_columns(old), view_columns(new)
    if before is None or after is None:
        return False
    return after[: len(before)] == before


def _body(v: View) -> View:
    return replace(v, comment=None, grants=(), indexes=())


def diff_views(current: Catalog, desired: Catalog) -> list[Change]:
    """View changes; re-creating dependants of a re-created view is the planner's job."""
    old = {v.key: v for v in current.views}
    new = {v.key: v for v in desired.views}
    changes: list[Change] = []
    for key in sorted(old.keys() - new.keys()):
        changes.append(DropView(old[key]))
    for key in sorted(new):
        v, before = new[key], old.get(key)
        if before is not None and _body(before) != _body(v):
            if can_replace(before, v):
                changes.append(ReplaceView(before, v))
            else:
                changes.append(DropView(before, recreated=True))
                before = None
        if before is None:
            # a created view carries its grants, comment and indexes (see the planner)
            changes.append(CreateView(v, recreated=key in old))
            continue
        kind = "materialized view" if v.materialized else "view"
        if v.comment != before.comment:
            changes.append(SetComment(kind, key, v.qualified, v.comment, before.comment, v.origin))
        changes += diff_grants("table", key, v.qualified, before.grants, v.grants, v.origin)
        old_ix = {i.name: i for i in before.indexes}
        new_ix = {i.name: i for i in v.indexes}
        for name in sorted(old_ix.keys() | new_ix.keys()):
            a, b = old_ix.get(name), new_ix.get(name)
            if a is not None and a != b:
                changes.append(DropIndex(v.schema, v.name, a))
            if b is not None and a != b:
                changes.append(CreateIndex(v.schema, v.name, b))
    return changes
