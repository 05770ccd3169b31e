"""Where cached results live and what they are keyed by: a light module (no model, no
psycopg), so the no-change fast path (nochange.py) can find its entry without importing
what a full comparison needs.

    <project>/.roseram/cache/   desired states, source catalogs, no-change memos, parse cache
    key = sha256(cache format, code fingerprint, source fingerprint, dev server version)

The key is computable by anyone, and the folder can arrive with the project, so every file
here is written and read through state/files.py (tagged with an HMAC under this user's
key): a file this user's runs did not write here is a miss before any parsing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..state.files import STATE_DIR, atomic_file, read_json, write_atomically
from ..state.servers import as_identity, is_identity
from .key import code_key

# Bump when the cache file layout changes (the code that fills it is fingerprinted).
CACHE_FORMAT = 1
CACHE_DIR = Path(STATE_DIR) / "cache"


def normalization_key(fingerprint: str, server_version: int) -> str:
    """Cache key: the source fingerprint, the server version, the code that normalizes
    and the cache format."""
    text = f"{CACHE_FORMAT}|{code_key()}|{fingerprint}|{server_version}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


# Entries kept per project: enough for switching branches back and forth.
CACHE_ENTRIES = 8


def _prune(directory: Path, keep: Path, prefix: str, suffix: str = ".json") -> None:
    """Remove all but the CACHE_ENTRIES most recently written `prefix*suffix` entries
    (never `keep`; another writer's temporary files end otherwise)."""
    entries = []
    for path in directory.glob(f"{prefix}*{suffix}"):
        try:
            entries.append((path.stat().st_mtime, path.name, path))
        except OSError:  # pruned meanwhile by another process
            continue
    entries.sort(reverse=True)
    for _, _, old in entries[CACHE_ENTRIES:]:
        if old != keep:
            # another process may be pruning too
            old.unlink(missing_ok=True)


def write_bytes_atomically(path: Path, *parts: bytes) -> None:
    """Write `parts` one after the other to `path` through a temporary file and a rename,
    so a concurrent reader sees the old or the new content, never a part
    (the parts are not joined into one more copy)."""
    with atomic_file(path, "wb") as f:
        for part in parts:
            f.write(part)


def prune_entries(directory: Path, keep: Path, prefix: str, suffix: str) -> None:
    """Keep the CACHE_ENTRIES most recent `prefix*suffix` files (never `keep`), and drop
    the entries of the same prefix in the earlier JSON format, which nothing reads now."""
    for path in directory.glob(f"{prefix}*.json"):  # the format before the pickle one
        path.unlink(missing_ok=True)
    _prune(directory, keep, prefix, suffix)


# the dev servers' versions, keyed by state.servers.server_identity (never a URL: any
# other key is dropped on rewrite)
_SERVERS_FILE = "dev-servers.json"


def known_server_version(cache_root: Path, identity: str) -> int | None:
    """The server_version_num last seen for the dev server named `identity` (see
    state.servers.server_identity, or "embedded"), so a cached desired state can be found without
    connecting; None if unknown.

    Seen anew, and recorded again, whenever a scratch database is built there."""
    data = read_json(Path(cache_root) / CACHE_DIR / _SERVERS_FILE)
    version = data.get(as_identity(identity)) if isinstance(data, dict) else None
    return version if isinstance(version, int) else None


def remember_server_version(cache_root: Path, identity: str, version: int) -> None:
    """Record the server_version_num of the dev server `identity` (atomic rewrite)."""
    path = Path(cache_root) / CACHE_DIR / _SERVERS_FILE
    identity = as_identity(identity)
    data = read_json(path)
    if not isinstance(data, dict):
        data = {}
    if data.get(identity) == version and all(map(is_identity, data)):
        return
    # keys of older versions were the URLs themselves, passwords included: dropped
    data = {k: v for k, v in data.items() if is_identity(k)}
    data[identity] = version
    write_atomically(path, json.dumps(dict(sorted(data.items())), indent=1) + "\n")
