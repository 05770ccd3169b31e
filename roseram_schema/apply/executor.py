"""Apply a plan safely: serialized, checked, all-or-nothing, recorded.

1. Blocking hazards not named in `allow_hazards` stop everything (HazardBlocked, exit 3).
2. A session advisory lock with a fixed key serializes concurrent applies on a database
   (`apply_lock`); the CLI installs the platform stand-in and re-makes its plan under it.
3. The database is read again under the lock. If it already is what the plan leads to,
   nothing is done ("already applied"): that is how eight concurrent applies of the same
   plan end with one application and no error. If it is no longer what the plan was made
   from, FingerprintMismatch (the plan would do the wrong thing).
4. Each statement has its own timeouts: lock_timeout for every one, so a busy table makes
   apply fail fast instead of queueing every other query behind its lock; statement_timeout
   for each transactional statement; `index_timeout` (default none) for each
   CREATE INDEX CONCURRENTLY, which blocks no writes and may rightly take hours.
5. Every transactional statement and the history row run in ONE transaction: on any
   error it rolls back and the database and history are as before (a killed process too:
   PostgreSQL rolls back what was never committed). The one exception: new enum values
   are committed just before, because PostgreSQL will not let the same transaction use
   them (plan.model.FIRST_CHANGES); they are additive and re-runnable.
6. Then the statements that cannot run in a transaction (CREATE INDEX CONCURRENTLY), each
   re-runnable: an INVALID index left by an interrupted earlier build is dropped first,
   and IF NOT EXISTS skips a finished one. Each is added to the history row once it has
   succeeded, so the row lists exactly the statements that ran.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from ..errors import DatabaseError, FingerprintMismatch, HazardBlocked
from ..model import Catalog
from ..plan.fingerprint import managed_fingerprint
from ..plan.model import Hazard, Plan, PlanStatement

# pg_advisory_lock key shared by every roseram-schema apply ("roseram" in ASCII, as bigint).
ADVISORY_LOCK_KEY = 0x726F736572616D


@dataclass(frozen=True)
class ApplyResult:
    """What apply did: "applied", "already applied" or "no changes"; statements run;
    `plan` the plan run (or found empty), when the caller had one."""

    status: str
    statements_run: int = 0
    history_id: int | None = None
    plan: Plan | None = field(default=None, compare=False, repr=False)

    @property
    def applied(self) -> bool:
        """True when this call changed the database."""
        return self.status == "applied"


Progress = Callable[[int, int, PlanStatement], None]


def check_hazards(plan: Plan, allow_hazards: Iterable[str] = (), extra: Iterable[Hazard] = ()) -> None:
    """Raise HazardBlocked naming every blocking hazard that is not allowed. `extra` are
    hazards of the whole plan rather than of a statement (lint_errors)."""
    allowed = {a.strip() for a in allow_hazards if a and a.strip()}
    blocked = [(s, h) for s, h in plan.blocking_hazards() if h.name not in allowed]
    blocked += [(None, h) for h in extra if h.blocking and h.name not in allowed]
    if blocked:
        names = sorted({h.name for _, h in blocked})
        lines = [f"  - {h.name}: {h.message}" + (f" ({s.summary}{f', {s.origin}' if s.origin else ''})" if s else "")
                 for s, h in blocked]
        raise HazardBlocked(
            "the plan has blocking hazards:\n" + "\n".join(lines)
            + f"\nre-run with --allow-hazards {','.join(names)} to apply it anyway"
        )


def _default_inspect(conn) -> Catalog:
    from ..introspect import inspect_catalog

    return inspect_catalog(conn)


def apply_plan(
    conn_url: str,
    plan: Plan,
    *,
    allow_hazards: Iterable[str] = (),
    lock_timeout: str = "5s",
    statement_timeout: str = "5min",
    index_timeout: str = "0",
    progress: Progress | None = None,
    inspect: Callable[[object], Catalog] | None = None,
    desired: Catalog | None = None,
) -> ApplyResult:
    """Apply `plan` to the database at `conn_url` (see the module docstring for the steps).

    `inspect(conn) -> Catalog` must read the database the same way the plan's "from"
    catalog was read (default: inspect_catalog over every non-platform schema). With
    `desired`, a database whose diff to it is empty also counts as already applied (it is
    let go once checked: a caller that keeps no reference of its own frees it then).
    Raises HazardBlocked, FingerprintMismatch or DatabaseError.
    """
    check_hazards(plan, allow_hazards)
    if plan.empty:
        return ApplyResult("no changes")
    with apply_lock(conn_url) as conn:
        live = (inspect or _default_inspect)(conn)
        fingerprint = managed_fingerprint(live)
        if fingerprint == plan.to_fingerprint or (desired is not None and _matches(live, desired)):
            return ApplyResult("already applied")
        if fingerprint != plan.from_fingerprint:
            raise FingerprintMismatch(
                "the database changed since the plan was made (its fingerprint is "
                f"{fingerprint[:12]}, the plan expects {plan.from_fingerprint[:12]}): "
                "make a new plan"
            )
        # not needed past the checks: a large catalog would stay in memory while the
        # statements and the history row (its JSON too) are added to it
        del live, desired
        return apply_checked(conn, plan, lock_timeout=lock_timeout, statement_timeout=statement_timeout,
                             index_timeout=index_timeout, progress=progress)


@contextmanager
def apply_lock(conn_url: str, wait: str | None = None) -> Iterator[object]:
    """An autocommit connection holding the apply lock of its database, released at exit.
    `wait` (a PostgreSQL interval such as "30s"): give up after waiting that long for
    another apply to finish (DatabaseError) instead of waiting for as long as it runs."""
    import psycopg

    try:
        conn = psycopg.connect(conn_url, autocommit=True)
    except psycopg.Error as exc:
        raise DatabaseError(f"could not connect to the database: {exc}") from exc
    with conn:
        try:
            if wait is not None:
                conn.execute("SELECT set_config('lock_timeout', %s, false)", (wait,))
            conn.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
            if wait is not None:
                conn.execute("RESET lock_timeout")
        except psycopg.errors.LockNotAvailable:
            raise DatabaseError(f"another apply holds the lock of this database (waited {wait}): "
                                "nothing applied here; run apply again once it is done") from None
        except psycopg.Error as exc:
            raise DatabaseError(f"could not take the apply lock: {exc}") from exc
        try:
            yield conn
        finally:
            try:
                conn.execute("RESET lock_timeout; RESET statement_timeout")
                conn.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))
            except psycopg.Error:
                pass  # the session ends right after; PostgreSQL releases the lock with it


def apply_checked(conn, plan: Plan, *, lock_timeout: str = "5s", statement_timeout: str = "5min",
                  index_timeout: str = "0", progress: Progress | None = None) -> ApplyResult:
    """Run `plan` on `conn`, which holds the apply lock and whose database the caller has
    read under that lock and found to be the plan's "from" (steps 4 to 6 of the module
    docstring)."""
    _set_timeouts(conn, lock_timeout, statement_timeout, index_timeout)
    _run_first(conn, plan, progress)
    history_id = _run_transaction(conn, plan, progress)
    _run_outside(conn, plan, progress, history_id, statement_timeout, index_timeout)
    return ApplyResult("applied", len(plan.statements), history_id)


def _matches(live: Catalog, desired: Catalog) -> bool:
    from ..diff import diff_catalogs

    return not diff_catalogs(live, desired)


def _set_timeouts(conn, lock_timeout: str, statement_timeout: str, index_timeout: str = "0") -> None:
    """Session timeouts for the transactional part; `index_timeout` is only checked here
    (a bad value fails before anything runs) and set around each index build."""
    import psycopg

    try:
        conn.execute("SELECT set_config('lock_timeout', %s, false), set_config('statement_timeout', %s, false),"
                     " set_config('statement_timeout', %s, false)",
                     (lock_timeout, index_timeout, statement_timeout))
    except psycopg.Error as exc:
        raise DatabaseError(f"invalid lock_timeout {lock_timeout!r}, statement_timeout "
                            f"{statement_timeout!r} or index_timeout {index_timeout!r}: {exc}") from exc


def _failure(n: int, total: int, s: PlanStatement, exc: Exception) -> DatabaseError:
    where = f" declared at {s.origin}" if s.origin else ""
    first = s.sql.strip().splitlines()[0] if s.sql.strip() else s.sql
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    hint = ""
    if "max_locks_per_transaction" in str(exc):
        # one transaction holds a lock per table it touches; thousands of tables exceed the
        # server's default lock table (the embedded server is started with 1024)
        hint = ("\n  hint: the plan touches more tables than the server's lock table holds in one "
                "transaction: raise max_locks_per_transaction (e.g. 1024) and restart the server")
    return DatabaseError(
        f"statement {n} of {total} failed: {first}\n"
        f"  from: {s.summary} ({s.change} {s.obj}){where}\n"
        f"  PostgreSQL: {detail}{hint}"
    )


def _run_first(conn, plan: Plan, progress: Progress | None) -> None:
    """Enum values, committed before the main transaction (see plan.model.FIRST_CHANGES)."""
    import psycopg

    first = plan.first_statements
    if not first:
        return
    total = len(plan.statements)
    with conn.transaction():
        for n, s in enumerate(first, 1):
            try:
                conn.execute(s.sql)
            except psycopg.Error as exc:
                raise _failure(n, total, s, exc) from exc
            if progress:
                progress(n, total, s)


def _run_transaction(conn, plan: Plan, progress: Progress | None) -> int:
    import psycopg

    from .history import ensure_history, record_apply

    total = len(plan.statements)
    inside = plan.transactional_statements
    offset = len(plan.first_statements)
    n = 0
    try:
        with conn.transaction():
            # function bodies are checked when called, not when created: a body may name a
            # table that is created later in the same plan
            conn.execute("SET LOCAL check_function_bodies = off")
            for n, s in enumerate(inside, offset + 1):
                try:
                    conn.execute(s.sql)
                except psycopg.Error as exc:
                    raise _failure(n, total, s, exc) from exc
                if progress:
                    progress(n, total, s)
            ensure_history(conn)
            # what ran so far; the statements outside the transaction are added as they succeed
            return record_apply(conn, plan, plan.first_statements + plan.transactional_statements)
    except psycopg.Error as exc:  # COMMIT itself failed (deferred constraint, ...)
        raise DatabaseError(f"the transaction could not commit after {n} statement(s): {exc}") from exc


def _run_outside(conn, plan: Plan, progress: Progress | None, history_id: int,
                 statement_timeout: str, index_timeout: str) -> None:
    import psycopg

    from .history import record_statement

    total = len(plan.statements)
    done = len(plan.first_statements) + len(plan.transactional_statements)
    for n, s in enumerate(plan.non_transactional_statements, done + 1):
        try:
            # a concurrent build holds no lock that blocks writes: it gets its own timeout
            conn.execute("SELECT set_config('statement_timeout', %s, false)", (index_timeout,))
            try:
                if s.change == "CreateIndex":
                    _drop_invalid_index(conn, s.obj)
                conn.execute(s.sql)
            finally:
                conn.execute("SELECT set_config('statement_timeout', %s, false)", (statement_timeout,))
            record_statement(conn, history_id, s)
        except psycopg.Error as exc:
            raise _failure(n, total, s, exc) from exc
        if progress:
            progress(n, total, s)


def _drop_invalid_index(conn, key: str) -> None:
    """Drop an INVALID index an interrupted CREATE INDEX CONCURRENTLY left behind."""
    from psycopg import sql

    schema, _, name = key.partition(".")
    row = conn.execute(
        "SELECT NOT i.indisvalid FROM pg_catalog.pg_index i"
        " JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relname = %s",
        (schema, name),
    ).fetchone()
    if row and row[0]:
        conn.execute(sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}.{}").format(
            sql.Identifier(schema), sql.Identifier(name)))
