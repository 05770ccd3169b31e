"""What apply does per statement: each has its own timeout (a concurrent index build its
own, none by default), the history row lists only the statements that ran, and drift names
an index a failed concurrent build left INVALID."""

from __future__ import annotations

import json

import psycopg
import pytest

from roseram_schema.apply.executor import apply_plan
from roseram_schema.cli.commands.apply import run_apply
from roseram_schema.cli.commands.drift import run_drift
from roseram_schema.errors import DatabaseError
from roseram_schema.plan import Plan, PlanStatement, managed_fingerprint

from .dbutil import inspect_url, run_sql

# an index expression that takes 50 ms a row: a build over 20 rows takes a second
SLOW = """
CREATE TABLE public.t (id integer NOT NULL, code text, CONSTRAINT t_pkey PRIMARY KEY (id));
INSERT INTO public.t SELECT g, 'c' || (g % 2) FROM generate_series(1, 20) g;
CREATE FUNCTION public.slow(i integer) RETURNS integer LANGUAGE plpgsql IMMUTABLE
AS $$ BEGIN PERFORM pg_sleep(0.05); RETURN i; END $$;
"""


def _index(name: str, expr: str, unique: bool = False) -> PlanStatement:
    kind = "UNIQUE INDEX" if unique else "INDEX"
    return PlanStatement(f"CREATE {kind} CONCURRENTLY IF NOT EXISTS {name} ON public.t ({expr})",
                         "CreateIndex", f"public.{name}", f"create index public.{name}", transactional=False)


def _plan(url: str, *statements: PlanStatement) -> Plan:
    return Plan(managed_fingerprint(inspect_url(url)), "0" * 64, statements)


def _history(url: str) -> list[list[str]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT statements FROM roseram_schema.history ORDER BY id").fetchall()
    return [[s["sql"] for s in r[0]] for r in rows]


def _valid(url: str, name: str):
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(%s)",
                           (f"public.{name}",)).fetchone()
    return row[0] if row else None


def test_a_concurrent_index_build_is_not_cut_short_by_the_statement_timeout(platform_db_url):
    run_sql(platform_db_url, SLOW)
    plan = _plan(platform_db_url, _index("t_slow", "public.slow(id)"))
    result = apply_plan(platform_db_url, plan, statement_timeout="300ms")
    assert result.applied
    assert _valid(platform_db_url, "t_slow") is True


def test_the_index_timeout_bounds_each_concurrent_build_and_the_statement_timeout_the_others(platform_db_url):
    run_sql(platform_db_url, SLOW)
    plan = _plan(platform_db_url, _index("t_slow", "public.slow(id)"))
    with pytest.raises(DatabaseError) as err:
        apply_plan(platform_db_url, plan, statement_timeout="1min", index_timeout="300ms")
    assert "statement timeout" in str(err.value)
    slow = _plan(platform_db_url, PlanStatement("SELECT pg_sleep(1)", "CreateTable", "public.x", "slow"))
    with pytest.raises(DatabaseError) as err:
        apply_plan(platform_db_url, slow, statement_timeout="300ms", index_timeout="0")
    assert "statement timeout" in str(err.value)
    with pytest.raises(DatabaseError) as err:
        apply_plan(platform_db_url, slow, index_timeout="soon")
    assert "index_timeout 'soon'" in str(err.value)


def test_the_history_row_lists_only_the_statements_that_ran(platform_db_url):
    run_sql(platform_db_url, SLOW)
    table = PlanStatement("CREATE TABLE public.x (id integer)", "CreateTable", "public.x", "create table public.x")
    good = _index("t_id", "id")
    bad = _index("t_code", "code", unique=True)  # duplicates: the build fails
    with pytest.raises(DatabaseError) as err:
        apply_plan(platform_db_url, _plan(platform_db_url, table, good, bad))
    assert "t_code" in str(err.value)
    # the transaction committed, the first build ran, the second failed and is not listed
    assert _history(platform_db_url) == [[table.sql, good.sql]]
    assert _valid(platform_db_url, "t_code") is False


def test_apply_cli_history_after_a_failed_concurrent_build(tmp_path, platform_db_url, pg_server):
    root = tmp_path / "project"
    (root / "schema" / "public").mkdir(parents=True)
    (root / "schema" / "public" / "t.yaml").write_text(
        "columns:\n  id: {type: integer, nullable: false}\n  code: {type: text}\nprimary_key: [id]\n")
    # RLS on: an exposed table without it is a lint error, which apply refuses (lint_errors)
    (root / "policies" / "public").mkdir(parents=True)
    (root / "policies" / "public" / "t.yaml").write_text("rls: enabled\n")
    dev = pg_server.base_url
    assert run_apply(root, platform_db_url, dev, yes=True) == 0
    run_sql(platform_db_url, "INSERT INTO public.t SELECT g, 'c' || (g % 2) FROM generate_series(1, 20) g; ANALYZE public.t")
    (root / "schema" / "public" / "t.yaml").write_text(
        "columns:\n  id: {type: integer, nullable: false}\n  code: {type: text}\n  note: {type: text}\n"
        "primary_key: [id]\nindexes:\n  - {columns: [code], unique: true, name: t_code_key}\n")
    with pytest.raises(DatabaseError):
        run_apply(root, platform_db_url, dev, yes=True, online=True)
    statements = _history(platform_db_url)[-1]
    assert any("ADD COLUMN" in s and "note" in s for s in statements), statements
    assert not any("t_code_key" in s for s in statements)


def test_drift_says_an_index_left_invalid_exists_but_is_invalid(tmp_path, platform_db_url, pg_server, capsys):
    root = tmp_path / "project"
    (root / "schema" / "public").mkdir(parents=True)
    (root / "schema" / "public" / "t.yaml").write_text(
        "columns:\n  id: {type: integer, nullable: false}\n  code: {type: text}\nprimary_key: [id]\n"
        "indexes:\n  - {columns: [code], unique: true, name: t_code_key}\n")
    run_sql(platform_db_url, "CREATE TABLE public.t (id integer NOT NULL, code text, CONSTRAINT t_pkey PRIMARY KEY (id));"
                             "INSERT INTO public.t VALUES (1, 'a'), (2, 'a')")
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("CREATE UNIQUE INDEX CONCURRENTLY t_code_key ON public.t (code)")
    assert run_drift(root, platform_db_url, pg_server.base_url) == 2
    out = capsys.readouterr().out
    assert "index public.t_code_key exists but is INVALID: a concurrent build failed; apply rebuilds it" in out
    assert "(missing)" not in out
    assert run_drift(root, platform_db_url, pg_server.base_url, fmt="json") == 2
    item = json.loads(capsys.readouterr().out)["objects"][0]
    assert item["object"] == "public.t_code_key" and "INVALID" in item["database"]
