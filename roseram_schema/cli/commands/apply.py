"""`roseram-schema apply`: bring the database to the source, safely (see apply/executor.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.text import Text

from ...api import apply_in, fresh_plan
from ...apply.executor import check_hazards
from ...errors import EXIT_OK, FingerprintMismatch, RoseramError
from ...plan.model import plan_from_json
from ...render import rich_plan_overview
from ...workflow.gates import verify_before_apply


def run_apply(
    project_dir: Path,
    db_url: str,
    dev_url,  # a URL, or a server.dev.DevServer resolved only when a scratch DB is needed
    plan_file: Path | None = None,
    allow_hazards: tuple[str, ...] = (),
    yes: bool = False,
    lock_timeout: str = "5s",
    statement_timeout: str = "5min",
    online: bool = False,
    index_timeout: str = "0",
    verify: bool = False,
) -> int:
    """Plan (or read `plan_file`), show it on stderr, confirm on a terminal, apply.

    Without a terminal it never waits for input, and applies only with `yes` or a
    `plan_file`. Under the apply lock the platform stand-in is installed and a plan not
    read from a file is made again, so of concurrent applies the first applies and the
    others find nothing to do. Exit 0 when applied, nothing to do, or declined at the
    prompt; HazardBlocked (3), FingerprintMismatch / DatabaseError (1) propagate. With
    `verify`, the source's contracts are proved on its desired state first, before the
    target is read or the prompt shown: IsolationFailure (4) when one fails.
    """
    console = Console(stderr=True)
    interactive = _interactive()
    if not yes and plan_file is None and not interactive:
        raise RoseramError(
            "apply changes the database and there is no terminal to confirm on: pass --yes "
            "(or --plan FILE, a plan saved by `plan --out`)")
    saved = plan_from_json(Path(plan_file).read_text(encoding="utf-8")) if plan_file is not None else None
    if verify:
        verify_before_apply(project_dir, dev_url)
        console.print("verify: every contract holds on the desired state.")
    shown = None
    if not yes and interactive:
        # read only, like `plan`: nothing is written before the answer
        # a saved plan's lint_errors are checked under the lock, with the source read there
        shown, lint_errors = (saved, ()) if saved is not None else fresh_plan(project_dir, db_url, dev_url, online)
        if shown.empty:
            console.print("Nothing to do: the database matches the source.")
            return EXIT_OK
        console.print(_overview(shown))
        check_hazards(shown, allow_hazards, lint_errors)  # refuse before asking anything
        # a Text: as a markup string, rich would take "[y/N]" for a style tag and drop it
        answer = console.input(Text(f"Apply these {len(shown.statements)} statement(s)? [y/N] "))
        if answer.strip().lower() not in ("y", "yes"):
            console.print("Nothing applied.")
            return EXIT_OK

    def before(plan) -> None:
        """Under the lock, before the hazards are checked: the plan about to run is shown,
        or, when one was shown and approved, checked to be part of it."""
        if shown is not None and saved is None:
            # the plan shown was made on the database as it was (without the stand-in, which
            # may already do some of it): every statement run now must be one approved then
            approved = set(_statements(shown))
            if not all(s in approved for s in _statements(plan)):
                raise FingerprintMismatch(
                    "the database changed while the plan was shown: nothing applied; run apply again")
            if len(plan.statements) < len(shown.statements):
                console.print(f"{len(shown.statements) - len(plan.statements)} statement(s) of the plan shown "
                              "are no longer needed: applying the other ones.")
        if shown is None:
            console.print(_overview(plan))  # a summary past 40 statements

    result = apply_in(
        project_dir, db_url, dev_url, saved=saved, allow_hazards=allow_hazards,
        lock_timeout=lock_timeout, statement_timeout=statement_timeout, index_timeout=index_timeout,
        online=online, before=before, progress_for=lambda plan: _progress(console, len(plan.statements)),
    )
    if result.status == "already applied":
        console.print("Nothing to do: the database already is what the plan leads to.")
    elif result.status == "no changes":
        console.print("Nothing to do: the database matches the source.")
    else:
        console.print(f"Applied {result.statements_run} statement(s) (history #{result.history_id}).")
    return EXIT_OK


def _interactive() -> bool:
    """True when a person can answer a prompt: stdin and stderr (the prompt) are terminals."""
    try:
        return sys.stdin.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def _overview(plan):
    return rich_plan_overview(plan)


def _statements(plan) -> list[tuple[str, bool]]:
    """What a plan runs, to compare two plans by."""
    return [(s.sql, s.transactional) for s in plan.statements]


def _progress(console, total: int):
    """A progress callback: a bar on a terminal, nothing otherwise (the summary suffices)."""
    if not console.is_terminal or total < 2:
        return None

    bar = Progress(console=console, transient=True)
    task = bar.add_task("applying", total=total)
    bar.start()

    def step(done: int, total_: int, statement) -> None:
        bar.update(task, completed=done, description=statement.summary[:60])
        if done >= total_:
            bar.stop()

    return step
