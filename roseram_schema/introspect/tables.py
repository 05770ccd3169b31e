"""Tables: assemble Table objects from the rows of the per-kind catalog queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from ..model import (
    PUBLISH_ACTIONS,
    CheckConstraint,
    Column,
    ExclusionConstraint,
    ForeignKey,
    Grant,
    Index,
    Partition,
    Policy,
    PrimaryKey,
    Publication,
    Table,
    UniqueConstraint,
)
from ..platform import PLATFORM_PUBLICATIONS
from .objects import _KNOWN_PRIVILEGES
from .texts import (
    FK_ACTION_CODES,
    FK_MATCH_CODES,
    IDENTITY_KINDS,
    POLICY_COMMAND_CODES,
    index_key,
    strip_check,
)


def column_from_row(row: dict) -> Column:
    """A Column from one row of columns.sql."""
    return Column(
        name=row["name"],
        type=row["type"],
        nullable=not row["not_null"],
        default=row["default"],
        identity=IDENTITY_KINDS.get(row["identity"] or ""),
        generated=row["generated"],
        collation=row["collation"],
        comment=row["comment"],
    )


def index_from_row(row: dict) -> Index:
    """An Index from one row of indexes.sql: keys as SQL with their options (quoted as
    needed), INCLUDE columns as plain names like every other column list in the model."""
    key_count = row["key_count"]
    columns = row["columns"]
    options = list(row["options"] or [])
    opclasses = list(row["opclasses"] or [])
    collations = list(row["collations"] or [])
    keys = tuple(
        index_key(
            columns[k],
            options[k] if k < len(options) else 0,
            opclasses[k] if k < len(opclasses) else None,
            collations[k] if k < len(collations) else None,
        )
        for k in range(key_count)
    )
    return Index(
        name=row["name"],
        keys=keys,
        unique=row["unique"],
        method=row["method"],
        where=row["where"],
        include=tuple(row["include"]),
        nulls_not_distinct=bool(row["nulls_not_distinct"]),
        comment=row["comment"],
    )


def policy_from_row(row: dict) -> Policy:
    """A Policy from one row of policies.sql (roles sorted, as the model wants)."""
    return Policy(
        name=row["name"],
        command=POLICY_COMMAND_CODES[row["command"]],
        permissive=row["permissive"],
        roles=tuple(sorted(row["roles"])),
        using=row["using"],
        with_check=row["with_check"],
        comment=row["comment"],
    )


def _partition_grants(entries) -> tuple[Grant, ...]:
    """Grants from "grantee:privilege" strings, privileges the model does not know left out."""
    by_grantee: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        grantee, _, privilege = entry.rpartition(":")
        if privilege in _KNOWN_PRIVILEGES["relation"]:
            by_grantee[grantee].add(privilege)
    return tuple(Grant(grantee=g, privileges=tuple(sorted(p))) for g, p in sorted(by_grantee.items()))


class TableParts:
    """Everything that belongs to the tables in scope, grouped by table key "schema.name"."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Column]] = defaultdict(list)
        self.primary_keys: dict[str, PrimaryKey] = {}
        self.uniques: dict[str, list[UniqueConstraint]] = defaultdict(list)
        self.checks: dict[str, list[CheckConstraint]] = defaultdict(list)
        self.foreign_keys: dict[str, list[ForeignKey]] = defaultdict(list)
        self.exclusions: dict[str, list[ExclusionConstraint]] = defaultdict(list)
        self.indexes: dict[str, list[Index]] = defaultdict(list)
        self.policies: dict[str, list[Policy]] = defaultdict(list)
        self.partitions: dict[str, list[Partition]] = defaultdict(list)
        self.grants: dict[str, list[Grant]] = defaultdict(list)

    def add_columns(self, rows: list[dict]) -> None:
        """Rows of columns.sql (already in attnum order)."""
        for row in rows:
            self.columns[f"{row['schema']}.{row['table']}"].append(column_from_row(row))

    def add_constraints(self, rows: list[dict]) -> None:
        """Rows of constraints.sql, dispatched by kind (p, u, c, f)."""
        for row in rows:
            key = f"{row['schema']}.{row['table']}"
            kind = row["kind"]
            if kind == "p":
                self.primary_keys[key] = PrimaryKey(name=row["name"], columns=tuple(row["columns"]))
            elif kind == "u":
                self.uniques[key].append(
                    UniqueConstraint(
                        name=row["name"],
                        columns=tuple(row["columns"]),
                        nulls_not_distinct=row["nulls_not_distinct"],
                        deferrable=row["deferrable"],
                        initially_deferred=row["initially_deferred"],
                    )
                )
            elif kind == "c":
                self.checks[key].append(
                    CheckConstraint(
                        name=row["name"],
                        expression=strip_check(row["definition"]),
                        no_inherit=row["no_inherit"],
                    )
                )
            elif kind == "x":
                self.exclusions[key].append(ExclusionConstraint(name=row["name"], definition=row["definition"]))
            elif kind == "f":
                self.foreign_keys[key].append(
                    ForeignKey(
                        name=row["name"],
                        columns=tuple(row["columns"]),
                        ref_schema=row["ref_schema"],
                        ref_table=row["ref_table"],
                        ref_columns=tuple(row["ref_columns"]),
                        on_delete=FK_ACTION_CODES[row["on_delete"]],
                        on_update=FK_ACTION_CODES[row["on_update"]],
                        deferrable=row["deferrable"],
                        initially_deferred=row["initially_deferred"],
                        match=FK_MATCH_CODES[row["match"]],
                    )
                )

    def add_indexes(self, rows: list[dict]) -> None:
        """Rows of indexes.sql on tables (materialized-view indexes are the caller's)."""
        for row in rows:
            self.indexes[f"{row['schema']}.{row['table']}"].append(index_from_row(row))

    def add_policies(self, rows: list[dict]) -> None:
        """Rows of policies.sql."""
        for row in rows:
            self.policies[f"{row['schema']}.{row['table']}"].append(policy_from_row(row))

    def add_partitions(self, rows: list[dict]) -> None:
        """Rows of partitions.sql; a partition in another schema than its parent is qualified."""
        for row in rows:
            parent = f"{row['parent_schema']}.{row['parent']}"
            name = row["name"] if row["schema"] == row["parent_schema"] else f"{row['schema']}.{row['name']}"
            self.partitions[parent].append(Partition(
                name=name, bound=row["bound"], rls_enabled=bool(row.get("rls_enabled")),
                rls_forced=bool(row.get("rls_forced")), grants=_partition_grants(row.get("grants") or ())))

    def build(self, row: dict) -> Table:
        """The Table of one row of tables.sql with all its parts."""
        key = f"{row['schema']}.{row['name']}"
        return Table(
            schema=row["schema"],
            name=row["name"],
            columns=tuple(self.columns.get(key, ())),
            primary_key=self.primary_keys.get(key),
            uniques=tuple(self.uniques.get(key, ())),
            checks=tuple(self.checks.get(key, ())),
            foreign_keys=tuple(self.foreign_keys.get(key, ())),
            indexes=tuple(self.indexes.get(key, ())),
            rls_enabled=row["rls_enabled"],
            rls_forced=row["rls_forced"],
            policies=tuple(self.policies.get(key, ())),
            grants=tuple(self.grants.get(key, ())),
            comment=row["comment"],
            partition_by=row["partition_by"],
            partitions=tuple(self.partitions.get(key, ())),
            # an index-based identity whose index was dropped acts as none
            replica_identity=row["replica_identity"] or "nothing",
            exclusions=tuple(self.exclusions.get(key, ())),
        )


def platform_tables_from_rows(rows: list[dict]) -> list[Table]:
    """The user's side of platform tables from platform_policies.sql: RLS switches and
    policies, nothing of the platform's own table."""
    tables: dict[str, Table] = {}
    policies: dict[str, list[Policy]] = defaultdict(list)
    for row in rows:
        key = f"{row['schema']}.{row['table']}"
        if key not in tables:
            tables[key] = Table(schema=row["schema"], name=row["table"], rls_enabled=row["rls_enabled"],
                                rls_forced=row["rls_forced"])
        policies[key].append(policy_from_row(row))
    return [replace(t, policies=tuple(policies[k])) for k, t in tables.items()]


def publication_from_row(row: dict) -> Publication:
    """A Publication from one row of publications.sql (a platform one keeps only its tables)."""
    if row["name"] in PLATFORM_PUBLICATIONS:
        return Publication(row["name"], tuple(row["tables"]), platform=True)
    return Publication(
        name=row["name"],
        tables=tuple(row["tables"]),
        all_tables=row["all_tables"],
        publish=tuple(a for a in PUBLISH_ACTIONS if row[a]),
        via_root=row["via_root"],
    )
