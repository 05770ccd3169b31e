"""lint on the corpus (read back from a live database with the real inspector), on source
projects, and its output formats and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from roseram_schema.cli.commands.lint import run_lint
from roseram_schema.workflow.lint import lint_project
from roseram_schema.introspect import inspect_catalog
from roseram_schema.lint.rules import lint_catalog
from roseram_schema.verify.anchors import derive_anchors

from .helpers import build_case, case_expectations, case_names, good_spec

NOTES = Path(__file__).resolve().parent.parent / "cases" / "verify_source" / "notes"
ROSERAM = Path(__file__).resolve().parent.parent.parent


@pytest.mark.parametrize("name", case_names())
def test_lint_finds_each_case_statically(platform_db_url, name):
    build_case(platform_db_url, name)
    with psycopg.connect(platform_db_url) as conn:
        catalog = inspect_catalog(conn)
    spec = good_spec()
    findings = lint_catalog(catalog, spec, derive_anchors(catalog, spec))
    expected = set(case_expectations(name)["expect"].get("lint", []))
    found = {f.id for f in findings if f.severity in ("error", "warning")}
    assert expected <= found, f"{name}: expected {sorted(expected)}, got {sorted(found)}"
    if not expected:
        assert not [f for f in findings if f.severity == "error"], findings


def test_lint_source_points_at_files():
    findings = lint_project(NOTES)
    by_id = {f.id: f for f in findings}
    assert by_id["rls-disabled"].severity == "error"
    assert by_id["rls-disabled"].location.startswith("policies/public/notes.yaml:")
    assert by_id["fk-unindexed"].location.startswith("schema/public/notes.yaml:")
    assert "add `- [user_id]`" in by_id["fk-unindexed"].hint


def test_run_lint_exit_codes_and_formats(capsys):
    assert run_lint(NOTES, None, "json") == 4
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["errors"] == 1
    assert {f["id"] for f in data["findings"]} == {"rls-disabled", "fk-unindexed"}
    assert run_lint(NOTES, None, "sarif") == 4
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["version"] == "2.1.0"
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "rls-disabled")
    assert result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "policies/public/notes.yaml"


def test_roseram_source_lints_without_errors(capsys):
    assert run_lint(ROSERAM, None, "text") == 0
    out = capsys.readouterr().out
    assert "error:" not in out


def test_lint_live_database(platform_db_url, capsys):
    build_case(platform_db_url, "rls_off")
    assert run_lint(NOTES, platform_db_url, "text") == 4
    out = capsys.readouterr().out
    assert "[rls-disabled] public.pages is in the exposed schema" in out


def test_definer_function_callable_by_anyone_is_flagged(platform_db_url):
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION public.open_helper() RETURNS int LANGUAGE sql STABLE"
                     " SECURITY DEFINER SET search_path = '' AS 'SELECT 1'")
        conn.execute("CREATE FUNCTION public.closed_helper() RETURNS int LANGUAGE sql STABLE"
                     " SECURITY DEFINER SET search_path = '' AS 'SELECT 1'")
        conn.execute("REVOKE EXECUTE ON FUNCTION public.closed_helper() FROM PUBLIC")
        conn.execute("GRANT EXECUTE ON FUNCTION public.closed_helper() TO authenticated")
        catalog = inspect_catalog(conn)
    flagged = [f for f in lint_catalog(catalog) if f.id == "definer-public-execute"]
    assert [f.location for f in flagged] == ["public.open_helper()"]
    assert "REVOKE EXECUTE ON FUNCTION public.open_helper() FROM PUBLIC" in flagged[0].hint
