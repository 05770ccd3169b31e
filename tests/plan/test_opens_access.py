"""opens_access: a change that opens access on an object that already exists blocks apply
(exit 3) until `--allow-hazards opens_access`; the plan says who gains what. Building new
objects with their policies and grants is not blocked. Real server, real commands."""

from __future__ import annotations

import json
import os
from pathlib import Path

import psycopg
import pytest

from inprocess import run_cli

from roseram_schema.cli.commands.apply import run_apply
from roseram_schema.cli.commands.plan import run_plan
from roseram_schema.errors import HazardBlocked
from roseram_schema.platform import ensure_platform

FILES = {
    "project.yaml": "roles:\n  - anon\n  - authenticated\n",
    "schema/public/projects.yaml": """\
columns:
  id:        {type: integer, nullable: false}
  user_id:   {type: uuid, nullable: false}
  name:      {type: text, nullable: false}
  is_public: {type: boolean, nullable: false, default: "false"}
  archived:  {type: boolean, nullable: false, default: "false"}
primary_key: [id]
grants:
  anon: [select]
  authenticated: [select, insert, update, delete]
""",
    "policies/public/projects.yaml": """\
rls: forced
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
  - name: not archived
    as: restrictive
    command: select
    roles: [anon, authenticated]
    using: NOT archived
""",
    "views/public/public_projects.sql": """\
-- security_invoker: true
-- grants: {anon: [select]}
SELECT id, name FROM public.projects WHERE is_public
""",
    "schema/public/functions.sql": """\
CREATE FUNCTION public.owns(p integer) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = '' AS $$ SELECT EXISTS (SELECT 1 FROM public.projects WHERE id = p) $$;
REVOKE EXECUTE ON FUNCTION public.owns(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.owns(integer) TO authenticated;
""",
}

POLICIES = FILES["policies/public/projects.yaml"]
ADDED_POLICY = """\
  - name: read archived
    command: select
    roles: [authenticated]
    using: archived
"""

# name -> (file, its new text, a piece of the opens_access message saying who gains what)
CASES = {
    "rls_disabled": ("policies/public/projects.yaml", POLICIES.replace("rls: forced", "rls: disabled"),
                     "row level security on public.projects is disabled: its policies no longer filter rows; "
                     "anon may SELECT every row; authenticated may SELECT, INSERT, UPDATE, DELETE every row"),
    "force_removed": ("policies/public/projects.yaml", POLICIES.replace("rls: forced", "rls: enabled"),
                      "the owner of public.projects is no longer subject to its policies"),
    "grant_to_anon": ("schema/public/projects.yaml",
                      FILES["schema/public/projects.yaml"].replace("anon: [select]", "anon: [insert, select]"),
                      "anon is granted INSERT on table public.projects"),
    "grant_to_public_on_view": ("views/public/public_projects.sql",
                                FILES["views/public/public_projects.sql"].replace(
                                    "{anon: [select]}", "{anon: [select], public: [select]}"),
                                "public is granted SELECT on view public.public_projects"),
    "permissive_policy_added": ("policies/public/projects.yaml", POLICIES + ADDED_POLICY,
                                "new permissive policy 'read archived' lets authenticated SELECT reach the rows "
                                "of public.projects where USING (archived)"),
    "policy_using_changed": ("policies/public/projects.yaml",
                             POLICIES.replace("using: is_public OR user_id", "using: true OR user_id"),
                             "permissive policy 'read' on public.projects changes for anon, authenticated SELECT: "
                             "USING (true OR user_id = (select auth.uid()))"),
    "permissive_policy_roles_widened": ("policies/public/projects.yaml",
                                        POLICIES.replace("    roles: [authenticated]\n    using: user_id",
                                                         "    roles: [anon, authenticated]\n    using: user_id"),
                                        "permissive policy 'write own' on public.projects changes for anon, "
                                        "authenticated SELECT/INSERT/UPDATE/DELETE: now for anon"),
    "restrictive_policy_roles_narrowed": ("policies/public/projects.yaml",
                                          POLICIES.replace("    roles: [anon, authenticated]\n    using: NOT archived",
                                                           "    roles: [authenticated]\n    using: NOT archived"),
                                          "restrictive policy 'not archived' on public.projects changes for "
                                          "authenticated SELECT: no longer restricts anon"),
    "restrictive_policy_dropped": ("policies/public/projects.yaml", POLICIES.split("  - name: not archived")[0],
                                   "restrictive policy 'not archived' no longer limits anon, authenticated SELECT "
                                   "on public.projects"),
    "view_loses_security_invoker": ("views/public/public_projects.sql",
                                    FILES["views/public/public_projects.sql"].replace("-- security_invoker: true\n", ""),
                                    "public.public_projects no longer runs with the caller's rights: anon read its "
                                    "tables as its owner, bypassing their RLS"),
    "definer_function_to_anon": ("schema/public/functions.sql",
                                 FILES["schema/public/functions.sql"] + "GRANT EXECUTE ON FUNCTION public.owns(integer) TO anon;\n",
                                 "anon is granted EXECUTE on function public.owns(integer), a SECURITY DEFINER "
                                 "function: it runs with its owner's rights"),
}


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture(scope="module")
def applied_template(pg_server, tmp_path_factory):
    """The project applied to a database with the platform stand-in (built from nothing: not
    blocked), once for the module: each test's database is a copy of it."""
    root = write(tmp_path_factory.mktemp("opens_access") / "project", FILES)
    name = pg_server.create_database("opens_tmpl", as_template=True)
    try:
        url = pg_server.url(name)
        with psycopg.connect(url, autocommit=True) as conn:
            ensure_platform(conn)
        assert run_apply(root, url, pg_server.base_url, yes=True) == 0
        yield name
    finally:
        pg_server.drop_database(name, as_template=True)


@pytest.fixture
def applied_db(applied_template, pg_server):
    """A fresh copy (CREATE DATABASE ... TEMPLATE) of the applied database."""
    name = pg_server.create_database("opens", template=applied_template)
    yield pg_server.url(name)
    pg_server.drop_database(name)


@pytest.fixture
def applied(tmp_path, applied_db):
    """The project's folder, its source the one applied to applied_db."""
    return write(tmp_path / "project", FILES)


def plan_hazards(root, db_url, dev, capsys) -> list[dict]:
    capsys.readouterr()
    assert run_plan(root, db_url, dev, fmt="json") == 2
    plan = json.loads(capsys.readouterr().out)
    return [h for s in plan["statements"] for h in s["hazards"]]


@pytest.mark.parametrize("case", sorted(CASES))
def test_opening_access_on_an_existing_object_blocks_apply(case, applied, applied_db, pg_server, capsys):
    dev = pg_server.base_url
    rel, text, who = CASES[case]
    write(applied, {rel: text})
    opens = [h for h in plan_hazards(applied, applied_db, dev, capsys) if h["name"] == "opens_access"]
    assert opens and all(h["blocking"] for h in opens)
    assert any(who in h["message"] for h in opens), [h["message"] for h in opens]

    with psycopg.connect(applied_db) as conn:
        before = conn.execute("SELECT count(*) FROM roseram_schema.history").fetchone()
    with pytest.raises(HazardBlocked) as blocked:
        run_apply(applied, applied_db, dev, yes=True, allow_hazards=("lint_errors",))
    assert "opens_access: " + who in str(blocked.value)
    assert "--allow-hazards opens_access" in str(blocked.value)
    with psycopg.connect(applied_db) as conn:
        assert conn.execute("SELECT count(*) FROM roseram_schema.history").fetchone() == before

    assert run_apply(applied, applied_db, dev, yes=True, allow_hazards=("opens_access", "lint_errors")) == 0
    assert run_plan(applied, applied_db, dev, fmt="sql") == 0


def test_only_what_opens_an_existing_object_blocks(applied, applied_db, pg_server, capsys):
    """New objects with their policies and grants, and access taken away, are said (changes_access)
    but not blocked; in the same plan, the one grant that opens an existing table is."""
    dev = pg_server.base_url
    write(applied, {
        "schema/public/projects.yaml": FILES["schema/public/projects.yaml"].replace(
            "  anon: [select]\n", "").replace("authenticated: [select, insert, update, delete]",
                                              "authenticated: [select, insert, update, delete]\n  public: [references]"),
        "schema/public/notes.yaml": "columns:\n  id: {type: integer, nullable: false}\n"
                                    "  user_id: {type: uuid}\nprimary_key: [id]\n"
                                    "grants:\n  anon: [select]\n  authenticated: [select, insert]\n",
        "policies/public/notes.yaml": "rls: enabled\npolicies:\n  - name: own\n    command: all\n"
                                      "    roles: [anon, authenticated]\n    using: user_id = (select auth.uid())\n",
        "views/public/note_ids.sql": "-- security_invoker: true\n-- grants: {anon: [select]}\n"
                                     "SELECT id FROM public.notes\n",
        "schema/public/more.sql": "CREATE FUNCTION public.open_helper() RETURNS integer LANGUAGE sql "
                                  "SECURITY DEFINER SET search_path = '' AS $$ SELECT 1 $$;\n"
                                  "GRANT EXECUTE ON FUNCTION public.open_helper() TO anon;\n",
    })
    capsys.readouterr()
    assert run_plan(applied, applied_db, dev, fmt="json") == 2
    statements = json.loads(capsys.readouterr().out)["statements"]
    said = {h["message"] for s in statements for h in s["hazards"]}
    assert "anon may now SELECT public.notes" in said  # new table: said, not blocked
    assert "anon may no longer SELECT public.projects" in said
    blocked = [(s["summary"], h["message"]) for s in statements for h in s["hazards"] if h["blocking"]]
    assert blocked == [("grant references on table public.projects to public",
                        "public is granted REFERENCES on table public.projects: the rows its policies allow")]
    with pytest.raises(HazardBlocked):
        run_apply(applied, applied_db, dev, yes=True)
    assert run_apply(applied, applied_db, dev, yes=True, allow_hazards=("opens_access",)) == 0


def test_a_function_becoming_security_definer_while_public_may_run_it(tmp_path, platform_db_url, pg_server, capsys):
    dev = pg_server.base_url
    body = "CREATE FUNCTION public.f() RETURNS integer LANGUAGE sql {} SET search_path = '' AS $$ SELECT 1 $$;\n"
    root = write(tmp_path / "p", {"schema/public/f.sql": body.format("SECURITY INVOKER")})
    assert run_apply(root, platform_db_url, dev, yes=True) == 0
    write(root, {"schema/public/f.sql": body.format("SECURITY DEFINER")})
    opens = [h for h in plan_hazards(root, platform_db_url, dev, capsys) if h["name"] == "opens_access"]
    assert [h["message"] for h in opens] == [
        "public may EXECUTE public.f(), a SECURITY DEFINER function: it runs with its owner's rights"]


def cli(*args, project, db, dev):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    # in the test process (tests/inprocess.py): what the command does, not its process
    return run_cli(*args, "--project", project, "--db", db, "--dev-db", dev, env=env)


def test_a_truncated_or_empty_policies_file_never_opens_the_table(applied, applied_db, pg_server):
    dev = pg_server.base_url
    policies = applied / "policies/public/projects.yaml"

    def live_state():
        with psycopg.connect(applied_db) as conn:
            return conn.execute(
                "SELECT c.relrowsecurity, c.relforcerowsecurity, (SELECT count(*) FROM pg_policies p"
                " WHERE p.tablename = 'projects') FROM pg_class c WHERE c.oid = 'public.projects'::regclass"
            ).fetchone()

    assert live_state() == (True, True, 3)
    # cut before its first line ends: no `rls:` line, no policies
    policies.write_text("# row-level security of public.projects\npolicies:\n")
    r = cli("apply", "--yes", project=applied, db=applied_db, dev=dev)
    assert r.returncode == 3, r.stderr
    assert "opens_access: row level security on public.projects is disabled" in r.stderr
    assert "anon may SELECT every row" in r.stderr
    assert "lint_errors: policies/public/projects.yaml:2:1 (public.projects): rls-disabled" in r.stderr
    assert "--allow-hazards lint_errors,opens_access" in r.stderr
    assert live_state() == (True, True, 3)

    policies.write_text("")
    r = cli("apply", "--yes", project=applied, db=applied_db, dev=dev)
    assert r.returncode == 1, r.stderr
    assert "policies/public/projects.yaml:1:1: public.projects: the policies file is empty" in r.stderr
    assert live_state() == (True, True, 3)
