"""DDL of the objects tables live in or use: schemas, extensions, roles, enum types."""

from __future__ import annotations

from ...model import Enum, Extension, Role, Schema, quote_ident, quote_literal
from ._text import optional


def create_schema(schema: Schema, *, if_not_exists: bool = False) -> str:
    """CREATE SCHEMA [IF NOT EXISTS] name."""
    return f"CREATE SCHEMA {optional(if_not_exists, 'IF NOT EXISTS')}{quote_ident(schema.name)}"


def drop_schema(schema: Schema, *, if_exists: bool = False, cascade: bool = False) -> str:
    """DROP SCHEMA [IF EXISTS] name [CASCADE]."""
    tail = " CASCADE" if cascade else ""
    return f"DROP SCHEMA {optional(if_exists, 'IF EXISTS')}{quote_ident(schema.name)}{tail}"


def create_extension(extension: Extension, *, if_not_exists: bool = False) -> str:
    """CREATE EXTENSION [IF NOT EXISTS] name [WITH SCHEMA schema]."""
    sql = f"CREATE EXTENSION {optional(if_not_exists, 'IF NOT EXISTS')}{quote_ident(extension.name)}"
    if extension.schema:
        sql += f" WITH SCHEMA {quote_ident(extension.schema)}"
    return sql


def drop_extension(extension: Extension, *, if_exists: bool = False) -> str:
    """DROP EXTENSION [IF EXISTS] name."""
    return f"DROP EXTENSION {optional(if_exists, 'IF EXISTS')}{quote_ident(extension.name)}"


def create_role(role: Role) -> str:
    """CREATE ROLE name with LOGIN/NOLOGIN and BYPASSRLS/NOBYPASSRLS spelled out."""
    login = "LOGIN" if role.login else "NOLOGIN"
    bypass = "BYPASSRLS" if role.bypassrls else "NOBYPASSRLS"
    return f"CREATE ROLE {quote_ident(role.name)} {login} {bypass}"


def drop_role(role: Role, *, if_exists: bool = False) -> str:
    """DROP ROLE [IF EXISTS] name (the compiler never emits it; roles are never dropped)."""
    return f"DROP ROLE {optional(if_exists, 'IF EXISTS')}{quote_ident(role.name)}"


def create_enum(enum: Enum) -> str:
    """CREATE TYPE schema.name AS ENUM ('a', 'b', ...)."""
    values = ", ".join(quote_literal(v) for v in enum.values)
    return f"CREATE TYPE {enum.qualified} AS ENUM ({values})"


def add_enum_value(
    enum: Enum,
    value: str,
    *,
    before: str | None = None,
    after: str | None = None,
    if_not_exists: bool = False,
) -> str:
    """ALTER TYPE schema.name ADD VALUE [IF NOT EXISTS] 'v' [BEFORE 'x' | AFTER 'y']."""
    if before is not None and after is not None:
        raise ValueError("add_enum_value: give before or after, not both")
    sql = f"ALTER TYPE {enum.qualified} ADD VALUE {optional(if_not_exists, 'IF NOT EXISTS')}"
    sql += quote_literal(value)
    if before is not None:
        sql += f" BEFORE {quote_literal(before)}"
    if after is not None:
        sql += f" AFTER {quote_literal(after)}"
    return sql


def drop_enum(enum: Enum, *, if_exists: bool = False) -> str:
    """DROP TYPE [IF EXISTS] schema.name."""
    return f"DROP TYPE {optional(if_exists, 'IF EXISTS')}{enum.qualified}"
