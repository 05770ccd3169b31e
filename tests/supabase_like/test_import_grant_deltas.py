"""`import` of a database that mostly follows its default privileges: `grants: defaults`,
plus, per object whose grants differ from what the defaults give it, exactly the GRANTs and
REVOKEs that take the defaults there (importer/grantmode.py); `drift` of what it writes is
empty. A database whose grants mostly differ from its defaults is imported `exact`."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import psycopg
import yaml

from roseram_schema.schemas import load

from .test_supabase_like import cli

# Supabase's defaults everywhere but: one function anon may not run, one table anon may
# only read two columns of, one view authenticated may only read.
MOSTLY_DEFAULTS = """
CREATE TABLE public.notes (id bigserial PRIMARY KEY, body text);
CREATE TABLE public.tags (id int PRIMARY KEY, label text);
CREATE TABLE public.profiles (id uuid PRIMARY KEY, name text, secret text);
REVOKE ALL ON public.profiles FROM anon;
GRANT SELECT (id, name) ON public.profiles TO anon;
CREATE VIEW public.note_bodies AS SELECT id, body FROM public.notes;
REVOKE INSERT, UPDATE, DELETE ON public.note_bodies FROM authenticated;
CREATE FUNCTION public.add(a int, b int) RETURNS int LANGUAGE sql AS 'SELECT a + b';
CREATE FUNCTION public.secret() RETURNS int LANGUAGE sql AS 'SELECT 1';
REVOKE EXECUTE ON FUNCTION public.secret() FROM anon;
"""


def _import(url: str, out: Path) -> tuple[dict[str, str], str]:
    done = cli("import", "--db", url, "--out", str(out))
    assert done.returncode == 0, done.stderr
    files = {p.relative_to(out).as_posix(): p.read_text() for p in sorted(out.rglob("*"))
             if p.is_file() and ".roseram" not in p.parts}
    return files, done.stderr


def _statements(sql: str) -> list[str]:
    return [line for line in sql.splitlines() if line.startswith(("GRANT ", "REVOKE "))]


def test_defaults_with_per_object_deltas(supabase_db_url, pg_server, tmp_path):
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute(MOSTLY_DEFAULTS)
    files, stderr = _import(supabase_db_url, tmp_path / "first")
    assert yaml.safe_load(files["project.yaml"])["grants"] == "defaults"
    # objects that hold what the defaults give say nothing about grants
    for name in ("notes", "tags"):
        table = yaml.safe_load(files[f"schema/public/{name}.yaml"])
        assert "grants" not in table and "revokes" not in table, files[f"schema/public/{name}.yaml"]
    profiles = yaml.safe_load(files["schema/public/profiles.yaml"])
    assert profiles["revokes"] == {"anon": "all"} and "grants" not in profiles
    assert profiles["columns"]["id"]["grants"] == {"anon": ["select"]}
    assert profiles["columns"]["name"]["grants"] == {"anon": ["select"]}
    assert "-- revokes: {authenticated: [delete, insert, update]}\n" in files["views/public/note_bodies.sql"]
    assert _statements(files["schema/public/functions.sql"]) == [
        "REVOKE EXECUTE ON FUNCTION public.secret() FROM anon;"]
    assert "schema/public/types.sql" not in files  # the serial's sequence holds its defaults
    # a MAINTAIN (17+) the defaults give is the source's, not a gap
    assert "maintain" not in stderr, stderr
    drift = cli("drift", "--project", str(tmp_path / "first"), "--db", supabase_db_url,
                "--dev-db", pg_server.base_url)
    assert drift.returncode == 0, drift.stdout + drift.stderr
    again, _ = _import(supabase_db_url, tmp_path / "second")
    assert again == files
    # what an editor with the shipped JSON Schemas accepts, `revokes:` included
    view_header = "".join(line[3:] + "\n" for line in files["views/public/note_bodies.sql"].splitlines()
                          if line.startswith("-- ") and ": " in line and not line.startswith("-- Imported"))
    for kind, text in (("table", files["schema/public/profiles.yaml"]), ("view-header", view_header)):
        errors = list(jsonschema.Draft202012Validator(load(kind)).iter_errors(yaml.safe_load(text)))
        assert not errors, (kind, [e.message for e in errors])


def test_sequence_and_function_grants_beyond_the_defaults(supabase_db_url, pg_server, tmp_path):
    """GRANTs the defaults do not give (a function PUBLIC may no longer run by default, a
    sequence's UPDATE taken back) come back as GRANT and REVOKE statements."""
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute(MOSTLY_DEFAULTS + """
            REVOKE UPDATE ON SEQUENCE public.notes_id_seq FROM anon;
            CREATE FUNCTION public.helper() RETURNS int LANGUAGE sql AS 'SELECT 2';
            REVOKE EXECUTE ON FUNCTION public.helper() FROM PUBLIC, anon, authenticated;
        """)
    files, _ = _import(supabase_db_url, tmp_path / "first")
    assert yaml.safe_load(files["project.yaml"])["grants"] == "defaults"
    assert _statements(files["schema/public/types.sql"]) == [
        "REVOKE UPDATE ON SEQUENCE public.notes_id_seq FROM anon;"]
    assert _statements(files["schema/public/functions.sql"]) == [
        "REVOKE EXECUTE ON FUNCTION public.helper() FROM anon;",
        "REVOKE EXECUTE ON FUNCTION public.helper() FROM authenticated;",
        "REVOKE EXECUTE ON FUNCTION public.helper() FROM PUBLIC;",
        "REVOKE EXECUTE ON FUNCTION public.secret() FROM anon;"]
    drift = cli("drift", "--project", str(tmp_path / "first"), "--db", supabase_db_url,
                "--dev-db", pg_server.base_url)
    assert drift.returncode == 0, drift.stdout + drift.stderr


def test_mostly_explicit_grants_import_exact(supabase_db_url, pg_server, tmp_path):
    """Where the defaults give nothing (a schema of its own), stating the grants as deltas
    says as much as exact mode: exact, the stronger promise, is written."""
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute("""
            CREATE SCHEMA app;
            GRANT USAGE ON SCHEMA app TO authenticated;
            CREATE TABLE app.a (id int PRIMARY KEY);
            CREATE TABLE app.b (id int PRIMARY KEY);
            GRANT SELECT ON app.a, app.b TO authenticated;
            CREATE TABLE public.c (id int PRIMARY KEY);
            REVOKE ALL ON public.c FROM anon, authenticated, service_role;
            GRANT SELECT ON public.c TO service_role;
        """)
    files, _ = _import(supabase_db_url, tmp_path / "first")
    assert "grants" not in yaml.safe_load(files["project.yaml"])  # implied by the table files: exact
    assert yaml.safe_load(files["schema/app/a.yaml"])["grants"] == {"authenticated": ["select"]}
    assert yaml.safe_load(files["schema/public/c.yaml"])["grants"] == {"service_role": ["select"]}
    drift = cli("drift", "--project", str(tmp_path / "first"), "--db", supabase_db_url,
                "--dev-db", pg_server.base_url)
    assert drift.returncode == 0, drift.stdout + drift.stderr


def test_a_partition_lacking_the_defaults_is_named(supabase_db_url, tmp_path):
    """The source gives a partition what the defaults give any new table (grants: defaults):
    one that lacks some of it cannot be said, so it is named, never dropped in silence."""
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute("""
            CREATE TABLE public.logs (id int NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
            CREATE TABLE public.logs_2025 PARTITION OF public.logs FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
            REVOKE DELETE, TRUNCATE ON public.logs_2025 FROM anon;
        """)
    files, stderr = _import(supabase_db_url, tmp_path / "first")
    assert yaml.safe_load(files["project.yaml"])["grants"] == "defaults"
    assert ("not imported (unmanaged): grants revoked on a partition delete, truncate on public.logs_2025"
            " from anon\n") in stderr, stderr
