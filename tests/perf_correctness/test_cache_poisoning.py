"""A cache file under .roseram/ can arrive with the project (a pull request, a downloaded
archive), and its name is computable by anyone (the key hashes public inputs). A file the
user's own runs did not write in that very place is a miss: a plan never follows a desired
state the source does not give, and drift never says "no drift" on a drifted database
because a crafted memo says so. A normal project still hits its caches."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import psycopg
import pytest

from roseram_schema.cache.files import CACHE_DIR

from .conftest import FILES, write_project

# the project with its RLS policies left out: the desired state an attacker would slip in
OPEN_FILES = {rel: text for rel, text in FILES.items() if not rel.startswith("policies/")}


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "roseram_schema", *args], capture_output=True, text=True,
                          timeout=300, env=None if env is None else {**os.environ, **env})


def _plan(root: Path, db: str, dev: str, *extra: str) -> subprocess.CompletedProcess:
    run = _cli("plan", "--project", str(root), "--db", db, "--dev-db", dev, "--format", "sql", *extra)
    assert run.returncode in (0, 2), run.stderr  # 2: there are changes
    return run


def _only(root: Path, pattern: str) -> Path:
    (path,) = (root / CACHE_DIR).glob(pattern)
    return path


def _random_tail(data: bytes) -> bytes:
    """The file as a forger without the user's key would tag it."""
    return data + os.urandom(32)


@pytest.fixture
def open_and_closed(tmp_path, pg_server, platform_db_url):
    """(the project, the same project without its policies): both planned once, so each has
    a valid desired-state entry of its own."""
    closed = write_project(tmp_path / "closed")
    opened = write_project(tmp_path / "open", OPEN_FILES)
    for root in (closed, opened):
        _plan(root, platform_db_url, pg_server.base_url)
    return closed, opened


@pytest.mark.parametrize("forge", ["copied", "random tag"])
def test_a_desired_state_from_elsewhere_is_a_miss(open_and_closed, pg_server, platform_db_url, forge):
    closed, opened = open_and_closed
    truth = _plan(closed, platform_db_url, pg_server.base_url)
    assert "enable row level security" in truth.stdout.lower() and "own projects" in truth.stdout
    mine, theirs = _only(closed, "desired-*.pickle"), _only(opened, "desired-*.pickle")
    # the other project's valid entry, under this project's key (the attacker computes it)
    data = theirs.read_bytes()
    mine.write_bytes(data if forge == "copied" else _random_tail(data))
    again = _plan(closed, platform_db_url, pg_server.base_url)
    assert again.stdout == truth.stdout  # RLS and the policy are still planned


def test_a_forged_parse_cache_entry_is_a_miss(tmp_path):
    closed = write_project(tmp_path / "closed")
    opened = write_project(tmp_path / "open", {**FILES, "policies/public/projects.yaml": "rls: disabled\n"})
    truth = _cli("compile", "--project", str(closed))
    assert truth.returncode == 0, truth.stderr
    assert "enable row level security" in truth.stdout.lower()
    assert _cli("compile", "--project", str(opened)).returncode == 0
    # the other project's parse of the policy file, filed under this project's file digest
    content = pickle.loads((opened / CACHE_DIR / "parsed.pickle").read_bytes())
    rel = "policies/public/projects.yaml"
    digest = pickle.loads((closed / CACHE_DIR / "parsed.pickle").read_bytes())["entries"][rel][0]
    content["entries"][rel] = (digest, content["entries"][rel][1])
    payload = pickle.dumps(content, protocol=5)
    for forged in (payload + zlib.crc32(payload).to_bytes(4, "big"), _random_tail(payload)):
        (closed / CACHE_DIR / "parsed.pickle").write_bytes(forged)
        again = _cli("compile", "--project", str(closed))
        assert again.returncode == 0, again.stderr
        assert again.stdout == truth.stdout


def _apply(root: Path, db: str, dev: str) -> None:
    # the small project leaves RLS off on tasks (a lint error), which these tests need not fix
    run = _cli("apply", "--project", str(root), "--db", db, "--dev-db", dev, "--yes", "--allow-hazards", "lint_errors")
    assert run.returncode == 0, run.stderr


def _drift(root: Path, db: str, dev: str) -> subprocess.CompletedProcess:
    return _cli("drift", "--project", str(root), "--db", db, "--dev-db", dev)


def test_a_forged_clean_memo_does_not_hide_drift(tmp_path, pg_server, platform_db_url):
    from roseram_schema.cache.nochange import read_target

    root = write_project(tmp_path / "p")
    _apply(root, platform_db_url, pg_server.base_url)
    clean = _drift(root, platform_db_url, pg_server.base_url)
    assert clean.returncode == 0, clean.stderr
    memo = _only(root, "clean-*.json")
    scope = json.loads(memo.read_bytes().split(b"\n")[0])["scope"]
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.projects DISABLE ROW LEVEL SECURITY")
        conn.execute("GRANT ALL ON public.projects TO anon")
        _, digest = read_target(conn, scope)
    forged = json.dumps({"fingerprint": "x", "live": [digest], "scope": scope}, sort_keys=True).encode() + b"\n"
    for data in (forged, _random_tail(forged)):
        memo.write_bytes(data)
        drift = _drift(root, platform_db_url, pg_server.base_url)
        assert drift.returncode == 2, drift.stdout + drift.stderr
        assert "projects" in drift.stdout


def test_a_memo_copied_from_another_project_is_a_miss(tmp_path, pg_server, platform_db_url):
    # the same source in two folders has the same keys: a memo valid in one says nothing in
    # the other, whose own runs did not write it
    root = write_project(tmp_path / "p")
    _apply(root, platform_db_url, pg_server.base_url)
    assert _drift(root, platform_db_url, pg_server.base_url).returncode == 0
    other = tmp_path / "other"
    shutil.copytree(root, other)
    from roseram_schema.state.files import read_json

    assert read_json(_only(root, "clean-*.json")) is not None
    assert read_json(_only(other, "clean-*.json")) is None
    assert read_json(_only(other, "dev-servers.json")) is None


def test_a_normal_project_hits_its_caches(tmp_path, pg_server, platform_db_url):
    from roseram_schema.cache.nochange import quick_check

    root = write_project(tmp_path / "p")
    _apply(root, platform_db_url, pg_server.base_url)
    assert _drift(root, platform_db_url, pg_server.base_url).returncode == 0
    fingerprint, prefetch = quick_check(root, platform_db_url, pg_server.base_url)
    assert fingerprint is not None and prefetch is None  # the memo of the earlier run verified


def _every_kind(root: Path) -> dict:
    """Write one entry of every cache kind under `root` with the tool's writers; returns
    {file: its reader} (each reader returns None for a miss)."""
    from roseram_schema.cache.desired import DesiredState, entry_path, read_entry, write_entry
    from roseram_schema.cache.incremental import read_source, source_cache_path, write_source
    from roseram_schema.model import Catalog, Schema
    from roseram_schema.cache.nochange import memo_path, read_memo, remember_clean
    from roseram_schema.cache.files import known_server_version, remember_server_version
    from roseram_schema.normalize.catalog import Scope

    key = "0123456789abcdef0123456789abcdef"
    catalog = Catalog(schemas=(Schema("app"),))
    scope = Scope(("app",), (), ())
    write_entry(root, key, DesiredState(catalog, scope, "f" * 64))
    write_source(root, "fp", catalog)
    remember_clean(root, key, {"schemas": ["app"], "roles": [], "extensions": []}, "f" * 64, "d" * 64)
    remember_server_version(root, "embedded", 180001)
    cache = root / CACHE_DIR
    return {
        entry_path(root, key).relative_to(root): lambda r: read_entry(r, key),
        source_cache_path(root, "fp").relative_to(root): lambda r: read_source(r, "fp"),
        memo_path(root, key).relative_to(root): lambda r: read_memo(r, key),
        (cache / "dev-servers.json").relative_to(root): lambda r: known_server_version(r, "embedded"),
    }


def test_no_cache_file_is_read_from_another_folder_or_untagged(tmp_path):
    mine, other = tmp_path / "mine", tmp_path / "other"
    readers = _every_kind(mine)
    assert sorted(p.name for p in (mine / CACHE_DIR).iterdir() if p.name != ".gitignore") == sorted(
        p.name for p in readers)
    for rel, read in readers.items():
        assert read(mine) is not None, rel  # the tool's own file, in its place, is a hit
        (other / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(mine / rel, other / rel)
        assert read(other) is None, rel  # copied from another project
        data = (mine / rel).read_bytes()
        (other / rel).write_bytes(data[:-32])  # the content without its tag
        assert read(other) is None, rel
        (other / rel).write_bytes(data[:-32] + os.urandom(32))  # a tag made with another key
        assert read(other) is None, rel
