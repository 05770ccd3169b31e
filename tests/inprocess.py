"""Run a `roseram-schema` command line inside the test process.

It runs what the console script runs (`cli.entry.main` with the same arguments: the fast
`plan`/`drift` path, else typer), with its own stdin, stdout, stderr and environment, and
returns what `subprocess.run(..., capture_output=True, text=True)` would. It saves the new
interpreter's start-up and imports, which a test about what a command does need not pay for
each command. What only a real process shows (the exit status a shell sees, signals,
inherited descriptors, `os._exit`) stays with the tests that start one: every command keeps
such tests (tests/foundation/test_cli_exit_codes.py and the other subprocess tests).
"""

from __future__ import annotations

import gc
import io
import os
import subprocess
import sys
from contextlib import contextmanager

from roseram_schema.cli.entry import main


@contextmanager
def _environment(env: dict | None):
    if env is None:
        yield
        return
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _stream(data: bytes = b"") -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace", newline=None,
                            write_through=True)


def run_cli(*args, env: dict | None = None, input: str | None = None, cwd=None) -> subprocess.CompletedProcess:
    """`roseram-schema *args` in this process; `env` replaces the environment while it runs
    and `cwd` is its working folder (like subprocess.run's), `input` is its stdin (empty when
    None, like DEVNULL)."""
    argv = [str(a) for a in args]
    here = os.getcwd()
    streams, program = (sys.stdin, sys.stdout, sys.stderr), sys.argv
    stdin, stdout, stderr = _stream((input or "").encode()), _stream(), _stream()
    thresholds = gc.get_threshold()  # the entry point tunes the collector for a short process
    code: object = 0
    try:
        with _environment(env):
            if cwd is not None:
                os.chdir(cwd)
            sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
            sys.argv = ["roseram-schema", *argv]  # click names the program after argv[0]
            try:
                main(argv)
            except SystemExit as exc:
                code = exc.code
    finally:
        sys.stdin, sys.stdout, sys.stderr = streams
        sys.argv = program
        os.chdir(here)
        gc.set_threshold(*thresholds)
    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message"): printed, status 1 (as Python does)
        stderr.write(f"{code}\n")
        code = 1
    out = stdout.buffer.getvalue().decode("utf-8", errors="replace")
    err = stderr.buffer.getvalue().decode("utf-8", errors="replace")
    return subprocess.CompletedProcess(["roseram-schema", *argv], code, out, err)
