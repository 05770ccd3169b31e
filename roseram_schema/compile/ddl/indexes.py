"""DDL of secondary indexes (on tables and materialized views)."""

from __future__ import annotations

from typing import Union

from ...model import Index, Table, View, qualify, quote_ident
from ._text import idents, optional

Indexed = Union[Table, View]


def create_index(
    table: Indexed, index: Index, *, concurrently: bool = False, if_not_exists: bool = False
) -> str:
    """CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] name ON t [USING m] (keys)
    [INCLUDE (...)] [NULLS NOT DISTINCT] [WHERE ...].

    Keys are SQL as declared (a column, an expression, with ASC/DESC/opclass). A btree
    index omits USING, the way people write it; CONCURRENTLY cannot run in a transaction.
    """
    sql = "CREATE UNIQUE INDEX " if index.unique else "CREATE INDEX "
    sql += optional(concurrently, "CONCURRENTLY") + optional(if_not_exists, "IF NOT EXISTS")
    sql += f"{quote_ident(index.name)} ON {table.qualified}"
    if index.method and index.method.lower() != "btree":
        sql += f" USING {index.method}"
    sql += f" ({', '.join(index.keys)})"
    if index.include:
        sql += f" INCLUDE ({idents(index.include)})"
    if index.nulls_not_distinct:
        sql += " NULLS NOT DISTINCT"
    if index.where:
        sql += f" WHERE {index.where}"
    return sql


def drop_index(
    table: Indexed, index: Index | str, *, concurrently: bool = False, if_exists: bool = False
) -> str:
    """DROP INDEX [CONCURRENTLY] [IF EXISTS] schema.name (indexes live in their table's schema)."""
    name = index if isinstance(index, str) else index.name
    kw = optional(concurrently, "CONCURRENTLY") + optional(if_exists, "IF EXISTS")
    return f"DROP INDEX {kw}{qualify(table.schema, name)}"
