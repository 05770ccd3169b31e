"""lint's `view-write-through` (lint/updatable_views.py): an API role writing through a view
PostgreSQL updates by itself, with its owner's rights, over an RLS table. Each schema is
built in a live database (PostgreSQL itself confirms which views are updatable) and read
back with the real inspector."""

from __future__ import annotations

import psycopg

from roseram_schema.introspect import inspect_catalog
from roseram_schema.lint.rules import lint_catalog
from roseram_schema.verify.anchors import derive_anchors
from roseram_schema.verify.spec import parse_spec

NOTES = """
CREATE TABLE public.notes (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id), body text);
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON public.notes FOR ALL TO authenticated
  USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
GRANT ALL ON public.notes TO authenticated;
"""


def _lint(url: str, sql: str):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(NOTES + sql)
        updatable = dict(conn.execute(
            "SELECT c.relname, pg_relation_is_updatable(c.oid, false) FROM pg_class c "
            "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'v'").fetchall())
        catalog = inspect_catalog(conn)
    spec = parse_spec(None, {})
    findings = lint_catalog(catalog, spec, derive_anchors(catalog, spec))
    return [f for f in findings if f.id == "view-write-through"], updatable


def test_a_plain_view_granted_to_the_api_roles_writes_any_row(platform_db_url):
    [f], updatable = _lint(platform_db_url, """
CREATE VIEW public.note_list AS SELECT id, user_id, body FROM public.notes;
GRANT ALL ON public.note_list TO anon, authenticated;
""")
    assert updatable["note_list"] & 28 == 28  # PostgreSQL agrees: INSERT, UPDATE and DELETE
    assert (f.location, f.severity) == ("public.note_list", "error")
    assert "anon, authenticated may INSERT, UPDATE, DELETE through view public.note_list" in f.message
    assert "policies of public.notes are skipped" in f.message
    assert "security_invoker = true" in f.hint


def test_a_filter_on_the_caller_without_check_option_still_places_rows_anywhere(platform_db_url):
    [f], _ = _lint(platform_db_url, """
CREATE VIEW public.my_notes AS SELECT n.id, n.user_id, n.body AS text FROM public.notes n
  WHERE n.user_id = (select auth.uid());
GRANT SELECT, INSERT, UPDATE ON public.my_notes TO authenticated;
""")
    assert f.severity == "error"
    assert "without WITH CHECK OPTION an INSERT places rows anywhere" in f.message
    assert "authenticated may INSERT, UPDATE through" in f.message


def test_a_filter_with_check_option_is_a_warning(platform_db_url):
    [f], _ = _lint(platform_db_url, """
CREATE VIEW public.my_notes AS SELECT id, user_id, body FROM public.notes
  WHERE user_id = (select auth.uid()) WITH CASCADED CHECK OPTION;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.my_notes TO authenticated;
""")
    assert f.severity == "warning"


def test_no_finding_where_no_write_goes_through(platform_db_url):
    found, updatable = _lint(platform_db_url, """
-- security_invoker: the caller's own policies apply
CREATE VIEW public.invoker WITH (security_invoker = true) AS SELECT id, body FROM public.notes;
GRANT ALL ON public.invoker TO anon, authenticated;
-- no write privilege
CREATE VIEW public.read_only AS SELECT id, body FROM public.notes WHERE user_id = (select auth.uid());
REVOKE ALL ON public.read_only FROM PUBLIC;
GRANT SELECT ON public.read_only TO authenticated;
-- not updatable by PostgreSQL: an aggregate, a join, DISTINCT
CREATE VIEW public.counts AS SELECT user_id, count(*) AS n FROM public.notes GROUP BY user_id;
CREATE VIEW public.joined AS SELECT n.id, u.email FROM public.notes n JOIN auth.users u ON u.id = n.user_id;
CREATE VIEW public.distinct_users AS SELECT DISTINCT user_id FROM public.notes;
CREATE VIEW public.words AS SELECT id, regexp_split_to_table(body, ' ') AS word FROM public.notes;
GRANT ALL ON public.counts, public.joined, public.distinct_users, public.words TO anon, authenticated;
-- an INSTEAD OF trigger decides what is written, not the automatic update
CREATE VIEW public.triggered AS SELECT id, body FROM public.notes;
CREATE FUNCTION public.add_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.notes (user_id, body) VALUES ((select auth.uid()), NEW.body); RETURN NEW; END $$;
CREATE TRIGGER add_note INSTEAD OF INSERT ON public.triggered FOR EACH ROW EXECUTE FUNCTION public.add_note();
GRANT ALL ON public.triggered TO authenticated;
-- a table without RLS has no policy to skip (rls-disabled names it)
CREATE TABLE public.tags (id int PRIMARY KEY, name text);
CREATE VIEW public.tag_list AS SELECT id, name FROM public.tags;
GRANT ALL ON public.tag_list TO anon, authenticated;
""")
    assert found == []
    assert {k: v & 28 for k, v in updatable.items()} == {
        "invoker": 28, "read_only": 28, "tag_list": 28, "triggered": 28, "counts": 0, "joined": 0, "distinct_users": 0,
        "words": 0}
