"""NOT NULL on a table with rows: refused at plan time when it is sure to fail, flagged when
it reads every row. Checked against what PostgreSQL really does."""

from __future__ import annotations

import psycopg
import pytest

from roseram_schema.apply.executor import apply_plan
from roseram_schema.errors import DatabaseError, HazardBlocked
from roseram_schema.introspect import inspect_row_estimates
from roseram_schema.plan import build_plan
from roseram_schema.render import render_plan

from .dbutil import catalog_from_sql, inspect_url, run_sql

BASE = """
CREATE TABLE public.projects (
    id integer NOT NULL,
    name text,
    CONSTRAINT projects_pkey PRIMARY KEY (id)
);
"""


@pytest.fixture
def target(platform_db_url):
    run_sql(platform_db_url, BASE + "INSERT INTO public.projects SELECT g, 'p' FROM generate_series(1, 30) g;"
            "ANALYZE public.projects;")
    return platform_db_url


def _plan(target, desired):
    with psycopg.connect(target, autocommit=True) as conn:
        estimates = inspect_row_estimates(conn, ["public"])
    assert estimates["public.projects"] == 30
    return build_plan(inspect_url(target), desired, row_estimates=estimates)


def test_add_not_null_column_without_default_is_a_blocking_hazard_with_a_hint(target, make_db):
    desired = catalog_from_sql(make_db, BASE + "ALTER TABLE public.projects ADD COLUMN code text NOT NULL;")
    plan = _plan(target, desired)
    (statement,) = plan.statements
    assert [h.name for h in statement.hazards] == ["fails_on_existing_rows"]
    hazard = statement.hazards[0]
    assert hazard.blocking and "~30 rows" in hazard.message
    assert "default" in hazard.message and "backfill" in hazard.message
    assert "fails_on_existing_rows" in render_plan(plan, "text")
    with pytest.raises(HazardBlocked) as err:
        apply_plan(target, plan)
    assert err.value.exit_code == 3 and "--allow-hazards fails_on_existing_rows" in str(err.value)
    # the hazard is real: allowed anyway, PostgreSQL rejects it and nothing changes
    with pytest.raises(DatabaseError, match="contains null values"):
        apply_plan(target, plan, allow_hazards=("fails_on_existing_rows",))
    assert inspect_url(target).table("public.projects").column("code") is None


def test_add_not_null_column_with_a_default_or_to_an_empty_table_is_fine(target, make_db):
    desired = catalog_from_sql(make_db, BASE + "ALTER TABLE public.projects ADD COLUMN code text NOT NULL DEFAULT 'x';")
    plan = _plan(target, desired)
    assert [h.name for s in plan.statements for h in s.hazards] == []
    assert apply_plan(target, plan).applied
    empty = build_plan(inspect_url(target), catalog_from_sql(
        make_db, BASE + "ALTER TABLE public.projects ADD COLUMN code text NOT NULL;"), row_estimates={})
    assert not empty.blocking_hazards()


def test_set_not_null_on_a_table_with_rows_says_it_scans_and_may_fail(target, make_db):
    desired = catalog_from_sql(make_db, BASE.replace("name text,", "name text NOT NULL,"))
    plan = _plan(target, desired)
    (statement,) = plan.statements
    names = [h.name for h in statement.hazards]
    assert names == ["checks_existing_rows", "access_exclusive_lock"]
    assert not statement.blocking_hazards
    assert "fails if one is NULL" in statement.hazards[0].message and "~30 rows" in statement.hazards[0].message
    run_sql(target, "UPDATE public.projects SET name = NULL WHERE id = 1")
    with pytest.raises(DatabaseError, match="contains null values"):
        apply_plan(target, plan)
    run_sql(target, "UPDATE public.projects SET name = 'back' WHERE id = 1")
    assert apply_plan(target, plan).applied
