"""The apply history: one row per applied plan, in `roseram_schema.history`.

The schema is a platform object (platform.PLATFORM_SCHEMAS): never inspected, never in a
diff. The row is written in the same transaction as the plan's statements, so a plan that
fails leaves the history exactly as it was. Its `statements` are those that ran: the
transactional ones at first, then each statement that must run outside a transaction
(CREATE INDEX CONCURRENTLY) appended once it has succeeded. A row with fewer statements
than its plan (`checksum` is the whole plan's) is an apply that failed after its commit.
"""

from __future__ import annotations

import hashlib
import json

from ..plan.model import Plan
from ..version import __version__

HISTORY_SCHEMA = "roseram_schema"
HISTORY_TABLE = "history"

CREATE_HISTORY_SQL = """
CREATE SCHEMA IF NOT EXISTS roseram_schema;
CREATE TABLE IF NOT EXISTS roseram_schema.history (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    applied_at       timestamptz NOT NULL DEFAULT now(),
    from_fingerprint text NOT NULL,
    to_fingerprint   text NOT NULL,
    statements       jsonb NOT NULL,
    checksum         text NOT NULL,
    tool_version     text NOT NULL,
    applied_by       text NOT NULL DEFAULT current_user
)
"""


def plan_checksum(plan: Plan) -> str:
    """sha256 hex of the plan's statements (SQL and transactional flag, in order)."""
    h = hashlib.sha256()
    for s in plan.statements:
        h.update(("T" if s.transactional else "N").encode())
        h.update(s.sql.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def tool_version() -> str:
    """The installed roseram-schema version."""
    return str(__version__)


def ensure_history(conn) -> None:
    """Create the history schema and table when missing (idempotent)."""
    conn.execute(CREATE_HISTORY_SQL)


def _entry(s) -> dict:
    return {"sql": s.sql, "change": s.change, "object": s.obj, "transactional": s.transactional}


def record_apply(conn, plan: Plan, ran=None) -> int:
    """Insert the history row of `plan` (in the caller's transaction) listing the statements
    `ran` (default: all of the plan's); returns its id."""
    statements = [_entry(s) for s in (plan.statements if ran is None else ran)]
    row = conn.execute(
        "INSERT INTO roseram_schema.history (from_fingerprint, to_fingerprint, statements, checksum, tool_version)"
        " VALUES (%s, %s, %s::jsonb, %s, %s) RETURNING id",
        (plan.from_fingerprint, plan.to_fingerprint, json.dumps(statements), plan_checksum(plan), tool_version()),
    ).fetchone()
    return int(row[0])


def record_statement(conn, history_id: int, statement) -> None:
    """Append a statement that ran after the row was committed to history row `history_id`."""
    conn.execute(
        "UPDATE roseram_schema.history SET statements = statements || %s::jsonb WHERE id = %s",
        (json.dumps([_entry(statement)]), history_id),
    )


def read_history(conn) -> list[dict]:
    """Every history row, oldest first ([] when there is no history table yet)."""
    exists = conn.execute("SELECT to_regclass('roseram_schema.history') IS NOT NULL").fetchone()[0]
    if not exists:
        return []
    cur = conn.execute(
        "SELECT id, applied_at, from_fingerprint, to_fingerprint, statements, checksum, tool_version, applied_by"
        " FROM roseram_schema.history ORDER BY id"
    )
    names = [d.name for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]
