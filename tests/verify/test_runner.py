"""The probe runner: statements are isolated from each other, and a policy that never
returns is reported instead of hanging the run."""

from __future__ import annotations

import psycopg
import pytest

from roseram_schema.errors import DatabaseError
from roseram_schema.verify import runner
from roseram_schema.verify.checker import check_database
from roseram_schema.verify.spec import Persona, parse_spec


def test_each_statement_is_rolled_back_before_the_next(platform_db_url):
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.t (n int); GRANT ALL ON public.t TO authenticated")
        runner.install_runner(conn)
        me = Persona("me", "authenticated", user=True)
        outcomes = runner.run_as(conn, me, None, [
            "INSERT INTO public.t VALUES (1)",
            "SELECT count(*)::text FROM public.t",
            "INSERT INTO public.t VALUES ('x')",
        ])
        assert [(o.count, o.value, o.state) for o in outcomes[:2]] == [(1, "", "00000"), (1, "0", "00000")]
        assert outcomes[2].state == "22P02" and "invalid input syntax" in outcomes[2].message
        assert conn.execute("SELECT count(*) FROM public.t").fetchone()[0] == 0


def test_a_policy_that_never_returns_is_named(platform_db_url, monkeypatch):
    monkeypatch.setattr(runner, "STATEMENT_TIMEOUT", "300ms")
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute("""
            CREATE TABLE public.slow (id uuid PRIMARY KEY, user_id uuid NOT NULL REFERENCES auth.users(id));
            GRANT SELECT ON public.slow TO authenticated;
            ALTER TABLE public.slow ENABLE ROW LEVEL SECURITY;
            CREATE POLICY slow ON public.slow FOR SELECT TO authenticated
              USING (pg_sleep(1) IS NOT NULL);
        """)
        spec = parse_spec({"ann": {"role": "authenticated"}}, {"public.slow": {"select": "own"}})
        with pytest.raises(DatabaseError, match="probing as ann took longer than 300ms"):
            check_database(conn, spec)
