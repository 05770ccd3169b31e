"""The per-user key that tags cache files is kept outside the project, private to the
user: created 0600 in a 0700 folder, replaced when it may be known to someone else, and
never taken from a folder that is a link or belongs to another user."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from roseram_schema.state import userkey
from roseram_schema.state.files import read_json, write_atomically


@pytest.fixture
def state(tmp_path, monkeypatch):
    """A fresh state folder for this test's key (the session's key is back afterwards)."""
    folder = tmp_path / "state" / "roseram-schema"
    monkeypatch.setenv("ROSERAM_STATE_DIR", str(folder))
    userkey.secret_key.cache_clear()
    yield folder
    userkey.secret_key.cache_clear()


def _fresh_key() -> bytes:
    userkey.secret_key.cache_clear()
    return userkey.secret_key()


def test_the_key_is_created_private_and_reused(state):
    key = _fresh_key()
    assert len(key) == 32
    st = os.lstat(state / "key")
    assert stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == os.geteuid()
    assert stat.S_IMODE(os.lstat(state).st_mode) == 0o700
    assert _fresh_key() == key
    assert [p.name for p in state.iterdir()] == ["key"]  # no temporary file left


def test_the_default_folder_is_under_xdg_state_home(tmp_path, monkeypatch):
    monkeypatch.delenv("ROSERAM_STATE_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert userkey.state_dir() == tmp_path / "xdg" / "roseram-schema"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert userkey.state_dir() == tmp_path / "home" / ".local" / "state" / "roseram-schema"


@pytest.mark.parametrize("spoil", ["readable", "link", "short"])
def test_a_key_that_may_be_known_is_replaced(state, tmp_path, spoil):
    key = _fresh_key()
    path = state / "key"
    if spoil == "readable":
        path.chmod(0o644)
    elif spoil == "link":
        planted = tmp_path / "planted"
        planted.write_bytes(b"k" * 32)
        planted.chmod(0o600)
        path.unlink()
        path.symlink_to(planted)
    else:
        path.write_bytes(b"short")
    again = _fresh_key()
    assert again != key and len(again) == 32 and again != b"k" * 32
    assert stat.S_IMODE(os.lstat(path).st_mode) == 0o600 and not path.is_symlink()


def test_a_linked_state_folder_is_not_used(state, tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    state.parent.mkdir(parents=True)
    state.symlink_to(elsewhere)
    key = _fresh_key()
    assert len(key) == 32
    assert "symbolic link" in capsys.readouterr().err
    assert not (elsewhere / "key").exists()
    # a key of this process only: what it writes does not verify in a later run
    cache = tmp_path / "p" / ".roseram" / "cache" / "memo.json"
    write_atomically(cache, "{}\n")
    assert read_json(cache) == {}
    assert _fresh_key() != key
    assert read_json(cache) is None


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to make a folder of another user")
def test_a_state_folder_of_another_user_is_not_used(state, capsys):
    state.mkdir(parents=True, mode=0o700)
    os.chown(state, 65534, 65534)
    _fresh_key()
    assert "another user" in capsys.readouterr().err
    assert not (state / "key").exists()


def test_two_processes_starting_at_once_share_one_key(state):
    code = "from roseram_schema.state.userkey import secret_key; print(secret_key().hex())"
    env = {**os.environ, "ROSERAM_STATE_DIR": str(state)}
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
             for _ in range(4)]
    keys = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(keys) == 1 and keys == {_fresh_key().hex()}
