"""Domains end to end: SQL source -> apply into an empty database -> no drift; a psql-built
database -> empty plan; edits -> ALTER DOMAIN with its hazards, or a re-creation refused
while columns use it."""

from __future__ import annotations

from types_helpers import apply, drift_items, plan_of, psql, write_project

SCHEMA = """
CREATE DOMAIN email AS text NOT NULL DEFAULT 'nobody@example.com'
  CONSTRAINT email_has_at CHECK (VALUE ~ '@') CHECK (length(VALUE) < 200);
ALTER DOMAIN email ADD CONSTRAINT email_not_empty CHECK (VALUE <> '');
COMMENT ON DOMAIN email IS 'an address';
CREATE DOMAIN public.positive AS numeric(10,2) CHECK (VALUE > 0);
CREATE TABLE people (id bigint PRIMARY KEY, mail email, pay positive);
"""


def test_domain_applies_without_drift(tmp_path, db_url, pg_server):
    project = write_project(tmp_path / "p", SCHEMA)
    apply(project, db_url, pg_server.base_url, hazards=["lint_errors"])
    assert drift_items(project, db_url, pg_server.base_url) == []


def test_psql_built_domains_plan_empty(tmp_path, platform_db_url, pg_server):
    psql(platform_db_url, SCHEMA)
    project = write_project(tmp_path / "p", SCHEMA)
    assert plan_of(project, platform_db_url, pg_server.base_url).statements == ()


def test_domain_edits_plan_alter_domain(tmp_path, platform_db_url, pg_server):
    psql(platform_db_url, SCHEMA)
    edited = SCHEMA.replace("ALTER DOMAIN email ADD CONSTRAINT email_not_empty CHECK (VALUE <> '');",
                            "ALTER DOMAIN email ADD CONSTRAINT email_short CHECK (length(VALUE) < 100);")
    edited = edited.replace("NOT NULL DEFAULT 'nobody@example.com'", "DEFAULT 'x@y'")
    project = write_project(tmp_path / "p", edited)
    plan = plan_of(project, platform_db_url, pg_server.base_url)
    sql = [s.sql for s in plan.statements]
    assert sql == [
        "ALTER DOMAIN public.email DROP CONSTRAINT IF EXISTS email_not_empty",
        "ALTER DOMAIN public.email SET DEFAULT 'x@y'",
        "ALTER DOMAIN public.email DROP NOT NULL",
        "ALTER DOMAIN public.email ADD CONSTRAINT email_short CHECK (length(value) < 100)",
    ]
    added = plan.statements[-1]
    assert [h.name for h in added.hazards] == ["checks_existing_rows"]
    assert "public.people.mail" in added.hazards[0].message
    apply(project, platform_db_url, pg_server.base_url, hazards=["lint_errors"])
    assert drift_items(project, platform_db_url, pg_server.base_url) == []


def test_domain_constraint_cannot_be_added_while_an_array_uses_it(tmp_path, platform_db_url, pg_server):
    with_array = SCHEMA.replace("pay positive)", "pay positive, tags email[])")
    psql(platform_db_url, with_array)
    project = write_project(tmp_path / "p", with_array.replace("VALUE <> ''", "VALUE <> '-'"))
    added = plan_of(project, platform_db_url, pg_server.base_url).statements[-1]
    assert added.sql.startswith("ALTER DOMAIN public.email ADD CONSTRAINT email_not_empty")
    assert [h.name for h in added.hazards] == ["fails_on_existing_rows"]
    assert "public.people.tags" in added.hazards[0].message


def test_domain_base_type_change_is_a_hazard_while_used(tmp_path, platform_db_url, pg_server):
    psql(platform_db_url, SCHEMA)
    project = write_project(tmp_path / "p", SCHEMA.replace("numeric(10,2)", "integer"))
    plan = plan_of(project, platform_db_url, pg_server.base_url)
    drop = next(s for s in plan.statements if s.sql.startswith("DROP DOMAIN"))
    assert drop.sql == "DROP DOMAIN IF EXISTS public.positive"
    assert [h.name for h in drop.hazards] == ["deletes_data"]
    assert "public.people.pay" in drop.hazards[0].message


def test_domain_created_before_the_table_that_uses_it_and_dropped_after(tmp_path, platform_db_url, pg_server):
    project = write_project(tmp_path / "p", SCHEMA)
    sql = [s.sql for s in plan_of(project, platform_db_url, pg_server.base_url).statements]
    table = next(i for i, s in enumerate(sql) if s.startswith("CREATE TABLE"))
    assert max(i for i, s in enumerate(sql) if s.startswith("CREATE DOMAIN")) < table
    apply(project, platform_db_url, pg_server.base_url, hazards=["lint_errors"])
    gone = write_project(tmp_path / "q", "CREATE TABLE people (id bigint PRIMARY KEY);")
    sql = [s.sql for s in plan_of(gone, platform_db_url, pg_server.base_url).statements]
    drops = [i for i, s in enumerate(sql) if s.startswith("DROP DOMAIN")]
    assert len(drops) == 2 and min(drops) > max(i for i, s in enumerate(sql) if "DROP COLUMN" in s)
