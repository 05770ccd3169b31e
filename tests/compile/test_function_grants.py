"""Function grants: the model says what running the source would leave, and compile, plan
and apply all agree with it (a REVOKE from PUBLIC alone means nobody, not the default)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from roseram_schema.cli.commands.apply import run_apply
from roseram_schema.cli.commands.plan import run_plan
from roseram_schema.compile.script import compile_script
from roseram_schema.model import Grant
from roseram_schema.source import load_project

from .conftest import apply_sql

BODY = "RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$"
SOURCE = f"""
CREATE FUNCTION public.untouched() {BODY};
CREATE FUNCTION public.revoked() {BODY};
REVOKE EXECUTE ON FUNCTION public.revoked() FROM PUBLIC;
CREATE FUNCTION public.granted() {BODY};
GRANT EXECUTE ON FUNCTION public.granted() TO authenticated;
CREATE FUNCTION public.members_only() {BODY};
REVOKE ALL ON FUNCTION public.members_only() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.members_only() TO authenticated;
CREATE PROCEDURE public.tidy() LANGUAGE sql AS $$ SELECT 1 $$;
REVOKE EXECUTE ON PROCEDURE public.tidy() FROM PUBLIC;
"""
PUBLIC = Grant("public", ("execute",))
AUTHENTICATED = Grant("authenticated", ("execute",))
EXPECTED = {
    "public.untouched()": (PUBLIC,),
    "public.revoked()": (),
    "public.granted()": (AUTHENTICATED, PUBLIC),
    "public.members_only()": (AUTHENTICATED,),
    "public.tidy()": (),
}


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    (root / "schema" / "public").mkdir(parents=True)
    (root / "project.yaml").write_text("roles:\n  - authenticated\n")
    (root / "schema" / "public" / "functions.sql").write_text(SOURCE)
    return root


def _acls(url: str) -> dict[str, str]:
    """proacl per routine as PostgreSQL keeps it ("default" for NULL: nobody touched it)."""
    with psycopg.connect(url) as conn:
        return dict(conn.execute(
            "SELECT proname, coalesce(proacl::text, 'default') FROM pg_proc"
            " WHERE pronamespace = 'public'::regnamespace ORDER BY 1").fetchall())


def _executors(url: str) -> dict[str, set[str]]:
    """Who may execute each routine (PUBLIC as 'public'), from aclexplode over acldefault."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT p.proname, CASE WHEN a.grantee = 0 THEN 'public' ELSE a.grantee::regrole::text END"
            " FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a"
            " WHERE p.pronamespace = 'public'::regnamespace AND a.grantee <> p.proowner").fetchall()
    out: dict[str, set[str]] = {}
    for name, grantee in rows:
        out.setdefault(name, set()).add(grantee)
    return out


def test_the_loader_materializes_the_default_then_applies_grant_and_revoke(project):
    functions = {f.key: f.grants for f in load_project(project).catalog.functions}
    assert functions == EXPECTED


def test_compiled_source_leaves_the_acls_running_the_source_leaves(project, make_db, tmp_path):
    from roseram_schema.platform import ensure_platform

    by_hand, compiled = make_db("by_hand"), make_db("compiled")
    for url in (by_hand, compiled):
        with psycopg.connect(url, autocommit=True) as conn:
            ensure_platform(conn)
    with psycopg.connect(by_hand, autocommit=True) as conn:
        conn.execute(SOURCE)
    script = compile_script(load_project(project).catalog, "x")
    apply_sql(compiled, script, tmp_path)
    apply_sql(compiled, script, tmp_path)  # idempotent
    assert _executors(compiled) == _executors(by_hand)
    assert _executors(compiled) == {"untouched": {"public"}, "granted": {"public", "authenticated"},
                                    "members_only": {"authenticated"}}
    assert _acls(compiled)["untouched"] == "default"  # nothing emitted for the default


def test_plan_and_apply_converge_on_the_source_grants(project, db_url, pg_server, capsys):
    dev = pg_server.base_url
    # an earlier deploy created the routines without any REVOKE: every one is PUBLIC's
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("\n".join(line for line in SOURCE.splitlines() if not line.startswith(("REVOKE", "GRANT"))))
    assert run_plan(project, db_url, dev, fmt="sql") == 2
    sql = capsys.readouterr().out
    assert "REVOKE EXECUTE ON FUNCTION public.revoked() FROM PUBLIC" in sql
    assert "REVOKE EXECUTE ON PROCEDURE public.tidy() FROM PUBLIC" in sql
    assert "public.untouched()" not in sql and "public.granted() FROM PUBLIC" not in sql
    assert run_apply(project, db_url, dev, yes=True) == 0
    assert _executors(db_url) == {"untouched": {"public"}, "granted": {"public", "authenticated"},
                                  "members_only": {"authenticated"}}
    assert run_plan(project, db_url, dev, fmt="sql") == 0
