"""Every speed-up of the pipeline, behind one door.

The pipeline (source -> normalize -> introspect -> diff -> plan, run by workflow/compare.py)
gives the same answers without any of them; they only spare work already done:

    parse cache       what each unchanged source file declared        parse.py
    desired state     the normalized source, its scope, fingerprint    desired.py
    kept database     the desired state kept on the dev server,        incremental.py, splice.py
                      advanced by the last edit only
    verify database   verify's built and seeded database, kept          verifydb.py
    no-change memo    a digest of the target's rows that matched      nochange.py

What they keep lives in `<project>/.roseram/cache/` (files.py), written and read through
state/files.py. With ROSERAM_NO_CACHE=1 none of them is used (`from_env` gives None):
nothing is read from or written there, and no kept database is made.
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path

from ..source import load_project as load_source
from . import nochange
from .nochange import clean_output  # noqa: F401 - part of the door (cli/entry.py)

# The no-change fast path (cli/entry.py) imports this package and answers without the model
# (~0.1 s to import) or psycopg: the speed-ups that need them (desired.py, incremental.py,
# parse.py) are imported by the methods that use them.

NO_CACHE_ENV = "ROSERAM_NO_CACHE"


def enabled() -> bool:
    """Whether the speed-ups are on: unless ROSERAM_NO_CACHE is set (to anything but 0)."""
    return os.environ.get(NO_CACHE_ENV, "0") in ("", "0")


class Cache:
    """The speed-ups of the pipeline, as workflow/compare.py and the commands use them."""

    def parse_cache(self, root: Path):
        """The parse cache of the project at `root` (parse.py), for source.load_project."""
        from .parse import ParseCache

        return ParseCache.open(root)

    def load_project(self, root: Path, snapshot=None):
        """source.load_project through the project's parse cache."""
        return load_source(root, snapshot, parse_cache=self.parse_cache(root))

    def desired_state(self, root: Path, dev, snapshot):
        """(DesiredState, Project or None) of the project at `root` (see desired.py): the
        Project is None when the state came from the cache."""
        from .desired import desired_state

        return desired_state(root, dev, snapshot=snapshot)

    def kept_database(self, root: Path, dev_url: str, dev_identity: str, source_fp: str):
        """A context giving a connection to the project's kept database when it holds the
        desired state of `source_fp`, else None (incremental.kept_state)."""
        from .incremental import kept_state

        return kept_state(root, dev_url, dev_identity, source_fp)

    def verify_database(self, server_url: str, root: Path, fingerprint: str, tables: int, build):
        """A context giving verify's kept database of the source `fingerprint`
        (verifydb.KeptVerify: as recorded, or just made by `build(url)`), or None: a project
        of fewer tables than the kept databases are for, or the kept one busy or not ours."""
        from .verifydb import KEPT_MIN_TABLES, kept_verify_database

        if tables < KEPT_MIN_TABLES:
            return nullcontext(None)
        return kept_verify_database(server_url, root, server_url, fingerprint, build)

    def quick_check(self, root: Path, db_url: str, dev_identity: str):
        """(desired fingerprint, None) when the target is known to match the source, else
        (None, what was read on the way): nochange.quick_check."""
        return nochange.quick_check(root, db_url, dev_identity)

    def remember_if_clean(self, root: Path, dev_identity: str, source_fp: str, scope, desired_fp,
                          conn, live, digest) -> None:
        """After a comparison that found nothing to do (see nochange.remember_if_clean)."""
        nochange.remember_if_clean(root, dev_identity, source_fp, scope, desired_fp, conn, live, digest)


def from_env() -> Cache | None:
    """The speed-ups, or None with ROSERAM_NO_CACHE=1."""
    return Cache() if enabled() else None


def parse_cache(root: Path):
    """The parse cache of the project at `root`, or None when the cache is off."""
    cache = from_env()
    return None if cache is None else cache.parse_cache(root)


def load_project(root: Path, snapshot=None):
    """source.load_project of the project at `root`, through its parse cache when on."""
    return load_source(root, snapshot, parse_cache=parse_cache(root))


def quick_check(root: Path, db_url: str, dev_identity: str):
    """nochange.quick_check when the cache is on; else (None, None): the full path runs."""
    cache = from_env()
    return (None, None) if cache is None else cache.quick_check(root, db_url, dev_identity)
