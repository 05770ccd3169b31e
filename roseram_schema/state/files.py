"""Files the tool keeps in a project's `.roseram/` folder, authenticated.

The folder can arrive with the project (a pull request, a downloaded project), so every
file written here ends with an HMAC-SHA256 of its content and real path under this user's
secret key (userkey.py; `atomic_file` appends it) and is read only through `read_verified`
or `open_verified`: a file this user's runs did not write here is refused before any
parsing.

Light on purpose (no model, no psycopg): the no-change fast path reads through it.
"""

from __future__ import annotations

import hmac
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..errors import RoseramError
from .userkey import TAG_BYTES, new_mac

STATE_DIR = ".roseram"
# What the tag is bound to besides the path; the value files were always tagged with.
FILE_MAC = b"roseram-schema cache 1"


def linked_folder(path: Path) -> Path | None:
    """The first folder from the `.roseram` folder holding `path` down to `path`'s own
    folder that is a symbolic link, or None. A link in a project's `.roseram/` arrives with
    the project: writing through it would put this user's files wherever it points, and
    reading through it would take files of another place as this project's."""
    path = Path(os.path.abspath(path))
    folders = list(reversed(path.parents))
    for i, folder in enumerate(folders):
        if folder.name == STATE_DIR:
            return next((f for f in folders[i:] if os.path.islink(f)), None)
    return None


def read_verified(path: Path) -> memoryview | None:
    """The content of the file at `path` (its tag removed), or None when it cannot be
    read or its tag does not verify (see module doc)."""
    if linked_folder(path) is not None:
        return None
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    if len(data) < TAG_BYTES:
        return None
    view = memoryview(data)
    mac = new_mac(FILE_MAC, path)
    mac.update(view[:-TAG_BYTES])
    return view[:-TAG_BYTES] if hmac.compare_digest(mac.digest(), view[-TAG_BYTES:]) else None


def open_verified(path: Path):
    """The file at `path` opened for binary reading at its start, once its tag has
    verified (streamed: the file is not held in memory); None otherwise. A reader stops
    before the tag: the formats read this way end with a terminator of their own."""
    if linked_folder(path) is not None:
        return None
    try:
        f = open(path, "rb")
    except OSError:
        return None
    try:
        left = os.fstat(f.fileno()).st_size - TAG_BYTES
        if left < 0:
            f.close()
            return None
        mac = new_mac(FILE_MAC, path)
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
    file's reader starts from (a crafted or damaged one, e.g. nested past the recursion
    limit, is a miss, never an error). JSON names no code: no loader is needed beyond the
    readers' own type checks."""
    try:
        return json.loads(data)
    except Exception:  # noqa: BLE001 - ValueError, RecursionError, MemoryError ...
        return None


def read_json(path: Path):
    """parse_json of the file at `path`; None when it cannot be read or does not verify
    either."""
    data = read_verified(path)
    return None if data is None else parse_json(bytes(data))


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
    path = Path(path)
    link = linked_folder(path)
    if link is not None:
        raise RoseramError(f"{link} is a symbolic link: roseram-schema writes its files only into the "
                           "project's own .roseram folder, never through a link (remove the link)")
    make_dir(path.parent)
    mac = new_mac(FILE_MAC, path)
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
