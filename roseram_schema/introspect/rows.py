"""The raw rows of every catalog query, read in one snapshot (no model objects built).

inspector.py turns them into a Catalog; nochange.py hashes them, so a target whose rows
are the ones a clean comparison saw is known to match the source without building either
catalog. Only psycopg, the query files and the platform's names are imported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from psycopg import sql
from psycopg.pq import TransactionStatus

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


# Run on a second connection when the caller can open one (read_catalog_rows `connect`):
# the catalog printers (pg_get_expr, pg_get_constraintdef, ...) are most of a read, and
# the server runs the two halves on two cores. The split balances the halves' time.
SECOND_CONNECTION_QUERIES = ("columns", "policies", "tables", "views", "triggers", "functions", "enums", "partitions")


def read_catalog_rows(conn, schemas: Sequence[str] | None, roles: Sequence[str] = (),
                      extensions: Sequence[str] = (), *, connect=None,
                      tables: Sequence[str] | None = None, consume=None) -> CatalogRows:
    """Run every catalog query in one snapshot (see inspector.inspect_catalog for the
    arguments). A failing query raises DatabaseError naming it.

    `tables` ("schema.name" keys): read only these tables and what lives in them (columns,
    constraints, indexes, policies, partitions, grants); every other kind is read whole.
    The roles are then only those `roles` names and the rows read name: the caller adds
    the ones its other tables use (cache/incremental.py splices such a read into a catalog).

    `connect`, a function opening a new connection to the same database, lets half of the
    queries run on a second connection that imports this transaction's snapshot
    (pg_export_snapshot, as pg_dump -j does): the same rows, read in parallel. Used only
    when `conn` is idle (a caller's open transaction may hold writes no other session
    sees); if the second connection fails, its queries run here.

    `consume(name, rows)`, when given, takes the rows of each OBJECT_QUERIES query once,
    as soon as they are read (from the second connection's thread too), and they are not
    kept in the result (whose `rows` then holds "extensions" and "roles" only): the rows
    of one query at a time take a fraction of the memory of all the rows at once."""
    idle = _is_idle(conn)
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
        params = {"schemas": [r["name"] for r in scope_rows], "tables": None if tables is None else sorted(tables)}
        helper = _SecondReader(conn, connect, params, take) if connect is not None and idle else None
        for name in OBJECT_QUERIES:
            if helper is None or name not in SECOND_CONNECTION_QUERIES:
                take(name, run_query(conn, name, params))
        if helper is not None:
            done = helper.join()
            for name in SECOND_CONNECTION_QUERIES:
                if name not in done:  # the second connection failed before reading it
                    take(name, run_query(conn, name, params))
        rows = {name: kept[name] for name in OBJECT_QUERIES if name in kept}
        rows["extensions"] = run_query(conn, "extensions", {**params, "extensions": list(extensions)})
        wanted_roles = sorted((named_roles - {"public"}) - set(PLATFORM_ROLES))
        rows["roles"] = run_query(conn, "roles", {"roles": wanted_roles}) if wanted_roles else []
    return CatalogRows(scope_rows, rows)


def _is_idle(conn) -> bool:
    return conn.info.transaction_status == TransactionStatus.IDLE


class _SecondReader:
    """Runs SECOND_CONNECTION_QUERIES in a thread, on a new connection that imports the
    snapshot of `conn`'s (new, read-only) transaction, handing each query's rows to
    `take`. psycopg releases the GIL while the server works, so the two halves overlap.
    `join` gives the names of the queries taken; the caller runs the others itself (the
    second connection could not be used, or failed on the way)."""

    def __init__(self, conn, connect, params: dict, take):
        snapshot = conn.execute(
            "SELECT CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL ELSE pg_catalog.pg_export_snapshot() END"
        ).fetchone()[0]
        self._take = take
        self._done: list[str] = []
        self._future = None
        if snapshot is not None:  # a standby cannot export snapshots
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="catalog-read")
            self._future = pool.submit(self._run, connect, snapshot, params)
            pool.shutdown(wait=False)  # the thread ends with its one task

    def _run(self, connect, snapshot: str, params: dict) -> BaseException | None:
        """Read and hand over the queries; the error `take` raised, if any (the second
        connection's own trouble is dropped: the caller reads what is left itself)."""
        try:
            with connect() as other:
                other.autocommit = True
                with other.transaction():
                    other.execute(sql.SQL(
                        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;"
                        " SET TRANSACTION SNAPSHOT {}; SET LOCAL search_path = ''").format(sql.Literal(snapshot)))
                    for name in SECOND_CONNECTION_QUERIES:
                        rows = run_query(other, name, params)
                        try:
                            self._take(name, rows)
                        except BaseException as exc:  # noqa: BLE001 - not the connection's: join raises it
                            return exc
                        self._done.append(name)
        except Exception:  # noqa: BLE001 - any trouble: the caller reads the rest itself
            pass
        return None

    def join(self) -> frozenset[str]:
        if self._future is not None:
            error = self._future.result()
            if error is not None:
                raise error
        return frozenset(self._done)


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
    elif query == "policies":
        for policy in rows:
            names.update(policy["roles"])


def available_extensions(conn, names) -> list[str]:
    """Which of `names` the server can install (pg_available_extensions), sorted: an
    optional extension it does not ship is left out of the desired state."""
    if not names:
        return []
    rows = conn.execute(
        "SELECT name FROM pg_catalog.pg_available_extensions WHERE name = ANY(%s) ORDER BY name", (list(names),)
    ).fetchall()
    return [r[0] for r in rows]
