"""Changes the planner adds to what the diff found, so PostgreSQL accepts the order.

PostgreSQL refuses to drop or change the type of a column a view reads, or to change the
type of a column a policy uses ("cannot alter type of a column used in a policy
definition"). So before such a column change, the views that read that column (and the
views that read those, transitively) are dropped and created again afterwards, and the
policies of that table that mention the column are dropped and created again. Both show up
in the plan as changes of their own, with the `recreates_view` hazard for views.

PostgreSQL tracks view dependencies per column (pg_depend.refobjsubid), so a view that
reads other columns of the table (or only counts its rows) does not stand in the way and
is left alone. Which columns a view reads comes from its printed query (pg_get_viewdef
qualifies every column with its relation, and `*` is already expanded there); whenever the
query says less than that (a whole-row reference, NATURAL JOIN, an alias we cannot place,
a query that does not parse) the view counts as reading every column.
"""

from __future__ import annotations

import re

from pglast import ast, parse_sql
from pglast.visitors import Visitor

from ..diff.changes import (
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
from ..model import Catalog, View


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
    out = _recreate_views(out, disturbed, current, desired)
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


def _recreate_views(out: list[Change], disturbed: dict[str, set[str]], current: Catalog,
                    desired: Catalog) -> list[Change]:
    """Drop (and re-create) every view that reads a disturbed column, a dropped table or a
    dropped view."""
    gone = {c.table_key for c in out if isinstance(c, DropTable)}
    dropped = {c.key for c in out if isinstance(c, DropView)}
    to_recreate: set[str] = set()

    def reads_disturbed(v: View) -> bool:
        touched = [d for d in v.depends_on if d in disturbed]
        if not touched:
            return False
        reads = view_column_reads(v)
        return any(reads.get(d) is None or reads[d] & disturbed[d] for d in touched)

    changed = True
    while changed:  # transitive: views reading views we drop
        changed = False
        for v in current.views:
            if v.key in dropped:
                continue
            if any(d in gone or d in dropped for d in v.depends_on) or reads_disturbed(v):
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


def view_column_reads(view: View) -> dict[str, set[str] | None]:
    """{relation key: column names the view's query may read} for every relation in
    `view.depends_on`; None where it may read every column (see the module docstring).

    Over-approximates: an unqualified name counts for every relation of the query. Built
    for pg_get_viewdef output, which qualifies columns and expands `*`.
    """
    everything: dict[str, set[str] | None] = {d: None for d in view.depends_on}
    try:
        statements = parse_sql(view.query)
    except Exception:  # pglast raises its own ParseError; any failure means "unsure"
        return everything
    if len(statements) != 1:
        return everything
    found = _ColumnReads(view.depends_on)
    found(statements[0].stmt)
    if found.unsure:
        return everything
    reads: dict[str, set[str] | None] = {}
    for key in view.depends_on:
        if key not in found.relations or key in found.whole:
            reads[key] = None  # read some way the query text does not show, or as whole rows
        else:
            reads[key] = found.columns.get(key, set()) | found.unqualified
    return reads


class _ColumnReads(Visitor):
    """Collects relations (by alias), qualified column references, unqualified names."""

    def __init__(self, depends_on: tuple[str, ...]):
        super().__init__()
        self.depends_on = depends_on
        self.aliases: dict[str, set[str]] = {}  # alias -> relation keys
        self.other_aliases: set[str] = set()  # CTEs, subqueries, functions: read elsewhere
        self.join_aliases: set[str] = set()
        self.refs: list[tuple[str, ...]] = []
        self.unsure = False
        # filled by __call__'s end
        self.relations: set[str] = set()
        self.columns: dict[str, set[str]] = {}
        self.unqualified: set[str] = set()
        self.whole: set[str] = set()

    def __call__(self, node):
        super().__call__(node)
        self._resolve()
        return self

    def visit_RangeVar(self, ancestors, node: ast.RangeVar):
        if node.schemaname:
            keys = {f"{node.schemaname}.{node.relname}"}
        else:  # a CTE, or a relation the printer left unqualified: every match, to be safe
            keys = {d for d in self.depends_on if d.rpartition(".")[2] == node.relname}
        alias = node.alias.aliasname if node.alias else node.relname
        self.aliases.setdefault(alias, set()).update(keys)
        self.relations |= keys

    def visit_CommonTableExpr(self, ancestors, node: ast.CommonTableExpr):
        self.other_aliases.add(node.ctename)

    def visit_RangeSubselect(self, ancestors, node: ast.RangeSubselect):
        if node.alias:
            self.other_aliases.add(node.alias.aliasname)

    def visit_RangeFunction(self, ancestors, node: ast.RangeFunction):
        if node.alias:
            self.other_aliases.add(node.alias.aliasname)

    def visit_JoinExpr(self, ancestors, node: ast.JoinExpr):
        if node.isNatural:
            self.unsure = True  # the joined columns are not written anywhere
        for name in node.usingClause or ():
            self.refs.append((name.sval,))
        if node.alias:
            self.join_aliases.add(node.alias.aliasname)

    def visit_ColumnRef(self, ancestors, node: ast.ColumnRef):
        parts = tuple(f.sval if isinstance(f, ast.String) else "*" for f in node.fields)
        self.refs.append(parts)

    def _resolve(self) -> None:
        every = set(self.relations)
        for parts in self.refs:
            if len(parts) == 1:
                name = parts[0]
                if name == "*":
                    self.whole |= every
                elif name in self.aliases:  # f(t): the whole row of t
                    self.whole |= self.aliases[name]
                else:
                    self.unqualified.add(name)
                continue
            qualifier, column = parts[-2], parts[-1]
            if qualifier in self.aliases:
                targets = self.aliases[qualifier]
            elif qualifier in self.other_aliases and qualifier not in self.join_aliases:
                continue  # a CTE or subquery column: what it reads is collected inside it
            else:
                targets = every  # a join alias, or a name we cannot place
            if column == "*":
                self.whole |= targets
            else:
                for key in targets:
                    self.columns.setdefault(key, set()).add(column)
