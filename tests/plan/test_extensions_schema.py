"""Extensions installed in their own schema, as on Supabase (`CREATE EXTENSION ... WITH SCHEMA
extensions`, `extensions.moddatetime`, `extensions.gin_trgm_ops`): the platform stand-in
has the `extensions` schema, so the scratch database of plan, the target of apply and the
scratch database of verify (from the source or from the database) can all create them.
moddatetime and pg_trgm ship with the embedded server and Debian's PostgreSQL alike."""

from __future__ import annotations

import textwrap

import psycopg

import roseram_schema as rs

FILES = {
    "project.yaml": "schemas:\n  - public\nroles:\n  - authenticated\n",
    "schema/public/notes.sql": """
        CREATE EXTENSION IF NOT EXISTS moddatetime WITH SCHEMA extensions;
        CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA extensions;
        CREATE TABLE public.notes (
          id bigint PRIMARY KEY,
          body text NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX notes_body_trgm ON public.notes USING gin (body extensions.gin_trgm_ops);
        CREATE TRIGGER notes_touch BEFORE UPDATE ON public.notes
          FOR EACH ROW EXECUTE FUNCTION extensions.moddatetime(updated_at);
        GRANT SELECT, UPDATE ON public.notes TO authenticated;
        """,
    "policies/public/notes.yaml": """
        rls: enabled
        policies:
          - name: signed in
            command: all
            roles: [authenticated]
            using: "true"
        """,
}


def write_project(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def test_stand_in_has_the_extensions_schema(platform_db_url):
    with psycopg.connect(platform_db_url) as conn:
        row = conn.execute("SELECT has_schema_privilege('authenticated', 'extensions', 'USAGE')").fetchone()
    assert row == (True,)


def test_plan_apply_drift_verify_with_extensions_in_their_schema(tmp_path, db_url, pg_server):
    root = write_project(tmp_path, FILES)
    dev = pg_server.base_url
    plan = rs.plan(root, db_url, dev_db=dev)
    assert "CREATE EXTENSION IF NOT EXISTS moddatetime WITH SCHEMA extensions" in plan.to_sql()
    rs.apply(root, db_url, dev_db=dev, allow_hazards="opens_access")
    with psycopg.connect(db_url) as conn:
        installed = dict(conn.execute(
            "SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname IN ('moddatetime', 'pg_trgm')").fetchall())
    assert installed == {"moddatetime": "extensions", "pg_trgm": "extensions"}
    assert rs.plan(root, db_url, dev_db=dev).empty
    assert rs.drift(root, db_url, dev_db=dev).clean
    # verify builds the source, then the database (its extensions found in `extensions`)
    assert rs.verify(root, dev_db=dev).report.probes > 0
    assert rs.verify(None, db_url, dev_db=dev).report.probes > 0
