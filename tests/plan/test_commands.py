"""plan / apply / drift commands on a small project and a real server (exit codes, output)."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from roseram_schema.cli.commands.apply import run_apply
from roseram_schema.cli.commands.drift import run_drift
from roseram_schema.cli.commands.plan import run_plan
from roseram_schema.errors import FingerprintMismatch, HazardBlocked

FILES = {
    "project.yaml": "roles:\n  - anon\n  - authenticated\n",
    "schema/public/projects.yaml": """\
columns:
  id:        {type: integer, nullable: false}
  user_id:   {type: uuid, nullable: false}
  name:      {type: text, nullable: false}
  is_public: {type: boolean, nullable: false, default: "false"}
primary_key: [id]
grants:
  anon: [select]
  authenticated: [select, insert, update, delete]
""",
    "policies/public/projects.yaml": """\
rls: enabled
policies:
  - name: read
    command: select
    roles: [anon, authenticated]
    using: is_public OR user_id = (select auth.uid())
  - name: write own
    command: all
    roles: [authenticated]
    using: user_id = (select auth.uid())
    with_check: user_id = (select auth.uid())
""",
    "views/public/public_projects.sql": """\
-- security_invoker: true
-- grants: {anon: [select]}
SELECT id, name FROM public.projects WHERE is_public
""",
}


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_apply_then_plan_and_drift_are_clean(project, db_url, pg_server, capsys):
    dev = pg_server.base_url
    assert run_plan(project, db_url, dev, fmt="json") == 2
    planned = json.loads(capsys.readouterr().out)
    assert planned["version"] == 1 and planned["statements"]
    assert run_apply(project, db_url, dev, yes=True) == 0
    assert run_plan(project, db_url, dev, fmt="sql") == 0
    assert "-- no changes" in capsys.readouterr().out
    assert run_drift(project, db_url, dev, fmt="text") == 0
    assert "No drift" in capsys.readouterr().out


def test_hand_made_changes_are_drift_and_apply_puts_them_back(project, db_url, pg_server, capsys):
    dev = pg_server.base_url
    assert run_apply(project, db_url, dev, yes=True) == 0
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("INSERT INTO public.projects SELECT g, gen_random_uuid(), 'p' || g, g % 2 = 0"
                     " FROM generate_series(1, 40) g")
        conn.execute("""
            DROP POLICY "write own" ON public.projects;
            ALTER POLICY read ON public.projects USING (true);
            ALTER TABLE public.projects DISABLE ROW LEVEL SECURITY;
            ALTER TABLE public.projects ADD COLUMN hacked text;
            CREATE OR REPLACE VIEW public.public_projects WITH (security_invoker = true) AS
                SELECT id, name FROM public.projects;
        """)
        checksum = conn.execute("SELECT count(*), md5(string_agg(id::text || name, ',' ORDER BY id))"
                                " FROM public.projects").fetchone()
    capsys.readouterr()
    assert run_drift(project, db_url, dev, fmt="github") == 2
    out = capsys.readouterr().out
    for needle in ("public.projects.write own", "public.projects.read", "enable row level security",
                   "public.projects.hacked", "public.public_projects"):
        assert needle in out, needle
    assert "::error file=policies/public/projects.yaml,line=" in out
    assert "::error file=views/public/public_projects.sql" in out
    # dropping the hand-made column deletes data: refused without --allow-hazards
    with pytest.raises(HazardBlocked):
        run_apply(project, db_url, dev, yes=True)
    assert run_apply(project, db_url, dev, yes=True, allow_hazards=("deletes_data",)) == 0
    assert run_drift(project, db_url, dev, fmt="json") == 0
    assert json.loads(capsys.readouterr().out)["drift"] is False
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*), md5(string_agg(id::text || name, ',' ORDER BY id))"
                            " FROM public.projects").fetchone() == checksum


def test_saved_plan_is_applied_exactly_and_refused_when_stale(project, db_url, pg_server, tmp_path, capsys):
    dev = pg_server.base_url
    plan_file = tmp_path / "plan.json"
    assert run_plan(project, db_url, dev, fmt="markdown", out=plan_file) == 2
    assert capsys.readouterr().out.startswith("### roseram-schema plan")
    assert run_apply(project, db_url, dev, plan_file=plan_file, yes=True) == 0
    assert run_plan(project, db_url, dev, fmt="sql") == 0
    # the same saved plan again: already applied, no error
    assert run_apply(project, db_url, dev, plan_file=plan_file, yes=True) == 0
    # a plan made for a database that has changed since is refused
    stale = tmp_path / "stale.json"
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.projects ADD COLUMN a text")
    assert run_plan(project, db_url, dev, fmt="json", out=stale) == 2
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.projects ADD COLUMN b text")
    with pytest.raises(FingerprintMismatch):
        run_apply(project, db_url, dev, plan_file=stale, yes=True, allow_hazards=("deletes_data",))


def test_cli_exit_codes(project, db_url, pg_server):
    from typer.testing import CliRunner

    from roseram_schema.cli.app import app

    runner = CliRunner()
    args = ["--project", str(project), "--db", db_url, "--dev-db", pg_server.base_url]
    result = runner.invoke(app, ["plan", *args, "--format", "sql"])
    assert result.exit_code == 2, result.output
    result = runner.invoke(app, ["apply", *args, "--yes"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["drift", *args, "--format", "github"])
    assert result.exit_code == 0, result.output


def test_view_with_a_changed_column_type_is_recreated_not_replaced(project, db_url, pg_server, capsys):
    dev = pg_server.base_url
    assert run_apply(project, db_url, dev, yes=True) == 0
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("""
            DROP VIEW public.public_projects;
            CREATE VIEW public.public_projects WITH (security_invoker = true) AS
                SELECT id::bigint AS id, name FROM public.projects WHERE is_public;
            GRANT SELECT ON public.public_projects TO anon;
        """)
    capsys.readouterr()
    assert run_plan(project, db_url, dev, fmt="sql") == 2
    sql = capsys.readouterr().out
    # CREATE OR REPLACE cannot change a column's type: the view is dropped and re-created
    assert "DROP VIEW IF EXISTS public.public_projects;" in sql and "CREATE OR REPLACE VIEW" not in sql
    assert run_apply(project, db_url, dev, yes=True) == 0
    assert run_drift(project, db_url, dev) == 0


def test_default_privileges_do_not_widen_new_objects(project, db_url, pg_server, capsys):
    """Like Supabase: every new table/function is granted to anon by default."""
    from roseram_schema.platform import ensure_platform

    dev = pg_server.base_url
    with psycopg.connect(db_url, autocommit=True) as conn:
        ensure_platform(conn)
        conn.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon;"
                     "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon")
        # GRANT ALL includes MAINTAIN on PostgreSQL 17+; it is revoked like the others
        privileges = ("DELETE, INSERT, MAINTAIN, REFERENCES, TRIGGER, TRUNCATE, UPDATE"
                      if conn.info.server_version >= 170000 else "DELETE, INSERT, REFERENCES, TRIGGER, TRUNCATE, UPDATE")
    assert run_plan(project, db_url, dev, fmt="sql") == 2
    sql = capsys.readouterr().out
    assert f"REVOKE {privileges} ON TABLE public.projects FROM anon;" in sql
    # views get the table defaults too; the revoke comes after the view exists
    revoke_view = sql.index(f"REVOKE {privileges} ON TABLE public.public_projects FROM anon;")
    assert sql.index("CREATE VIEW public.public_projects") < revoke_view
    assert run_apply(project, db_url, dev, yes=True) == 0
    # converged in one step: the defaults granted nothing the source does not declare
    assert run_plan(project, db_url, dev, fmt="sql") == 0
    with psycopg.connect(db_url) as conn:
        assert not conn.execute("SELECT has_table_privilege('anon', 'public.projects', 'DELETE')").fetchone()[0]


def test_long_text_plan_is_written_plain_and_complete(project, db_url, pg_server, capsys, monkeypatch):
    """Past RICH_TABLE_LIMIT statements the text report is plain text, still one numbered
    entry per statement (a rich table of thousands of rows takes seconds to lay out)."""
    import roseram_schema.cli.commands.plan as plan_command

    monkeypatch.setattr(plan_command, "RICH_TABLE_LIMIT", 0)
    assert run_plan(project, db_url, pg_server.base_url, "text") == 2
    err = capsys.readouterr().err
    headline = err.splitlines()[0]
    assert headline.startswith("Plan: ")
    count = int(headline.split()[1])
    assert count > 5
    numbered = [line for line in err.splitlines() if line[:4].strip().rstrip(".").isdigit()]
    assert len(numbered) == count
    assert "│" not in err, "no table drawing"
