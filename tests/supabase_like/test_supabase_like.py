"""The tool against a Supabase-like database (fixtures.py, supabase_like.sql).

The fixture is checked to behave like Supabase (detected as such; a plain CREATE TABLE in
public is open to anon through default privileges), then the Roseram project is applied to
it through the real CLI and the result read back: drift, verify --db, and what anon may do.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest

from inprocess import run_cli

from roseram_schema.platform import ensure_platform, is_supabase

from .fixtures import install_supabase_like

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess:
    # in the test process (tests/inprocess.py): what the command does, not its process
    return run_cli(*args)


def test_fixture_is_detected_as_supabase_and_left_alone(supabase_db_url, pg_server):
    # the session's shared server never gets Supabase's cluster-wide roles
    with psycopg.connect(pg_server.base_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'supabase_admin'").fetchone()[0] == 0
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        assert is_supabase(conn)
        assert ensure_platform(conn) is False
        # what a new Supabase project has, read back
        row = conn.execute("""
            SELECT (SELECT rolbypassrls FROM pg_roles WHERE rolname = 'service_role'),
                   (SELECT count(*) FROM pg_roles WHERE rolname IN
                      ('supabase_admin', 'anon', 'authenticated', 'service_role', 'authenticator')),
                   (SELECT array_agg(nspname::text ORDER BY nspname) FROM pg_namespace WHERE nspname IN
                      ('auth', 'storage', 'extensions', 'realtime', 'graphql_public')),
                   (SELECT relrowsecurity FROM pg_class WHERE oid = 'storage.objects'::regclass),
                   storage.foldername('a/b/c.png'),
                   EXISTS (SELECT FROM pg_publication WHERE pubname = 'supabase_realtime'),
                   to_regclass('auth.schema_migrations') IS NOT NULL
        """).fetchone()
        assert row == (True, 5, ["auth", "extensions", "graphql_public", "realtime", "storage"],
                       True, ["a", "b"], True, True)
        columns = {r[0] for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'auth.users'::regclass AND attnum > 0")}
        assert {"id", "email", "raw_user_meta_data", "raw_app_meta_data"} <= columns
        columns = {r[0] for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'storage.objects'::regclass AND attnum > 0")}
        assert {"id", "bucket_id", "name", "owner", "owner_id", "metadata", "created_at"} <= columns
        # the extensions live in `extensions` when this server has them
        available = {r[0] for r in conn.execute(
            "SELECT name FROM pg_available_extensions WHERE name IN ('pgcrypto', 'uuid-ossp')")}
        installed = {r[0]: r[1] for r in conn.execute(
            "SELECT extname, extnamespace::regnamespace::text FROM pg_extension")}
        assert {name: installed.get(name) for name in available} == {name: "extensions" for name in available}
        # the script may run again on the same database (it is idempotent)
        install_supabase_like(conn)
        assert is_supabase(conn)


def test_auth_helpers_read_the_request_claims(supabase_db_url):
    user = uuid.uuid4()
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute("SELECT set_config('request.jwt.claims', %s, false)",
                     [f'{{"sub": "{user}", "role": "authenticated", "email": "a@example.com"}}'])
        assert conn.execute("SELECT auth.uid(), auth.role(), auth.email(), auth.jwt() ->> 'sub'").fetchone() == (
            user, "authenticated", "a@example.com", str(user))


def test_plain_create_table_in_public_is_open_to_anon(supabase_db_url):
    # default privileges, as on Supabase: the creator grants nothing, anon may still write
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.notes (id bigserial PRIMARY KEY, body text)")
        conn.execute("CREATE FUNCTION public.answer() RETURNS int LANGUAGE sql AS 'SELECT 42'")
        conn.execute("SET ROLE anon")
        conn.execute("INSERT INTO public.notes (body) VALUES ('hello')")
        assert conn.execute("SELECT id, body FROM public.notes").fetchall() == [(1, "hello")]
        assert conn.execute("SELECT has_sequence_privilege('public.notes_id_seq', 'USAGE')").fetchone()[0]
        conn.execute("RESET ROLE")
        acl = conn.execute("SELECT proacl::text[] FROM pg_proc WHERE oid = 'public.answer()'::regprocedure").fetchone()[0]
        assert any(a.startswith("anon=X/") for a in acl), acl


@pytest.fixture
def applied_url(supabase_db_url, pg_server):
    """The Roseram project applied to a Supabase-like database through the CLI."""
    done = cli("apply", "--yes", "--project", str(ROOT), "--db", supabase_db_url,
               "--dev-db", pg_server.base_url)
    assert done.returncode == 0, done.stderr
    return supabase_db_url


def test_apply_then_drift_and_verify(applied_url, pg_server):
    with psycopg.connect(applied_url, autocommit=True) as conn:
        # apply touched nothing platform-wise: the auth helpers are still Supabase's
        owner = conn.execute("SELECT proowner::regrole::text FROM pg_proc WHERE oid = 'auth.uid()'::regprocedure").fetchone()[0]
        assert owner == "supabase_auth_admin"
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] >= 34
    drift = cli("drift", "--project", str(ROOT), "--db", applied_url, "--dev-db", pg_server.base_url)
    assert drift.returncode == 0, drift.stdout + drift.stderr
    verify = cli("verify", "--project", str(ROOT), "--db", applied_url, "--dev-db", pg_server.base_url)
    assert verify.returncode == 0, verify.stdout + verify.stderr


API_ROLES = ("anon", "authenticated", "service_role")


def _privileges(url: str) -> dict[tuple[str, str], dict[str, tuple[str, ...]]]:
    """{(kind, object): {role: privileges}} for every relation and function in public, as
    PostgreSQL answers has_*_privilege for the API roles (grants to PUBLIC included)."""
    out = {}
    with psycopg.connect(url, autocommit=True) as conn:
        table_privs = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"]
        if conn.info.server_version >= 170000:
            table_privs.append("MAINTAIN")
        relations = conn.execute(
            "SELECT c.oid, c.relkind::text, c.relname::text FROM pg_class c"
            " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
            " ORDER BY c.relname").fetchall()
        for oid, kind, name in relations:
            key = ("sequence" if kind == "S" else "table", name)
            check = "has_sequence_privilege" if kind == "S" else "has_table_privilege"
            privs = ["USAGE", "SELECT", "UPDATE"] if kind == "S" else table_privs
            out[key] = {role: tuple(p for p in privs if conn.execute(
                f"SELECT {check}(%s, %s::oid, %s)", [role, oid, p]).fetchone()[0]) for role in API_ROLES}
        for oid, signature in conn.execute(
                "SELECT p.oid, p.oid::regprocedure::text FROM pg_proc p"
                " WHERE p.pronamespace = 'public'::regnamespace ORDER BY 2").fetchall():
            out[("function", signature)] = {role: ("EXECUTE",) if conn.execute(
                "SELECT has_function_privilege(%s, %s::oid, 'EXECUTE')", [role, oid]).fetchone()[0] else ()
                for role in API_ROLES}
    return out


def _wider(supabase: dict, reference: dict) -> dict[str, list[str]]:
    """What the API roles may do on the Supabase-like database beyond the reference one:
    {role: ["kind name: PRIVS", ...]}, empty when nothing is wider."""
    wider: dict[str, list[str]] = {}
    for key, roles in sorted(supabase.items()):
        for role, privs in roles.items():
            extra = sorted(set(privs) - set(reference.get(key, {}).get(role, ())))
            if extra:
                wider.setdefault(role, []).append(f"{key[0]} {key[1]}: {', '.join(extra)}")
    return wider


def test_apply_leaves_nothing_wider_than_on_the_plain_stand_in(applied_url, make_db, pg_server):
    # The reference: the same project applied to a plain PostgreSQL with the minimal stand-in,
    # where no default privilege opens anything (it only lets the roles use serial sequences).
    plain = make_db()
    done = cli("apply", "--yes", "--project", str(ROOT), "--db", plain, "--dev-db", pg_server.base_url)
    assert done.returncode == 0, done.stderr
    reference = _privileges(plain)
    supabase = _privileges(applied_url)
    assert set(supabase) == set(reference)
    assert _wider(supabase, reference) == {}


def _partitioned_project(root: Path) -> Path:
    """A project with one partitioned table that only `authenticated` may read, its own rows."""
    (root / "schema" / "public").mkdir(parents=True)
    (root / "policies" / "public").mkdir(parents=True)
    (root / "project.yaml").write_text(
        "schemas: [public]\nroles: [anon, authenticated, {name: service_role, bypassrls: true}]\n")
    (root / "schema" / "public" / "events.yaml").write_text(
        "columns:\n"
        "  id: {type: bigint, nullable: false}\n"
        "  at: {type: date, nullable: false}\n"
        "  owner_id: {type: uuid, nullable: false}\n"
        "primary_key: [id, at]\n"
        "grants:\n"
        "  authenticated: [select]\n"
        "partition_by: RANGE (at)\n"
        "partitions:\n"
        "  - {name: events_2024, bound: \"FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')\"}\n"
        "  - {name: events_default, bound: DEFAULT}\n")
    (root / "policies" / "public" / "events.yaml").write_text(
        "policies:\n"
        "  - {name: own, command: select, roles: [authenticated], using: owner_id = (select auth.uid())}\n")
    return root


def test_partitions_are_not_open_to_anon(supabase_db_url, pg_server, tmp_path):
    project = _partitioned_project(tmp_path / "proj")
    done = cli("apply", "--yes", "--project", str(project), "--db", supabase_db_url,
               "--dev-db", pg_server.base_url)
    assert done.returncode == 0, done.stderr
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute("INSERT INTO public.events VALUES (1, '2024-05-01', %s), (2, '2030-01-01', %s)",
                     [uuid.uuid4(), uuid.uuid4()])
        open_to_anon = conn.execute(
            "SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace"
            " AND c.relkind IN ('r', 'p') AND has_table_privilege('anon', c.oid, 'SELECT')"
            " ORDER BY 1").fetchall()
        assert open_to_anon == []


def test_other_databases_of_a_supabase_server_get_the_stand_in(supabase_db_url, supabase_server):
    # Supabase's roles are cluster-wide; its auth schema is not. A scratch database on a
    # Supabase server (`supabase start` as the dev server, say) is plain and needs the stand-in.
    name = supabase_server.create_database("plain")
    try:
        with psycopg.connect(supabase_server.url(name), autocommit=True) as conn:
            assert not is_supabase(conn)
            assert ensure_platform(conn) is True
            assert conn.execute("SELECT to_regprocedure('auth.uid()') IS NOT NULL").fetchone()[0]
    finally:
        supabase_server.drop_database(name)
    done = cli("verify", "--project", str(ROOT), "--dev-db", supabase_server.base_url)
    assert done.returncode == 0, done.stdout + done.stderr


def test_first_plan_keeps_supabases_grants_on_schema_public(supabase_db_url, pg_server):
    done = cli("plan", "--project", str(ROOT), "--db", supabase_db_url, "--dev-db", pg_server.base_url,
               "--format", "sql")
    assert done.returncode == 2, done.stderr
    touching = [line for line in done.stdout.splitlines() if "ON SCHEMA public" in line]
    assert touching == []
