"""The one model both sides become: the source as written, and a live database as inspected.

Every object is a frozen dataclass; collections are tuples kept in a fixed order (sorted by
name, except columns, which keep their table order), so two catalogs built from the same
input are equal and hash equal, whatever order the files or catalog rows came in.

Texts (types, defaults, expressions, view bodies) are SQL. From the source they are as the
user wrote them; from a live database they are as PostgreSQL prints them (format_type,
pg_get_expr, pg_get_viewdef, pg_get_constraintdef, pg_get_indexdef). The diff only compares
two catalogs that went through the same printer (see normalize/), never source text against
catalog text.

`origin` (file:line of the source) is carried for error messages and never compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache
from typing import Iterable

from ..errors import Origin

# Commands a policy or a grant can name. Kept lower-case everywhere in the model.
POLICY_COMMANDS = ("all", "select", "insert", "update", "delete")
TABLE_PRIVILEGES = ("select", "insert", "update", "delete", "truncate", "references", "trigger")
# What a live table may be granted: MAINTAIN exists on PostgreSQL 17+ only, so the source
# cannot ask for it (`all` means TABLE_PRIVILEGES on every version) but a grant of it is
# read, compared and revoked like any other.
LIVE_TABLE_PRIVILEGES = (*TABLE_PRIVILEGES, "maintain")
# What a column may be granted on its own.
COLUMN_PRIVILEGES = ("insert", "references", "select", "update")
GRANTS_MODES = ("exact", "defaults")
FK_ACTIONS = ("no action", "restrict", "cascade", "set null", "set default")


def qualify(schema: str, name: str) -> str:
    """`schema.name`, quoting only the parts that need it."""
    return f"{quote_ident(schema)}.{quote_ident(name)}"


_SAFE_FIRST = set("abcdefghijklmnopqrstuvwxyz_")
_SAFE_REST = _SAFE_FIRST | set("0123456789")


@cache
def _keywords_to_quote() -> frozenset[str]:
    """Every key word PostgreSQL's quote_ident quotes: all but the unreserved ones, from the
    parser's own lists (pglast's; imported on first use, as most commands never quote)."""
    from pglast import keywords

    return frozenset(keywords.RESERVED_KEYWORDS | keywords.TYPE_FUNC_NAME_KEYWORDS
                     | keywords.COL_NAME_KEYWORDS)


@cache  # a plan quotes the same few thousand names over and over
def quote_ident(name: str) -> str:
    """Quote an identifier the way PostgreSQL's quote_ident does (only when needed)."""
    if (
        name
        and name[0] in _SAFE_FIRST
        and all(c in _SAFE_REST for c in name)
        and name not in _keywords_to_quote()
    ):
        return name
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """A SQL string literal, as PostgreSQL's quote_literal writes it: with a backslash in the
    value, the E'' form with backslashes doubled, so the literal reads the same whatever
    standard_conforming_strings is (off, `'\\'` would end the string early)."""
    quoted = value.replace("'", "''")
    if "\\" in value:
        return "E'" + quoted.replace("\\", "\\\\") + "'"
    return "'" + quoted + "'"


@dataclass(frozen=True, slots=True)
class Column:
    """A table column. `type` is SQL (`varchar(20)`, `text[]`, `bigserial` in the source)."""

    name: str
    type: str
    nullable: bool = True
    default: str | None = None
    # "always" or "by default" for GENERATED ... AS IDENTITY
    identity: str | None = None
    # expression of GENERATED ALWAYS AS (expr) STORED
    generated: str | None = None
    collation: str | None = None
    comment: str | None = None
    renamed_from: str | None = None
    origin: Origin | None = field(default=None, compare=False, repr=False)
    # column privileges (GRANT SELECT (col) ON t TO r): COLUMN_PRIVILEGES per grantee
    grants: tuple[Grant, ...] = ()
    # Source only: the column privileges the source REVOKEs (see Table.revokes)
    revokes: tuple[Grant, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class PrimaryKey:
    name: str
    columns: tuple[str, ...]
    origin: Origin | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class UniqueConstraint:
    name: str
    columns: tuple[str, ...]
    nulls_not_distinct: bool = False
    deferrable: bool = False
    initially_deferred: bool = False
    origin: Origin | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CheckConstraint:
    name: str
    expression: str
    no_inherit: bool = False
    origin: Origin | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ForeignKey:
    """FOREIGN KEY (columns) REFERENCES ref_schema.ref_table (ref_columns)."""

    name: str
    columns: tuple[str, ...]
    ref_schema: str
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str = "no action"
    on_update: str = "no action"
    deferrable: bool = False
    initially_deferred: bool = False
    # "simple" or "full"
    match: str = "simple"
    origin: Origin | None = field(default=None, compare=False, repr=False)

    @property
    def ref_qualified(self) -> str:
        return qualify(self.ref_schema, self.ref_table)


@dataclass(frozen=True, slots=True)
class ExclusionConstraint:
    """EXCLUDE USING method (key WITH op, ...) [WHERE (...)]: `definition` is the whole clause
    after the name, as pg_get_constraintdef prints it (the source's as written)."""

    name: str
    definition: str
    # the key columns (or expression names), only to name an unnamed one as PostgreSQL does
    columns: tuple[str, ...] = field(default=(), compare=False)
    origin: Origin | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Index:
    """A secondary index (not the one a primary key or unique constraint owns).

    `keys` are SQL per key: a column name, an expression, with optional opclass/ASC/DESC/
    NULLS FIRST|LAST, e.g. ("created_at DESC", "lower(email)").
    """

    name: str
    keys: tuple[str, ...]
    unique: bool = False
    method: str = "btree"
    where: str | None = None
    include: tuple[str, ...] = ()
    nulls_not_distinct: bool = False
    comment: str | None = None
    origin: Origin | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Policy:
    """A row-level-security policy. `command` is one of POLICY_COMMANDS; roles sorted."""

    name: str
    command: str = "all"
    permissive: bool = True
    roles: tuple[str, ...] = ("public",)
    using: str | None = None
    with_check: str | None = None
    comment: str | None = None
    origin: Origin | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Grant:
    """Privileges of one grantee on one object; privileges sorted, lower-case."""

    grantee: str
    privileges: tuple[str, ...]
    origin: Origin | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Partition:
    """A declared partition of a partitioned table: its own name and its bound clause."""

    name: str
    # e.g. "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')", "DEFAULT"
    bound: str
    origin: Origin | None = field(default=None, compare=False, repr=False)
    # A partition named directly in a query answers with its own RLS and grants, not its
    # parent's: the source wants the parent's RLS switches and no grants (diff/tables.py).
    rls_enabled: bool = False
    rls_forced: bool = False
    grants: tuple[Grant, ...] = ()


@dataclass(frozen=True, slots=True)
class Table:
    """A table with everything that belongs to it, RLS and policies included."""

    schema: str
    name: str
    columns: tuple[Column, ...] = ()
    primary_key: PrimaryKey | None = None
    uniques: tuple[UniqueConstraint, ...] = ()
    checks: tuple[CheckConstraint, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    indexes: tuple[Index, ...] = ()
    rls_enabled: bool = False
    rls_forced: bool = False
    policies: tuple[Policy, ...] = ()
    grants: tuple[Grant, ...] = ()
    comment: str | None = None
    # e.g. "RANGE (created_at)"; partitions are declared here and created after the parent
    partition_by: str | None = None
    partitions: tuple[Partition, ...] = ()
    renamed_from: str | None = None
    # The access contract (verify issue); kept as data, never compared by the diff.
    contract: object | None = field(default=None, compare=False, repr=False)
    origin: Origin | None = field(default=None, compare=False, repr=False)
    # Where the policies/RLS of this table were declared (policies/<schema>/<table>.yaml).
    policies_origin: Origin | None = field(default=None, compare=False, repr=False)
    # Source only: privileges the source REVOKEs (net of a later GRANT), per grantee. In
    # `grants: defaults` mode they are taken from what default privileges give (plan/defaultacl.py).
    revokes: tuple[Grant, ...] = field(default=(), compare=False, repr=False)
    # ALTER TABLE ... REPLICA IDENTITY: "default", "full", "nothing" or "index <name>"
    replica_identity: str = "default"
    exclusions: tuple[ExclusionConstraint, ...] = ()

    @property
    def qualified(self) -> str:
        return qualify(self.schema, self.name)

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def constraint_names(self) -> tuple[str, ...]:
        names = [c.name for c in (*self.uniques, *self.checks, *self.foreign_keys, *self.exclusions)]
        if self.primary_key:
            names.append(self.primary_key.name)
        return tuple(sorted(names))


@dataclass(frozen=True, slots=True)
class View:
    """A view or materialized view. `query` is the SELECT (no trailing semicolon)."""

    schema: str
    name: str
    query: str
    materialized: bool = False
    security_invoker: bool = False
    security_barrier: bool = False
    # None, "local" or "cascaded"
    check_option: str | None = None
    # Optional explicit output column names: CREATE VIEW v (a, b) AS ...
    column_names: tuple[str, ...] = ()
    comment: str | None = None
    grants: tuple[Grant, ...] = ()
    indexes: tuple[Index, ...] = ()  # materialized views only
    # Objects the query reads, "schema.name", filled by the loader/inspector for ordering.
    depends_on: tuple[str, ...] = field(default=(), compare=False)
    origin: Origin | None = field(default=None, compare=False, repr=False)
    # Source only: privileges the source REVOKEs (net of a later GRANT), per grantee. In
    # `grants: defaults` mode they are taken from what default privileges give (plan/defaultacl.py).
    revokes: tuple[Grant, ...] = field(default=(), compare=False, repr=False)

    @property
    def qualified(self) -> str:
        return qualify(self.schema, self.name)

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True, slots=True)
class Function:
    """A function or procedure, kept as its full CREATE statement.

    `identity_args` is the argument type list that identifies it (`uuid, text`), so
    overloads are distinct objects. `definition` is a complete `CREATE OR REPLACE FUNCTION`
    statement without a trailing semicolon.
    """

    schema: str
    name: str
    identity_args: str
    definition: str
    returns: str = ""
    language: str = "sql"
    security_definer: bool = False
    # e.g. ("search_path=public, pg_temp",) from SET clauses
    config: tuple[str, ...] = ()
    kind: str = "function"  # or "procedure"
    comment: str | None = None
    grants: tuple[Grant, ...] = ()
    origin: Origin | None = field(default=None, compare=False, repr=False)
    # Source only: privileges the source REVOKEs (net of a later GRANT), per grantee. In
    # `grants: defaults` mode they are taken from what default privileges give (plan/defaultacl.py).
    revokes: tuple[Grant, ...] = field(default=(), compare=False, repr=False)

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}({self.identity_args})"

    @property
    def signature(self) -> str:
        return f"{qualify(self.schema, self.name)}({self.identity_args})"

    @property
    def search_path(self) -> str | None:
        for setting in self.config:
            k, _, v = setting.partition("=")
            if k.strip().lower() == "search_path":
                return v.strip()
        return None


@dataclass(frozen=True, slots=True)
class Trigger:
    """A trigger; `definition` is the full CREATE TRIGGER statement without semicolon."""

    schema: str
    table: str
    name: str
    definition: str
    # "schema.name(args)" of the function it executes, for ordering
    function: str = ""
    enabled: bool = True
    origin: Origin | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.table}.{self.name}"


@dataclass(frozen=True, slots=True)
class Enum:
    schema: str
    name: str
    values: tuple[str, ...]
    comment: str | None = None
    origin: Origin | None = field(default=None, compare=False, repr=False)

    @property
    def qualified(self) -> str:
        return qualify(self.schema, self.name)

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True, slots=True)
class Extension:
    name: str
    schema: str | None = None
    # optional: created when the server has it, skipped (with a warning) when it does not
    optional: bool = False
    origin: Origin | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Schema:
    name: str
    comment: str | None = None
    grants: tuple[Grant, ...] = ()
    origin: Origin | None = field(default=None, compare=False, repr=False)
    # Source only: privileges the source REVOKEs (net of a later GRANT), per grantee. In
    # `grants: defaults` mode they are taken from what default privileges give (plan/defaultacl.py).
    revokes: tuple[Grant, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Role:
    """A role the schema expects to exist (it is created when missing, never dropped)."""

    name: str
    login: bool = False
    bypassrls: bool = False
    origin: Origin | None = field(default=None, compare=False, repr=False)


DEFAULT_PRIVILEGE_OBJECTS = ("tables", "sequences", "functions", "types", "schemas")


@dataclass(frozen=True, slots=True)
class DefaultPrivileges:
    """ALTER DEFAULT PRIVILEGES [FOR ROLE role] [IN SCHEMA schema] GRANT|REVOKE ... ON
    objects: what a new object of one kind made by `role` gets (one pg_default_acl entry).

    From the source, `grants`/`revokes` are the GRANTs and REVOKEs written (net, per
    grantee); what the entry must hold on a target is worked out there
    (plan/defaultacl.py). `role` None: the role that runs the plan; `schema` None: every
    schema. `objects` is one of DEFAULT_PRIVILEGE_OBJECTS."""

    role: str | None
    schema: str | None
    objects: str
    grants: tuple[Grant, ...] = ()
    revokes: tuple[Grant, ...] = ()
    origin: Origin | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        return f"{self.role or ''}:{self.schema or ''}:{self.objects}"


PUBLISH_ACTIONS = ("insert", "update", "delete", "truncate")


@dataclass(frozen=True, slots=True)
class Publication:
    """CREATE PUBLICATION: its tables ("schema.table", sorted; the managed ones only) or
    FOR ALL TABLES, and its options. A platform publication (supabase_realtime) is the
    platform's: only which of the user's tables are in it is the user's (`platform`)."""

    name: str
    tables: tuple[str, ...] = ()
    all_tables: bool = False
    publish: tuple[str, ...] = PUBLISH_ACTIONS  # in PUBLISH_ACTIONS order
    via_root: bool = False  # publish_via_partition_root
    platform: bool = False
    origin: Origin | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class DomainConstraint:
    """A named CHECK of a domain; `expression` is the CHECK (...) text (pg_get_constraintdef)."""

    name: str
    expression: str
    origin: Origin | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Domain:
    """CREATE DOMAIN schema.name AS base_type [COLLATE] [DEFAULT] [NOT NULL] [CHECK ...]."""

    schema: str
    name: str
    base_type: str
    not_null: bool = False
    default: str | None = None
    collation: str | None = None
    constraints: tuple[DomainConstraint, ...] = ()
    comment: str | None = None
    origin: Origin | None = field(default=None, compare=False, repr=False)

    @property
    def qualified(self) -> str:
        return qualify(self.schema, self.name)

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True, slots=True)
class TypeAttribute:
    """One attribute of a composite type, in declared order."""

    name: str
    type: str
    collation: str | None = None
    origin: Origin | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CompositeType:
    """CREATE TYPE schema.name AS (attributes)."""

    schema: str
    name: str
    attributes: tuple[TypeAttribute, ...] = ()
    comment: str | None = None
    origin: Origin | None = field(default=None, compare=False, repr=False)

    @property
    def qualified(self) -> str:
        return qualify(self.schema, self.name)

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True, slots=True)
class Sequence:
    """A sequence: standalone, or owned by a column (`owned_by`: "table.column" in its
    schema). `identity`: the sequence of an identity column, created and dropped with it.
    Options are PostgreSQL's (None in the source means its default); the current value is
    data and never part of the model."""

    schema: str
    name: str
    data_type: str = "bigint"
    start: int | None = None
    increment: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    cache: int | None = None
    cycle: bool = False
    owned_by: str | None = None
    identity: bool = False
    grants: tuple[Grant, ...] = ()
    comment: str | None = None
    origin: Origin | None = field(default=None, compare=False, repr=False)
    # source only: made by its serial or identity column, not by CREATE SEQUENCE (a GRANT
    # or COMMENT names it), so compile grants and comments on it but never creates it
    implicit: bool = field(default=False, compare=False, repr=False)
    # source only: what a REVOKE takes back of what default privileges give a new sequence
    revoked: tuple[Grant, ...] = field(default=(), compare=False, repr=False)

    @property
    def qualified(self) -> str:
        return qualify(self.schema, self.name)

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True, slots=True)
class Catalog:
    """Everything roseram-schema manages, in a fixed order."""

    schemas: tuple[Schema, ...] = ()
    extensions: tuple[Extension, ...] = ()
    roles: tuple[Role, ...] = ()
    enums: tuple[Enum, ...] = ()
    tables: tuple[Table, ...] = ()
    views: tuple[View, ...] = ()
    functions: tuple[Function, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    domains: tuple[Domain, ...] = ()
    composite_types: tuple[CompositeType, ...] = ()
    sequences: tuple[Sequence, ...] = ()
    # GRANTS_MODES: "exact" (every grant spelled out, the rest revoked) or "defaults" (what
    # the target's default privileges give a new object, plus the source's GRANT and
    # REVOKE; see plan/defaultacl.py). A setting of the source, never compared.
    grants_mode: str = field(default="exact", compare=False)
    # The source's ALTER DEFAULT PRIVILEGES, never read from a database into a catalog: the
    # plan compares them with the target's pg_default_acl itself (plan/defaultacl.py), so
    # entries the source does not name (the platform's) are left alone.
    default_privileges: tuple[DefaultPrivileges, ...] = field(default=(), compare=False)
    # GRANT/REVOKE ... ON DATABASE of the source: for the target's own database, whatever
    # name the source wrote; compared per target like default privileges.
    database_grants: tuple[Grant, ...] = field(default=(), compare=False)
    database_revokes: tuple[Grant, ...] = field(default=(), compare=False)
    # The user's side of platform tables (auth.users, storage.objects): their policies and
    # RLS switches only; columns and the rest are the platform's, never compared or planned.
    platform_tables: tuple[Table, ...] = ()
    publications: tuple[Publication, ...] = ()

    def table(self, key: str) -> Table | None:
        """Look a table up by "schema.name" (or a bare name in public): a scan, so code
        looking up many tables makes a tables_by_key() once."""
        if "." not in key:
            key = f"public.{key}"
        return next((t for t in self.tables if t.key == key), None)

    def view(self, key: str) -> View | None:
        if "." not in key:
            key = f"public.{key}"
        return next((v for v in self.views if v.key == key), None)

    def sorted(self) -> "Catalog":
        """The same catalog with every collection in canonical order."""
        return build_catalog(
            schemas=self.schemas,
            extensions=self.extensions,
            roles=self.roles,
            enums=self.enums,
            tables=self.tables,
            views=self.views,
            functions=self.functions,
            triggers=self.triggers,
            domains=self.domains,
            composite_types=self.composite_types,
            sequences=self.sequences,
            grants_mode=self.grants_mode,
            default_privileges=self.default_privileges,
            database_grants=self.database_grants,
            database_revokes=self.database_revokes,
            platform_tables=self.platform_tables,
            publications=self.publications,
        )


def tables_by_key(catalog: Catalog) -> dict[str, Table]:
    """The catalog's tables by "schema.name", each key's first as Catalog.table finds it:
    one pass, where a Catalog.table per key is a pass per key (quadratic at 1,000 tables)."""
    out: dict[str, Table] = {}
    for t in catalog.tables:
        out.setdefault(t.key, t)
    return out


def _by_name(item):
    return item.name


def _by_grantee(grant):
    return grant.grantee


# The parts of a table kept in canonical order, and their sort keys.
_SORTED_TABLE_PARTS = (("uniques", _by_name), ("checks", _by_name), ("foreign_keys", _by_name),
                       ("indexes", _by_name), ("policies", _by_name), ("grants", _by_grantee),
                       ("partitions", _by_name), ("exclusions", _by_name))


def _sort_grants(obj):
    ordered = tuple(sorted(obj.grants, key=_by_grantee))
    return obj if ordered == obj.grants else replace(obj, grants=ordered)


def sort_table(t: Table) -> Table:
    """Canonical order inside a table (columns keep their declared order). A table already
    in order is returned as it is: diffs and fingerprints re-sort whole catalogs that
    almost always are (a new Table per table was a tenth of a one-edit plan)."""
    changed = {}
    for name, key in _SORTED_TABLE_PARTS:
        items = getattr(t, name)
        ordered = tuple(sorted(items, key=key))
        if ordered != items or type(items) is not tuple:
            changed[name] = ordered
    return replace(t, **changed) if changed else t


def build_catalog(
    *,
    schemas: Iterable[Schema] = (),
    extensions: Iterable[Extension] = (),
    roles: Iterable[Role] = (),
    enums: Iterable[Enum] = (),
    tables: Iterable[Table] = (),
    views: Iterable[View] = (),
    functions: Iterable[Function] = (),
    triggers: Iterable[Trigger] = (),
    domains: Iterable[Domain] = (),
    composite_types: Iterable[CompositeType] = (),
    sequences: Iterable[Sequence] = (),
    grants_mode: str = "exact",
    default_privileges: Iterable[DefaultPrivileges] = (),
    database_grants: tuple[Grant, ...] = (),
    database_revokes: tuple[Grant, ...] = (),
    platform_tables: Iterable[Table] = (),
    publications: Iterable[Publication] = (),
) -> Catalog:
    """Build a Catalog with every collection sorted, whatever order the input came in."""
    return Catalog(
        schemas=tuple(sorted(schemas, key=lambda s: s.name)),
        extensions=tuple(sorted(extensions, key=lambda e: e.name)),
        roles=tuple(sorted(roles, key=lambda r: r.name)),
        enums=tuple(sorted(enums, key=lambda e: e.key)),
        tables=tuple(sorted((sort_table(t) for t in tables), key=lambda t: t.key)),
        views=tuple(sorted(views, key=lambda v: v.key)),
        functions=tuple(sorted(functions, key=lambda f: f.key)),
        triggers=tuple(sorted(triggers, key=lambda t: t.key)),
        domains=tuple(sorted(domains, key=lambda d: d.key)),
        composite_types=tuple(sorted(composite_types, key=lambda t: t.key)),
        sequences=tuple(sorted((_sort_grants(s) for s in sequences), key=lambda s: s.key)),
        grants_mode=grants_mode,
        default_privileges=tuple(sorted(default_privileges, key=lambda d: d.key)),
        database_grants=tuple(database_grants),
        database_revokes=tuple(database_revokes),
        platform_tables=tuple(sorted((sort_table(t) for t in platform_tables), key=lambda t: t.key)),
        publications=tuple(sorted(publications, key=lambda p: p.name)),
    )
