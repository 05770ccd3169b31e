"""Exit codes through the real console entry point: 2 for pending changes and drift, 0 when
the database matches, 3 for a blocked hazard, 1 for bad input naming file:line."""

import os
import subprocess
import sys

import psycopg
import pytest

TABLE = """\
columns:
  id:   {type: bigint, nullable: false}
  note: {type: text}
primary_key: [id]
"""


def cli(*args, project, db, dev):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "roseram_schema", *args, "--project", str(project),
         "--db", db, "--dev-db", dev],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env, timeout=300,
    )


@pytest.fixture
def project(tmp_path):
    (tmp_path / "schema" / "public").mkdir(parents=True)
    (tmp_path / "schema" / "public" / "notes.yaml").write_text(TABLE)
    # RLS on: a table of an exposed schema without it is a lint error, which blocks apply
    (tmp_path / "policies" / "public").mkdir(parents=True)
    (tmp_path / "policies" / "public" / "notes.yaml").write_text("rls: enabled\n")
    return tmp_path


def test_plan_apply_drift_exit_codes(project, db_url, pg_server):
    dev = pg_server.base_url
    r = cli("plan", project=project, db=db_url, dev=dev)
    assert r.returncode == 2, r.stderr
    r = cli("apply", "--yes", project=project, db=db_url, dev=dev)
    assert r.returncode == 0, r.stderr
    assert cli("plan", project=project, db=db_url, dev=dev).returncode == 0
    assert cli("drift", project=project, db=db_url, dev=dev).returncode == 0

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("INSERT INTO notes VALUES (1, 'keep me')")
        conn.execute("ALTER TABLE notes ADD COLUMN extra int")
    r = cli("drift", "--format", "json", project=project, db=db_url, dev=dev)
    assert r.returncode == 2
    assert "extra" in r.stdout

    r = cli("apply", "--yes", project=project, db=db_url, dev=dev)
    assert r.returncode == 3, "dropping a column deletes data: blocked without --allow-hazards"
    r = cli("apply", "--yes", "--allow-hazards", "deletes_data", project=project, db=db_url, dev=dev)
    assert r.returncode == 0, r.stderr
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT note FROM notes").fetchall() == [("keep me",)]
    assert cli("drift", project=project, db=db_url, dev=dev).returncode == 0


def test_bad_source_exits_1_with_location(project, db_url, pg_server):
    (project / "schema" / "public" / "notes.yaml").write_text(TABLE + "indexs:\n  - [note]\n")
    r = cli("plan", project=project, db=db_url, dev=pg_server.base_url)
    assert r.returncode == 1
    assert "schema/public/notes.yaml:5:1" in r.stderr
    assert "indexes" in r.stderr, "did-you-mean hint"
