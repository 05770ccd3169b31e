"""`roseram-schema plan`: the dry-run report of what apply would do."""

from __future__ import annotations

import sys
from pathlib import Path

from ...api import plan_in
from ...errors import EXIT_CHANGES, EXIT_OK
from ...plan.model import plan_to_json
from ...render import render_plan, rich_plan
from ...render.plan import plan_text_pieces


# Past this many statements the text report is written plain instead of as a rich table:
# rich lays out every row (slow for hundreds of rows), and a table of hundreds of rows is
# no easier to read on a terminal than the numbered list.
RICH_TABLE_LIMIT = 100


def run_plan(
    project_dir: Path,
    db_url: str,
    dev_url,  # a URL, or a server.dev.DevServer resolved only when a scratch DB is needed
    fmt: str = "text",
    out: Path | None = None,
    online: bool = False,
    prefetched=None,
) -> int:
    """Print the plan (text: a rich table on stderr; sql/json/markdown on stdout).

    `out` saves the plan as JSON for `apply --plan`. Exit 0 when nothing would change,
    2 when something would. `prefetched`: what cache.nochange.quick_check read (cli/entry.py).
    """
    plan = plan_in(project_dir, db_url, dev_url, online=online, prefetched=prefetched)
    write_notes(plan.notes)
    if out is not None:
        Path(out).write_text(plan_to_json(plan), encoding="utf-8")
    if fmt == "text" and len(plan.statements) <= RICH_TABLE_LIMIT:
        # lazy: rich only for this table; the machine formats never load it
        from rich.console import Console

        Console(stderr=True).print(rich_plan(plan))
    elif fmt == "text":
        # the same list, plain (see RICH_TABLE_LIMIT), one statement at a time
        sys.stderr.writelines(plan_text_pieces(plan))
    else:
        _write(sys.stdout, render_plan(plan, fmt))
        sys.stdout.flush()
    return EXIT_OK if plan.empty else EXIT_CHANGES


def write_notes(notes: tuple[str, ...]) -> None:
    """Say on stderr what the source holds that the plan does not do (data statements)."""
    if notes:
        # lazy: only a source with script files has notes
        from ...normalize.scripts import notes_text

        sys.stderr.write(notes_text(notes))


# A text stream encodes what it is given whole: the encoded copy of a large plan's report
# was at the command's memory peak.
_WRITE_SLICE = 1 << 20


def _write(stream, text: str) -> None:
    """Write `text` to `stream` a slice at a time (see _WRITE_SLICE)."""
    for start in range(0, len(text), _WRITE_SLICE):
        stream.write(text[start:start + _WRITE_SLICE])
