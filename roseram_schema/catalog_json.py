"""Catalog <-> JSON, for the normalization cache and for fingerprints.

The encoding is generic over the model's frozen dataclasses: an object becomes a JSON
object of its fields, leaving out every field that still has its default value. That keeps
the documents small, and a field added to the model later (always with a default) neither
changes existing documents nor their fingerprints. Keys are sorted, so the same catalog
always gives the same bytes.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from functools import cache

from .model import Catalog

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
    """A function turning JSON data into a value of type `tp`, built once per type: the
    cache of a 300-table catalog holds ~40,000 values, so the type analysis is not
    repeated for each of them."""
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
