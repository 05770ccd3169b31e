"""The lint rules for the leaks Supabase apps ship with (lint/leaks.py): each fires on its
planted mistake and stays quiet on the near-miss next to it. Every schema is built in a live
database and read back with the real inspector."""

from __future__ import annotations

from pathlib import Path

import psycopg

from roseram_schema.introspect import inspect_catalog
from roseram_schema.lint.rules import lint_catalog
from roseram_schema.verify.anchors import derive_anchors
from roseram_schema.verify.spec import parse_spec
from roseram_schema.workflow.lint import lint_project
from supabase_like.test_supabase_like import applied_url  # noqa: F401 (a fixture)

ROSERAM = Path(__file__).resolve().parent.parent.parent


def _lint(url: str, sql: str, spec=None):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)
        catalog = inspect_catalog(conn)
    spec = spec or parse_spec(None, {})
    return lint_catalog(catalog, spec, derive_anchors(catalog, spec))


def _of(findings, rule):
    return [f for f in findings if f.id == rule]


PROFILES = """
CREATE TABLE public.profiles (id uuid PRIMARY KEY REFERENCES auth.users (id), role text NOT NULL
  DEFAULT 'user', full_name text);
ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_own ON public.profiles FOR SELECT TO authenticated USING (id = (select auth.uid()));
GRANT SELECT, UPDATE ON public.profiles TO authenticated;
CREATE TABLE public.reports (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), body text);
ALTER TABLE public.reports ENABLE ROW LEVEL SECURITY;
CREATE POLICY admins_read ON public.reports FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.profiles p WHERE p.id = (select auth.uid()) AND p.role = 'admin'));
GRANT SELECT ON public.reports TO authenticated;
"""


def test_self_escalation_fires_on_an_unpinned_role_column(platform_db_url):
    findings = _lint(platform_db_url, PROFILES + """
CREATE POLICY edit_own ON public.profiles FOR UPDATE TO authenticated USING (id = (select auth.uid()));
""")
    [f] = _of(findings, "self-escalation")
    assert f.severity == "error"
    assert "public.profiles.role decides access" in f.message
    assert "policy 'admins_read' on public.reports" in f.message
    assert "'edit_own'" in f.location


def test_self_escalation_through_a_definer_helper(platform_db_url):
    findings = _lint(platform_db_url, """
CREATE TABLE public.accounts (user_id uuid PRIMARY KEY REFERENCES auth.users (id), is_admin boolean
  NOT NULL DEFAULT false, nickname text);
ALTER TABLE public.accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY mine ON public.accounts FOR ALL TO authenticated USING (user_id = (select auth.uid()));
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
""")
    [f] = _of(findings, "self-escalation")
    assert "public.accounts.is_admin decides access (function public.is_admin())" in f.message


def test_self_escalation_near_misses(platform_db_url):
    # pinned by the WITH CHECK; a trigger keeps the column; full_name is trusted by nobody
    findings = _lint(platform_db_url, PROFILES + """
CREATE POLICY edit_own ON public.profiles FOR UPDATE TO authenticated USING (id = (select auth.uid()))
  WITH CHECK (id = (select auth.uid())
              AND role = (SELECT p.role FROM public.profiles p WHERE p.id = (select auth.uid())));
CREATE TABLE public.teams (id int PRIMARY KEY, user_id uuid REFERENCES auth.users (id), rank text);
ALTER TABLE public.teams ENABLE ROW LEVEL SECURITY;
CREATE POLICY edit_own ON public.teams FOR UPDATE TO authenticated USING (user_id = (select auth.uid()));
CREATE FUNCTION public.keep_rank() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.rank := OLD.rank; RETURN NEW; END $$;
CREATE TRIGGER keep_rank BEFORE UPDATE ON public.teams FOR EACH ROW EXECUTE FUNCTION public.keep_rank();
CREATE TABLE public.boards (id int PRIMARY KEY, body text);
ALTER TABLE public.boards ENABLE ROW LEVEL SECURITY;
CREATE POLICY captains ON public.boards FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.teams t WHERE t.user_id = (select auth.uid()) AND t.rank = 'captain'));
""")
    assert _of(findings, "self-escalation") == []


def test_self_escalation_column_grant_is_a_near_miss(platform_db_url):
    findings = _lint(platform_db_url, PROFILES + """
CREATE POLICY edit_own ON public.profiles FOR UPDATE TO authenticated USING (id = (select auth.uid()));
REVOKE UPDATE ON public.profiles FROM authenticated;
GRANT UPDATE (full_name) ON public.profiles TO authenticated;
""")
    assert _of(findings, "self-escalation") == []


def test_self_escalation_admin_managing_members_is_not_self(platform_db_url):
    # the members' role column is trusted, but the UPDATE policy finds rows by the tenant,
    # not by the row's user: an admin editing members is the contract, not an escalation
    findings = _lint(platform_db_url, """
CREATE TABLE public.orgs (id int PRIMARY KEY);
CREATE TABLE public.members (org_id int REFERENCES public.orgs, user_id uuid REFERENCES auth.users (id),
  role text NOT NULL, PRIMARY KEY (org_id, user_id));
ALTER TABLE public.members ENABLE ROW LEVEL SECURITY;
CREATE FUNCTION public.is_org_admin(o int) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = '' AS $$
  SELECT EXISTS (SELECT 1 FROM public.members m WHERE m.org_id = o AND m.user_id = auth.uid()
                 AND m.role = 'admin') $$;
CREATE POLICY admins_edit ON public.members FOR UPDATE TO authenticated USING (public.is_org_admin(org_id));
""")
    assert _of(findings, "self-escalation") == []


def test_user_metadata_trust(platform_db_url):
    findings = _lint(platform_db_url, """
CREATE TABLE public.docs (id int PRIMARY KEY, body text);
ALTER TABLE public.docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY editors ON public.docs FOR UPDATE TO authenticated
  USING ((auth.jwt() -> 'user_metadata' ->> 'role') = 'editor');
CREATE POLICY staff ON public.docs FOR SELECT TO authenticated
  USING ((auth.jwt() -> 'app_metadata' ->> 'role') = 'staff');
CREATE FUNCTION public.is_pro() RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
  AS $$ SELECT (u.raw_user_meta_data ->> 'plan') = 'pro' FROM auth.users u WHERE u.id = auth.uid() $$;
CREATE TABLE public.profiles (id uuid PRIMARY KEY, full_name text);
CREATE FUNCTION public.handle_new_user() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = '' AS $$
BEGIN
  INSERT INTO public.profiles (id, full_name) VALUES (NEW.id, NEW.raw_user_meta_data ->> 'full_name');
  RETURN NEW;
END $$;
""")
    found = _of(findings, "user-metadata-trust")
    assert sorted(f.location for f in found) == ["public.docs policy 'editors'", "public.is_pro()"]
    assert all(f.severity == "error" for f in found)


DEFINER = """
CREATE TABLE public.notes (id uuid PRIMARY KEY, user_id uuid, body text);
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON public.notes FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
CREATE FUNCTION public.get_note(nid uuid) RETURNS SETOF public.notes LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = '' AS $$ SELECT * FROM public.notes WHERE id = nid $$;
CREATE FUNCTION public.my_note(nid uuid) RETURNS TABLE (id uuid, body text) LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = ''
  AS $$ SELECT n.id, n.body FROM public.notes n WHERE n.id = nid AND n.user_id = auth.uid() $$;
CREATE FUNCTION public.any_note(nid uuid) RETURNS SETOF public.notes LANGUAGE sql STABLE
  SET search_path = '' AS $$ SELECT * FROM public.notes WHERE id = nid $$;
CREATE FUNCTION public.server_note(nid uuid) RETURNS SETOF public.notes LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = '' AS $$ SELECT * FROM public.notes WHERE id = nid $$;
REVOKE EXECUTE ON FUNCTION public.server_note(uuid) FROM PUBLIC;
CREATE SCHEMA private;
CREATE FUNCTION private.note(nid uuid) RETURNS SETOF public.notes LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = '' AS $$ SELECT * FROM public.notes WHERE id = nid $$;
"""


def test_definer_returns_rows(platform_db_url):
    by_fn = {f.location: f for f in _of(_lint(platform_db_url, DEFINER), "definer-returns-rows")}
    assert set(by_fn) == {"public.get_note(uuid)", "public.my_note(uuid)"}
    assert by_fn["public.get_note(uuid)"].severity == "error"
    assert "returns rows of public.notes to public" in by_fn["public.get_note(uuid)"].message
    assert by_fn["public.my_note(uuid)"].severity == "warning"


def test_partition_weaker(platform_db_url):
    findings = _lint(platform_db_url, """
CREATE TABLE public.events (id int, at date, user_id uuid) PARTITION BY RANGE (at);
CREATE TABLE public.events_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE public.events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE public.events_old PARTITION OF public.events DEFAULT;
ALTER TABLE public.events ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.events_2024 ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.events_2025 ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON public.events TO authenticated;
GRANT SELECT ON public.events_2025 TO anon;
""")
    by_part = {f.location: f.message for f in _of(findings, "partition-weaker")}
    assert set(by_part) == {"public.events_2025", "public.events_old"}
    assert "it grants select to anon that the parent does not" in by_part["public.events_2025"]
    assert "row-level security is off on it" in by_part["public.events_old"]


USER_STATS = """
CREATE TABLE public.projects (id uuid PRIMARY KEY, user_id uuid REFERENCES auth.users (id));
ALTER TABLE public.projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON public.projects FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
-- the original Roseram user_stats: over auth.users, owner's rights, granted to anon
CREATE VIEW public.user_stats AS
  SELECT u.id AS user_id, u.email, count(p.id) AS total_projects
  FROM auth.users u LEFT JOIN public.projects p ON p.user_id = u.id GROUP BY u.id, u.email;
GRANT SELECT ON public.user_stats TO anon, authenticated;
-- the same, limited to the caller's row
CREATE VIEW public.my_stats AS
  SELECT u.id AS user_id, u.email FROM auth.users u WHERE u.id = (select auth.uid());
GRANT SELECT ON public.my_stats TO authenticated;
-- no sensitive column
CREATE VIEW public.user_ids AS SELECT u.id, u.created_at FROM auth.users u;
GRANT SELECT ON public.user_ids TO authenticated;
CREATE FUNCTION public.find_user(mail text) RETURNS TABLE (id uuid, email text) LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = '' AS $$ SELECT u.id, u.email FROM auth.users u WHERE u.email ILIKE mail $$;
"""


def test_auth_users_exposed(platform_db_url):
    found = {f.location: f for f in _of(_lint(platform_db_url, USER_STATS), "auth-users-exposed")}
    assert set(found) == {"public.user_stats", "public.find_user(text)"}
    assert "(email)" in found["public.user_stats"].message
    assert "anon, authenticated" in found["public.user_stats"].message


def test_no_leak_finding_on_the_roseram_project():
    ids = {f.id for f in lint_project(ROSERAM)}
    assert not ids & {"self-escalation", "user-metadata-trust", "definer-returns-rows", "partition-weaker",
                      "auth-users-exposed", "storage-write-unowned", "view-write-through"}


LEAK_IDS = {"self-escalation", "user-metadata-trust", "definer-returns-rows", "partition-weaker",
            "auth-users-exposed", "storage-write-unowned", "view-write-through"}


def test_no_leak_finding_on_the_example_and_source_projects(tmp_path):
    from supabase_like.test_supabase_like import _partitioned_project

    projects = [ROSERAM / "examples" / "notes-app", ROSERAM / "tests" / "cases" / "verify_source" / "notes",
                _partitioned_project(tmp_path / "partitioned")]
    for project in projects:
        found = [f for f in lint_project(project) if f.id in LEAK_IDS]
        assert found == [], (project, found)


def test_no_leak_finding_on_a_new_supabase_like_database(supabase_db_url):
    assert [f for f in lint_project(None, supabase_db_url) if f.id in LEAK_IDS] == []


def test_no_leak_finding_on_roseram_applied_to_supabase(applied_url):
    for project in (None, ROSERAM):
        assert [f for f in lint_project(project, applied_url) if f.id in LEAK_IDS] == []
