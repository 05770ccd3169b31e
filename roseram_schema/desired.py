"""The desired state of a project, cached whole so a no-change run parses nothing.

plan, apply and drift need, from the source: the normalized catalog (with the source's
origins and renames attached), the scope to inspect the target with, and the plan
fingerprint of the desired state. All three depend only on the source files, the dev
server's version and this code, so they are stored together:

    .roseram/cache/desired-<key>.json   line 1: {"scope": ..., "fingerprint": ...}
                                        line 2: catalog_json of the normalized catalog

    key = sha256(cache format, code fingerprint, source fingerprint, dev server version)

The source fingerprint is a sha256 of the files' bytes (no YAML or SQL parsing); the dev
server's version is the one recorded the last time a scratch database was built there
(normalize.known_server_version), so a hit neither parses the source, nor connects to the
dev server, nor starts the embedded one. On a miss the project is loaded and normalized
on the dev server (whose version is then read and recorded), and the entry written.

Known limit: a dev server upgraded in place under the same URL is only noticed at the next
miss; `rm -r .roseram/cache` forgets everything.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from .model import Catalog
from .normalize import CACHE_DIR, Scope

ENTRY_PREFIX = "desired-"


@dataclass(frozen=True)
class DesiredState:
    """The source as PostgreSQL prints it, origins attached (`catalog`), what to inspect
    the target with (`scope`) and managed_fingerprint(catalog) (`fingerprint`)."""

    catalog: Catalog
    scope: Scope
    fingerprint: str


def source_fingerprint(root: Path) -> str:
    """The Project.fingerprint load_project would give, from the files' bytes only."""
    from .source.loader import fingerprint_of, source_files

    root = Path(root)
    return fingerprint_of(root, source_files(root))


def entry_path(root: Path, key: str) -> Path:
    """Where the desired state of `key` is kept under a project root."""
    return Path(root) / CACHE_DIR / f"{ENTRY_PREFIX}{key}.json"


def read_entry(root: Path, key: str) -> DesiredState | None:
    """The cached desired state of `key`, or None when absent, unreadable or of another format."""
    from .catalog_json import catalog_from_json

    try:
        text = entry_path(root, key).read_text(encoding="utf-8")
        head, _, body = text.partition("\n")
        meta = json.loads(head)
        scope = Scope(**{k: tuple(v) for k, v in meta["scope"].items()})
        return DesiredState(catalog_from_json(body), scope, str(meta["fingerprint"]))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # a cache miss, never an error


def write_entry(root: Path, key: str, state: DesiredState) -> Path:
    """Store a desired state atomically; keep only the most recent entries."""
    from .catalog_json import catalog_to_json
    from .normalize import _prune, write_atomically

    path = entry_path(root, key)
    meta = {"scope": {k: list(v) for k, v in asdict(state.scope).items()}, "fingerprint": state.fingerprint}
    # catalog_to_json escapes newlines inside strings, so line 2 is the whole catalog
    write_atomically(path, json.dumps(meta, sort_keys=True) + "\n" + catalog_to_json(state.catalog))
    _prune(path.parent, keep=path, prefix=ENTRY_PREFIX)
    return path


def desired_state(root: Path, dev, *, fingerprint: str | None = None, incremental_min_tables: int | None = None):
    """(DesiredState, Project or None) of the project at `root`.

    `dev` is a dev server URL or a context.DevServer (resolved only on a miss). The
    Project is None when the state came from the cache: load it only if it is needed
    (to render statements or name origins). Raises SourceError for a broken source and
    DatabaseError when the dev server is needed and unreachable.

    A project of `incremental_min_tables` tables or more (default
    incremental.INCREMENTAL_MIN_TABLES) is normalized in its kept database, re-doing only
    what changed since the last time (see incremental.py).
    """
    from .context import dev_identity_of, dev_url_of
    from .normalize import known_server_version, normalization_key, remember_server_version, server_version

    root = Path(root)
    identity = dev_identity_of(dev)
    fp = fingerprint or source_fingerprint(root)
    known = known_server_version(root, identity)
    if known is not None:
        cached = read_entry(root, normalization_key(fp, known))
        if cached is not None:
            return cached, None

    from .normalize import normalize_catalog, source_scope
    from .plan.fingerprint import managed_fingerprint
    from .source import load_project

    project = load_project(root)
    url = dev_url_of(dev)
    version = server_version(url)
    remember_server_version(root, identity, version)
    key = normalization_key(project.fingerprint, version)
    if version != known:
        cached = read_entry(root, key)
        if cached is not None:
            return cached, project
    from . import incremental

    threshold = incremental.INCREMENTAL_MIN_TABLES if incremental_min_tables is None else incremental_min_tables
    normalized = None
    if len(project.catalog.tables) >= threshold:
        import psycopg

        try:
            normalized = incremental.normalize_kept(root, project, url, identity)
        except psycopg.Error:
            # e.g. no right to keep a database there: a throw-away scratch database will do
            normalized = None
    if normalized is None:
        normalized = normalize_catalog(project.catalog, url)
    state = DesiredState(normalized, source_scope(project.catalog), managed_fingerprint(normalized))
    write_entry(root, key, state)
    return state, project


_SCOPE_FILE = "scope.json"


def last_scope(root: Path) -> Scope | None:
    """The scope of the last desired state of the project at `root` (None if unknown), so
    the target can be read while the desired state is still being loaded or built."""
    try:
        data = json.loads((Path(root) / CACHE_DIR / _SCOPE_FILE).read_text(encoding="utf-8"))
        return Scope(**{k: tuple(v) for k, v in data.items()})
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def remember_scope(root: Path, scope: Scope) -> None:
    """Record `scope` as the project's last one (see last_scope)."""
    from .normalize import write_atomically

    data = {k: list(v) for k, v in asdict(scope).items()}
    write_atomically(Path(root) / CACHE_DIR / _SCOPE_FILE, json.dumps(data, sort_keys=True) + "\n")
