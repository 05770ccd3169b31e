"""A cache file under .roseram/ is not trusted: a crafted one (a pull request, a downloaded
project) runs nothing when the project is compiled, and is a cache miss."""

from __future__ import annotations

import io
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest

from roseram_schema.cache.files import CACHE_DIR, write_bytes_atomically
from roseram_schema.model import unpickle as cacheload
from roseram_schema.state.files import read_verified
from roseram_schema.cache.desired import ENTRY_TAG, entry_path, read_entry
from roseram_schema.cache.incremental import SOURCE_TAG, read_source, source_cache_path
from roseram_schema.cache.parse import CACHE_FILE

from .helpers import write_project

PACKAGE = Path(cacheload.__file__).parent
KEY = "0123456789abcdef0123456789abcdef"


class _Marker:
    """Unpickling this creates a file: what a crafted cache could do with a plain pickle."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def _project(root: Path) -> Path:
    return write_project(root, {
        "schema/public/items.yaml": """
            columns:
              id: {type: uuid, nullable: false}
              name: text
            primary_key: [id]
            """,
        "schema/public/more.sql": "create table public.more (id int primary key);\n"
                                  "create index more_id on public.more (id);\n",
        "policies/public/items.yaml": """
            rls: enabled
            policies:
              - {name: read all, command: select, roles: [authenticated], using: "true"}
            """,
    })


def _compile(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "roseram_schema", "compile", "--project", str(root)],
                          capture_output=True, text=True, timeout=120)


def _with_crc(payload: bytes) -> bytes:
    """`payload` as the whole cache file, tagged (written by _seal): what a forger holding
    the user's key could write, to show the loader still names no code."""
    return payload


def _crafted_whole(data: bytes, marker: Path) -> bytes:
    return _with_crc(pickle.dumps(_Marker(marker), protocol=5))


def _crafted_entry(data: bytes, marker: Path) -> bytes:
    """The real cache with one entry's Draft (its key kept, so it is a hit) replaced."""
    content = pickle.loads(data)
    rel = sorted(content["entries"])[0]
    digest = content["entries"][rel][0]
    content["entries"][rel] = (digest, pickle.dumps(_Marker(marker), protocol=5))
    return _with_crc(pickle.dumps(content, protocol=5))


def _crafted_strings(data: bytes, marker: Path) -> bytes:
    """The real cache whose shared string list holds the crafted object."""
    content = pickle.loads(data)
    content["strings"] = [_Marker(marker)]
    return _with_crc(pickle.dumps(content, protocol=5))


@pytest.mark.parametrize("craft", [_crafted_whole, _crafted_entry, _crafted_strings])
def test_a_crafted_parse_cache_runs_nothing_and_is_a_miss(tmp_path, craft):
    root = _project(tmp_path / "p")
    clean = _compile(root)
    assert clean.returncode == 0, clean.stderr
    cache = root / CACHE_DIR / CACHE_FILE
    marker = tmp_path / "marker"
    pickle.loads(pickle.dumps(_Marker(marker)))  # a plain unpickler runs it ...
    assert marker.exists()
    marker.unlink()
    write_bytes_atomically(cache, craft(bytes(read_verified(cache)), marker))
    again = _compile(root)
    assert not marker.exists()  # ... the tool's does not
    assert again.returncode == 0, again.stderr
    assert again.stdout == clean.stdout
    # the crafted file was a miss, and a good cache was written in its place
    assert cacheload.loads(read_verified(cache))["entries"]


def test_crafted_catalog_caches_run_nothing(tmp_path):
    root = _project(tmp_path / "p")
    marker = tmp_path / "marker"
    crafted = pickle.dumps(_Marker(marker), protocol=5)
    desired = entry_path(root, KEY)
    desired.parent.mkdir(parents=True, exist_ok=True)
    # tagged, as if the forger held the user's key: the loader is the next line of defence
    write_bytes_atomically(desired, ENTRY_TAG + b'{"scope": {}, "fingerprint": "x"}\n' + crafted)
    source = source_cache_path(root, KEY)
    write_bytes_atomically(source, SOURCE_TAG + crafted)
    assert read_entry(root, KEY) is None
    assert read_source(root, KEY) is None
    assert not marker.exists()


def test_the_loader_refuses_every_name_outside_the_model():
    for module, name in [("builtins", "open"), ("builtins", "eval"), ("os", "system"), ("subprocess", "Popen"),
                         ("roseram_schema.state.files", "write_atomically"), ("pglast", "parse_sql"),
                         ("roseram_schema.source.sqlfiles", "read_sql_file"), ("functools", "reduce"),
                         ("pglast.enums.parsenodes", "IntEnum")]:
        with pytest.raises(pickle.UnpicklingError):
            cacheload.CacheUnpickler(io.BytesIO()).find_class(module, name)


def test_no_cache_reader_uses_a_plain_unpickler():
    """Every pickle the package reads goes through cacheload (one restricted loader)."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "unpickle.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"pickle\.(loads?|Unpickler)\b|\bmarshal\.|\bshelve\b", text):
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []


@pytest.mark.parametrize("kind", ["generated", "full"])
def test_a_restricted_load_keeps_every_entry_a_hit(tmp_path, monkeypatch, kind):
    """What the parse cache writes loads through the restricted loader: no file is parsed
    again (a missing name in cacheload would make its files a miss on every load). The
    full fixture queues every kind of `later` callable (grants, comments, partitions ...)."""
    import shutil

    from bench_generator import write_generated_project
    from roseram_schema.cache import load_project
    from roseram_schema.source import loader

    if kind == "full":
        root = Path(shutil.copytree(Path(__file__).parent / "fixtures" / "full", tmp_path / "f"))
        shutil.rmtree(root / ".roseram", ignore_errors=True)
    else:
        root = _project(write_generated_project(tmp_path / "g", 40, 7))
    load_project(root)
    read: list[str] = []
    original = loader._read_file
    monkeypatch.setattr(loader, "_read_file", lambda file, draft: (read.append(file.path), original(file, draft)))
    load_project(root)
    # project.yaml is read into the project itself, never cached
    assert read == [name for name in ("project.yaml",) if (root / name).exists()]


def test_roseram_folder_gets_a_gitignore(tmp_path):
    root = _project(tmp_path / "p")
    assert _compile(root).returncode == 0
    assert (root / ".roseram" / ".gitignore").read_text() == "*\n"


def test_an_existing_gitignore_is_left_alone(tmp_path):
    root = _project(tmp_path / "p")
    (root / ".roseram").mkdir()
    (root / ".roseram" / ".gitignore").write_text("cache/\n")
    assert _compile(root).returncode == 0
    assert (root / ".roseram" / ".gitignore").read_text() == "cache/\n"


def test_the_embedded_server_folder_gets_a_gitignore(tmp_path):
    from roseram_schema.server.embedded import LocalServer

    with LocalServer(tmp_path / "p" / ".roseram")._locked():
        pass
    assert (tmp_path / "p" / ".roseram" / ".gitignore").read_text() == "*\n"
