"""Idempotent forms of DDL that PostgreSQL has no IF [NOT] EXISTS for: guarded DO blocks.

Each function returns one `DO` statement that checks the catalog and runs the plain DDL
only when the object is missing, so a script can be run twice, or on a database that
already holds part of the schema.
"""

from __future__ import annotations

from ...model import Enum, Extension, PrimaryKey, Role, Table, Trigger, qualify, quote_literal
from .constraints import Constraint, add_constraint
from .namespace import add_enum_value, create_enum, create_extension, create_role
from .routines import create_trigger

_TAG = "roseram"


def do_block(body: list[str]) -> str:
    """DO $roseram$ BEGIN <body lines> END $roseram$, with a dollar tag absent from the body."""
    text = "\n".join(body)
    tag, n = f"${_TAG}$", 0
    while tag in text:
        n += 1
        tag = f"${_TAG}{n}$"
    return f"DO {tag}\nBEGIN\n{text}\nEND\n{tag}"


def _statement(sql: str, depth: int) -> str:
    # Only the first line is indented: later lines may sit inside a string literal.
    return " " * depth + sql + ";"


def if_missing(exists_query: str, statement: str, *, otherwise: list[str] = ()) -> str:
    """A DO block running `statement` when `exists_query` returns no row, else `otherwise`."""
    body = [f"    IF NOT EXISTS ({exists_query}) THEN", _statement(statement, 8)]
    if otherwise:
        body.append("    ELSE")
        body += [_statement(s, 8) for s in otherwise]
    body.append("    END IF;")
    return do_block(body)


def create_role_if_missing(role: Role) -> str:
    """CREATE ROLE when no role of that name exists (roles are cluster-wide)."""
    query = f"SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = {quote_literal(role.name)}"
    return if_missing(query, create_role(role))


def _enum_exists(enum: Enum) -> str:
    return (
        "SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace"
        f" WHERE n.nspname = {quote_literal(enum.schema)} AND t.typname = {quote_literal(enum.name)}"
    )


def create_enum_if_missing(enum: Enum) -> str:
    """CREATE TYPE ... AS ENUM unless a type of that name exists (see add_missing_enum_values)."""
    return if_missing(_enum_exists(enum), create_enum(enum))


def add_missing_enum_values(enum: Enum) -> str:
    """When the enum type exists, add the values it lacks, keeping the declared order.

    PostgreSQL refuses to use an enum value added in the same transaction ("unsafe use of
    new value"), so this must run, and commit, before anything uses the values.
    """
    # From the last value backwards, each missing one goes BEFORE its successor, which
    # exists by then: so a value missing at the front still lands at the front.
    values = enum.values
    additions = [
        add_enum_value(enum, values[i], before=values[i + 1] if i + 1 < len(values) else None, if_not_exists=True)
        for i in reversed(range(len(values)))
    ]
    body = [f"    IF EXISTS ({_enum_exists(enum)}) THEN"]
    body += [_statement(s, 8) for s in additions]
    body.append("    END IF;")
    return do_block(body)


def create_extension_if_available(extension: Extension) -> str:
    """CREATE EXTENSION IF NOT EXISTS when the server ships it, else a WARNING (optional ones)."""
    query = f"SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = {quote_literal(extension.name)}"
    warning = f"optional extension {extension.name} is not available on this server; skipped"
    return do_block(
        [
            f"    IF EXISTS ({query}) THEN",
            _statement(create_extension(extension, if_not_exists=True), 8),
            "    ELSE",
            f"        RAISE WARNING {quote_literal(warning)};",
            "    END IF;",
        ]
    )


def add_constraint_if_missing(table: Table, constraint: Constraint) -> str:
    """ALTER TABLE ... ADD CONSTRAINT unless the table has a constraint of that name.

    A primary key is looked up by kind instead, since a table has at most one and a
    second ADD PRIMARY KEY fails whatever its name.
    """
    query = (
        "SELECT 1 FROM pg_catalog.pg_constraint"
        f" WHERE conrelid = {quote_literal(table.qualified)}::regclass"
    )
    if isinstance(constraint, PrimaryKey):
        query += " AND contype = 'p'"
    else:
        query += f" AND conname = {quote_literal(constraint.name)}"
    return if_missing(query, add_constraint(table, constraint))


def create_constraint_trigger_if_missing(trigger: Trigger) -> str:
    """CREATE CONSTRAINT TRIGGER unless the table has a trigger of that name."""
    query = (
        "SELECT 1 FROM pg_catalog.pg_trigger"
        f" WHERE tgrelid = {quote_literal(qualify(trigger.schema, trigger.table))}::regclass"
        f" AND tgname = {quote_literal(trigger.name)}"
    )
    return if_missing(query, create_trigger(trigger))
