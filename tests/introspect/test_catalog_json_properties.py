"""Hypothesis: any catalog survives the JSON round trip, and fingerprints follow equality."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from roseram_schema.model.serialize import catalog_from_json, catalog_to_json
from roseram_schema.errors import Origin
from roseram_schema.introspect import catalog_fingerprint
from roseram_schema.model import (
    CheckConstraint,
    Column,
    Enum,
    ForeignKey,
    Function,
    Grant,
    Index,
    Partition,
    Policy,
    PrimaryKey,
    Table,
    View,
    build_catalog,
)

names = st.text(alphabet="abcdefgh_ \"'", min_size=1, max_size=8)
texts = st.text(max_size=30)
maybe_text = st.none() | texts
origins = st.none() | st.builds(Origin, names, st.integers(0, 500), st.integers(0, 80))
name_tuples = st.lists(names, max_size=3).map(tuple)

columns = st.builds(
    Column, names, texts, st.booleans(), maybe_text, st.sampled_from([None, "always", "by default"]),
    maybe_text, maybe_text, maybe_text, maybe_text, origins,
)
policies = st.builds(
    Policy, names, st.sampled_from(["all", "select", "insert"]), st.booleans(), name_tuples,
    maybe_text, maybe_text, maybe_text, origins,
)
grants = st.builds(Grant, names, name_tuples, origins)
indexes = st.builds(Index, names, name_tuples, st.booleans(), st.sampled_from(["btree", "gin"]), maybe_text)
contracts = st.none() | st.dictionaries(names, st.lists(names, max_size=2), max_size=2)
tables = st.builds(
    Table,
    names,
    names,
    columns=st.lists(columns, max_size=3).map(tuple),
    primary_key=st.none() | st.builds(PrimaryKey, names, name_tuples, origins),
    checks=st.lists(st.builds(CheckConstraint, names, texts, st.booleans(), origins), max_size=2).map(tuple),
    foreign_keys=st.lists(
        st.builds(ForeignKey, names, name_tuples, names, names, name_tuples, st.sampled_from(["cascade", "no action"])),
        max_size=1,
    ).map(tuple),
    indexes=st.lists(indexes, max_size=2).map(tuple),
    rls_enabled=st.booleans(),
    policies=st.lists(policies, max_size=2).map(tuple),
    grants=st.lists(grants, max_size=2).map(tuple),
    partitions=st.lists(st.builds(Partition, names, texts), max_size=1).map(tuple),
    contract=contracts,
    origin=origins,
)
views = st.builds(View, names, names, texts, st.booleans(), depends_on=name_tuples, origin=origins)
functions = st.builds(Function, names, names, texts, texts, config=name_tuples, grants=st.lists(grants, max_size=1).map(tuple))
enums = st.builds(Enum, names, names, name_tuples)
catalogs = st.builds(
    lambda t, v, f, e: build_catalog(tables=t, views=v, functions=f, enums=e),
    st.lists(tables, max_size=3),
    st.lists(views, max_size=2),
    st.lists(functions, max_size=2),
    st.lists(enums, max_size=2),
)


@settings(max_examples=60, deadline=None)
@given(catalogs)
def test_json_round_trip_is_exact(catalog):
    text = catalog_to_json(catalog)
    back = catalog_from_json(text)
    assert back == catalog
    assert catalog_to_json(back) == text


@settings(max_examples=60, deadline=None)
@given(catalogs, origins)
def test_fingerprint_ignores_origins(catalog, origin):
    moved = replace(catalog, tables=tuple(replace(t, origin=origin, contract=None) for t in catalog.tables))
    assert catalog_fingerprint(moved) == catalog_fingerprint(catalog)
