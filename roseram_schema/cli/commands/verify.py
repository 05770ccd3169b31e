"""`roseram-schema verify`: print what workflow/verify.py proved (the matrix, a report, an
inferred contract, pgTAP files)."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console

from ...errors import EXIT_ISOLATION, EXIT_OK
from ...verify import render
from ...verify.infer import infer_contracts
from ...verify.pgtap import emit_pgtap as write_pgtap
from ...workflow.verify import verify_project


def run_verify(project_dir, db_url, dev_url, fmt="text", infer=False, emit_pgtap=None) -> int:
    """The verify command: 0 when every contract holds, 4 on a leak, block, error or
    error-severity finding. Machine output on stdout, the matrix on stderr."""
    report = verify_project(Path(project_dir) if project_dir is not None else None, db_url, dev_url)
    console = Console(stderr=True)
    # the matrix is one row per table: never let a narrow (or absent) terminal fold it
    longest = max([len(k) for k in (*report.tables, *report.views)] or [10]) + 9
    needed = longest + sum(max(len(p), 4) + 3 for p in report.personas)
    if console.width < needed:
        console = Console(stderr=True, width=needed)
    if infer:
        sys.stdout.write(infer_contracts(report))
    elif fmt == "json":
        sys.stdout.write(render.to_json(report))
    elif fmt == "markdown":
        sys.stdout.write(render.to_markdown(report))
    else:
        render.print_text(report, console)
    if fmt != "text" or infer:
        console.print(render.summary_line(report))
    if emit_pgtap:
        paths = write_pgtap(report, Path(emit_pgtap))
        console.print(f"wrote {len(paths)} pgTAP files to {emit_pgtap}")
    return EXIT_OK if report.ok else EXIT_ISOLATION
