"""verify reads every partition directly as every persona (verify/partition_probe.py): a
partition with RLS off, or granted to a role its parent is not, shows rows the parent hides
(`partition-weaker`); partitions as closed as their parent show nothing more."""

from __future__ import annotations

import psycopg

from roseram_schema.verify.checker import check_database
from roseram_schema.verify.spec import parse_spec

SCHEMA = """
CREATE TABLE public.events (id uuid DEFAULT gen_random_uuid(), at date NOT NULL DEFAULT '2024-05-01',
  user_id uuid NOT NULL REFERENCES auth.users (id), PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE public.events_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE public.events_other PARTITION OF public.events DEFAULT;
ALTER TABLE public.events ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.events_other ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON public.events FOR ALL TO authenticated
  USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
GRANT ALL ON public.events TO authenticated;
"""


def _partition_findings(url, sql):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SCHEMA + sql)
        report = check_database(conn, parse_spec(None, {"public.events": {"all": "own"}}))
    assert {f.id for f in report.findings if f.severity == "error"} <= {"partition-weaker"}
    return [f for f in report.findings if f.id == "partition-weaker"]


def test_a_partition_without_rls_shows_what_the_parent_hides(platform_db_url):
    [found] = _partition_findings(platform_db_url, "GRANT SELECT ON public.events_2024 TO authenticated, anon;")
    assert found.location == "public.events_2024" and found.severity == "error"
    assert "hides: anon 2 of 2, user1 1 of 2, user2 1 of 2 rows" in found.message, found.message


def test_partitions_as_closed_as_the_parent_show_nothing_more(platform_db_url):
    assert _partition_findings(platform_db_url, """
ALTER TABLE public.events_2024 ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON public.events_2024 TO authenticated;
""") == []


def test_writes_through_a_partitioned_table_are_observed(platform_db_url):
    """UPDATE and DELETE probes name the rows they changed by the probed table, not by the
    partition the row lives in: the owner's own rows are allowed, another user's are a LEAK."""
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute(SCHEMA + """
ALTER TABLE public.events_2024 ENABLE ROW LEVEL SECURITY;
CREATE POLICY anyone_deletes ON public.events FOR DELETE TO authenticated USING (true);
GRANT ALL ON public.events TO service_role;
""")
        report = check_database(conn, parse_spec(None, {"public.events": {"all": "own"}}))
    failed = {(c.persona, c.command): c.verdict for c in report.cells if c.failed}
    assert failed == {("user1", "delete"): "LEAK", ("user2", "delete"): "LEAK"}, \
        [(c.persona, c.command, c.details) for c in report.cells if c.failed]
