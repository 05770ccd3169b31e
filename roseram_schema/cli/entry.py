"""The `roseram-schema` console script.

The CI case, `plan`/`drift` with plain options (and a plain `import`), is run from here
without importing the typer CLI (cli/app.py): typer and its pydantic setup are a noticeable part of start-up, and a
target known to match the source (nochange.quick_check) is answered with no more than the
catalog read. Anything else (help, an unknown option, a value typer would reject or
convert, `-pDIR`, every other command) goes to cli.app.main, so typer's messages and exit
codes stay the only ones.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

PLAN_FORMATS = ("text", "sql", "json", "markdown")
DRIFT_FORMATS = ("text", "json", "markdown", "github")

_FAST_OPTIONS = {
    "plan": {"--project": "project", "-p": "project", "--db": "db", "--dev-db": "dev_db",
             "--format": "fmt", "-f": "fmt", "--out": "out", "-o": "out"},
    "drift": {"--project": "project", "-p": "project", "--db": "db", "--dev-db": "dev_db",
              "--format": "fmt", "-f": "fmt"},
    # import of every schema, without contracts (--schema, --contract: typer)
    "import": {"--db": "db", "--out": "out", "-o": "out", "--dev-db": "dev_db"},
}
_FAST_FLAGS = {"plan": {"--online": "online"}, "drift": {}, "import": {"--force": "force"}}


# Not argparse: it takes `-pDIR`, `--` and "-"-led values (this loop would stay) and slows this start-up.
def fast_call(argv: list[str]) -> tuple[str, dict] | None:
    """(command, keyword arguments) for a `plan`/`drift` command line that needs no help
    from typer, else None. The arguments are the ones typer would pass to cli.plan_cmd /
    cli.drift_cmd, except that the format is its plain value."""
    if not argv or argv[0] not in _FAST_OPTIONS:
        return None
    command = argv[0]
    options, flags = _FAST_OPTIONS[command], _FAST_FLAGS[command]
    values: dict[str, object] = {}
    i = 1
    while i < len(argv):
        name, eq, value = argv[i].partition("=") if argv[i].startswith("--") else (argv[i], "", "")
        if name in flags and not eq:
            values[flags[name]] = True
            i += 1
            continue
        if name not in options:
            return None
        if not eq:
            if i + 1 >= len(argv) or argv[i + 1].startswith("-"):
                return None  # a missing value, or one click may read otherwise
            value = argv[i + 1]
        i += 1 if eq else 2
        values[options[name]] = value
    if command == "import":
        if "out" not in values:
            return None  # typer names the missing option
        return command, {"db": values.get("db"), "out": Path(values["out"]), "schema": (),
                         "contract": False, "dev_db": values.get("dev_db"),
                         "force": bool(values.get("force", False))}
    fmt = values.get("fmt", "text")
    if fmt not in (PLAN_FORMATS if command == "plan" else DRIFT_FORMATS):
        return None
    kwargs = {
        "project": Path(values["project"]) if "project" in values else None,
        "db": values.get("db"),
        "dev_db": values.get("dev_db"),
        "fmt": fmt,
    }
    if command == "plan":
        kwargs["out"] = Path(values["out"]) if "out" in values else None
        kwargs["online"] = bool(values.get("online", False))
    # a fleet (--targets, --only, --parallel given) is never a fast call: their defaults
    kwargs.update(targets=None, only=None, parallel=4)
    return command, kwargs


def run_fast(command: str, kwargs: dict) -> int:
    """Run a fast_call: the no-change answer when the target is known clean, else the
    full command, handed what the check already read. Returns the exit code."""
    if command == "import":
        import importlib

        run_import = importlib.import_module("roseram_schema.cli.commands.import").run_import
        # An import makes its catalog and texts once, without reference cycles worth
        # collecting; the collector's passes over those new objects were ~5% of its CPU.
        gc.disable()
        try:
            return run_import(db_url=kwargs["db"], out=kwargs["out"], schemas=None, force=kwargs["force"],
                              contract=False, dev_db=kwargs["dev_db"])
        finally:
            gc.enable()
    from ..server.dev import DevServer, resolve_db_url
    from ..workflow.context import resolve_project

    project_dir = resolve_project(kwargs["project"])
    db_url = resolve_db_url(kwargs["db"], project_dir)
    dev = DevServer(kwargs["dev_db"], project_dir)
    prefetch = None
    if kwargs.get("out") is None:  # a saved plan file is written by the full path
        from ..cache import clean_output, quick_check

        fingerprint, prefetch = quick_check(project_dir, db_url, dev.identity)
        output = clean_output(command, kwargs["fmt"], fingerprint) if fingerprint is not None else None
        if output is not None:
            sys.stdout.write(output[0])
            sys.stdout.flush()
            sys.stderr.write(output[1])
            return 0
    if command == "plan":
        from .commands.plan import run_plan

        return run_plan(project_dir, db_url, dev, kwargs["fmt"], kwargs["out"], kwargs["online"],
                        prefetched=prefetch)
    from .commands.drift import run_drift

    return run_drift(project_dir, db_url, dev, kwargs["fmt"], prefetched=prefetch)


# glibc's mallopt parameter and the default it starts from (128 KiB)
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 128 * 1024


def _fix_mmap_threshold() -> None:
    """Keep glibc's malloc giving every block of 128 KiB or more its own mapping.

    glibc raises that threshold (up to 32 MiB) each time such a block is freed, after which
    big blocks (query results, a plan's report, the history row's JSON) come from the heap,
    where the small objects around them keep the space from going back to the system, and
    the peak RSS of a large apply grows. No-op off glibc."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
    except (OSError, AttributeError):
        pass  # another C library: its own policy stands


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; exits with the command's exit code."""
    # A command builds a few hundred thousand small frozen objects that never form
    # reference cycles; with the default threshold of 700 the cyclic collector walks all
    # of them again and again. Collections still happen, less often.
    gc.set_threshold(100_000, 50, 1000)
    _fix_mmap_threshold()
    fast = fast_call(sys.argv[1:] if argv is None else list(argv))
    if fast is None:
        from .app import main as cli_main

        return cli_main(argv)
    try:
        code = run_fast(*fast)
    except BaseException as exc:  # noqa: BLE001 - cli.exit_code_of is where errors become codes
        from .app import exit_code_of

        code = exit_code_of(exc)
    if fast[0] == "import" and argv is None:
        _exit_without_teardown(code)
    sys.exit(code)


def _exit_without_teardown(code: int) -> None:
    """End the console script now: freeing the catalog and the files' texts object by
    object at interpreter exit is a measurable share of an import's CPU, and nothing is
    left to do (files and connections are closed; no atexit handler is registered)."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)  # the normal exit reports what it can
    os._exit(code)


if __name__ == "__main__":
    main()
