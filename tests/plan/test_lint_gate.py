"""lint_errors: apply refuses a source whose lint has error-severity findings (exit 3, the
findings listed with their file:line:column) unless `--allow-hazards lint_errors`."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest

from inprocess import run_cli

from roseram_schema.cli.commands.apply import run_apply
from roseram_schema.errors import HazardBlocked
from roseram_schema.workflow.gates import lint_error_hazards
from roseram_schema.source import load_project

REPO = Path(__file__).resolve().parents[2]

# two tables whose policies read each other through RLS: every query on them fails with
# "infinite recursion detected in policy"
FILES = {
    "project.yaml": "roles:\n  - authenticated\n",
    "schema/public/teams.yaml": "columns:\n  id: {type: integer, nullable: false}\nprimary_key: [id]\n"
                                "grants:\n  authenticated: [select]\n",
    "schema/public/members.yaml": "columns:\n  team_id: {type: integer, nullable: false}\n"
                                  "  user_id: {type: uuid, nullable: false}\nprimary_key: [team_id, user_id]\n"
                                  "grants:\n  authenticated: [select]\n",
    "policies/public/teams.yaml": """\
rls: enabled
policies:
  - name: members see their teams
    command: select
    roles: [authenticated]
    using: id IN (SELECT m.team_id FROM public.members m WHERE m.user_id = (select auth.uid()))
""",
    "policies/public/members.yaml": """\
rls: enabled
policies:
  - name: see team mates
    command: select
    roles: [authenticated]
    using: team_id IN (SELECT t.id FROM public.teams t)
""",
}


@pytest.fixture
def project(tmp_path) -> Path:
    for rel, text in FILES.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def cli(*args, project, db, dev):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    # in the test process (tests/inprocess.py): what the command does, not its process
    return run_cli(*args, "--project", project, "--db", db, "--dev-db", dev, env=env)


def tables(db_url) -> int:
    with psycopg.connect(db_url) as conn:
        return conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]


def test_policy_recursion_blocks_apply(project, platform_db_url, pg_server):
    dev = pg_server.base_url
    r = cli("apply", "--yes", project=project, db=platform_db_url, dev=dev)
    assert r.returncode == 3, r.stderr
    assert "lint_errors: policies/public/members.yaml:1:1 (public.members): policy-recursion" in r.stderr
    assert "--allow-hazards lint_errors" in r.stderr
    assert tables(platform_db_url) == 0
    r = cli("apply", "--yes", "--allow-hazards", "lint_errors", project=project, db=platform_db_url, dev=dev)
    assert r.returncode == 0, r.stderr
    assert tables(platform_db_url) == 2


def test_rls_off_on_an_exposed_table_blocks_apply(project, platform_db_url, pg_server):
    (project / "policies/public/teams.yaml").write_text("rls: disabled\n")
    with pytest.raises(HazardBlocked) as blocked:
        run_apply(project, platform_db_url, pg_server.base_url, yes=True)
    text = str(blocked.value)
    assert "lint_errors: policies/public/teams.yaml:1:1 (public.teams): rls-disabled" in text
    assert "policy-recursion" not in text
    assert tables(platform_db_url) == 0


def test_the_roseram_project_has_no_lint_errors():
    """`roseram-schema apply --yes` of the README works on the repository's own project."""
    assert lint_error_hazards(load_project(REPO)) == ()
