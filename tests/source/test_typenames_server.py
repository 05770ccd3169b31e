"""The loader's list of built-in type names, checked against a real server."""

from __future__ import annotations

from roseram_schema.source.typenames import BUILTIN_TYPES, TypeCatalog

# Accepted by CREATE TABLE only (they expand to a type plus a sequence), not types themselves.
SERIALS = {"serial", "serial2", "serial4", "serial8", "smallserial", "bigserial"}


def test_every_builtin_name_is_a_type_on_the_server(db_conn):
    names = sorted(BUILTIN_TYPES - SERIALS)
    rows = db_conn.execute(
        "SELECT n FROM unnest(%s::text[]) AS n WHERE to_regtype(n) IS NULL", (names,)
    ).fetchall()
    assert rows == []


def test_grammar_spellings_and_arrays_are_known():
    types = TypeCatalog(enums=(), extensions=(), relations=())
    for text in ["character varying(20)", "double precision", "timestamp(3) with time zone",
                 "bit varying", "int[]", "text[][]", "numeric(10, 2)", "interval day to second",
                 "pg_catalog.text", "TIMESTAMPTZ", '"char"']:
        assert types.check(text, "public") is None, text
    assert types.check("integr", "public")[0] == "type 'integr' is not known to PostgreSQL"
    assert types.check("public.text", "public") is not None
