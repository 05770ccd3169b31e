"""Compiled scripts against a real server: they apply, re-apply without change, and complete
a database that holds part of the schema."""

from __future__ import annotations

from dataclasses import replace

import psycopg

from roseram_schema.compile.script import compile_script
from roseram_schema.model import build_catalog

from .catalogs import everything_catalog
from .conftest import apply_sql, dump_schemas

SCHEMAS = ["app", "public"]


def test_everything_applies_twice_with_no_change(platform_db_url, tmp_path):
    script = compile_script(everything_catalog(), "test")
    apply_sql(platform_db_url, script, tmp_path)
    first = dump_schemas(platform_db_url, SCHEMAS)
    apply_sql(platform_db_url, script, tmp_path)
    assert dump_schemas(platform_db_url, SCHEMAS) == first
    assert "CREATE POLICY \"owner reads\" ON app.organizations" in first
    assert "ALTER TABLE ONLY app.sites FORCE ROW LEVEL SECURITY" in first
    assert "CREATE SEQUENCE" not in first  # re-adding identity columns made no stray sequence


def _platform_db(make_db) -> str:
    from roseram_schema.platform import ensure_platform

    url = make_db()
    with psycopg.connect(url, autocommit=True) as conn:
        ensure_platform(conn)
    return url


def _partial(catalog):
    """Part of a catalog: half the tables, each with only its first columns and nothing else."""
    tables = [
        replace(t, columns=t.columns if t.partition_by else t.columns[: max(1, len(t.columns) // 2)], primary_key=None, uniques=(), checks=(),
                foreign_keys=(), indexes=(), policies=(), grants=(), rls_enabled=False, rls_forced=False,
                partitions=t.partitions[:1], comment=None)
        for t in catalog.tables
        if t.name != "sites"
    ]
    return build_catalog(schemas=catalog.schemas, roles=catalog.roles, enums=[replace(e, values=e.values[:1]) for e in catalog.enums],
                         tables=tables, functions=catalog.functions[:1])


def test_a_partly_built_database_is_completed(make_db, tmp_path):
    full = everything_catalog()
    fresh = _platform_db(make_db)
    apply_sql(fresh, compile_script(full, "x"), tmp_path, "full.sql")
    partial = _platform_db(make_db)
    apply_sql(partial, compile_script(_partial(full), "x"), tmp_path, "partial.sql")
    before = dump_schemas(partial, SCHEMAS)
    apply_sql(partial, compile_script(full, "x"), tmp_path, "full.sql")
    assert before != dump_schemas(partial, SCHEMAS)
    assert dump_schemas(partial, SCHEMAS) == dump_schemas(fresh, SCHEMAS)


def test_tables_referencing_each_other_apply(db_url, tmp_path):
    from roseram_schema.model import Column, ForeignKey, PrimaryKey, Table

    a = Table("public", "a", columns=(Column("id", "int", nullable=False), Column("b_id", "int")),
              primary_key=PrimaryKey("a_pkey", ("id",)),
              foreign_keys=(ForeignKey("a_b_id_fkey", ("b_id",), "public", "b", ("id",), deferrable=True),))
    b = Table("public", "b", columns=(Column("id", "int", nullable=False), Column("a_id", "int")),
              primary_key=PrimaryKey("b_pkey", ("id",)),
              foreign_keys=(ForeignKey("b_a_id_fkey", ("a_id",), "public", "a", ("id",), on_delete="cascade"),
                            ForeignKey("b_a_self_fkey", ("a_id",), "public", "b", ("id",))))
    script = compile_script(build_catalog(tables=(b, a)), "x")
    apply_sql(db_url, script, tmp_path)
    apply_sql(db_url, script, tmp_path)
    with psycopg.connect(db_url) as conn:
        names = [r[0] for r in conn.execute("SELECT conname FROM pg_constraint WHERE contype = 'f' ORDER BY 1")]
    assert names == ["a_b_id_fkey", "b_a_id_fkey", "b_a_self_fkey"]


def test_serial_columns_and_enums_do_not_grow_on_reapply(db_url, tmp_path):
    from roseram_schema.model import Column, Enum, Table

    t = Table("public", "s", columns=(Column("id", "bigserial", nullable=False), Column("m", "public.mood")))
    cat = build_catalog(tables=(t,), enums=(Enum("public", "mood", ("a", "b")),))
    script = compile_script(cat, "x")
    for _ in range(3):
        apply_sql(db_url, script, tmp_path)
    with psycopg.connect(db_url) as conn:
        seqs = conn.execute("SELECT count(*) FROM pg_class WHERE relkind = 'S'").fetchone()[0]
        labels = conn.execute("SELECT enum_range(NULL::public.mood)::text").fetchone()[0]
    assert seqs == 1
    assert labels == "{a,b}"


def test_an_enum_missing_values_is_completed_in_order(db_url, tmp_path):
    from roseram_schema.model import Enum

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TYPE public.mood AS ENUM ('b')")
    apply_sql(db_url, compile_script(build_catalog(enums=(Enum("public", "mood", ("a", "b", "c")),)), "x"), tmp_path)
    with psycopg.connect(db_url) as conn:
        labels = conn.execute("SELECT enum_range(NULL::public.mood)::text").fetchone()[0]
    assert labels == "{a,b,c}"


def test_a_missing_optional_extension_warns_and_the_script_goes_on(db_url, tmp_path):
    from roseram_schema.model import Extension

    cat = build_catalog(extensions=(Extension("no_such_extension_xyz", optional=True),))
    result = apply_sql(db_url, compile_script(cat, "x"), tmp_path)
    assert "optional extension no_such_extension_xyz is not available" in result.stderr


def test_enum_values_added_to_an_existing_type_can_be_used_by_the_same_script(db_url, tmp_path):
    from roseram_schema.model import Column, Enum, Table

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TYPE public.mood AS ENUM ('happy')")
    t = Table("public", "t", columns=(Column("m", "public.mood", default="'neutral'"),))
    cat = build_catalog(tables=(t,), enums=(Enum("public", "mood", ("happy", "neutral")),))
    apply_sql(db_url, compile_script(cat, "x"), tmp_path)
    with psycopg.connect(db_url) as conn:
        default = conn.execute("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef").fetchone()[0]
    assert default == "'neutral'::mood"


def test_a_function_gets_exactly_the_grants_of_its_model(db_url, tmp_path):
    from roseram_schema.model import Function, Grant, Role

    body = "RETURNS int LANGUAGE sql AS $$ SELECT 1 $$"
    everyone = Grant("public", ("execute",))  # PostgreSQL's default, as the loader starts a function
    granted = Function("public", "granted", "", f"CREATE FUNCTION public.granted() {body}",
                       grants=(Grant("compile_test_caller", ("execute",)),))
    plain = Function("public", "plain", "", f"CREATE FUNCTION public.plain() {body}", grants=(everyone,))
    both = Function("public", "both", "", f"CREATE FUNCTION public.both() {body}",
                    grants=(Grant("compile_test_caller", ("execute",)), everyone))
    nobody = Function("public", "nobody", "", f"CREATE FUNCTION public.nobody() {body}", grants=())
    cat = build_catalog(functions=(granted, plain, both, nobody), roles=(Role("compile_test_caller"),))
    script = compile_script(cat, "x")
    assert "TO PUBLIC" not in script  # creating a function grants it already
    apply_sql(db_url, script, tmp_path)
    apply_sql(db_url, script, tmp_path)
    with psycopg.connect(db_url) as conn:
        acl = dict(conn.execute("SELECT proname, coalesce(proacl::text, 'default') FROM pg_proc "
                                "WHERE proname IN ('granted', 'plain', 'both', 'nobody')").fetchall())
    assert acl["plain"] == "default"
    items = {name: set(acl[name].strip("{}").split(",")) for name in ("granted", "both", "nobody")}
    assert "compile_test_caller=X/postgres" in items["granted"] and "=X/postgres" not in items["granted"]
    assert {"compile_test_caller=X/postgres", "=X/postgres"} <= items["both"]  # "=X/owner" is PUBLIC
    assert items["nobody"] == {"postgres=X/postgres"}  # the owner only
