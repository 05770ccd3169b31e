"""The parse cache: a load that reuses what unchanged files declared gives the very same
Project (origins included) as a load that parses everything, and parses only what changed."""

from __future__ import annotations

import dataclasses
import pickle
import shutil
from pathlib import Path

import pytest

from roseram_schema.errors import SourceError
from roseram_schema.source import fingerprint_of, loader, naming, read_source, relations, snippetfacts, source_files
from roseram_schema.cache import parse as parsecache
from roseram_schema.cache.parse import CACHE_FILE, ParseCache
from roseram_schema.cache.files import CACHE_DIR, write_bytes_atomically
from roseram_schema.state.files import read_verified
from roseram_schema.state.userkey import TAG_BYTES

from bench_generator import write_generated_project

from .helpers import write_project

REPO = Path(__file__).resolve().parents[2]
FULL = Path(__file__).parent / "fixtures" / "full"


def _copy_project(src: Path, dst: Path) -> Path:
    """The source of a project (project.yaml and the three areas), without its caches."""
    dst.mkdir(parents=True)
    for name in ("project.yaml", "schema", "policies", "views"):
        if (src / name).is_dir():
            shutil.copytree(src / name, dst / name)
        elif (src / name).is_file():
            shutil.copy(src / name, dst / name)
    return dst


def _generated_project(dst: Path) -> Path:
    """A project of bench/generate.py: 40 tables, their policies, views and triggers."""
    return write_generated_project(dst, 40, 7)


def _cache_data(root: Path) -> dict:
    return pickle.loads(read_verified(root / CACHE_DIR / CACHE_FILE))


class _Tagged(bytes):
    """Content to be written with a valid tag (as the tool itself would), so the checks
    after the tag's are reached."""


def _with_crc(payload: bytes) -> bytes:
    return _Tagged(payload)


def _rewritten(data: bytes, change) -> bytes:
    """A well-formed cache file (valid tag) whose content `change` altered."""
    content = pickle.loads(data[:-TAG_BYTES])
    change(content)
    return _with_crc(pickle.dumps(content))


def _write(path: Path, data: bytes) -> None:
    if isinstance(data, _Tagged):
        write_bytes_atomically(path, bytes(data))
    else:
        path.write_bytes(data)


def _deep(value):
    """A value with every dataclass field spelt out, the ones left out of == (origins) too."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__,
                tuple((f.name, _deep(getattr(value, f.name))) for f in dataclasses.fields(value)))
    if isinstance(value, dict):
        return ("dict", tuple((_deep(k), _deep(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_deep(v) for v in value))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted(map(repr, value))))
    return value


def load_project(root, snapshot=None, *, cache=True):
    """The loader as the commands call it: with the project's parse cache, or (`cache`
    False) without one."""
    return loader.load_project(root, snapshot, parse_cache=ParseCache.open(root) if cache else None)


@pytest.fixture
def parses(monkeypatch):
    """The paths read (parsed) by load_project, in order."""
    seen: list[str] = []
    original = loader._read_file

    def counting(file, draft):
        seen.append(file.path)
        return original(file, draft)

    monkeypatch.setattr(loader, "_read_file", counting)
    return seen


def _non_project(paths) -> list[str]:
    return [p for p in paths if p not in loader.PROJECT_FILES]


@pytest.mark.parametrize("make", [
    lambda tmp: _copy_project(REPO, tmp / "roseram"),
    lambda tmp: _copy_project(FULL, tmp / "full"),
    lambda tmp: _generated_project(tmp / "generated"),
], ids=["roseram", "full_fixture", "generated"])
def test_cached_load_is_identical_and_parses_nothing(tmp_path, parses, make):
    root = make(tmp_path)
    plain = _deep(load_project(root, cache=False))
    assert not (root / CACHE_DIR / CACHE_FILE).exists()
    first = _deep(load_project(root))  # parses everything, fills the cache
    assert (root / CACHE_DIR / CACHE_FILE).is_file()
    parses.clear()
    second = _deep(load_project(root))
    assert _non_project(parses) == []  # every file came from the cache
    assert first == plain
    assert second == plain


def test_only_the_edited_file_is_parsed_again(tmp_path, parses):
    root = _generated_project(tmp_path / "p")
    load_project(root)
    table = sorted((root / "schema" / "public").glob("*.yaml"))[3]
    rel = table.relative_to(root).as_posix()
    table.write_text(table.read_text().replace("columns:\n", "columns:\n  extra_note: {type: text}\n", 1))
    parses.clear()
    edited = load_project(root)
    assert _non_project(parses) == [rel]
    assert _deep(edited) == _deep(load_project(root, cache=False))
    key = "public." + table.stem
    assert edited.catalog.table(key).column("extra_note").origin.path == rel
    parses.clear()
    load_project(root)
    assert _non_project(parses) == []  # and the new version is cached in turn


def test_a_removed_file_is_forgotten(tmp_path, parses):
    root = _copy_project(FULL, tmp_path / "p")
    load_project(root)
    (root / "views" / "public" / "post_counts.sql").unlink()
    without = load_project(root)
    assert "public.post_counts" not in {v.key for v in without.catalog.views}
    entries = _cache_data(root)["entries"]
    assert "views/public/post_counts.sql" not in entries
    assert set(entries) == set(_non_project(source_files(root)))


def _flip_a_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x20]) + data[middle + 1:]


@pytest.mark.parametrize("damage", [
    lambda data: b"not a pickle at all",
    lambda data: data[: len(data) // 2],
    lambda data: b"",
    _flip_a_byte,
    lambda data: _rewritten(data, lambda c: c.update(version="another version")),
    lambda data: _rewritten(data, lambda c: c.update(entries={k: (v[0], b"garbage") for k, v in c["entries"].items()})),
    lambda data: _with_crc(pickle.dumps(["a list", "not a dict"])),
    lambda data: _rewritten(data, lambda c: c.pop("facts")),
    lambda data: _rewritten(data, lambda c: c.pop("strings")),
    lambda data: _rewritten(data, lambda c: c.update(strings=c["strings"][:3])),
    lambda data: _rewritten(data, lambda c: c.pop("fresh")),
], ids=["garbage", "truncated", "empty", "flipped_byte", "other_version", "damaged_entries", "wrong_shape",
        "no_facts", "no_strings", "strings_cut_short", "no_fresh"])
def test_a_corrupt_cache_is_ignored(tmp_path, parses, damage):
    root = _copy_project(FULL, tmp_path / "p")
    plain = _deep(load_project(root, cache=False))
    load_project(root)
    path = root / CACHE_DIR / CACHE_FILE
    _write(path, damage(path.read_bytes()))
    parses.clear()
    assert _deep(load_project(root)) == plain
    assert sorted(_non_project(parses)) == _non_project(source_files(root))  # all parsed again
    parses.clear()
    assert _deep(load_project(root)) == plain  # and the cache was written anew
    assert _non_project(parses) == []


def test_cached_files_share_their_strings(tmp_path):
    """Equal strings of different files load as one object (the memory of a large project)."""
    root = write_project(tmp_path, {
        "schema/public/a.yaml": "columns: {id: uuid, note: text}\n",
        "schema/public/b.yaml": "columns: {id: uuid, note: text}\n",
    })
    load_project(root)
    catalog = load_project(root).catalog
    a, b = catalog.table("public.a"), catalog.table("public.b")
    assert a.columns == b.columns
    assert all(x.name is y.name and x.type is y.type for x, y in zip(a.columns, b.columns))
    assert a.origin.path == "schema/public/a.yaml" and a.columns[1].origin.path == "schema/public/a.yaml"


def test_a_list_grown_mostly_stale_starts_the_cache_afresh(tmp_path, parses, monkeypatch):
    monkeypatch.setattr(parsecache, "_STALE_SLACK", 0)
    root = write_project(tmp_path, {"schema/public/t.yaml": "columns: {a: int}\n",
                                    "schema/public/u.yaml": "columns: {b: int}\n"})
    load_project(root)
    fresh = _cache_data(root)["fresh"]
    assert fresh == len(_cache_data(root)["strings"]) > 0
    (root / "schema/public/t.yaml").write_text("columns: {a: int, c_new: text}\n")
    load_project(root)  # a few more strings: carried
    assert _cache_data(root)["fresh"] == fresh and len(_cache_data(root)["entries"]) == 2
    many = ", ".join(f"n{i}: text" for i in range(fresh))
    (root / "schema/public/t.yaml").write_text(f"columns: {{a: int, {many}}}\n")
    expected = _deep(load_project(root, cache=False))
    assert _deep(load_project(root)) == expected  # now more new strings than it started with
    assert _cache_data(root) | {"facts": None} == {"version": parsecache.code_version(), "entries": {},
                                                    "strings": [], "fresh": 0, "facts": None}
    parses.clear()
    assert _deep(load_project(root)) == expected
    assert sorted(_non_project(parses)) == ["schema/public/t.yaml", "schema/public/u.yaml"]
    assert len(_cache_data(root)["entries"]) == 2
    assert _cache_data(root)["fresh"] == len(_cache_data(root)["strings"])


def test_snippet_facts_come_from_the_cache(tmp_path, monkeypatch):
    """Naming and validation parse no SQL snippet when the cache knows the answers."""
    root = _generated_project(tmp_path / "p")
    load_project(root)
    assert _cache_data(root)["facts"]
    asked: list[str] = []
    for module, name in ((naming, "parse_index_key"), (relations, "parse_index_key"),
                         (relations, "parse_expression")):
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda text, original=original: asked.append(text) or original(text))
    monkeypatch.setattr(snippetfacts, "_known", {})  # a new process
    expected = _deep(load_project(root))
    assert asked == []
    monkeypatch.setattr(snippetfacts, "_known", {})
    assert _deep(load_project(root, cache=False)) == expected
    assert asked  # without the cache they are parsed


def test_an_entry_for_other_bytes_is_not_used(tmp_path):
    """An entry is only good for the exact bytes it was made from (same path, same length)."""
    root = write_project(tmp_path, {"schema/public/t.yaml": "columns: {a: int}\n"})
    load_project(root)
    (root / "schema/public/t.yaml").write_text("columns: {b: int}\n")
    assert [c.name for c in load_project(root).catalog.table("public.t").columns] == ["b"]


BROKEN = {
    "project.yaml": "schemas: [public]\n",
    "schema/public/good.yaml": "columns: {id: int}\nprimary_key: [id]\n",
    "schema/public/bad.yaml": "columns:\n  id: {type: int, nulable: false}\n",
    "schema/public/twice.sql": "CREATE TABLE public.good (id int);\n",
    "policies/public/good.yaml": "rls: enabled\npolicies:\n  - {name: p, using: \"id > \"}\n",
    # a view with no problem of its own, whose reference is reported at the place it is written
    "views/public/v.sql": "-- comment: reads a missing table\nSELECT id\n  FROM public.missing\n",
}


def test_a_broken_file_reports_the_same_problems_every_time(tmp_path, parses):
    root = write_project(tmp_path, BROKEN)
    with pytest.raises(SourceError) as plain:
        load_project(root, cache=False)
    expected = [str(p) for p in plain.value.problems]
    assert any("bad.yaml:2:" in p and "nulable" in p for p in expected)
    assert any("duplicate table public.good" in p for p in expected)
    assert any("policies/public/good.yaml:3:" in p for p in expected)
    assert any(p.startswith("views/public/v.sql:3:8: ") and "public.missing" in p for p in expected)
    for _ in range(2):
        parses.clear()
        with pytest.raises(SourceError) as again:
            load_project(root)
        assert [str(p) for p in again.value.problems] == expected
        # the files with problems of their own are parsed every time, never taken from the cache
        assert {"schema/public/bad.yaml", "policies/public/good.yaml"} <= set(parses)
    # the good files were cached and are not parsed again; the duplicate is still reported
    assert not {"schema/public/good.yaml", "schema/public/twice.sql", "views/public/v.sql"} & set(parses)


def test_an_unwritable_cache_folder_is_no_error(tmp_path):
    root = _copy_project(FULL, tmp_path / "p")
    (root / ".roseram").write_text("a file where the cache folder would go")
    assert _deep(load_project(root)) == _deep(load_project(root, cache=False))
    assert (root / ".roseram").is_file()


def test_a_snapshot_is_loaded_without_reading_the_files_again(tmp_path):
    root = _copy_project(FULL, tmp_path / "p")
    snapshot = read_source(root)
    assert snapshot.fingerprint == fingerprint_of(root, source_files(root))
    assert list(snapshot.data) == source_files(root)
    table = root / "schema" / "public" / "events.yaml"
    table.write_text(table.read_text() + "comment: changed after the snapshot\n")
    project = load_project(root, snapshot)
    assert project.fingerprint == snapshot.fingerprint
    assert project.catalog.table("public.events").comment is None  # the snapshot's bytes
    assert load_project(root).catalog.table("public.events").comment == "changed after the snapshot"


def _rglob_source_files(root: Path) -> list[str]:
    """source_files as it was written with Path.rglob (the reference for the scandir walk)."""
    found = [name for name in loader.PROJECT_FILES if (root / name).is_file()]
    for area in loader.AREAS:
        base = root / area
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            rel = path.relative_to(root)
            if any(part.startswith(".") for part in rel.parts):
                continue
            if path.is_file() and path.suffix.lower() in loader.SOURCE_SUFFIXES:
                found.append(rel.as_posix())
    return sorted(found)


def test_source_files_walk_matches_rglob(tmp_path):
    root = write_project(tmp_path / "p", {
        "project.yml": "",
        "schema/a.yaml": "", "schema/B.YML": "", "schema/c.Sql": "", "schema/d.txt": "",
        "schema/x/y/z/deep.yaml": "", "schema/.hidden/e.yaml": "", "schema/x/.f.yaml": "",
        "policies/p.yaml": "", "views/v.sql": "", "views/noext": "", "other/o.yaml": "",
        "outside/linked.sql": "", "outside/dir/in_linked_dir.sql": "",
    })
    (root / "schema" / "a_dir.yaml").mkdir()
    (root / "views" / "link.sql").symlink_to(root / "outside" / "linked.sql")
    (root / "views" / "dirlink").symlink_to(root / "outside" / "dir")
    (root / "views" / "broken.sql").symlink_to(root / "outside" / "missing.sql")
    assert source_files(root) == _rglob_source_files(root)
    assert "views/link.sql" in source_files(root)
    assert "views/dirlink/in_linked_dir.sql" not in source_files(root)
