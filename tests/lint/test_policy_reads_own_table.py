"""lint's policy-recursion names a policy that reads its own table (any command, USING or WITH
CHECK): PostgreSQL applies the table's policies to that subquery too and fails every statement
the policy applies to with "infinite recursion detected in policy", which is checked here on
the live server as well. Through a SECURITY DEFINER helper the read skips RLS: no finding."""

from __future__ import annotations

import psycopg
import pytest

from roseram_schema.introspect import inspect_catalog
from roseram_schema.lint.rules import lint_catalog
from roseram_schema.verify.spec import parse_spec

BASE = """
CREATE TABLE public.profiles (id uuid PRIMARY KEY, role text NOT NULL DEFAULT 'user', full_name text);
ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_own ON public.profiles FOR SELECT TO authenticated USING (id = (select auth.uid()));
GRANT ALL ON public.profiles TO authenticated;
INSERT INTO public.profiles VALUES ('00000000-0000-0000-0000-000000000001');
"""
OWN_ROLE = "(SELECT p.role FROM public.profiles p WHERE p.id = (select auth.uid()))"
CASES = {
    "update check": (f"FOR UPDATE TO authenticated USING (id = (select auth.uid())) WITH CHECK (role = {OWN_ROLE})",
                     "UPDATE public.profiles SET full_name = 'x'"),
    "insert check": (f"FOR INSERT TO authenticated WITH CHECK (role = {OWN_ROLE})",
                     "INSERT INTO public.profiles (id) VALUES (gen_random_uuid())"),
    "delete using": (f"FOR DELETE TO authenticated USING (role = {OWN_ROLE})", "DELETE FROM public.profiles"),
}


def _run(url, policy, statement):
    """(recursion findings, what the statement did as the profile's user)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(BASE + f"CREATE POLICY pin ON public.profiles {policy};")
        catalog = inspect_catalog(conn)
        conn.execute("BEGIN")
        conn.execute("SET LOCAL ROLE authenticated")
        conn.execute("SELECT set_config('request.jwt.claims', "
                     "'{\"sub\": \"00000000-0000-0000-0000-000000000001\"}', true)")
        try:
            conn.execute(statement)
            outcome = "ok"
        except psycopg.Error as exc:
            outcome = exc.sqlstate
        conn.execute("ROLLBACK")
    return [f for f in lint_catalog(catalog, parse_spec(None, {})) if f.id == "policy-recursion"], outcome


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_policy_reading_its_own_table_recurses(platform_db_url, case):
    found, outcome = _run(platform_db_url, *CASES[case])
    assert outcome == "42P17"  # infinite recursion detected in policy
    [f] = found
    assert "public.profiles -> public.profiles; public.profiles: 'pin'" in f.message, f.message


def test_through_a_definer_helper_it_does_not(platform_db_url):
    # the function is created before the table: its body is checked when it runs
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute("""SET check_function_bodies = off;
CREATE FUNCTION public.my_role() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
  AS $$ SELECT p.role FROM public.profiles p WHERE p.id = (select auth.uid()) $$;""")
    found, outcome = _run(platform_db_url, "FOR UPDATE TO authenticated USING (id = (select auth.uid())) "
                                           "WITH CHECK (role = public.my_role())",
                          "UPDATE public.profiles SET full_name = 'x'")
    assert (found, outcome) == ([], "ok")
