"""The per-user secret key that authenticates what the tool keeps in a project's `.roseram/`.

Cache files and the embedded server's data folder live in the project folder, which can
arrive from someone else (a pull request, a downloaded project). Each file the tool writes
there carries an HMAC-SHA256 under a key that never leaves this user's state folder:

    $ROSERAM_STATE_DIR, else $XDG_STATE_HOME/roseram-schema, else ~/.local/state/roseram-schema
        key   32 random bytes, mode 0600, in a folder of mode 0700 owned by this user

so a file made anywhere else (or by anyone else) does not verify, whatever its name or
content. The folder is refused when it is a symbolic link or belongs to another user; a key
file that is not a private regular file of ours is replaced. When no usable folder exists,
a key for this process only is used (nothing kept in `.roseram/` verifies in a later run)
and a warning says why.

Light on purpose (os, hmac, hashlib): the no-change fast path reads the key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
import sys
from functools import cache
from pathlib import Path

KEY_FILE = "key"
KEY_BYTES = 32
TAG_BYTES = hashlib.sha256().digest_size


class _Unusable(Exception):
    """The state folder cannot hold the key safely."""


def state_dir() -> Path | None:
    """The folder of the per-user key (see module doc); None when there is no home."""
    env = os.environ.get("ROSERAM_STATE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_STATE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "roseram-schema"
    home = os.path.expanduser("~")
    if not os.path.isabs(home):
        return None
    return Path(home) / ".local" / "state" / "roseram-schema"


def _own_folder(folder: Path) -> None:
    """Create `folder` 0700, or check the one there is a real folder of ours (tightened)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    st = os.lstat(folder)
    if stat.S_ISLNK(st.st_mode):
        raise _Unusable(f"{folder} is a symbolic link")
    if not stat.S_ISDIR(st.st_mode):
        raise _Unusable(f"{folder} is not a folder")
    if st.st_uid != os.geteuid():
        raise _Unusable(f"{folder} belongs to another user (uid {st.st_uid})")
    if stat.S_IMODE(st.st_mode) != 0o700:
        os.chmod(folder, 0o700)


def _read_key(path: Path) -> bytes | None:
    """The key at `path`; None when absent. A file that is not a private regular file of
    ours holding exactly a key (a link, readable by others ...) is removed: it may be known."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError:  # a symbolic link (ELOOP), a fifo ...
        os.unlink(path)
        return None
    try:
        st = os.fstat(fd)
        data = os.read(fd, KEY_BYTES + 1) if stat.S_ISREG(st.st_mode) else b""
    finally:
        os.close(fd)
    if (stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & 0o077
            and st.st_nlink == 1 and len(data) == KEY_BYTES):
        return data
    os.unlink(path)
    return None


def _new_key(folder: Path) -> None:
    """Write a new key, complete before it appears under its name (a hard link of a private
    temporary file); when another process made one first, theirs stays."""
    tmp = folder / f".key-{os.getpid()}-{os.urandom(4).hex()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        os.write(fd, os.urandom(KEY_BYTES))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, folder / KEY_FILE)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)


@cache
def secret_key() -> bytes:
    """This user's key (created on first use); a key for this process only when no state
    folder can hold one safely (see module doc)."""
    folder = state_dir()
    try:
        if folder is None:
            raise _Unusable("there is no home folder")
        _own_folder(folder)
        for _ in range(3):
            key = _read_key(folder / KEY_FILE)
            if key is not None:
                return key
            _new_key(folder)
        raise _Unusable(f"{folder / KEY_FILE} keeps changing")
    except (_Unusable, OSError) as exc:
        print(f"roseram-schema: warning: no private key folder ({exc}; set ROSERAM_STATE_DIR): "
              "nothing kept in .roseram/ is trusted in a later run", file=sys.stderr)
        return os.urandom(KEY_BYTES)


def new_mac(purpose: bytes, path) -> hmac.HMAC:
    """An HMAC-SHA256 under the key, bound to `purpose` and to the real path of `path` (its
    folder resolved), so a file copied from another place or project does not verify."""
    p = os.fspath(path)
    real = os.path.join(os.path.realpath(os.path.dirname(p) or "."), os.path.basename(p))
    return hmac.new(secret_key(), purpose + b"\0" + os.fsencode(real) + b"\0", hashlib.sha256)
