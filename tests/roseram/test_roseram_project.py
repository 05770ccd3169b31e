"""The Roseram project at the repository root: it loads, compiles and applies.

The static tests read the loaded catalog (indexes, RLS, helper functions, append-only and
server-only tables); the database tests apply the compiled script twice to a fresh database
with the platform stand-in and read the live catalog.
"""

from __future__ import annotations

import re

import psycopg
import pytest

from roseram_schema.source import load_project

from .conftest import ROOT

@pytest.fixture(scope="module")
def project():
    """The Roseram project, loaded once for the static tests."""
    return load_project(ROOT)


def _plain_keys(keys) -> tuple[str, ...] | None:
    """The column names of an index/constraint key list, or None if any key is not a bare column."""
    if all(re.fullmatch(r"[a-z_][a-z0-9_]*", k) for k in keys):
        return tuple(keys)
    return None


def test_project_has_every_table_view_and_helper(project):
    catalog = project.catalog
    assert len(catalog.tables) == 34
    assert {t.schema for t in catalog.tables} == {"public"}
    assert sorted(v.name for v in catalog.views) == [
        "project_stats", "site_stats", "user_organizations", "user_sites", "user_stats"]
    names = {f.name for f in catalog.functions}
    assert {"org_role", "org_role_at_least", "is_org_member", "owns_project",
            "site_org", "page_org", "set_updated_at"} <= names
    assert len(project.contracts) == 34


def test_every_table_has_rls_and_a_contract(project):
    for table in project.catalog.tables:
        assert table.rls_enabled, table.key
        assert project.contracts.get(table.key) is not None, table.key


def test_every_foreign_key_column_leads_an_index(project):
    for table in project.catalog.tables:
        leading = {table.primary_key.columns[0]} if table.primary_key else set()
        leading |= {u.columns[0] for u in table.uniques}
        leading |= {i.keys[0].split()[0] for i in table.indexes}
        for fk in table.foreign_keys:
            assert fk.columns[0] in leading, f"{table.key}: {fk.name} has no index"


def test_no_index_repeats_the_leading_columns_of_another(project):
    # An index on plain columns that are a leading prefix of the primary key, a unique
    # constraint or another index is never needed: that btree already serves the lookup.
    for table in project.catalog.tables:
        covering = [table.primary_key.columns] if table.primary_key else []
        covering += [u.columns for u in table.uniques]
        for index in table.indexes:
            keys = _plain_keys(index.keys)
            if keys is None:
                continue
            others = covering + [i.keys for i in table.indexes if i is not index]
            for other in others:
                assert tuple(other[: len(keys)]) != keys or len(other) < len(keys), (
                    f"{table.key}: index {index.name} {keys} duplicates {tuple(other)}")


def test_policies_wrap_auth_uid_in_a_select(project):
    for table in project.catalog.tables:
        for policy in table.policies:
            for text in (policy.using, policy.with_check):
                if text:
                    rest = re.sub(r"\(\s*select\s+auth\.uid\(\)\s*\)", "", text, flags=re.I)
                    assert "auth.uid()" not in rest.lower(), f"{table.key}: {policy.name}"


def test_append_only_and_server_only_tables_have_no_client_writes(project):
    catalog = project.catalog
    append_only = ["file_revisions", "action_logs", "code_versions", "history_snapshots",
                   "page_versions", "ai_generations"]
    for name in append_only:
        table = catalog.table(name)
        assert {p.command for p in table.policies} == {"select", "insert"}, name
    for name in ["user_sessions", "session_audit_log", "duplicate_users"]:
        table = catalog.table(name)
        assert table.policies == ()
        assert {g.grantee for g in table.grants} == {"service_role"}, name


def test_security_definer_helpers_pin_the_search_path(project):
    definers = [f for f in project.catalog.functions if f.security_definer]
    assert len(definers) >= 6
    for function in definers:
        assert function.search_path in ("''", '""'), function.key


# --- against a database -------------------------------------------------------------------


def test_compiled_project_applies_twice_with_rls_everywhere(roseram_url):
    with psycopg.connect(roseram_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT c.relname, c.relrowsecurity FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1"
        ).fetchall()
        assert len(rows) == 34
        assert all(rls for _, rls in rows), [name for name, rls in rows if not rls]
        views = _column(conn, "SELECT viewname FROM pg_views WHERE schemaname = 'public'")
        assert len(views) == 5


def test_live_database_has_an_index_leading_with_every_foreign_key(roseram_url):
    with psycopg.connect(roseram_url, autocommit=True) as conn:
        unindexed = conn.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname
            FROM pg_constraint c
            WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
              AND NOT EXISTS (SELECT FROM pg_index i
                              WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])
            ORDER BY 1, 2
            """
        ).fetchall()
        assert unindexed == []
        duplicates = conn.execute(
            """
            SELECT a.indexrelid::regclass::text, b.indexrelid::regclass::text
            FROM pg_index a JOIN pg_index b
              ON a.indrelid = b.indrelid AND a.indexrelid < b.indexrelid
             AND a.indkey::text = b.indkey::text AND a.indexprs IS NULL AND b.indexprs IS NULL
            WHERE a.indrelid::regclass::text NOT LIKE 'pg_%'
              AND a.indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
            """
        ).fetchall()
        assert duplicates == []


def _column(conn, sql: str, params=()) -> list:
    return sorted(row[0] for row in conn.execute(sql, params).fetchall())
