"""SQL statements about objects Supabase-style schemas use beyond tables: constraints that
take over an index (`ADD CONSTRAINT ... PRIMARY KEY USING INDEX i`, as `supabase db diff`
writes them), publications, replica identity."""

from __future__ import annotations

from copy import copy
from dataclasses import replace

from ..model import ExclusionConstraint, PrimaryKey, Table, quote_ident
from .sqltext import to_sql
from .problems import Problems


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
