"""`roseram-schema lint`: print the findings of workflow/lint.py (source, or a live database
with --db)."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console

from ...errors import EXIT_ISOLATION, EXIT_OK
from ...lint import output
from ...workflow.lint import lint_project


def run_lint(project_dir, db_url=None, fmt="text") -> int:
    """The lint command: findings on stdout; 0 when none has error severity, else 4."""
    findings = lint_project(Path(project_dir) if project_dir is not None else None, db_url)
    render = {"json": output.to_json, "sarif": output.to_sarif}.get(fmt, output.to_text)
    sys.stdout.write(render(findings))
    Console(stderr=True).print(output.summary_line(findings))
    return EXIT_ISOLATION if any(f.severity == "error" for f in findings) else EXIT_OK
