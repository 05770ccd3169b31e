"""Read a live database into the model: one catalog query per object kind.

The queries live in `queries/*.sql`. They run in one read-only REPEATABLE READ
transaction (a consistent snapshot when the connection is idle) with `search_path` set to
empty, so every name PostgreSQL prints (types, functions, relations in view bodies and
policy expressions) is schema-qualified the same way whatever the caller's settings are:
two databases are only comparable when their texts come from the same printer settings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from contextlib import contextmanager

from ..model import Catalog, Index, build_catalog
from ..platform import PLATFORM_ROLES
from .objects import (
    enum_from_row,
    extension_from_row,
    function_from_row,
    grants_by_object,
    role_from_row,
    schema_from_row,
    trigger_from_row,
    view_from_row,
)
from .queries import run_query
from .scope import excluded_schemas
from .tables import TableParts, index_from_row


def inspect_catalog(
    conn,
    schemas: Sequence[str] | None = None,
    *,
    roles: Sequence[str] = (),
    extensions: Sequence[str] = (),
) -> Catalog:
    """Read the live database behind `conn` into a sorted Catalog.

    `schemas`: the schemas to read; None means every schema except system, platform
    (`platform.PLATFORM_SCHEMAS`, our own history schema) and extension-owned ones.
    `roles`: roles to report besides the ones grants and policies name (e.g. the source's
    `roles:`); platform roles (`platform.PLATFORM_ROLES`) are never reported.
    `extensions`: extensions to report besides the ones installed in a schema in scope
    (e.g. the source's `extensions:`, which often live in the platform `extensions`
    schema). Extension-owned objects are always left out.

    A failing read raises DatabaseError.

    Texts are PostgreSQL's printed forms: format_type, pg_get_expr, pg_get_constraintdef
    (inside `CHECK (...)`), pg_get_indexdef per column, pg_get_viewdef(oid, true),
    pg_get_functiondef, pg_get_triggerdef. Indexes that back a primary key or unique
    constraint belong to the constraint and are not in Table.indexes.
    """
    import psycopg

    from ..errors import DatabaseError

    if isinstance(schemas, str):
        schemas = [schemas]
    try:
        scope_rows, rows = _read_rows(conn, schemas, roles, extensions)
    except psycopg.Error as e:
        raise DatabaseError(f"reading the database catalog failed: {e}") from e
    return _assemble(scope_rows, rows)


def _read_rows(conn, schemas, roles, extensions) -> tuple[list[dict], dict[str, list[dict]]]:
    """Run every catalog query in one snapshot; the rows of each, by query name."""
    with _catalog_snapshot(conn):
        scope_rows = run_query(
            conn, "schemas", {"schemas": None if schemas is None else list(schemas), "excluded": excluded_schemas()}
        )
        scope = [r["name"] for r in scope_rows]
        params = {"schemas": scope}
        rows = {
            name: run_query(conn, name, params)
            for name in (
                "enums",
                "tables",
                "columns",
                "constraints",
                "indexes",
                "policies",
                "partitions",
                "grants",
                "views",
                "functions",
                "triggers",
            )
        }
        rows["extensions"] = run_query(conn, "extensions", {"schemas": scope, "extensions": list(extensions)})
        wanted_roles = _roles_in_use(rows, roles)
        rows["roles"] = run_query(conn, "roles", {"roles": wanted_roles}) if wanted_roles else []
    return scope_rows, rows


def inspect_row_estimates(conn, schemas: Sequence[str]) -> dict[str, int]:
    """Estimated row count per table / materialized view, {"schema.name": rows}.

    From reltuples (summed over partitions for a partitioned table); a table never
    vacuumed or analyzed is estimated from its current size, so a non-empty table never
    reads as 0. Cheap: one query, no table scans.
    """
    rows = run_query(conn, "row_estimates", {"schemas": list(schemas)})
    return {f"{r['schema']}.{r['name']}": int(r["rows"]) for r in rows}


@contextmanager
def _catalog_snapshot(conn):
    """One transaction for all queries, search_path empty; the caller's state is kept.

    On an idle connection this is a new read-only REPEATABLE READ transaction (one
    snapshot for every query). Inside a caller's transaction it is a savepoint, and the
    caller's search_path is put back afterwards.
    """
    from psycopg.pq import TransactionStatus

    idle = conn.info.transaction_status == TransactionStatus.IDLE
    with conn.transaction():
        if idle:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL search_path = ''")
            yield
        else:
            previous = conn.execute("SELECT pg_catalog.current_setting('search_path')").fetchone()[0]
            conn.execute("SELECT pg_catalog.set_config('search_path', '', true)")
            yield
            # after an error the savepoint's rollback restores the setting by itself
            conn.execute("SELECT pg_catalog.set_config('search_path', %s, true)", (previous,))


def _roles_in_use(rows: dict, requested: Sequence[str]) -> list[str]:
    """Requested roles plus every role a grant or policy names; PUBLIC is not a role, and
    the platform's roles (anon, authenticated, service_role) belong to the platform, which
    creates them (Supabase, or ensure_platform): they are never part of a catalog."""
    names = set(requested)
    names.update(r["grantee"] for r in rows["grants"])
    for policy in rows["policies"]:
        names.update(policy["roles"])
    names.discard("public")
    return sorted(names - set(PLATFORM_ROLES))


def _assemble(scope_rows: list[dict], rows: dict[str, list[dict]]) -> Catalog:
    """Build the sorted Catalog from the rows of every query."""
    grants = grants_by_object(rows["grants"])
    parts = TableParts()
    parts.add_columns(rows["columns"])
    parts.add_constraints(rows["constraints"])
    parts.add_indexes([r for r in rows["indexes"] if not r["on_matview"]])
    parts.add_policies(rows["policies"])
    parts.add_partitions(rows["partitions"])
    for (kind, key), object_grants in grants.items():
        if kind == "relation":
            parts.grants[key] = list(object_grants)
    matview_indexes: dict[str, list[Index]] = defaultdict(list)
    for row in rows["indexes"]:
        if row["on_matview"]:
            matview_indexes[f"{row['schema']}.{row['table']}"].append(index_from_row(row))
    return build_catalog(
        schemas=[schema_from_row(r, grants) for r in scope_rows],
        extensions=[extension_from_row(r) for r in rows["extensions"]],
        roles=[role_from_row(r) for r in rows["roles"]],
        enums=[enum_from_row(r) for r in rows["enums"]],
        tables=[parts.build(r) for r in rows["tables"]],
        views=[view_from_row(r, grants, matview_indexes) for r in rows["views"]],
        functions=[function_from_row(r, grants) for r in rows["functions"]],
        triggers=[trigger_from_row(r) for r in rows["triggers"]],
    )
