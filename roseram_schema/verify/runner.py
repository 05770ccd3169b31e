"""Running probe statements as a persona, each in its own subtransaction, in one round trip.

A small plpgsql function in the scratch database executes a list of statements; every
statement runs in a subtransaction that is always rolled back (so one probe never sees
another's effect), and the function returns, per statement, the row count (or the value of a
SELECT), the SQLSTATE and the message. The whole call runs inside a transaction that is
rolled back too: the seeded data stays as it was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from psycopg import sql

from .facts import HELPER_SCHEMA
from .spec import Persona

RUN_FUNCTION = f"""
CREATE SCHEMA IF NOT EXISTS {HELPER_SCHEMA};
GRANT USAGE ON SCHEMA {HELPER_SCHEMA} TO PUBLIC;
CREATE OR REPLACE FUNCTION {HELPER_SCHEMA}.run(stmts text[])
RETURNS TABLE (n bigint, value text, state text, message text)
LANGUAGE plpgsql AS $fn$
DECLARE
  k int;
  c bigint;
  v text;
  st text;
  m text;
BEGIN
  FOR k IN 1 .. coalesce(array_length(stmts, 1), 0) LOOP
    c := NULL; v := NULL; st := '00000'; m := NULL;
    BEGIN
      IF left(stmts[k], 6) = 'SELECT' THEN
        EXECUTE stmts[k] INTO v;
      ELSE
        EXECUTE stmts[k];
      END IF;
      GET DIAGNOSTICS c = ROW_COUNT;
      -- undo this probe's effect before the next one runs
      RAISE EXCEPTION USING ERRCODE = 'RSV01';
    EXCEPTION
      WHEN SQLSTATE 'RSV01' THEN NULL;
      WHEN OTHERS THEN st := SQLSTATE; m := SQLERRM;
    END;
    n := c; value := v; state := st; message := m;
    RETURN NEXT;
  END LOOP;
END
$fn$;
GRANT EXECUTE ON FUNCTION {HELPER_SCHEMA}.run(text[]) TO PUBLIC;
"""


@dataclass(frozen=True)
class Outcome:
    """What one statement did: row count or SELECT value, or the error."""

    count: int | None
    value: str | None
    state: str
    message: str | None

    @property
    def ok(self) -> bool:
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
    claims.update(dict(persona.claims))
    return claims


def run_as(conn, persona: Persona, user_id: str | None, statements: list[str]) -> list[Outcome]:
    """Run statements as a persona (SET LOCAL ROLE + JWT claims), all rolled back."""
    if not statements:
        return []
    claims = claims_of(persona, user_id)
    try:
        conn.execute("BEGIN")
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(persona.role)))
        conn.execute(
            "SELECT set_config('request.jwt.claims', %s, true),"
            " set_config('request.jwt.claim.sub', %s, true),"
            " set_config('request.jwt.claim.role', %s, true)",
            (json.dumps(claims, sort_keys=True), user_id or "", persona.role),
        )
        rows = conn.execute(f"SELECT * FROM {HELPER_SCHEMA}.run(%s::text[])", (statements,)).fetchall()
    finally:
        conn.execute("ROLLBACK")
    return [Outcome(n, value, state, message) for n, value, state, message in rows]
