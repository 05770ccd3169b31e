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


@cache
def _hints(cls) -> dict:
    return typing.get_type_hints(cls)


def _decode_dataclass(cls, data: dict):
    hints = _hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"{cls.__name__}: unknown fields {sorted(unknown)}")
    return cls(**{name: _decode(hints[name], value) for name, value in data.items()})


def _decode(tp, value):
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        candidates = [a for a in typing.get_args(tp) if a is not type(None)]
        return _decode(candidates[0], value) if len(candidates) == 1 else value
    if origin is tuple:
        args = typing.get_args(tp)
        item_type = args[0] if args else object
        return tuple(_decode(item_type, v) for v in value)
    if dataclasses.is_dataclass(tp):
        return _decode_dataclass(tp, value)
    # plain values (str, int, bool) and raw data (`object`, e.g. an access contract)
    return value
