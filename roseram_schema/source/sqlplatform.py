"""SQL statements about objects Supabase-style schemas use beyond tables: constraints that
take over an index (`ADD CONSTRAINT ... PRIMARY KEY USING INDEX i`, as `supabase db diff`
writes them), publications, replica identity."""

from __future__ import annotations

from copy import copy
from dataclasses import replace
from functools import partial

from ..model import PUBLISH_ACTIONS, ExclusionConstraint, PrimaryKey, Publication, Table, quote_ident
from ..platform import PLATFORM_PUBLICATIONS
from .sqltext import to_sql
from .problems import Problems, did_you_mean


def take_over_indexes(table: Table, parts, origin, problems: Problems):
    """(table, parts) with each `USING INDEX` constraint given its index's columns and the
    index removed from the table: PostgreSQL turns the index into the constraint's own."""
    parts = copy(parts)  # the queued statement may be replayed from a cached draft
    by_column = {quote_ident(c.name): c.name for c in table.columns}
    indexes = list(table.indexes)
    columns_of: dict[str, tuple[str, ...]] = {}
    nulls: dict[str, bool] = {}
    for con_name, index_name in parts.using_index.items():
        index = next((i for i in indexes if i.name == index_name), None)
        if index is None:
            problems.add(origin, table.key, f"constraint {con_name} uses index {index_name}, "
                         f"which is not declared on {table.key}")
            continue
        if (not index.unique or index.method != "btree" or index.where or index.include
                or not all(k in by_column for k in index.keys)):
            problems.add(index.origin or origin, table.key,
                         f"index {index_name} cannot become constraint {con_name}: it must be a "
                         "unique btree index on plain columns, without WHERE or INCLUDE")
            continue
        indexes.remove(index)
        columns_of[con_name] = tuple(by_column[k] for k in index.keys)
        nulls[con_name] = index.nulls_not_distinct
    if parts.primary_key is not None and parts.primary_key.name in columns_of:
        pk = parts.primary_key
        parts.primary_key = PrimaryKey(pk.name, columns_of[pk.name], pk.origin)
    parts.uniques = [replace(u, columns=columns_of[u.name], nulls_not_distinct=nulls[u.name])
                     if u.name in columns_of else u for u in parts.uniques]
    parts.using_index = {}
    return replace(table, indexes=tuple(indexes)), parts


def _platform_table(key: str, d) -> Table:
    table = d.platform_tables.get(key)
    if table is None:
        schema, _, name = key.partition(".")
        table = d.platform_tables[key] = Table(schema=schema, name=name)
    return table


def attach_platform_policy(key: str, policy, d) -> None:
    """A policy of the user's on a platform table (storage.objects): managed like any other."""
    table = _platform_table(key, d)
    d.platform_tables[key] = replace(table, policies=table.policies + (policy,))


def attach_platform_alter(key: str, changes: list[dict], parts, origin, d) -> None:
    """ALTER TABLE of a platform table: only its RLS switches are the user's to set."""
    if (parts.primary_key or parts.uniques or parts.checks or parts.foreign_keys or parts.exclusions
            or parts.using_index):
        d.problems.add(origin, key, f"{key} belongs to the platform: only its row level security "
                       "switches, policies and triggers are yours to declare")
        return
    table = _platform_table(key, d)
    for change in changes:
        table = replace(table, **change)
    d.platform_tables[key] = table


_REPLICA_IDENTITIES = {"d": "default", "f": "full", "n": "nothing"}


def replica_identity_of(node) -> str:
    """The model's text of a REPLICA IDENTITY clause (a ReplicaIdentityStmt)."""
    if node.identity_type == "i":
        return f"index {node.name}"
    return _REPLICA_IDENTITIES[node.identity_type]


def exclusion_from(con, origin) -> ExclusionConstraint:
    """An ExclusionConstraint from an EXCLUDE clause (its name may be empty: named later)."""
    text = to_sql(con)
    if con.conname:
        # to_sql prints `CONSTRAINT name EXCLUDE ...`: the model keeps the clause only
        text = text.split(" ", 2)[2]
    columns = tuple(elem.name or "expr" for elem, _ in con.exclusions or ())
    return ExclusionConstraint(con.conname or "", text, columns, origin)


def _publication_tables(stmt, schema: str, problems: Problems) -> tuple[str, ...] | None:
    """"schema.table" keys of a publication statement's objects; None (reported) when it
    names what the model cannot hold (a schema's tables, a column list, a row filter)."""
    keys = []
    for spec in stmt.node.pubobjects or ():
        table = spec.pubtable
        if table is None or table.columns or table.whereClause is not None:
            problems.add(stmt.origin, f"publication {stmt.node.pubname}",
                         "TABLES IN SCHEMA, column lists and row filters of publications are not managed",
                         "list the tables: FOR TABLE s.a, s.b")
            return None
        keys.append(f"{table.relation.schemaname or schema}.{table.relation.relname}")
    return tuple(keys)


def _publication_options(stmt, problems: Problems) -> dict | None:
    changes: dict = {}
    for opt in stmt.node.options or ():
        value = str(getattr(opt.arg, "sval", None) or getattr(opt.arg, "boolval", "")).strip().lower()
        if opt.defname == "publish":
            actions = {a.strip() for a in value.split(",") if a.strip()}
            if not actions <= set(PUBLISH_ACTIONS):
                problems.add(stmt.origin, f"publication {stmt.node.pubname}", f"unknown publish action in {value!r}")
                return None
            changes["publish"] = tuple(a for a in PUBLISH_ACTIONS if a in actions)
        elif opt.defname == "publish_via_partition_root":
            changes["via_root"] = value in ("true", "on", "1", "yes", "")
        else:
            problems.add(stmt.origin, f"publication {stmt.node.pubname}", f"publication option {opt.defname} is not managed")
            return None
    return changes


def create_publication(stmt, file, schema: str, draft) -> None:
    """CREATE PUBLICATION: queued, so ALTER PUBLICATION of it may be in any file."""
    tables = _publication_tables(stmt, schema, draft.problems)
    options = _publication_options(stmt, draft.problems)
    if tables is None or options is None:
        return
    publication = Publication(stmt.node.pubname, tuple(sorted(set(tables))), bool(stmt.node.for_all_tables),
                              origin=stmt.origin, **options)
    draft.later.append(partial(attach_publication, publication))


def attach_publication(publication: Publication, d) -> None:
    if publication.name in PLATFORM_PUBLICATIONS:
        d.problems.add(publication.origin, f"publication {publication.name}",
                       "this publication is the platform's: add tables with ALTER PUBLICATION ... ADD TABLE")
        return
    if publication.name in d.publications:
        first = d.publications[publication.name].origin
        d.problems.add(publication.origin, f"publication {publication.name}",
                       f"duplicate publication {publication.name}", f"it is already declared at {first}")
        return
    if _tables_declared(publication.name, publication.tables, publication.origin, d):
        d.publications[publication.name] = publication


def _tables_declared(name: str, tables, origin, d) -> bool:
    missing = [t for t in tables if t not in d.tables]
    for key in missing:
        d.problems.add(origin, f"publication {name}", f"publication of {key}, which is not a declared table",
                       did_you_mean(key, d.tables))
    return not missing


def alter_publication_statement(stmt, file, schema: str, draft) -> None:
    """ALTER PUBLICATION p ADD/SET/DROP TABLE ... | SET (options): applied once every
    publication is declared (after_naming runs after every `later`)."""
    tables = _publication_tables(stmt, schema, draft.problems)
    options = _publication_options(stmt, draft.problems)
    if tables is None or options is None:
        return
    action = stmt.node.action.name if stmt.node.pubobjects else "AP_Options"
    draft.after_naming.append(partial(alter_publication, stmt.node.pubname, action, tables, options,
                                      stmt.origin))


def alter_publication(name: str, action: str, tables: tuple[str, ...], options: dict, origin, d) -> None:
    publication = d.publications.get(name)
    if publication is None and name in PLATFORM_PUBLICATIONS:
        publication = Publication(name, platform=True, origin=origin)
    if publication is None:
        d.problems.add(origin, f"publication {name}", f"ALTER PUBLICATION of {name}, which is not declared")
        return
    if publication.platform and options:
        d.problems.add(origin, f"publication {name}", "the options of a platform publication are the platform's")
        return
    if not _tables_declared(name, tables, origin, d):
        return
    have = set(publication.tables)
    if action == "AP_AddObjects":
        have |= set(tables)
    elif action == "AP_DropObjects":
        have -= set(tables)
    elif action == "AP_SetObjects":
        have = set(tables)
    d.publications[name] = replace(publication, tables=tuple(sorted(have)), **options)
