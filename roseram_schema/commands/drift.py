"""`roseram-schema drift`: for CI, does the database still match the source?"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import EXIT_CHANGES, EXIT_OK


def run_drift(project_dir: Path, db_url: str, dev_url, fmt: str = "text", prefetched=None) -> int:
    """Report every drifted object (text/json/markdown/github on stdout).

    Exit 0 when the database matches the source, 2 when it does not. `prefetched`: what
    nochange.quick_check read (entry.py).
    """
    from ..plan.session import compare_live
    from ..render import render_drift

    comparison = compare_live(project_dir, db_url, dev_url, prefetched=prefetched)
    invalid = _invalid_indexes(db_url, comparison.changes)
    sys.stdout.write(render_drift(comparison.changes, fmt, origins=comparison.origin_of, invalid_indexes=invalid))
    sys.stdout.flush()
    return EXIT_CHANGES if comparison.changes else EXIT_OK


def _invalid_indexes(db_url: str, changes) -> frozenset[str]:
    """Keys ("schema.name") of the indexes the diff finds missing that the database has,
    INVALID (left by a failed CREATE INDEX CONCURRENTLY)."""
    from ..changes import CreateIndex

    keys = sorted({c.key for c in changes if isinstance(c, CreateIndex)})
    if not keys:
        return frozenset()
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT n.nspname || '.' || c.relname FROM pg_catalog.pg_index i"
            " JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid"
            " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            " WHERE NOT i.indisvalid AND n.nspname || '.' || c.relname = ANY (%s)",
            (keys,),
        ).fetchall()
    return frozenset(r[0] for r in rows)
