"""catalog_to_bytes writes the tables in parts, each pickle with its own memo, so the
pickler never holds a whole large catalog's objects; the parts read back as the one catalog."""

from __future__ import annotations

import io
import pickle

import pytest

from roseram_schema.model import serialize as catalog_json
from roseram_schema.model.serialize import catalog_from_bytes, catalog_to_bytes
from roseram_schema.errors import Origin
from roseram_schema.model import Column, Index, Schema, Table, build_catalog


def _catalog(n: int):
    tables = [Table("public", f"t{i:02d}", columns=(Column("id", "bigint", origin=Origin(f"t{i}.yaml", 2)),),
                    indexes=(Index(f"t{i:02d}_idx", ("id",)),), origin=Origin(f"t{i}.yaml", 1)) for i in range(n)]
    return build_catalog(schemas=[Schema("public")], tables=tables)


def _pickles(data: bytes) -> list:
    """The pickles one after the other, read with the plain unpickler."""
    f, out = io.BytesIO(data), []
    while f.tell() < len(data):
        out.append(pickle.load(f))
    return out


@pytest.mark.parametrize("n", [0, 1, 4, 5, 11])
def test_tables_are_written_in_parts_and_read_back_whole(monkeypatch, n):
    monkeypatch.setattr(catalog_json, "_TABLES_PER_PART", 5)
    catalog = _catalog(n)
    data = catalog_to_bytes(catalog)
    parts = _pickles(data)
    assert parts[0] == build_catalog(schemas=[Schema("public")])  # the catalog without its tables
    assert [len(p) for p in parts[1:]] == [5] * (n // 5) + ([n % 5] if n % 5 else []) + [0]
    back = catalog_from_bytes(data)
    assert back == catalog
    assert [t.origin for t in back.tables] == [t.origin for t in catalog.tables]


def test_a_stream_missing_its_end_or_holding_other_parts_is_refused(monkeypatch):
    monkeypatch.setattr(catalog_json, "_TABLES_PER_PART", 2)
    catalog = _catalog(3)
    parts = _pickles(catalog_to_bytes(catalog))
    without_end = b"".join(pickle.dumps(p, protocol=5) for p in parts[:-1])
    foreign = b"".join(pickle.dumps(p, protocol=5) for p in (parts[0], ("not a table",), ()))
    whole_first = b"".join(pickle.dumps(p, protocol=5) for p in (catalog, ()))
    assert catalog_from_bytes(b"".join(pickle.dumps(p, protocol=5) for p in parts)) == catalog
    for bad in (without_end, foreign, whole_first):
        with pytest.raises(ValueError):
            catalog_from_bytes(bad)
