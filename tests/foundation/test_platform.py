"""The Supabase stand-in: auth.uid() from either claim style, anon gets NULL, service_role
bypasses RLS, re-applying is harmless, and a real Supabase database is left alone."""

import json

import psycopg
import pytest

from roseram_schema.platform import ensure_platform, is_supabase

USER = "6f1c2d3e-0000-4000-8000-000000000001"


def _as(conn, role: str, claims: dict | None = None, old_style_sub: str | None = None):
    conn.execute(f"SET LOCAL ROLE {role}")
    if claims is not None:
        conn.execute("SELECT set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
    if old_style_sub is not None:
        conn.execute("SELECT set_config('request.jwt.claim.sub', %s, true)", (old_style_sub,))


def test_uid_from_claims_json(platform_db_url):
    with psycopg.connect(platform_db_url) as conn:
        _as(conn, "authenticated", {"sub": USER, "role": "authenticated"})
        uid, role, jwt = conn.execute("SELECT auth.uid()::text, auth.role(), auth.jwt()").fetchone()
    assert uid == USER
    assert role == "authenticated"
    assert jwt["sub"] == USER


def test_uid_from_old_style_claim(platform_db_url):
    with psycopg.connect(platform_db_url) as conn:
        _as(conn, "authenticated", old_style_sub=USER)
        assert conn.execute("SELECT auth.uid()::text").fetchone()[0] == USER


def test_anon_gets_null(platform_db_url):
    with psycopg.connect(platform_db_url) as conn:
        _as(conn, "anon")
        assert conn.execute("SELECT auth.uid(), auth.role()").fetchone() == (None, None)


def test_service_role_bypasses_rls(platform_db_url):
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE secrets (id int)")
        conn.execute("INSERT INTO secrets VALUES (1), (2)")
        conn.execute("ALTER TABLE secrets ENABLE ROW LEVEL SECURITY")
        conn.execute("GRANT SELECT ON secrets TO authenticated, service_role")
    with psycopg.connect(platform_db_url) as conn:
        _as(conn, "service_role", {"role": "service_role"})
        assert conn.execute("SELECT count(*) FROM secrets").fetchone()[0] == 2
        conn.rollback()
        _as(conn, "authenticated", {"sub": USER, "role": "authenticated"})
        assert conn.execute("SELECT count(*) FROM secrets").fetchone()[0] == 0


def test_reapplying_is_harmless(platform_db_url):
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute("INSERT INTO auth.users (id, email) VALUES (%s, 'a@example.com')", (USER,))
        assert ensure_platform(conn) is True
        assert ensure_platform(conn) is True
        assert conn.execute("SELECT count(*) FROM auth.users").fetchone()[0] == 1
        roles = conn.execute(
            "SELECT rolname, rolbypassrls FROM pg_roles"
            " WHERE rolname IN ('anon', 'authenticated', 'service_role') ORDER BY 1"
        ).fetchall()
    assert roles == [("anon", False), ("authenticated", False), ("service_role", True)]


def test_supabase_database_is_left_alone(db_conn):
    db_conn.execute("CREATE SCHEMA auth")
    db_conn.execute("CREATE TABLE auth.schema_migrations (version text)")
    assert is_supabase(db_conn)
    assert ensure_platform(db_conn) is False
    assert db_conn.execute("SELECT to_regprocedure('auth.uid()')").fetchone()[0] is None


def test_plain_database_is_not_supabase(db_conn):
    assert not is_supabase(db_conn)
