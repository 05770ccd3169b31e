"""Shared by the script-file tests: the migrations folder, loading it as psql would, the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg

from inprocess import run_cli

MIGRATIONS = Path(__file__).with_name("migrations")


def psql_load(url: str, folder: Path = MIGRATIONS) -> None:
    """Run each .sql file of `folder`, in name order, as one script (what `psql -f` does
    with a file of statements: autocommit, the file's own BEGIN/COMMIT honoured)."""
    for path in sorted(folder.glob("*.sql")):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(path.read_text(encoding="utf-8"))


def supabase_project(tmp_path: Path, folder: Path = MIGRATIONS) -> Path:
    """A project folder holding only supabase/migrations (no project.yaml, no schema/)."""
    root = tmp_path / "app"
    shutil.copytree(folder, root / "supabase" / "migrations")
    return root


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The command in the test process (tests/inprocess.py): these tests are about what it
    does with the scripts, not about its process."""
    return run_cli(*args, env=dict(os.environ, **env) if env else None)


def cli_process(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The command as a process of its own: another hash seed, and no memo of this one's."""
    full = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "roseram_schema", *args], capture_output=True,
                          text=True, timeout=600, env=full)
