"""Fixtures for a database that behaves like a real Supabase project (a pytest plugin,
loaded by tests/conftest.py).

`supabase_server` is a PostgreSQL server of its own, not the session's `pg_server`: the
roles a Supabase project has are cluster-wide, and the `supabase_admin` role alone makes the
tool treat every database of that server as Supabase (roseram_schema.platform.is_supabase),
so creating it on the shared server would stop the stand-in from being installed in the
other tests' scratch databases. Use `pg_server.base_url` as the dev server (`--dev-db`).

ROSERAM_TEST_SUPABASE_DB_URL names an existing server to use instead (it gets the roles);
otherwise the server is started like the session's one (ROSERAM_TEST_PG selects it).
"""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest

SQL_FILE = Path(__file__).with_name("supabase_like.sql")


def supabase_like_sql() -> str:
    """The script that turns a fresh database into a Supabase-like one (idempotent)."""
    return SQL_FILE.read_text(encoding="utf-8")


def install_supabase_like(conn) -> None:
    """Run the script in its own transaction on `conn` (autocommit or not)."""
    with conn.transaction():
        conn.execute(supabase_like_sql())


@pytest.fixture(scope="session")
def supabase_server(tmp_path_factory):
    """A server whose databases may be made Supabase-like (see module docstring)."""
    from conftest import TestServer

    url = os.environ.get("ROSERAM_TEST_SUPABASE_DB_URL")
    handle = None
    if not url:
        from roseram_schema.server.embedded import LocalServer, binaries_for_version

        which = os.environ.get("ROSERAM_TEST_PG", "18")
        root = tmp_path_factory.mktemp(f"supabase_pg{which}")
        handle = LocalServer(root, bin_dir=binaries_for_version(which), fast=True)
        handle.start()
        url = handle.url("postgres")
    yield TestServer(url)
    if handle is not None:
        handle.reset()


@pytest.fixture
def supabase_db_url(supabase_server):
    """A fresh database on `supabase_server` with what a new Supabase project has: its
    roles, auth/storage/extensions/realtime/graphql_public schemas, auth.users, the auth.*
    helpers, default privileges opening new objects in public to anon, authenticated and
    service_role, and the empty supabase_realtime publication."""
    name = supabase_server.create_database("supa")
    url = supabase_server.url(name)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            install_supabase_like(conn)
        yield url
    finally:
        supabase_server.drop_database(name)
