"""Typed changes: what has to happen to turn one catalog into another, as pure data.

`diff_catalogs` (diff/) produces them, the planner (plan/) turns them into ordered SQL
statements with hazards, and `render_drift` reports them. A change names its object by a
stable `key` ("schema.table.column", "schema.view", "schema.f(uuid)"...) and carries the
model objects it needs, so rendering it never has to look anything up again.

Names follow VerbKind. Every class is a frozen dataclass, so changes compare and hash.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Origin
from ..model import (
    CheckConstraint,
    Column,
    Enum,
    ExclusionConstraint,
    Extension,
    ForeignKey,
    Function,
    Index,
    Partition,
    Policy,
    PrimaryKey,
    Schema,
    Table,
    Trigger,
    UniqueConstraint,
    View,
    qualify,
)

Constraint = PrimaryKey | UniqueConstraint | CheckConstraint | ForeignKey | ExclusionConstraint


def constraint_kind(c: Constraint) -> str:
    """"primary key", "unique", "check", "foreign key" or "exclusion"."""
    if isinstance(c, ExclusionConstraint):
        return "exclusion"
    if isinstance(c, PrimaryKey):
        return "primary key"
    if isinstance(c, UniqueConstraint):
        return "unique"
    if isinstance(c, CheckConstraint):
        return "check"
    return "foreign key"


class Change:
    """Base class of every change. Subclasses are frozen dataclasses."""

    @property
    def kind(self) -> str:
        """The class name, e.g. "CreatePolicy"."""
        return type(self).__name__

    @property
    def key(self) -> str:
        """The object this change is about, as a stable dotted key."""
        raise NotImplementedError

    @property
    def table_key(self) -> str | None:
        """"schema.table" for changes to a table or something inside it, else None."""
        return None

    @property
    def origin(self) -> Origin | None:
        """Where the desired object was declared, when known."""
        return None

    def describe(self) -> str:
        """One line for humans: what the change does."""
        return f"{self.kind} {self.key}"


class _TableChange(Change):
    """A change to a table or an object that lives inside one (needs `schema`, `table`)."""

    schema: str
    table: str

    @property
    def table_key(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def qualified_table(self) -> str:
        """The table's SQL name."""
        return qualify(self.schema, self.table)


# --- schemas, extensions, enums --------------------------------------------------------


@dataclass(frozen=True)
class CreateSchema(Change):
    """CREATE SCHEMA (schemas are never dropped: they may hold objects we do not manage)."""

    schema: Schema

    @property
    def key(self) -> str:
        return self.schema.name

    @property
    def origin(self) -> Origin | None:
        return self.schema.origin

    def describe(self) -> str:
        return f"create schema {self.schema.name}"


@dataclass(frozen=True)
class CreateExtension(Change):
    """CREATE EXTENSION (extensions are never dropped)."""

    extension: Extension

    @property
    def key(self) -> str:
        return self.extension.name

    @property
    def origin(self) -> Origin | None:
        return self.extension.origin

    def describe(self) -> str:
        return f"create extension {self.extension.name}"


@dataclass(frozen=True)
class CreateEnum(Change):
    """CREATE TYPE ... AS ENUM."""

    enum: Enum

    @property
    def key(self) -> str:
        return self.enum.key

    @property
    def origin(self) -> Origin | None:
        return self.enum.origin

    def describe(self) -> str:
        return f"create enum {self.enum.key} ({', '.join(self.enum.values)})"


@dataclass(frozen=True)
class AddEnumValue(Change):
    """ALTER TYPE ... ADD VALUE, placed after `after` (None: before the first value)."""

    enum: Enum
    value: str
    after: str | None = None
    before: str | None = None

    @property
    def key(self) -> str:
        return f"{self.enum.key}.{self.value}"

    @property
    def origin(self) -> Origin | None:
        return self.enum.origin

    def describe(self) -> str:
        return f"add value {self.value!r} to enum {self.enum.key}"


# --- tables and columns ----------------------------------------------------------------


@dataclass(frozen=True)
class CreateTable(_TableChange):
    """CREATE TABLE with columns, primary key, unique and check constraints.

    Foreign keys, indexes, RLS, policies, grants, comments and partitions of a new table are
    separate changes, so the planner can order them (foreign-key cycles, policies before RLS).
    """

    schema: str
    table: str
    definition: Table

    @property
    def key(self) -> str:
        return self.definition.key

    @property
    def origin(self) -> Origin | None:
        return self.definition.origin

    def describe(self) -> str:
        return f"create table {self.table_key}"


@dataclass(frozen=True)
class DropTable(_TableChange):
    """DROP TABLE: deletes every row."""

    schema: str
    table: str
    definition: Table

    @property
    def key(self) -> str:
        return self.definition.key

    def describe(self) -> str:
        return f"drop table {self.table_key}"


@dataclass(frozen=True)
class RenameTable(_TableChange):
    """ALTER TABLE old RENAME TO new, only when the source says `renamed_from`."""

    schema: str
    table: str  # the new name
    old_name: str
    origin_: Origin | None = None

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def origin(self) -> Origin | None:
        return self.origin_

    def describe(self) -> str:
        return f"rename table {self.schema}.{self.old_name} to {self.table}"


@dataclass(frozen=True)
class AddColumn(_TableChange):
    """ALTER TABLE ... ADD COLUMN."""

    schema: str
    table: str
    column: Column

    @property
    def key(self) -> str:
        return f"{self.table_key}.{self.column.name}"

    @property
    def origin(self) -> Origin | None:
        return self.column.origin

    def describe(self) -> str:
        return f"add column {self.key} {self.column.type}"


@dataclass(frozen=True)
class DropColumn(_TableChange):
    """ALTER TABLE ... DROP COLUMN: deletes the column's data."""

    schema: str
    table: str
    column: Column

    @property
    def key(self) -> str:
        return f"{self.table_key}.{self.column.name}"

    def describe(self) -> str:
        return f"drop column {self.key}"


@dataclass(frozen=True)
class RenameColumn(_TableChange):
    """ALTER TABLE ... RENAME COLUMN, only through `renamed_from`."""

    schema: str
    table: str
    old_name: str
    column: Column

    @property
    def key(self) -> str:
        return f"{self.table_key}.{self.column.name}"

    @property
    def origin(self) -> Origin | None:
        return self.column.origin

    def describe(self) -> str:
        return f"rename column {self.table_key}.{self.old_name} to {self.column.name}"


@dataclass(frozen=True)
class AlterColumnType(_TableChange):
    """ALTER COLUMN ... TYPE new USING col::new."""

    schema: str
    table: str
    column: Column  # desired
    old_type: str

    @property
    def key(self) -> str:
        return f"{self.table_key}.{self.column.name}"

    @property
    def origin(self) -> Origin | None:
        return self.column.origin

    def describe(self) -> str:
        return f"change type of {self.key} from {self.old_type} to {self.column.type}"


@dataclass(frozen=True)
class AlterColumnNullability(_TableChange):
    """ALTER COLUMN ... SET / DROP NOT NULL."""

    schema: str
    table: str
    column: Column

    @property
    def key(self) -> str:
        return f"{self.table_key}.{self.column.name}"

    @property
    def origin(self) -> Origin | None:
        return self.column.origin

    def describe(self) -> str:
        return f"{'drop' if self.column.nullable else 'set'} not null on {self.key}"


@dataclass(frozen=True)
class AlterColumnDefault(_TableChange):
    """ALTER COLUMN ... SET DEFAULT / DROP DEFAULT."""

    schema: str
    table: str
    column: Column
    old_default: str | None = None

    @property
    def key(self) -> str:
        return f"{self.table_key}.{self.column.name}"

    @property
    def origin(self) -> Origin | None:
        return self.column.origin

    def describe(self) -> str:
        if self.column.default is None:
            return f"drop default of {self.key} (was {self.old_default})"
        return f"set default of {self.key} to {self.column.default} (was {self.old_default or 'no default'})"


@dataclass(frozen=True)
class AlterColumnIdentity(_TableChange):
    """ADD / SET / DROP GENERATED ... AS IDENTITY."""

    schema: str
    table: str
    column: Column
    old_identity: str | None = None

    @property
    def key(self) -> str:
        return f"{self.table_key}.{self.column.name}"

    @property
    def origin(self) -> Origin | None:
        return self.column.origin

    def describe(self) -> str:
        return f"identity of {self.key}: {self.old_identity or 'none'} -> {self.column.identity or 'none'}"


@dataclass(frozen=True)
class AlterColumnGenerated(_TableChange):
    """A changed GENERATED ALWAYS AS (...) STORED expression.

    Dropping the expression keeps the values (DROP EXPRESSION); any other change re-creates
    the column, which rewrites the table (PostgreSQL 15 cannot alter the expression).
    """

    schema: str
    table: str
    column: Column
    old_generated: str | None = None

    @property
    def key(self) -> str:
        return f"{self.table_key}.{self.column.name}"

    @property
    def origin(self) -> Origin | None:
        return self.column.origin

    def describe(self) -> str:
        return f"generated expression of {self.key}: {self.old_generated or 'none'} -> {self.column.generated or 'none'}"


# --- constraints, indexes ----------------------------------------------------------------


@dataclass(frozen=True)
class AddConstraint(_TableChange):
    """ALTER TABLE ... ADD CONSTRAINT (primary key, unique, check or foreign key).

    `new_table` says the table is created by the same plan (so it has no rows to validate).
    """

    schema: str
    table: str
    constraint: Constraint
    new_table: bool = False

    @property
    def key(self) -> str:
        return f"{self.table_key}.{self.constraint.name}"

    @property
    def origin(self) -> Origin | None:
        return self.constraint.origin

    def describe(self) -> str:
        return f"add {constraint_kind(self.constraint)} constraint {self.key}"


@dataclass(frozen=True)
class DropConstraint(_TableChange):
    """ALTER TABLE ... DROP CONSTRAINT."""

    schema: str
    table: str
    constraint: Constraint

    @property
    def key(self) -> str:
        return f"{self.table_key}.{self.constraint.name}"

    def describe(self) -> str:
        return f"drop {constraint_kind(self.constraint)} constraint {self.key}"


@dataclass(frozen=True)
class CreateIndex(_TableChange):
    """CREATE INDEX on a table (or a materialized view); `new_table`: created by this plan."""

    schema: str
    table: str
    index: Index
    new_table: bool = False

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.index.name}"

    @property
    def origin(self) -> Origin | None:
        return self.index.origin

    def describe(self) -> str:
        return f"create index {self.key} on {self.table_key} ({', '.join(self.index.keys)})"


@dataclass(frozen=True)
class DropIndex(_TableChange):
    """DROP INDEX."""

    schema: str
    table: str
    index: Index

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.index.name}"

    def describe(self) -> str:
        return f"drop index {self.key}"


# --- row-level security and policies -------------------------------------------------------


@dataclass(frozen=True)
class SetRowSecurity(_TableChange):
    """ALTER TABLE ... ENABLE / DISABLE ROW LEVEL SECURITY."""

    schema: str
    table: str
    enabled: bool
    origin_: Origin | None = None

    @property
    def key(self) -> str:
        return self.table_key

    @property
    def origin(self) -> Origin | None:
        return self.origin_

    def describe(self) -> str:
        return f"{'enable' if self.enabled else 'disable'} row level security on {self.table_key}"


@dataclass(frozen=True)
class SetForceRowSecurity(_TableChange):
    """ALTER TABLE ... FORCE / NO FORCE ROW LEVEL SECURITY."""

    schema: str
    table: str
    forced: bool
    origin_: Origin | None = None

    @property
    def key(self) -> str:
        return self.table_key

    @property
    def origin(self) -> Origin | None:
        return self.origin_

    def describe(self) -> str:
        return f"{'force' if self.forced else 'no force'} row level security on {self.table_key}"


@dataclass(frozen=True)
class CreatePolicy(_TableChange):
    """CREATE POLICY."""

    schema: str
    table: str
    policy: Policy

    @property
    def key(self) -> str:
        return f"{self.table_key}.{self.policy.name}"

    @property
    def origin(self) -> Origin | None:
        return self.policy.origin

    def describe(self) -> str:
        return f"create policy {self.policy.name!r} on {self.table_key}"


@dataclass(frozen=True)
class AlterPolicy(_TableChange):
    """ALTER POLICY: roles, USING or WITH CHECK changed; command and kind are the same."""

    schema: str
    table: str
    old: Policy
    new: Policy

    @property
    def key(self) -> str:
        return f"{self.table_key}.{self.new.name}"

    @property
    def origin(self) -> Origin | None:
        return self.new.origin

    def changed_parts(self) -> tuple[str, ...]:
        """Which of "roles", "using", "with_check" differ."""
        return tuple(
            part for part in ("roles", "using", "with_check")
            if getattr(self.old, part) != getattr(self.new, part)
        )

    def describe(self) -> str:
        return f"alter policy {self.new.name!r} on {self.table_key} ({', '.join(self.changed_parts())})"


@dataclass(frozen=True)
class DropPolicy(_TableChange):
    """DROP POLICY."""

    schema: str
    table: str
    policy: Policy

    @property
    def key(self) -> str:
        return f"{self.table_key}.{self.policy.name}"

    def describe(self) -> str:
        return f"drop policy {self.policy.name!r} on {self.table_key}"


# --- views, functions, triggers ----------------------------------------------------------


@dataclass(frozen=True)
class CreateView(Change):
    """CREATE VIEW / CREATE MATERIALIZED VIEW (with its grants, indexes and comment)."""

    view: View
    recreated: bool = False  # True when it re-creates a view the plan dropped

    @property
    def key(self) -> str:
        return self.view.key

    @property
    def origin(self) -> Origin | None:
        return self.view.origin

    def describe(self) -> str:
        what = "re-create" if self.recreated else "create"
        return f"{what} {'materialized ' if self.view.materialized else ''}view {self.view.key}"


@dataclass(frozen=True)
class ReplaceView(Change):
    """CREATE OR REPLACE VIEW: the new query keeps the old columns (it may append some)."""

    old: View
    new: View

    @property
    def key(self) -> str:
        return self.new.key

    @property
    def origin(self) -> Origin | None:
        return self.new.origin

    def describe(self) -> str:
        return f"replace view {self.new.key}"


@dataclass(frozen=True)
class DropView(Change):
    """DROP VIEW / DROP MATERIALIZED VIEW."""

    view: View
    recreated: bool = False  # True when the plan creates it again afterwards

    @property
    def key(self) -> str:
        return self.view.key

    def describe(self) -> str:
        what = "drop (to re-create)" if self.recreated else "drop"
        return f"{what} {'materialized ' if self.view.materialized else ''}view {self.view.key}"


@dataclass(frozen=True)
class CreateFunction(Change):
    """CREATE FUNCTION / PROCEDURE."""

    function: Function

    @property
    def key(self) -> str:
        return self.function.key

    @property
    def origin(self) -> Origin | None:
        return self.function.origin

    def describe(self) -> str:
        return f"create {self.function.kind} {self.function.key}"


@dataclass(frozen=True)
class ReplaceFunction(Change):
    """CREATE OR REPLACE FUNCTION with a changed body or settings (same return type)."""

    old: Function
    new: Function

    @property
    def key(self) -> str:
        return self.new.key

    @property
    def origin(self) -> Origin | None:
        return self.new.origin

    def describe(self) -> str:
        return f"replace {self.new.kind} {self.new.key}"


@dataclass(frozen=True)
class DropFunction(Change):
    """DROP FUNCTION / PROCEDURE."""

    function: Function

    @property
    def key(self) -> str:
        return self.function.key

    def describe(self) -> str:
        return f"drop {self.function.kind} {self.function.key}"


@dataclass(frozen=True)
class CreateTrigger(Change):
    """CREATE TRIGGER."""

    trigger: Trigger

    @property
    def key(self) -> str:
        return self.trigger.key

    @property
    def table_key(self) -> str:
        return f"{self.trigger.schema}.{self.trigger.table}"

    @property
    def origin(self) -> Origin | None:
        return self.trigger.origin

    def describe(self) -> str:
        return f"create trigger {self.trigger.name!r} on {self.table_key}"


@dataclass(frozen=True)
class DropTrigger(Change):
    """DROP TRIGGER."""

    trigger: Trigger

    @property
    def key(self) -> str:
        return self.trigger.key

    @property
    def table_key(self) -> str:
        return f"{self.trigger.schema}.{self.trigger.table}"

    def describe(self) -> str:
        return f"drop trigger {self.trigger.name!r} on {self.table_key}"


# --- grants, comments, partitions ---------------------------------------------------------

# object_kind values of Grant/Revoke/SetComment: "table", "view", "materialized view",
# "function", "procedure", "schema", "column", "index", "type", "constraint", "policy".


@dataclass(frozen=True)
class Grant(Change):
    """GRANT privileges ON object TO grantee."""

    object_kind: str
    object_key: str
    target: str  # the SQL name of the object, e.g. public.projects or public.f(uuid)
    grantee: str
    privileges: tuple[str, ...]
    origin_: Origin | None = None

    @property
    def key(self) -> str:
        return f"{self.object_key}:{self.grantee}"

    @property
    def table_key(self) -> str | None:
        return self.object_key if self.object_kind == "table" else None

    @property
    def origin(self) -> Origin | None:
        return self.origin_

    def describe(self) -> str:
        return f"grant {', '.join(self.privileges)} on {self.object_kind} {self.object_key} to {self.grantee}"


@dataclass(frozen=True)
class Revoke(Change):
    """REVOKE privileges ON object FROM grantee."""

    object_kind: str
    object_key: str
    target: str
    grantee: str
    privileges: tuple[str, ...]
    # the table that owns a sequence (a revoke on it waits for the table to be created)
    owner: str | None = None

    @property
    def key(self) -> str:
        return f"{self.object_key}:{self.grantee}"

    @property
    def table_key(self) -> str | None:
        return self.object_key if self.object_kind == "table" else None

    def describe(self) -> str:
        return f"revoke {', '.join(self.privileges)} on {self.object_kind} {self.object_key} from {self.grantee}"


@dataclass(frozen=True)
class SetComment(Change):
    """COMMENT ON object IS '...' (or IS NULL)."""

    object_kind: str
    object_key: str
    target: str  # SQL after COMMENT ON <kind>, e.g. "public.t" or "policy p ON public.t"
    comment: str | None
    old_comment: str | None = None
    origin_: Origin | None = None

    @property
    def key(self) -> str:
        return self.object_key

    @property
    def origin(self) -> Origin | None:
        return self.origin_

    def describe(self) -> str:
        if self.comment is None:
            return f"remove comment on {self.object_kind} {self.object_key}"
        return f"set comment on {self.object_kind} {self.object_key}"


@dataclass(frozen=True)
class CreatePartition(_TableChange):
    """CREATE TABLE partition PARTITION OF parent bound."""

    schema: str
    table: str  # the parent
    partition: Partition

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.partition.name}"

    @property
    def origin(self) -> Origin | None:
        return self.partition.origin

    def describe(self) -> str:
        return f"create partition {self.key} of {self.table_key} {self.partition.bound}"


@dataclass(frozen=True)
class DropPartition(_TableChange):
    """DROP TABLE partition: deletes its rows."""

    schema: str
    table: str
    partition: Partition

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.partition.name}"

    def describe(self) -> str:
        return f"drop partition {self.key} of {self.table_key}"


ALL_CHANGE_KINDS = tuple(
    cls.__name__
    for cls in (
        CreateSchema, CreateExtension, CreateEnum, AddEnumValue, CreateTable, DropTable,
        RenameTable, AddColumn, DropColumn, RenameColumn, AlterColumnType,
        AlterColumnNullability, AlterColumnDefault, AlterColumnIdentity, AlterColumnGenerated,
        AddConstraint, DropConstraint, CreateIndex, DropIndex, SetRowSecurity,
        SetForceRowSecurity, CreatePolicy, AlterPolicy, DropPolicy, CreateView, ReplaceView,
        DropView, CreateFunction, ReplaceFunction, DropFunction, CreateTrigger, DropTrigger,
        Grant, Revoke, SetComment, CreatePartition, DropPartition,
    )
)
