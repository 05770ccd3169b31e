"""Outside a project (no --project, and the current directory has none of schema/, policies/,
views/, project.yaml): a command that needs a project says so and exits 1, never borrowing
another project; `lint --db` and `verify --db` work on the database alone.

Through the console script as a user runs it (entry.py's fast path for plan/drift included).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import sys
from pathlib import Path

import psycopg
import pytest

from roseram_schema.server.embedded import binaries_for_version

NO_PROJECT = "no project here"

# what a one-table database is built from: one table without RLS, one with a policy
ONE_TABLE_NO_RLS = "CREATE TABLE public.loose (id bigint PRIMARY KEY, note text)"
ROSERAM_NAMED_TABLE = """
CREATE TABLE public.projects (id bigint PRIMARY KEY, name text);
ALTER TABLE public.projects ENABLE ROW LEVEL SECURITY;
"""
NOTES_SQL = """
CREATE TABLE public.notes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id),
    body text
);
CREATE INDEX notes_user_id ON public.notes (user_id);
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.notes TO authenticated, service_role;
CREATE POLICY notes_own ON public.notes FOR ALL TO authenticated
    USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
"""


def console_script() -> list[str]:
    """The `roseram-schema` console script of this environment (what a user runs)."""
    script = Path(sys.executable).with_name("roseram-schema")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "roseram_schema"]


def run(*args: str, cwd: Path, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ROSERAM_DEV_DB")}
    env["ROSERAM_PG_BIN"] = str(binaries_for_version(os.environ.get("ROSERAM_TEST_PG", "18")))
    env.update(env_extra or {})
    return subprocess.run([*console_script(), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=300)


@pytest.fixture
def empty_dir(tmp_path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def test_commands_that_need_a_project_refuse_outside_one(empty_dir, db_url, pg_server):
    # --db and --dev-db are given so that nothing but the project is missing (and so that
    # the old fallback, had it run, would only have touched this test's database)
    target = ["--db", db_url, "--dev-db", pg_server.base_url]
    commands = [
        ["compile"],
        ["plan", *target],                      # entry.py's fast path
        ["plan", *target, "--format", "json"],  # still the fast path
        ["drift", *target],                     # entry.py's fast path
        ["apply", *target, "--yes"],            # typer
        ["lint"],
        ["verify", "--dev-db", pg_server.base_url],
        ["db", "status"],
        ["db", "stop"],
    ]
    for argv in commands:
        r = run(*argv, cwd=empty_dir)
        assert r.returncode == 1, (argv, r.stdout, r.stderr)
        assert NO_PROJECT in r.stderr and "--project DIR" in r.stderr, (argv, r.stderr)
        assert str(empty_dir) in r.stderr, (argv, r.stderr)
        assert r.stdout == "", (argv, r.stdout)
    with psycopg.connect(db_url) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
    assert tables == 0, "a refused command touched the database"
    assert not (empty_dir / ".roseram").exists()
    # the same folder once it is a project: found from the current directory
    (empty_dir / "project.yaml").write_text("schemas: [public]\n")
    assert run("compile", cwd=empty_dir).returncode == 0


def test_lint_and_verify_without_db_name_the_db_way_out(empty_dir, pg_server):
    for argv in (["lint"], ["verify", "--dev-db", pg_server.base_url]):
        r = run(*argv, cwd=empty_dir)
        assert r.returncode == 1, r.stderr
        assert "--db URL" in r.stderr


def test_lint_db_outside_a_project_reports_the_database_alone(empty_dir, platform_db_url):
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute(ONE_TABLE_NO_RLS)
        # a table the Roseram project also has (with a contract): nothing may be said of
        # it from that project's contracts
        conn.execute(ROSERAM_NAMED_TABLE)
    r = run("lint", "--db", platform_db_url, "--format", "json", cwd=empty_dir)
    assert r.returncode == 4, r.stderr
    findings = json.loads(r.stdout)["findings"]
    assert [(f["id"], f["location"]) for f in findings] == [("rls-disabled", "public.loose")], findings
    text = run("lint", "--db", platform_db_url, cwd=empty_dir)
    assert text.returncode == 4, text.stderr
    assert "[rls-disabled] public.loose" in text.stdout
    assert "lint: 1 errors, 0 warnings, 0 info" in text.stderr


def test_verify_db_infer_outside_a_project(empty_dir, platform_db_url, pg_server):
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute(NOTES_SQL)
    r = run("verify", "--db", platform_db_url, "--dev-db", pg_server.base_url, "--infer", cwd=empty_dir)
    assert r.returncode == 0, r.stderr
    assert "contract: {select: own, insert: own, update: own, delete: own}" in r.stdout, r.stdout
    # the inferred matrix covers this database's one table, nothing of the Roseram project
    assert [line for line in r.stdout.splitlines() if line.startswith("contract:")] == [
        "contract: {select: own, insert: own, update: own, delete: own}"
    ], r.stdout
    with psycopg.connect(platform_db_url) as conn:
        assert conn.execute("SELECT count(*) FROM public.notes").fetchone()[0] == 0


def test_verify_db_outside_a_project_without_a_dev_server_uses_a_temporary_one(empty_dir, platform_db_url):
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute(NOTES_SQL)
    before = set(Path(tempfile.gettempdir()).glob("roseram-scratch-*"))
    r = run("verify", "--db", platform_db_url, "--format", "json", cwd=empty_dir)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["summary"]["probes"] > 0 and report["summary"]["failed"] == 0
    assert set(Path(tempfile.gettempdir()).glob("roseram-scratch-*")) == before, "the temporary server was left behind"
    assert not (empty_dir / ".roseram").exists()
