"""A SECURITY DEFINER function without `SET search_path` (5 of 10 real Supabase schemas have
one) is managed as written: it compiles, `lint` warns about it with the fix in the hint,
and `apply` is not blocked by it (the lint gate stops errors only)."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg

from roseram_schema.source import load_project
from roseram_schema.workflow.gates import lint_error_hazards
from roseram_schema.workflow.lint import lint_project

FILES = {
    "project.yaml": "schemas:\n  - public\nroles:\n  - authenticated\n",
    "schema/public/counters.sql": """\
CREATE TABLE public.counters (id integer PRIMARY KEY, n integer NOT NULL DEFAULT 0);
CREATE FUNCTION public.bump(target integer) RETURNS void
LANGUAGE sql SECURITY DEFINER AS $$
  UPDATE public.counters SET n = n + 1 WHERE id = target
$$;
""",
    "policies/public/counters.yaml": "rls: enabled\n",
}


def write_project(root):
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_definer_without_search_path_compiles_and_is_a_warning(tmp_path):
    root = write_project(tmp_path)
    project = load_project(root)
    assert [f.signature for f in project.catalog.functions] == ["public.bump(integer)"]
    findings = [f for f in lint_project(root) if f.id == "definer-search-path"]
    assert len(findings) == 1
    finding = findings[0]
    assert finding.severity == "warning"
    assert finding.location.startswith("schema/public/counters.sql:2:")
    assert "SET search_path = ''" in finding.hint
    # apply's gate stops lint errors only
    assert lint_error_hazards(project) == ()


def cli(*args, root, db, dev):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run([sys.executable, "-m", "roseram_schema", *args, "--project", str(root),
                           "--db", db, "--dev-db", dev],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env, timeout=300)


def test_apply_creates_it_as_written_and_plans_nothing_after(tmp_path, platform_db_url, pg_server):
    root = write_project(tmp_path)
    r = cli("apply", "--yes", root=root, db=platform_db_url, dev=pg_server.base_url)
    assert r.returncode == 0, r.stderr
    with psycopg.connect(platform_db_url) as conn:
        row = conn.execute("SELECT prosecdef, proconfig FROM pg_proc WHERE proname = 'bump'").fetchone()
    assert row == (True, None)
    r = cli("plan", root=root, db=platform_db_url, dev=pg_server.base_url)
    assert r.returncode == 0, r.stdout + r.stderr
