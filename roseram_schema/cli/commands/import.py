"""`roseram-schema import`: write a live database out as a project folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ...errors import EXIT_OK, RoseramError
from ...importer import import_database, write_project
from ...server.dev import scratch_server


def run_import(db_url: str | None, out: Path, schemas: list[str] | None = None, force: bool = False,
               contract: bool = False, dev_db: str | None = None) -> int:
    """Write the project; name on stderr every object the model cannot hold. Refuses an
    `out` folder that holds anything unless `force` (then the files written replace
    theirs, and files it did not write are listed and left alone)."""
    db_url = db_url or os.environ.get("DATABASE_URL")
    if not db_url:
        raise RoseramError("import needs the database to read: pass --db URL (or set DATABASE_URL)")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RoseramError(f"--out {out} is a file, not a folder")
    existing = sorted(p for p in out.rglob("*") if p.is_file()) if out.exists() else []
    if out.exists() and any(out.iterdir()) and not force:
        raise RoseramError(f"--out {out} is not empty: import writes only into an empty or new folder"
                           " (pass --force to write over it)")
    if contract:
        with scratch_server(dev_db) as dev_url:
            result = import_database(db_url, schemas, dev_url=dev_url, contract=True)
    else:
        result = import_database(db_url, schemas)
    write_project(out, result.files)
    for kind, name in result.unmanaged:
        print(f"not imported (unmanaged): {kind} {name}", file=sys.stderr)
    written = {out / rel for rel in result.files}
    for path in existing:
        if path not in written:
            print(f"left as it was (not written by import): {path}", file=sys.stderr)
    what = ", ".join(_count(n, kind) for kind, n in result.counts.items() if n)
    print(f"imported {what or 'an empty schema'} into {out} ({_count(len(result.files), 'files')})"
          + (f"; {_count(len(result.unmanaged), 'objects')} not imported (listed above)" if result.unmanaged else ""),
          file=sys.stderr)
    return EXIT_OK


_ONE = {"policies": "policy"}


def _count(n: int, kind: str) -> str:
    return f"{n} {kind if n != 1 else _ONE.get(kind, kind[:-1])}"
