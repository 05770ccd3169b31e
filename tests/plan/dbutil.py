"""Helpers of the database tests: build a database from SQL and read it back."""

from __future__ import annotations

import psycopg

from roseram_schema.introspect import inspect_catalog
from roseram_schema.model import Catalog
from roseram_schema.platform import ensure_platform


def run_sql(url: str, sql: str) -> None:
    """Run a script (several statements) in autocommit mode."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def inspect_url(url: str) -> Catalog:
    """The catalog of the database at `url` (every non-platform schema), as apply reads it."""
    with psycopg.connect(url, autocommit=True) as conn:
        return inspect_catalog(conn)


def catalog_from_sql(make_db, sql: str) -> Catalog:
    """Build `sql` in a fresh database (with the platform stand-in) and read it back."""
    url = make_db("plan_desired")
    with psycopg.connect(url, autocommit=True) as conn:
        ensure_platform(conn)
        conn.execute(sql)
    return inspect_url(url)


def history_rows(url: str) -> list[tuple]:
    """(id, from, to, checksum) of every history row, [] without a history table."""
    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('roseram_schema.history')").fetchone()[0] is None:
            return []
        return conn.execute(
            "SELECT id, from_fingerprint, to_fingerprint, checksum FROM roseram_schema.history ORDER BY id"
        ).fetchall()
