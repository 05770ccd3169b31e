"""COMMENT ON statements. Each renders the object's own `comment`; None removes it (IS NULL)."""

from __future__ import annotations

from ...model import Column, Enum, Function, Index, Policy, Schema, Table, View, qualify, quote_ident
from ._text import comment_text


def comment_on_schema(schema: Schema) -> str:
    """COMMENT ON SCHEMA name IS '...'."""
    return f"COMMENT ON SCHEMA {quote_ident(schema.name)} IS {comment_text(schema.comment)}"


def comment_on_table(table: Table) -> str:
    """COMMENT ON TABLE schema.name IS '...'."""
    return f"COMMENT ON TABLE {table.qualified} IS {comment_text(table.comment)}"


def comment_on_column(table: Table | View, column: Column) -> str:
    """COMMENT ON COLUMN schema.table.column IS '...'."""
    return f"COMMENT ON COLUMN {table.qualified}.{quote_ident(column.name)} IS {comment_text(column.comment)}"


def comment_on_view(view: View) -> str:
    """COMMENT ON [MATERIALIZED] VIEW schema.name IS '...'."""
    kind = "MATERIALIZED VIEW" if view.materialized else "VIEW"
    return f"COMMENT ON {kind} {view.qualified} IS {comment_text(view.comment)}"


def comment_on_index(table: Table | View, index: Index) -> str:
    """COMMENT ON INDEX schema.index IS '...' (an index lives in its table's schema)."""
    return f"COMMENT ON INDEX {qualify(table.schema, index.name)} IS {comment_text(index.comment)}"


def comment_on_function(function: Function) -> str:
    """COMMENT ON FUNCTION|PROCEDURE schema.name(args) IS '...'."""
    kind = function.kind.upper()
    return f"COMMENT ON {kind} {function.signature} IS {comment_text(function.comment)}"


def comment_on_policy(table: Table, policy: Policy) -> str:
    """COMMENT ON POLICY name ON schema.table IS '...'."""
    return f"COMMENT ON POLICY {quote_ident(policy.name)} ON {table.qualified} IS {comment_text(policy.comment)}"


def comment_on_enum(enum: Enum) -> str:
    """COMMENT ON TYPE schema.name IS '...'."""
    return f"COMMENT ON TYPE {enum.qualified} IS {comment_text(enum.comment)}"
