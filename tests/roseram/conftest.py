"""Fixtures for the Roseram project tests: the project root and a database built from it."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from roseram_schema.compile.script import compile_script
from roseram_schema.source import load_project

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def roseram_url(platform_db_url):
    """A fresh database with the compiled project applied twice (the second run must be a no-op)."""
    project = load_project(ROOT)
    script = compile_script(project.catalog, project.fingerprint)
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute(script)
        conn.execute(script)
    return platform_db_url
