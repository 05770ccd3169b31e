"""renormalize_texts: texts that differ only by printer round trips compare equal."""

from __future__ import annotations

import psycopg

from roseram_schema.errors import Origin
from roseram_schema.normalize.roundtrip import differing_texts
from roseram_schema.model import CheckConstraint, Column, Index, Policy, PrimaryKey, Schema, Table, View, build_catalog
from roseram_schema.normalize.catalog import inspect_like_source, normalize_catalog
from roseram_schema.normalize.roundtrip import renormalize_texts
from roseram_schema.platform import ensure_platform

UNREACHABLE = "postgresql://nobody@/nowhere?host=/nonexistent&port=1"


def source():
    return build_catalog(
        schemas=[Schema("public")],
        tables=[
            Table(
                "public",
                "prefs",
                columns=(
                    Column("id", "int", nullable=False),
                    Column("theme", "varchar(20)", default="'light'"),
                    Column("is_light", "boolean", generated="theme IN ('light', 'dark')"),
                ),
                indexes=(Index("prefs_themed_idx", ("id",), where="theme IN ('light', 'dark')"),),
                primary_key=PrimaryKey("prefs_pkey", ("id",)),
                checks=(
                    CheckConstraint("prefs_theme_check", "theme IN ('light', 'dark')"),
                    CheckConstraint("prefs_len_check", "length(theme) > 1"),
                ),
                rls_enabled=True,
                policies=(Policy("themed", using="theme IN ('light', 'dark')"),),
                origin=Origin("schema/public/prefs.yaml", 1, 1),
            )
        ],
        views=[View("public", "light", "SELECT id FROM public.prefs WHERE theme IN ('light', 'dark')")],
    )


# The same schema created from PostgreSQL's printed texts (what a dump restore, or a tool
# copying catalog text, does), plus one genuine difference (length > 2).
FROM_PRINTED_TEXT = """
CREATE TABLE public.prefs (
  id integer NOT NULL PRIMARY KEY,
  theme character varying(20) DEFAULT 'light'::character varying,
  is_light boolean GENERATED ALWAYS AS (((theme)::text = ANY ((ARRAY['light'::character varying, 'dark'::character varying])::text[]))) STORED,
  CONSTRAINT prefs_theme_check CHECK (((theme)::text = ANY ((ARRAY['light'::character varying, 'dark'::character varying])::text[]))),
  CONSTRAINT prefs_len_check CHECK ((length((theme)::text) > 2))
);
CREATE POLICY themed ON public.prefs
  USING (((theme)::text = ANY ((ARRAY['light'::character varying, 'dark'::character varying])::text[])));
ALTER TABLE public.prefs ENABLE ROW LEVEL SECURITY;
CREATE INDEX prefs_themed_idx ON public.prefs (id)
  WHERE ((theme)::text = ANY ((ARRAY['light'::character varying, 'dark'::character varying])::text[]));
CREATE VIEW public.light AS
 SELECT id FROM public.prefs
  WHERE ((theme)::text = ANY ((ARRAY['light'::character varying, 'dark'::character varying])::text[]));
"""


def test_second_round_trip_texts_settle_and_real_differences_stay(pg_server, db_url):
    desired = normalize_catalog(source(), pg_server.base_url)
    with psycopg.connect(db_url, autocommit=True) as conn:
        ensure_platform(conn)
        conn.execute(FROM_PRINTED_TEXT)
        live = inspect_like_source(conn, source())
    # the printer is not a fixpoint: the live texts really differ before settling
    kinds = sorted((p.kind, p.name) for p in differing_texts(live, desired))
    assert kinds == [
        ("check", "prefs_len_check"),
        ("check", "prefs_theme_check"),
        ("generated", "is_light"),
        ("using", "themed"),
        ("view", ""),
        ("where", "prefs_themed_idx"),
    ]
    settled = renormalize_texts(pg_server.base_url, live, desired)
    live_t, desired_t = settled.table("public.prefs"), desired.table("public.prefs")
    checks = {c.name: c.expression for c in live_t.checks}
    wanted = {c.name: c.expression for c in desired_t.checks}
    assert checks["prefs_theme_check"] == wanted["prefs_theme_check"]
    assert checks["prefs_len_check"] != wanted["prefs_len_check"]
    assert live_t.policies == desired_t.policies
    assert live_t.column("is_light") == desired_t.column("is_light")
    assert live_t.indexes == desired_t.indexes
    assert settled.views == desired.views
    assert [(p.kind, p.name) for p in differing_texts(settled, desired)] == [("check", "prefs_len_check")]


def test_no_difference_needs_no_database(pg_server, db_url):
    desired = normalize_catalog(source(), pg_server.base_url)
    # nothing differs, so nothing connects: an unreachable server is fine
    assert renormalize_texts(UNREACHABLE, desired, desired) is desired


def test_when_the_desired_schema_cannot_be_built_live_is_returned_unchanged(pg_server, db_url):
    from dataclasses import replace

    desired = normalize_catalog(source(), pg_server.base_url)
    with psycopg.connect(db_url, autocommit=True) as conn:
        ensure_platform(conn)
        conn.execute(FROM_PRINTED_TEXT)
        live = inspect_like_source(conn, source())
    broken = replace(desired, views=(View("public", "light", "SELECT nope FROM public.nowhere"),))
    assert renormalize_texts(pg_server.base_url, live, broken) is live
