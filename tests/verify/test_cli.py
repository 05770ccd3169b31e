"""The verify and lint commands through the real CLI (a subprocess): exit codes, stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

NOTES = Path(__file__).resolve().parent.parent / "cases" / "verify_source" / "notes"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "roseram_schema", *args],
                          capture_output=True, text=True, timeout=120)


def test_lint_cli_exit_4_and_json():
    done = cli("lint", "--project", str(NOTES), "--format", "json")
    assert done.returncode == 4, done.stderr
    assert json.loads(done.stdout)["summary"]["errors"] == 1
    assert "lint: 1 errors, 1 warnings, 0 info" in done.stderr


def test_verify_cli_json_infer_and_pgtap(pg_server, tmp_path):
    done = cli("verify", "--project", str(NOTES), "--dev-db", pg_server.base_url, "--format", "json",
               "--emit-pgtap", str(tmp_path / "tap"))
    assert done.returncode == 4, done.stderr
    summary = json.loads(done.stdout)["summary"]
    assert (summary["probes"], summary["failed"]) == (16, 8)
    assert summary["passed"] == summary["probes"] - summary["failed"]
    assert (tmp_path / "tap" / "public.notes.sql").is_file()
    inferred = cli("verify", "--project", str(NOTES), "--dev-db", pg_server.base_url, "--infer")
    # the contracts are printed, and the exit code still says the table leaks (RLS is off)
    assert inferred.returncode == 4, inferred.stderr
    assert "# policies/public/notes.yaml\ncontract: {select: signed_in, insert: signed_in" in inferred.stdout
