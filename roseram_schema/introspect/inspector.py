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

from ..model import Catalog, Index, build_catalog
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
from .rows import CatalogRows, read_catalog_rows
from .tables import TableParts, index_from_row


def inspect_catalog(
    conn,
    schemas: Sequence[str] | None = None,
    *,
    roles: Sequence[str] = (),
    extensions: Sequence[str] = (),
    connect=None,
    tables: Sequence[str] | None = None,
) -> Catalog:
    """Read the live database behind `conn` into a sorted Catalog.

    `schemas`: the schemas to read; None means every schema except system, platform
    (`platform.PLATFORM_SCHEMAS`, our own history schema) and extension-owned ones.
    `roles`: roles to report besides the ones grants and policies name (e.g. the source's
    `roles:`); platform roles (`platform.PLATFORM_ROLES`) are never reported.
    `extensions`: extensions to report besides the ones installed in a schema in scope
    (e.g. the source's `extensions:`, which often live in the platform `extensions`
    schema). Extension-owned objects are always left out.
    `connect`: a function opening another connection to the same database, for reading
    half of the catalog in parallel (see rows.read_catalog_rows).
    `tables`: only these tables ("schema.name"), everything else whole; see
    rows.read_catalog_rows.

    A failing read raises DatabaseError.

    Texts are PostgreSQL's printed forms: format_type, pg_get_expr, pg_get_constraintdef
    (inside `CHECK (...)`), pg_get_indexdef per column, pg_get_viewdef(oid, true),
    pg_get_functiondef, pg_get_triggerdef. Indexes that back a primary key or unique
    constraint belong to the constraint and are not in Table.indexes.
    """
    return assemble(inspect_rows(conn, schemas, roles=roles, extensions=extensions, connect=connect, tables=tables))


def inspect_rows(conn, schemas: Sequence[str] | None = None, *, roles: Sequence[str] = (),
                 extensions: Sequence[str] = (), connect=None, tables: Sequence[str] | None = None) -> CatalogRows:
    """The rows inspect_catalog builds its Catalog from (`assemble` builds it); a failing
    read raises DatabaseError. `connect` opens a second connection to the same database
    for a parallel read (see rows.read_catalog_rows)."""
    import psycopg

    from ..errors import DatabaseError

    if isinstance(schemas, str):
        schemas = [schemas]
    try:
        return read_catalog_rows(conn, schemas, roles, extensions, connect=connect, tables=tables)
    except psycopg.Error as e:
        raise DatabaseError(f"reading the database catalog failed: {e}") from e


def inspect_row_estimates(conn, schemas: Sequence[str]) -> dict[str, int]:
    """Estimated row count per table / materialized view, {"schema.name": rows}.

    From reltuples (summed over partitions for a partitioned table); a table never
    vacuumed or analyzed is estimated from its current size, so a non-empty table never
    reads as 0. Cheap: one query, no table scans.
    """
    rows = run_query(conn, "row_estimates", {"schemas": list(schemas)})
    return {f"{r['schema']}.{r['name']}": int(r["rows"]) for r in rows}


def assemble(read: CatalogRows) -> Catalog:
    """Build the sorted Catalog from the rows of every query."""
    from ..catalog_json import paused_gc

    with paused_gc():  # tens of thousands of frozen objects, no cycles among them
        return _assemble(read)


def _assemble(read: CatalogRows) -> Catalog:
    scope_rows, rows = read.schemas, read.rows
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
