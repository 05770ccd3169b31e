"""Each change as the statement(s) that carry it out, with the hazards they carry.

SQL comes from roseram_schema.compile.ddl (plain DDL per object), with IF [NOT] EXISTS wherever
PostgreSQL has it, so a plan re-run after a partial failure outside the transaction (the
CONCURRENTLY part) does not trip over what already exists. Texts are the source's own
(plan/texts.py). Hazards are decided here, from the change, never from the SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import partial

from ..compile import ddl
from ..diff import changes as ch
from ..diff import extrachanges as xch
from ..model import Catalog, CheckConstraint, ForeignKey, Table, View, quote_ident
from .access import access_changes, access_set, policy_commands, roles_of
from .hazards import (
    adds_with_rewrite,
    checks_existing_rows,
    fails_on_existing_rows,
    lock_hazard,
    needs_a_value,
    rows_text,
    type_change_effects,
)
from . import opening
from .model import Hazard
from .sql_extra import comment_on, create_optional_extension, grant_on, revoke_on
from .texts import SourceTexts
from .typesteps import TYPE_STEPS, serial_column


@dataclass(frozen=True)
class Step:
    """One statement of a change, before ordering."""

    sql: str
    transactional: bool = True
    hazards: tuple[Hazard, ...] = ()


@dataclass
class StepContext:
    """What rendering a change needs besides the change itself."""

    texts: SourceTexts
    current: Catalog
    desired: Catalog
    row_estimates: dict[str, int] = field(default_factory=dict)
    online: bool = False
    # built on first use: Catalog.table scans every table, and a plan of many new tables
    # asks for one many times per table (quadratic without this index)
    _tables: dict = field(default_factory=dict, init=False, repr=False)
    _access: dict = field(default_factory=dict, init=False, repr=False)
    _gains: dict = field(default_factory=dict, init=False, repr=False)

    def rows(self, table_key: str) -> int:
        """Estimated rows of a table; a table the estimates do not know is taken as empty."""
        return int(self.row_estimates.get(table_key, 0))

    def current_table(self, key: str) -> Table | None:
        """ctx.current.table(key), from an index."""
        return self._table_index("current", self.current).get(_qualified_key(key))

    def desired_table(self, key: str) -> Table | None:
        """ctx.desired.table(key), from an index."""
        return self._table_index("desired", self.desired).get(_qualified_key(key))

    def _table_index(self, side: str, catalog: Catalog) -> dict:
        index = self._tables.get(side)
        if index is None:
            index = self._tables[side] = {}
            for t in catalog.tables:
                index.setdefault(t.key, t)  # the first, as Catalog.table finds it
        return index

    def access_changes(self, table_key: str) -> tuple[list[str], list[tuple[str, str]]]:
        """access_changes of the table's live and desired versions (once per table: a new
        table asks for each of its grants, policies and RLS switch)."""
        found = self._access.get(table_key)
        if found is None:
            found = self._access[table_key] = access_changes(
                self.current_table(table_key), self.desired_table(table_key), table_key)
        return found

    def access_gains(self, table_key: str) -> set[tuple[str, str]]:
        """The (role, command) pairs the table's desired version gives and its live one does not."""
        found = self._gains.get(table_key)
        if found is None:
            before, after = self.current_table(table_key), self.desired_table(table_key)
            roles = roles_of(before, after)
            found = self._gains[table_key] = access_set(after, roles) - access_set(before, roles)
        return found

    def current_object(self, kind: str, key: str):
        """The live table, view, function, procedure or schema `key`, None when it does not
        exist yet (a grant on it is then part of building it)."""
        if kind == "table":
            return self.current_table(key) or self.current_view(key)
        if kind in ("function", "procedure"):
            return self.current_function(key)
        if kind == "schema":
            return next((s for s in self.current.schemas if s.name == key), None)
        return None

    def current_view(self, key: str) -> View | None:
        """The live view `key`, from an index."""
        return self._index("views", self.current.views).get(_qualified_key(key))

    def current_function(self, key: str):
        """The live function or procedure `key` (schema.name(args)), from an index."""
        return self._index("functions", self.current.functions).get(key)

    def desired_function(self, key: str):
        """The desired function or procedure `key`, from an index."""
        return self._index("desired functions", self.desired.functions).get(key)

    def _index(self, name: str, objects) -> dict:
        index = self._tables.get(name)
        if index is None:
            index = self._tables[name] = {}
            for o in objects:
                index.setdefault(o.key, o)
        return index


def _qualified_key(key: str) -> str:
    return key if "." in key else f"public.{key}"


def _table_ref(schema: str, name: str) -> Table:
    """A Table that only names `schema.name`: all the DDL functions need to address it."""
    return Table(schema=schema, name=name)


def change_steps(change: ch.Change, ctx: StepContext) -> list[Step]:
    """The statements of one change, in the order they must run."""
    handler = _HANDLERS.get(type(change))
    if handler is None:  # pragma: no cover - every change kind has a handler
        raise TypeError(f"no statements for {change.kind}")
    return handler(change, ctx)


# --- schemas, extensions, enums -------------------------------------------------------


def _create_schema(c: ch.CreateSchema, ctx) -> list[Step]:
    return [Step(ddl.create_schema(c.schema, if_not_exists=True))]


def _create_extension(c: ch.CreateExtension, ctx) -> list[Step]:
    ext = ctx.texts.extension(c.extension)
    steps = []
    if ext.schema and ext.schema != "public":
        steps.append(Step(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(ext.schema)}"))
    if ext.optional:
        steps.append(Step(create_optional_extension(ext)))
    else:
        steps.append(Step(ddl.create_extension(ext, if_not_exists=True)))
    return steps


def _create_enum(c: ch.CreateEnum, ctx) -> list[Step]:
    return [Step(ddl.create_enum(c.enum))]


def _add_enum_value(c: ch.AddEnumValue, ctx) -> list[Step]:
    return [Step(ddl.add_enum_value(c.enum, c.value, before=c.before, after=c.after, if_not_exists=True))]


# --- tables and columns ------------------------------------------------------------------


def _create_table(c: ch.CreateTable, ctx) -> list[Step]:
    table = replace(ctx.texts.table(c.definition), foreign_keys=(), indexes=(), partitions=())
    table = replace(table, columns=tuple(serial_column(c.table_key, col, ctx.desired) for col in table.columns))
    return [Step(ddl.create_table(table, if_not_exists=True))]


def _drop_table(c: ch.DropTable, ctx) -> list[Step]:
    rows = ctx.rows(c.table_key)
    hazards = [Hazard("deletes_data", f"drops table {c.table_key} ({rows_text(rows)})")]
    return [Step(ddl.drop_table(c.definition, if_exists=True), hazards=tuple(hazards))]


def _rename_table(c: ch.RenameTable, ctx) -> list[Step]:
    return [Step(ddl.rename_table(_table_ref(c.schema, c.table), old_name=c.old_name))]


def _add_column(c: ch.AddColumn, ctx) -> list[Step]:
    col = serial_column(c.table_key, ctx.texts.column(c.table_key, c.column), ctx.desired)
    hazards: list[Hazard] = []
    rows = ctx.rows(c.table_key)
    # decided on the printed column: a serial's default is there (nextval), as in the database
    if needs_a_value(c.column) and rows > 0:
        hazards.append(fails_on_existing_rows(c.key, c.table_key, rows))
    if adds_with_rewrite(col) and rows > 0:
        hazards.append(Hazard("rewrites_table", f"adding {c.key} writes a value into every row of {c.table_key}"))
        hazards += lock_hazard(c.table_key, rows, f"adding {c.key}")
    return [Step(ddl.add_column(_table_ref(c.schema, c.table), col, if_not_exists=True), hazards=tuple(hazards))]


def _drop_column(c: ch.DropColumn, ctx) -> list[Step]:
    rows = ctx.rows(c.table_key)
    hazards = (Hazard("deletes_data", f"drops column {c.key} and its values ({rows_text(rows)})"),)
    return [Step(ddl.drop_column(_table_ref(c.schema, c.table), c.column, if_exists=True), hazards=hazards)]


def _rename_column(c: ch.RenameColumn, ctx) -> list[Step]:
    return [Step(ddl.rename_column(_table_ref(c.schema, c.table), c.column, old_name=c.old_name))]


def _alter_column_type(c: ch.AlterColumnType, ctx) -> list[Step]:
    rewrites, deletes = type_change_effects(c.old_type, c.column.type)
    rows = ctx.rows(c.table_key)
    hazards: list[Hazard] = []
    if deletes:
        hazards.append(Hazard("deletes_data", f"{c.key} from {c.old_type} to {c.column.type} may cut or "
                                              "reject existing values"))
    if rewrites:
        hazards.append(Hazard("rewrites_table", f"changing the type of {c.key} rewrites {c.table_key} "
                                                f"({rows_text(rows)})"))
        hazards += lock_hazard(c.table_key, rows, f"changing the type of {c.key}")
    # without an implicit cast PostgreSQL needs USING; a plain cast is what it would do anyway
    using = f"{quote_ident(c.column.name)}::{c.column.type}" if rewrites else None
    table = _table_ref(c.schema, c.table)
    steps = [Step(ddl.alter_column_type(table, c.column, using=using), hazards=tuple(hazards))]
    live = ctx.current_table(c.table_key)
    old = live.column(c.column.name) if live else None
    if rewrites and old is not None and old.default is not None and not old.identity:
        # PostgreSQL cannot always cast the old default to the new type ("default for
        # column cannot be cast automatically"): drop it first, set the desired one after
        # (the diff's own AlterColumnDefault does that when the default text changed)
        steps.insert(0, Step(ddl.alter_column_default(table, replace(c.column, default=None))))
        if old.default == c.column.default:
            col = replace(c.column, default=ctx.texts.default(c.table_key, c.column))
            steps.append(Step(ddl.alter_column_default(table, col)))
    return steps


def _alter_column_nullability(c: ch.AlterColumnNullability, ctx) -> list[Step]:
    hazards: list[Hazard] = []
    rows = ctx.rows(c.table_key)
    if not c.column.nullable and rows > 0:
        hazards.append(checks_existing_rows(c.key, c.table_key, rows))
        hazards += lock_hazard(c.table_key, rows, f"SET NOT NULL on {c.key} (scans every row)")
    return [Step(ddl.alter_column_nullability(_table_ref(c.schema, c.table), c.column), hazards=tuple(hazards))]


def _alter_column_default(c: ch.AlterColumnDefault, ctx) -> list[Step]:
    col = replace(c.column, default=ctx.texts.default(c.table_key, c.column) if c.column.default is not None else None)
    return [Step(ddl.alter_column_default(_table_ref(c.schema, c.table), col))]


def _alter_column_identity(c: ch.AlterColumnIdentity, ctx) -> list[Step]:
    return [Step(ddl.alter_column_identity(_table_ref(c.schema, c.table), c.column, previous=c.old_identity))]


def _alter_column_generated(c: ch.AlterColumnGenerated, ctx) -> list[Step]:
    table = _table_ref(c.schema, c.table)
    if c.column.generated is None:
        return [Step(ddl.drop_column_expression(table, c.column))]
    # PostgreSQL 15 cannot change a generation expression: re-create the column; its values
    # are derived from other columns, so nothing is lost, but every row is rewritten
    rows = ctx.rows(c.table_key)
    col = replace(ctx.texts.column(c.table_key, c.column), generated=ctx.texts.generated(c.table_key, c.column))
    hazards = (Hazard("rewrites_table", f"re-creating generated column {c.key} rewrites {c.table_key} "
                                        f"({rows_text(rows)})"), *lock_hazard(c.table_key, rows, f"re-creating {c.key}"))
    return [Step(ddl.drop_column(table, c.column, if_exists=True)),
            Step(ddl.add_column(table, col, if_not_exists=True), hazards=hazards)]


# --- constraints and indexes ---------------------------------------------------------------


def _add_constraint(c: ch.AddConstraint, ctx) -> list[Step]:
    table = _table_ref(c.schema, c.table)
    con = c.constraint
    if isinstance(con, CheckConstraint):
        con = replace(con, expression=ctx.texts.check_expression(c.table_key, con.name, con.expression))
    if c.new_table or not isinstance(con, (CheckConstraint, ForeignKey)):
        hazards: list[Hazard] = []
        if not c.new_table:
            rows = ctx.rows(c.table_key)
            if rows > 0:
                hazards.append(Hazard("builds_index", f"{c.key} builds its index on {c.table_key} ({rows_text(rows)})"))
            hazards += lock_hazard(c.table_key, rows, f"adding {c.key}")
        return [Step(ddl.add_constraint(table, con), hazards=tuple(hazards))]
    # On an existing table: NOT VALID takes only a brief lock and checks new rows from now
    # on; VALIDATE then checks the old rows under a lock that lets reads and writes go on.
    return [Step(ddl.add_constraint(table, con, not_valid=True)),
            Step(ddl.validate_constraint(table, con))]


def _drop_constraint(c: ch.DropConstraint, ctx) -> list[Step]:
    return [Step(ddl.drop_constraint(_table_ref(c.schema, c.table), c.constraint, if_exists=True))]


def _create_index(c: ch.CreateIndex, ctx) -> list[Step]:
    index = ctx.texts.index(c.table_key, c.index)
    table = _table_ref(c.schema, c.table)
    if c.new_table:
        return [Step(ddl.create_index(table, index, if_not_exists=True))]
    rows = ctx.rows(c.table_key)
    # CONCURRENTLY lets writes go on while the index builds, but cannot run in a
    # transaction: it runs after COMMIT. Worth it when there are rows (or when asked).
    concurrently = ctx.online or rows > 0
    what = "concurrently, outside the transaction" if concurrently else "blocking writes while it builds"
    hazards = (Hazard("builds_index", f"builds {c.key} on {c.table_key} ({rows_text(rows)}), {what}"),)
    return [Step(ddl.create_index(table, index, concurrently=concurrently, if_not_exists=True),
                 transactional=not concurrently, hazards=hazards)]


def _drop_index(c: ch.DropIndex, ctx) -> list[Step]:
    return [Step(ddl.drop_index(_table_ref(c.schema, c.table), c.index, if_exists=True))]


# --- row-level security, policies, grants -----------------------------------------------------


def _access_hazards(table_key: str, ctx, relevant=None, fallback: str = "", opens: str = "") -> tuple[Hazard, ...]:
    """changes_access: the table's net gains/losses (those this statement touches). With
    `opens` (the statement may open access on an existing table, see plan/opening.py) the
    gains are opens_access, and `opens` says what opens when no role gains a whole command."""
    messages, pairs = ctx.access_changes(table_key)
    gains = ctx.access_gains(table_key) if opens else set()
    hazards = [Hazard("opens_access" if p in gains else "changes_access", m)
               for m, p in zip(messages, pairs) if relevant is None or relevant(*p)]
    if opens and not any(h.name == "opens_access" for h in hazards):
        hazards.insert(0, Hazard("opens_access", opens))
    elif not hazards and fallback:
        hazards.append(Hazard("changes_access", fallback))
    return tuple(hazards)


def _rls_was_on(table_key: str, ctx) -> bool:
    """True when the table exists and keeps row-level security on: only then can a policy
    change let more rows through (with RLS off every row was reachable already)."""
    before, after = ctx.current_table(table_key), ctx.desired_table(table_key)
    return before is not None and before.rls_enabled and after is not None and after.rls_enabled


def _set_row_security(c: ch.SetRowSecurity, ctx) -> list[Step]:
    table = _table_ref(c.schema, c.table)
    sql = ddl.enable_rls(table) if c.enabled else ddl.disable_rls(table)
    if not c.enabled and ctx.current_table(c.table_key) is not None:
        return [Step(sql, hazards=(Hazard("opens_access", opening.rls_disabled(
            c.table_key, ctx.desired_table(c.table_key))),))]
    fallback = (f"row level security on {c.table_key} {'enabled: only rows a policy allows are visible' if c.enabled else 'disabled: policies no longer apply'}")
    return [Step(sql, hazards=_access_hazards(c.table_key, ctx, fallback=fallback))]


def _set_force_row_security(c: ch.SetForceRowSecurity, ctx) -> list[Step]:
    table = _table_ref(c.schema, c.table)
    sql = ddl.force_rls(table) if c.forced else ddl.no_force_rls(table)
    if not c.forced and ctx.current_table(c.table_key) is not None:
        return [Step(sql, hazards=(Hazard("opens_access", opening.force_removed(c.table_key)),))]
    fallback = f"the owner of {c.table_key} is {'now' if c.forced else 'no longer'} subject to its policies"
    return [Step(sql, hazards=(Hazard("changes_access", fallback),))]


def _policy_relevance(policy):
    cmds = set(policy_commands(policy))
    roles = set(policy.roles)
    return lambda role, cmd: cmd in cmds and ("public" in roles or role in roles)


def _who(policy) -> str:
    return ", ".join(policy.roles) + " " + "/".join(c.upper() for c in policy_commands(policy))


def _create_policy(c: ch.CreatePolicy, ctx) -> list[Step]:
    policy = ctx.texts.policy(c.table_key, c.policy)
    fallback = f"policy {c.policy.name!r} now governs which rows {_who(c.policy)} reaches in {c.table_key}"
    opens = opening.policy_added(c.table_key, policy) if c.policy.permissive and _rls_was_on(c.table_key, ctx) else ""
    hazards = _access_hazards(c.table_key, ctx, _policy_relevance(c.policy), fallback, opens)
    return [Step(ddl.create_policy(_table_ref(c.schema, c.table), policy), hazards=hazards)]


def _alter_policy(c: ch.AlterPolicy, ctx) -> list[Step]:
    policy = ctx.texts.policy(c.table_key, c.new)
    old_rel, new_rel = _policy_relevance(c.old), _policy_relevance(c.new)
    fallback = (f"policy {c.new.name!r} changes ({', '.join(c.changed_parts())}): which rows "
                f"{_who(c.new)} reaches in {c.table_key} changes")
    opens = (opening.policy_altered(c.table_key, c.old, c.new, policy) or "") if _rls_was_on(c.table_key, ctx) else ""
    hazards = _access_hazards(c.table_key, ctx, lambda r, m: old_rel(r, m) or new_rel(r, m), fallback, opens)
    return [Step(ddl.alter_policy(_table_ref(c.schema, c.table), policy), hazards=hazards)]


def _drop_policy(c: ch.DropPolicy, ctx) -> list[Step]:
    fallback = f"policy {c.policy.name!r} no longer lets {_who(c.policy)} reach rows of {c.table_key}"
    opens = (opening.restrictive_dropped(c.table_key, c.policy)
             if not c.policy.permissive and _rls_was_on(c.table_key, ctx) else "")
    hazards = _access_hazards(c.table_key, ctx, _policy_relevance(c.policy), fallback, opens)
    return [Step(ddl.drop_policy(_table_ref(c.schema, c.table), c.policy, if_exists=True), hazards=hazards)]


def _grant_opens(c: ch.Grant, ctx) -> str:
    """opening.granted when `c` gives a client role a privilege on an existing object it
    did not hold there, else ""."""
    if c.grantee not in opening.CLIENT_ROLES:
        return ""
    if c.object_kind == "column":
        return _column_grant_opens(c, ctx)
    live = ctx.current_object(c.object_kind, c.object_key)
    if live is None:
        return ""
    grants = getattr(live, "grants", ())
    # a privilege PUBLIC held there already was the grantee's too
    held = opening.privileges_of(grants, c.grantee) | opening.privileges_of(grants, "public")
    new = tuple(p for p in c.privileges if p not in held)
    if not new:
        return ""
    table = ctx.desired_table(c.object_key) if c.object_kind == "table" else None
    function = ctx.desired_function(c.object_key) if c.object_kind in ("function", "procedure") else None
    kind = "view" if c.object_kind == "table" and table is None else c.object_kind
    return opening.granted(kind, c.object_key, c.grantee, new, table=table, function=function)


def _column_grant_opens(c: ch.Grant, ctx) -> str:
    """opening.granted for column privileges a client role gains on an existing table (one
    it held on the whole table already was the column's too)."""
    head, _, column = c.object_key.rpartition(".")
    while head:
        table = ctx.current_table(head)
        col = table.column(column) if table is not None else None
        if col is not None:
            held = set()
            for who in (c.grantee, "public"):
                held |= opening.privileges_of(table.grants, who) | opening.privileges_of(col.grants, who)
            new = tuple(p for p in c.privileges if p not in held)
            return opening.granted("column", c.object_key, c.grantee, new, table=ctx.desired_table(head)) if new else ""
        head, _, more = head.rpartition(".")
        column = f"{more}.{column}"
    return ""


def _grant(c: ch.Grant, ctx) -> list[Step]:
    hazards: tuple[Hazard, ...] = ()
    privs = set(c.privileges)
    opens = _grant_opens(c, ctx)
    if c.object_kind == "table" and ctx.desired_table(c.object_key) is not None:
        fallback = f"{c.grantee} is granted {', '.join(p.upper() for p in c.privileges)} on {c.object_key}"
        hazards = _access_hazards(c.object_key, ctx,
                                  lambda r, m: (r == c.grantee or c.grantee == "public") and (m in privs or "all" in privs),
                                  fallback, opens)
    elif opens:
        hazards = (Hazard("opens_access", opens),)
    elif c.object_kind in ("table", "function", "procedure", "schema", "column"):
        hazards = (Hazard("changes_access", f"{c.grantee} is granted {', '.join(p.upper() for p in c.privileges)} "
                                            f"on {c.object_kind} {c.object_key}"),)
    return [Step(grant_on(c.object_kind, c.target, c.grantee, c.privileges), hazards=hazards)]


def _revoke(c: ch.Revoke, ctx) -> list[Step]:
    privs = set(c.privileges)
    fallback = f"{c.grantee} loses {', '.join(p.upper() for p in c.privileges)} on {c.object_kind} {c.object_key}"
    if c.object_kind == "table" and ctx.current_table(c.object_key) is not None:
        hazards = _access_hazards(c.object_key, ctx,
                                  lambda r, m: (r == c.grantee or c.grantee == "public") and (m in privs or "all" in privs),
                                  fallback)
    else:
        hazards = (Hazard("changes_access", fallback),)
    return [Step(revoke_on(c.object_kind, c.target, c.grantee, c.privileges), hazards=hazards)]


# --- views, functions, triggers ---------------------------------------------------------------


def _view_extras(view: View, ctx, old: View | None = None) -> list[Step]:
    """What a created view carries: comment, grants, indexes (materialized). `old` is the
    live view it re-creates: a client role it grants more than `old` did gains access."""
    steps: list[Step] = []
    for ix in view.indexes:
        steps.append(Step(ddl.create_index(view, ctx.texts.index(view.key, ix), if_not_exists=True)))
    if view.comment is not None:
        steps.append(Step(ddl.comment_on_view(view)))
    for g in view.grants:
        hazards: tuple[Hazard, ...] = ()
        held = opening.privileges_of(old.grants, g.grantee) | opening.privileges_of(old.grants, "public") if old else set()
        new = tuple(p for p in g.privileges if p not in held) if old else ()
        if new and g.grantee in opening.CLIENT_ROLES:
            hazards = (Hazard("opens_access", opening.granted("view", view.key, g.grantee, new)),)
        steps.append(Step(grant_on("table", view.qualified, g.grantee, g.privileges), hazards=hazards))
    return steps


def _view_access(old: View | None, new: View) -> tuple[Hazard, ...]:
    """changes_access when a view starts or stops running with the caller's rights."""
    if old is None or old.security_invoker == new.security_invoker:
        return ()
    if new.security_invoker:
        text = f"{new.key} now runs with the caller's rights (security_invoker): RLS of its tables applies"
        return (Hazard("changes_access", text),)
    return (Hazard("opens_access", opening.view_not_invoker(new)),)


def _create_view(c: ch.CreateView, ctx) -> list[Step]:
    view = ctx.texts.view(c.view)
    hazards: tuple[Hazard, ...] = ()
    old = ctx.current_view(c.key) if c.recreated else None
    if c.recreated:
        hazards = (Hazard("recreates_view", f"{c.key} is created again with its grants and comment"),)
        hazards += _view_access(old, c.view)
    return [Step(ddl.create_view(view), hazards=hazards), *_view_extras(view, ctx, old)]


def _replace_view(c: ch.ReplaceView, ctx) -> list[Step]:
    return [Step(ddl.create_view(ctx.texts.view(c.new), or_replace=True), hazards=_view_access(c.old, c.new))]


def _drop_view(c: ch.DropView, ctx) -> list[Step]:
    hazards = ()
    if c.recreated:
        hazards = (Hazard("recreates_view", f"{c.key} is dropped and created again: "
                                            "queries using it fail until the transaction commits"),)
    return [Step(ddl.drop_view(c.view, if_exists=True), hazards=hazards)]


def _definer_hazards(old, new) -> tuple[Hazard, ...]:
    """opens_access when an existing function becomes SECURITY DEFINER callable by anon/PUBLIC
    (a re-created one gets EXECUTE for PUBLIC back by default unless the plan revokes it)."""
    if old is None:
        return ()
    text = opening.definer_opened(old, new)
    return (Hazard("opens_access", text),) if text else ()


def _create_function(c: ch.CreateFunction, ctx) -> list[Step]:
    hazards = _definer_hazards(ctx.current_function(c.key), c.function)
    return [Step(ddl.create_function(ctx.texts.function(c.function)), hazards=hazards)]


def _replace_function(c: ch.ReplaceFunction, ctx) -> list[Step]:
    return [Step(ddl.create_function(ctx.texts.function(c.new)), hazards=_definer_hazards(c.old, c.new))]


def _drop_function(c: ch.DropFunction, ctx) -> list[Step]:
    return [Step(ddl.drop_function(c.function, if_exists=True))]


def _create_trigger(c: ch.CreateTrigger, ctx) -> list[Step]:
    steps = [Step(ddl.create_trigger(ctx.texts.trigger(c.trigger)))]
    if not c.trigger.enabled:
        steps.append(Step(ddl.set_trigger_enabled(c.trigger)))
    return steps


def _drop_trigger(c: ch.DropTrigger, ctx) -> list[Step]:
    return [Step(ddl.drop_trigger(c.trigger, if_exists=True))]


# --- comments, partitions ------------------------------------------------------------------------


def _set_comment(c: ch.SetComment, ctx) -> list[Step]:
    return [Step(comment_on(c.object_kind, c.target, c.comment))]


def _create_partition(c: ch.CreatePartition, ctx) -> list[Step]:
    return [Step(ddl.create_partition(_table_ref(c.schema, c.table), c.partition, if_not_exists=True))]


def _drop_partition(c: ch.DropPartition, ctx) -> list[Step]:
    rows_key = f"{c.schema}.{c.partition.name}"
    hazards = (Hazard("deletes_data", f"drops partition {rows_key} of {c.table_key} and its rows"),)
    return [Step(ddl.drop_partition(_table_ref(c.schema, c.table), c.partition, if_exists=True), hazards=hazards)]


def _set_replica_identity(c: xch.SetReplicaIdentity, ctx) -> list[Step]:
    return [Step(ddl.set_replica_identity(_table_ref(c.schema, c.table), c.identity))]


def _create_publication(c: xch.CreatePublication, ctx) -> list[Step]:
    return [Step(ddl.create_publication(c.publication))]


def _drop_publication(c: xch.DropPublication, ctx) -> list[Step]:
    return [Step(ddl.drop_publication(c.publication, if_exists=True))]


def _alter_publication_options(c: xch.AlterPublicationOptions, ctx) -> list[Step]:
    return [Step(ddl.alter_publication_options(c.publication))]


def _add_publication_table(c: xch.AddPublicationTable, ctx) -> list[Step]:
    return [Step(ddl.add_publication_table(c.publication, c.table_key))]


def _drop_publication_table(c: xch.DropPublicationTable, ctx) -> list[Step]:
    return [Step(ddl.drop_publication_table(c.publication, c.table_key))]


_HANDLERS = {
    xch.SetReplicaIdentity: _set_replica_identity,
    xch.CreatePublication: _create_publication,
    xch.DropPublication: _drop_publication,
    xch.AlterPublicationOptions: _alter_publication_options,
    xch.AddPublicationTable: _add_publication_table,
    xch.DropPublicationTable: _drop_publication_table,
    ch.CreateSchema: _create_schema,
    ch.CreateExtension: _create_extension,
    ch.CreateEnum: _create_enum,
    ch.AddEnumValue: _add_enum_value,
    ch.CreateTable: _create_table,
    ch.DropTable: _drop_table,
    ch.RenameTable: _rename_table,
    ch.AddColumn: _add_column,
    ch.DropColumn: _drop_column,
    ch.RenameColumn: _rename_column,
    ch.AlterColumnType: _alter_column_type,
    ch.AlterColumnNullability: _alter_column_nullability,
    ch.AlterColumnDefault: _alter_column_default,
    ch.AlterColumnIdentity: _alter_column_identity,
    ch.AlterColumnGenerated: _alter_column_generated,
    ch.AddConstraint: _add_constraint,
    ch.DropConstraint: _drop_constraint,
    ch.CreateIndex: _create_index,
    ch.DropIndex: _drop_index,
    ch.SetRowSecurity: _set_row_security,
    ch.SetForceRowSecurity: _set_force_row_security,
    ch.CreatePolicy: _create_policy,
    ch.AlterPolicy: _alter_policy,
    ch.DropPolicy: _drop_policy,
    ch.Grant: _grant,
    ch.Revoke: _revoke,
    ch.CreateView: _create_view,
    ch.ReplaceView: _replace_view,
    ch.DropView: _drop_view,
    ch.CreateFunction: _create_function,
    ch.ReplaceFunction: _replace_function,
    ch.DropFunction: _drop_function,
    ch.CreateTrigger: _create_trigger,
    ch.DropTrigger: _drop_trigger,
    ch.SetComment: _set_comment,
    ch.CreatePartition: _create_partition,
    ch.DropPartition: _drop_partition,
}


def _type_steps(handler, change, ctx) -> list[Step]:
    return [Step(sql, hazards=hazards) for sql, hazards in handler(change, ctx)]


# domains, composite types, sequences (plan/typesteps.py)
_HANDLERS.update({kind: partial(_type_steps, handler) for kind, handler in TYPE_STEPS.items()})
