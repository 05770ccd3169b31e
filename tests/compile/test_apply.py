"""Compiled scripts against a real server: they apply, re-apply without change, and complete
a database that holds part of the schema."""

from __future__ import annotations

from dataclasses import replace

import psycopg

from roseram_schema.compile import compile_script
from roseram_schema.model import build_catalog

from .catalogs import everything_catalog
from .conftest import apply_sql, dump_schemas

SCHEMAS = ["app", "public"]


def test_everything_applies_twice_with_no_change(platform_db_url, tmp_path):
    script = compile_script(everything_catalog(), "test")
    apply_sql(platform_db_url, script, tmp_path)
    first = dump_schemas(platform_db_url, SCHEMAS)
    apply_sql(platform_db_url, script, tmp_path)
    assert dump_schemas(platform_db_url, SCHEMAS) == first
    assert "CREATE POLICY \"owner reads\" ON app.organizations" in first
    assert "ALTER TABLE ONLY app.sites FORCE ROW LEVEL SECURITY" in first
    assert "CREATE SEQUENCE" not in first  # re-adding identity columns made no stray sequence
