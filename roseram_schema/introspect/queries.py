"""The catalog queries, kept as real `.sql` files in `queries/` (one per object kind)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import psycopg
from psycopg.rows import dict_row

from ..errors import DatabaseError


@cache
def load_query(name: str) -> str:
    """The text of `queries/<name>.sql` (read once per process)."""
    return resources.files(__package__).joinpath("queries", f"{name}.sql").read_text(encoding="utf-8")


def run_query(conn, name: str, params: dict) -> list[dict]:
    """Run one catalog query and return its rows as dicts (column name -> value).
    A failure becomes a DatabaseError naming the query."""
    try:
        with conn.cursor(row_factory=dict_row) as cur:
            # never server-side prepared: each query runs once per read, and prepared
            # statements break behind transaction-mode poolers (Supabase's port 6543)
            cur.execute(load_query(name), params, prepare=False)
            return cur.fetchall()
    except psycopg.Error as e:
        raise DatabaseError(f"reading {name} from the database catalog failed: {e}") from e
