"""A crafted or damaged JSON cache file (wrong types, nested past the recursion limit) is a
miss for every reader, never an error: the command runs as without it."""

from __future__ import annotations

import pytest

from roseram_schema.cache.files import CACHE_DIR, known_server_version, remember_server_version
from roseram_schema.cache.desired import ENTRY_TAG, entry_path, read_entry, read_entry_meta
from roseram_schema.cache.nochange import memo_path, read_memo

KEY = "0123456789abcdef0123456789abcdef"
DEEP = "[" * 100_000 + "]" * 100_000
CRAFTED = [
    DEEP,
    "[1, 2]",
    '{"scope": {}, "fingerprint": "x", "live": []}',
    '{"scope": {"schemas": [1], "roles": [], "extensions": []}, "fingerprint": "x", "live": []}',
    '{"scope": {"schemas": "public", "roles": [], "extensions": []}, "fingerprint": "x", "live": ["d"]}',
    '{"schemas": [{"a": 1}], "roles": [], "extensions": []}',
    '{"embedded": "150000", "x": [1]}',
    "not json",
]


@pytest.mark.parametrize("text", CRAFTED, ids=range(len(CRAFTED)))
def test_every_json_cache_reader_misses_on_a_crafted_file(tmp_path, text):
    cache = tmp_path / CACHE_DIR
    cache.mkdir(parents=True)
    (cache / "dev-servers.json").write_text(text)
    memo_path(tmp_path, KEY).write_text(text)
    entry_path(tmp_path, KEY).write_bytes(ENTRY_TAG + text.encode() + b"\n")
    assert known_server_version(tmp_path, "embedded") is None
    assert read_memo(tmp_path, KEY) is None
    assert read_entry_meta(tmp_path, KEY) is None
    assert read_entry(tmp_path, KEY) is None
    remember_server_version(tmp_path, "embedded", 180000)  # rewritten whole
    assert known_server_version(tmp_path, "embedded") == 180000
