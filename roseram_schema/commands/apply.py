"""`roseram-schema apply`: bring the database to the source, safely (see apply.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import EXIT_ERROR, EXIT_OK


def run_apply(
    project_dir: Path,
    db_url: str,
    dev_url,  # a URL, or a context.DevServer resolved only when a scratch DB is needed
    plan_file: Path | None = None,
    allow_hazards: tuple[str, ...] = (),
    yes: bool = False,
    lock_timeout: str = "5s",
    statement_timeout: str = "5min",
    online: bool = False,
) -> int:
    """Plan (or read `plan_file`), show it on stderr, confirm on a terminal, apply.

    Without a terminal it never waits for input. Exit 0 when applied, already applied or
    nothing to do; HazardBlocked (3), FingerprintMismatch / DatabaseError (1) propagate.
    """
    from rich.console import Console

    from ..apply import apply_plan, check_hazards
    from ..lint.gate import lint_error_hazards
    from ..plan.json_io import plan_from_json
    from ..plan.session import compare_live
    from ..render import rich_plan_overview

    console = Console(stderr=True)
    comparison = compare_live(project_dir, db_url, dev_url, ensure_platform=True)
    if plan_file is not None:
        plan = plan_from_json(Path(plan_file).read_text(encoding="utf-8"))
        if plan.from_fingerprint == comparison.pre_platform_fingerprint:
            # planned on the bare database; the stand-in apply just installed is expected
            from dataclasses import replace

            from ..plan.fingerprint import managed_fingerprint

            plan = replace(plan, from_fingerprint=managed_fingerprint(comparison.live))
    else:
        plan = comparison.plan(online=online)
    # apply reads the target again under its lock: only the desired catalog and the scope
    # are kept for that, not the project, the live catalog and its settled copy (at 3,000
    # tables the second read would otherwise add its catalog to all of them)
    # (in a dict popped as apply_plan is called: no reference left here, so apply_plan
    # frees the catalog once it has checked the target against it)
    held = {"desired": comparison.desired}
    inspect = comparison.inspector()
    project = None if plan.empty else comparison.project
    del comparison
    # the source's error-severity lint findings block too (lint_errors); checked once the
    # catalogs are freed, and only when there is something to apply
    lint_errors = lint_error_hazards(project) if project is not None else ()
    del project
    if plan.empty:
        console.print("No changes: the database matches the source.")
        return EXIT_OK
    console.print(rich_plan_overview(plan))  # a summary past 40 statements
    check_hazards(plan, allow_hazards, lint_errors)  # refuse before asking anything
    if not yes and sys.stdin.isatty() and sys.stderr.isatty():
        answer = console.input(f"Apply these {len(plan.statements)} statement(s)? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            console.print("Nothing applied.")
            return EXIT_ERROR
    result = apply_plan(
        db_url,
        plan,
        allow_hazards=allow_hazards,
        lock_timeout=lock_timeout,
        statement_timeout=statement_timeout,
        progress=_progress(console, len(plan.statements)),
        inspect=inspect,
        desired=held.pop("desired"),
    )
    if result.status == "already applied":
        console.print("Already applied: the database already has these changes.")
    else:
        console.print(f"Applied {result.statements_run} statement(s) (history #{result.history_id}).")
    return EXIT_OK


def _progress(console, total: int):
    """A progress callback: a bar on a terminal, nothing otherwise (the summary suffices)."""
    if not console.is_terminal or total < 2:
        return None
    from rich.progress import Progress

    bar = Progress(console=console, transient=True)
    task = bar.add_task("applying", total=total)
    bar.start()

    def step(done: int, total_: int, statement) -> None:
        bar.update(task, completed=done, description=statement.summary[:60])
        if done >= total_:
            bar.stop()

    return step
