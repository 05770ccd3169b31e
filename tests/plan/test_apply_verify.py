"""`apply --verify`: the contracts are proved on the desired state before the target is
touched; a leak refuses the apply (exit 4) with nothing written to the target."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from inprocess import run_cli

import roseram_schema as rs
from roseram_schema.errors import IsolationFailure

from .dbutil import history_rows

NOTES = Path(__file__).resolve().parents[1] / "cases" / "verify_source" / "notes"

# every signed-in user reads every note, although the contract says "own": a leak that
# lint does not flag (the policy is not `true`), so only verify's probes see it
LEAKING_POLICIES = """\
rls: enabled
policies:
  - name: read notes
    command: select
    roles: [authenticated]
    using: user_id IS NOT NULL
  - name: write own notes
    command: insert
    roles: [authenticated]
    with_check: user_id = (select auth.uid())
  - name: change own notes
    command: update
    roles: [authenticated]
    using: user_id = (select auth.uid())
    with_check: user_id = (select auth.uid())
  - name: delete own notes
    command: delete
    roles: [authenticated]
    using: user_id = (select auth.uid())
contract: {all: own}
"""


def make_project(root: Path, policies: str) -> Path:
    for rel in ("project.yaml", "schema/public/notes.yaml"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text((NOTES / rel).read_text())
    (root / "policies/public").mkdir(parents=True, exist_ok=True)
    (root / "policies/public/notes.yaml").write_text(policies)
    return root


@pytest.fixture
def leaking(tmp_path) -> Path:
    return make_project(tmp_path / "leaking", LEAKING_POLICIES)


@pytest.fixture
def correct(tmp_path) -> Path:
    own = LEAKING_POLICIES.replace("using: user_id IS NOT NULL", "using: user_id = (select auth.uid())")
    return make_project(tmp_path / "correct", own)


def cli(*args, project, db, dev):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ROSERAM_DEV_DB")}
    # in the test process (tests/inprocess.py): what the command does, not its process
    return run_cli(*args, "--project", project, "--db", db, "--dev-db", dev, env=env)


def tables(db_url) -> list[str]:
    with psycopg.connect(db_url) as conn:
        return [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").fetchall()]


def test_apply_verify_refuses_a_leak_and_leaves_the_target_untouched(leaking, platform_db_url, pg_server):
    dev = pg_server.base_url
    r = cli("apply", "--verify", "--yes", project=leaking, db=platform_db_url, dev=dev)
    assert r.returncode == 4, r.stderr
    assert "apply --verify" in r.stderr and "nothing applied" in r.stderr
    # the failing cell names the table, the command and the persona
    assert "LEAK    public.notes select as ann: sees rows outside the contract: ben" in r.stderr
    assert "LEAK    public.notes select as ben: sees rows outside the contract: ann" in r.stderr
    assert tables(platform_db_url) == []
    assert history_rows(platform_db_url) == []
    # without --verify nothing else blocks this source (lint does not see the leak): it applies
    r = cli("apply", "--yes", project=leaking, db=platform_db_url, dev=dev)
    assert r.returncode == 0, r.stderr
    assert tables(platform_db_url) == ["notes"]
    assert len(history_rows(platform_db_url)) == 1


def test_apply_verify_applies_a_source_that_holds_its_contracts(correct, platform_db_url, pg_server):
    r = cli("apply", "--verify", "--yes", project=correct, db=platform_db_url, dev=pg_server.base_url)
    assert r.returncode == 0, r.stderr
    assert "every contract holds" in r.stderr
    assert tables(platform_db_url) == ["notes"]
    assert len(history_rows(platform_db_url)) == 1


def test_api_apply_verify_raises_isolation_failure(leaking, platform_db_url, pg_server):
    with pytest.raises(IsolationFailure) as failed:
        rs.apply(leaking, platform_db_url, dev_db=pg_server.base_url, verify=True)
    assert failed.value.exit_code == 4
    assert "public.notes select as" in str(failed.value)
    assert tables(platform_db_url) == [] and history_rows(platform_db_url) == []


def test_fleet_apply_verify_stops_before_the_first_target(leaking, make_db, pg_server, tmp_path):
    urls = [make_db(), make_db()]
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text("targets:\n" + "".join(f"  - name: t{i}\n    url: '{u}'\n" for i, u in enumerate(urls)))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ROSERAM_DEV_DB")}
    r = subprocess.run([sys.executable, "-m", "roseram_schema", "apply", "--verify", "--yes", "--targets",
                        str(fleet), "--project", str(leaking), "--dev-db", pg_server.base_url],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env, timeout=300)
    assert r.returncode == 4, r.stderr
    assert "public.notes select as" in r.stderr
    for url in urls:
        assert tables(url) == [] and history_rows(url) == []
