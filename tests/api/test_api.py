"""The public Python API (roseram_schema.api, issue 18) on a small project and a real server:
typed results, typed errors, nothing printed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

import roseram_schema as rs

FILES = {
    "project.yaml": "roles: [anon, authenticated, {name: service_role, bypassrls: true}]\n",
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
  service_role: all
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
""",
    "views/public/public_projects.sql": """\
-- security_invoker: true
-- grants: {anon: [select]}
SELECT id, name FROM public.projects WHERE is_public
""",
}


def write_project(root: Path, files=FILES) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def project(tmp_path) -> Path:
    return write_project(tmp_path / "project")


@pytest.fixture
def dev(pg_server) -> str:
    return pg_server.base_url


def test_import_is_cheap_and_the_api_names_win_over_submodules():
    # the CLI imports the package: the API (and psycopg, typer, rich) only when used
    code = ("import sys, roseram_schema as rs; "
            "print(sorted(m for m in ('roseram_schema.api', 'psycopg', 'rich', 'typer') if m in sys.modules)); "
            "import roseram_schema.compile, roseram_schema.apply, roseram_schema.plan.model, "
            "roseram_schema.lint.rules, roseram_schema.verify.checker; "
            "from roseram_schema import api; "
            "print([getattr(rs, n).__wrapped__ is getattr(api, n) for n in ('compile', 'apply', 'plan', 'lint', 'verify')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["[]", "[True, True, True, True, True]"]
    assert {"load_project", "compile", "plan", "apply", "drift", "verify", "lint",
            "HazardBlocked", "SourceError"} <= set(dir(rs))
    assert rs.HazardBlocked is __import__("roseram_schema.errors", fromlist=["x"]).HazardBlocked


def test_the_api_functions_still_lead_to_their_namesake_modules(monkeypatch):
    import inspect

    from roseram_schema.apply import executor
    from roseram_schema.compile.script import compile_script

    assert rs.compile.script.compile_script is compile_script
    assert rs.apply.executor is executor and executor.ADVISORY_LOCK_KEY == 0x726F736572616D
    assert list(inspect.signature(rs.plan).parameters) == ["project", "db", "dev_db", "online"]
    assert "plan that brings database" in rs.plan.__doc__ and rs.plan.__name__ == "plan"
    # targets spelled through the package reach the module (monkeypatch undoes it)
    monkeypatch.setattr("roseram_schema.workflow.compare.compare_live", None)
    assert sys.modules["roseram_schema.workflow.compare"].compare_live is None
    monkeypatch.setattr("roseram_schema.apply.executor.ADVISORY_LOCK_KEY", 7)
    assert sys.modules["roseram_schema.apply.executor"].ADVISORY_LOCK_KEY == 7


def test_load_and_compile_need_no_database(project, capsys):
    loaded = rs.load_project(project)
    assert isinstance(loaded, rs.Project) and loaded.root == project.resolve()
    assert [t.name for t in loaded.catalog.tables] == ["projects"]
    compiled = rs.compile(loaded)
    assert isinstance(compiled, rs.CompiledSQL)
    assert "CREATE TABLE IF NOT EXISTS public.projects" in compiled.text
    assert compiled.stats["tables"] == 1 and compiled.stats["policies"] == 2
    assert compiled.fingerprint == loaded.fingerprint
    assert rs.compile(project).text == compiled.text  # a path does as well
    assert capsys.readouterr() == ("", "")


def test_a_source_error_carries_its_problems_with_file_and_line(project, capsys):
    table = project / "schema/public/projects.yaml"
    table.write_text(table.read_text().replace("is_public: {type: boolean", "is_public: {type: nosuchtype"))
    with pytest.raises(rs.SourceError) as info:
        rs.load_project(project)
    [problem] = info.value.problems
    assert isinstance(problem, rs.Problem) and problem.obj.startswith("public.projects")
    assert problem.origin.path == "schema/public/projects.yaml" and problem.origin.line == 5
    assert "schema/public/projects.yaml:5" in str(info.value)
    with pytest.raises(rs.SourceError):
        rs.compile(project)
    with pytest.raises(rs.ProjectNotFound):
        rs.load_project(project / "schema")
    assert capsys.readouterr() == ("", "")


def test_plan_apply_drift_round_trip(project, db_url, dev, capsys):
    first = rs.plan(project, db_url, dev_db=dev)
    assert isinstance(first, rs.Plan) and not first.empty
    assert all(isinstance(s, rs.PlanStatement) for s in first.statements)
    assert first.to_sql().startswith("-- roseram-schema plan: ")
    assert "CREATE TABLE" in first.to_sql() and first.to_sql().endswith("COMMIT;\n")
    assert rs.Plan.from_json(first.to_json()) == first
    assert rs.drift(project, db_url, dev_db=dev).clean is False

    result = rs.apply(project, db_url, dev_db=dev)
    assert isinstance(result, rs.ApplyResult)
    assert result.applied and result.status == "applied"
    assert result.statements_run == len(result.plan.statements) and result.history_id
    # made again under the apply lock, once the platform stand-in is installed (which may
    # already do some of it): never more than planned before
    assert set(result.plan.statements) <= set(first.statements)

    assert rs.plan(project, db_url, dev_db=dev).empty
    report = rs.drift(project, db_url, dev_db=dev)
    assert isinstance(report, rs.DriftReport) and report.clean and report.items == ()
    again = rs.apply(project, db_url, dev_db=dev)
    assert again.status == "no changes" and not again.applied

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute('DROP POLICY "write own" ON public.projects')
    report = rs.drift(project, db_url, dev_db=dev)
    assert not report.clean
    [item] = report.items
    assert isinstance(item, rs.DriftItem) and item.object == "public.projects.write own"
    assert item.origin.path == "policies/public/projects.yaml" and item.origin.line > 0
    assert "public.projects.write own" in report.render("github")
    assert capsys.readouterr() == ("", "")


def test_a_saved_plan_is_applied_exactly_once(project, db_url, dev, capsys):
    saved = rs.Plan.from_json(rs.plan(project, db_url, dev_db=dev).to_json())
    with pytest.raises(TypeError, match="project="):
        rs.apply(saved, db_url, dev_db=dev)
    assert rs.apply(saved, db_url, project=project, dev_db=dev).status == "applied"
    assert rs.apply(saved, db_url, project=project, dev_db=dev).status == "already applied"
    # a plan made for a database that has changed since is refused, nothing applied
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.projects ADD COLUMN a text")
    stale = rs.plan(project, db_url, dev_db=dev)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.projects ADD COLUMN b text")
    with pytest.raises(rs.FingerprintMismatch):
        rs.apply(stale, db_url, project=project, dev_db=dev, allow_hazards="deletes_data")
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = 'projects'"
                            " AND column_name IN ('a', 'b')").fetchone()[0] == 2
    assert capsys.readouterr() == ("", "")


def test_an_opening_change_is_refused_unless_allowed(project, db_url, dev, capsys):
    rs.apply(project, db_url, dev_db=dev)
    policies = project / "policies/public/projects.yaml"
    policies.write_text(policies.read_text() + "  - name: read archived\n    command: select\n"
                        "    roles: [authenticated]\n    using: archived\n")
    planned = rs.plan(project, db_url, dev_db=dev)
    assert "opens_access" in planned.hazard_names()
    with pytest.raises(rs.HazardBlocked, match="opens_access"):
        rs.apply(project, db_url, dev_db=dev)
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_policies WHERE policyname = 'read archived'").fetchone()[0] == 0
    seen = []
    result = rs.apply(project, db_url, dev_db=dev, allow_hazards=["opens_access"],
                      progress=lambda done, total, statement: seen.append((done, total)))
    assert result.applied and seen[-1] == (result.statements_run, result.statements_run)
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_policies WHERE policyname = 'read archived'").fetchone()[0] == 1
    assert capsys.readouterr() == ("", "")


def test_database_errors_are_typed(project, pg_server, dev, capsys):
    missing = pg_server.url("roseram_no_such_database")
    with pytest.raises(rs.DatabaseError):
        rs.plan(project, missing, dev_db=dev)
    with pytest.raises(rs.DatabaseError):
        rs.apply(project, missing, dev_db=dev)
    assert capsys.readouterr() == ("", "")


def test_lint_and_verify(project, db_url, dev, capsys):
    findings = rs.lint(project)
    assert isinstance(findings, list) and all(isinstance(f, rs.Finding) for f in findings)
    assert not [f for f in findings if f.severity == "error"]
    rs.apply(project, db_url, dev_db=dev)
    # the live database alone: the view's grants are in the database too
    assert {f.id for f in rs.lint(db_url)} == {f.id for f in rs.lint(project, db=db_url)}

    report = rs.verify(project, dev_db=dev)
    assert isinstance(report, rs.VerifyReport)
    assert report.passed and report.failures == ()
    assert report.summary["probes"] > 0 and report.summary["ok"] is True
    assert '"summary"' in report.render("json")

    # RLS switched off in the live database: an error finding, verify does not pass
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.projects DISABLE ROW LEVEL SECURITY")
    live = rs.verify(project, db_url, dev_db=dev, infer=True)
    assert not live.passed
    assert any(f.severity == "error" and "public.projects" in f.location for f in live.findings)
    assert "# policies/public/projects.yaml\ncontract: {select: anyone," in live.contract
    assert any(f.severity == "error" for f in rs.lint(db_url))
    assert capsys.readouterr() == ("", "")


def test_the_api_writes_nothing_to_the_process_streams(project, db_url, dev, tmp_path):
    # capsys sees Python's streams; a child process's file descriptors see everything
    code = f"""
import roseram_schema as rs
p = {str(project)!r}
rs.compile(p)
rs.plan(p, {db_url!r}, dev_db={dev!r})
rs.apply(p, {db_url!r}, dev_db={dev!r})
rs.drift(p, {db_url!r}, dev_db={dev!r})
rs.lint(p)
"""
    env = {k: v for k, v in os.environ.items() if k not in ("ROSERAM_DEV_DB", "DATABASE_URL")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_the_package_exports_exactly_the_apis_names():
    """roseram_schema keeps its own copy of the API's names (so `import roseram_schema` does
    not import the API); the two lists must not drift apart."""
    import roseram_schema
    from roseram_schema import api

    assert roseram_schema._API_NAMES == frozenset(api.__all__)
    assert len(api.__all__) == len(set(api.__all__))
