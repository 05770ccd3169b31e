"""Rows consumed query by query as they are read (rows.read_catalog_rows `consume`, what
inspect_catalog does) build exactly the catalog of a read that keeps every row."""

from __future__ import annotations

import psycopg

from roseram_schema.introspect.inspector import assemble, inspect_catalog
from roseram_schema.introspect.rows import read_catalog_rows
from roseram_schema.platform import ensure_platform

SCHEMA = """
CREATE TABLE public.items (id bigint PRIMARY KEY, name text NOT NULL DEFAULT 'x' CHECK (name <> ''));
CREATE INDEX items_name_idx ON public.items (name);
ALTER TABLE public.items ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON public.items FOR SELECT TO authenticated USING (id > 0);
GRANT SELECT ON public.items TO authenticated;
CREATE VIEW public.item_names AS SELECT name FROM public.items;
"""


def setup(url: str):
    conn = psycopg.connect(url, autocommit=True)
    ensure_platform(conn)
    conn.execute(SCHEMA)
    return conn


def test_rows_consumed_as_they_come_build_the_same_catalog(db_url):
    with setup(db_url) as conn:
        whole = assemble(read_catalog_rows(conn, ["public"], ["authenticated"]))
        streamed = inspect_catalog(conn, ["public"], roles=["authenticated"])
        assert streamed == whole
        assert streamed.table("public.items").policies and streamed.views
