"""DDL of table constraints: primary keys, unique, check and foreign-key constraints."""

from __future__ import annotations

from typing import Union

from ...model import (CheckConstraint, ExclusionConstraint, ForeignKey, PrimaryKey, Table, UniqueConstraint,
                      quote_ident)
from ._text import idents, optional

Constraint = Union[PrimaryKey, UniqueConstraint, CheckConstraint, ForeignKey, ExclusionConstraint]


def _deferral(deferrable: bool, initially_deferred: bool) -> str:
    if not deferrable:
        return ""
    return " DEFERRABLE INITIALLY DEFERRED" if initially_deferred else " DEFERRABLE"


def constraint_definition(constraint: Constraint) -> str:
    """The body of a constraint as pg_get_constraintdef would print it, without its name."""
    c = constraint
    if isinstance(c, PrimaryKey):
        return f"PRIMARY KEY ({idents(c.columns)})"
    if isinstance(c, UniqueConstraint):
        nnd = " NULLS NOT DISTINCT" if c.nulls_not_distinct else ""
        return f"UNIQUE{nnd} ({idents(c.columns)}){_deferral(c.deferrable, c.initially_deferred)}"
    if isinstance(c, CheckConstraint):
        return f"CHECK ({c.expression})" + (" NO INHERIT" if c.no_inherit else "")
    if isinstance(c, ForeignKey):
        sql = f"FOREIGN KEY ({idents(c.columns)}) REFERENCES {c.ref_qualified}({idents(c.ref_columns)})"
        if c.match.lower() == "full":
            sql += " MATCH FULL"
        if c.on_update.lower() != "no action":
            sql += f" ON UPDATE {c.on_update.upper()}"
        if c.on_delete.lower() != "no action":
            sql += f" ON DELETE {c.on_delete.upper()}"
        return sql + _deferral(c.deferrable, c.initially_deferred)
    if isinstance(c, ExclusionConstraint):
        return c.definition
    raise TypeError(f"not a constraint: {constraint!r}")


def constraint_clause(constraint: Constraint) -> str:
    """CONSTRAINT name <definition>, as inside CREATE TABLE or ADD CONSTRAINT."""
    return f"CONSTRAINT {quote_ident(constraint.name)} {constraint_definition(constraint)}"


def add_constraint(table: Table, constraint: Constraint, *, not_valid: bool = False) -> str:
    """ALTER TABLE t ADD CONSTRAINT name <definition> [NOT VALID].

    NOT VALID (check and foreign keys only) skips checking existing rows, so only a
    brief lock is taken; validate_constraint checks them later under a weaker lock.
    """
    if not_valid and not isinstance(constraint, (CheckConstraint, ForeignKey)):
        raise ValueError(f"NOT VALID applies to check and foreign-key constraints, not {constraint.name}")
    tail = " NOT VALID" if not_valid else ""
    return f"ALTER TABLE {table.qualified} ADD {constraint_clause(constraint)}{tail}"


def _name(constraint: Constraint | str) -> str:
    return constraint if isinstance(constraint, str) else constraint.name


def validate_constraint(table: Table, constraint: Constraint | str) -> str:
    """ALTER TABLE t VALIDATE CONSTRAINT name."""
    return f"ALTER TABLE {table.qualified} VALIDATE CONSTRAINT {quote_ident(_name(constraint))}"


def drop_constraint(
    table: Table, constraint: Constraint | str, *, if_exists: bool = False, cascade: bool = False
) -> str:
    """ALTER TABLE t DROP CONSTRAINT [IF EXISTS] name [CASCADE]."""
    tail = " CASCADE" if cascade else ""
    kw = optional(if_exists, "IF EXISTS")
    return f"ALTER TABLE {table.qualified} DROP CONSTRAINT {kw}{quote_ident(_name(constraint))}{tail}"
