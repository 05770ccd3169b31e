"""The raw rows of every catalog query, read in one snapshot (no model objects built).

inspector.py turns them into a Catalog; nochange.py hashes them, so a target whose rows
are the ones a clean comparison saw is known to match the source without building either
catalog. Only psycopg, the query files and the platform's names are imported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from ..platform import PLATFORM_ROLES
from .queries import run_query
from .scope import excluded_schemas

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
)


@dataclass(frozen=True)
class CatalogRows:
    """What the catalog queries returned: the schemas in scope, and the rows of every other
    query by name (OBJECT_QUERIES, then "extensions" and "roles")."""

    schemas: list[dict]
    rows: dict[str, list[dict]]


def read_catalog_rows(conn, schemas: Sequence[str] | None, roles: Sequence[str] = (),
                      extensions: Sequence[str] = ()) -> CatalogRows:
    """Run every catalog query in one snapshot (see inspector.inspect_catalog for the
    arguments). A failing query raises DatabaseError naming it."""
    with _catalog_snapshot(conn):
        scope_rows = run_query(
            conn, "schemas", {"schemas": None if schemas is None else list(schemas), "excluded": excluded_schemas()}
        )
        params = {"schemas": [r["name"] for r in scope_rows]}
        rows = {name: run_query(conn, name, params) for name in OBJECT_QUERIES}
        rows["extensions"] = run_query(conn, "extensions", {**params, "extensions": list(extensions)})
        wanted_roles = _roles_in_use(rows, roles)
        rows["roles"] = run_query(conn, "roles", {"roles": wanted_roles}) if wanted_roles else []
    return CatalogRows(scope_rows, rows)


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


def available_extensions(conn, names) -> list[str]:
    """Which of `names` the server can install (pg_available_extensions), sorted: an
    optional extension it does not ship is left out of the desired state."""
    if not names:
        return []
    rows = conn.execute(
        "SELECT name FROM pg_catalog.pg_available_extensions WHERE name = ANY(%s) ORDER BY name", (list(names),)
    ).fetchall()
    return [r[0] for r in rows]
