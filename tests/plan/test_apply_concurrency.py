"""apply as users run it, through the CLI in real subprocesses: concurrent applies
serialize (one applies, the others find nothing to do), a saved plan already reached is
nothing to do, no terminal means --yes is needed, and "n" at the prompt is not an error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from .dbutil import history_rows

FILES = {
    "project.yaml": "roles:\n  - anon\n  - authenticated\n",
    "schema/public/notes.yaml": (
        "columns:\n  id: {type: bigint, nullable: false}\n  owner: {type: uuid}\n  body: {type: text}\n"
        "primary_key: [id]\nindexes:\n  - [owner]\ngrants:\n  authenticated: [select, insert]\n"
    ),
    "policies/public/notes.yaml": (
        "rls: enabled\npolicies:\n  - name: own\n    command: all\n    roles: [authenticated]\n"
        "    using: owner = (select auth.uid())\n"
    ),
}


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _argv(*args, project, db, dev) -> list[str]:
    return [sys.executable, "-m", "roseram_schema", *args, "--project", str(project), "--db", db, "--dev-db", dev]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}


def cli(*args, project, db, dev, timeout=300):
    return subprocess.run(_argv(*args, project=project, db=db, dev=dev), capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, env=_env(), timeout=timeout)


def test_eight_concurrent_cli_applies_on_a_fresh_database_apply_once(project, db_url, pg_server):
    dev = pg_server.base_url
    procs = [subprocess.Popen(_argv("apply", "--yes", project=project, db=db_url, dev=dev),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                              text=True, env=_env()) for _ in range(8)]
    outcomes = []
    try:
        for p in procs:
            out, err = p.communicate(timeout=240)
            outcomes.append((p.returncode, err))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    failures = [err for code, err in outcomes if code != 0]
    assert failures == [], failures
    applied = [err for _, err in outcomes if "Applied " in err]
    nothing = [err for _, err in outcomes if "Nothing to do" in err]
    assert len(applied) == 1 and len(nothing) == 7, outcomes
    assert len(history_rows(db_url)) == 1
    assert cli("drift", project=project, db=db_url, dev=dev).returncode == 0


def test_concurrent_applies_of_a_saved_plan_apply_once_then_a_changed_database_is_refused(
        project, db_url, pg_server, tmp_path):
    dev = pg_server.base_url
    plan_file = tmp_path / "plan.json"
    # planned on the bare database (no platform stand-in yet): apply installs it
    assert cli("plan", "--out", str(plan_file), project=project, db=db_url, dev=dev).returncode == 2
    procs = [subprocess.Popen(_argv("apply", "--plan", str(plan_file), project=project, db=db_url, dev=dev),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                              text=True, env=_env()) for _ in range(4)]
    outcomes = []
    try:
        for p in procs:
            _, err = p.communicate(timeout=240)
            outcomes.append((p.returncode, err))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert [err for code, err in outcomes if code != 0] == []
    assert sum("Applied " in err for _, err in outcomes) == 1
    assert sum("Nothing to do" in err for _, err in outcomes) == 3, outcomes
    assert len(history_rows(db_url)) == 1
    # its "to" is still the database: nothing to do, whatever its "from" says
    r = cli("apply", "--plan", str(plan_file), project=project, db=db_url, dev=dev)
    assert r.returncode == 0 and "Nothing to do" in r.stderr, r.stderr
    # the database is neither the plan's "from" nor its "to": refused, untouched
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.notes DROP COLUMN body")
    r = cli("apply", "--plan", str(plan_file), project=project, db=db_url, dev=dev)
    assert r.returncode == 1 and "changed since the plan was made" in r.stderr, r.stderr
    assert len(history_rows(db_url)) == 1


def test_apply_without_a_terminal_needs_yes(project, db_url, pg_server):
    r = cli("apply", project=project, db=db_url, dev=pg_server.base_url)
    assert r.returncode == 1
    assert "no terminal to confirm on" in r.stderr and "--yes" in r.stderr
    with psycopg.connect(db_url) as conn:  # untouched: not even the platform stand-in
        assert conn.execute("SELECT to_regclass('public.notes'), to_regnamespace('auth')").fetchone() == (None, None)
    assert history_rows(db_url) == []


def _answer_on_a_terminal(answer: str, *, project, db, dev) -> tuple[int, str]:
    """Run apply with a pseudo-terminal as stdin/stdout/stderr, answer its prompt."""
    import pty
    import select
    import time

    master, slave = pty.openpty()
    proc = subprocess.Popen(_argv("apply", project=project, db=db, dev=dev), stdin=slave, stdout=slave,
                            stderr=slave, env={**_env(), "COLUMNS": "200"}, close_fds=True)
    os.close(slave)
    seen, answered = b"", False
    deadline = time.time() + 120
    try:
        while time.time() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
            if not answered and b"[y/N]" in seen:
                os.write(master, answer.encode() + b"\n")
                answered = True
            if proc.poll() is not None and not ready:
                break
        code = proc.wait(timeout=30) if answered else None
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert answered, seen.decode(errors="replace")
    return code, seen.decode(errors="replace")


def test_answering_no_at_the_prompt_applies_nothing_and_is_not_an_error(project, db_url, pg_server):
    code, output = _answer_on_a_terminal("n", project=project, db=db_url, dev=pg_server.base_url)
    assert code == 0, output
    assert "Nothing applied." in output
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT to_regclass('public.notes'), to_regnamespace('auth')").fetchone() == (None, None)
    assert history_rows(db_url) == []


def test_answering_yes_on_a_fresh_database_applies_the_plan_shown(project, db_url, pg_server):
    code, output = _answer_on_a_terminal("y", project=project, db=db_url, dev=pg_server.base_url)
    assert code == 0, output
    assert "Applied " in output
    assert len(history_rows(db_url)) == 1
    assert cli("drift", project=project, db=db_url, dev=pg_server.base_url).returncode == 0
