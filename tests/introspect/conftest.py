"""Fixtures for the inspector tests: databases built from hand-written SQL."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from roseram_schema.platform import ensure_platform

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def every_kind_url(pg_server):
    """A database with the platform stand-in and every_kind.sql, shared by a module's tests
    (they only read it)."""
    name = pg_server.create_database("introspect")
    url = pg_server.url(name)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            ensure_platform(conn)
            conn.execute((HERE / "every_kind.sql").read_text())
        yield url
    finally:
        pg_server.drop_database(name)


@pytest.fixture
def every_kind_conn(every_kind_url):
    """An autocommit connection to the every_kind database."""
    with psycopg.connect(every_kind_url, autocommit=True) as conn:
        yield conn
