"""verify calls the SECURITY DEFINER functions of the API schemas as every persona with every
seeded id (verify/definer_probe.py): one that returns another user's row is `definer-leaks`;
one that filters on the caller, one only the server may execute, and a SECURITY INVOKER one
are not."""

from __future__ import annotations

import psycopg

from roseram_schema.verify.checker import check_database
from roseram_schema.verify.spec import parse_spec

from .helpers import OWNED_NOTES

SCHEMA = OWNED_NOTES + """
CREATE FUNCTION public.get_note(nid uuid) RETURNS SETOF public.notes LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = '' AS $$ SELECT * FROM public.notes WHERE id = nid $$;
CREATE FUNCTION public.my_note(nid uuid) RETURNS TABLE (id uuid, body text) LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = ''
  AS $$ SELECT n.id, n.body FROM public.notes n WHERE n.id = nid AND n.user_id = (select auth.uid()) $$;
CREATE FUNCTION public.any_note(nid uuid) RETURNS SETOF public.notes LANGUAGE sql STABLE
  SET search_path = '' AS $$ SELECT * FROM public.notes WHERE id = nid $$;
CREATE FUNCTION public.server_note(nid uuid) RETURNS SETOF public.notes LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = '' AS $$ SELECT * FROM public.notes WHERE id = nid $$;
REVOKE EXECUTE ON FUNCTION public.server_note(uuid) FROM PUBLIC;
CREATE FUNCTION public.by_point(p point) RETURNS SETOF public.notes LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = '' AS $$ SELECT * FROM public.notes LIMIT 0 $$;
"""


def test_definer_function_returning_other_users_rows_leaks(platform_db_url):
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute(SCHEMA)
        report = check_database(conn, parse_spec(None, {"public.notes": {"all": "own"}}))
    leaks = {(f.location, f.message.split(" ")[2].rstrip(",")): f for f in report.findings
             if f.id == "definer-leaks"}
    assert set(leaks) == {("public.get_note(uuid)", "anon"), ("public.get_note(uuid)", "user1"),
                          ("public.get_note(uuid)", "user2")}
    user1 = leaks[("public.get_note(uuid)", "user1")]
    assert user1.severity == "error"
    assert user1.message.endswith("public.notes user2"), user1.message
    assert not report.ok
    assert {f.id for f in report.findings if f.severity == "error"} == {"definer-leaks"}
    [skipped] = [f for f in report.findings if f.id == "definer-not-probed"]
    assert skipped.location == "public.by_point(point)" and skipped.severity == "info"
