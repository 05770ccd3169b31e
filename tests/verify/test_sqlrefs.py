"""lint/sqlrefs answers on policy expressions as PostgreSQL prints them back and as people
write them: what the lint rules decide on (no database needed)."""

from __future__ import annotations

import pytest

from roseram_schema.lint import sqlrefs

CALLERS = {"is_member", "public.is_member"}


def tree(text):
    node = sqlrefs.parse_expression(text)
    assert node is not None, text
    return node


@pytest.mark.parametrize("text, expected", [
    ("user_id = auth.uid()", True),
    ("(user_id = ( SELECT auth.uid() AS uid))", True),  # pg_get_expr's form
    ("auth.uid() IN (SELECT user_id FROM members)", True),
    ("org_id IN (SELECT m.org_id FROM members m WHERE m.user_id = (select auth.uid()))", True),
    ("EXISTS (SELECT 1 FROM members m WHERE m.org_id = sites.org_id AND m.user_id = auth.uid())", True),
    ("auth.role() = 'authenticated'", True),
    ("(auth.role() = ANY (ARRAY['authenticated'::text, 'service_role'::text]))", True),
    ("public.is_member(org_id)", True),
    ("user_id = auth.uid() OR org_id = (select auth.uid())", True),
    ("user_id = auth.uid() OR is_public", False),  # an OR needs it on both sides
    ("NOT EXISTS (SELECT 1 FROM members m WHERE m.user_id = auth.uid())", False),
    ("x NOT IN (SELECT auth.uid())", False),
    ("organization_id IS NOT NULL", False),
])
def test_requires_user(text, expected):
    assert sqlrefs.requires_user(tree(text), CALLERS) is expected


@pytest.mark.parametrize("text, expected", [
    ("user_id = auth.uid()", 1),
    ("user_id = (select auth.uid())", 0),
    ("x IN (SELECT m.x FROM members m WHERE m.user_id = auth.uid())", 0),  # runs once
    ("EXISTS (SELECT 1 FROM projects p WHERE p.id = tasks.project_id AND p.user_id = auth.uid())", 1),
    ("EXISTS (SELECT 1 FROM projects p WHERE p.id = tasks.project_id AND p.user_id = (select auth.uid()))", 0),
    ("auth.uid() = a AND EXISTS (SELECT 1 FROM p WHERE p.x = t.x AND p.u = auth.jwt() ->> 'sub')", 2),
])
def test_bare_uid_calls(text, expected):
    assert sqlrefs.bare_uid_calls(tree(text)) == expected


@pytest.mark.parametrize("text, expected", [
    ("user_id = auth.uid() AND body IS NOT NULL", {"user_id"}),
    ("is_member(organization_id) OR owner = current_user", {"organization_id", "owner"}),
    ("EXISTS (SELECT 1 FROM members m WHERE m.org = posts.org_id AND m.user_id = auth.uid())", {"org_id"}),
    # an unqualified name inside the subquery is the subquery's column, not the table's
    ("EXISTS (SELECT 1 FROM members WHERE org_id = org_id AND user_id = auth.uid())", set()),
    ("body IS NOT NULL", set()),
])
def test_tied_columns(text, expected):
    assert sqlrefs.tied_columns(tree(text), "posts", CALLERS) == expected


def test_names_are_read_as_postgresql_reads_them():
    # unquoted names fold to lower case; a qualified name is never a CTE
    assert sqlrefs.self_comparisons(tree("EXISTS (SELECT 1 FROM m WHERE Org = org)")) == ["org = org"]
    assert sqlrefs.tables_read(sqlrefs.parse_query("SELECT * FROM Members")) == {"public.members"}
    query = sqlrefs.parse_query("WITH x AS (SELECT * FROM t) SELECT * FROM x JOIN s.x ON true")
    assert sqlrefs.tables_read(query, "app") == {"app.t", "s.x"}
    assert sqlrefs.function_calls(tree('"is_member"(org_id) AND public.f(auth.uid())')) == {
        "is_member", "public.f", "auth.uid"}


def test_always_true_and_unparsable_text():
    assert all(sqlrefs.is_always_true(t) for t in ("true", "(true)", "1 = 1", "'a'::text = 'a'"))
    assert not any(sqlrefs.is_always_true(t) for t in ("false", "1 = '1'", "NULL = NULL", None))
    assert sqlrefs.parse_expression("user_id = (") is None
    # a plpgsql body is not SQL: nothing is read from it
    assert sqlrefs.tables_read(sqlrefs.parse_query("BEGIN RETURN 1; END")) == set()
    assert sqlrefs.tables_read(sqlrefs.parse_query("SELECT 1 FROM a; SELECT 2 FROM b.c")) == {"public.a", "b.c"}
