"""catalog.build_schema for large catalogs: the lanes of compile/lanes.py, built by
PostgreSQL in parallel transactions on as many connections.

    prelude ── commit ─┬─ lane 0 (this connection):  BEGIN  tables… ┊ indexes, policies… ─┐
                       └─ lane 1 (a second one):     BEGIN  tables… ┊ indexes, policies… ─┴ COMMIT both ─ serial
                          (Python compiles the rest while they build) ┘

Only for a new database (a scratch one, a kept one just re-created) whose source declares
at least MIN_TABLES tables, and whose roles already exist on the server: roles belong to
the whole server, and the prelude commits before the build is known to succeed, so a
failed build must not leave roles behind (the serial build then runs, in one
transaction). Any failure rolls the lanes back and raises: build_schema then runs the
guarded script, which completes what the prelude (or the lanes, should a commit have
gone through) left, and names the statement PostgreSQL rejects. So a build that fails
leaves the prelude in its new database: a scratch database is dropped anyway, and a kept
one gets the comment naming its source only after a build that succeeded, so the next
run re-creates it.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import psycopg

from ..compile.script import as_script, build_in_lanes as split_in_lanes
from ..model import Catalog
from ..platform import is_platform_schema

# Lanes, one server process each. The client cannot know the server's cores; two is what
# the 2-core machines we measure can run (compile/lanes.py) and leaves cores free elsewhere.
# MIN_TABLES: below it the second connection and the extra commit cost about what they
# save (a small build is already fast).
LANES = 2
MIN_TABLES = 100
LOCK_TIMEOUT = "2s"


def worth_lanes(conn, catalog: Catalog, min_tables: int | None = None) -> bool:
    """Whether to build `catalog` in lanes: at least `min_tables` (default MIN_TABLES) new
    tables, and every role it declares already on the server (see the module docstring)."""
    min_tables = MIN_TABLES if min_tables is None else min_tables
    if sum(1 for t in catalog.tables if not is_platform_schema(t.schema)) < min_tables:
        return False
    roles = sorted({r.name for r in catalog.roles})
    if not roles:
        return True
    found = conn.execute("SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname = ANY(%s)", (roles,)).fetchone()[0]
    return found == len(roles)


def build_in_lanes(conn, url: str, catalog: Catalog, on_compiled) -> list | None:
    """Build `catalog` with lanes on `conn` (autocommit, check_function_bodies off) and a
    second connection to `url`: the statements left to run after the commit, or None when
    build_in_two's split does not hold (nothing was sent then). `on_compiled()` is called
    once everything is compiled (while PostgreSQL still builds). Raises psycopg.Error or
    PlanCycleError with the lanes rolled back."""
    opener = ThreadPoolExecutor(max_workers=LANES - 1)
    opening = [opener.submit(psycopg.connect, url, autocommit=True) for _ in range(LANES - 1)]
    opener.shutdown(wait=False)
    lanes: list[_Lane] = []
    try:
        parts = split_in_lanes(catalog, LANES)
        if parts is None:
            return None
        first, rest = parts
        _run_in_transaction(conn, first.prelude)
        lanes = [_Lane(conn)]
        lanes += [_Lane(future.result()) for future in opening]
        for lane, statements in zip(lanes, first.lanes):
            lane.begin(statements)
        later = rest()
        for lane, statements in zip(lanes, later.lanes):
            lane.send(statements)
        on_compiled()
        for lane in lanes:
            lane.wait()
        for lane in lanes:
            lane.commit()
    except BaseException:
        for lane in lanes:
            lane.roll_back()
        raise
    finally:
        for lane in lanes:
            lane.stop()
        for lane in lanes[1:]:
            lane.conn.close()
        for future in opening[max(0, len(lanes) - 1):]:
            _close_when_open(future)
    _run_in_transaction(conn, [*first.serial, *later.serial])
    return [*first.after_commit, *later.after_commit]


def _run_in_transaction(conn, statements: list) -> None:
    if statements:
        with conn.transaction():
            conn.execute(as_script(statements))


def _close_when_open(opening: Future) -> None:
    """Close the connection `opening` gives, once it is there (or failed to come)."""

    def close(done: Future) -> None:
        if done.exception() is None:
            done.result().close()

    opening.add_done_callback(close)


class _Lane:
    """One lane: a connection in a transaction of its own, fed scripts in order by a
    thread of its own (psycopg lets the interpreter go while the server works)."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self._worker = ThreadPoolExecutor(max_workers=1)
        self._sent: list[Future] = []

    def begin(self, statements: list) -> None:
        # SET LOCAL: the transaction of this lane only (a connection of ours may be shared).
        # Lanes never wait for each other's locks (compile/lanes.py); should they, a lane idle
        # before its COMMIT would block the other for good: a lock wait fails the build
        # instead, and build_schema falls back to the guarded script.
        self._sent.append(self._worker.submit(
            self.conn.execute, f"BEGIN; SET LOCAL check_function_bodies = off; SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
        self.send(statements)

    def send(self, statements: list) -> None:
        if statements:
            self._sent.append(self._worker.submit(self.conn.execute, as_script(statements)))

    def wait(self) -> None:
        """Wait for every script sent; raise the first error."""
        for future in self._sent:
            future.result()

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def roll_back(self) -> None:
        """Wait for the scripts sent (whatever they raised), then end the transaction."""
        self._worker.shutdown(wait=True)
        try:
            self.conn.execute("ROLLBACK")
        except Exception:  # noqa: BLE001 - a broken connection has no transaction left
            pass

    def stop(self) -> None:
        """End the lane's thread (once its scripts are done)."""
        self._worker.shutdown(wait=True)
