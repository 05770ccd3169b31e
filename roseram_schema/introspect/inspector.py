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

import psycopg

from ..errors import DatabaseError
from ..model import Catalog, Index, build_catalog
from ..model.serialize import paused_gc
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
from .columngrants import split_column_rows, with_column_grants
from .queries import run_query
from .rows import OBJECT_QUERIES, CatalogRows, read_catalog_rows
from .tables import TableParts, index_from_row
from .types import composite_from_row, domain_from_row, sequence_from_row
from .tables import TableParts, index_from_row, platform_tables_from_rows, publication_from_row


def inspect_catalog(
    conn,
    schemas: Sequence[str] | None = None,
    *,
    roles: Sequence[str] = (),
    extensions: Sequence[str] = (),
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
    `tables`: only these tables ("schema.name"), everything else whole; see
    rows.read_catalog_rows.

    A failing read raises DatabaseError.

    Texts are PostgreSQL's printed forms: format_type, pg_get_expr, pg_get_constraintdef
    (inside `CHECK (...)`), pg_get_indexdef per column, pg_get_viewdef(oid, true),
    pg_get_functiondef, pg_get_triggerdef. Indexes that back a primary key or unique
    constraint belong to the constraint and are not in Table.indexes.
    """
    builder = _Builder()
    read = inspect_rows(conn, schemas, roles=roles, extensions=extensions, tables=tables,
                        consume=builder.take)
    return builder.build(read)


def inspect_rows(conn, schemas: Sequence[str] | None = None, *, roles: Sequence[str] = (),
                 extensions: Sequence[str] = (), tables: Sequence[str] | None = None,
                 consume=None) -> CatalogRows:
    """The rows inspect_catalog builds its Catalog from (`assemble` builds it); a failing
    read raises DatabaseError. `consume` takes each query's rows as they come instead (see
    rows.read_catalog_rows)."""
    if isinstance(schemas, str):
        schemas = [schemas]
    try:
        return read_catalog_rows(conn, schemas, roles, extensions, tables=tables, consume=consume)
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
    builder = _Builder()
    for name in OBJECT_QUERIES:
        builder.take(name, read.rows[name])
    return builder.build(read)


class _Builder:
    """Turns each query's rows into model objects as they come (`take`, from either
    reading thread: each query fills its own part), so they need not all be held at once;
    `build` makes the Catalog once every query was taken."""

    def __init__(self) -> None:
        self.parts = TableParts()
        self.grants: dict = {}
        self.column_grants: dict = {}
        self.matview_indexes: dict[str, list[Index]] = defaultdict(list)
        self.later: dict[str, list[dict]] = {}  # few rows, built when the grants are known

    def take(self, name: str, rows: list[dict]) -> None:
        with paused_gc():  # thousands of frozen objects, no cycles among them
            if name == "columns":
                self.parts.add_columns(rows)
            elif name == "constraints":
                self.parts.add_constraints(rows)
            elif name == "indexes":
                self.parts.add_indexes([r for r in rows if not r["on_matview"]])
                for row in rows:
                    if row["on_matview"]:
                        self.matview_indexes[f"{row['schema']}.{row['table']}"].append(index_from_row(row))
            elif name == "policies":
                self.parts.add_policies(rows)
            elif name == "partitions":
                self.parts.add_partitions(rows)
            elif name == "grants":
                rows, self.column_grants = split_column_rows(rows)
                self.grants = grants_by_object(rows)
            else:
                self.later[name] = rows

    def build(self, read: CatalogRows) -> Catalog:
        with paused_gc():
            return self._build(read)

    def _build(self, read: CatalogRows) -> Catalog:
        grants, parts, later = self.grants, self.parts, self.later
        for (kind, key), object_grants in grants.items():
            if kind == "relation":
                parts.grants[key] = list(object_grants)
        return build_catalog(
            schemas=[schema_from_row(r, grants) for r in read.schemas],
            extensions=[extension_from_row(r) for r in read.rows["extensions"]],
            roles=[role_from_row(r) for r in read.rows["roles"]],
            enums=[enum_from_row(r) for r in later["enums"]],
            tables=[with_column_grants(parts.build(r), self.column_grants.get(f"{r['schema']}.{r['name']}"))
                    for r in later["tables"]],
            views=[view_from_row(r, grants, self.matview_indexes) for r in later["views"]],
            functions=[function_from_row(r, grants) for r in later["functions"]],
            triggers=[trigger_from_row(r) for r in later["triggers"]],
            domains=[domain_from_row(r) for r in later["domains"]],
            composite_types=[composite_from_row(r) for r in later["types"]],
            sequences=[sequence_from_row(r) for r in later["sequences"]],
            platform_tables=platform_tables_from_rows(later["platform_policies"]),
            publications=[publication_from_row(r) for r in later["publications"]],
        )
