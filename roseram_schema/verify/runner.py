"""Running probe statements as a persona, each in its own subtransaction, in one round trip.

A small plpgsql function in the scratch database executes a list of statements; every
statement runs in a subtransaction that is always rolled back (so one probe never sees
another's effect), and the function returns, per statement, the row count (or the value of a
SELECT), the SQLSTATE and the message. The whole call runs inside a transaction that is
rolled back too: the seeded data stays as it was.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psycopg
from psycopg import sql

from ..errors import DatabaseError
from ..model import quote_literal
from .facts import HELPER_SCHEMA
from .seed import persona_email
from .spec import Persona

RUN_FUNCTION = f"""
CREATE SCHEMA IF NOT EXISTS {HELPER_SCHEMA};
GRANT USAGE ON SCHEMA {HELPER_SCHEMA} TO PUBLIC;
CREATE OR REPLACE FUNCTION {HELPER_SCHEMA}.run(stmts text[])
RETURNS TABLE (n bigint, value text, state text, message text)
LANGUAGE plpgsql AS $fn$
DECLARE
  k int;
  tries int;
  c bigint;
  v text;
  st text;
  m text;
BEGIN
  FOR k IN 1 .. coalesce(array_length(stmts, 1), 0) LOOP
    tries := 0;
    LOOP
      c := NULL; v := NULL; st := '00000'; m := NULL;
      BEGIN
        IF left(stmts[k], 6) = 'SELECT' THEN
          EXECUTE stmts[k] INTO v;
          GET DIAGNOSTICS c = ROW_COUNT;
        ELSE
          PERFORM set_config('roseram.touched', '', true);
          -- a dry probe: the dry() triggers record each row the statement reaches and skip it
          IF left(stmts[k], 8) = '/*dry*/ ' THEN
            PERFORM set_config('roseram.dry', 'on', true);
          END IF;
          EXECUTE stmts[k];
          GET DIAGNOSTICS c = ROW_COUNT;
          -- rows the statement really changed, recorded by the touched() triggers
          v := current_setting('roseram.touched', true);
        END IF;
        -- undo this probe's effect before the next one runs
        RAISE EXCEPTION USING ERRCODE = 'RSV01';
      EXCEPTION
        WHEN SQLSTATE 'RSV01' THEN NULL;
        WHEN OTHERS THEN st := SQLSTATE; m := SQLERRM;
      END;
      tries := tries + 1;
      -- personas are probed concurrently on the same rows: a deadlock is not an answer;
      -- a random, growing pause keeps two busy personas from colliding again on a loaded server
      EXIT WHEN st NOT IN ('40P01', '40001') OR tries >= 16;
      PERFORM pg_sleep(random() * 0.005 * tries);
    END LOOP;
    n := c; value := v; state := st; message := m;
    RETURN NEXT;
  END LOOP;
END
$fn$;
GRANT EXECUTE ON FUNCTION {HELPER_SCHEMA}.run(text[]) TO PUBLIC;

-- Records "schema.table|key1|key2" of each row an UPDATE or DELETE changed (cascades included),
-- so one statement per table tells which seeded rows a persona can reach. The first argument is
-- the probed table's key: a partition's copy of the trigger names the rows by their parent.
CREATE OR REPLACE FUNCTION {HELPER_SCHEMA}.touched() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  j jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
  entry text := TG_ARGV[0];
  i int;
BEGIN
  FOR i IN 1 .. TG_NARGS - 1 LOOP
    entry := entry || '|' || coalesce(j ->> TG_ARGV[i], '');
  END LOOP;
  PERFORM set_config('roseram.touched', coalesce(current_setting('roseram.touched', true), '') || entry || chr(10), true);
  RETURN NULL;
END
$fn$;
GRANT EXECUTE ON FUNCTION {HELPER_SCHEMA}.touched() TO PUBLIC;

-- In a dry probe (a column-free UPDATE or DELETE without WHERE), records the row the policies
-- let the statement reach and skips it: no constraint, cascade or user trigger runs after it.
CREATE OR REPLACE FUNCTION {HELPER_SCHEMA}.dry() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  j jsonb := to_jsonb(OLD);
  entry text := TG_ARGV[0];
  i int;
BEGIN
  IF current_setting('roseram.dry', true) IS DISTINCT FROM 'on' THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  FOR i IN 1 .. TG_NARGS - 1 LOOP
    entry := entry || '|' || coalesce(j ->> TG_ARGV[i], '');
  END LOOP;
  PERFORM set_config('roseram.touched', coalesce(current_setting('roseram.touched', true), '') || entry || chr(10), true);
  RETURN NULL;
END
$fn$;
GRANT EXECUTE ON FUNCTION {HELPER_SCHEMA}.dry() TO PUBLIC;
"""

PRIVILEGES = """
SELECT r.rolname, n.nspname || '.' || c.relname,
       has_any_column_privilege(r.oid, c.oid, 'SELECT'),
       has_any_column_privilege(r.oid, c.oid, 'INSERT'),
       has_any_column_privilege(r.oid, c.oid, 'UPDATE'),
       has_table_privilege(r.oid, c.oid, 'DELETE')
FROM pg_catalog.pg_roles r, pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE r.rolname = ANY(%s) AND n.nspname || '.' || c.relname = ANY(%s)
"""


def read_privileges(conn, roles, tables) -> set[tuple[str, str, str]]:
    """(role, table, command) triples the grants allow."""
    out = set()
    for role, table, *flags in conn.execute(PRIVILEGES, (list(roles), list(tables))):
        for command, flag in zip(("select", "insert", "update", "delete"), flags):
            if flag:
                out.add((role, table, command))
    return out


def install_touch_triggers(conn, tables, ident_columns) -> None:
    """An AFTER UPDATE OR DELETE trigger on every probed table (scratch database only), all
    in one round trip."""
    script = []
    for table in tables:
        args = ", ".join(quote_literal(c) for c in (table.key, *ident_columns(table.key)))
        script.append(
            f"CREATE TRIGGER zz_roseram_verify_touched AFTER UPDATE OR DELETE ON {table.qualified} "
            f"FOR EACH ROW EXECUTE FUNCTION {HELPER_SCHEMA}.touched({args})"
        )
        # BEFORE triggers fire in name order: "_" sorts before the project's lower-case names
        script.append(
            f"CREATE TRIGGER _roseram_verify_dry BEFORE UPDATE OR DELETE ON {table.qualified} "
            f"FOR EACH ROW EXECUTE FUNCTION {HELPER_SCHEMA}.dry({args})"
        )
    if script:
        conn.execute(";\n".join(script))


STATEMENT_TIMEOUT = "60s"  # for one persona's whole batch of probes


@dataclass(frozen=True)
class Outcome:
    """What one statement did: row count or SELECT value, or the error."""

    count: int | None
    value: str | None
    state: str
    message: str | None

    @property
    def ok(self) -> bool:
        """The statement ran without error."""
        return self.state == "00000"

    @property
    def denied(self) -> bool:
        """Refused by a policy or a missing privilege."""
        return self.state == "42501"

    @property
    def passed_policy(self) -> bool:
        """An integrity error (unique, FK, check, not null) comes after the RLS check."""
        return self.state.startswith("23")


def install_runner(conn) -> None:
    """Create the helper function in the scratch database."""
    conn.execute(RUN_FUNCTION)


def claims_of(persona: Persona, user_id: str | None) -> dict:
    """The JWT claims a persona's requests carry."""
    claims = {"role": persona.role}
    if user_id:
        claims["sub"] = user_id
        claims["email"] = persona_email(persona.name)
    claims.update(dict(persona.claims))
    return claims


def impersonate(conn, persona: Persona, user_id: str | None) -> None:
    """Act as a persona for the rest of the open transaction: its role and JWT claims."""
    claims = claims_of(persona, user_id)
    conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(persona.role)))
    conn.execute(
        "SELECT set_config('request.jwt.claims', %s, true),"
        " set_config('request.jwt.claim.sub', %s, true),"
        " set_config('request.jwt.claim.role', %s, true)",
        (json.dumps(claims, sort_keys=True), user_id or "", persona.role),
    )


def run_as(conn, persona: Persona, user_id: str | None, statements: list[str]) -> list[Outcome]:
    """Run statements as a persona (SET LOCAL ROLE + JWT claims), all rolled back. `conn`
    is a connection or Shards (the statements split between its connections)."""
    if not statements:
        return []
    if isinstance(conn, Shards):
        return conn.run_as(persona, user_id, statements)
    try:
        conn.execute("BEGIN")
        # a policy that never returns (a runaway function) must not hang the whole run
        conn.execute(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'")
        # concurrent personas lock the same rows; find (and retry) deadlocks quickly
        conn.execute("DO $$ BEGIN IF current_setting('is_superuser') = 'on' THEN "
                     "SET LOCAL deadlock_timeout = '20ms'; END IF; END $$")
        impersonate(conn, persona, user_id)
        rows = conn.execute(f"SELECT * FROM {HELPER_SCHEMA}.run(%s::text[])", (statements,)).fetchall()
    except psycopg.errors.QueryCanceled as exc:
        raise DatabaseError(
            f"probing as {persona.name} took longer than {STATEMENT_TIMEOUT}: a policy or a function "
            f"it calls does not return ({exc})"
        ) from exc
    finally:
        conn.execute("ROLLBACK")
    return [Outcome(n, value, state, message) for n, value, state, message in rows]


# The relation a probe statement is about: the first name after FROM, INTO or UPDATE.
_NAME = r'(?:"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_$]*)'
_RELATION = re.compile(rf"\b(?:FROM|INTO|UPDATE)\s+({_NAME}(?:\.{_NAME})?)")


class Shards:
    """Several connections to one scratch database, each probing its own share of the tables.

    A backend pays, per table it touches, for loading the table's policies, triggers and
    constraint checks into its caches; a connection per persona paid that for every table
    on every connection. Here a batch of statements is split by the relation each names,
    a relation always going to the same connection (assigned in the order first seen, so
    the same run always splits the same way), the parts run at once, and the outcomes come
    back in the batch's order. Every statement is rolled back on its own (run function), so
    which connection runs it does not change its outcome.

    Each connection has one thread of its own, so work given to it runs in the order given
    and never two transactions at once: a batch can be started (run_as_async) while the
    caller is still judging the previous one.
    """

    def __init__(self, connections: list):
        self.connections = list(connections)
        self._shard: dict[str, int] = {}
        self._threads = [ThreadPoolExecutor(max_workers=1) for _ in self.connections]

    def shard_of(self, statement: str) -> int:
        """The connection (index) that runs `statement`."""
        match = _RELATION.search(statement)
        name = match.group(1) if match else ""
        if name not in self._shard:
            self._shard[name] = len(self._shard) % len(self.connections)
        return self._shard[name]

    def assign(self, names: list[str]) -> None:
        """Give the relations `names` their connections now, in this order (as the statements
        naming them would, first seen first), so work on them can start before the probes."""
        for name in names:
            if name not in self._shard:
                self._shard[name] = len(self._shard) % len(self.connections)

    def split_query(self, query: str, names: list[str]):
        """Start `query` (one parameter: a text[] of relation names) on every connection with
        the names it probes; a future of all the rows. Run before the probes, it also loads
        those tables into the caches of the backends that will probe them."""
        parts: dict[int, list[str]] = {}
        for name in names:
            parts.setdefault(self._shard.get(name, 0), []).append(name)

        def fetch(k):
            return self.connections[k].execute(query, (parts[k],)).fetchall()

        return _Gathered([self._threads[k].submit(fetch, k) for k in sorted(parts)], lambda results: [
            row for rows in results for row in rows])

    def run_as_async(self, persona: Persona, user_id: str | None, statements: list[str]):
        """Start run_as of the statements, each part on its connection; a future of the
        outcomes in order."""
        parts: dict[int, list[int]] = {}
        for i, statement in enumerate(statements):
            parts.setdefault(self.shard_of(statement), []).append(i)
        keys = sorted(parts)
        futures = [self._threads[k].submit(run_as, self.connections[k], persona, user_id,
                                           [statements[i] for i in parts[k]]) for k in keys]

        def in_order(results):
            out: list[Outcome | None] = [None] * len(statements)
            for k, outcomes in zip(keys, results):
                for i, outcome in zip(parts[k], outcomes):
                    out[i] = outcome
            return out

        return _Gathered(futures, in_order)

    def run_as(self, persona: Persona, user_id: str | None, statements: list[str]) -> list[Outcome]:
        """run_as of the statements, each part on its connection, outcomes in order."""
        return self.run_as_async(persona, user_id, statements).result()

    def __getattr__(self, name):
        # anything else a prober does with its connection (execute, transaction...) goes to
        # the first one: only while no started batch is pending (its thread would be
        # inside a transaction on that connection)
        if name.startswith("_") or name == "connections":
            raise AttributeError(name)
        return getattr(self.connections[0], name)

    def close(self) -> None:
        """Stop the threads (the connections are the caller's), once their work is done."""
        for thread in self._threads:
            thread.shutdown()


def start_query(conn, query: str, names: list[str]):
    """Shards.split_query on a Shards, else the query run now on the one connection."""
    if isinstance(conn, Shards):
        return conn.split_query(query, names)
    return _Done(conn.execute(query, (names,)).fetchall())


def start_run_as(conn, persona: Persona, user_id: str | None, statements: list[str]):
    """Shards.run_as_async on a Shards, else run_as now; a future of the outcomes."""
    if isinstance(conn, Shards):
        return conn.run_as_async(persona, user_id, statements)
    return _Done(run_as(conn, persona, user_id, statements))


class _Done:
    """A result already there, with a future's result()."""

    def __init__(self, value):
        self._value = value

    def result(self):
        return self._value


class _Gathered:
    """The results of several futures, combined by `combine`, with a future's result()."""

    def __init__(self, futures, combine):
        self._futures = futures
        self._combine = combine

    def result(self):
        return self._combine([f.result() for f in self._futures])
