"""The binary cache files (desired state, previous source): an exact round trip, and any
damaged, foreign or older file is a miss, never an error (no database needed)."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest

from roseram_schema.cache.files import CACHE_DIR, CACHE_ENTRIES
from roseram_schema.model.serialize import catalog_from_bytes, catalog_to_bytes, catalog_to_json
from roseram_schema.cache.desired import (
    ENTRY_TAG,
    DesiredState,
    entry_path,
    read_entry,
    read_entry_meta,
    write_entry,
)
from roseram_schema.cache.incremental import SOURCE_TAG, read_source, source_cache_path, write_source
from roseram_schema.normalize.catalog import source_scope
from roseram_schema.plan.fingerprint import managed_fingerprint
from roseram_schema.source import load_project

REPO = Path(__file__).resolve().parents[2]
KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def roseram():
    """The repository's own project: contracts, functions, views, origins everywhere."""
    return load_project(REPO)


@pytest.fixture
def state(roseram) -> DesiredState:
    return DesiredState(roseram.catalog, source_scope(roseram.catalog), managed_fingerprint(roseram.catalog))


def _origins(catalog):
    return [t.origin for t in catalog.tables] + [c.origin for t in catalog.tables for c in t.columns] + \
        [p.origin for t in catalog.tables for p in t.policies] + [f.origin for f in catalog.functions]


def test_desired_entry_round_trip_is_exact(tmp_path, state):
    write_entry(tmp_path, KEY, state)
    back = read_entry(tmp_path, KEY)
    assert back == state  # catalog, scope and fingerprint
    # what == leaves out (compare=False) survives too
    assert _origins(back.catalog) == _origins(state.catalog)
    assert [t.contract for t in back.catalog.tables] == [t.contract for t in state.catalog.tables]
    assert any(t.contract for t in back.catalog.tables)
    assert catalog_to_json(back.catalog) == catalog_to_json(state.catalog)


def test_entry_meta_matches_the_entry_without_the_catalog(tmp_path, state):
    write_entry(tmp_path, KEY, state)
    assert read_entry_meta(tmp_path, KEY) == (state.scope, state.fingerprint)
    # only the two head lines are decoded, but the whole file's tag is checked first: a
    # file whose catalog part is not the one written is not trusted for its head either
    path = entry_path(tmp_path, KEY)
    head, _, rest = path.read_bytes().partition(b"\n")
    meta, _, _ = rest.partition(b"\n")
    path.write_bytes(head + b"\n" + meta + b"\n" + b"garbage")
    assert read_entry_meta(tmp_path, KEY) is None
    assert read_entry(tmp_path, KEY) is None
    assert read_entry_meta(tmp_path, "f" * 32) is None


def _damaged(data: bytes, tag: bytes, head: bytes) -> dict[str, bytes]:
    """Ways a cache file can be wrong: cut anywhere, flipped bytes, another format. `head`
    is what precedes the pickle in a good file."""
    assert data.startswith(head) and head.startswith(tag)
    cases = {f"cut at {n}": data[:n] for n in (0, 1, len(tag) - 1, len(tag), len(tag) + 5, len(data) // 2, len(data) - 1)}
    middle = len(data) // 2
    cases["flipped bytes"] = data[:middle] + bytes(b ^ 0xFF for b in data[middle:middle + 64]) + data[middle + 64:]
    cases["empty"] = b""
    cases["text"] = b"{not a cache file"
    cases["old JSON lines"] = b'{"fingerprint": "x", "scope": {}}\n{"format": 1, "catalog": {}}'
    cases["other tag"] = tag.replace(b" ", b" 9") + data[len(tag):]
    cases["another object"] = head + pickle.dumps({"tables": []}, protocol=5)
    cases["a foreign class"] = head + pickle.dumps(os.system, protocol=5)
    return cases


def test_a_damaged_or_foreign_desired_entry_is_a_miss(tmp_path, state):
    write_entry(tmp_path, KEY, state)
    path = entry_path(tmp_path, KEY)
    good = path.read_bytes()
    assert good.startswith(ENTRY_TAG)
    head = good[: good.index(b"\n", len(ENTRY_TAG)) + 1]
    for name, data in _damaged(good, ENTRY_TAG, head).items():
        path.write_bytes(data)
        assert read_entry(tmp_path, KEY) is None, name
    path.unlink()
    assert read_entry(tmp_path, KEY) is None
    assert read_entry_meta(tmp_path, KEY) is None


def test_source_cache_round_trip_and_damage(tmp_path, roseram):
    write_source(tmp_path, "fp1", roseram.catalog)
    back = read_source(tmp_path, "fp1")
    assert back == roseram.catalog
    assert _origins(back) == _origins(roseram.catalog)
    assert [t.renamed_from for t in back.tables] == [t.renamed_from for t in roseram.catalog.tables]
    path = source_cache_path(tmp_path, "fp1")
    good = path.read_bytes()
    for name, data in _damaged(good, SOURCE_TAG, SOURCE_TAG).items():
        path.write_bytes(data)
        assert read_source(tmp_path, "fp1") is None, name
    assert read_source(tmp_path, "absent") is None


def test_catalog_bytes_refuse_anything_but_a_catalog(roseram):
    data = catalog_to_bytes(roseram.catalog)
    assert catalog_from_bytes(data) == roseram.catalog
    for bad in (b"", data[:-1], pickle.dumps(roseram.catalog.tables, protocol=5), pickle.dumps(os.system)):
        with pytest.raises(ValueError):
            catalog_from_bytes(bad)


def test_entries_are_pruned_and_the_json_format_dropped(tmp_path, state):
    cache = tmp_path / CACHE_DIR
    cache.mkdir(parents=True)
    legacy = cache / "desired-old.json"
    legacy.write_text('{"fingerprint": "x"}\n{}')
    memo = cache / "clean-abc.json"  # another kind of file: left alone
    memo.write_text("{}")
    keys = [f"{i:032x}" for i in range(CACHE_ENTRIES + 3)]
    for n, key in enumerate(keys):
        write_entry(tmp_path, key, state)
        os.utime(entry_path(tmp_path, key), (1_000_000 + n, 1_000_000 + n))
    write_entry(tmp_path, keys[-1], state)  # prunes, newest kept
    left = sorted(p.name for p in cache.glob("desired-*"))
    assert left == sorted(entry_path(tmp_path, k).name for k in keys[-CACHE_ENTRIES:])
    assert not legacy.exists()
    assert memo.exists()
    assert json.loads(memo.read_text()) == {}


class _Touch:
    """Unpickling this creates a file: what a crafted cache file could do with pickle."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def test_a_crafted_cache_file_runs_nothing(tmp_path):
    marker = tmp_path / "touched"
    data = pickle.dumps(_Touch(marker), protocol=5)
    pickle.loads(data)  # the plain unpickler does run it ...
    assert marker.exists()
    marker.unlink()
    with pytest.raises(ValueError):  # ... the cache's reader refuses before calling anything
        catalog_from_bytes(data)
    assert not marker.exists()


def test_equal_strings_load_as_one_object():
    from roseram_schema.model import Column, Table, build_catalog

    def text(value: str) -> str:  # a new object, as each database row gives
        return "".join(list(value))

    tables = [Table(text("public"), f"t{i}", columns=(Column("id", text("bigint")),), grants=()) for i in range(3)]
    assert tables[0].schema is not tables[1].schema
    back = catalog_from_bytes(catalog_to_bytes(build_catalog(tables=tables)))
    assert back == build_catalog(tables=tables)
    assert back.tables[0].schema is back.tables[1].schema is back.tables[2].schema
    assert back.tables[0].columns[0].type is back.tables[2].columns[0].type


def test_loading_leaves_the_collector_as_it_found_it(roseram):
    import gc

    from roseram_schema.normalize.origins import attach_origins

    assert gc.isenabled()
    data = catalog_to_bytes(roseram.catalog)
    assert gc.isenabled()
    catalog_from_bytes(data)
    with pytest.raises(ValueError):
        catalog_from_bytes(data[:-10])
    assert attach_origins(roseram.catalog, roseram.catalog) == roseram.catalog
    assert gc.isenabled()
    gc.disable()
    try:
        catalog_from_bytes(catalog_to_bytes(roseram.catalog))
        attach_origins(roseram.catalog, roseram.catalog)
        assert not gc.isenabled()
    finally:
        gc.enable()
