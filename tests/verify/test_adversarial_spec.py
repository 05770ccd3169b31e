"""The declarations behind the adversarial probes: personas with several memberships (judged
per tenant) and the contract keys fixed/author/hide."""

from __future__ import annotations

import pytest

from roseram_schema.errors import SourceError
from roseram_schema.verify.categories import allowed
from roseram_schema.verify.seed import Row
from roseram_schema.verify.spec import parse_spec

TENANCY = {"tenants": {"table": "public.orgs", "owner": "owner_id"},
           "members": {"table": "public.members", "tenant": "org_id", "user": "user_id", "role": "role"},
           "ranks": ["owner", "admin", "editor", "member", "viewer"]}


def _row(tenant):
    return Row("public.sites", f"tenant {tenant}", {}, {}, tenant=tenant)


def test_several_memberships_are_judged_per_tenant():
    spec = parse_spec({"tenancy": TENANCY,
                       "alice": {"role": "authenticated", "tenant": "A", "tenant_role": "owner"},
                       "tom": {"role": "authenticated", "tenants": {"A": "member", "B": "editor"}}},
                      {"public.sites": {"select": "tenant", "update": "editor+"}})
    tom = spec.persona("tom")
    assert tom.memberships == (("A", "member"), ("B", "editor"))
    assert (tom.tenant, tom.tenant_role) == ("B", "editor")  # the strongest membership
    assert tom.rank_in("B") == "editor" and tom.rank_in("C") is None
    assert spec.tenants() == ("A", "B")
    contract = spec.contract("public.sites")
    ten = spec.tenancy
    assert allowed(contract, "select", tom, _row("A"), ten) and allowed(contract, "select", tom, _row("B"), ten)
    assert not allowed(contract, "update", tom, _row("A"), ten)
    assert allowed(contract, "update", tom, _row("B"), ten)
    # the tenant row of B is owned by its highest rank: tom, the only member of B
    assert spec.tenant_owner("B").name == "tom" and spec.tenant_owner("A").name == "alice"


def test_tenant_and_tenants_together_and_their_errors():
    spec = parse_spec({"tenancy": TENANCY,
                       "eve": {"role": "authenticated", "tenant": "A", "tenant_role": "admin",
                               "tenants": {"B": "viewer"}}}, {})
    assert spec.persona("eve").memberships == (("A", "admin"), ("B", "viewer"))
    with pytest.raises(SourceError) as excinfo:
        parse_spec({"tenancy": TENANCY,
                    "eve": {"role": "authenticated", "tenant": "A", "tenant_role": "admin",
                            "tenants": {"A": "viewer", "B": "boss"}},
                    "ann": {"role": "authenticated", "tenants": ["A"]}}, {})
    text = str(excinfo.value)
    assert "tenant A is listed twice" in text
    assert "rank in tenant B 'boss' is not one of the ranks" in text
    assert "personas.ann.tenants: must map tenant labels to ranks" in text


def test_fixed_author_hide_parse_as_column_lists():
    spec = parse_spec(None, {"public.orgs": {"update": "own", "fixed": "owner_id",
                                             "author": ["created_by"], "hide": ["secret", "token"]},
                             "public.notes": {"select": "own", "author": []},
                             "public.pages": {"select": "own"}})
    orgs = spec.contract("public.orgs")
    assert orgs.fixed == ("owner_id",) and orgs.author == ("created_by",)
    assert orgs.hide == ("secret", "token")
    assert spec.contract("public.notes").author == ()  # declared: no author column
    assert spec.contract("public.pages").author is None  # derived
    with pytest.raises(SourceError, match="contract.fixed: must be a column name or a list"):
        parse_spec(None, {"public.orgs": {"fixed": [1]}})


def test_default_personas_with_tenancy_include_several_memberships():
    spec = parse_spec({"tenancy": TENANCY}, {})
    assert [p.name for p in spec.personas] == ["anon", "user1", "user2", "multi", "service"]
    multi = spec.persona("multi")
    assert multi.memberships == (("A", "viewer"), ("B", "admin"))
    assert spec.tenant_owner("A").name == "user1" and spec.tenant_owner("B").name == "user2"
    # without tenancy: the four defaults, as before
    assert [p.name for p in parse_spec(None, {}).personas] == ["anon", "user1", "user2", "service"]
