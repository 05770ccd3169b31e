"""Where cached results live and what they are keyed by: a light module (no model, no
psycopg), so the no-change fast path (nochange.py) can find its entry without importing
what a full comparison needs.

    <project>/.roseram/cache/   desired states, source catalogs, no-change memos, parse cache
    key = sha256(cache format, code fingerprint, source fingerprint, dev server version)

The key is computable by anyone, and the folder can arrive with the project, so every file
written here ends with an HMAC-SHA256 of its content and real path under this user's secret
key (userkey.py; `atomic_file` appends it) and is read only through `read_verified` or
`open_verified`: a file this user's runs did not write here is a miss before any parsing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .key import code_key

# Bump when the cache file layout changes (the code that fills it is fingerprinted).
CACHE_FORMAT = 1
CACHE_DIR = Path(".roseram") / "cache"  # .roseram: STATE_DIR


def code_fingerprint() -> str:
    """The code that produced a cached entry (cache/key.py): an entry made by other code (an
    upgrade, a local edit) is never read."""
    return code_key()


def normalization_key(fingerprint: str, server_version: int) -> str:
    """Cache key: the source fingerprint, the server version, the code that normalizes
    and the cache format."""
    text = f"{CACHE_FORMAT}|{code_fingerprint()}|{fingerprint}|{server_version}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


# Entries kept per project: enough for switching branches back and forth.
CACHE_ENTRIES = 8


def _prune(directory: Path, keep: Path, prefix: str = "normalized-", suffix: str = ".json") -> None:
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


CACHE_MAC = b"roseram-schema cache 1"


def read_verified(path: Path) -> memoryview | None:
    """The content of the cache file at `path` (its tag removed), or None when it cannot be
    read or its tag does not verify (see module doc)."""
    from .userkey import TAG_BYTES, new_mac

    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    if len(data) < TAG_BYTES:
        return None
    view = memoryview(data)
    mac = new_mac(CACHE_MAC, path)
    mac.update(view[:-TAG_BYTES])
    return view[:-TAG_BYTES] if hmac.compare_digest(mac.digest(), view[-TAG_BYTES:]) else None


def open_verified(path: Path):
    """The cache file at `path` opened for binary reading at its start, once its tag has
    verified (streamed: the file is not held in memory); None otherwise. A reader stops
    before the tag: the formats read this way end with a terminator of their own."""
    from .userkey import TAG_BYTES, new_mac

    try:
        f = open(path, "rb")
    except OSError:
        return None
    try:
        left = os.fstat(f.fileno()).st_size - TAG_BYTES
        if left < 0:
            f.close()
            return None
        mac = new_mac(CACHE_MAC, path)
        buffer = memoryview(bytearray(1 << 20))
        while left:
            n = f.readinto(buffer[:min(left, len(buffer))])
            if not n:
                break
            mac.update(buffer[:n])
            left -= n
        if left == 0 and hmac.compare_digest(mac.digest(), f.read(TAG_BYTES)):
            f.seek(0)
            return f
    except OSError:
        pass
    f.close()
    return None


def parse_json(data):
    """The JSON value of `data` (text or bytes), or None when it is not JSON: what a JSON
    cache file's reader starts from (a crafted or damaged one, e.g. nested past the
    recursion limit, is a miss, never an error). JSON names no code: no loader is needed
    beyond the readers' own type checks."""
    try:
        return json.loads(data)
    except Exception:  # noqa: BLE001 - ValueError, RecursionError, MemoryError ...
        return None


def read_json(path: Path):
    """parse_json of the cache file at `path`; None when it cannot be read or does not
    verify either."""
    data = read_verified(path)
    return None if data is None else parse_json(bytes(data))


_SERVERS_FILE = "dev-servers.json"
# what the file's keys look like (see server_identity); any other key is dropped on rewrite
_IDENTITY_PREFIX = "server-"
# connection parameters that are secrets: never part of what is stored
_SECRET_PARAMS = ("password", "sslpassword")


def server_identity(url: str) -> str:
    """A name for the dev server behind `url` that holds no secret, to key what the caches
    remember about it: sha256 over libpq's parameters of the URL minus the password, in a
    canonical order (the same server spelt as a URL or as key=value gives one name)."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        params = {k: str(v) for k, v in conninfo_to_dict(url).items() if k not in _SECRET_PARAMS}
    except Exception:  # noqa: BLE001 - not a conninfo libpq reads: connecting will say so
        params = {"unparsed": url}
    text = json.dumps(sorted(params.items()))
    return _IDENTITY_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _is_identity(key) -> bool:
    return key == "embedded" or (isinstance(key, str) and key.startswith(_IDENTITY_PREFIX)
                                 and len(key) == len(_IDENTITY_PREFIX) + 32)


def as_identity(name: str) -> str:
    """`name` when it is an identity already, else server_identity of it (a URL): a URL
    passed by any caller is never what is stored."""
    return name if _is_identity(name) else server_identity(name)


def known_server_version(cache_root: Path, identity: str) -> int | None:
    """The server_version_num last seen for the dev server named `identity` (see
    server_identity, or "embedded"), so a cached desired state can be found without
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
    if data.get(identity) == version and all(map(_is_identity, data)):
        return
    # keys of older versions were the URLs themselves, passwords included: dropped
    data = {k: v for k, v in data.items() if _is_identity(k)}
    data[identity] = version
    write_atomically(path, json.dumps(dict(sorted(data.items())), indent=1) + "\n")


STATE_DIR = ".roseram"


def make_dir(path: Path) -> None:
    """mkdir -p `path`; when it lies in a `.roseram` folder, that folder also gets a
    .gitignore of `*` (unless it has one), so nothing the tool keeps there (caches, the
    embedded server's data) is committed by accident."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    for folder in (path, *path.parents):
        if folder.name == STATE_DIR:
            ignore = folder / ".gitignore"
            if not os.path.lexists(ignore):
                try:
                    # never through a link planted in a .roseram/ that came with the project
                    fd = os.open(ignore, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
                    try:
                        os.write(fd, b"*\n")
                    finally:
                        os.close(fd)
                except OSError:
                    pass  # a read-only checkout writes no cache either
            return


class _Tagging:
    """A binary file that also feeds what is written (text as UTF-8) to an HMAC."""

    def __init__(self, f, mac):
        self.f = f
        self.mac = mac

    def write(self, data) -> int:
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.mac.update(data)
        return self.f.write(data)


@contextmanager
def atomic_file(path: Path, mode: str = "w"):
    """A file opened (`mode` "w" for text, "wb" for bytes; only `write` is offered) on a
    temporary file next to `path`, its tag appended (see module doc) and renamed over
    `path` when the block ends, removed if it raises: a concurrent reader sees the old or
    the new content, never a part."""
    from .userkey import new_mac

    path = Path(path)
    make_dir(path.parent)
    mac = new_mac(CACHE_MAC, path)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            yield _Tagging(f, mac)
            f.write(mac.digest())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` atomically (see atomic_file)."""
    with atomic_file(path) as f:
        f.write(text)
