"""Domains, composite types and sequences: plain DDL, one function per operation."""

from __future__ import annotations

from ...model import (CompositeType, Domain, DomainConstraint, Sequence, TypeAttribute, qualify, quote_ident,
                      quote_literal)
from ._text import collation

# The bounds PostgreSQL gives a sequence of each type when MINVALUE/MAXVALUE are left out.
TYPE_MAX = {"smallint": 32767, "integer": 2147483647, "bigint": 9223372036854775807}


def _collate(name: str | None) -> str:
    return f" COLLATE {collation(name)}" if name else ""


def create_domain(d: Domain) -> str:
    """CREATE DOMAIN schema.name AS type [COLLATE] [DEFAULT] [NOT NULL] [CONSTRAINT c CHECK ...]."""
    parts = [f"CREATE DOMAIN {d.qualified} AS {d.base_type}{_collate(d.collation)}"]
    if d.default is not None:
        parts.append(f"DEFAULT {d.default}")
    if d.not_null:
        parts.append("NOT NULL")
    parts += [f"CONSTRAINT {quote_ident(c.name)} {c.expression}" for c in d.constraints]
    return " ".join(parts)


def drop_domain(d: Domain, *, if_exists: bool = False) -> str:
    return f"DROP DOMAIN {'IF EXISTS ' if if_exists else ''}{d.qualified}"


def domain_add_constraint(d: Domain, c: DomainConstraint) -> str:
    return f"ALTER DOMAIN {d.qualified} ADD CONSTRAINT {quote_ident(c.name)} {c.expression}"


def domain_drop_constraint(d: Domain, name: str) -> str:
    return f"ALTER DOMAIN {d.qualified} DROP CONSTRAINT IF EXISTS {quote_ident(name)}"


def domain_set_default(d: Domain) -> str:
    if d.default is None:
        return f"ALTER DOMAIN {d.qualified} DROP DEFAULT"
    return f"ALTER DOMAIN {d.qualified} SET DEFAULT {d.default}"


def domain_set_not_null(d: Domain) -> str:
    return f"ALTER DOMAIN {d.qualified} {'SET' if d.not_null else 'DROP'} NOT NULL"


def _attribute(a: TypeAttribute) -> str:
    return f"{quote_ident(a.name)} {a.type}{_collate(a.collation)}"


def create_composite_type(t: CompositeType) -> str:
    """CREATE TYPE schema.name AS (a type, ...)."""
    return f"CREATE TYPE {t.qualified} AS ({', '.join(_attribute(a) for a in t.attributes)})"


def drop_type(t: CompositeType | Domain, *, if_exists: bool = False) -> str:
    return f"DROP TYPE {'IF EXISTS ' if if_exists else ''}{t.qualified}"


def type_add_attribute(t: CompositeType, a: TypeAttribute) -> str:
    return f"ALTER TYPE {t.qualified} ADD ATTRIBUTE {_attribute(a)}"


def type_drop_attribute(t: CompositeType, name: str) -> str:
    return f"ALTER TYPE {t.qualified} DROP ATTRIBUTE IF EXISTS {quote_ident(name)}"


def type_alter_attribute(t: CompositeType, a: TypeAttribute) -> str:
    return f"ALTER TYPE {t.qualified} ALTER ATTRIBUTE {quote_ident(a.name)} TYPE {a.type}{_collate(a.collation)}"


def sequence_options(s: Sequence, old: Sequence | None = None) -> list[str]:
    """The option clauses of `s` that differ from `old` (or, without `old`, from what
    PostgreSQL would pick by itself), in CREATE SEQUENCE order."""
    if old is None:
        defaults = sequence_defaults(s)
        base = Sequence(s.schema, s.name, data_type="bigint", **{**defaults, "increment": 1})
    else:
        base = old
    out = []
    if s.data_type != base.data_type:
        out.append(f"AS {s.data_type}")
    if s.increment is not None and s.increment != base.increment:
        out.append(f"INCREMENT BY {s.increment}")
    if s.min_value is not None and s.min_value != base.min_value:
        out.append(f"MINVALUE {s.min_value}")
    if s.max_value is not None and s.max_value != base.max_value:
        out.append(f"MAXVALUE {s.max_value}")
    if s.start is not None and s.start != base.start:
        out.append(f"START WITH {s.start}")
    if s.cache is not None and s.cache != base.cache:
        out.append(f"CACHE {s.cache}")
    if s.cycle != base.cycle:
        out.append("CYCLE" if s.cycle else "NO CYCLE")
    return out


def sequence_defaults(s: Sequence) -> dict:
    """start, increment, min_value, max_value, cache as PostgreSQL picks them when CREATE
    SEQUENCE leaves them out, for `s`'s type and increment (START follows `s`'s own bound)."""
    top = TYPE_MAX.get(s.data_type, TYPE_MAX["bigint"])
    increment = s.increment if s.increment is not None else 1
    low, high = (1, top) if increment > 0 else (-top - 1, -1)
    if increment > 0:
        start = s.min_value if s.min_value is not None else low
    else:
        start = s.max_value if s.max_value is not None else high
    return {"start": start, "increment": increment, "min_value": low, "max_value": high, "cache": 1}


def create_sequence(s: Sequence, *, if_not_exists: bool = False) -> str:
    """CREATE SEQUENCE with the options PostgreSQL would not pick by itself (no OWNED BY:
    the owning column may not exist yet, see set_sequence_owner)."""
    options = "".join(" " + o for o in sequence_options(s))
    return f"CREATE SEQUENCE {'IF NOT EXISTS ' if if_not_exists else ''}{s.qualified}{options}"


def alter_sequence(s: Sequence, old: Sequence) -> str:
    """ALTER SEQUENCE with the options that changed (never RESTART: the value is data)."""
    return f"ALTER SEQUENCE {s.qualified} {' '.join(sequence_options(s, old))}"


def set_sequence_owner(s: Sequence) -> str:
    """ALTER SEQUENCE ... OWNED BY table.column | NONE."""
    if s.owned_by is None:
        return f"ALTER SEQUENCE {s.qualified} OWNED BY NONE"
    table, _, column = s.owned_by.partition(".")
    return f"ALTER SEQUENCE {s.qualified} OWNED BY {qualify(s.schema, table)}.{quote_ident(column)}"


def rename_sequence(s: Sequence, new_name: str) -> str:
    return f"ALTER SEQUENCE {s.qualified} RENAME TO {quote_ident(new_name)}"


def start_past_values(s: Sequence, table: str, column: str) -> str:
    """SELECT setval() so the next value of `s` is past every value of table.column."""
    start = s.start if s.start is not None else 1
    return (f"SELECT pg_catalog.setval({quote_literal(s.qualified)}, "
            f"GREATEST(pg_catalog.max({quote_ident(column)}) + 1, {start}), false) FROM {table}")


def drop_sequence(s: Sequence, *, if_exists: bool = False) -> str:
    return f"DROP SEQUENCE {'IF EXISTS ' if if_exists else ''}{s.qualified}"


def type_exists(schema: str, name: str) -> str:
    """A query that returns a row when a type of that name exists."""
    return ("SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace"
            f" WHERE n.nspname = {quote_literal(schema)} AND t.typname = {quote_literal(name)}")
