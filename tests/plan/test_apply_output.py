"""What apply prints before it runs: every statement of a short plan, a summary of a long one
(`plan --format text` keeps the full list)."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest
from rich.console import Console

from roseram_schema.cli.commands.apply import run_apply
from roseram_schema.cli.commands.plan import run_plan
from roseram_schema.workflow.compare import compare_live
from roseram_schema.render import rich_plan_summary
from roseram_schema.render.plan import FULL_LIST_LIMIT, notable_statements

TABLES = 12


def _files() -> dict[str, str]:
    files = {"project.yaml": "roles:\n  - anon\n  - authenticated\n"}
    for i in range(TABLES):
        files[f"schema/public/t{i:02d}.yaml"] = (
            "columns:\n  id: {type: integer, nullable: false}\n  owner: {type: uuid}\n"
            "primary_key: [id]\ngrants:\n  authenticated: [select, insert]\n"
        )
        files[f"policies/public/t{i:02d}.yaml"] = (
            "rls: enabled\npolicies:\n  - name: own\n    command: all\n    roles: [authenticated]\n"
            "    using: owner = (select auth.uid())\n"
        )
    return files


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    for rel, text in _files().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _render(renderable) -> str:
    console = Console(width=120, record=True, file=open("/dev/null", "w"))
    console.print(renderable)
    return console.export_text()


def test_apply_on_a_fresh_database_prints_a_summary_not_every_statement(project, db_url, pg_server, capsys):
    dev = pg_server.base_url
    # with the platform stand-in in place, as apply installs it before planning
    plan = compare_live(project, db_url, dev, ensure_platform=True).plan()
    statements = len(plan.statements)
    assert statements > FULL_LIST_LIMIT
    assert run_plan(project, db_url, dev, fmt="text") == 2
    full = capsys.readouterr().err
    numbered = [line for line in full.splitlines() if re.match(r"^│\s+\d+ │", line)]
    assert len(numbered) == statements  # plan --format text: one row per statement

    assert run_apply(project, db_url, dev, yes=True) == 0
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) < 30, err
    assert not [line for line in lines if re.match(r"^│\s+\d+ │", line)]
    assert f"Plan: {statements} statements; hazards: changes_access" in err
    for kind in ("CreateTable", "Grant", "CreatePolicy", "SetRowSecurity"):
        count = sum(1 for s in plan.statements if s.change == kind)
        assert count >= TABLES and any(re.search(rf"{kind}\s+│\s+{count} │", line) for line in lines), kind
    access = sum(1 for s in plan.statements if any(h.name == "changes_access" for h in s.hazards))
    assert any(re.search(rf"changes_access\s+│\s+{access} │", line) for line in lines)
    assert "plan --format text" in err
    # access given to tables the plan itself creates is counted, not listed
    assert "Statements to review" not in err
    assert f"Applied {statements} statement(s)" in err


def test_a_summary_lists_access_changes_to_existing_tables_and_is_deterministic(project, db_url, pg_server):
    dev = pg_server.base_url
    assert run_apply(project, db_url, dev, yes=True) == 0
    with psycopg.connect(db_url, autocommit=True) as conn:
        for i in range(TABLES):
            conn.execute(f"DROP POLICY own ON public.t{i:02d}")
        conn.execute("ALTER TABLE public.t03 DISABLE ROW LEVEL SECURITY")
    plan = compare_live(project, db_url, dev).plan()
    notable = notable_statements(plan)
    assert [s.change for _, s in notable] == ["CreatePolicy"] * TABLES + ["SetRowSecurity"]
    assert all(plan.statements[n - 1] is s for n, s in notable)
    text = _render(rich_plan_summary(plan))
    assert text == _render(rich_plan_summary(plan))
    assert "Statements to review" in text and "public.t03" in text
