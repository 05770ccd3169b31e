"""Which migration files a database has applied: `roseram_schema.migration_files`, a table
next to `roseram_schema.history` (the schema is a platform one: never diffed). One row per
file, inserted in the same transaction as the file's statements, so a file that fails
leaves no row. `checksum` (sha256 hex of the file's bytes) is how an applied file that was
edited afterwards is detected.
"""

from __future__ import annotations

from ..apply.history import tool_version

CREATE_SQL = """
CREATE SCHEMA IF NOT EXISTS roseram_schema;
CREATE TABLE IF NOT EXISTS roseram_schema.migration_files (
    file         text PRIMARY KEY,
    version      text NOT NULL,
    checksum     text NOT NULL,
    applied_at   timestamptz NOT NULL DEFAULT now(),
    applied_by   text NOT NULL DEFAULT current_user,
    tool_version text NOT NULL
)
"""


def ensure_table(conn) -> None:
    """Create the schema and table when missing (idempotent)."""
    with conn.transaction():
        conn.execute(CREATE_SQL)


def read_applied(conn) -> dict[str, dict]:
    """file name -> row, for every applied file ({} when the table does not exist yet)."""
    if not conn.execute("SELECT to_regclass('roseram_schema.migration_files') IS NOT NULL").fetchone()[0]:
        return {}
    cur = conn.execute("SELECT file, version, checksum, applied_at, applied_by FROM roseram_schema.migration_files"
                       " ORDER BY file")
    names = [d.name for d in cur.description]
    return {r[0]: dict(zip(names, r)) for r in cur.fetchall()}


def record(conn, f) -> None:
    """Insert the row of migration file `f` (in the caller's transaction)."""
    conn.execute("INSERT INTO roseram_schema.migration_files (file, version, checksum, tool_version)"
                 " VALUES (%s, %s, %s, %s)", (f.name, f.version, f.checksum, tool_version()))
