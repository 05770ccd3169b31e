"""Catalog <-> JSON, for fingerprints and readable dumps; Catalog <-> bytes, for the caches.

The encoding is generic over the model's frozen dataclasses: an object becomes a JSON
object of its fields, leaving out every field that still has its default value. That keeps
the documents small, and a field added to the model later (always with a default) neither
changes existing documents nor their fingerprints. Keys are sorted, so the same catalog
always gives the same bytes.

The caches (cache/desired.py, cache/incremental.py) use catalog_to_bytes instead: a
pickle of the frozen dataclasses, read back without per-field Python work.
Pickle stays an internal cache format: the cache key includes the code fingerprint, so a
file is only ever read by the code that wrote it, and the reader only accepts the model's
own classes (anything else is a ValueError, i.e. a cache miss).
"""

from __future__ import annotations

import dataclasses
import gc
import io
import json
import pickle
import types
import typing
from contextlib import contextmanager
from functools import cache
from operator import attrgetter

from .unpickle import load as load_restricted
from . import Catalog, Table

FORMAT_VERSION = 1

_MISSING = dataclasses.MISSING


def catalog_to_dict(catalog: Catalog, *, compared_only: bool = False) -> dict:
    """The catalog as plain JSON data.

    compared_only: leave out the fields that never take part in equality (origins, the
    access contract, View.depends_on), so two catalogs that compare equal give equal data.
    """
    return {"format": FORMAT_VERSION, "catalog": _encode(catalog, compared_only)}


def catalog_to_json(catalog: Catalog, *, compared_only: bool = False, indent: int | None = None) -> str:
    """The catalog as canonical JSON text (sorted keys; see catalog_to_dict)."""
    separators = (",", ":") if indent is None else (",", ": ")
    return json.dumps(
        catalog_to_dict(catalog, compared_only=compared_only),
        sort_keys=True,
        separators=separators,
        indent=indent,
        ensure_ascii=False,
    )


def catalog_from_json(text: str) -> Catalog:
    """The Catalog a catalog_to_json text describes. Raises ValueError on another format."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        raise ValueError(f"not a catalog document of format {FORMAT_VERSION}")
    return _decode_dataclass(Catalog, data["catalog"])


def _encode(value, compared_only: bool):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        result = {}
        for f in dataclasses.fields(value):
            if compared_only and not f.compare:
                continue
            item = getattr(value, f.name)
            if _is_default(f, item):
                continue
            result[f.name] = _encode(item, compared_only)
        return result
    if isinstance(value, (tuple, list)):
        return [_encode(v, compared_only) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v, compared_only) for k, v in value.items()}
    return value


def _is_default(f: dataclasses.Field, value) -> bool:
    if f.default is not _MISSING:
        return value == f.default
    if f.default_factory is not _MISSING:  # type: ignore[misc]
        return value == f.default_factory()  # type: ignore[misc]
    return False


def _decode_dataclass(cls, data: dict):
    return _decoder(cls)(data)


@cache
def _decoder(tp):
    """A function turning JSON data into a value of type `tp`, built once per type: a
    catalog holds many values of few types, so the type analysis is not repeated for
    each of them."""
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        candidates = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(candidates) != 1:
            return _identity
        inner = _decoder(candidates[0])
        return lambda value: None if value is None else inner(value)
    if origin is tuple:
        args = typing.get_args(tp)
        item = _decoder(args[0]) if args else _identity
        if item is _identity:
            return tuple
        return lambda value: tuple(item(v) for v in value)
    if dataclasses.is_dataclass(tp):
        return _dataclass_decoder(tp)
    # plain values (str, int, bool) and raw data (`object`, e.g. an access contract)
    return _identity


def _identity(value):
    return value


def _dataclass_decoder(cls):
    hints = typing.get_type_hints(cls)
    fields = {f.name: _decoder(hints[f.name]) for f in dataclasses.fields(cls)}

    def decode(data: dict):
        if data is None:
            return None
        unknown = data.keys() - fields.keys()
        if unknown:
            raise ValueError(f"{cls.__name__}: unknown fields {sorted(unknown)}")
        return cls(**{name: fields[name](value) for name, value in data.items()})

    return decode


# Tables per pickle of catalog_to_bytes (see there).
_TABLES_PER_PART = 200


def catalog_to_bytes(catalog: Catalog) -> bytes:
    """The catalog as pickle (protocol 5) bytes, for a cache (see catalog_from_bytes).

    The bytes are a run of pickles: the catalog without its tables, then its tables a few
    hundred at a time, then an empty tuple. A pickler keeps every object it wrote alive
    (its memo) with the argument tuple made for it, many times the size of its output and
    at the moment a plan's memory peaks: parts bound that memo. Equal strings are one
    object within a part (the common ones then load as a copy per part, a few kilobytes)."""
    out = io.BytesIO()
    with paused_gc():  # a tuple per object is made, none is garbage before the end
        _ModelPickler(out, protocol=5).dump(dataclasses.replace(catalog, tables=()))
        tables = catalog.tables
        for start in range(0, len(tables), _TABLES_PER_PART):
            _ModelPickler(out, protocol=5).dump(tables[start:start + _TABLES_PER_PART])
        _ModelPickler(out, protocol=5).dump(())
    return out.getvalue()


class _ModelPickler(pickle.Pickler):
    """Pickles each model object as its class called with its field values, equal strings
    as one string.

    The default (an empty object, then its __dict__ set) would give every loaded object a
    materialized __dict__, which objects built by __init__ (as these are) do not have.
    Pickle shares only what was one object when written, and a catalog read from a
    database holds a string object per row and column ("public", "text" ..., few of them
    distinct): passed through one dict, they load as one object each, so the loaded catalog
    and the file are smaller for a little more work when writing."""

    def __init__(self, file, **kwargs):
        super().__init__(file, **kwargs)
        self._strings: dict[str, str] = {}

    def reducer_override(self, obj):
        values = field_values(type(obj))
        if values is None:
            return NotImplemented
        one = self._strings.setdefault
        return type(obj), tuple([
            one(v, v) if type(v) is str
            else tuple([one(x, x) if type(x) is str else x for x in v]) if type(v) is tuple and v and type(v[0]) is str
            else v
            for v in values(obj)
        ])


@cache
def field_values(cls):
    """A function giving the field values of a `cls` instance in __init__ order (None
    when `cls` is no dataclass: pickled the default way)."""
    if not dataclasses.is_dataclass(cls) or not all(f.init for f in dataclasses.fields(cls)):
        return None
    names = [f.name for f in dataclasses.fields(cls)]
    if len(names) == 1:
        name = names[0]
        return lambda obj: (getattr(obj, name),)
    return attrgetter(*names)


def catalog_from_bytes(data: bytes) -> Catalog:
    """The Catalog catalog_to_bytes gave. Raises ValueError for anything else: truncated,
    corrupt, another type, or a class outside the model (nothing else is ever imported)."""
    return catalog_from_file(io.BytesIO(data))


def catalog_from_file(file) -> Catalog:
    """catalog_from_bytes of what is left to read in a binary file (read as it is decoded:
    the whole file is never held as one more bytes object)."""
    try:
        with paused_gc():
            catalog = load_restricted(file)
            if not isinstance(catalog, Catalog) or catalog.tables:
                raise ValueError(f"a {type(catalog).__name__}, not a catalog without its tables")
            tables: list = []
            while True:  # catalog_to_bytes: tables in parts, then ()
                part = load_restricted(file)  # each part has a pickle (and memo) of its own
                if part == ():
                    break
                if type(part) is not tuple or not all(type(t) is Table for t in part):
                    raise ValueError("a part that is not a tuple of tables")
                tables += part
            return dataclasses.replace(catalog, tables=tuple(tables))
    except Exception as exc:  # noqa: BLE001 - any damage is "not a catalog"
        raise ValueError(f"not a catalog pickle: {exc}") from exc


@contextmanager
def paused_gc():
    """No cyclic garbage collection inside: for code that builds a whole catalog at once.

    Frozen model objects form no cycles, so a collection while they are made finds nothing,
    yet each full one walks every object alive (a loaded project, two catalogs), which was
    most of the time of attach_origins, of pickling a catalog and of loading one."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
