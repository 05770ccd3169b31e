"""`roseram-schema drift`: for CI, does the database still match the source?"""

from __future__ import annotations

import sys
from pathlib import Path

from ...api import drift_in
from ...errors import EXIT_CHANGES, EXIT_OK
from .plan import write_notes


def run_drift(project_dir: Path, db_url: str, dev_url, fmt: str = "text", prefetched=None) -> int:
    """Report every drifted object (text/json/markdown/github on stdout).

    Exit 0 when the database matches the source, 2 when it does not. `prefetched`: what
    cache.nochange.quick_check read (cli/entry.py).
    """
    report = drift_in(project_dir, db_url, dev_url, prefetched=prefetched)
    write_notes(report.notes)
    sys.stdout.write(report.render(fmt))
    sys.stdout.flush()
    return EXIT_OK if report.clean else EXIT_CHANGES

