"""`revokes:` in a table file and a view header (source/tables.py): what `grants: defaults`
mode takes away from what the default privileges give, the way import writes a table that
lacks some of Supabase's defaults."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

import roseram_schema as rs
from roseram_schema.source import load_project

ROLES = "roles: [anon, authenticated, {name: service_role, bypassrls: true}]\n"


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _project(root: Path) -> Path:
    return _write(root, {
        "project.yaml": "grants: defaults\nschemas: [public]\n" + ROLES,
        "schema/public/notes.yaml": ("columns:\n  id: integer\n  body: text\nprimary_key: [id]\n"
                                     "grants:\n  anon: [select]\nrevokes:\n  anon: all\n  authenticated: [truncate]\n"),
        "policies/public/notes.yaml": "rls: enabled\n",
        "views/public/bodies.sql": "-- security_invoker: true\n"
                                   "-- revokes: {anon: all, authenticated: [insert, update, delete]}\n"
                                   "SELECT id, body FROM public.notes;\n",
    })


def _privileges(conn, role: str, relation: str) -> set[str]:
    kinds = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"]
    if conn.info.server_version >= 170000:
        kinds.append("MAINTAIN")
    return {k for k in kinds if conn.execute("SELECT has_table_privilege(%s, %s, %s)",
                                             [role, relation, k]).fetchone()[0]}


def test_grants_are_given_before_revokes_are_taken(tmp_path):
    notes = next(t for t in load_project(_project(tmp_path / "p")).catalog.tables if t.name == "notes")
    assert [(g.grantee, g.privileges) for g in notes.grants] == []
    assert [(g.grantee, g.privileges) for g in notes.revokes] == [
        ("anon", ("delete", "insert", "references", "select", "trigger", "truncate", "update")),
        ("authenticated", ("truncate",))]


def test_revokes_take_away_what_supabase_defaults_give(supabase_db_url, pg_server, tmp_path):
    project = _project(tmp_path / "p")
    rs.apply(project, supabase_db_url, dev_db=pg_server.base_url)
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        # `all` is REVOKE ALL: MAINTAIN (17+) goes too
        assert _privileges(conn, "anon", "public.notes") == set()
        assert "TRUNCATE" not in _privileges(conn, "authenticated", "public.notes")
        assert "SELECT" in _privileges(conn, "authenticated", "public.notes")
        assert _privileges(conn, "anon", "public.bodies") == set()
        assert _privileges(conn, "authenticated", "public.bodies") & {"INSERT", "UPDATE", "DELETE"} == set()
    assert rs.plan(project, supabase_db_url, dev_db=pg_server.base_url).statements == ()
    report = rs.drift(project, supabase_db_url, dev_db=pg_server.base_url)
    assert report.clean, report.render()


def test_revokes_of_the_wrong_shape_are_an_error_at_their_line(tmp_path):
    bad = _write(tmp_path / "bad", {
        "project.yaml": "schemas: [public]\n",
        "schema/public/t.yaml": "columns:\n  id: integer\nrevokes: [anon]\n"})
    with pytest.raises(Exception, match=r"t\.yaml:3:\d+.*revokes must be a mapping of role to privileges"):
        load_project(bad)
