"""ALTER DEFAULT PRIVILEGES as a managed kind (source/defaultprivs.py, plan/defaultacl.py):
read from SQL and project.yaml, compared with the target's pg_default_acl, planned as
ALTER DEFAULT PRIVILEGES statements; entries the source does not name are left alone."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest

from inprocess import run_cli

import roseram_schema as rs
from roseram_schema.source import load_project

from .test_grant_modes import ROLES, _converged, _write

def cli(*args: str) -> subprocess.CompletedProcess:
    # in the test process (tests/inprocess.py): what the command does, not its process
    return run_cli(*args)


TABLE = ("CREATE TABLE public.t (id int PRIMARY KEY);\nALTER TABLE public.t ENABLE ROW LEVEL SECURITY;\n"
         "GRANT SELECT ON public.t TO authenticated;\n")


def _new_function_executable(url: str, role: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION public.made_later() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$")
        return conn.execute("SELECT has_function_privilege(%s, 'public.made_later()', 'EXECUTE')",
                            [role]).fetchone()[0]


def _plan_sql(project: Path, url: str, dev: str) -> list[str]:
    return [s.sql for s in rs.plan(project, url, dev_db=dev).statements]


def test_revoke_execute_from_public_is_planned_and_holds(platform_db_url, pg_server, tmp_path):
    project = _write(tmp_path / "p", {
        "project.yaml": "schemas: [public]\n" + ROLES,
        "schema/t.sql": TABLE + "ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;\n"})
    assert "ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC" in _plan_sql(
        project, platform_db_url, pg_server.base_url)
    report = rs.drift(project, platform_db_url, dev_db=pg_server.base_url)
    assert "revoke execute on default privileges functions from public" in [i.summary for i in report.items]
    rs.apply(project, platform_db_url, dev_db=pg_server.base_url)
    _converged(project, platform_db_url, pg_server.base_url)
    assert not _new_function_executable(platform_db_url, "anon")


def test_yaml_form_and_schema_entry(platform_db_url, pg_server, tmp_path):
    project = _write(tmp_path / "p", {
        "project.yaml": "grants: exact\nschemas: [public]\n" + ROLES + (
            "default_privileges:\n"
            "  - {schema: public, objects: tables, grants: {authenticated: [select]}}\n"
            "  - {objects: functions, revokes: {public: [execute]}}\n"),
        "schema/t.sql": TABLE})
    rs.apply(project, platform_db_url, dev_db=pg_server.base_url)
    _converged(project, platform_db_url, pg_server.base_url)
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.later (id int)")
        assert conn.execute("SELECT has_table_privilege('authenticated', 'public.later', 'SELECT')").fetchone()[0]
        # a hand edit of a managed entry is drift
        conn.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT INSERT ON TABLES TO anon")
    report = rs.drift(project, platform_db_url, dev_db=pg_server.base_url)
    assert not report.clean
    assert "ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE INSERT ON TABLES FROM anon" in _plan_sql(
        project, platform_db_url, pg_server.base_url)


def test_unnamed_entries_are_left_alone(supabase_db_url, pg_server, tmp_path):
    project = _write(tmp_path / "p", {
        "project.yaml": "schemas: [public]\n" + ROLES,
        "schema/t.sql": TABLE + "ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;\n"})
    rs.apply(project, supabase_db_url, dev_db=pg_server.base_url)
    _converged(project, supabase_db_url, pg_server.base_url)
    # Supabase's own entries (ALL on new tables in public to anon ...) are still there
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.later (id int)")
        assert conn.execute("SELECT has_table_privilege('anon', 'public.later', 'SELECT')").fetchone()[0]


def test_defaults_mode_revoke_of_a_platform_default(supabase_db_url, pg_server, tmp_path):
    # defaults mode: the entry keeps what it holds, less the source's REVOKE; the objects
    # made by the plan follow the entry as it will be
    project = _write(tmp_path / "p", {
        "project.yaml": "schemas: [public]\n" + ROLES,
        "schema/t.sql": "CREATE TABLE public.t (id int PRIMARY KEY);\n"
                        "ALTER TABLE public.t ENABLE ROW LEVEL SECURITY;\n"
                        "ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM anon;\n"})
    assert load_project(project).catalog.grants_mode == "defaults"
    rs.apply(project, supabase_db_url, dev_db=pg_server.base_url)
    _converged(project, supabase_db_url, pg_server.base_url)
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        assert not conn.execute("SELECT has_table_privilege('anon', 'public.t', 'SELECT')").fetchone()[0]
        assert conn.execute("SELECT has_table_privilege('authenticated', 'public.t', 'SELECT')").fetchone()[0]
        conn.execute("CREATE TABLE public.later (id int)")
        assert not conn.execute("SELECT has_table_privilege('anon', 'public.later', 'SELECT')").fetchone()[0]


@pytest.mark.parametrize("sql, message", [
    ("ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO anon WITH GRANT OPTION;", "GRANT OPTION"),
    ("ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON TABLES TO anon;", "does not apply to tables"),
    ("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SCHEMAS TO anon;", "cannot be ON SCHEMAS"),
])
def test_what_cannot_be_honoured_is_an_error(tmp_path, sql, message):
    project = _write(tmp_path / "p", {"project.yaml": "schemas: [public]\n" + ROLES, "schema/t.sql": TABLE + sql})
    with pytest.raises(Exception, match=message):
        load_project(project)


def test_import_writes_default_privileges(platform_db_url, pg_server, tmp_path):
    from .test_grant_modes import _import

    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute(TABLE)
        conn.execute("ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC")
        conn.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO service_role")
        conn.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO authenticated")
    project = _import(platform_db_url, tmp_path / "imported")
    text = (project / "project.yaml").read_text()
    assert "default_privileges:" in text, text
    entries = {d.key: d for d in load_project(project).catalog.default_privileges}
    assert set(entries) == {"::functions", ":public:tables", ":public:sequences"}
    assert [(g.grantee, g.privileges) for g in entries["::functions"].revokes] == [("public", ("execute",))]
    _converged(project, platform_db_url, pg_server.base_url)
    assert _import(platform_db_url, tmp_path / "again").joinpath("project.yaml").read_text() == text


def test_fast_no_change_path_sees_a_hand_edited_entry(platform_db_url, pg_server, tmp_path):
    project = _write(tmp_path / "p", {
        "project.yaml": "schemas: [public]\n" + ROLES,
        "schema/t.sql": TABLE + "ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;\n"})
    args = ("--project", str(project), "--db", platform_db_url, "--dev-db", pg_server.base_url)
    assert cli("apply", "--yes", *args).returncode == 0
    assert cli("drift", *args).returncode == 0  # remembered clean
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute("ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC")
    done = cli("drift", *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "default privileges" in done.stdout


def test_database_revoke_round_trips(platform_db_url, pg_server, tmp_path):
    project = _write(tmp_path / "p", {
        "project.yaml": "schemas: [public]\n" + ROLES,
        "schema/t.sql": TABLE + "REVOKE ALL ON DATABASE whatever_name FROM PUBLIC;\n"
                                "GRANT CONNECT, TEMP ON DATABASE whatever_name TO authenticated;\n"})
    sql = _plan_sql(project, platform_db_url, pg_server.base_url)
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        name = conn.execute("SELECT current_database()").fetchone()[0]
    assert f"REVOKE CONNECT, TEMPORARY ON DATABASE {name} FROM PUBLIC" in sql
    assert f"GRANT CONNECT, TEMPORARY ON DATABASE {name} TO authenticated" in sql
    rs.apply(project, platform_db_url, dev_db=pg_server.base_url)
    _converged(project, platform_db_url, pg_server.base_url)
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        assert not conn.execute("SELECT has_database_privilege('anon', current_database(), 'CONNECT')").fetchone()[0]
        assert conn.execute("SELECT has_database_privilege('authenticated', current_database(), 'CONNECT')").fetchone()[0]
