"""The desired state of a project, cached whole so a no-change run parses nothing.

plan, apply and drift need, from the source: the normalized catalog (with the source's
origins and renames attached), the scope to inspect the target with, and the plan
fingerprint of the desired state. All three depend only on the source files, the dev
server's version and this code, so they are stored together:

    .roseram/cache/desired-<key>.pickle   line 1: ENTRY_TAG (this file's format)
                                          line 2: {"scope": ..., "fingerprint": ...}
                                          then:   model.serialize.catalog_to_bytes(catalog)

    key = sha256(cache format, code fingerprint, source fingerprint, dev server version)

The first two lines alone answer read_entry_meta (scope and fingerprint without decoding
the catalog, for the no-change fast path). The catalog is a pickle, not JSON: it reads
back without per-field Python work.

The file ends with its tag (state.files.atomic_file): one not written by this user's runs
in this folder is a miss (the key is computable by anyone; the tag is not).

The source fingerprint is a sha256 of the files' bytes (no YAML or SQL parsing); the dev
server's version is the one recorded the last time a scratch database was built there
(files.known_server_version), so a hit neither parses the source, nor connects to the
dev server, nor starts the embedded one. On a miss the project is loaded and normalized
on the dev server (whose version is then read and recorded), and the entry written.

Known limit: a dev server upgraded in place under the same URL is only noticed at the next
miss; `rm -r .roseram/cache` forgets everything.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg

from ..model import Catalog
from ..model.serialize import catalog_from_file, catalog_to_bytes
from ..normalize.catalog import Scope, normalize_catalog, server_version, source_scope
from ..normalize.scripts import normalize_source
from ..plan.fingerprint import managed_fingerprint
from ..source import load_project, read_source
from ..state.files import open_verified, parse_json
from .files import (CACHE_DIR, known_server_version, normalization_key, prune_entries, remember_server_version,
                    write_bytes_atomically)
from .parse import ParseCache

ENTRY_PREFIX = "desired-"
ENTRY_SUFFIX = ".pickle"
# Bump when the layout above changes; a file with another first line is a miss.
ENTRY_TAG = b"roseram-desired 2\n"


@dataclass(frozen=True)
class DesiredState:
    """The source as PostgreSQL prints it, origins attached (`catalog`), what to inspect
    the target with (`scope`) and managed_fingerprint(catalog) (`fingerprint`)."""

    catalog: Catalog
    scope: Scope
    fingerprint: str
    # what plan and drift say about the source's data statements (normalize/scripts.py)
    notes: tuple[str, ...] = ()


def source_fingerprint(root: Path) -> str:
    """The Project.fingerprint load_project would give, from the files' bytes only."""
    return read_source(root).fingerprint


def entry_path(root: Path, key: str) -> Path:
    """Where the desired state of `key` is kept under a project root."""
    return Path(root) / CACHE_DIR / f"{ENTRY_PREFIX}{key}{ENTRY_SUFFIX}"


def _scope_of(data: dict) -> Scope:
    if not all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in data.values()):
        raise ValueError("a scope is lists of names")  # a crafted or damaged file: a miss
    return Scope(**{k: tuple(v) for k, v in data.items()})


def read_entry_meta(root: Path, key: str) -> tuple[Scope, str] | None:
    """(scope, desired fingerprint) of the cached entry `key` without decoding its catalog
    (two short lines are read); None when absent, unreadable or of another format."""
    f = open_verified(entry_path(root, key))
    if f is None:
        return None
    try:
        with f:
            if f.readline() != ENTRY_TAG:
                return None
            meta = parse_json(f.readline())
        return _scope_of(meta["scope"]), str(meta["fingerprint"])
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # a cache miss, never an error


def read_entry(root: Path, key: str) -> DesiredState | None:
    """The cached desired state of `key`, or None when absent, unreadable, truncated or of
    another format."""
    f = open_verified(entry_path(root, key))
    if f is None:
        return None  # absent, or not written by this user's runs here
    try:
        with f:
            if f.readline() != ENTRY_TAG:
                return None
            meta = parse_json(f.readline())
            scope, fingerprint = _scope_of(meta["scope"]), str(meta["fingerprint"])
            notes = meta.get("notes", [])
            if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
                return None
            return DesiredState(catalog_from_file(f), scope, fingerprint, tuple(notes))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # a cache miss, never an error


def write_entry(root: Path, key: str, state: DesiredState) -> Path:
    """Store a desired state atomically; keep only the most recent entries."""
    path = entry_path(root, key)
    meta = {"scope": {k: list(v) for k, v in asdict(state.scope).items()}, "fingerprint": state.fingerprint}
    if state.notes:
        meta["notes"] = list(state.notes)
    # json.dumps escapes newlines inside strings: the meta is exactly line 2
    head = ENTRY_TAG + json.dumps(meta, sort_keys=True).encode("utf-8") + b"\n"
    write_bytes_atomically(path, head, catalog_to_bytes(state.catalog))
    prune_entries(path.parent, keep=path, prefix=ENTRY_PREFIX, suffix=ENTRY_SUFFIX)
    return path


def desired_state(root: Path, dev, *, fingerprint: str | None = None, incremental_min_tables: int | None = None,
                  snapshot=None):
    """(DesiredState, Project or None) of the project at `root`.

    `dev` is a dev server URL or a server.dev.DevServer (resolved only on a miss). The
    Project is None when the state came from the cache: load it only if it is needed
    (to render statements or name origins). Raises SourceError for a broken source and
    DatabaseError when the dev server is needed and unreachable.

    A project of `incremental_min_tables` tables or more (default
    incremental.INCREMENTAL_MIN_TABLES) is normalized in its kept database, re-doing only
    what changed since the last time (see incremental.py).

    `snapshot` (source.loader.SourceSnapshot): the files already read, so they are neither
    read nor hashed again; `fingerprint` alone: their fingerprint (the files are read on
    a miss).
    """
    from ..server.dev import dev_identity_of, dev_url_of, keeps_databases, required_extensions

    root = Path(root)
    identity = dev_identity_of(dev)
    if snapshot is None and fingerprint is None:
        snapshot = read_source(root)  # read once: fingerprinted now, parsed on a miss
    fp = snapshot.fingerprint if snapshot is not None else fingerprint
    known = known_server_version(root, identity)
    if known is not None:
        cached = read_entry(root, normalization_key(fp, known))
        if cached is not None:
            return cached, None

    project = load_project(root, snapshot, parse_cache=ParseCache.open(root))
    url = dev_url_of(dev, required_extensions(project.catalog))
    version = server_version(url)
    remember_server_version(root, identity, version)
    key = normalization_key(project.fingerprint, version)
    if version != known:
        cached = read_entry(root, key)
        if cached is not None:
            return cached, project
    # imported on a miss only: the kept database is advanced with the planner (~40 ms to import)
    from . import incremental

    threshold = incremental.INCREMENTAL_MIN_TABLES if incremental_min_tables is None else incremental_min_tables
    normalized = None
    scope, notes = source_scope(project.catalog), ()
    # script files are not source catalogs the kept database could be advanced by: a full
    # normalize, always (source/scripts.py)
    if project.scripts:
        normalized, scope, notes = normalize_source(project.catalog, project.scripts, url)
    elif len(project.catalog.tables) >= threshold and keeps_databases(dev):
        def previous_desired(fingerprint: str) -> Catalog | None:
            # the desired state a previous source gave, cached under the same dev server
            version = known_server_version(root, identity)
            entry = None if version is None else read_entry(root, normalization_key(fingerprint, version))
            return None if entry is None else entry.catalog

        try:
            normalized = incremental.normalize_kept(root, project, url, identity, previous_desired)
        except psycopg.Error:
            # e.g. no right to keep a database there: a throw-away scratch database will do
            normalized = None
    if normalized is None:
        normalized = normalize_catalog(project.catalog, url)
    state = DesiredState(normalized, scope, managed_fingerprint(normalized), notes)
    write_entry(root, key, state)
    return state, project
