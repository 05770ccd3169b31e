"""lint rules tightened after false alarms on real public Supabase schemas (an error-severity
finding blocks `apply`), and gaps found next to them: each schema is built in a live
database and read back with the real inspector."""

from __future__ import annotations

import psycopg

from roseram_schema.introspect import inspect_catalog
from roseram_schema.lint import sqlrefs
from roseram_schema.lint.rules import lint_catalog
from roseram_schema.verify.anchors import derive_anchors
from roseram_schema.verify.spec import parse_spec

from .helpers import build_case, good_spec


def _lint(url: str, sql: str, spec=None):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)
        catalog = inspect_catalog(conn)
    spec = spec or parse_spec(None, {})
    return lint_catalog(catalog, spec, derive_anchors(catalog, spec))


def _of(findings, rule):
    return [f for f in findings if f.id == rule]


OPEN_AND_CLOSED = """
CREATE TABLE public.countries (id int PRIMARY KEY, name text);
ALTER TABLE public.countries ENABLE ROW LEVEL SECURITY;
CREATE POLICY everyone_reads ON public.countries FOR SELECT TO anon, authenticated USING (true);
GRANT SELECT ON public.countries TO anon, authenticated;
CREATE TABLE public.currencies (id int PRIMARY KEY, country int);
GRANT SELECT ON public.currencies TO anon, authenticated;
CREATE VIEW public.country_list AS SELECT c.id, c.name, k.id AS currency
  FROM public.countries c LEFT JOIN public.currencies k ON k.country = c.id;
GRANT SELECT ON public.country_list TO anon, authenticated;

CREATE TABLE public.diaries (id int PRIMARY KEY, user_id uuid, body text);
ALTER TABLE public.diaries ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_diary ON public.diaries FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
GRANT SELECT ON public.diaries TO authenticated;
CREATE VIEW public.diary_list AS SELECT d.id, d.body FROM public.diaries d;
GRANT SELECT ON public.diary_list TO authenticated;
-- readable by every signed-in user, but the view is granted to anon too
CREATE TABLE public.members_only (id int PRIMARY KEY);
ALTER TABLE public.members_only ENABLE ROW LEVEL SECURITY;
CREATE POLICY signed_in ON public.members_only FOR SELECT TO authenticated USING (true);
GRANT SELECT ON public.members_only TO anon, authenticated;
CREATE VIEW public.members_list AS SELECT id FROM public.members_only;
GRANT SELECT ON public.members_list TO anon, authenticated;
"""


def test_definer_view_over_tables_everyone_reads_is_no_error(platform_db_url):
    by_view = {f.location: f for f in _of(_lint(platform_db_url, OPEN_AND_CLOSED), "view-not-invoker")}
    assert by_view["public.country_list"].severity == "info"
    assert "anon, authenticated may read every row" in by_view["public.country_list"].message
    # a policy hides rows from the readers: still an error
    assert by_view["public.diary_list"].severity == "error"
    assert by_view["public.members_list"].severity == "error"


def test_trigger_function_executable_by_public_is_not_flagged(platform_db_url):
    findings = _lint(platform_db_url, """
        CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
          SET search_path = '' AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
        CREATE FUNCTION public.callable() RETURNS int LANGUAGE sql SECURITY DEFINER
          SET search_path = '' AS 'SELECT 1';
    """)
    assert [f.location for f in _of(findings, "definer-public-execute")] == ["public.callable()"]


LEAVES_OWNER = """
CREATE TABLE public.{name} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id uuid REFERENCES auth.users(id),
  body text);
CREATE INDEX ON public.{name} (user_id);
ALTER TABLE public.{name} ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE ON public.{name} TO authenticated;
"""


def test_leaves_owner_only_for_columns_the_policies_tie_to_the_caller(platform_db_url):
    sql = "".join(LEAVES_OWNER.format(name=n) for n in ("owned", "stamped", "guestbook", "handoff"))
    sql += """
    -- rows are found by user_id, but anyone signed in may insert them under any user: flagged
    CREATE POLICY read_own ON public.owned FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
    CREATE POLICY add ON public.owned FOR INSERT TO authenticated WITH CHECK (body IS NOT NULL);
    -- the same, but a BEFORE INSERT trigger sets user_id to the caller: not flagged
    CREATE POLICY read_own ON public.stamped FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
    CREATE POLICY add ON public.stamped FOR INSERT TO authenticated WITH CHECK (body IS NOT NULL);
    CREATE FUNCTION public.stamp_user() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.user_id = auth.uid() THEN RETURN NEW; END IF;
      NEW.user_id := auth.uid();
      RETURN NEW;
    END $$;
    CREATE TRIGGER stamp BEFORE INSERT ON public.stamped FOR EACH ROW EXECUTE FUNCTION public.stamp_user();
    -- an open table whose user_id no policy ties to the caller: not flagged (it was)
    CREATE POLICY read_all ON public.guestbook FOR SELECT TO authenticated USING (body IS NOT NULL);
    CREATE POLICY sign ON public.guestbook FOR INSERT TO authenticated WITH CHECK (length(body) < 500);
    -- USING finds the caller's rows by user_id, WITH CHECK lets the update hand them over
    CREATE POLICY edit ON public.handoff FOR UPDATE TO authenticated
      USING (user_id = (select auth.uid())) WITH CHECK (body IS NOT NULL);
    """
    flagged = {f.location: f for f in _of(_lint(platform_db_url, sql), "policy-leaves-owner")}
    assert sorted(flagged) == ["public.handoff policy 'edit'", "public.owned policy 'add'"]
    assert all(f.severity == "warning" for f in flagged.values())
    assert "does not tie user_id to the caller" in flagged["public.owned policy 'add'"].message


def test_policy_for_public_counts_as_a_policy_for_anon(platform_db_url):
    build_case(platform_db_url, "good")
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        # no TO clause: PUBLIC, which includes anon
        conn.execute("GRANT SELECT ON public.sites TO anon")
        conn.execute("CREATE POLICY sites_preview ON public.sites FOR SELECT USING (organization_id IS NOT NULL)")
        # PUBLIC, but only ever true for a signed-in caller: nothing for anon
        conn.execute("CREATE POLICY sites_mine ON public.sites FOR SELECT"
                     " USING (EXISTS (SELECT 1 FROM public.organization_members m"
                     " WHERE m.organization_id = sites.organization_id AND m.user_id = (select auth.uid())))")
        catalog = inspect_catalog(conn)
    spec = good_spec()
    flagged = _of(lint_catalog(catalog, spec, derive_anchors(catalog, spec)), "policy-anon")
    assert [f.location for f in flagged] == ["public.sites policy 'sites_preview'"]
    assert flagged[0].severity == "error"
    assert "PUBLIC" in flagged[0].message


RECURSION = """
CREATE TABLE public.teams (id int PRIMARY KEY, name text);
CREATE TABLE public.members (team_id int REFERENCES public.teams(id), user_id uuid, PRIMARY KEY (team_id, user_id));
GRANT SELECT, INSERT ON public.teams, public.members TO authenticated;
ALTER TABLE public.teams ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.members ENABLE ROW LEVEL SECURITY;
-- an INSERT check reading members (named first) and the SELECT policy that loops
CREATE POLICY a_team_insert ON public.teams FOR INSERT TO authenticated
  WITH CHECK (EXISTS (SELECT 1 FROM public.members m WHERE m.user_id = (select auth.uid())));
CREATE POLICY b_team_select ON public.teams FOR SELECT TO authenticated
  USING (id IN (SELECT m.team_id FROM public.members m WHERE m.user_id = (select auth.uid())));
CREATE POLICY c_team_select_too ON public.teams FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.members m WHERE m.team_id = teams.id));
CREATE POLICY see_mates ON public.members FOR SELECT TO authenticated
  USING (team_id IN (SELECT t.id FROM public.teams t));
"""


def test_recursion_names_every_policy_of_the_loop_and_only_those(platform_db_url):
    findings = _of(_lint(platform_db_url, RECURSION), "policy-recursion")
    assert len(findings) == 1
    message = findings[0].message
    assert "public.members: 'see_mates'" in message
    assert "public.teams: 'b_team_select' and 'c_team_select_too'" in message
    assert "a_team_insert" not in message


def test_insert_check_reading_back_is_no_recursion(platform_db_url):
    """An INSERT check that reads a table whose SELECT policy reads back ends there:
    PostgreSQL runs it, so lint must not call it recursion (an error that blocks apply)."""
    sql = """
    CREATE TABLE public.teams (id int PRIMARY KEY, name text);
    CREATE TABLE public.members (team_id int, user_id uuid, PRIMARY KEY (team_id, user_id));
    GRANT SELECT, INSERT ON public.teams, public.members TO authenticated;
    ALTER TABLE public.teams ENABLE ROW LEVEL SECURITY;
    ALTER TABLE public.members ENABLE ROW LEVEL SECURITY;
    CREATE POLICY team_insert ON public.teams FOR INSERT TO authenticated
      WITH CHECK (NOT EXISTS (SELECT 1 FROM public.members m WHERE m.team_id = id));
    CREATE POLICY team_select ON public.teams FOR SELECT TO authenticated USING (true);
    CREATE POLICY see_mates ON public.members FOR SELECT TO authenticated
      USING (team_id IN (SELECT t.id FROM public.teams t));
    """
    assert _of(_lint(platform_db_url, sql), "policy-recursion") == []
    with psycopg.connect(platform_db_url) as conn:
        conn.execute("SET LOCAL ROLE authenticated")
        conn.execute("INSERT INTO public.teams VALUES (1, 'a')")  # no "infinite recursion"
        conn.rollback()


def test_uid_in_a_correlated_exists_is_evaluated_per_row():
    correlated = ("EXISTS (SELECT 1 FROM public.projects p WHERE p.id = chat_messages.project_id"
                  " AND p.user_id = auth.uid())")
    assert sqlrefs.bare_uid_calls(sqlrefs.parse_expression(correlated)) == 1
    wrapped = correlated.replace("auth.uid()", "(select auth.uid())")
    assert sqlrefs.bare_uid_calls(sqlrefs.parse_expression(wrapped)) == 0


def test_bare_uid_in_a_correlated_exists_is_reported(platform_db_url):
    findings = _lint(platform_db_url, """
        CREATE TABLE public.projects (id int PRIMARY KEY, user_id uuid);
        CREATE TABLE public.tasks (id int PRIMARY KEY, project_id int REFERENCES public.projects(id));
        ALTER TABLE public.tasks ENABLE ROW LEVEL SECURITY;
        CREATE POLICY by_project ON public.tasks FOR SELECT TO authenticated
          USING (EXISTS (SELECT 1 FROM public.projects p WHERE p.id = tasks.project_id AND p.user_id = auth.uid()));
    """)
    assert [f.location for f in _of(findings, "policy-bare-uid")] == ["public.tasks policy 'by_project'"]


def test_verify_infer_exits_4_on_error_findings(pg_server, capsys):
    """--infer prints the observed contracts but does not hide a leak: the notes project
    has RLS off on an exposed table (rls-disabled, error)."""
    from pathlib import Path

    from roseram_schema.cli.commands.verify import run_verify

    notes = Path(__file__).resolve().parent.parent / "cases" / "verify_source" / "notes"
    assert run_verify(notes, None, pg_server.base_url, "text", infer=True) == 4
    captured = capsys.readouterr()
    assert "# policies/public/notes.yaml\ncontract: {" in captured.out
    assert "rls-disabled" in captured.err or "error findings" in captured.err
