"""The code the documents point at exists: every source path named in the README, docs/*.md
and bench/notes.md is a file or folder of the repository (a module moved without its docs
leaves a newcomer looking for a file that is gone)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "roseram_schema"
DOCUMENTS = ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md")),
             "bench/notes.md", "bench/README.md"]
# `cache/desired.py`, `roseram_schema/plan/order.py`, `compile/ddl/`, `nochange.py` (in backquotes)
_PATH = re.compile(r"`((?:[A-Za-z_][\w.-]*/)*(?:[A-Za-z_][\w-]*\.(?:py|sql)|[A-Za-z_][\w-]*/))`")
_TOP = ("roseram_schema/", "tests/", "bench/", "docs/", ".github/")
# a project's own folders: the Roseram project at the root, or any project (`supabase/`)
_PROJECT = ("schema/", "policies/", "views/", "supabase/", "migrations/")


def _exists(path: str) -> bool:
    if path.startswith(_TOP):
        return (ROOT / path).exists()
    if path.startswith(_PROJECT):
        return "<" in path or path.endswith("/") or (ROOT / path).exists()
    if "/" in path.rstrip("/"):
        return (PACKAGE / path).exists()
    if path.endswith("/"):  # a folder of the package or of a project (`schema/`, `.roseram/`)
        return True
    # a bare file name: a module of the package or a bench script
    return any(PACKAGE.rglob(path)) or (ROOT / "bench" / path).exists()


def test_paths_named_in_the_documents_exist():
    missing = []
    for doc in DOCUMENTS:
        text = (ROOT / doc).read_text(encoding="utf-8")
        for match in _PATH.finditer(text):
            path = match.group(1)
            if not _exists(path):
                line = text.count("\n", 0, match.start()) + 1
                missing.append(f"{doc}:{line}: {path}")
    assert not missing, "\n".join(missing)
