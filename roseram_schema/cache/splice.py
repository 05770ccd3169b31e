"""After a small edit, read back only the tables the kept database's plan touched.

incremental.py advances the kept database from the previous source to the new one. The
rest of the desired state need not be read again: a table whose source did not change,
and that no statement of the plan names, reads back exactly as last time, and the last
desired state is still cached (desired-<key>.pickle). So only the touched tables are read
(introspect/rows.py `tables`), with every other kind of object (views, functions,
triggers, schemas, enums, extensions, roles: few, and cheap to print) read whole, and the
result is spliced into the previous desired catalog.

Why an untouched table reads back the same: its normalized form depends only on its own
DDL and on the names of what it refers to (types, functions, other tables), which only a
rename changes (renames rebuild the kept database), and the plan never drops with
CASCADE, so a statement on one object cannot silently change another. Changes whose
reach is not that narrow (extensions) make the caller read everything.

Origins, renamed_from and contracts are never compared by `==`: an untouched table takes
the previous desired table as it is only when those are the same in both sources too
(lines move when a file above them is edited); otherwise it gets them attached anew.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..model import Catalog, Table

# Change kinds whose effect on the kept database stays inside the objects they name (see
# above); any other kind makes the whole database read back.
_LOCAL_CHANGES = frozenset({
    "CreateSchema", "CreateEnum", "CreateTable", "DropTable", "AddColumn", "DropColumn",
    "AlterColumnType", "AlterColumnNullability", "AlterColumnDefault", "AlterColumnIdentity",
    "AlterColumnGenerated", "AddConstraint", "DropConstraint", "CreateIndex", "DropIndex",
    "SetRowSecurity", "SetForceRowSecurity", "CreatePolicy", "AlterPolicy", "DropPolicy",
    "CreatePartition", "DropPartition", "CreateView", "ReplaceView", "DropView", "CreateFunction",
    "ReplaceFunction", "DropFunction", "CreateTrigger", "DropTrigger", "Grant", "Revoke", "SetComment",
})

# The parts of a table whose items carry an origin, in Table field order.
_PARTS = ("columns", "uniques", "checks", "foreign_keys", "indexes", "policies", "grants", "partitions")


@dataclass(frozen=True)
class SpliceSpec:
    """What to read and what to keep, worked out from the two source catalogs.

    `read`: keys of the tables to read back from the kept database (changed, new, named by
    a change; dropped ones too, which simply are not found). `keep`: keys of the tables
    whose previous desired table is taken as it is. Every other table of the new source
    takes its previous desired table with the new source's origins attached.
    `previous_keys`: the previous source's tables, to check the cached desired state is
    the one that source gave."""

    read: frozenset[str]
    keep: frozenset[str]
    previous_keys: frozenset[str]


def splice_spec(previous: Catalog, new: Catalog, changes) -> SpliceSpec | None:
    """The SpliceSpec of the plan `changes` (previous -> new source catalogs), or None when
    a change may reach beyond the objects it names (then read everything)."""
    if any(c.kind not in _LOCAL_CHANGES for c in changes):
        return None
    old = {t.key: t for t in previous.tables}
    read = {c.table_key for c in changes if c.table_key is not None}
    keep = set()
    for t in new.tables:
        before = old.get(t.key)
        if before is None or before != t:
            read.add(t.key)
        elif t.key not in read and same_source_facts(before, t):
            keep.add(t.key)
    read.update(old.keys() - {t.key for t in new.tables})
    return SpliceSpec(frozenset(read), frozenset(keep), frozenset(old))


def same_source_facts(a: Table, b: Table) -> bool:
    """Whether two equal (`==`) source tables also have the same origins and contract,
    which `==` leaves out: then they attach the same to a normalized table."""
    if a.origin != b.origin or a.policies_origin != b.policies_origin or a.contract != b.contract:
        return False
    if a.primary_key is not None and a.primary_key.origin != b.primary_key.origin:
        return False
    for name in _PARTS:
        # equal tables: the same number of parts, pairwise equal
        for x, y in zip(getattr(a, name), getattr(b, name)):
            if x.origin != y.origin:
                return False
    return True


def roles_of_kept(previous_desired: Catalog, spec: SpliceSpec) -> set[str]:
    """The roles the tables not read back name (grantees, policy roles): a partial read
    does not see them, and a full read would report them."""
    names = set()
    for t in previous_desired.tables:
        if t.key not in spec.read:
            names.update(g.grantee for g in t.grants)
            for p in t.policies:
                names.update(p.roles)
    return names


def splice(previous_desired: Catalog, partial: Catalog, spec: SpliceSpec, new: Catalog, attach,
           column_order) -> Catalog | None:
    """The new desired catalog: `partial` (the kept database read with spec.read, no
    origins) with every other table of `new` taken from `previous_desired`. `attach` is
    introspect.origins.attach_origins, `column_order` incremental.in_source_column_order.
    None when `previous_desired` is not what the previous source gave (read everything)."""
    previous_tables = {t.key: t for t in previous_desired.tables}
    if previous_tables.keys() != spec.previous_keys:
        return None
    kept, retagged = [], []
    for t in new.tables:
        if t.key in spec.read:
            continue
        (kept if t.key in spec.keep else retagged).append(previous_tables[t.key])
    fresh = replace(partial, tables=partial.tables + tuple(retagged))
    attached = attach(column_order(fresh, new), new)
    tables = tuple(sorted(attached.tables + tuple(kept), key=lambda t: t.key))
    return replace(attached, tables=tables)
