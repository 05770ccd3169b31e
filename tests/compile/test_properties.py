"""Hypothesis: generated catalogs (tables, FKs with cycles, indexes, policies, views) compile
to the same bytes whatever the input order, and apply twice cleanly to a real server."""

from __future__ import annotations

import random
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roseram_schema.compile.script import compile_script
from roseram_schema.model import Catalog, Column, ForeignKey, Index, Policy, PrimaryKey, Table, View, build_catalog

from .conftest import apply_sql, dump_schemas

NAMES = st.text(alphabet="abcdefgh", min_size=1, max_size=3)


@st.composite
def catalogs(draw):
    """A small catalog in public: tables with keys, FKs (cycles and self-references
    allowed), indexes, policies reading other tables, and views stacked on each other."""
    names = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    tables = []
    for name in names:
        cols = [Column("id", "int", nullable=False), Column("label", draw(st.sampled_from(["text", "varchar(10)"])))]
        targets = draw(st.lists(st.sampled_from(names), max_size=2, unique=True))
        fks = []
        for target in targets:
            cols.append(Column(f"{target}_id", "int"))
            fks.append(ForeignKey(f"t_{name}_{target}_fkey", (f"{target}_id",), "public", f"t_{target}", ("id",),
                                  on_delete=draw(st.sampled_from(["no action", "cascade", "set null"]))))
        indexes = [Index(f"t_{name}_{c.name}_idx", (c.name,)) for c in cols[1:] if draw(st.booleans())]
        policies = []
        if draw(st.booleans()):
            other = draw(st.sampled_from(names))
            policies.append(Policy("reads", command="select",
                                   using=f"EXISTS (SELECT 1 FROM t_{other} o WHERE o.id = id)"))
        if draw(st.booleans()):
            policies.append(Policy("writes", command="insert", with_check="id > 0"))
        tables.append(Table("public", f"t_{name}", columns=tuple(cols), primary_key=PrimaryKey(f"t_{name}_pkey", ("id",)),
                            foreign_keys=tuple(fks), indexes=tuple(indexes), policies=tuple(policies),
                            rls_enabled=bool(policies) or draw(st.booleans())))
    views = []
    view_names = draw(st.lists(NAMES, max_size=3, unique=True))
    for i, name in enumerate(view_names):
        # A view reads a table or an earlier view; names are random, so name order and
        # dependency order disagree about half the time.
        sources = [t.name for t in tables] + [f"v_{n}" for n in view_names[:i]]
        source = draw(st.sampled_from(sources))
        views.append(View("public", f"v_{name}", f"SELECT id FROM public.{source}",
                          materialized=draw(st.booleans())))
    return build_catalog(tables=tables, views=views)


def _shuffled(catalog: Catalog, seed: int) -> Catalog:
    rng = random.Random(seed)

    def mix(items):
        items = list(items)
        rng.shuffle(items)
        return tuple(items)

    tables = mix(replace(t, foreign_keys=mix(t.foreign_keys), indexes=mix(t.indexes), policies=mix(t.policies))
                 for t in catalog.tables)
    return Catalog(tables=tables, views=mix(catalog.views))


@settings(max_examples=50, deadline=None)
@given(catalogs(), st.integers(0, 1000))
def test_same_bytes_whatever_the_input_order(catalog, seed):
    assert compile_script(_shuffled(catalog, seed), "fp") == compile_script(catalog, "fp")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(catalog=catalogs())
def test_generated_catalogs_apply_twice_cleanly(pg_server, tmp_path, catalog):
    name = pg_server.create_database("compile_prop")
    try:
        url = pg_server.url(name)
        script = compile_script(catalog, "fp")
        apply_sql(url, script, tmp_path)
        first = dump_schemas(url, ["public"])
        apply_sql(url, script, tmp_path)
        assert dump_schemas(url, ["public"]) == first
        for table in catalog.tables:
            assert f"CREATE TABLE public.{table.name} (" in first
    finally:
        pg_server.drop_database(name)


def _part_of(catalog: Catalog, keep: list[bool]) -> Catalog:
    """Some of the tables, each with its first columns and primary key only."""
    tables = [
        replace(t, columns=t.columns[:2], foreign_keys=(), indexes=(), policies=(), rls_enabled=False)
        for t, kept in zip(catalog.tables, keep)
        if kept
    ]
    return build_catalog(tables=tables)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(catalog=catalogs(), keep=st.lists(st.booleans(), min_size=4, max_size=4))
def test_a_partial_build_is_completed_to_the_same_state(pg_server, tmp_path, catalog, keep):
    fresh, partial = pg_server.create_database("compile_prop"), pg_server.create_database("compile_prop")
    try:
        script = compile_script(catalog, "fp")
        apply_sql(pg_server.url(fresh), script, tmp_path)
        apply_sql(pg_server.url(partial), compile_script(_part_of(catalog, keep), "fp"), tmp_path)
        apply_sql(pg_server.url(partial), script, tmp_path)
        assert dump_schemas(pg_server.url(partial), ["public"]) == dump_schemas(pg_server.url(fresh), ["public"])
    finally:
        pg_server.drop_database(fresh)
        pg_server.drop_database(partial)
