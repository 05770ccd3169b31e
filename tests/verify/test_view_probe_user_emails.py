"""The live view probe sees a view that shows other users' e-mails from auth.users (the
original Roseram `user_stats`: over auth.users joined to a public table, security_invoker
off, granted to anon), and leaves alone a view limited to the caller's own row."""

from __future__ import annotations

import psycopg

from roseram_schema.verify.checker import check_database
from roseram_schema.verify.spec import parse_spec

SCHEMA = """
CREATE TABLE public.projects (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id), name text);
ALTER TABLE public.projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON public.projects FOR ALL TO authenticated
  USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
GRANT ALL ON public.projects TO authenticated;
CREATE VIEW public.user_stats AS
  SELECT u.id AS user_id, u.email, count(p.id) AS total_projects
  FROM auth.users u LEFT JOIN public.projects p ON p.user_id = u.id GROUP BY u.id, u.email;
GRANT SELECT ON public.user_stats TO anon, authenticated;
CREATE VIEW public.my_stats AS
  SELECT u.id AS user_id, u.email FROM auth.users u WHERE u.id = (select auth.uid());
GRANT SELECT ON public.my_stats TO anon, authenticated;
"""


def test_a_view_showing_every_users_email_leaks(platform_db_url):
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute(SCHEMA)
        report = check_database(conn, parse_spec(None, {"public.projects": {"all": "own"}}))
    cells = {(c.table, c.persona): c for c in report.cells if c.command == "select"}
    anon = cells[("public.user_stats", "anon")]
    assert anon.verdict == "LEAK", anon.details
    assert "auth.users user1 (e-mail)" in anon.details[-1] and "auth.users user2 (e-mail)" in anon.details[-1]
    user1 = cells[("public.user_stats", "user1")]
    assert user1.verdict == "LEAK" and "user2 (e-mail)" in user1.details[-1]
    assert "user1 (e-mail)" not in user1.details[-1]
    assert cells[("public.user_stats", "service")].verdict != "LEAK"
    for persona in ("anon", "user1", "user2"):
        assert cells[("public.my_stats", persona)].verdict != "LEAK", cells[("public.my_stats", persona)].details
