"""Compile a Catalog into one ordered, idempotent SQL script that builds the schema.

Every statement is idempotent by construction (IF NOT EXISTS, CREATE OR REPLACE,
DROP POLICY IF EXISTS + CREATE POLICY, DO blocks guarded on the catalog), so the script
can run twice, or on a database holding part of the schema, which it then completes.

Order comes from a dependency graph (depgraph.py), not from a fixed list. The phase of a
statement (schemas, extensions, roles, enums, functions, tables, keys, foreign keys,
indexes, views, policies, RLS, triggers, grants, comments) only breaks ties between
statements that are ready at the same time; the edges carry the rules that matter:
- foreign keys come after every table and after the key they reference, so tables that
  reference each other (cycles) work;
- RLS is enabled only after the table's policies exist, so there is no moment when the
  table is enabled with no policy (every query denied);
- policies, views, defaults, checks and indexes come after the functions, tables, views
  and types their SQL names (read with pglast), whatever phase those are in;
- triggers after their table and function; grants and comments after their object.

Two rules that are not about order:
- values missing from an existing enum type are added before the transaction starts,
  because PostgreSQL will not use an enum value added in the same transaction;
- a function gets exactly the grants of its model, which (like the inspector's) include
  PostgreSQL's default EXECUTE for PUBLIC when the source leaves it (the loader starts
  every routine with it): PUBLIC's EXECUTE is revoked when PUBLIC is not listed, so empty
  grants mean "nobody but the owner".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterable, Sequence

from ..version import __version__
from . import ddl
from ..model.serialize import paused_gc
from .ddl import guarded
from .depgraph import Node, order_nodes, sql_references
from .types import add_types
from ..errors import Origin
from ..model import Catalog, Function, Grant, Schema, Table, Trigger, View, qualify, quote_literal
from ..platform import is_platform_schema
from ..model.sqltext import comment_line

# Phases: tie-break order between statements that are ready together.
SCHEMA, EXTENSION, ROLE, ENUM, FUNCTION, TABLE, KEY, FOREIGN_KEY, INDEX = range(9)
VIEW, POLICY, RLS, TRIGGER, GRANT, COMMENT = range(9, 15)


@dataclass(frozen=True, slots=True)
class Statement:
    """One SQL statement (no trailing `;`), the object it acts on, and where it came from.

    `obj` reads like "table public.users". `transactional` is False for statements that
    must not run inside the main transaction: CREATE INDEX CONCURRENTLY (planner), and in
    compiled scripts the completion of an existing enum type's values, which must be
    committed before any later statement may use them. Each is idempotent, so running
    it before (compile_script) or after (a fresh scratch database) the rest is safe.
    """

    sql: str
    obj: str
    origin: Origin | None = None
    transactional: bool = True


class _Graph:
    """Collects the nodes of one catalog; each node's sort key is (phase, key, sub, name, step)."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []

    def add(
        self,
        sort_key: tuple,
        sql: str,
        obj: str,
        origin: Origin | None,
        *,
        scan: str | None = None,
        provides: Iterable[str] = (),
        needs: Iterable[str] = (),
        ignore: Iterable[str] = (),
        after: Iterable[tuple] = (),
        transactional: bool = True,
    ) -> tuple:
        """Add a statement; `scan` is the plain DDL whose references become needs."""
        text = scan if scan is not None else sql
        all_needs = set(needs)
        # most statements scan nothing (scan=""): parsing an empty text costs as much as a short one
        if text:
            all_needs.update(sql_references(text).tokens())
        all_needs.difference_update(ignore)
        statement = Statement(sql=sql, obj=obj, origin=origin, transactional=transactional)
        # tuples, not sets: the graph of a large schema is most of compile's memory
        self.nodes.append(
            Node(
                key=sort_key,
                item=statement,
                provides=tuple(provides),
                needs=tuple(all_needs),
                after=tuple(after),
                label=obj,
            )
        )
        return sort_key


def _key(phase: int, key: str, sub: int = 0, name: str = "", step: int = 0) -> tuple:
    return (phase, key, sub, name, step)


def as_script(statements: Sequence[Statement]) -> str:
    """Statements as one script: one round trip instead of one per statement."""
    # a newline before each `;` ends a trailing line comment in a statement
    return "\n;\n".join(s.sql for s in statements)


def compile_statements(catalog: Catalog) -> tuple[Statement, ...]:
    """The idempotent statements that build `catalog`, in dependency order.

    The result depends only on the catalog's content, never on the order of its
    collections. Raises PlanCycleError when objects depend on each other in a circle
    that no statement order can satisfy (e.g. two views reading each other).
    """
    return _compile(catalog, fresh=False)


def build_statements(catalog: Catalog) -> tuple[Statement, ...]:
    """Statements that build `catalog` in a new database holding only the platform
    stand-in (a scratch database, a rebuilt kept one), in dependency order.

    The same objects as compile_statements, without the guards an existing schema needs:
    primary keys, unique and check constraints inline in CREATE TABLE (no completing
    ADD COLUMN, no DO block per constraint), foreign keys as plain ADD CONSTRAINT, no
    DROP POLICY before CREATE POLICY, so PostgreSQL does less work (the constraint DO
    blocks were the largest cost of a guarded build). Tables in
    platform schemas keep the guarded forms: the stand-in may already hold them.
    Raises PlanCycleError like compile_statements, and also when a check constraint
    needs an object that needs its table (normalize then builds with the guarded script).
    """
    return _compile(catalog, fresh=True)


def _compile(catalog: Catalog, *, fresh: bool) -> tuple[Statement, ...]:
    # a node per statement, none garbage before the end (see paused_gc)
    with paused_gc():
        g = _Graph()
        _add_objects(g, catalog, fresh)
        _add_dependants(g, catalog, fresh)
        return tuple(node.item for node in order_nodes(g.nodes))


def _new(table: Table, fresh: bool) -> bool:
    """Whether a table is built the build_statements way (see there)."""
    return fresh and not is_platform_schema(table.schema)


def _add_objects(g: _Graph, catalog: Catalog, fresh: bool) -> None:
    """Schemas, extensions, roles, enums and functions with everything about them, and the
    tables themselves (CREATE TABLE, partitions)."""
    for schema in catalog.schemas:
        _add_schema(g, schema)
    for ext in catalog.extensions:
        if ext.optional:
            sql = guarded.create_extension_if_available(ext)
        else:
            sql = ddl.create_extension(ext, if_not_exists=True)
        needs = [f"schema:{ext.schema}"] if ext.schema else []
        g.add(_key(EXTENSION, ext.name), sql, f"extension {ext.name}", ext.origin, scan="", needs=needs)
    for role in catalog.roles:
        g.add(_key(ROLE, role.name), guarded.create_role_if_missing(role), f"role {role.name}", role.origin,
              scan="", provides=[f"role:{role.name}"])
    for enum in catalog.enums:
        # a new database has no type to complete (outside the platform's schemas)
        values = [] if fresh and not is_platform_schema(enum.schema) else [
            g.add(_key(ENUM, enum.key, 0), guarded.add_missing_enum_values(enum), f"enum values {enum.key}",
                  enum.origin, scan="", transactional=False)]
        g.add(_key(ENUM, enum.key, 1), guarded.create_enum_if_missing(enum), f"enum {enum.key}", enum.origin,
              scan="", provides=[f"type:{enum.key}"], needs=[f"schema:{enum.schema}"], after=values)
        if enum.comment is not None:
            g.add(_key(COMMENT, enum.key, 0), ddl.comment_on_enum(enum), f"comment enum {enum.key}", enum.origin,
                  needs=[f"type:{enum.key}"], scan="")
    add_types(g, catalog, fresh, {"type": ENUM, "grant": GRANT, "comment": COMMENT, "key": KEY})
    for fn in catalog.functions:
        _add_function(g, fn)
    for table in catalog.tables:
        if _new(table, fresh):
            _add_new_table(g, table)
        else:
            _add_table(g, table)


def _add_dependants(g: _Graph, catalog: Catalog, fresh: bool) -> None:
    """Everything else: what is in or on the tables, views, triggers."""
    for table in catalog.tables:
        if _new(table, fresh):
            _add_new_table_dependants(g, table)
        else:
            _add_table_dependants(g, table)
    for view in catalog.views:
        _add_view(g, view)
    for trigger in catalog.triggers:
        _add_trigger(g, trigger)
    for table in catalog.platform_tables:
        _add_platform_table(g, table)
    for table in catalog.tables:
        if table.replica_identity != "default":
            _add_replica_identity(g, table)
    for publication in catalog.publications:
        _add_publication(g, publication)


def _add_publication(g: _Graph, p) -> None:
    """A publication (created when missing, its options set) and its tables (each added when
    missing): a platform publication exists already, only its tables are the user's."""
    obj = f"publication {p.name}"
    after = []
    if not p.platform:
        created = g.add(_key(GRANT, f"publication {p.name}", 0), guarded.if_missing(
            f"SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = {quote_literal(p.name)}",
            ddl.create_publication(replace(p, tables=()))), obj, p.origin, scan="")
        options = g.add(_key(GRANT, f"publication {p.name}", 1), ddl.alter_publication_options(p), obj, p.origin,
                        scan="", after=[created])
        after = [options]
    for key in p.tables:
        schema, _, name = key.partition(".")
        g.add(_key(GRANT, f"publication {p.name}", 2, key), guarded.if_missing(
            "SELECT 1 FROM pg_catalog.pg_publication_rel pr JOIN pg_catalog.pg_publication p ON p.oid = pr.prpubid"
            f" WHERE p.pubname = {quote_literal(p.name)} AND pr.prrelid = {quote_literal(qualify(schema, name))}"
            "::regclass", ddl.add_publication_table(p.name, key)),
              f"{obj}: {key}", p.origin, scan="", needs=[f"relation:{key}"], after=after)


def _add_replica_identity(g: _Graph, t: Table) -> None:
    needs = [f"relation:{t.key}"]
    if t.replica_identity.startswith("index "):
        needs += [f"keys:{t.key}", f"index:{t.schema}.{t.replica_identity[len('index '):]}"]
    g.add(_key(INDEX, t.key, 9), ddl.set_replica_identity(t, t.replica_identity), f"replica identity {t.key}",
          t.origin, scan="", needs=needs)


def _add_platform_table(g: _Graph, t: Table) -> None:
    """The user's policies on a platform table, and the RLS switches they turn on there
    (never off: the table's other switches are the platform's)."""
    for policy in t.policies:
        drop = g.add(_key(POLICY, t.key, 0, policy.name, 0), ddl.drop_policy(t, policy, if_exists=True),
                     f"policy {t.key}.{policy.name}", _policy_origin(t, policy), scan="")
        _add_policy(g, t, policy, after=[drop], needs=())
    if t.rls_enabled:
        g.add(_key(RLS, t.key, 0), ddl.enable_rls(t), f"rls {t.key}", t.origin, scan="",
              needs=[f"policies:{t.key}"] if t.policies else [])
    if t.rls_forced:
        g.add(_key(RLS, t.key, 1), ddl.force_rls(t), f"rls {t.key}", t.origin, scan="",
              needs=[f"policies:{t.key}"] if t.policies else [])


def _add_schema(g: _Graph, schema: Schema) -> None:
    obj = f"schema {schema.name}"
    g.add(_key(SCHEMA, schema.name), ddl.create_schema(schema, if_not_exists=True), obj, schema.origin,
          scan="", provides=[f"schema:{schema.name}"])
    _add_grants(g, schema, schema.name, 0, schema.grants, f"schema:{schema.name}", obj, schema.origin)
    # A schema may already hold grants where it is built (public's USAGE for PUBLIC, the
    # platform's): the source's REVOKEs are run, so the state read back is without them.
    for revoke in schema.revokes:
        g.add(_key(GRANT, schema.name, 0, revoke.grantee, 1), ddl.revoke(schema, revoke),
              f"revoke {obj} from {revoke.grantee}", revoke.origin or schema.origin, scan="",
              needs=[f"schema:{schema.name}"])
    if schema.comment is not None:
        g.add(_key(COMMENT, schema.name, 0), ddl.comment_on_schema(schema), f"comment {obj}", schema.origin,
              needs=[f"schema:{schema.name}"], scan="")


def _add_grants(g, target, key: str, kind: int, grants: tuple[Grant, ...], token: str, obj: str, origin) -> None:
    for grant in grants:
        g.add(_key(GRANT, key, kind, grant.grantee), ddl.grant(target, grant), f"grant {obj} to {grant.grantee}",
              grant.origin or origin, scan="", needs=[token, f"role:{grant.grantee}"])


def _add_function(g: _Graph, fn: Function) -> None:
    obj = f"{fn.kind} {fn.key}"
    token = f"function:{fn.schema}.{fn.name}"
    sql = ddl.create_function(fn)
    # The body is a string to pglast, so only the signature's types (and a BEGIN ATOMIC
    # body, which PostgreSQL checks at creation) become needs; check_function_bodies is
    # off for the rest, as in pg_dump output.
    own = f"{fn.kind}:{fn.key}"
    g.add(_key(FUNCTION, fn.key), sql, obj, fn.origin, provides=[token, own], needs=[f"schema:{fn.schema}"])
    # PostgreSQL lets PUBLIC execute every new function; the model lists PUBLIC when that
    # stays (the source's default, or a live function nobody restricted). So PUBLIC's
    # EXECUTE goes when it is not listed, and is never granted: creating gives it.
    public = [g_ for g_ in fn.grants if g_.grantee.lower() == "public"]
    if not public:
        everyone = Grant("public", ("execute",))
        g.add(_key(GRANT, fn.key, 3, ""), ddl.revoke(fn, everyone), f"revoke {obj} from public", fn.origin,
              scan="", needs=[own])
    others = tuple(g_ for g_ in fn.grants if g_.grantee.lower() != "public")
    _add_grants(g, fn, fn.key, 3, others, own, obj, fn.origin)
    if fn.comment is not None:
        g.add(_key(COMMENT, fn.key, 3), ddl.comment_on_function(fn), f"comment {obj}", fn.origin, needs=[own], scan="")


def _add_table(g: _Graph, t: Table) -> None:
    key, obj = t.key, f"table {t.key}"
    relation = [f"relation:{key}", f"type:{key}"]
    # The relation counts as there once every column is: after the ADD COLUMN statement,
    # which completes a table that exists with only some of its columns (a no-op otherwise).
    create = g.add(_key(TABLE, key, 0), ddl.create_table(t, if_not_exists=True, constraints=False), obj, t.origin,
                   provides=[f"table:{key}"] + ([] if t.columns else relation), needs=[f"schema:{t.schema}"],
                   ignore=relation)
    if t.columns:
        # Same columns as the CREATE TABLE, so the same needs: `after` covers them.
        g.add(_key(TABLE, key, 1), ddl.add_columns(t, t.columns, if_not_exists=True), f"columns {key}", t.origin,
              scan="", provides=relation, after=[create])
    for part in t.partitions:
        _add_partition(g, t, part)


def _add_table_dependants(g: _Graph, t: Table) -> None:
    key = t.key
    owned = [(0, t.primary_key)] if t.primary_key else []
    owned += [(1, u) for u in t.uniques] + [(2, c) for c in t.checks] + [(3, x) for x in t.exclusions]
    for sub, con in owned:
        provides = [f"keys:{key}"] if sub < 2 else []
        # Only a check's (or an exclusion's WHERE) expression can name other objects; keys
        # name their own columns.
        scan = ddl.add_constraint(t, con) if sub >= 2 else ""
        g.add(_key(KEY, key, sub, con.name), guarded.add_constraint_if_missing(t, con),
              f"constraint {key}.{con.name}", con.origin or t.origin, scan=scan, provides=provides,
              needs=[f"relation:{key}"])
    for fk in t.foreign_keys:
        _add_foreign_key(g, t, fk, guarded.add_constraint_if_missing(t, fk))
    for index in t.indexes:
        _add_index(g, t, index)
    for policy in t.policies:
        pobj = f"policy {key}.{policy.name}"
        drop = g.add(_key(POLICY, key, 0, policy.name, 0), ddl.drop_policy(t, policy, if_exists=True), pobj,
                     _policy_origin(t, policy), scan="", needs=[f"relation:{key}"])
        _add_policy(g, t, policy, after=[drop], needs=())
    _add_table_extras(g, t)


def _add_partition(g: _Graph, t: Table, part) -> None:
    pkey = f"{t.schema}.{part.name}"
    g.add(_key(TABLE, t.key, 2, part.name), ddl.create_partition(t, part, if_not_exists=True),
          f"partition {pkey}", part.origin or t.origin, provides=[f"relation:{pkey}", f"type:{pkey}"])
    # a partition named directly uses its own RLS, so it gets the parent's switches
    alone = Table(schema=t.schema, name=part.name)
    for sub, on, sql in ((2, t.rls_enabled, ddl.enable_rls(alone)), (3, t.rls_forced, ddl.force_rls(alone))):
        if on:
            g.add(_key(RLS, t.key, sub, part.name), sql, f"rls {pkey}", t.policies_origin or t.origin, scan="",
                  needs=[f"relation:{pkey}"])


def _add_foreign_key(g: _Graph, t: Table, fk, sql: str) -> None:
    g.add(_key(FOREIGN_KEY, t.key, 0, fk.name), sql, f"constraint {t.key}.{fk.name}", fk.origin or t.origin,
          scan="", needs=[f"relation:{t.key}", f"relation:{fk.ref_schema}.{fk.ref_table}",
                          f"keys:{fk.ref_schema}.{fk.ref_table}"])


def _policy_origin(t: Table, policy) -> Origin | None:
    return policy.origin or t.policies_origin or t.origin


def _add_policy(g: _Graph, t: Table, policy, *, after, needs) -> None:
    key, origin = t.key, _policy_origin(t, policy)
    pobj = f"policy {key}.{policy.name}"
    created = g.add(_key(POLICY, key, 0, policy.name, 1), ddl.create_policy(t, policy), pobj, origin,
                    provides=[f"policies:{key}"], needs=needs, after=after)
    if policy.comment is not None:
        g.add(_key(COMMENT, key, 1, f"policy {policy.name}"), ddl.comment_on_policy(t, policy),
              f"comment {pobj}", origin, after=[created], scan="")


def _add_table_extras(g: _Graph, t: Table) -> None:
    """What follows a table in both forms: RLS switches, grants, comments."""
    key, obj = t.key, f"table {t.key}"
    relation = [f"relation:{key}", f"type:{key}"]
    rls_origin = t.policies_origin or t.origin
    if t.rls_enabled:
        g.add(_key(RLS, key, 0), ddl.enable_rls(t), f"rls {key}", rls_origin, scan="",
              needs=[f"relation:{key}", f"policies:{key}"])
    if t.rls_forced:
        g.add(_key(RLS, key, 1), ddl.force_rls(t), f"rls {key}", rls_origin, scan="",
              needs=[f"relation:{key}", f"policies:{key}"])
    _add_grants(g, t, key, 1, t.grants, f"relation:{key}", obj, t.origin)
    for col in t.columns:
        for grant in col.grants:
            g.add(_key(GRANT, f"{key}.{col.name}", 1, grant.grantee), ddl.grant_columns(t, col, grant),
                  f"grant column {key}.{col.name} to {grant.grantee}", grant.origin or col.origin or t.origin,
                  scan="", needs=[f"relation:{key}", f"role:{grant.grantee}"])
    if t.comment is not None:
        g.add(_key(COMMENT, key, 1), ddl.comment_on_table(t), f"comment {obj}", t.origin, needs=relation, scan="")
    for i, col in enumerate(t.columns):
        if col.comment is not None:
            g.add(_key(COMMENT, key, 2, f"{i:05d}"), ddl.comment_on_column(t, col), f"comment column {key}.{col.name}",
                  col.origin or t.origin, needs=relation, scan="")


def _add_new_table(g: _Graph, t: Table) -> None:
    """A table of build_statements: one CREATE TABLE with its keys and checks (their
    expressions scanned with it); then plain foreign keys and policies, the rest as for
    _add_table (_add_new_table_dependants). Foreign keys stay ALTER TABLE statements:
    written inside CREATE TABLE (where tables allow) they cost PostgreSQL more."""
    key, obj = t.key, f"table {t.key}"
    relation = [f"relation:{key}", f"type:{key}"]
    g.add(_key(TABLE, key, 0), ddl.create_table(t, if_not_exists=True), obj, t.origin,
          provides=[f"table:{key}", f"keys:{key}", *relation], needs=[f"schema:{t.schema}"], ignore=relation)
    for part in t.partitions:
        _add_partition(g, t, part)


def _add_new_table_dependants(g: _Graph, t: Table) -> None:
    key = t.key
    for fk in t.foreign_keys:
        _add_foreign_key(g, t, fk, ddl.add_constraint(t, fk))
    for index in t.indexes:
        _add_index(g, t, index)
    for policy in t.policies:
        _add_policy(g, t, policy, after=(), needs=[f"relation:{key}"])
    _add_table_extras(g, t)


def _add_index(g: _Graph, target: Table | View, index) -> None:
    phase, sub = (INDEX, 0) if isinstance(target, Table) else (VIEW, 1)
    iobj = f"index {target.schema}.{index.name}"
    g.add(_key(phase, target.key, sub, index.name), ddl.create_index(target, index, if_not_exists=True), iobj,
          index.origin or target.origin, provides=[f"index:{target.schema}.{index.name}"])
    if index.comment is not None:
        g.add(_key(COMMENT, target.key, 4, index.name), ddl.comment_on_index(target, index), f"comment {iobj}",
              index.origin or target.origin, needs=[f"index:{target.schema}.{index.name}"], scan="")


def _add_view(g: _Graph, v: View) -> None:
    kind = "materialized view" if v.materialized else "view"
    obj = f"{kind} {v.key}"
    if v.materialized:
        sql = ddl.create_view(v, if_not_exists=True)
    else:
        sql = ddl.create_view(v, or_replace=True)
    needs = [f"schema:{v.schema}"] + [_relation_token(d) for d in v.depends_on]
    g.add(_key(VIEW, v.key, 0), sql, obj, v.origin, provides=[f"relation:{v.key}", f"type:{v.key}"], needs=needs)
    for index in v.indexes:
        _add_index(g, v, index)
    _add_grants(g, v, v.key, 2, v.grants, f"relation:{v.key}", obj, v.origin)
    if v.comment is not None:
        g.add(_key(COMMENT, v.key, 5), ddl.comment_on_view(v), f"comment {obj}", v.origin,
              needs=[f"relation:{v.key}"], scan="")


def _relation_token(name: str) -> str:
    schema, _, rel = name.rpartition(".")
    return f"relation:{schema}.{rel}" if schema else f"relation:?{rel}"


_FUNCTION_NAME = re.compile(r"^\s*([^(]+?)\s*(?:\(.*)?$", re.S)


def _add_trigger(g: _Graph, trg: Trigger) -> None:
    obj = f"trigger {trg.key}"
    needs = [f"relation:{trg.schema}.{trg.table}"]
    m = _FUNCTION_NAME.match(trg.function or "")
    if m:
        schema, _, name = m.group(1).replace('"', "").rpartition(".")
        needs.append(f"function:{schema}.{name}" if schema else f"function:?{name}")
    if ddl.is_constraint_trigger(trg):
        sql = guarded.create_constraint_trigger_if_missing(trg)
    else:
        sql = ddl.create_trigger(trg, or_replace=True)
    created = g.add(_key(TRIGGER, f"{trg.schema}.{trg.table}", 0, trg.name), sql, obj, trg.origin,
                    scan=ddl.create_trigger(trg), needs=needs)
    if not trg.enabled:
        g.add(_key(TRIGGER, f"{trg.schema}.{trg.table}", 0, trg.name, 1), ddl.set_trigger_enabled(trg), obj,
              trg.origin, after=[created])


def compile_script(catalog: Catalog, fingerprint: str) -> str:
    """The whole script: a header with the source fingerprint and tool version, then every
    statement of compile_statements in one transaction.

    check_function_bodies is off (as in pg_dump output) so a function may be created
    before the tables its body reads; notices ("already exists, skipping") are silenced.
    Non-transactional statements (enum values added to an existing type) run first, each
    committed on its own, so that the transaction may use the values.
    """
    statements = compile_statements(catalog)
    # The script is joined from pieces that name each statement's SQL, not from lines
    # holding a copy of it with its ";" (a second copy of the script, next to the result).
    parts = [
        f"-- Generated by roseram-schema {__version__} (compile). Do not edit by hand.\n",
        f"-- Source fingerprint: {comment_line(fingerprint)}\n",
        "-- Idempotent: run it with  psql -v ON_ERROR_STOP=1 -f <file>  as often as needed.\n",
        "\n",
        "SET client_min_messages = warning;\n",
        "\n",
    ]
    before = [s for s in statements if not s.transactional]
    if before:
        parts += ["-- Outside the transaction: a new enum value must be committed before it is used.\n", "\n"]
        _add_statement_parts(parts, before)
    parts += ["BEGIN;\n", "SET LOCAL check_function_bodies = off;\n", "\n"]
    _add_statement_parts(parts, (s for s in statements if s.transactional))
    parts.append("COMMIT;\n")
    return "".join(parts)


def _add_statement_parts(parts: list[str], statements: Iterable[Statement]) -> None:
    """Each statement as "-- <obj>", "<sql>;" and an empty line."""
    for statement in statements:
        parts += ["-- ", comment_line(statement.obj), "\n", statement.sql, ";\n\n"]


__all__ = ["Statement", "as_script", "build_statements", "compile_script", "compile_statements"]
