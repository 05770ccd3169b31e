"""apply against a real server: all-or-nothing, serialized, checked, recorded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from roseram_schema.apply.executor import apply_plan
from roseram_schema.errors import DatabaseError, FingerprintMismatch, HazardBlocked
from roseram_schema.plan import Plan, PlanStatement, build_plan, managed_fingerprint, plan_to_json

from .dbutil import catalog_from_sql, history_rows, inspect_url, run_sql

# the schema the tests start from; desired states are built from it without rows
BASE = """
CREATE TABLE public.projects (
    id integer NOT NULL,
    name text NOT NULL,
    CONSTRAINT projects_pkey PRIMARY KEY (id)
);
"""
ROWS = "INSERT INTO public.projects SELECT g, 'p' || (g % 3) FROM generate_series(1, 30) g;"


@pytest.fixture
def target(platform_db_url):
    run_sql(platform_db_url, BASE + ROWS)
    return platform_db_url


def test_apply_writes_one_history_row_and_converges(target, make_db):
    desired = catalog_from_sql(make_db, BASE + "ALTER TABLE public.projects ADD COLUMN note text;")
    plan = build_plan(inspect_url(target), desired)
    result = apply_plan(target, plan)
    assert result.status == "applied" and result.statements_run == 1
    rows = history_rows(target)
    assert len(rows) == 1 and rows[0][1] == plan.from_fingerprint and rows[0][2] == plan.to_fingerprint
    assert managed_fingerprint(inspect_url(target)) == plan.to_fingerprint
    assert build_plan(inspect_url(target), desired).empty
    with psycopg.connect(target) as conn:
        user, statements = conn.execute(
            "SELECT applied_by, statements FROM roseram_schema.history").fetchone()
    assert user == "postgres" and statements[0]["sql"].startswith("ALTER TABLE public.projects ADD COLUMN")


def test_failing_statement_leaves_database_and_history_as_before(target, make_db):
    # a unique constraint on a column with duplicates fails after two statements succeeded
    desired = catalog_from_sql(make_db, """
        CREATE TABLE public.projects (
            id integer NOT NULL, name text NOT NULL, note text,
            CONSTRAINT projects_pkey PRIMARY KEY (id),
            CONSTRAINT projects_name_key UNIQUE (name));
        CREATE TABLE public.extra (id integer);""")
    # an earlier apply, so there is history to keep intact
    first = catalog_from_sql(make_db, BASE + "ALTER TABLE public.projects ADD COLUMN note text;")
    assert apply_plan(target, build_plan(inspect_url(target), first)).applied
    before = managed_fingerprint(inspect_url(target))
    history_before = history_rows(target)
    assert len(history_before) == 1
    plan = build_plan(inspect_url(target), desired)
    assert [s.change for s in plan.statements][-1] == "AddConstraint"
    with pytest.raises(DatabaseError) as err:
        apply_plan(target, plan)
    message = str(err.value)
    assert "ADD CONSTRAINT projects_name_key UNIQUE (name)" in message
    assert "AddConstraint public.projects.projects_name_key" in message
    assert "could not create unique index" in message
    assert managed_fingerprint(inspect_url(target)) == before
    assert history_rows(target) == history_before


def test_blocking_hazards_need_to_be_allowed(target, make_db):
    desired = catalog_from_sql(make_db, "SELECT 1")
    plan = build_plan(inspect_url(target), desired)
    with pytest.raises(HazardBlocked) as err:
        apply_plan(target, plan)
    assert err.value.exit_code == 3 and "deletes_data" in str(err.value)
    assert inspect_url(target).table("public.projects") is not None
    assert apply_plan(target, plan, allow_hazards=("deletes_data",)).applied
    assert inspect_url(target).table("public.projects") is None


def test_database_changed_between_plan_and_apply_is_refused(target, make_db):
    desired = catalog_from_sql(make_db, BASE + "ALTER TABLE public.projects ADD COLUMN note text;")
    plan = build_plan(inspect_url(target), desired)
    run_sql(target, "ALTER TABLE public.projects ADD COLUMN surprise integer")
    with pytest.raises(FingerprintMismatch):
        apply_plan(target, plan)
    assert inspect_url(target).table("public.projects").column("note") is None
    assert history_rows(target) == []


def test_eight_concurrent_applies_apply_once_without_errors(target, make_db):
    desired = catalog_from_sql(make_db, BASE + """
        ALTER TABLE public.projects ADD COLUMN note text;
        CREATE INDEX projects_name_idx ON public.projects (name);
        CREATE TABLE public.tags (id integer NOT NULL, CONSTRAINT tags_pkey PRIMARY KEY (id));""")
    plan = build_plan(inspect_url(target), desired)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: apply_plan(target, plan), range(8)))
    statuses = sorted(r.status for r in results)
    assert statuses == ["already applied"] * 7 + ["applied"]
    assert len(history_rows(target)) == 1
    assert build_plan(inspect_url(target), desired).empty


def test_concurrent_index_is_rerunnable_after_a_failed_build(target, make_db):
    desired = catalog_from_sql(make_db, BASE + "CREATE UNIQUE INDEX projects_name_uidx ON public.projects (name);")
    plan = build_plan(inspect_url(target), desired, row_estimates={"public.projects": 30})
    assert [s.transactional for s in plan.statements] == [False]
    with pytest.raises(DatabaseError):
        apply_plan(target, plan)  # duplicates: the build fails and leaves an INVALID index
    with psycopg.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM pg_index WHERE NOT indisvalid").fetchone()[0] == 1
    run_sql(target, "DELETE FROM public.projects WHERE id > 3")
    # the invalid leftover does not count as the index: the next plan builds it again
    again = build_plan(inspect_url(target), desired, row_estimates={"public.projects": 3})
    assert [s.change for s in again.statements] == ["CreateIndex"]
    assert apply_plan(target, again).applied
    with psycopg.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM pg_index WHERE NOT indisvalid").fetchone()[0] == 0
    assert build_plan(inspect_url(target), desired).empty


def test_killed_apply_leaves_no_partial_state(target, tmp_path):
    live = inspect_url(target)
    fp = managed_fingerprint(live)
    plan = Plan(fp, "0" * 64, (
        PlanStatement("CREATE TABLE public.half (id integer)", "CreateTable", "public.half", "create half"),
        PlanStatement("SELECT pg_sleep(30)", "CreateTable", "public.slow", "a slow statement"),
    ))
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(plan_to_json(plan))
    code = (
        "import sys; from pathlib import Path;"
        "from roseram_schema.apply.executor import apply_plan; from roseram_schema.plan import plan_from_json;"
        "apply_plan(sys.argv[1], plan_from_json(Path(sys.argv[2]).read_text()), statement_timeout='1min')"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, target, str(plan_file)])
    try:
        # generous: the deadline only ends a hang (a loaded machine starts Python slowly)
        deadline = time.time() + 300
        while time.time() < deadline:
            with psycopg.connect(target, autocommit=True) as conn:
                busy = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%'"
                                    " AND datname = current_database()").fetchone()[0]
            if busy:
                break
            time.sleep(0.1)
        assert busy, "the apply never reached its slow statement"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    # the server notices the dead client and rolls back; wait for the backend to go
    deadline = time.time() + 300
    while time.time() < deadline:
        with psycopg.connect(target, autocommit=True) as conn:
            left = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%'"
                                " AND datname = current_database()").fetchone()[0]
        if not left:
            break
        with psycopg.connect(target, autocommit=True) as conn:
            conn.execute("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%'"
                         " AND datname = current_database()")
        time.sleep(0.2)
    assert inspect_url(target).table("public.half") is None
    assert managed_fingerprint(inspect_url(target)) == fp
    assert history_rows(target) == []


def test_timeouts_are_applied(target, make_db):
    desired = catalog_from_sql(make_db, BASE + "ALTER TABLE public.projects ADD COLUMN note text;")
    plan = build_plan(inspect_url(target), desired)
    # another session holds a lock on the table: apply gives up after lock_timeout
    blocker = psycopg.connect(target)
    try:
        blocker.execute("LOCK TABLE public.projects IN ACCESS SHARE MODE")
        started = time.time()
        with pytest.raises(DatabaseError) as err:
            apply_plan(target, plan, lock_timeout="300ms")
        # far below the 5 min statement_timeout that would end it otherwise, with room for a
        # loaded machine
        assert time.time() - started < 60
        assert "lock timeout" in str(err.value)
    finally:
        blocker.rollback()
        blocker.close()
    assert apply_plan(target, plan).applied
