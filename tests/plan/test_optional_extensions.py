"""An extension's `optional` flag is how to create it, never a difference between two sides."""

from __future__ import annotations

from dataclasses import replace

from roseram_schema.apply.executor import apply_plan
from roseram_schema.diff import diff_catalogs
from roseram_schema.plan import build_plan, managed_fingerprint

from .dbutil import catalog_from_sql, inspect_url


def _optional(catalog):
    """`catalog` with its extensions flagged optional, as the source declares them."""
    return replace(catalog, extensions=tuple(replace(e, optional=True) for e in catalog.extensions))


def test_optional_never_causes_a_change_or_a_new_fingerprint(platform_db_url, make_db):
    # the desired side carries `optional: true` (the source's flag kept on the normalized
    # catalog); a database cannot say it, so the live side never does
    desired = _optional(catalog_from_sql(make_db, "CREATE EXTENSION citext;"))
    assert [(e.name, e.optional) for e in desired.extensions] == [("citext", True)]
    plan = build_plan(inspect_url(platform_db_url), desired)
    assert [s.change for s in plan.statements] == ["CreateExtension"]
    assert "pg_available_extensions" in plan.statements[0].sql  # still created as optional
    assert apply_plan(platform_db_url, plan).applied
    live = inspect_url(platform_db_url)
    assert [(e.name, e.optional) for e in live.extensions] == [("citext", False)]
    assert diff_catalogs(live, desired) == ()
    assert managed_fingerprint(live) == plan.to_fingerprint == managed_fingerprint(desired)
    assert build_plan(live, desired).empty
    # applying the same plan again finds it applied (to_fingerprint matches the database)
    assert apply_plan(platform_db_url, plan).status == "already applied"
