"""A database built from the project has exactly the tables of the Roseram specification.

data_model.yaml holds the specification's tables as data. Types and defaults are compared
the way DESIGN.md asks: PostgreSQL prints both sides. For each table, a temporary table is
created from the specification's own column types and defaults, and format_type/pg_get_expr
of it must equal those of the built table. Foreign keys and unique constraints compare as
pg_get_constraintdef prints them; checks compare once the casts the catalog adds are removed.
"""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest
import yaml

SPEC = yaml.safe_load((Path(__file__).with_name("data_model.yaml")).read_text())

_CASTS = re.compile(r"::(character varying|double precision|timestamp with time zone|[a-z_]+)(\[\])?")


def _columns(conn, relation: str) -> list[tuple]:
    """(name, type, not null, default) of a relation's columns, in column order."""
    return conn.execute(
        """
        SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attribute a
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum
        """,
        (relation,),
    ).fetchall()


def _constraints(conn, table: str, kind: str) -> list[str]:
    rows = conn.execute(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype = %s",
        (f"public.{table}", kind),
    ).fetchall()
    return sorted(r[0] for r in rows)


def _check_shape(definition: str) -> str:
    """A check without the casts and parentheses the catalog adds: comparable across printers."""
    return re.sub(r"[()\s]", "", _CASTS.sub("", definition))


def test_the_specification_lists_34_tables():
    assert len(SPEC) == 34


def test_columns_types_nullability_and_defaults_match_the_specification(roseram_url):
    with psycopg.connect(roseram_url) as conn:
        assert sorted(r[0] for r in conn.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
            " AND relkind = 'r'").fetchall()) == sorted(SPEC)
        for table, spec in sorted(SPEC.items()):
            columns = ", ".join(
                f"{name} {type_}{'' if nullable else ' NOT NULL'}"
                + (f" DEFAULT {default}" if default is not None else "")
                for name, type_, nullable, default in spec["columns"]
            )
            conn.execute(f"CREATE TEMP TABLE spec_{table} ({columns})")
            assert _columns(conn, f"public.{table}") == _columns(conn, f"pg_temp.spec_{table}"), table
        conn.rollback()


def test_keys_and_checks_match_the_specification(roseram_url):
    with psycopg.connect(roseram_url, autocommit=True) as conn:
        for table, spec in sorted(SPEC.items()):
            assert _constraints(conn, table, "f") == sorted(spec["foreign_keys"]), table
            assert _constraints(conn, table, "u") == sorted(spec["unique"]), table
            assert _constraints(conn, table, "p") == ["PRIMARY KEY (id)"], table
            live = sorted(_check_shape(c) for c in _constraints(conn, table, "c"))
            assert live == sorted(_check_shape(c) for c in spec["checks"]), table


@pytest.mark.parametrize("definition, shape", [
    ("CHECK (((theme)::text = ANY ((ARRAY['light'::character varying, 'dark'::character varying])::text[])))",
     "CHECKtheme=ANYARRAY['light','dark']"),
    ("CHECK ((length((name)::text) > 0))", "CHECKlengthname>0"),
])
def test_check_shape_removes_only_casts_and_parentheses(definition, shape):
    assert _check_shape(definition) == shape
