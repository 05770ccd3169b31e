"""The typer-free parse of `plan`/`drift`/`import` gives exactly the arguments typer gives, and
hands every other command line to typer (correctness only; no timings)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer

from roseram_schema.cli.app import app
from roseram_schema.cli.entry import fast_call

SAME_AS_TYPER = [
    ["drift"],
    ["drift", "--db", "postgresql://x/y", "--dev-db", "postgresql://x/z"],
    ["drift", "-p", "some/dir", "-f", "github"],
    ["drift", "--format=json", "--project=a b", "--db=postgresql://u@h/d?sslmode=require"],
    ["plan", "--online", "-o", "plan.json", "-f", "sql", "--db", "x"],
    ["plan", "--format", "markdown", "--format", "json"],  # the last one wins, as in click
    ["plan", "--dev-db", "", "-p", "."],
    ["import", "--db", "postgresql://x/y", "--out", "imported"],
    ["import", "-o", "out dir", "--force", "--dev-db=postgresql://x/z"],
]

LEFT_TO_TYPER = [
    [],
    ["drift", "--help"],
    ["plan", "-p"],  # missing value
    ["plan", "-pdir"],  # attached short value
    ["drift", "--out", "x"],  # not an option of drift
    ["drift", "-f", "yaml"],  # not a format
    ["drift", "-f", "JSON"],
    ["plan", "--online=yes"],
    ["plan", "--db", "--online"],
    ["compile"],
    ["verify", "--db", "x"],
    ["drift", "extra"],
    ["import", "--db", "x"],  # --out is required: typer says so
    ["import", "--out", "x", "--schema", "a"],
    ["import", "--out", "x", "--contract"],
]


def typer_params(argv: list[str]) -> dict:
    """What typer/click would pass to the command function for `argv`."""
    group = typer.main.get_command(app)
    command = group.commands[argv[0]]
    ctx = command.make_context(argv[0], list(argv[1:]))
    return dict(ctx.params)


@pytest.mark.parametrize("argv", SAME_AS_TYPER, ids=" ".join)
def test_fast_parse_equals_typer(argv):
    fast = fast_call(argv)
    assert fast is not None
    command, kwargs = fast
    assert command == argv[0]
    expected = typer_params(argv)
    if "fmt" in expected:
        expected["fmt"] = expected["fmt"].value  # the fast path passes the format's plain value
    assert kwargs == expected


@pytest.mark.parametrize("argv", LEFT_TO_TYPER, ids=lambda a: " ".join(a) or "(none)")
def test_anything_else_goes_through_typer(argv):
    assert fast_call(argv) is None


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "roseram_schema", *args],
                          capture_output=True, text=True, timeout=120)


def test_fast_path_end_to_end_exit_codes(project, pg_server, platform_db_url):
    common = ["-p", str(project), "--db", platform_db_url, "--dev-db", pg_server.base_url]
    pending = run_cli("plan", *common, "-f", "sql")
    assert pending.returncode == 2, pending.stderr
    assert "CREATE TABLE" in pending.stdout
    drifted = run_cli("drift", *common, "--format=json")
    assert drifted.returncode == 2, drifted.stderr
    # public.tasks has RLS off (a lint error); what is tested here is the fast path
    applied = run_cli("apply", *common, "--yes", "--allow-hazards", "lint_errors")
    assert applied.returncode == 0, applied.stderr
    clean = run_cli("drift", *common)
    assert clean.returncode == 0, clean.stderr
    assert run_cli("plan", *common, "--format", "json").returncode == 0
    # a bad value is typer's usage error: exit 1, never 2 ("changes pending")
    bad = run_cli("drift", *common, "-f", "nope")
    assert bad.returncode == 1
    assert "--format" in bad.stderr
