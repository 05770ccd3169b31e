"""Tables: create/drop, columns, constraints, indexes, partitions, comments; then access."""

from __future__ import annotations

from dataclasses import replace

from .changes import (
    AddColumn,
    AddConstraint,
    AlterColumnDefault,
    AlterColumnGenerated,
    AlterColumnIdentity,
    AlterColumnNullability,
    AlterColumnType,
    Change,
    CreateIndex,
    CreatePartition,
    CreateTable,
    DropColumn,
    DropConstraint,
    DropIndex,
    DropPartition,
    DropTable,
    RenameColumn,
    SetComment,
    SetForceRowSecurity,
    SetRowSecurity,
)
from ..model import Catalog, Column, ForeignKey, Partition, Table, qualify, quote_ident
from .access import diff_column_grants, diff_grants, diff_policies, diff_row_security
from .extrachanges import SetReplicaIdentity


def diff_tables(current: Catalog, desired: Catalog) -> list[Change]:
    """Every table change, tables in key order; FKs re-added when the key they use is rebuilt."""
    old = {t.key: t for t in current.tables}
    new = {t.key: t for t in desired.tables}
    changes: list[Change] = []
    dropped = old.keys() - new.keys()
    for key in sorted(dropped):
        t = old[key]
        # foreign keys between dropped tables go first, so the tables can be dropped in
        # any order (even when they reference each other)
        for fk in t.foreign_keys:
            if f"{fk.ref_schema}.{fk.ref_table}" in dropped:
                changes.append(DropConstraint(t.schema, t.name, fk))
        changes.append(DropTable(t.schema, t.name, t))
    for key in sorted(new):
        if key in old:
            # most tables are equal (`==` is a fraction of diff_table's cost), and the diff
            # of two equal tables is empty: everything it compares, `==` compares
            if old[key] != new[key]:
                changes += diff_table(old[key], new[key])
        else:
            changes += create_table_changes(new[key])
    changes += _readd_dependent_foreign_keys(changes, current, desired)
    return changes


def create_table_changes(t: Table) -> list[Change]:
    """A new table: CREATE TABLE, then everything the planner orders separately."""
    changes: list[Change] = [CreateTable(t.schema, t.name, t)]
    changes += [AddConstraint(t.schema, t.name, fk, new_table=True) for fk in t.foreign_keys]
    changes += [CreateIndex(t.schema, t.name, ix, new_table=True) for ix in t.indexes]
    for p in t.partitions:
        changes.append(CreatePartition(t.schema, t.name, p))
        changes += _partition_access(t, None, p)
    changes += _comment_changes(None, t)
    changes += diff_policies(None, t)
    changes += diff_row_security(None, t)
    changes += diff_grants("table", t.key, t.qualified, (), t.grants, t.origin)
    changes += diff_column_grants(None, t)
    if t.replica_identity != "default":
        changes.append(SetReplicaIdentity(t.schema, t.name, t.replica_identity, "default", t.origin))
    return changes


def diff_table(cur: Table, des: Table) -> list[Change]:
    """Changes inside one table that exists on both sides."""
    changes: list[Change] = []
    changes += _diff_columns(cur, des)
    changes += _diff_constraints(cur, des)
    changes += _diff_indexes(cur, des)
    changes += _diff_partitions(cur, des)
    changes += _comment_changes(cur, des)
    changes += diff_policies(cur, des)
    changes += diff_row_security(cur, des)
    changes += diff_grants("table", des.key, des.qualified, cur.grants, des.grants, des.origin)
    changes += diff_column_grants(cur, des)
    if cur.replica_identity != des.replica_identity:
        changes.append(SetReplicaIdentity(des.schema, des.name, des.replica_identity, cur.replica_identity,
                                          des.origin))
    return changes


def _diff_columns(cur: Table, des: Table) -> list[Change]:
    s, n = des.schema, des.name
    old = {c.name: c for c in cur.columns}
    changes: list[Change] = []
    matched: set[str] = set()
    for col in des.columns:
        before = old.get(col.name)
        if before is None and col.renamed_from and col.renamed_from in old and des.column(col.renamed_from) is None:
            before = old[col.renamed_from]
            changes.append(RenameColumn(s, n, col.renamed_from, col))
        if before is None:
            changes.append(AddColumn(s, n, col))
            continue
        matched.add(before.name)
        changes += diff_column(s, n, before, col)
    for col in cur.columns:
        if col.name not in matched:
            changes.append(DropColumn(s, n, col))
    return changes


def diff_column(schema: str, table: str, old: Column, new: Column) -> list[Change]:
    """Type, default, nullability, identity and generated-expression changes of one column."""
    changes: list[Change] = []
    if old.generated != new.generated:
        # the column is re-created or loses its expression; the rest follows from that
        changes.append(AlterColumnGenerated(schema, table, new, old.generated))
        if new.generated is not None:
            return changes
    if (old.type, old.collation) != (new.type, new.collation):
        changes.append(AlterColumnType(schema, table, new, old.type))
    if old.identity != new.identity:
        changes.append(AlterColumnIdentity(schema, table, new, old.identity))
    if old.default != new.default:
        changes.append(AlterColumnDefault(schema, table, new, old.default))
    if old.nullable != new.nullable:
        changes.append(AlterColumnNullability(schema, table, new))
    return changes


def _constraints(t: Table) -> dict[str, object]:
    items = [*t.uniques, *t.checks, *t.foreign_keys, *t.exclusions]
    if t.primary_key:
        items.append(t.primary_key)
    return {c.name: c for c in items}


def _diff_constraints(cur: Table, des: Table) -> list[Change]:
    old, new = _constraints(cur), _constraints(des)
    changes: list[Change] = []
    for name in sorted(old):
        if name not in new or new[name] != old[name]:
            changes.append(DropConstraint(des.schema, des.name, old[name]))
    for name in sorted(new):
        if name not in old or new[name] != old[name]:
            changes.append(AddConstraint(des.schema, des.name, new[name]))
    return changes


def _diff_indexes(cur: Table, des: Table) -> list[Change]:
    old = {i.name: i for i in cur.indexes}
    new = {i.name: i for i in des.indexes}
    changes: list[Change] = []
    for name in sorted(old.keys() | new.keys()):
        a, b = old.get(name), new.get(name)
        if a is not None and (b is None or replace(a, comment=None) != replace(b, comment=None)):
            changes.append(DropIndex(des.schema, des.name, a))
            a = None
        if b is not None and a is None:
            changes.append(CreateIndex(des.schema, des.name, b))
        if b is not None and b.comment != (a.comment if a else None):
            changes.append(SetComment("index", f"{des.schema}.{name}", qualify(des.schema, name),
                                      b.comment, a.comment if a else None, b.origin))
    return changes


def _diff_partitions(cur: Table, des: Table) -> list[Change]:
    old = {p.name: p for p in cur.partitions}
    new = {p.name: p for p in des.partitions}
    changes: list[Change] = []
    for name in sorted(old.keys() | new.keys()):
        a, b = old.get(name), new.get(name)
        # only the bound makes a partition another one; its access is altered in place
        if a is not None and (b is None or a.bound != b.bound):
            changes.append(DropPartition(des.schema, des.name, a))
            a = None
        if b is not None and a is None:
            changes.append(CreatePartition(des.schema, des.name, b))
        if b is not None:
            changes += _partition_access(des, a, b)
    return changes


def _partition_access(des: Table, cur: Partition | None, part: Partition) -> list[Change]:
    """A partition is never wider than its parent: the parent's RLS switches, no grants.

    A query on the parent uses the parent's RLS and grants, but one that names the
    partition uses the partition's own, so the source's partitions have none to give."""
    if "." in part.name:  # a partition in another schema than its parent: not the source's
        return []
    origin = des.policies_origin or des.origin
    changes: list[Change] = []
    if des.rls_enabled != (cur.rls_enabled if cur else False):
        changes.append(SetRowSecurity(des.schema, part.name, des.rls_enabled, origin))
    if des.rls_forced != (cur.rls_forced if cur else False):
        changes.append(SetForceRowSecurity(des.schema, part.name, des.rls_forced, origin))
    if cur is not None:
        changes += diff_grants("table", f"{des.schema}.{part.name}", qualify(des.schema, part.name),
                               cur.grants, part.grants, part.origin or des.origin)
    return changes


def _comment_changes(cur: Table | None, des: Table) -> list[Change]:
    changes: list[Change] = []
    if des.comment != (cur.comment if cur else None):
        changes.append(SetComment("table", des.key, des.qualified, des.comment,
                                  cur.comment if cur else None, des.origin))
    for col in des.columns:
        before = None
        if cur is not None:
            before = cur.column(col.name) or (cur.column(col.renamed_from) if col.renamed_from else None)
        if col.comment != (before.comment if before else None):
            changes.append(SetComment(
                "column", f"{des.key}.{col.name}", f"{des.qualified}.{quote_ident(col.name)}",
                col.comment, before.comment if before else None, col.origin))
    return changes


def _readd_dependent_foreign_keys(changes: list[Change], current: Catalog, desired: Catalog) -> list[Change]:
    """A dropped primary key/unique takes the foreign keys that use it along; re-add them.

    PostgreSQL refuses to drop a key another table's foreign key depends on, so such a
    foreign key is dropped first and added again after the key is rebuilt.
    """
    rebuilt = {
        c.table_key for c in changes
        if isinstance(c, DropConstraint) and not isinstance(c.constraint, (ForeignKey,))
        and type(c.constraint).__name__ in ("PrimaryKey", "UniqueConstraint")
    }
    if not rebuilt:
        return []
    touched = {(c.table_key, c.constraint.name) for c in changes if isinstance(c, (DropConstraint, AddConstraint))}
    dropped_tables = {c.table_key for c in changes if isinstance(c, DropTable)}
    extra: list[Change] = []
    for t in current.tables:
        if t.key in dropped_tables:
            continue
        des = desired.table(t.key)
        for fk in t.foreign_keys:
            if f"{fk.ref_schema}.{fk.ref_table}" in rebuilt and (t.key, fk.name) not in touched:
                extra.append(DropConstraint(t.schema, t.name, fk))
                if des is not None and fk in des.foreign_keys:
                    extra.append(AddConstraint(t.schema, t.name, fk))
    return extra
