"""Partitions are never wider than their parent, on Supabase and on plain PostgreSQL.

A query that names a partition uses the partition's own grants and RLS, not the parent's,
so the plan gives partitions the parent's RLS switches and no grants, and drift reports a
partition that was opened by hand.
"""

from __future__ import annotations

import uuid

import psycopg

from .test_supabase_like import _partitioned_project, cli


def _access(url: str) -> dict[str, tuple[bool, bool, tuple[str, ...]]]:
    """{partition: (rls enabled, rls forced, roles other than the owner with any grant)}."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity,"
            "       ARRAY(SELECT DISTINCT a.grantee::regrole::text FROM aclexplode(coalesce(c.relacl,"
            "             acldefault('r', c.relowner))) a WHERE a.grantee <> c.relowner ORDER BY 1)"
            " FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relispartition"
            " AND c.relkind IN ('r', 'p')"
            " ORDER BY 1").fetchall()
    return {name: (enabled, forced, tuple(grantees)) for name, enabled, forced, grantees in rows}


def test_partitions_get_the_parents_rls_and_no_grants(supabase_db_url, pg_server, tmp_path):
    project = _partitioned_project(tmp_path / "proj")
    done = cli("apply", "--yes", "--project", str(project), "--db", supabase_db_url,
               "--dev-db", pg_server.base_url)
    assert done.returncode == 0, done.stderr
    assert _access(supabase_db_url) == {"events_2024": (True, False, ()), "events_default": (True, False, ())}
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute("INSERT INTO public.events VALUES (1, '2024-05-01', %s), (2, '2024-06-01', %s)",
                     [mine, theirs])
        conn.execute("SELECT set_config('request.jwt.claims', %s, false)", [f'{{"sub": "{mine}"}}'])
        conn.execute("SET ROLE anon")
        try:
            conn.execute("SELECT count(*) FROM public.events_2024")
            raise AssertionError("anon read a partition")
        except psycopg.errors.InsufficientPrivilege:
            pass
    drift = cli("drift", "--project", str(project), "--db", supabase_db_url, "--dev-db", pg_server.base_url)
    assert drift.returncode == 0, drift.stdout + drift.stderr


def test_a_partition_opened_by_hand_is_drift_and_the_plan_closes_it(supabase_db_url, pg_server, tmp_path):
    project = _partitioned_project(tmp_path / "proj")
    args = ("--project", str(project), "--db", supabase_db_url, "--dev-db", pg_server.base_url)
    assert cli("apply", "--yes", *args).returncode == 0
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute("GRANT SELECT ON public.events_2024 TO anon")
        conn.execute("ALTER TABLE public.events_default DISABLE ROW LEVEL SECURITY")
    drift = cli("drift", *args)
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert "events_2024" in drift.stdout and "events_default" in drift.stdout, drift.stdout
    plan = cli("plan", *args, "--format", "sql")
    assert plan.returncode == 2, plan.stderr
    statements = [line for line in plan.stdout.splitlines() if "events_" in line and not line.startswith("--")]
    assert sorted(statements) == [
        "ALTER TABLE public.events_default ENABLE ROW LEVEL SECURITY;",
        "REVOKE SELECT ON TABLE public.events_2024 FROM anon;",
    ], plan.stdout
    assert cli("apply", "--yes", *args).returncode == 0
    assert _access(supabase_db_url) == {"events_2024": (True, False, ()), "events_default": (True, False, ())}
    assert cli("drift", *args).returncode == 0


def test_partitions_on_plain_postgres_get_the_parents_rls(make_db, pg_server, tmp_path):
    project = _partitioned_project(tmp_path / "proj")
    url = make_db()
    args = ("--project", str(project), "--db", url, "--dev-db", pg_server.base_url)
    done = cli("apply", "--yes", *args)
    assert done.returncode == 0, done.stderr
    assert _access(url) == {"events_2024": (True, False, ()), "events_default": (True, False, ())}
    assert cli("drift", *args).returncode == 0
