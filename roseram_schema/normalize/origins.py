"""Carry the source's origins (and other source-only facts) onto an inspected catalog.

A normalized catalog is read back from a scratch database, so it knows nothing about
files and lines. Objects are matched by key (table "schema.name", column name, constraint
name, ...) and get the source object's origin, plus the source-only fields the diff needs
on the desired side: `renamed_from` (renames are declared, never guessed) and the access
contract. Objects without a source counterpart keep origin None.
"""

from __future__ import annotations

from dataclasses import replace

from ..model import Catalog, Function, Table, View


def attach_origins(normalized: Catalog, source: Catalog) -> Catalog:
    """`normalized` with origins, renamed_from and contracts copied from `source` by key."""
    from ..model.serialize import paused_gc

    with paused_gc():  # a new copy of every object: see paused_gc
        return _attach(normalized, source)


def _attach(normalized: Catalog, source: Catalog) -> Catalog:
    return Catalog(
        schemas=_attach_each(normalized.schemas, source.schemas, lambda s: s.name, _with_grants),
        extensions=_attach_each(normalized.extensions, source.extensions, lambda e: e.name),
        roles=_attach_each(normalized.roles, source.roles, lambda r: r.name),
        enums=_attach_each(normalized.enums, source.enums, lambda e: e.key),
        tables=_attach_each(normalized.tables, source.tables, lambda t: t.key, _table),
        views=_attach_each(normalized.views, source.views, lambda v: v.key, _view),
        functions=_functions(normalized.functions, source.functions),
        triggers=_attach_each(normalized.triggers, source.triggers, lambda t: t.key),
        domains=_attach_each(normalized.domains, source.domains, lambda d: d.key),
        composite_types=_attach_each(normalized.composite_types, source.composite_types, lambda t: t.key),
        sequences=_attach_each(normalized.sequences, source.sequences, lambda s: s.key, _with_grants),
        grants_mode=source.grants_mode,
        default_privileges=source.default_privileges,
        database_grants=source.database_grants,
        database_revokes=source.database_revokes,
        platform_tables=_attach_each(normalized.platform_tables, source.platform_tables, lambda t: t.key,
                                     _table),
        publications=_attach_each(normalized.publications, source.publications, lambda p: p.name),
    )


def _attach_each(items, sources, key, extra=None) -> tuple:
    by_key = {key(s): s for s in sources}
    result = []
    for item in items:
        src = by_key.get(key(item))
        result.append(_merge(item, src, extra) if src is not None else item)
    return tuple(result)


def _merge(item, src, extra):
    changes = {"origin": src.origin}
    if extra is not None:
        changes.update(extra(item, src))
    return replace(item, **changes)


def _with_grants(item, src) -> dict:
    out = {"grants": _attach_each(item.grants, src.grants, lambda g: g.grantee)}
    if hasattr(src, "revokes"):
        out["revokes"] = src.revokes
    elif hasattr(src, "revoked"):  # a sequence's REVOKEs (source/sqltypes.py)
        out["revoked"] = src.revoked
    return out


def _table(t: Table, src: Table) -> dict:
    by_name = lambda c: c.name  # noqa: E731 - every part of a table is matched by name
    primary_key = t.primary_key
    if primary_key is not None and src.primary_key is not None:
        primary_key = replace(primary_key, origin=src.primary_key.origin)
    # one dict per table: Table.column is a linear search (quadratic over wide tables)
    source_columns = {c.name: c for c in src.columns}
    columns = tuple(
        replace(c, origin=s.origin, renamed_from=s.renamed_from) if s is not None else c
        for c, s in ((c, source_columns.get(c.name)) for c in t.columns)
    )
    return {
        "columns": columns,
        "primary_key": primary_key,
        "uniques": _attach_each(t.uniques, src.uniques, by_name),
        "checks": _attach_each(t.checks, src.checks, by_name),
        "foreign_keys": _attach_each(t.foreign_keys, src.foreign_keys, by_name),
        "indexes": _attach_each(t.indexes, src.indexes, by_name),
        "policies": _attach_each(t.policies, src.policies, by_name),
        "grants": _attach_each(t.grants, src.grants, lambda g: g.grantee),
        "revokes": src.revokes,
        "partitions": _attach_each(t.partitions, src.partitions, by_name),
        "renamed_from": src.renamed_from,
        "contract": src.contract,
        "policies_origin": src.policies_origin,
    }


def _view(v: View, src: View) -> dict:
    return {
        "grants": _attach_each(v.grants, src.grants, lambda g: g.grantee),
        "revokes": src.revokes,
        "indexes": _attach_each(v.indexes, src.indexes, lambda i: i.name),
    }


def _functions(items: tuple[Function, ...], sources: tuple[Function, ...]) -> tuple[Function, ...]:
    """Match by key; when the argument types are spelled differently in the source
    (`int` vs `integer`), fall back to schema and name if that names one overload only."""
    by_key = {s.key: s for s in sources}
    by_name: dict[tuple[str, str], list[Function]] = {}
    for s in sources:
        by_name.setdefault((s.schema, s.name), []).append(s)
    item_names: dict[tuple[str, str], int] = {}
    for f in items:
        item_names[(f.schema, f.name)] = item_names.get((f.schema, f.name), 0) + 1
    result = []
    for f in items:
        src = by_key.get(f.key)
        if src is None:
            candidates = by_name.get((f.schema, f.name), [])
            if len(candidates) == 1 and item_names[(f.schema, f.name)] == 1:
                src = candidates[0]
        result.append(_merge(f, src, _with_grants) if src is not None else f)
    return tuple(result)
