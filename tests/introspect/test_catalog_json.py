"""Catalog JSON round trip and fingerprints."""

from __future__ import annotations

from dataclasses import replace

import pytest

from roseram_schema.model.serialize import catalog_from_json, catalog_to_json
from roseram_schema.errors import Origin
from roseram_schema.introspect import catalog_fingerprint, inspect_catalog
from roseram_schema.model import Column, Policy, Table, View, build_catalog


@pytest.fixture
def live(every_kind_conn):
    return inspect_catalog(every_kind_conn, roles=["roseram_test_reader"])


def _with_origins(catalog):
    tables = [
        replace(
            t,
            origin=Origin(f"schema/{t.schema}/{t.name}.yaml", 1, 1),
            contract={"select": ["alice", "bob"], "nested": {"k": [1, 2]}},
            columns=tuple(replace(c, origin=Origin("x.yaml", i + 2, 3)) for i, c in enumerate(t.columns)),
        )
        for t in catalog.tables
    ]
    return replace(catalog, tables=tuple(tables))


def test_round_trip_of_a_live_catalog_keeps_everything(live):
    rich = _with_origins(live)
    back = catalog_from_json(catalog_to_json(rich))
    assert back == rich
    # fields that take no part in equality survive too
    assert [t.origin for t in back.tables] == [t.origin for t in rich.tables]
    assert back.tables[0].columns[1].origin == Origin("x.yaml", 3, 3)
    assert back.tables[0].contract == {"select": ["alice", "bob"], "nested": {"k": [1, 2]}}
    assert [v.depends_on for v in back.views] == [v.depends_on for v in live.views]


def test_json_is_canonical_and_leaves_out_defaults():
    catalog = build_catalog(tables=[Table("public", "t", columns=(Column("id", "int"),))])
    assert catalog_to_json(catalog) == (
        '{"catalog":{"tables":[{"columns":[{"name":"id","type":"int"}],"name":"t","schema":"public"}]},"format":1}'
    )


def test_older_or_foreign_documents_are_rejected():
    with pytest.raises(ValueError):
        catalog_from_json('{"format": 999, "catalog": {}}')
    with pytest.raises(ValueError):
        catalog_from_json('{"format": 1, "catalog": {"tables": [{"schema": "a", "name": "b", "bogus": 1}]}}')


def test_fingerprint_ignores_origins_and_order_but_not_content(live):
    assert catalog_fingerprint(_with_origins(live)) == catalog_fingerprint(live)
    shuffled = replace(live, tables=tuple(reversed(live.tables)), views=tuple(reversed(live.views)))
    assert catalog_fingerprint(shuffled) == catalog_fingerprint(live)
    members = live.table("app.members")
    changed_policy = replace(members.policies[0], using="true")
    changed = replace(
        live,
        tables=tuple(
            replace(t, policies=(changed_policy, *t.policies[1:])) if t.key == "app.members" else t
            for t in live.tables
        ),
    )
    assert catalog_fingerprint(changed) != catalog_fingerprint(live)


def test_fingerprint_is_a_sha256_hex():
    fp = catalog_fingerprint(build_catalog(views=[View("public", "v", "SELECT 1")]))
    assert len(fp) == 64 and int(fp, 16) >= 0
    assert fp != catalog_fingerprint(build_catalog(views=[View("public", "v", "SELECT 2")]))


def test_policy_roles_tuple_round_trips_as_tuple():
    catalog = build_catalog(
        tables=[Table("public", "t", policies=(Policy("p", roles=("anon", "authenticated"), using="true"),))]
    )
    back = catalog_from_json(catalog_to_json(catalog))
    assert back.tables[0].policies[0].roles == ("anon", "authenticated")
    assert back == catalog
