"""Column privileges (pg_attribute.attacl, the 'column' rows of grants.sql) onto the columns
of the tables the inspector built."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from ..model import COLUMN_PRIVILEGES, Grant, Table


def split_column_rows(rows: list[dict]) -> tuple[list[dict], dict[str, dict[str, tuple[Grant, ...]]]]:
    """(the object rows of grants.sql, {"schema.table": {column: grants sorted by grantee}})."""
    other: list[dict] = []
    found: dict[str, dict[str, dict[str, set[str]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(set)))
    for row in rows:
        if row["kind"] in ("default acl", "database acl"):
            continue  # read for the no-change digest only (grants.sql)
        if row["kind"] != "column":
            other.append(row)
        elif row["privilege"] in COLUMN_PRIVILEGES:
            found[f"{row['schema']}.{row['name']}"][row["column_name"]][row["grantee"]].add(row["privilege"])
    return other, {
        table: {column: tuple(Grant(g, tuple(sorted(p))) for g, p in sorted(grantees.items()))
                for column, grantees in columns.items()}
        for table, columns in found.items()
    }


def with_column_grants(table: Table, grants: dict[str, tuple[Grant, ...]] | None) -> Table:
    """`table` with its columns' privileges (a table without any is returned as it is)."""
    if not grants:
        return table
    return replace(table, columns=tuple(replace(c, grants=grants[c.name]) if c.name in grants else c
                                        for c in table.columns))
