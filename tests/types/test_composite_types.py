"""Composite types end to end: used by a column and a function; attributes added, dropped
and re-typed with ALTER TYPE; a reorder re-creates the type, a hazard while it is used."""

from __future__ import annotations

from types_helpers import apply, drift_items, plan_of, psql, write_project

SCHEMA = """
CREATE TYPE address AS (street text, zip integer, city varchar(40) COLLATE "C");
COMMENT ON TYPE address IS 'postal';
CREATE TYPE public.pair AS (a address, b address);
CREATE TABLE sites (id bigint PRIMARY KEY, home address);
CREATE FUNCTION city_of(a address) RETURNS text LANGUAGE sql STABLE AS $$ SELECT (a).city $$;
"""


def test_composite_types_apply_without_drift(tmp_path, db_url, pg_server):
    project = write_project(tmp_path / "p", SCHEMA)
    apply(project, db_url, pg_server.base_url, hazards=["lint_errors"])
    assert drift_items(project, db_url, pg_server.base_url) == []


def test_psql_built_composite_types_plan_empty(tmp_path, platform_db_url, pg_server):
    psql(platform_db_url, SCHEMA)
    project = write_project(tmp_path / "p", SCHEMA)
    assert [s.sql for s in plan_of(project, platform_db_url, pg_server.base_url).statements] == []


def test_attributes_added_and_dropped(tmp_path, platform_db_url, pg_server):
    psql(platform_db_url, SCHEMA)
    edited = SCHEMA.replace("(street text, zip integer,", "(street text,").replace(
        'COLLATE "C")', 'COLLATE "C", country text)')
    project = write_project(tmp_path / "p", edited)
    plan = plan_of(project, platform_db_url, pg_server.base_url)
    assert [s.sql for s in plan.statements] == [
        "ALTER TYPE public.address DROP ATTRIBUTE IF EXISTS zip",
        "ALTER TYPE public.address ADD ATTRIBUTE country text",
    ]
    assert [h.name for h in plan.statements[0].hazards] == ["deletes_data"]
    apply(project, platform_db_url, pg_server.base_url, hazards=["lint_errors", "deletes_data"])
    assert drift_items(project, platform_db_url, pg_server.base_url) == []


def test_reordered_type_in_use_is_a_hazard(tmp_path, platform_db_url, pg_server):
    psql(platform_db_url, SCHEMA)
    project = write_project(tmp_path / "p", SCHEMA.replace("(street text, zip integer,", "(zip integer, street text,"))
    plan = plan_of(project, platform_db_url, pg_server.base_url)
    drop = next(s for s in plan.statements if s.sql.startswith("DROP TYPE"))
    assert [h.name for h in drop.hazards] == ["deletes_data"]
    assert "public.sites.home" in drop.hazards[0].message


def test_type_dropped_after_its_users(tmp_path, platform_db_url, pg_server):
    psql(platform_db_url, SCHEMA)
    project = write_project(tmp_path / "p", "CREATE TABLE sites (id bigint PRIMARY KEY);")
    sql = [s.sql for s in plan_of(project, platform_db_url, pg_server.base_url).statements]
    assert sql.index("DROP TYPE IF EXISTS public.pair") < sql.index("DROP TYPE IF EXISTS public.address")
    assert sql.index("DROP TYPE IF EXISTS public.address") > max(
        i for i, s in enumerate(sql) if "DROP COLUMN" in s or "DROP FUNCTION" in s)
    apply(project, platform_db_url, pg_server.base_url, hazards=["lint_errors", "deletes_data"])
    assert drift_items(project, platform_db_url, pg_server.base_url) == []
