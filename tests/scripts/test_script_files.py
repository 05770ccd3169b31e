"""What a script file promises besides an empty plan: errors at file:line, deterministic
plans with origins, notes for data statements (never applied), compile, the cache, lint and
verify seeing what scripts create, and a mixed project (YAML tables + a script file)."""

from __future__ import annotations

import json
import shutil

import psycopg
import pytest

from roseram_schema.cache import NO_CACHE_ENV
from roseram_schema.errors import SourceError
from roseram_schema.source import load_project
from roseram_schema.workflow.compare import compare_live
from roseram_schema.workflow.lint import lint_project

from .helpers import cli, cli_process, psql_load, supabase_project


def _write(root, rel, text):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_statement_postgresql_rejects_is_an_error_at_its_line(tmp_path, pg_server, platform_db_url):
    root = supabase_project(tmp_path)
    _write(root, "supabase/migrations/20240401000000_bad.sql",
           "-- a typo in a later migration\nALTER TABLE todos ADD COLUMN due date;\n\n"
           "ALTER TABLE todo ADD COLUMN late boolean;\n")
    with pytest.raises(SourceError) as raised:
        compare_live(root, platform_db_url, pg_server.base_url, cache=None)
    message = str(raised.value)
    assert "supabase/migrations/20240401000000_bad.sql:4:1" in message
    assert 'relation "todo" does not exist' in message
    done = cli("plan", "--project", str(root), "--db", platform_db_url, "--dev-db", pg_server.base_url)
    assert done.returncode != 0 and "20240401000000_bad.sql:4:1" in done.stderr


def test_plans_are_deterministic_and_name_the_script_lines(tmp_path, pg_server, platform_db_url):
    root = supabase_project(tmp_path)
    args = ("plan", "--project", str(root), "--db", platform_db_url, "--dev-db", pg_server.base_url,
            "--format", "json")
    env = {NO_CACHE_ENV: "1"}
    # the second in a process of its own: another hash seed, so another set order
    first, second = cli(*args, env=env), cli_process(*args, env=env)
    assert first.returncode == 2, first.stderr
    assert first.stdout == second.stdout
    origins = {s["object"]: s["origin"] for s in json.loads(first.stdout)["statements"]}
    # the function replaced twice: the last CREATE OR REPLACE defines it
    function = next(k for k in origins if k.startswith("public.todo_count("))
    assert origins[function]["path"] == "supabase/migrations/20240301000000_private.sql"
    assert origins[function]["line"] == 8
    # the policy dropped and re-created: the re-creation
    assert origins["public.todos.owner reads"]["line"] == 10
    assert origins["public.todos.owner reads"]["path"].endswith("20240201000000_history.sql")
    # a table made under SET search_path = private, public
    assert origins["private.audit"]["line"] == 3


def test_data_statements_are_noted_and_never_applied(tmp_path, pg_server, make_db):
    from roseram_schema.platform import ensure_platform

    built, empty = make_db(), make_db()
    for url in (built, empty):
        with psycopg.connect(url, autocommit=True) as conn:
            ensure_platform(conn)
    psql_load(built)
    root = supabase_project(tmp_path)
    dev = pg_server.base_url
    for command in ("plan", "drift"):
        done = cli(command, "--project", str(root), "--db", built, "--dev-db", dev)
        assert done.returncode == 0, done.stderr
        assert "apply does not run them" in done.stderr
        assert "supabase/migrations/20240201000000_history.sql:24:1: INSERT INTO settings" in done.stderr
        assert "20240201000000_history.sql:25:1: SELECT setval(pg_get_serial_sequence('todos'," in done.stderr
    applied = cli("apply", "--project", str(root), "--db", empty, "--dev-db", dev, "--yes",
                  "--allow-hazards", "lint_errors")
    assert applied.returncode == 0, applied.stderr
    with psycopg.connect(empty) as conn:
        assert conn.execute("SELECT count(*) FROM public.settings").fetchone()[0] == 0


def test_compile_appends_the_script_files_as_written(tmp_path, pg_server, platform_db_url):
    root = supabase_project(tmp_path)
    done = cli("compile", "--project", str(root))
    assert done.returncode == 0, done.stderr
    assert "-- supabase/migrations/20240201000000_history.sql\n" in done.stdout
    assert "DROP POLICY IF EXISTS \"owner reads\" ON todos;\n" in done.stdout
    # the compiled script builds the same database
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute(done.stdout)
    assert compare_live(root, platform_db_url, pg_server.base_url, cache=None).changes == ()


@pytest.mark.parametrize("rows", [True, False], ids=["with-data-notes", "schema-only"])
def test_the_cache_changes_nothing(tmp_path, pg_server, platform_db_url, rows):
    root = supabase_project(tmp_path)
    if not rows:
        # no note to say: the no-change fast path answers the warm runs
        history = root / "supabase/migrations/20240201000000_history.sql"
        history.write_text("".join(line for line in history.read_text().splitlines(True)
                                   if not line.startswith(("INSERT", "SELECT setval"))))
    psql_load(platform_db_url, root / "supabase" / "migrations")
    dev = pg_server.base_url

    def run(command, fmt, cache):
        # without the cache, a process of its own: the reference computes everything anew
        env, runner = ({}, cli) if cache else ({NO_CACHE_ENV: "1"}, cli_process)
        done = runner(command, "--project", str(root), "--db", platform_db_url, "--dev-db", dev,
                   "--format", fmt, env=env)
        return done.returncode, done.stdout, done.stderr

    for command, fmt in (("plan", "json"), ("drift", "json")):
        shutil.rmtree(root / ".roseram", ignore_errors=True)
        without = run(command, fmt, False)
        assert without[0] == 0
        cold, warm = run(command, fmt, True), run(command, fmt, True)
        assert cold == without and warm == without, (command, fmt)
    # an edit to a migration invalidates the cached desired state
    _write(root, "supabase/migrations/20240401000000_more.sql", "ALTER TABLE todos ADD COLUMN due date;\n")
    edited = run("plan", "json", True)
    assert edited[0] == 2 and "public.todos.due" in edited[1]
    assert edited == run("plan", "json", False)


def test_lint_sees_script_policies(tmp_path, pg_server):
    root = supabase_project(tmp_path)
    _write(root, "supabase/migrations/20240401000000_open.sql",
           "CREATE POLICY \"anyone\" ON settings FOR SELECT USING (true);\n"
           "ALTER TABLE settings ENABLE ROW LEVEL SECURITY;\n")
    findings = lint_project(root, dev=pg_server.base_url)
    always_true = [f for f in findings if f.id == "policy-always-true"]
    assert always_true, [(f.id, f.location) for f in findings]
    assert "20240401000000_open.sql:1" in str(always_true[0].location)


def test_verify_infers_access_to_script_tables(tmp_path, pg_server):
    root = supabase_project(tmp_path)
    done = cli("verify", "--project", str(root), "--dev-db", pg_server.base_url, "--infer", "--format", "json")
    # nothing is granted to the API roles on a plain server: each table observed closed
    assert "# policies/public/todos.yaml\ncontract: {}" in done.stdout, done.stdout + done.stderr
    assert "# policies/private/audit.yaml\ncontract: {}" in done.stdout


def test_a_mixed_project_yaml_tables_and_a_script_file(tmp_path, pg_server, platform_db_url):
    root = tmp_path / "mixed"
    _write(root, "schema/public/notes.yaml", (
        "columns:\n"
        "  id: {type: bigint, identity: always}\n"
        "  owner: {type: uuid, nullable: false}\n"
        "  body: text\n"
        "primary_key: [id]\n"))
    _write(root, "policies/public/notes.sql", (
        "-- policies kept as a history\n"
        "ALTER TABLE notes ENABLE ROW LEVEL SECURITY;\n"
        "DROP POLICY IF EXISTS \"own notes\" ON notes;\n"
        "CREATE POLICY \"own notes\" ON notes USING (owner = auth.uid());\n"
        "DO $$ BEGIN\n"
        "  IF NOT EXISTS (SELECT FROM pg_indexes WHERE indexname = 'notes_owner_idx') THEN\n"
        "    CREATE INDEX notes_owner_idx ON public.notes (owner);\n"
        "  END IF;\n"
        "END $$;\n"
        "-- a declared column changed after the fact: the plan must not use the YAML's text\n"
        "ALTER TABLE notes ALTER COLUMN body TYPE varchar(200);\n"))
    project = load_project(root)
    assert [t.key for t in project.catalog.tables] == ["public.notes"]
    assert [s.path for s in project.scripts] == ["policies/public/notes.sql"]
    dev = pg_server.base_url
    comparison = compare_live(root, platform_db_url, dev, cache=None)
    table = comparison.desired.table("public.notes")
    assert [p.name for p in table.policies] == ["own notes"]
    assert str(table.policies[0].origin) == "policies/public/notes.sql:4:1"
    assert [i.name for i in table.indexes] == ["notes_owner_idx"]
    assert str(table.origin).startswith("schema/public/notes.yaml")
    assert table.column("body").type == "character varying(200)"
    applied = cli("apply", "--project", str(root), "--db", platform_db_url, "--dev-db", dev, "--yes",
                  "--allow-hazards", "lint_errors")
    assert applied.returncode == 0, applied.stderr
    drift = cli("drift", "--project", str(root), "--db", platform_db_url, "--dev-db", dev)
    assert drift.returncode == 0, drift.stdout + drift.stderr


def test_a_declarative_sql_file_stays_declarative(tmp_path):
    root = tmp_path / "decl"
    _write(root, "schema/public/t.sql", "CREATE TABLE t (a int PRIMARY KEY);\nALTER TABLE t ENABLE ROW LEVEL SECURITY;\n")
    project = load_project(root)
    assert project.scripts == ()
    assert project.catalog.table("public.t").rls_enabled


def test_a_missing_sql_folder_is_an_error(tmp_path):
    root = tmp_path / "p"
    _write(root, "project.yaml", "sql: [db/migrations]\n")
    with pytest.raises(SourceError, match="db/migrations/ does not exist"):
        load_project(root)


def test_sql_folders_run_in_the_order_listed(tmp_path):
    root = tmp_path / "p"
    _write(root, "project.yaml", "sql: [b, a]\n")
    _write(root, "a/1.sql", "CREATE TABLE x (a int);\n")
    _write(root, "b/2.sql", "CREATE TABLE y (a int);\n")
    _write(root, "b/1.sql", "CREATE TABLE z (a int);\n")
    project = load_project(root)
    assert [s.path for s in project.scripts] == ["b/1.sql", "b/2.sql", "a/1.sql"]


def test_a_script_project_is_never_normalized_in_the_kept_database(tmp_path, pg_server):
    from roseram_schema.cache.desired import desired_state
    from roseram_schema.cache.incremental import state_database_name
    from roseram_schema.normalize.scripts import normalize_source

    root = supabase_project(tmp_path)
    dev = pg_server.base_url
    # a threshold of 0 tables: a declarative project would use its kept database
    state, project = desired_state(root, dev, incremental_min_tables=0)
    with psycopg.connect(dev, autocommit=True) as conn:
        kept = conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s",
                            (state_database_name(root, dev),)).fetchone()[0]
    assert kept == 0
    full, scope, notes = normalize_source(project.catalog, project.scripts, dev)
    assert state.catalog == full and state.scope == scope and state.notes == notes


@pytest.mark.parametrize("value", ["[schema/migrations]", "[../elsewhere]", "[/abs]", "3"])
def test_a_sql_entry_outside_the_project_or_inside_an_area_is_an_error(tmp_path, value):
    root = tmp_path / "p"
    _write(root, "project.yaml", f"sql: {value}\n")
    with pytest.raises(SourceError, match="project.yaml:1"):
        load_project(root)


def test_a_transaction_left_open_at_the_end_of_a_file_is_committed(tmp_path, pg_server, platform_db_url):
    root = tmp_path / "open"
    _write(root, "supabase/migrations/1_open.sql", "BEGIN;\nCREATE TABLE a (id int PRIMARY KEY);\n")
    _write(root, "supabase/migrations/2_next.sql", "ALTER TABLE a ADD COLUMN b text;\n")
    desired = compare_live(root, platform_db_url, pg_server.base_url, cache=None).desired
    assert [c.name for c in desired.table("public.a").columns] == ["id", "b"]
    assert str(desired.table("public.a").column("b").origin) == "supabase/migrations/2_next.sql:1:1"


def test_statements_run_one_at_a_time_where_a_transaction_would_refuse_them(tmp_path, pg_server, platform_db_url):
    # sent together, these fail (a new enum value used in the transaction that added it,
    # CREATE INDEX CONCURRENTLY); psql runs them one by one, and so does the scratch run
    root = tmp_path / "seq"
    _write(root, "supabase/migrations/1.sql", (
        "CREATE TYPE mood AS ENUM ('happy');\n"
        "CREATE TABLE m (id int PRIMARY KEY, how mood); -- a comment after the statement\n"
        "ALTER TYPE mood ADD VALUE 'sad';\n"
        "ALTER TABLE m ALTER COLUMN how SET DEFAULT 'sad';\n"
        "CREATE INDEX CONCURRENTLY m_how ON m (how);\n"
        "CREATE TABLE n (id int);\n"
        "CREATE TABLE o (id int) -- a comment before the semicolon\n;\n"
        "CREATE TABLE q (id int);\n"))
    desired = compare_live(root, platform_db_url, pg_server.base_url, cache=None).desired
    assert desired.table("public.m").column("how").default == "'sad'::public.mood"
    assert [i.name for i in desired.table("public.m").indexes] == ["m_how"]
    assert desired.table("public.n") is not None and desired.table("public.q") is not None
    compiled = cli("compile", "--project", str(root))
    assert "CREATE TABLE o (id int) -- a comment before the semicolon\n;\nCREATE TABLE q" in compiled.stdout
