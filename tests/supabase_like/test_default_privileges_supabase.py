"""What Supabase's default privileges give a new object, and what the plan takes back: the
sequences of serial and identity columns keep USAGE and SELECT (as on the plain stand-in)
but lose UPDATE (setval); MAINTAIN (PostgreSQL 17+) is revoked, and is drift when granted
by hand; the grants Supabase gives its own roles are left alone."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from .test_supabase_like import cli


def _project(root: Path) -> Path:
    (root / "schema" / "public").mkdir(parents=True)
    (root / "project.yaml").write_text(
        "schemas: [public]\nroles: [anon, authenticated, {name: service_role, bypassrls: true}]\n")
    (root / "schema" / "public" / "notes.yaml").write_text(
        "columns:\n"
        "  id: {type: bigserial}\n"
        "  n: {type: int, nullable: false, identity: always}\n"
        "  body: {type: text}\n"
        "primary_key: [id]\n"
        "grants:\n"
        "  authenticated: [select, insert]\n"
        "  service_role: all\n")
    # RLS on: an exposed table without it is a lint error that apply refuses (lint_errors)
    (root / "policies" / "public").mkdir(parents=True)
    (root / "policies" / "public" / "notes.yaml").write_text("rls: enabled\n")
    return root


def _sequence_privileges(conn) -> dict[str, dict[str, tuple[str, ...]]]:
    out = {}
    for (name,) in conn.execute("SELECT relname::text FROM pg_class WHERE relkind = 'S'"
                                " AND relnamespace = 'public'::regnamespace ORDER BY 1").fetchall():
        out[name] = {role: tuple(p for p in ("USAGE", "SELECT", "UPDATE") if conn.execute(
            "SELECT has_sequence_privilege(%s, %s, %s)", [role, f"public.{name}", p]).fetchone()[0])
            for role in ("anon", "authenticated", "service_role")}
    return out


def test_owned_sequences_lose_update(supabase_db_url, pg_server, tmp_path):
    project = _project(tmp_path / "proj")
    args = ("--project", str(project), "--db", supabase_db_url, "--dev-db", pg_server.base_url)
    done = cli("apply", "--yes", *args)
    assert done.returncode == 0, done.stderr
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        both = ("USAGE", "SELECT")
        assert _sequence_privileges(conn) == {
            "notes_id_seq": {"anon": both, "authenticated": both, "service_role": both},
            "notes_n_seq": {"anon": both, "authenticated": both, "service_role": both},
        }
    assert cli("drift", *args).returncode == 0


def test_maintain_is_revoked_and_is_drift(supabase_db_url, pg_server, tmp_path):
    project = _project(tmp_path / "proj")
    args = ("--project", str(project), "--db", supabase_db_url, "--dev-db", pg_server.base_url)
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        if conn.info.server_version < 170000:
            pytest.skip("MAINTAIN exists on PostgreSQL 17+")
    assert cli("apply", "--yes", *args).returncode == 0
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        assert [r for r in ("anon", "authenticated", "service_role") if conn.execute(
            "SELECT has_table_privilege(%s, 'public.notes', 'MAINTAIN')", [r]).fetchone()[0]] == []
        conn.execute("GRANT MAINTAIN ON public.notes TO anon")
    assert cli("drift", *args).returncode == 2
    plan = cli("plan", *args, "--format", "sql")
    assert "REVOKE MAINTAIN ON TABLE public.notes FROM anon;" in plan.stdout, plan.stdout
    assert cli("apply", "--yes", *args).returncode == 0
    assert cli("drift", *args).returncode == 0


def test_grants_to_supabases_own_roles_are_left_alone(supabase_db_url, pg_server, tmp_path):
    project = _project(tmp_path / "proj")
    args = ("--project", str(project), "--db", supabase_db_url, "--dev-db", pg_server.base_url)
    assert cli("apply", "--yes", *args).returncode == 0
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute("GRANT SELECT ON public.notes TO supabase_admin, supabase_storage_admin, authenticator")
    assert cli("drift", *args).returncode == 0
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute("GRANT SELECT ON public.notes TO anon")
    plan = cli("plan", *args, "--format", "sql")
    revokes = [line for line in plan.stdout.splitlines() if line.startswith("REVOKE")]
    assert revokes == ["REVOKE SELECT ON TABLE public.notes FROM anon;"], plan.stdout
