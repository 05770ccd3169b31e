"""Seeding from the model alone: types, CHECK lists, identity columns, composite keys,
enums, per-table overrides; the derived owner/tenant paths."""

from __future__ import annotations

import psycopg

from roseram_schema.verify.anchors import derive_anchors
from roseram_schema.verify.checker import check_database
from roseram_schema.verify.facts import read_facts
from roseram_schema.verify.spec import parse_spec

from .helpers import build_case, good_spec

TYPES_SQL = """
CREATE TYPE public.mood AS ENUM ('happy', 'sad');
CREATE TABLE public.things (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES auth.users(id),
  code varchar(3) NOT NULL UNIQUE,
  mood public.mood NOT NULL,
  price numeric(5,2) NOT NULL CHECK (price >= 10),
  kind text NOT NULL CHECK (kind = ANY (ARRAY['a', 'b'])),
  address inet NOT NULL,
  blob bytea NOT NULL,
  day date NOT NULL,
  span interval NOT NULL,
  tags text[] NOT NULL,
  doc jsonb NOT NULL,
  flag boolean NOT NULL,
  at timestamptz NOT NULL,
  lower_code text GENERATED ALWAYS AS (lower(code)) STORED,
  is_public boolean NOT NULL DEFAULT false
);
CREATE TABLE public.thing_parts (
  thing_seq bigint NOT NULL REFERENCES public.things(seq),
  part int NOT NULL,
  label text NOT NULL,
  PRIMARY KEY (thing_seq, part)
);
CREATE TABLE public.logs (
  id serial PRIMARY KEY,
  author uuid REFERENCES auth.users(id),
  subject uuid REFERENCES auth.users(id),
  secret text NOT NULL
);
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO authenticated;
ALTER TABLE public.things ENABLE ROW LEVEL SECURITY;
CREATE POLICY things_own ON public.things FOR ALL TO authenticated
  USING (user_id = (SELECT auth.uid())) WITH CHECK (user_id = (SELECT auth.uid()));
ALTER TABLE public.thing_parts ENABLE ROW LEVEL SECURITY;
CREATE POLICY parts_own ON public.thing_parts FOR ALL TO authenticated
  USING (EXISTS (SELECT 1 FROM public.things t WHERE t.seq = thing_parts.thing_seq))
  WITH CHECK (EXISTS (SELECT 1 FROM public.things t WHERE t.seq = thing_parts.thing_seq));
ALTER TABLE public.logs ENABLE ROW LEVEL SECURITY;
CREATE POLICY logs_subject ON public.logs FOR SELECT TO authenticated
  USING (subject = (SELECT auth.uid()));
"""

PERSONAS = {"anon": {"role": "anon"}, "ann": {"role": "authenticated"},
            "ben": {"role": "authenticated"}}
CONTRACTS = {
    "public.things": {"all": "own"},
    "public.thing_parts": {"all": "own"},
    # `author` would be derived (first user column by name); the override says `subject`
    "public.logs": {"owner": "subject", "select": "own", "seed": {"secret": "s3cr3t"}},
}


def test_every_type_is_seeded_and_contracts_hold(platform_db_url):
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute(TYPES_SQL)
        report = check_database(conn, parse_spec(PERSONAS, CONTRACTS))
        secrets = conn.execute("SELECT DISTINCT secret FROM public.logs").fetchall()
        codes = conn.execute("SELECT code, mood::text, kind, price >= 10 FROM public.things").fetchall()
    assert report.world.gaps == {}
    # 2 users x public flag
    assert len(report.world.rows["public.things"]) == 4
    assert len(report.world.rows["public.thing_parts"]) == 2
    assert secrets == [("s3cr3t",)]
    assert all(len(code) <= 3 and mood == "happy" and kind in ("a", "b") and ok for code, mood, kind, ok in codes)
    failing = [(c.table, c.persona, c.command, c.details) for c in report.cells if c.failed]
    assert failing == []
    anchors = report.world.anchors
    assert anchors["public.logs"].owner.column == "subject"
    assert anchors["public.logs"].actors == ("author",)
    assert anchors["public.thing_parts"].owner.via == "public.things"
    assert anchors["public.things"].public == "is_public"


def test_anchor_paths_through_parents(platform_db_url):
    build_case(platform_db_url, "good")
    spec = good_spec()
    with psycopg.connect(platform_db_url) as conn:
        anchors = derive_anchors(read_facts(conn), spec)
    assert anchors["public.organizations"].kind == "tenants"
    assert anchors["public.organization_members"].kind == "members"
    pages = anchors["public.pages"]
    assert (pages.tenant.column, pages.tenant.via, pages.owner) == ("site_id", "public.sites", None)
    comments = anchors["public.page_comments"]
    assert (comments.owner.column, comments.owner.via) == ("user_id", None)
    assert comments.tenant.via == "public.pages"
    chat = anchors["public.chat_messages"]
    assert (chat.owner.column, chat.owner.via, chat.actors) == ("project_id", "public.projects", ("user_id",))
    assert anchors["public.sites"].owner is None  # the tenant's owner does not own its sites


def test_a_value_that_cannot_be_generated_is_named_and_seed_fixes_it(platform_db_url):
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute("""
            CREATE TABLE public.places (
              id uuid PRIMARY KEY, user_id uuid NOT NULL REFERENCES auth.users(id),
              spot point NOT NULL);
            GRANT SELECT ON public.places TO authenticated;
            ALTER TABLE public.places ENABLE ROW LEVEL SECURITY;
            CREATE POLICY own ON public.places FOR SELECT TO authenticated
              USING (user_id = (SELECT auth.uid()));
        """)
        report = check_database(conn, parse_spec(PERSONAS, {"public.places": {"select": "own"}}))
    gap = next(f for f in report.findings if f.id == "seed-failed")
    assert "public.places.spot: cannot generate a value of type point" in gap.message
    assert "seed: {spot: ...}" in gap.message
    assert not report.ok


def test_seed_override_supplies_the_value(platform_db_url):
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute("""
            CREATE TABLE public.places (
              id uuid PRIMARY KEY, user_id uuid NOT NULL REFERENCES auth.users(id),
              spot point NOT NULL);
            GRANT SELECT ON public.places TO authenticated;
            ALTER TABLE public.places ENABLE ROW LEVEL SECURITY;
            CREATE POLICY own ON public.places FOR SELECT TO authenticated
              USING (user_id = (SELECT auth.uid()));
        """)
        contracts = {"public.places": {"select": "own", "seed": {"spot": "(1,2)"}}}
        report = check_database(conn, parse_spec(PERSONAS, contracts))
    assert report.ok and report.failed == 0
    assert len(report.world.rows["public.places"]) == 2
