"""The parse cache: what each source file declared, so a load after an edit reads only the
files that changed.

    <project>/.roseram/cache/parsed.pickle   pickle of {"version": code_version(),
                                              "entries": {path: (sha256 of its bytes, pickled Draft)}}

Reading one file (other than project.yaml) gives a Draft of its own (see draft.py: the
tables, views ... it declares and the `later` partials it queued), which depends only on
the file's path, its bytes and the code that reads it; the entry is keyed by all three. Only
files read without a problem are kept, so a broken file is read (and reported) every time.
Entries are pickled one by one: an unchanged entry is written back as the same bytes, and a
Draft that cannot be pickled is simply not kept.

A missing, unreadable, corrupt or other-version cache is an empty one; a cache that cannot
be written (a read-only checkout) is not written. Never an error. The file is trusted like
the project's other caches: it is written by this tool, under the project.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from functools import cache
from pathlib import Path

from ..cachefiles import CACHE_DIR, code_fingerprint
from .draft import Draft

CACHE_FILE = "parsed.pickle"
# Bump when the layout of the file changes.
_FORMAT = 1


@cache
def code_version() -> str:
    """What a cached Draft depends on besides the file: this code (the loader and the model
    it builds), the parsers (pglast, PyYAML with or without libyaml) and the pickle's Python."""
    import pglast
    import yaml

    return (f"{_FORMAT}|{code_fingerprint()}|pglast {pglast.__version__}|yaml {yaml.__version__}"
            f" {getattr(yaml, '__with_libyaml__', False)}|python {sys.version_info[:2]}")


class ParseCache:
    """The parse cache of one project: `get` what a file declared, `put` what it now
    declares, then `save` once (the entries of files not asked for are dropped)."""

    def __init__(self, path: Path, entries: dict[str, tuple[bytes, bytes]]):
        self.path = path
        self.entries = entries
        self.kept: dict[str, tuple[bytes, bytes]] = {}
        self.changed = False

    @classmethod
    def open(cls, root: Path) -> "ParseCache":
        """The cache of the project at `root` (empty when absent or not usable)."""
        path = Path(root) / CACHE_DIR / CACHE_FILE
        try:
            with open(path, "rb") as f:
                data = pickle.load(f)
            entries = data["entries"] if data["version"] == code_version() else {}
            if not isinstance(entries, dict):
                entries = {}
        except Exception:  # noqa: BLE001 - whatever is wrong with the file, it is a miss
            entries = {}
        return cls(path, entries)

    @staticmethod
    def digest(data: bytes) -> bytes:
        """The key of a file's bytes."""
        return hashlib.sha256(data).digest()

    def get(self, rel: str, digest: bytes) -> Draft | None:
        """The Draft of file `rel` whose bytes have `digest`, or None."""
        entry = self.entries.get(rel)
        if not isinstance(entry, tuple) or len(entry) != 2 or entry[0] != digest:
            return None
        try:
            part = pickle.loads(entry[1])
        except Exception:  # noqa: BLE001 - a damaged entry is a miss
            return None
        if not isinstance(part, Draft) or part.problems:
            return None
        self.kept[rel] = entry
        return part

    def put(self, rel: str, digest: bytes, part: Draft) -> None:
        """Keep the problem-free Draft of file `rel` (bytes with `digest`)."""
        try:
            blob = pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):
            return  # something in it is not picklable: read this file again next time
        self.kept[rel] = (digest, blob)
        self.changed = True

    def save(self) -> None:
        """Write the kept entries, if they differ from what was read; silently skipped when
        the cache folder cannot be written."""
        if not self.changed and self.kept.keys() == self.entries.keys():
            return
        data = pickle.dumps({"version": code_version(), "entries": self.kept},
                            protocol=pickle.HIGHEST_PROTOCOL)
        try:
            _write_atomically(self.path, data)
        except OSError:
            pass  # a read-only checkout: load without a cache


def _write_atomically(path: Path, data: bytes) -> None:
    # cachefiles.write_atomically, for bytes: concurrent loads see the old or the new file
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
