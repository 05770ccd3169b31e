"""Names and comments that try to break out of the SQL that compile and plan print.

A `-- ...` header line built from a name ends at the name's line break, and what follows
would run: compile and plan must keep every such line one line. Comments (COMMENT ON) may
hold line breaks, quotes and backslashes: they stay literals, even on a database with
standard_conforming_strings off. Each script is run through psql on a database holding a
`victim` table that an injected statement would drop.
"""

from __future__ import annotations

import psycopg

from roseram_schema.compile.script import compile_script
from roseram_schema.model import Column, Policy, PrimaryKey, Table, build_catalog
from roseram_schema.plan.planner import build_plan
from roseram_schema.render.plan import render_plan_sql
from roseram_schema.source import load_project

from .conftest import apply_sql

INJECTED = "\ndrop table public.victim;\n--"


def _with_victim(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.victim (id integer)")


def _victim_exists(url: str) -> bool:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT to_regclass('public.victim') IS NOT NULL").fetchone()[0]


def _hostile_catalog():
    """Names with line breaks, built by hand: the loader refuses them, compile must not trust that."""
    table = Table(
        schema="public",
        name="t" + INJECTED,
        columns=(Column(name="id", type="integer", nullable=False),
                 Column(name="c\rdrop table public.victim;--", type="text")),
        primary_key=PrimaryKey(name="t_pkey" + INJECTED, columns=("id",)),
        rls_enabled=True,
        policies=(Policy(name="p" + INJECTED, using="true", comment="a\n" + INJECTED),),
        comment="x';" + INJECTED,
    )
    return build_catalog(tables=[table])


def test_compile_headers_stay_comments(db_url, tmp_path):
    _with_victim(db_url)
    script = compile_script(_hostile_catalog(), "f" + INJECTED)
    apply_sql(db_url, script, tmp_path)
    assert _victim_exists(db_url)
    # the names themselves are still there, inside quotes: only the comment lines were escaped
    assert "-- policy public.t\\ndrop table public.victim;\\n--.p\\ndrop table public.victim;\\n--" in script


def test_plan_sql_headers_stay_comments(db_url, tmp_path):
    _with_victim(db_url)
    plan = build_plan(build_catalog(), _hostile_catalog(), source=_hostile_catalog())
    script = render_plan_sql(plan)
    apply_sql(db_url, script, tmp_path)
    assert _victim_exists(db_url)
    # the other way: such names found in a live database, dropped by the plan
    apply_sql(db_url, render_plan_sql(build_plan(_hostile_catalog(), build_catalog())), tmp_path)
    assert _victim_exists(db_url)
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 't%victim%'").fetchone()[0] == 0


def test_comments_with_line_breaks_quotes_and_backslashes_stay_literals(make_db, tmp_path):
    """A project's comments reach the database as written, whatever standard_conforming_strings is."""
    comments = {
        "table": "it's\n" + INJECTED,
        "column": "\\'; drop table public.victim; --",
        "policy": "ends with a backslash \\",
    }
    (tmp_path / "p" / "schema" / "public").mkdir(parents=True)
    (tmp_path / "p" / "policies" / "public").mkdir(parents=True)
    (tmp_path / "p" / "schema" / "public" / "t.yaml").write_text(
        "comment: " + _yaml(comments["table"]) + "\ncolumns:\n  id:\n    type: integer\n"
        "    comment: " + _yaml(comments["column"]) + "\n")
    (tmp_path / "p" / "policies" / "public" / "t.yaml").write_text(
        "rls: enabled\npolicies:\n  - {name: p, using: 'true', comment: " + _yaml(comments["policy"]) + "}\n")
    project = load_project(tmp_path / "p")
    script = compile_script(project.catalog, project.fingerprint)
    for conforming in ("on", "off"):
        url = make_db()
        _with_victim(url)
        with psycopg.connect(url, autocommit=True) as conn:
            dbname = conn.info.dbname
            conn.execute(f'ALTER DATABASE "{dbname}" SET standard_conforming_strings = {conforming}')
            conn.execute(f'ALTER DATABASE "{dbname}" SET escape_string_warning = off')
        apply_sql(url, script, tmp_path)
        assert _victim_exists(url), conforming
        with psycopg.connect(url) as conn:
            got = conn.execute(
                "SELECT obj_description('public.t'::regclass, 'pg_class'),"
                " col_description('public.t'::regclass, 1),"
                " (SELECT obj_description(oid, 'pg_policy') FROM pg_policy WHERE polname = 'p')"
            ).fetchone()
        assert got == (comments["table"], comments["column"], comments["policy"]), conforming


def _yaml(text: str) -> str:
    """A YAML double-quoted scalar holding `text`."""
    import json

    return json.dumps(text)
