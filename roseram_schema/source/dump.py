"""A Table back into the YAML source format (the inverse of tables.py, names made explicit)."""

from __future__ import annotations

import re

import yaml

from ..model import Table


def table_to_data(t: Table) -> dict:
    """The table as the plain data of a schema/<schema>/<table>.yaml file."""
    data: dict = {}
    if t.comment is not None:
        data["comment"] = t.comment
    if t.renamed_from:
        data["renamed_from"] = t.renamed_from
    columns: dict = {}
    for c in t.columns:
        fields: dict = {"type": c.type}
        if not c.nullable and not c.identity:
            fields["nullable"] = False
        for key in ("default", "identity", "generated", "collation", "comment", "renamed_from"):
            value = getattr(c, key)
            if value is not None:
                fields[key] = value
        columns[c.name] = fields if len(fields) > 1 else c.type
    data["columns"] = columns
    if t.primary_key:
        data["primary_key"] = {"name": t.primary_key.name, "columns": list(t.primary_key.columns)}
    if t.uniques:
        data["unique"] = [
            _drop_false({"name": u.name, "columns": list(u.columns),
                         "nulls_not_distinct": u.nulls_not_distinct, "deferrable": u.deferrable,
                         "initially_deferred": u.initially_deferred})
            for u in t.uniques
        ]
    if t.checks:
        data["checks"] = [_drop_false({"name": c.name, "expression": c.expression,
                                       "no_inherit": c.no_inherit}) for c in t.checks]
    if t.foreign_keys:
        data["foreign_keys"] = [_foreign_key(fk) for fk in t.foreign_keys]
    if t.indexes:
        data["indexes"] = [_index(i) for i in t.indexes]
    if t.grants:
        data["grants"] = {g.grantee: list(g.privileges) for g in t.grants}
    if t.partition_by:
        data["partition_by"] = t.partition_by
    if t.partitions:
        data["partitions"] = [{"name": p.name, "bound": p.bound} for p in t.partitions]
    return data


def _drop_false(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not False and v is not None and v != () and v != []}


def _ident(name: str) -> str:
    """A name inside `references:` (SQL rules: quote unless plain lower-case)."""
    if re.fullmatch(r"[a-z_][a-z0-9_$]*", name):
        return name
    return '"' + name.replace('"', '""') + '"'


def _foreign_key(fk) -> dict:
    ref = f"{_ident(fk.ref_schema)}.{_ident(fk.ref_table)}({', '.join(_ident(c) for c in fk.ref_columns)})"
    out = {"name": fk.name, "columns": list(fk.columns), "references": ref}
    if fk.on_delete != "no action":
        out["on_delete"] = fk.on_delete
    if fk.on_update != "no action":
        out["on_update"] = fk.on_update
    if fk.match != "simple":
        out["match"] = fk.match
    out.update(_drop_false({"deferrable": fk.deferrable, "initially_deferred": fk.initially_deferred}))
    return out


def _index(i) -> dict:
    out = {"name": i.name, "columns": list(i.keys)}
    if i.method != "btree":
        out["method"] = i.method
    out.update(_drop_false({"unique": i.unique, "where": i.where, "include": list(i.include),
                            "nulls_not_distinct": i.nulls_not_distinct, "comment": i.comment}))
    return out


def dump_table(t: Table) -> str:
    """YAML text of a table file; loading it gives back an equal Table."""
    return yaml.safe_dump(table_to_data(t), sort_keys=False, allow_unicode=True, width=100)
