"""A supabase/migrations folder of history-style SQL is the project's source as it stands.

The folder (tests/scripts/migrations) holds what real migrations do: tables created in a
transaction of their own, ALTER TABLE ADD COLUMN, a function replaced twice, a policy dropped
and re-created, a DO block, SET search_path, VALIDATE CONSTRAINT, DROP ... IF EXISTS, rows
inserted, setval. Loaded into a database as psql would, that database is what the project
describes: its plan is empty; applied to an empty database, drift is empty.
"""

from __future__ import annotations

import json

from roseram_schema.source import load_project
from roseram_schema.workflow.compare import compare_live

from .helpers import cli, psql_load, supabase_project


def test_the_folder_is_the_projects_sql(tmp_path):
    project = load_project(supabase_project(tmp_path))
    assert [s.path for s in project.scripts] == [
        "supabase/migrations/20240101000000_init.sql",
        "supabase/migrations/20240201000000_history.sql",
        "supabase/migrations/20240301000000_private.sql",
    ]
    assert "supabase/migrations/20240201000000_history.sql" in project.files
    assert project.catalog.tables == ()  # nothing declarative: the scripts say it all


def test_plan_against_the_psql_built_database_is_empty(tmp_path, pg_server, platform_db_url):
    psql_load(platform_db_url)
    root = supabase_project(tmp_path)
    comparison = compare_live(root, platform_db_url, pg_server.base_url, cache=None)
    assert comparison.changes == ()
    keys = {t.key for t in comparison.desired.tables}
    assert keys == {"public.profiles", "public.todos", "public.settings", "private.audit"}
    done = cli("plan", "--project", str(root), "--db", platform_db_url, "--dev-db", pg_server.base_url)
    assert done.returncode == 0, done.stderr


def test_applied_to_an_empty_database_it_converges(tmp_path, pg_server, platform_db_url):
    root = supabase_project(tmp_path)
    dev = pg_server.base_url
    applied = cli("apply", "--project", str(root), "--db", platform_db_url, "--dev-db", dev, "--yes",
                  "--allow-hazards", "lint_errors")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    drift = cli("drift", "--project", str(root), "--db", platform_db_url, "--dev-db", dev, "--format", "json")
    assert drift.returncode == 0, drift.stdout + drift.stderr
    assert json.loads(drift.stdout)["drift"] is False
    # and the database it built is the one psql builds from the same files
    assert compare_live(root, platform_db_url, dev, cache=None).changes == ()
