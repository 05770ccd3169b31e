"""verify proves self-escalation (verify/escalation_probe.py): a persona sets the column the
policies trust (`profiles.role`) on its own row to the value they compare it with, inside a
rolled-back transaction, and reads more rows than before. A WITH CHECK pinning the column,
or a trigger keeping it, leaves nothing to find."""

from __future__ import annotations

import psycopg

from roseram_schema.verify.checker import check_database
from roseram_schema.verify.spec import parse_spec

BASE = """
CREATE TABLE public.profiles (id uuid PRIMARY KEY REFERENCES auth.users (id), role text NOT NULL
  DEFAULT 'user' CHECK (role IN ('user', 'admin')), full_name text);
ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_own ON public.profiles FOR SELECT TO authenticated USING (id = (select auth.uid()));
GRANT SELECT, UPDATE ON public.profiles TO authenticated;
CREATE TABLE public.reports (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), body text);
ALTER TABLE public.reports ENABLE ROW LEVEL SECURITY;
CREATE POLICY admins_read ON public.reports FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.profiles p WHERE p.id = (select auth.uid()) AND p.role = 'admin'));
GRANT SELECT ON public.reports TO authenticated;
"""

CONTRACTS = {"public.profiles": {"select": "own", "update": "own"}, "public.reports": {}}


def _escalations(url, sql):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(BASE + sql)
        report = check_database(conn, parse_spec(None, CONTRACTS))
    return [f for f in report.findings if f.id == "self-escalation"], report


def test_a_user_raising_its_own_role_is_caught(platform_db_url):
    found, report = _escalations(platform_db_url, """
CREATE POLICY edit_own ON public.profiles FOR UPDATE TO authenticated USING (id = (select auth.uid()));
""")
    assert sorted(f.message.split(" ")[0] for f in found) == ["user1", "user2"]
    assert found[0].severity == "error" and found[0].location == "public.profiles"
    assert "set role = 'admin' on its own row of public.profiles and then read" in found[0].message
    assert "1 more row of public.reports" in found[0].message
    assert not report.ok
    assert {f.id for f in report.findings if f.severity == "error"} == {"self-escalation"}


def test_pinned_role_is_not_an_escalation(platform_db_url):
    found, report = _escalations(platform_db_url, """
CREATE POLICY edit_own ON public.profiles FOR UPDATE TO authenticated USING (id = (select auth.uid()))
  WITH CHECK (id = (select auth.uid())
              AND role = (SELECT p.role FROM public.profiles p WHERE p.id = (select auth.uid())));
""")
    assert found == []


def test_a_trigger_keeping_the_role_is_not_an_escalation(platform_db_url):
    found, report = _escalations(platform_db_url, """
CREATE POLICY edit_own ON public.profiles FOR UPDATE TO authenticated USING (id = (select auth.uid()));
CREATE FUNCTION public.keep_role() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.role := OLD.role; RETURN NEW; END $$;
CREATE TRIGGER keep_role BEFORE UPDATE ON public.profiles FOR EACH ROW EXECUTE FUNCTION public.keep_role();
""")
    assert found == []


def test_a_column_grant_keeping_role_out_of_reach_is_not_an_escalation(platform_db_url):
    found, report = _escalations(platform_db_url, """
CREATE POLICY edit_own ON public.profiles FOR UPDATE TO authenticated USING (id = (select auth.uid()));
REVOKE UPDATE ON public.profiles FROM authenticated;
GRANT UPDATE (full_name) ON public.profiles TO authenticated;
""")
    assert found == []


def _metadata(url, policy):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"""
CREATE TABLE public.docs (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), body text);
ALTER TABLE public.docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY editors ON public.docs FOR SELECT TO authenticated USING ({policy});
GRANT SELECT ON public.docs TO authenticated;
""")
        report = check_database(conn, parse_spec(None, {"public.docs": {}}))
    assert {f.id for f in report.findings if f.severity == "error"} <= {"user-metadata-trust"}
    return [f for f in report.findings if f.id == "user-metadata-trust"]


def test_a_policy_trusting_user_metadata_is_proved(platform_db_url):
    found = _metadata(platform_db_url, "(auth.jwt() -> 'user_metadata' ->> 'role') = 'editor'")
    assert sorted(f.message.split(" ")[0] for f in found) == ["user1", "user2"]
    assert found[0].location == "public.docs policy 'editors'"
    assert 'wrote user_metadata {"role": "editor"}' in found[0].message
    assert "1 more row of public.docs" in found[0].message


def test_app_metadata_cannot_be_forged(platform_db_url):
    assert _metadata(platform_db_url, "(auth.jwt() -> 'app_metadata' ->> 'role') = 'editor'") == []


def test_escalation_through_a_definer_helper(platform_db_url):
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute("""
CREATE TABLE public.accounts (user_id uuid PRIMARY KEY REFERENCES auth.users (id), is_admin boolean
  NOT NULL DEFAULT false);
ALTER TABLE public.accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY mine ON public.accounts FOR ALL TO authenticated USING (user_id = (select auth.uid()));
GRANT ALL ON public.accounts TO authenticated;
CREATE FUNCTION public.is_admin() RETURNS boolean LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = '' AS $$
DECLARE flag boolean;
BEGIN
  SELECT a.is_admin INTO flag FROM public.accounts a WHERE a.user_id = auth.uid();
  RETURN coalesce(flag, false);
END $$;
CREATE TABLE public.secrets (id int PRIMARY KEY, body text);
ALTER TABLE public.secrets ENABLE ROW LEVEL SECURITY;
CREATE POLICY admins ON public.secrets FOR SELECT TO authenticated USING ((select public.is_admin()));
GRANT SELECT ON public.secrets TO authenticated;
""")
        report = check_database(conn, parse_spec(None, {"public.accounts": {"all": "own"}, "public.secrets": {}}))
    found = [f.message for f in report.findings if f.id == "self-escalation"]
    assert len(found) == 2 and all("set is_admin = true on its own row of public.accounts" in m
                                   and "more row" in m and "of public.secrets" in m for m in found), found
