"""Pure parts: CHECK analysis, contract parsing and its error messages, categories."""

from __future__ import annotations

import pytest

from roseram_schema.errors import SourceError
from roseram_schema.lint import sqlrefs
from roseram_schema.verify.categories import allowed
from roseram_schema.verify.checks import column_rules
from roseram_schema.verify.seed import Row
from roseram_schema.verify.spec import parse_spec

from .helpers import good_spec


def test_check_lists_in_both_printed_forms():
    allowed_values, minimum = column_rules([
        "((theme)::text = ANY ((ARRAY['light'::character varying, 'dark'::character varying])::text[]))",
        "role IN ('user', 'assistant')",
        "length((name)::text) > 0",
        "amount >= 5",
    ])
    assert allowed_values == {"theme": ["light", "dark"], "role": ["user", "assistant"]}
    assert minimum == {"name": 1, "amount": 5}


def test_negated_checks_give_no_values():
    assert column_rules(["NOT (kind IN ('a', 'b'))"]) == ({}, {})


def test_contract_errors_name_the_file_and_suggest():
    with pytest.raises(SourceError) as err:
        parse_spec(
            {"tenancy": {"ranks": ["owner", "member"], "tenants": {"table": "orgs"}},
             "amy": {"role": "authenticated", "tenant": "A", "tenant_role": "boss"}},
            {"public.t": {"select": "onw", "frobnicate": 1}},
            lambda key: None,
        )
    text = str(err.value)
    assert "unknown row category 'onw'" in text and "did you mean 'own'" in text
    assert "public.t contract.frobnicate: unknown key" in text
    assert "tenant_role 'boss' is not one of the ranks" in text


def test_all_and_conjunctions():
    spec = parse_spec(None, {"public.t": {"all": "own", "select": ["own & signed_in", "public"]}})
    contract = spec.contract("public.t")
    assert contract.clauses("insert") == (frozenset({"own"}),)
    assert contract.clauses("select") == (frozenset({"own", "signed_in"}), frozenset({"public"}))
    assert [p.name for p in spec.personas] == ["anon", "user1", "user2", "service"]


def test_rank_categories():
    spec = good_spec()
    ten = spec.tenancy
    contract = spec.contract("public.sites")
    row_a = Row("public.sites", "tenant A", {}, {}, tenant="A")
    assert allowed(contract, "select", spec.persona("vic"), row_a, ten)
    assert not allowed(contract, "insert", spec.persona("mia"), row_a, ten)
    assert allowed(contract, "insert", spec.persona("dave"), row_a, ten)
    assert not allowed(contract, "delete", spec.persona("dave"), row_a, ten)
    assert not allowed(contract, "select", spec.persona("bob"), row_a, ten)
    assert allowed(contract, "delete", spec.persona("service"), row_a, ten)


def test_sql_analysis():
    tree = sqlrefs.parse_expression(
        "EXISTS (SELECT 1 FROM organization_members WHERE organization_id = organization_id)"
    )
    assert sqlrefs.self_comparisons(tree) == ["organization_id = organization_id"]
    assert sqlrefs.tables_read(tree) == {"public.organization_members"}
    assert sqlrefs.is_always_true("(true)") and not sqlrefs.is_always_true("user_id = auth.uid()")
    assert sqlrefs.bare_uid_calls(sqlrefs.parse_expression("user_id = auth.uid()")) == 1
    assert sqlrefs.bare_uid_calls(sqlrefs.parse_expression("user_id = (select auth.uid())")) == 0


def test_tenancy_must_name_real_tables(platform_db_url):
    import psycopg

    from roseram_schema.verify.checker import check_database

    personas = {"tenancy": {"tenants": {"table": "public.orgs", "owner": "owner_id"},
                            "members": {"table": "public.members", "tenant": "org_id", "user": "uid"},
                            "ranks": ["owner"]},
                "amy": {"role": "authenticated", "tenant": "A", "tenant_role": "owner"}}
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.orgs (id uuid PRIMARY KEY)")
        with pytest.raises(SourceError) as err:
            check_database(conn, parse_spec(personas, {}))
    text = str(err.value)
    assert "personas.tenancy.tenants: table public.orgs has no column owner_id" in text
    assert "personas.tenancy.members: table public.members does not exist in the schema" in text
