"""The raw rows of every catalog query, read in one snapshot (no model objects built).

inspector.py turns them into a Catalog; nochange.py hashes them, so a target whose rows
are the ones a clean comparison saw is known to match the source without building either
catalog. Only psycopg, the query files and the platform's names are imported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from psycopg.pq import TransactionStatus

from ..platform import PLATFORM_ROLES, PLATFORM_SCHEMAS
from .queries import run_queries, run_query
from .scope import excluded_schemas
from .types import TYPE_QUERIES, grantees_of

# The per-schema queries, in the order they run (the digest depends on it).
OBJECT_QUERIES = (
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
    *TYPE_QUERIES,
    "platform_policies",
    "publications",
)


@dataclass(frozen=True)
class CatalogRows:
    """What the catalog queries returned: the schemas in scope, and the rows of every other
    query by name (OBJECT_QUERIES, then "extensions" and "roles")."""

    schemas: list[dict]
    rows: dict[str, list[dict]]


def read_catalog_rows(conn, schemas: Sequence[str] | None, roles: Sequence[str] = (),
                      extensions: Sequence[str] = (), *,
                      tables: Sequence[str] | None = None, consume=None) -> CatalogRows:
    """Run every catalog query in one snapshot (see inspector.inspect_catalog for the
    arguments). A failing query raises DatabaseError naming it.

    `tables` ("schema.name" keys): read only these tables and what lives in them (columns,
    constraints, indexes, policies, partitions, grants); every other kind is read whole.
    The roles are then only those `roles` names and the rows read name: the caller adds
    the ones its other tables use (cache/incremental.py splices such a read into a catalog).

    `consume(name, rows)`, when given, takes the rows of each OBJECT_QUERIES query once,
    as soon as they are read, and they are not
    kept in the result (whose `rows` then holds "extensions" and "roles" only): the rows
    of one query at a time take a fraction of the memory of all the rows at once."""
    kept: dict[str, list[dict]] = {}
    named_roles: set[str] = set(roles)

    def take(name: str, rows: list[dict]) -> None:
        _add_named_roles(named_roles, name, rows)
        if consume is None:
            kept[name] = rows
        else:
            consume(name, rows)

    with _catalog_snapshot(conn):
        scope_rows = run_query(
            conn, "schemas", {"schemas": None if schemas is None else list(schemas), "excluded": excluded_schemas()}
        )
        params = {"schemas": [r["name"] for r in scope_rows], "tables": None if tables is None else sorted(tables),
                  "platform": list(PLATFORM_SCHEMAS)}
        batch = [(name, params) for name in OBJECT_QUERIES]
        batch.append(("extensions", {**params, "extensions": list(extensions)}))
        extension_rows: list[dict] = []
        for name, query_rows in run_queries(conn, batch):
            if name == "extensions":
                extension_rows = query_rows
            else:
                take(name, query_rows)
        rows = {name: kept[name] for name in OBJECT_QUERIES if name in kept}
        rows["extensions"] = extension_rows
        wanted_roles = sorted((named_roles - {"public"}) - set(PLATFORM_ROLES))
        rows["roles"] = run_query(conn, "roles", {"roles": wanted_roles}) if wanted_roles else []
    return CatalogRows(scope_rows, rows)


def _is_idle(conn) -> bool:
    return conn.info.transaction_status == TransactionStatus.IDLE


@contextmanager
def _catalog_snapshot(conn):
    """One transaction for all queries, search_path empty; the caller's state is kept.

    On an idle connection this is a new read-only REPEATABLE READ transaction (one
    snapshot for every query). Inside a caller's transaction it is a savepoint, and the
    caller's search_path is put back afterwards.
    """
    idle = _is_idle(conn)
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


def _add_named_roles(names: set[str], query: str, rows: list[dict]) -> None:
    """Add the roles a grant or policy of `rows` names. The catalog's roles are the
    requested ones and these; PUBLIC is not a role, and the platform's roles (anon,
    authenticated, service_role) belong to the platform, which creates them (Supabase, or
    ensure_platform): they are never part of a catalog."""
    if query == "grants":
        names.update(r["grantee"] for r in rows)
    elif query in ("policies", "platform_policies"):
        for policy in rows:
            names.update(policy["roles"])
    elif query == "sequences":
        names.update(grantees_of(rows))


def available_extensions(conn, names) -> list[str]:
    """Which of `names` the server can install (pg_available_extensions), sorted: an
    optional extension it does not ship is left out of the desired state."""
    if not names:
        return []
    rows = conn.execute(
        "SELECT name FROM pg_catalog.pg_available_extensions WHERE name = ANY(%s) ORDER BY name", (list(names),)
    ).fetchall()
    return [r[0] for r in rows]
