"""The catalog queries, kept as real `.sql` files in `queries/` (one per object kind)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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


def run_queries(conn, batch: Sequence[tuple[str, dict]]) -> Iterator[tuple[str, list[dict]]]:
    """Run several catalog queries, (name, params) each, and yield (name, rows) of each in
    order. All are sent at once (libpq's pipeline mode): one round trip instead of one per
    query, the server running them back to back. A failure becomes a DatabaseError naming
    the first query that failed. Without pipeline support in the client's libpq (older than
    14) they run one by one."""
    if not psycopg.Pipeline.is_supported():
        for name, params in batch:
            yield name, run_query(conn, name, params)
        return
    with conn.pipeline():
        cursors = []
        done = 0  # cursors fetched (and closed)
        try:
            for name, params in batch:
                cur = conn.cursor(row_factory=dict_row)
                cursors.append((name, cur))
                cur.execute(load_query(name), params, prepare=False)
            for name, cur in cursors:
                rows = cur.fetchall()
                cur.close()
                done += 1
                yield name, rows
        except psycopg.Error as e:
            # results come in order: the failed query is the first one left without a result
            pending = cursors[done:]
            failed = next((n for n, c in pending if c.pgresult is None), pending[0][0] if pending else "?")
            raise DatabaseError(f"reading {failed} from the database catalog failed: {e}") from e
