"""`roseram-schema compile`: the idempotent SQL that builds the whole schema."""

from __future__ import annotations

import sys
from pathlib import Path

from ...api import compile as compile_project
# re-exported: the counts are the API's (api.CompiledSQL.stats)
from ...api import catalog_stats, format_stats  # noqa: F401


def run_compile(*, project_dir: Path, out: Path | None, stats: bool) -> int:
    """Load the project, print (or write) its compiled script; exit code 0."""
    compiled = compile_project(project_dir)
    if out is not None:
        Path(out).write_text(compiled.text, encoding="utf-8")
    else:
        sys.stdout.write(compiled.text)
    if stats:
        print(compiled.stats_line, file=sys.stderr)
    return 0
