"""Checks that need the whole project: names, columns, references, types, cycles, functions."""

from __future__ import annotations

from ..model import Table
from ..platform import PLATFORM_PRIMARY_KEYS, PLATFORM_ROLES, PLATFORM_TABLES, is_platform_schema
from .draft import Draft, evolve
from .namerules import check_names
from .problems import did_you_mean
from .relations import expression_columns, index_key_columns
from .typenames import TypeCatalog


def validate(d: Draft) -> None:
    """Record every cross-object problem of the draft (and fill FK columns left implicit)."""
    check_names(d)
    types = TypeCatalog([*d.enums.values(), *d.domains.values(), *d.composite_types.values()],
                        d.extensions.values(), list(d.tables.values()))
    for key in sorted(d.tables):
        _check_table(d, d.tables[key], types)
    _check_relation_names(d)
    _check_view_cycles(d)
    _check_views(d)
    _check_triggers(d)
    _check_schemas(d)
    _check_roles(d)


def _check_table(d: Draft, t: Table, types: TypeCatalog) -> None:
    p = d.problems
    seen: dict[str, object] = {}
    for c in t.columns:
        if c.name in seen:
            p.add(c.origin, f"{t.key}.{c.name}", f"duplicate column {c.name}")
        seen[c.name] = c
        if c.type:
            bad = types.check(c.type, t.schema)
            if bad:
                p.add(c.origin, f"{t.key}.{c.name}", bad[0], bad[1])
        if c.default:
            refs = expression_columns(c.default)
            if refs:
                p.add(c.origin, f"{t.key}.{c.name}",
                      f"the default {c.default!r} refers to column {'.'.join(refs[0])!r}",
                      f"a default cannot read columns; for a string write \"'{c.default}'\" "
                      "(SQL quotes inside the YAML value)" if len(refs[0]) == 1 else None)
        if c.identity and c.default is not None:
            p.add(c.origin, f"{t.key}.{c.name}", "a column cannot have both identity and a default")
        if c.generated and (c.default is not None or c.identity):
            p.add(c.origin, f"{t.key}.{c.name}", "a generated column cannot have a default or identity")
    columns = set(seen)

    def need(names, origin, what) -> None:
        for name in names:
            if name not in columns:
                p.add(origin, t.key, f"{what} names column {name!r}, which {t.key} does not have",
                      did_you_mean(name, columns))

    def need_expr(expression: str | None, origin, what: str) -> None:
        if not expression:
            return
        for ref in expression_columns(expression):
            if len(ref) == 1 or (len(ref) == 2 and ref[0] == t.name):
                need([ref[-1]], origin, what)

    constraint_names: dict[str, object] = {}

    def unique_name(name: str, origin) -> None:
        if name in constraint_names:
            p.add(origin, t.key, f"duplicate constraint name {name!r}",
                  f"it is already used at {constraint_names[name]}")
        constraint_names.setdefault(name, origin)

    if t.primary_key:
        need(t.primary_key.columns, t.primary_key.origin, "the primary key")
        unique_name(t.primary_key.name, t.primary_key.origin)
    for u in t.uniques:
        need(u.columns, u.origin, f"unique constraint {u.name}")
        unique_name(u.name, u.origin)
    for c in t.checks:
        need_expr(c.expression, c.origin, f"check {c.name}")
        unique_name(c.name, c.origin)
    for c in t.columns:
        need_expr(c.generated, c.origin, f"generated column {c.name}")
    fks = []
    for fk in t.foreign_keys:
        need(fk.columns, fk.origin, f"foreign key {fk.name}")
        unique_name(fk.name, fk.origin)
        fks.append(_check_foreign_key(d, t, fk))
    if fks != list(t.foreign_keys):
        d.tables[t.key] = t = evolve(t, foreign_keys=tuple(fks))
    for i in t.indexes:
        for key in i.keys:
            need(index_key_columns(key), i.origin, f"index {i.name}")
        need(i.include, i.origin, f"index {i.name}")
        need_expr(i.where, i.origin, f"index {i.name}")
    policy_names: dict[str, object] = {}
    for pol in t.policies:
        if pol.name in policy_names:
            p.add(pol.origin, t.key, f"duplicate policy name {pol.name!r}",
                  f"it is already declared at {policy_names[pol.name]}")
        policy_names.setdefault(pol.name, pol.origin)
        need_expr(pol.using, pol.origin, f"policy {pol.name!r}")
        need_expr(pol.with_check, pol.origin, f"policy {pol.name!r}")
    if t.partitions and not t.partition_by:
        p.add(t.partitions[0].origin, t.key, "partitions are declared but the table has no partition_by")
    partition_names: set[str] = set()
    for part in t.partitions:
        if part.name in partition_names:
            p.add(part.origin, t.key, f"duplicate partition {part.name}")
        partition_names.add(part.name)


def _check_foreign_key(d: Draft, t: Table, fk):
    ref_key = f"{fk.ref_schema}.{fk.ref_table}"
    ref = d.tables.get(ref_key)
    if ref is None:
        if is_platform_schema(fk.ref_schema):
            if not fk.ref_columns:
                known = PLATFORM_PRIMARY_KEYS.get(ref_key)
                if known is not None:
                    return evolve(fk, ref_columns=known)
                d.problems.add(fk.origin, t.key, f"name the referenced columns of {ref_key}",
                               f"e.g. references: {ref_key}(id)")
            return fk
        d.problems.add(fk.origin, t.key, f"foreign key {fk.name} references {ref_key}, which is not declared",
                       did_you_mean(ref_key, d.tables))
        return fk
    ref_columns = fk.ref_columns
    if not ref_columns:
        if ref.primary_key is None:
            d.problems.add(fk.origin, t.key, f"{ref_key} has no primary key to reference",
                           "name the referenced columns: table(col)")
            return fk
        ref_columns = ref.primary_key.columns
    ref_cols = {c.name for c in ref.columns}
    for name in ref_columns:
        if name not in ref_cols:
            d.problems.add(fk.origin, t.key,
                           f"foreign key {fk.name} references column {name!r}, which {ref_key} does not have",
                           did_you_mean(name, ref_cols))
    if len(ref_columns) != len(fk.columns):
        d.problems.add(fk.origin, t.key,
                       f"foreign key {fk.name} has {len(fk.columns)} columns but references {len(ref_columns)}")
    # most name the columns they reference: the same key, no copy (one per foreign key)
    return fk if ref_columns == fk.ref_columns else evolve(fk, ref_columns=ref_columns)


def _check_relation_names(d: Draft) -> None:
    """Tables, views, partitions and indexes share one namespace per schema."""
    seen: dict[tuple[str, str], object] = {}

    def claim(schema: str, name: str, origin, what: str) -> None:
        if (schema, name) in seen:
            d.problems.add(origin, f"{schema}.{name}", f"{what} {schema}.{name}: the name is already taken",
                           f"by the relation declared at {seen[(schema, name)]}")
        else:
            seen[(schema, name)] = origin

    for key in sorted(d.tables):
        t = d.tables[key]
        claim(t.schema, t.name, t.origin, "table")
    for key in sorted(d.views):
        v = d.views[key]
        if (v.schema, v.name) in seen:
            d.problems.add(v.origin, v.key, f"view {v.key} has the name of a table",
                           f"declared at {seen[(v.schema, v.name)]}")
        else:
            seen[(v.schema, v.name)] = v.origin
    for key in sorted(d.tables):
        t = d.tables[key]
        for part in t.partitions:
            claim(t.schema, part.name, part.origin, "partition")
        for idx in t.indexes:
            claim(t.schema, idx.name, idx.origin, "index")
    for key in sorted(d.views):
        v = d.views[key]
        for idx in v.indexes:
            claim(v.schema, idx.name, idx.origin, "index")


def _check_view_cycles(d: Draft) -> None:
    graph = {k: [dep for dep in v.depends_on if dep in d.views and dep != k] for k, v in d.views.items()}
    for k, v in d.views.items():
        if k in v.depends_on:
            d.problems.add(v.origin, k, "the view reads itself")
    state: dict[str, int] = {}
    reported: set[frozenset] = set()

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    first = min(cycle)
                    shown = " -> ".join(cycle[cycle.index(first):] + cycle[:cycle.index(first)] + [first])
                    d.problems.add(d.views[first].origin, first, f"views depend on each other in a cycle: {shown}",
                                   "a view cannot (indirectly) read itself")
            elif state.get(nxt) is None:
                visit(nxt, path)
        path.pop()
        state[node] = 2

    for k in sorted(graph):
        if state.get(k) is None:
            visit(k, [])


def _check_views(d: Draft) -> None:
    for key in sorted(d.views):
        v = d.views[key]
        for dep in v.depends_on:
            schema = dep.split(".", 1)[0]
            if dep not in d.tables and dep not in d.views and not is_platform_schema(schema):
                d.problems.add(d.view_refs.get(key, {}).get(dep, v.origin), key, f"the view reads {dep}, which is not declared",
                               did_you_mean(dep, (*d.tables, *d.views)))


def _check_triggers(d: Draft) -> None:
    for key in sorted(d.triggers):
        trig = d.triggers[key]
        table_key = f"{trig.schema}.{trig.table}"
        if table_key not in d.tables and table_key not in d.views and table_key not in PLATFORM_TABLES:
            d.problems.add(trig.origin, trig.name, f"trigger on {table_key}, which is not declared",
                           did_you_mean(table_key, d.tables))
        if "." not in trig.function.split("(", 1)[0]:
            name = trig.function.split("(", 1)[0]
            for schema in (trig.schema, "public"):
                if f"{schema}.{name}()" in d.functions:
                    break
            else:
                schema = trig.schema
            d.triggers[key] = evolve(trig, function=f"{schema}.{name}()")


def _check_schemas(d: Draft) -> None:
    if d.declared_schemas is None:
        return
    declared = set(d.schemas)
    objects = [
        *(("table", t.key, t.schema, t.origin) for t in d.tables.values()),
        *(("view", v.key, v.schema, v.origin) for v in d.views.values()),
        *(("function", f.signature, f.schema, f.origin) for f in d.functions.values()),
        *(("type", e.key, e.schema, e.origin) for e in d.enums.values()),
    ]
    for what, key, schema, origin in sorted(objects, key=lambda o: o[1]):
        if schema not in declared and not is_platform_schema(schema):
            d.problems.add(origin, key, f"{what} {key} is in schema {schema!r}, which project.yaml does not list",
                           "add it to `schemas:` in project.yaml")




def _check_roles(d: Draft) -> None:
    """With `roles:` in project.yaml, grants and policies may only name those roles.

    A misspelt role would make PostgreSQL reject the policy or grant at apply time; catching
    it here names the file and line. Without `roles:` the project says nothing to check against.
    """
    if not d.roles:
        return
    known = set(d.roles) | set(PLATFORM_ROLES) | {"public"}

    def check(role: str, origin, obj: str, what: str) -> None:
        if role not in known:
            d.problems.add(origin, obj, f"{what} names role {role!r}, which project.yaml does not declare",
                           did_you_mean(role, known) or "add it to `roles:` in project.yaml")

    for key in sorted(d.tables):
        t = d.tables[key]
        for p in t.policies:
            for role in p.roles:
                check(role, p.origin, key, f"policy {p.name!r}")
        for g in t.grants:
            check(g.grantee, g.origin or t.origin, key, "a grant")
    for store in (d.views, d.functions, d.schemas):
        for key in sorted(store):
            obj = store[key]
            for g in obj.grants:
                check(g.grantee, g.origin or obj.origin, key, "a grant")
