"""The CLI as a user runs it: a real subprocess, exit codes, the embedded database commands."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from roseram_schema.server.embedded import binaries_for_version


def run(*args, cwd, env_extra=None):
    env = dict(os.environ)
    env["ROSERAM_PG_BIN"] = str(binaries_for_version(os.environ.get("ROSERAM_TEST_PG", "18")))
    env.pop("DATABASE_URL", None)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "roseram_schema", *args],
        cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=180,
    )


@pytest.fixture
def project(tmp_path):
    (tmp_path / "schema" / "public").mkdir(parents=True)
    yield tmp_path
    run("db", "reset", "--yes", cwd=tmp_path)


def test_db_url_start_status_stop(project):
    r = run("db", "url", cwd=project)
    assert r.returncode == 0, r.stderr
    url = r.stdout.strip()
    q = subprocess.run(["psql", url, "-Atc", "select 1"], capture_output=True, text=True)
    assert q.returncode == 0 and q.stdout.strip() == "1", q.stderr
    assert "running" in run("db", "status", cwd=project).stdout
    assert run("db", "url", cwd=project).stdout.strip() == url, "url is stable across runs"
    assert run("db", "stop", cwd=project).returncode == 0
    st = run("db", "status", cwd=project)
    assert st.returncode == 0 and st.stdout.startswith("stopped")


def test_unimplemented_command_says_so_and_exits_1(capsys):
    # every command has landed (import was the last): the refusal is checked on a name
    # with no module behind it
    from roseram_schema.cli.app import _runner, exit_code_of
    from roseram_schema.errors import NotYetImplemented

    with pytest.raises(NotYetImplemented) as refused:
        _runner("no_such_command")
    assert exit_code_of(refused.value) == 1
    assert "not implemented yet" in capsys.readouterr().err


def test_bad_usage_exits_1_not_2(project):
    r = run("plan", "--no-such-option", cwd=project)
    assert r.returncode == 1
    assert "No such option" in r.stderr


def test_bad_project_dir_is_a_clear_error(tmp_path):
    r = run("compile", "--project", str(tmp_path / "missing"), cwd=tmp_path)
    assert r.returncode == 1
    assert "no such directory" in r.stderr


def test_db_reset_without_terminal_needs_yes(project):
    r = run("db", "reset", cwd=project)
    assert r.returncode == 1
    assert "--yes" in r.stderr
