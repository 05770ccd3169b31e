"""The command line where users work: --version, -h everywhere, shell completion, help for
every option, and `schema-json` (the JSON Schemas for editors). Run as the console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import typer.main

from roseram_schema import __version__
from roseram_schema.cli.app import SchemaKind, app
from roseram_schema.cli.entry import fast_call
from roseram_schema.schemas import KINDS, path_of

SCRIPT = Path(sys.executable).with_name("roseram-schema")


def run(*args, env_extra=None, cwd=None):
    assert SCRIPT.exists(), "the console script is installed with the package (pip install -e .)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("_ROSERAM_SCHEMA_COMPLETE")}
    env.pop("DATABASE_URL", None)
    env.update(env_extra or {})
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env, cwd=cwd,
                          stdin=subprocess.DEVNULL, timeout=120)


def command_paths(command=None, prefix=()):
    """Every command and group of the CLI, as argument paths (() is the program itself)."""
    command = command or typer.main.get_command(app)
    yield prefix, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from command_paths(sub, (*prefix, name))


def test_version(tmp_path):
    r = run("--version", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"roseram-schema {__version__}\n"


# Runs command lines one after the other through the console script's main() in a single
# fresh process, as the script would (its argv[0], its stdout and stderr): a process per
# command line made the help test the slowest of the file.
MANY_RUNS = """
import contextlib, io, json, sys
from roseram_schema.cli.entry import main
script, argvs = sys.argv[1], json.loads(sys.argv[2])
results = []
for argv in argvs:
    sys.argv = [script, *argv]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    results.append((code, out.getvalue(), err.getvalue()))
json.dump(results, sys.__stdout__)
"""


def run_many(argvs, cwd):
    """[(exit code, stdout, stderr)] of each command line, see MANY_RUNS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("_ROSERAM_SCHEMA_COMPLETE")}
    env.pop("DATABASE_URL", None)
    r = subprocess.run([sys.executable, "-c", MANY_RUNS, str(SCRIPT), json.dumps(argvs)],
                       capture_output=True, text=True, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    return [tuple(x) for x in json.loads(r.stdout)]


def test_short_help_works_everywhere(tmp_path):
    paths = [p for p, _ in command_paths()]
    assert ("plan",) in paths and ("db", "url") in paths and ("schema-json",) in paths
    results = run_many([[*path, flag] for path in paths for flag in ("-h", "--help")], tmp_path)
    for path, short, long in zip(paths, results[::2], results[1::2]):
        assert short[0] == 0, (path, short[2])
        assert "Usage: roseram-schema" in short[1], path
        assert short[1] == long[1], path
    # the loop answers as the installed script does
    for path in [(), ("db", "url")]:
        r = run(*path, "-h", cwd=tmp_path)
        assert (r.returncode, r.stdout, r.stderr) == results[2 * paths.index(path)], path


def test_plan_and_drift_help_and_version_go_through_typer(tmp_path):
    """entry.py answers plain plan/drift without typer: -h and --version must not be taken
    for that case."""
    for argv in (["plan", "-h"], ["drift", "-h"], ["plan", "--version"], ["drift", "--version"],
                 ["plan", "-p", ".", "-h"], ["drift", "--db", "postgresql:///x", "-h"]):
        assert fast_call(argv) is None, argv
    (tmp_path / "schema").mkdir()  # a project: the fast path would otherwise run plan
    for command in ("plan", "drift"):
        r = run(command, "-p", str(tmp_path), "-h", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert f"Usage: roseram-schema {command}" in r.stdout


def test_shell_completion(tmp_path):
    r = run("--help", cwd=tmp_path)
    assert "--install-completion" in r.stdout and "--show-completion" in r.stdout
    # typer otherwise guesses the shell from the process tree (shellingham), which a test run
    # started outside a shell (CI, a background job) does not have: name it
    r = run("--show-completion", "bash", cwd=tmp_path,
            env_extra={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"})
    assert r.returncode == 0, r.stderr
    assert "_roseram_schema_completion" in r.stdout and "complete " in r.stdout
    # what the installed script asks the program: the words after `roseram-schema sch`
    words = {"_ROSERAM_SCHEMA_COMPLETE": "complete_bash", "COMP_WORDS": "roseram-schema sch",
             "COMP_CWORD": "1"}
    r = run(env_extra=words, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["schema-json"]
    words.update(COMP_WORDS="roseram-schema drift --format g", COMP_CWORD="3")
    assert run(env_extra=words, cwd=tmp_path).stdout.split() == ["github"]


def test_every_option_and_argument_has_help():
    missing = []
    for path, command in command_paths():
        for param in command.params:
            if not (getattr(param, "help", None) or "").strip():
                missing.append(f"{' '.join(path) or 'roseram-schema'} {param.name}")
    assert not missing, missing


def test_schema_json_prints_each_kind(tmp_path):
    listing = run("schema-json", cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    rows = [line.split("\t") for line in listing.stdout.splitlines()]
    assert [r[0] for r in rows] == list(KINDS) == [k.value for k in SchemaKind]
    results = run_many([["schema-json", kind, *more] for kind, _, _ in rows for more in ([], ["--path"])]
                       + [["schema-json", "tables"]], tmp_path)
    for (kind, path, _), (code, out, err), (_, path_out, _) in zip(rows, results[0:-1:2], results[1:-1:2]):
        assert Path(path) == path_of(kind) and Path(path).is_file()
        assert code == 0, err
        schema = json.loads(out)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert out == path_of(kind).read_text(encoding="utf-8")
        assert path_out == f"{path_of(kind)}\n"
    code, _, err = results[-1]
    assert code == 1 and "tables" in err
