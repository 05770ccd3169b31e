"""DDL of tables, their columns and their partitions."""

from __future__ import annotations

from ...model import Column, Partition, Table, qualify, quote_ident
from ._text import collation, optional
from .constraints import constraint_clause


def column_definition(column: Column) -> str:
    """`name type [COLLATE c] [DEFAULT e | GENERATED ...] [NOT NULL]`, as in CREATE TABLE."""
    parts = [quote_ident(column.name), column.type]
    if column.collation:
        parts.append(f"COLLATE {collation(column.collation)}")
    if column.default is not None:
        parts.append(f"DEFAULT {column.default}")
    if column.identity:
        parts.append(f"GENERATED {_identity_kind(column.identity)} AS IDENTITY")
    if column.generated is not None:
        parts.append(f"GENERATED ALWAYS AS ({column.generated}) STORED")
    if not column.nullable:
        parts.append("NOT NULL")
    return " ".join(parts)


def _identity_kind(identity: str) -> str:
    kind = " ".join(identity.lower().split())
    if kind not in ("always", "by default"):
        raise ValueError(f"identity must be 'always' or 'by default', not {identity!r}")
    return kind.upper()


def create_table(table: Table, *, if_not_exists: bool = False, constraints: bool = True) -> str:
    """CREATE TABLE with its columns and, when `constraints`, its primary key, unique and
    check constraints inline. Foreign keys are never inline: they are added with
    add_constraint once every table exists, so that tables referencing each other work.
    """
    lines = [f"    {column_definition(c)}" for c in table.columns]
    if constraints:
        owned = [table.primary_key] if table.primary_key else []
        owned += [*table.uniques, *table.checks, *table.exclusions]
        lines += [f"    {constraint_clause(c)}" for c in owned]
    body = ",\n".join(lines)
    head = f"CREATE TABLE {optional(if_not_exists, 'IF NOT EXISTS')}{table.qualified}"
    sql = f"{head} (\n{body}\n)" if lines else f"{head} ()"
    if table.partition_by:
        sql += f" PARTITION BY {table.partition_by}"
    return sql


def drop_table(table: Table, *, if_exists: bool = False, cascade: bool = False) -> str:
    """DROP TABLE [IF EXISTS] schema.name [CASCADE]."""
    tail = " CASCADE" if cascade else ""
    return f"DROP TABLE {optional(if_exists, 'IF EXISTS')}{table.qualified}{tail}"


def partition_qualified(table: Table, partition: Partition) -> str:
    """The qualified name of a partition: partitions live in their parent's schema."""
    return qualify(table.schema, partition.name)


def create_partition(table: Table, partition: Partition, *, if_not_exists: bool = False) -> str:
    """CREATE TABLE [IF NOT EXISTS] schema.part PARTITION OF schema.parent <bound>."""
    head = f"CREATE TABLE {optional(if_not_exists, 'IF NOT EXISTS')}"
    return f"{head}{partition_qualified(table, partition)} PARTITION OF {table.qualified} {partition.bound}"


def drop_partition(table: Table, partition: Partition, *, if_exists: bool = False) -> str:
    """DROP TABLE [IF EXISTS] schema.part (dropping a partition drops its rows)."""
    return f"DROP TABLE {optional(if_exists, 'IF EXISTS')}{partition_qualified(table, partition)}"


def detach_partition(table: Table, partition: Partition) -> str:
    """ALTER TABLE parent DETACH PARTITION schema.part (keeps the rows in a plain table)."""
    return f"ALTER TABLE {table.qualified} DETACH PARTITION {partition_qualified(table, partition)}"


def add_column(table: Table, column: Column, *, if_not_exists: bool = False) -> str:
    """ALTER TABLE t ADD COLUMN [IF NOT EXISTS] <column definition>."""
    head = f"ALTER TABLE {table.qualified} ADD COLUMN {optional(if_not_exists, 'IF NOT EXISTS')}"
    return head + column_definition(column)


def add_columns(table: Table, columns, *, if_not_exists: bool = False) -> str:
    """One ALTER TABLE adding several columns, one clause per line."""
    kw = optional(if_not_exists, "IF NOT EXISTS")
    clauses = ",\n".join(f"    ADD COLUMN {kw}{column_definition(c)}" for c in columns)
    return f"ALTER TABLE {table.qualified}\n{clauses}"


def drop_column(table: Table, column: Column | str, *, if_exists: bool = False, cascade: bool = False) -> str:
    """ALTER TABLE t DROP COLUMN [IF EXISTS] c [CASCADE]."""
    name = column if isinstance(column, str) else column.name
    tail = " CASCADE" if cascade else ""
    return f"ALTER TABLE {table.qualified} DROP COLUMN {optional(if_exists, 'IF EXISTS')}{quote_ident(name)}{tail}"


def _alter_column(table: Table, column: Column | str, action: str) -> str:
    name = column if isinstance(column, str) else column.name
    return f"ALTER TABLE {table.qualified} ALTER COLUMN {quote_ident(name)} {action}"


def alter_column_type(table: Table, column: Column, *, using: str | None = None) -> str:
    """ALTER COLUMN c TYPE <column.type> [COLLATE c] [USING expr] (may rewrite the table)."""
    action = f"TYPE {column.type}"
    if column.collation:
        action += f" COLLATE {collation(column.collation)}"
    if using:
        action += f" USING {using}"
    return _alter_column(table, column, action)


def alter_column_nullability(table: Table, column: Column) -> str:
    """ALTER COLUMN c SET NOT NULL, or DROP NOT NULL when the column is nullable."""
    return _alter_column(table, column, "DROP NOT NULL" if column.nullable else "SET NOT NULL")


def alter_column_default(table: Table, column: Column) -> str:
    """ALTER COLUMN c SET DEFAULT <column.default>, or DROP DEFAULT when it has none."""
    if column.default is None:
        return _alter_column(table, column, "DROP DEFAULT")
    return _alter_column(table, column, f"SET DEFAULT {column.default}")


def alter_column_identity(table: Table, column: Column, *, previous: str | None = None) -> str:
    """Make the identity of `column` what it declares, given the identity it had before:
    ADD GENERATED ... AS IDENTITY, SET GENERATED ..., or DROP IDENTITY IF EXISTS.
    """
    if column.identity and previous:
        return _alter_column(table, column, f"SET GENERATED {_identity_kind(column.identity)}")
    if column.identity:
        return _alter_column(table, column, f"ADD GENERATED {_identity_kind(column.identity)} AS IDENTITY")
    if previous:
        return _alter_column(table, column, "DROP IDENTITY IF EXISTS")
    raise ValueError(f"alter_column_identity: {column.name} has no identity before or after")


def drop_column_expression(table: Table, column: Column | str) -> str:
    """ALTER COLUMN c DROP EXPRESSION: a generated column becomes a plain one, values kept."""
    return _alter_column(table, column, "DROP EXPRESSION")


def rename_table(table: Table, *, old_name: str | None = None) -> str:
    """ALTER TABLE schema.old RENAME TO new; `old_name` defaults to table.renamed_from."""
    old = old_name or table.renamed_from
    if not old:
        raise ValueError(f"rename_table: {table.key} has no old name")
    return f"ALTER TABLE {qualify(table.schema, old)} RENAME TO {quote_ident(table.name)}"


def rename_column(table: Table, column: Column, *, old_name: str | None = None) -> str:
    """ALTER TABLE t RENAME COLUMN old TO new; `old_name` defaults to column.renamed_from."""
    old = old_name or column.renamed_from
    if not old:
        raise ValueError(f"rename_column: {table.key}.{column.name} has no old name")
    return f"ALTER TABLE {table.qualified} RENAME COLUMN {quote_ident(old)} TO {quote_ident(column.name)}"
