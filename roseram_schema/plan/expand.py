"""Changes the planner adds to what the diff found, so PostgreSQL accepts the order.

PostgreSQL refuses to drop or change the type of a column a view reads, or to change the
type of a column a policy uses ("cannot alter type of a column used in a policy
definition"). So before such a column change, the views that read the table (and the views
that read those, transitively) are dropped and created again afterwards, and the policies
of that table that mention the column are dropped and created again. Both show up in the
plan as changes of their own, with the `recreates_view` hazard for views.
"""

from __future__ import annotations

import re

from ..changes import (
    AlterColumnGenerated,
    AlterColumnType,
    AlterPolicy,
    Change,
    CreateIndex,
    CreatePolicy,
    CreateView,
    DropColumn,
    DropIndex,
    DropPolicy,
    DropTable,
    DropView,
    Grant,
    ReplaceView,
    Revoke,
    SetComment,
)
from ..model import Catalog


def _column_disturbances(changes: list[Change]) -> dict[str, set[str]]:
    """table key -> columns that are dropped, re-typed or re-created."""
    out: dict[str, set[str]] = {}
    for c in changes:
        if isinstance(c, (DropColumn, AlterColumnType)) or (
            isinstance(c, AlterColumnGenerated) and c.column.generated is not None
        ):
            out.setdefault(c.table_key, set()).add(c.column.name)
    return out


def _mentions(text: str | None, names: set[str]) -> bool:
    if not text:
        return False
    return any(re.search(rf'(?<![\w$]){re.escape(n)}(?![\w$])', text) for n in names)


def expand_changes(changes: tuple[Change, ...], current: Catalog, desired: Catalog) -> tuple[Change, ...]:
    """The diff's changes plus the view and policy re-creations PostgreSQL needs."""
    out = list(changes)
    disturbed = _column_disturbances(out)
    out = _recreate_policies(out, disturbed, current, desired)
    out = _recreate_views(out, set(disturbed), current, desired)
    return tuple(out)


def _recreate_policies(out: list[Change], disturbed: dict[str, set[str]], current: Catalog,
                       desired: Catalog) -> list[Change]:
    if not disturbed:
        return out
    handled = {c.key for c in out if isinstance(c, (DropPolicy, CreatePolicy))}
    result: list[Change] = []
    for c in out:
        if isinstance(c, AlterPolicy) and c.table_key in disturbed:
            # ALTER POLICY runs after the column change, too late: drop first, create after
            result += [DropPolicy(c.schema, c.table, c.old), CreatePolicy(c.schema, c.table, c.new)]
            handled.add(c.key)
        else:
            result.append(c)
    for key in sorted(disturbed):
        t_old, t_new = current.table(key), desired.table(key)
        if t_old is None or t_new is None:
            continue
        new_policies = {p.name: p for p in t_new.policies}
        for p in t_old.policies:
            pkey = f"{key}.{p.name}"
            if pkey in handled or p.name not in new_policies:
                continue
            if _mentions(p.using, disturbed[key]) or _mentions(p.with_check, disturbed[key]):
                result += [DropPolicy(t_old.schema, t_old.name, p),
                           CreatePolicy(t_new.schema, t_new.name, new_policies[p.name])]
    return result


def _recreate_views(out: list[Change], disturbed_tables: set[str], current: Catalog,
                    desired: Catalog) -> list[Change]:
    """Drop (and re-create) every view that reads a disturbed table or a dropped view."""
    gone = disturbed_tables | {c.table_key for c in out if isinstance(c, DropTable)}
    dropped = {c.key for c in out if isinstance(c, DropView)}
    to_recreate: set[str] = set()
    changed = True
    while changed:  # transitive: views reading views we drop
        changed = False
        for v in current.views:
            if v.key in dropped:
                continue
            if any(d in gone or d in dropped for d in v.depends_on):
                dropped.add(v.key)
                to_recreate.add(v.key)
                changed = True
    if not to_recreate:
        return out
    # a re-created view carries its grants, comment and indexes; drop the diff's own changes
    # about those views, they are covered by the re-creation
    superseded = (ReplaceView, SetComment, Grant, Revoke, CreateIndex, DropIndex)
    result = [
        c for c in out
        if not (isinstance(c, superseded) and _view_key(c) in to_recreate)
    ]
    for key in sorted(to_recreate):
        old = current.view(key)
        new = desired.view(key)
        if new is None:
            result.append(DropView(old))  # dropped anyway; the diff said so already
            continue
        result.append(DropView(old, recreated=True))
        result.append(CreateView(new, recreated=True))
    # avoid doubles: the diff may have dropped a view the loop also reached
    seen: set[tuple[str, str]] = set()
    unique: list[Change] = []
    for c in result:
        ident = (c.kind, c.key)
        if isinstance(c, (DropView, CreateView)):
            if ident in seen:
                continue
            seen.add(ident)
        unique.append(c)
    return unique


def _view_key(c: Change) -> str | None:
    if isinstance(c, ReplaceView):
        return c.key
    if isinstance(c, (SetComment, Grant, Revoke)):
        return c.object_key
    if isinstance(c, (CreateIndex, DropIndex)):
        return c.table_key
    return None
