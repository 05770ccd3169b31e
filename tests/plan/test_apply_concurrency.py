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
