"""A fingerprint of what the diff compares in a catalog (sha256 hex).

Unlike introspect.catalog_fingerprint (the whole catalog), this one sees a catalog the way
the diff does: platform schemas and roles are left out, column order and the source-only
`renamed_from` do not count. So a database the plan was applied to has the plan's
`to_fingerprint`, and a plan's `from_fingerprint` changes only when something the diff
would see changed.

How: each object becomes a tuple of its compared fields (one C-level attrgetter call per
object, the field list worked out once per class from the type hints), nested objects
recursively, and the sha256 is taken of the repr of that tree. repr of tuples of str, int,
bool and None is unambiguous (strings are quoted and escaped), and every position has one
static type, so equal trees mean equal compared fields. A description of the layout (class
and field names) is hashed first: a field added to the model changes every fingerprint
rather than colliding with the old layout. Tuples rather than JSON dicts per object: no
dict and no key per field, which makes hashing a catalog several times faster.
"""

from __future__ import annotations

import dataclasses
import hashlib
import typing
from functools import cache
from operator import attrgetter

from ..diff.scope import managed_catalog
from ..model import Catalog, Table

# Compared, but not by the diff: renames are an instruction of the source, not a state.
_IGNORED = frozenset({"renamed_from"})
_FORMAT = "managed-fingerprint 2"


def managed_fingerprint(catalog: Catalog) -> str:
    """sha256 hex of the managed part of `catalog`, independent of input order."""
    digest = hashlib.sha256(_layout().encode("utf-8"))
    _feed_catalog(managed_catalog(catalog), digest.update)
    return digest.hexdigest()


def _feed_catalog(catalog: Catalog, update) -> None:
    """Feed `update` exactly the bytes of repr(_encoder(Catalog)(catalog)), one object of a
    catalog collection at a time: the tree and its repr of a whole large catalog at once
    would sit at the peak of `apply` (which fingerprints the target it reads under its
    lock). repr of a tuple is "(" + ", ".join(reprs) + ("," if one item) + ")"."""
    fields = _fields(Catalog)
    update(b"(")
    for n, (name, kind, node) in enumerate(fields):
        if n:
            update(b", ")
        value = getattr(catalog, name)
        if kind == "nodes":
            encode = _encoder(node)
            update(b"(")
            for i, item in enumerate(value):
                if i:
                    update(b", ")
                update(repr(encode(item)).encode("utf-8"))
            update(b",)" if len(value) == 1 else b")")
        elif kind == "node":
            update(repr(None if value is None else _encoder(node)(value)).encode("utf-8"))
        else:
            update(repr(value).encode("utf-8"))
    update(b",)" if len(fields) == 1 else b")")


def _node_class(tp):
    """The dataclass a field of type `tp` holds (X or X | None), else None."""
    args = [a for a in typing.get_args(tp) if a is not type(None)] if typing.get_args(tp) else [tp]
    if len(args) == 1 and dataclasses.is_dataclass(args[0]):
        return args[0]
    return None


def _fields(cls) -> list[tuple[str, str, type | None]]:
    """(name, kind, node class) of the compared fields of `cls`; kind is "plain" (str,
    int, bool, None or a tuple of them), "node" (a dataclass or None) or "nodes" (a tuple
    of dataclasses)."""
    hints = typing.get_type_hints(cls)
    result = []
    for f in dataclasses.fields(cls):
        if not f.compare or f.name in _IGNORED:
            continue
        tp = hints[f.name]
        if typing.get_origin(tp) is tuple and typing.get_args(tp) and dataclasses.is_dataclass(typing.get_args(tp)[0]):
            result.append((f.name, "nodes", typing.get_args(tp)[0]))
        elif _node_class(tp) is not None:
            result.append((f.name, "node", _node_class(tp)))
        else:
            result.append((f.name, "plain", None))
    return result


@cache
def _encoder(cls):
    """A function turning an instance of `cls` into a tuple of its compared fields."""
    fields = _fields(cls)
    getter = attrgetter(*(name for name, _, _ in fields))
    nested = [(i, kind, node) for i, (_, kind, node) in enumerate(fields) if kind != "plain"]
    if len(fields) == 1:  # attrgetter of one name gives the value, not a 1-tuple
        plain = getter
        getter = lambda obj: (plain(obj),)  # noqa: E731
    if not nested:
        return getter
    columns_at = next((i for i, (name, _, _) in enumerate(fields) if name == "columns"), None)
    by_name = attrgetter("name")

    def encode(obj):
        values = list(getter(obj))
        for i, kind, node in nested:  # encoders are looked up lazily (cached)
            value = values[i]
            if kind == "node":
                values[i] = None if value is None else _encoder(node)(value)
            else:
                if cls is Table and i == columns_at:
                    value = sorted(value, key=by_name)  # column order does not count
                item = _encoder(node)
                values[i] = tuple(item(v) for v in value)
        return tuple(values)

    return encode


@cache
def _layout() -> str:
    """The encoded layout: every class reachable from Catalog with its compared fields."""
    seen: dict[str, list[str]] = {}
    pending = [Catalog]
    while pending:
        cls = pending.pop()
        if cls.__name__ in seen:
            continue
        fields = _fields(cls)
        seen[cls.__name__] = [f"{name}:{kind}" for name, kind, _ in fields]
        pending.extend(node for _, _, node in fields if node is not None)
    return _FORMAT + "|" + repr(sorted(seen.items())) + "|"
