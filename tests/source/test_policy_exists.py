"""A policy whose whole expression is `EXISTS (...)`: the columns of the subquery belong to
the tables it reads, not to the policy's table (relations.column_refs prunes a sub-query
at the root of the expression as it does one further down)."""

from __future__ import annotations

import pytest

from roseram_schema.errors import SourceError
from roseram_schema.normalize.catalog import normalize_catalog
from roseram_schema.source import load_project

from .helpers import write_project

TABLES = {
    "project.yaml": "schemas:\n  - public\nroles:\n  - authenticated\n",
    "schema/public/tables.sql": """
        CREATE TABLE public.members (org_id uuid NOT NULL, user_id uuid NOT NULL, PRIMARY KEY (org_id, user_id));
        CREATE TABLE public.t (id bigint PRIMARY KEY, org_id uuid NOT NULL);
        """,
}

# the exact shape of the issue, then variants whose only columns are bare names of the
# subquery's table (user_id is not a column of t)
ACCEPTED = {
    "exact": "CREATE POLICY p ON t USING (EXISTS (SELECT 1 FROM members WHERE org_id = t.org_id "
             "AND user_id = auth.uid()));",
    "bare only": "CREATE POLICY p ON t USING (EXISTS (SELECT 1 FROM members WHERE user_id = auth.uid()));",
    "wrapped uid": "CREATE POLICY p ON public.t FOR SELECT TO authenticated USING (EXISTS (SELECT 1 "
                   "FROM public.members WHERE members.org_id = t.org_id AND user_id = (SELECT auth.uid())));",
    "with check": "CREATE POLICY p ON t FOR INSERT WITH CHECK (EXISTS (SELECT 1 FROM members "
                  "WHERE org_id = t.org_id AND user_id = auth.uid()));",
    "not exists": "CREATE POLICY p ON t USING (NOT EXISTS (SELECT 1 FROM members WHERE user_id = auth.uid()));",
}


def project_with(tmp_path, policy_sql: str):
    return write_project(tmp_path, {**TABLES, "policies/public/t.sql": f"""
        ALTER TABLE t ENABLE ROW LEVEL SECURITY;
        {policy_sql}
        """})


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_exists_policy_is_accepted(tmp_path, name):
    project = load_project(project_with(tmp_path, ACCEPTED[name]))
    policy = project.catalog.table("public.t").policies[0]
    assert policy.name == "p"
    assert "EXISTS" in (policy.using or policy.with_check)


def test_exists_policy_in_yaml_is_accepted(tmp_path):
    root = write_project(tmp_path, {**TABLES, "policies/public/t.yaml": """
        rls: enabled
        policies:
          - name: members read
            command: select
            roles: [authenticated]
            using: EXISTS (SELECT 1 FROM members WHERE org_id = t.org_id AND user_id = auth.uid())
        """})
    assert load_project(root).catalog.table("public.t").policies[0].name == "members read"


def test_exists_policy_builds_in_postgresql(tmp_path, pg_server):
    project = load_project(project_with(tmp_path, ACCEPTED["exact"]))
    normalized = normalize_catalog(project.catalog, pg_server.base_url)
    using = normalized.table("public.t").policies[0].using
    assert using.startswith("(EXISTS ( SELECT 1") and "members.org_id = t.org_id" in using


@pytest.mark.parametrize("policy_sql, column", [
    # a column of t's own expression is still checked, beside or around the subquery
    ("CREATE POLICY p ON t USING (EXISTS (SELECT 1 FROM members WHERE user_id = auth.uid()) AND nosuch = 1);",
     "nosuch"),
    ("CREATE POLICY p ON t USING (nosuch IN (SELECT org_id FROM members));", "nosuch"),
])
def test_a_missing_column_outside_the_subquery_is_still_refused(tmp_path, policy_sql, column):
    with pytest.raises(SourceError) as e:
        load_project(project_with(tmp_path, policy_sql))
    assert column in str(e.value)
