"""Fixtures for the Roseram project tests: the project root and a database built from it."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from roseram_schema.compile.script import compile_script
from roseram_schema.platform import ensure_platform
from roseram_schema.source import load_project

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def roseram_template(pg_server):
    """A database with the platform stand-in and the compiled project applied twice (the
    second run must be a no-op), built once a session as the template of roseram_url's."""
    project = load_project(ROOT)
    script = compile_script(project.catalog, project.fingerprint)
    name = pg_server.create_database("roseram_tmpl", as_template=True)
    try:
        with psycopg.connect(pg_server.url(name), autocommit=True) as conn:
            ensure_platform(conn)
            conn.execute(script)
            conn.execute(script)
        yield name
    finally:
        pg_server.drop_database(name, as_template=True)


@pytest.fixture
def roseram_url(roseram_template, pg_server):
    """A fresh database holding the compiled project (a copy of roseram_template: the tests
    write rows and roles' data into it), dropped after the test."""
    name = pg_server.create_database("roseram_t", template=roseram_template)
    yield pg_server.url(name)
    pg_server.drop_database(name)
