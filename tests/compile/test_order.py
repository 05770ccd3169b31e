"""Statement order: what depends on what, cycles, and independence from input order."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from roseram_schema.compile.script import compile_script, compile_statements
from roseram_schema.errors import PlanCycleError
from roseram_schema.model import Catalog, Column, ForeignKey, Function, Policy, PrimaryKey, Table, View, build_catalog

from .catalogs import everything_catalog


def positions(statements):
    """obj -> index of its first statement (and of every statement, by sql prefix)."""
    return [s.obj for s in statements]


def index_of(objs, obj, start=0):
    return objs.index(obj, start)


def test_foreign_keys_come_after_every_table_they_join_even_in_a_cycle():
    a = Table("public", "a", columns=(Column("id", "int", nullable=False), Column("b_id", "int")),
              primary_key=PrimaryKey("a_pkey", ("id",)),
              foreign_keys=(ForeignKey("a_b_id_fkey", ("b_id",), "public", "b", ("id",)),))
    b = Table("public", "b", columns=(Column("id", "int", nullable=False), Column("a_id", "int")),
              primary_key=PrimaryKey("b_pkey", ("id",)),
              foreign_keys=(ForeignKey("b_a_id_fkey", ("a_id",), "public", "a", ("id",)),))
    objs = positions(compile_statements(build_catalog(tables=(a, b))))
    for fk in ("constraint public.a.a_b_id_fkey", "constraint public.b.b_a_id_fkey"):
        assert index_of(objs, fk) > index_of(objs, "columns public.a")
        assert index_of(objs, fk) > index_of(objs, "columns public.b")
        assert index_of(objs, fk) > index_of(objs, "constraint public.a.a_pkey")
        assert index_of(objs, fk) > index_of(objs, "constraint public.b.b_pkey")


def test_policies_follow_the_functions_and_tables_they_read_and_rls_follows_policies():
    cat = everything_catalog()
    objs = positions(compile_statements(cat))
    create = index_of(objs, "policy app.organizations.owner reads", index_of(objs, "policy app.organizations.owner reads") + 1)
    assert create > index_of(objs, "function app.is_member(uuid)")
    assert create > index_of(objs, "columns app.organizations")
    assert index_of(objs, "rls app.organizations") > index_of(objs, "policy app.organizations.owner writes") + 1


def test_a_function_using_a_table_row_type_comes_after_the_table():
    t = Table("public", "t", columns=(Column("id", "int"),))
    f = Function("public", "all_t", "", "CREATE FUNCTION public.all_t() RETURNS SETOF public.t LANGUAGE sql AS $$ SELECT * FROM public.t $$")
    objs = positions(compile_statements(build_catalog(tables=(t,), functions=(f,))))
    assert index_of(objs, "function public.all_t()") > index_of(objs, "columns public.t")


def test_tables_come_after_functions_their_defaults_call():
    f = Function("public", "zzz_default", "", "CREATE FUNCTION public.zzz_default() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$")
    t = Table("public", "a", columns=(Column("n", "int", default="zzz_default()"),))
    objs = positions(compile_statements(build_catalog(tables=(t,), functions=(f,))))
    assert index_of(objs, "table public.a") > index_of(objs, "function public.zzz_default()")


def test_views_follow_the_views_they_read_found_by_parsing_the_query():
    # Named so that name order is the wrong order: a_view reads z_view (bare name, via public).
    z = View("public", "z_view", "SELECT 1 AS x")
    a = View("public", "a_view", "WITH z_view AS (SELECT 2 AS x) SELECT x FROM public.z_view UNION SELECT x FROM z_view")
    objs = positions(compile_statements(build_catalog(views=(a, z))))
    assert index_of(objs, "view public.a_view") > index_of(objs, "view public.z_view")
    b = View("public", "b_view", "SELECT x FROM z_view")
    objs = positions(compile_statements(build_catalog(views=(b, z))))
    assert index_of(objs, "view public.b_view") > index_of(objs, "view public.z_view")


def test_declared_view_dependencies_are_honoured():
    z = View("public", "z_view", "SELECT 1 AS x")
    a = View("public", "a_view", "SELECT 1 AS x", depends_on=("public.z_view",))
    objs = positions(compile_statements(build_catalog(views=(a, z))))
    assert index_of(objs, "view public.a_view") > index_of(objs, "view public.z_view")


def test_a_view_cycle_is_an_error_naming_both_views():
    a = View("public", "a", "SELECT * FROM public.b")
    b = View("public", "b", "SELECT * FROM public.a")
    with pytest.raises(PlanCycleError) as err:
        compile_statements(build_catalog(views=(a, b)))
    assert "view public.a" in str(err.value) and "view public.b" in str(err.value)


def test_output_does_not_depend_on_input_order():
    cat = everything_catalog()
    expected = compile_script(cat, "fp")
    rng = random.Random(7)
    for _ in range(5):
        def shuffled(items):
            items = list(items)
            rng.shuffle(items)
            return tuple(items)

        tables = shuffled(
            replace(t, policies=shuffled(t.policies), indexes=shuffled(t.indexes),
                    foreign_keys=shuffled(t.foreign_keys), grants=shuffled(t.grants))
            for t in cat.tables
        )
        mixed = Catalog(schemas=shuffled(cat.schemas), extensions=shuffled(cat.extensions), roles=shuffled(cat.roles),
                        enums=shuffled(cat.enums), tables=tables, views=shuffled(cat.views),
                        functions=shuffled(cat.functions), triggers=shuffled(cat.triggers))
        assert compile_script(mixed, "fp") == expected


def test_script_header_and_transaction():
    script = compile_script(build_catalog(tables=(Table("public", "t", columns=(Column("id", "int"),)),)), "abc123")
    lines = script.splitlines()
    assert lines[0].startswith("-- Generated by roseram-schema ")
    assert "-- Source fingerprint: abc123" in lines
    assert lines.index("BEGIN;") < lines.index("SET LOCAL check_function_bodies = off;")
    assert lines[-1] == "COMMIT;"
    kinds = {s.obj.split(" ")[0] + (" values" if " values " in s.obj else "")
             for s in compile_statements(everything_catalog()) if not s.transactional}
    assert kinds == {"enum values"}


def test_statements_carry_the_origin_of_what_produced_them():
    from roseram_schema.errors import Origin

    t = Table("public", "t", columns=(Column("id", "int"),), origin=Origin("schema/public/t.yaml", 1, 1),
              policies=(Policy("p", using="true", origin=Origin("policies/public/t.yaml", 3, 5)),), rls_enabled=True,
              policies_origin=Origin("policies/public/t.yaml", 1, 1))
    by_obj = {s.obj: s.origin for s in compile_statements(build_catalog(tables=(t,)))}
    assert str(by_obj["table public.t"]) == "schema/public/t.yaml:1:1"
    assert str(by_obj["policy public.t.p"]) == "policies/public/t.yaml:3:5"
    assert str(by_obj["rls public.t"]) == "policies/public/t.yaml:1:1"


def test_constraint_triggers_are_guarded_and_others_replaced():
    sql = {s.obj: s.sql for s in compile_statements(everything_catalog())}
    assert sql["trigger app.sites.sites_check"].startswith("DO $roseram$")
    assert "tgname = 'sites_check'" in sql["trigger app.sites.sites_check"]
    assert sql["trigger app.sites.sites_touch"].startswith("CREATE OR REPLACE TRIGGER sites_touch")


def test_do_blocks_pick_a_dollar_tag_absent_from_their_body():
    from roseram_schema.compile.ddl.guarded import if_missing

    sql = if_missing("SELECT 1", "SELECT '$roseram$'")
    assert sql.startswith("DO $roseram1$\n") and sql.endswith("\n$roseram1$")
