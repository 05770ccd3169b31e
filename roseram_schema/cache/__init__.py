"""Every speed-up of the pipeline, behind one door.

The pipeline (source -> normalize -> introspect -> diff -> plan, run by workflow/compare.py)
gives the same answers without any of them; they only spare work that was already done:

    parse cache       what each unchanged source file declared       parse.py
    desired state     the normalized source, its scope, fingerprint   desired.py
    kept database     the desired state kept on the dev server,       incremental.py, splice.py
                      advanced by the last edit only
    no-change memo    a digest of a target's rows that matched        nochange.py

What they keep lives in `<project>/.roseram/cache/` (files.py), written and read through
state/files.py. With ROSERAM_NO_CACHE=1 none of them is used (`from_env` gives None), and
nothing is read from or written there.
"""

from __future__ import annotations

import os

from ..source import load_project as load_source

NO_CACHE_ENV = "ROSERAM_NO_CACHE"


def enabled() -> bool:
    """Whether the speed-ups are on: unless ROSERAM_NO_CACHE is set to anything but 0."""
    return os.environ.get(NO_CACHE_ENV, "0") in ("", "0")


def parse_cache(root):
    """The parse cache of the project at `root` (cache/parse.py), or None when off."""
    if not enabled():
        return None
    # imported when used: parse.py loads the model, and the no-change fast path
    # (cli/entry.py) imports this package
    from .parse import ParseCache

    return ParseCache.open(root)


def load_project(root, snapshot=None):
    """source.load_project of the project at `root` through its parse cache (when on)."""
    return load_source(root, snapshot, parse_cache=parse_cache(root))
