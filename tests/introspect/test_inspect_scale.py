"""The inspector runs a fixed number of queries, whatever the number of tables."""

from __future__ import annotations

import psycopg

from roseram_schema.introspect import inspect_catalog
from roseram_schema.platform import ensure_platform

from .generated import generated_schema_sql


class CountingCursor(psycopg.Cursor):
    """A real cursor that counts the statements it sends."""

    executed = 0

    def execute(self, *args, **kwargs):
        CountingCursor.executed += 1
        return super().execute(*args, **kwargs)


def _queries_for(make_db, tables: int) -> tuple[int, int]:
    url = make_db()
    with psycopg.connect(url, autocommit=True) as conn:
        ensure_platform(conn)
        conn.execute(generated_schema_sql(tables))
    with psycopg.connect(url, autocommit=True, cursor_factory=CountingCursor) as conn:
        CountingCursor.executed = 0
        catalog = inspect_catalog(conn, ["gen"])
        return CountingCursor.executed, len(catalog.tables)


def test_query_count_does_not_grow_with_tables(make_db):
    small, small_tables = _queries_for(make_db, 3)
    large, large_tables = _queries_for(make_db, 40)
    assert (small_tables, large_tables) == (3, 40)
    assert small == large
    assert large <= 20  # one query per object kind, whatever the number of tables
