"""Grant modes (project.yaml `grants:`, plan/defaultacl.py) and REVOKEs that are honoured.

defaults: an object keeps what the target's default privileges give a new one (Supabase's
ALL for anon, authenticated and service_role), plus the source's GRANT, less its REVOKE;
exact: every grant spelled out, the rest revoked. A schema REVOKE is run, not dropped."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

import roseram_schema as rs
from roseram_schema.source import load_project


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


ROLES = "roles: [anon, authenticated, {name: service_role, bypassrls: true}]\n"

NOTES = (
    "CREATE TABLE public.notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text);\n"
    "ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;\n"
    "CREATE POLICY notes_read ON public.notes FOR SELECT TO anon, authenticated USING (true);\n"
    "CREATE FUNCTION public.add(a int, b int) RETURNS int LANGUAGE sql AS $$ SELECT a + b $$;\n"
)


def _privileges(url: str, role: str, relation: str) -> set[str]:
    with psycopg.connect(url, autocommit=True) as conn:
        return {p for p in ("SELECT", "INSERT", "UPDATE", "DELETE")
                if conn.execute("SELECT has_table_privilege(%s, %s, %s)", [role, relation, p]).fetchone()[0]}


def _executable(url: str, role: str, function: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT has_function_privilege(%s, %s, 'EXECUTE')", [role, function]).fetchone()[0]


def _converged(project: Path, url: str, dev: str) -> None:
    assert rs.plan(project, url, dev_db=dev).statements == ()
    report = rs.drift(project, url, dev_db=dev)
    assert report.clean, report.render()


def test_mode_is_implied_by_table_grants_and_can_be_said(tmp_path):
    bare = _write(tmp_path / "bare", {"project.yaml": "schemas: [public]\n" + ROLES, "schema/notes.sql": NOTES})
    assert load_project(bare).catalog.grants_mode == "defaults"
    # a GRANT statement means what it means to psql: on top of the defaults
    granted = _write(tmp_path / "granted", {
        "project.yaml": "schemas: [public]\n" + ROLES,
        "schema/notes.sql": NOTES + "GRANT SELECT ON public.notes TO authenticated;\n"})
    assert load_project(granted).catalog.grants_mode == "defaults"
    # grants in a YAML table file are the project's own format: every grant spelled out
    yaml_granted = _write(tmp_path / "yaml", {
        "project.yaml": "schemas: [public]\n" + ROLES,
        "schema/public/t.yaml": "columns:\n  id: integer\ngrants:\n  authenticated: [select]\n"})
    assert load_project(yaml_granted).catalog.grants_mode == "exact"
    said = _write(tmp_path / "said", {
        "project.yaml": "grants: defaults\nschemas: [public]\n" + ROLES,
        "schema/notes.sql": NOTES + "GRANT SELECT ON public.notes TO authenticated;\n"})
    assert load_project(said).catalog.grants_mode == "defaults"


def test_bad_mode_is_an_error(tmp_path):
    bad = _write(tmp_path / "bad", {"project.yaml": "grants: loose\n", "schema/notes.sql": NOTES})
    with pytest.raises(Exception, match="grants must be one of exact, defaults"):
        load_project(bad)


def test_defaults_mode_keeps_supabase_defaults(supabase_db_url, pg_server, tmp_path):
    project = _write(tmp_path / "p", {
        "project.yaml": "schemas: [public]\n" + ROLES,
        "schema/notes.sql": NOTES + "REVOKE DELETE ON public.notes FROM anon;\n"})
    rs.apply(project, supabase_db_url, dev_db=pg_server.base_url)
    # readable by anon through its grants; RLS decides which rows
    assert _privileges(supabase_db_url, "anon", "public.notes") == {"SELECT", "INSERT", "UPDATE"}
    assert _privileges(supabase_db_url, "authenticated", "public.notes") == {"SELECT", "INSERT", "UPDATE", "DELETE"}
    assert _executable(supabase_db_url, "anon", "public.add(int, int)")
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute("INSERT INTO public.notes (body) VALUES ('hi')")
        conn.execute("SET ROLE anon")
        assert conn.execute("SELECT body FROM public.notes").fetchall() == [("hi",)]
    _converged(project, supabase_db_url, pg_server.base_url)


def test_exact_mode_revokes_supabase_defaults(supabase_db_url, pg_server, tmp_path):
    project = _write(tmp_path / "p", {
        "project.yaml": "grants: exact\nschemas: [public]\n" + ROLES,
        "schema/notes.sql": NOTES + "GRANT SELECT ON public.notes TO authenticated;\n"})
    rs.apply(project, supabase_db_url, dev_db=pg_server.base_url)
    assert _privileges(supabase_db_url, "anon", "public.notes") == set()
    assert _privileges(supabase_db_url, "authenticated", "public.notes") == {"SELECT"}
    _converged(project, supabase_db_url, pg_server.base_url)


def test_defaults_mode_on_an_existing_table_restores_defaults(supabase_db_url, pg_server, tmp_path):
    project = _write(tmp_path / "p", {"project.yaml": "schemas: [public]\n" + ROLES, "schema/notes.sql": NOTES})
    rs.apply(project, supabase_db_url, dev_db=pg_server.base_url)
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute("REVOKE ALL ON public.notes FROM anon")
    assert not rs.drift(project, supabase_db_url, dev_db=pg_server.base_url).clean
    # giving anon back what it lost opens access: a blocking hazard, allowed here
    rs.apply(project, supabase_db_url, dev_db=pg_server.base_url, allow_hazards="opens_access")
    assert "SELECT" in _privileges(supabase_db_url, "anon", "public.notes")
    _converged(project, supabase_db_url, pg_server.base_url)


def test_defaults_mode_on_plain_postgresql(platform_db_url, pg_server, tmp_path):
    project = _write(tmp_path / "p", {
        "project.yaml": "schemas: [public]\n" + ROLES,
        "schema/notes.sql": NOTES + "REVOKE EXECUTE ON FUNCTION public.add(int, int) FROM PUBLIC;\n"})
    rs.apply(project, platform_db_url, dev_db=pg_server.base_url)
    # the stand-in gives tables nothing by default: nothing but the owner's
    assert _privileges(platform_db_url, "anon", "public.notes") == set()
    assert not _executable(platform_db_url, "anon", "public.add(int, int)")
    _converged(project, platform_db_url, pg_server.base_url)


def test_schema_revoke_round_trips(platform_db_url, pg_server, tmp_path):
    project = _write(tmp_path / "p", {
        "project.yaml": "schemas: [public]\n" + ROLES,
        "schema/notes.sql": NOTES + "GRANT SELECT ON public.notes TO authenticated;\n"
                                    "REVOKE ALL ON SCHEMA public FROM PUBLIC, anon;\n"})
    catalog = load_project(project).catalog
    public = next(s for s in catalog.schemas if s.name == "public")
    assert {r.grantee for r in public.revokes} == {"anon", "public"}
    rs.apply(project, platform_db_url, dev_db=pg_server.base_url)
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        usage = {role: conn.execute("SELECT has_schema_privilege(%s, 'public', 'USAGE')", [role]).fetchone()[0]
                 for role in ("anon", "authenticated")}
    assert usage == {"anon": False, "authenticated": True}
    _converged(project, platform_db_url, pg_server.base_url)


def test_schema_revoke_round_trips_on_supabase(supabase_db_url, pg_server, tmp_path):
    project = _write(tmp_path / "p", {
        "project.yaml": "schemas: [public]\n" + ROLES,
        "schema/notes.sql": NOTES + "REVOKE ALL ON SCHEMA public FROM PUBLIC, anon;\n"})
    rs.apply(project, supabase_db_url, dev_db=pg_server.base_url)
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        assert not conn.execute("SELECT has_schema_privilege('anon', 'public', 'USAGE')").fetchone()[0]
        assert conn.execute("SELECT has_schema_privilege('authenticated', 'public', 'USAGE')").fetchone()[0]
    _converged(project, supabase_db_url, pg_server.base_url)


def _import(url: str, out: Path) -> Path:
    from roseram_schema.importer import import_database, write_project

    write_project(out, import_database(url).files)
    return out


def test_import_records_defaults_mode(supabase_db_url, pg_server, tmp_path):
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute(NOTES)  # as psql would run it: Supabase's defaults give anon ALL
    project = _import(supabase_db_url, tmp_path / "imported")
    text = (project / "project.yaml").read_text()
    assert "grants: defaults" in text
    assert "grants" not in (project / "schema" / "public" / "notes.yaml").read_text()
    assert load_project(project).catalog.grants_mode == "defaults"
    _converged(project, supabase_db_url, pg_server.base_url)
    again = _import(supabase_db_url, tmp_path / "again")
    assert (again / "project.yaml").read_text() == text


def test_import_of_a_table_without_grants_revokes_the_defaults(supabase_db_url, pg_server, tmp_path):
    # three REVOKEs say it in fewer words than exact mode's grants on the function and the
    # sequence, which hold the defaults (importer/grantmode.py)
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute(NOTES)
        conn.execute("REVOKE ALL ON public.notes FROM anon, authenticated, service_role")
    project = _import(supabase_db_url, tmp_path / "imported")
    assert "grants: defaults" in (project / "project.yaml").read_text()
    assert "revokes:\n  anon: all\n  authenticated: all\n  service_role: all\n" in (
        project / "schema" / "public" / "notes.yaml").read_text()
    _converged(project, supabase_db_url, pg_server.base_url)


COLUMNS = (
    "CREATE TABLE public.profiles (id int PRIMARY KEY, name text, email text);\n"
    "ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;\n"
    "GRANT SELECT ON public.profiles TO authenticated;\n"
)


def _column_privileges(url: str, role: str) -> dict[str, set[str]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return {c: {p for p in ("SELECT", "UPDATE", "INSERT")
                    if conn.execute("SELECT has_column_privilege(%s, 'public.profiles', %s, %s)",
                                    [role, c, p]).fetchone()[0]}
                for c in ("id", "name", "email")}


def test_column_grants_round_trip(platform_db_url, pg_server, tmp_path):
    project = _write(tmp_path / "p", {
        "project.yaml": "schemas: [public]\n" + ROLES,
        "schema/profiles.sql": COLUMNS + "GRANT SELECT (id, name), UPDATE (name) ON public.profiles TO anon;\n"})
    name = next(c for c in load_project(project).catalog.tables[0].columns if c.name == "name")
    assert [(g.grantee, g.privileges) for g in name.grants] == [("anon", ("select", "update"))]
    rs.apply(project, platform_db_url, dev_db=pg_server.base_url)
    assert _column_privileges(platform_db_url, "anon") == {"id": {"SELECT"}, "name": {"SELECT", "UPDATE"}, "email": set()}
    _converged(project, platform_db_url, pg_server.base_url)
    # managed, so not reported as unmanaged
    unmanaged = rs.plan(project, platform_db_url, dev_db=pg_server.base_url).unmanaged
    assert not [u for u in unmanaged if u[0] == "column privileges"], unmanaged
    # the YAML form, and a change: anon keeps SELECT on id only
    (project / "schema" / "profiles.sql").write_text(COLUMNS.replace(
        "name text", "name text").replace("GRANT SELECT ON public.profiles TO authenticated;\n", ""))
    (project / "schema" / "profiles.sql").unlink()
    (project / "schema" / "public").mkdir()
    (project / "schema" / "public" / "profiles.yaml").write_text(
        "columns:\n  id: {type: int, grants: {anon: [select]}}\n  name: text\n  email: text\n"
        "primary_key: [id]\ngrants: {authenticated: [select]}\n")
    (project / "policies" / "public").mkdir(parents=True)
    (project / "policies" / "public" / "profiles.yaml").write_text("rls: enabled\n")
    statements = [s.sql for s in rs.plan(project, platform_db_url, dev_db=pg_server.base_url).statements]
    assert statements == ["REVOKE SELECT (name), UPDATE (name) ON TABLE public.profiles FROM anon"]
    rs.apply(project, platform_db_url, dev_db=pg_server.base_url)
    assert _column_privileges(platform_db_url, "anon") == {"id": {"SELECT"}, "name": set(), "email": set()}
    _converged(project, platform_db_url, pg_server.base_url)


def test_column_grants_import(platform_db_url, pg_server, tmp_path):
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute(COLUMNS + "GRANT SELECT (id, name), UPDATE (name) ON public.profiles TO anon;")
    project = _import(platform_db_url, tmp_path / "imported")
    assert "grants" in (project / "schema" / "public" / "profiles.yaml").read_text()
    _converged(project, platform_db_url, pg_server.base_url)


def test_column_grant_on_an_unknown_column_is_an_error(tmp_path):
    project = _write(tmp_path / "p", {
        "project.yaml": "schemas: [public]\n" + ROLES,
        "schema/profiles.sql": COLUMNS + "GRANT SELECT (nope) ON public.profiles TO anon;\n"})
    with pytest.raises(Exception, match="column nope of public.profiles is not declared"):
        load_project(project)


def test_a_column_grant_to_anon_on_an_existing_table_opens_access(platform_db_url, pg_server, tmp_path):
    project = _write(tmp_path / "p", {"project.yaml": "schemas: [public]\n" + ROLES, "schema/profiles.sql": COLUMNS})
    rs.apply(project, platform_db_url, dev_db=pg_server.base_url)
    (project / "schema" / "profiles.sql").write_text(COLUMNS + "GRANT SELECT (name) ON public.profiles TO anon;\n")
    plan = rs.plan(project, platform_db_url, dev_db=pg_server.base_url)
    [statement] = plan.statements
    assert statement.sql == "GRANT SELECT (name) ON TABLE public.profiles TO anon"
    assert [h.name for h in statement.hazards] == ["opens_access"]
    assert "anon is granted SELECT on column public.profiles.name" in statement.hazards[0].message


def test_schema_revoke_imports_without_drift(platform_db_url, pg_server, tmp_path):
    from roseram_schema.platform import ensure_platform

    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        ensure_platform(conn)
        conn.execute(NOTES + "GRANT SELECT ON public.notes TO authenticated;\n"
                     "REVOKE ALL ON SCHEMA public FROM PUBLIC, anon;")
    project = _import(platform_db_url, tmp_path / "imported")
    _converged(project, platform_db_url, pg_server.base_url)
