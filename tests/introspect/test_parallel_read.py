"""The catalog read on two connections (rows.read_catalog_rows with `connect`) returns
exactly the rows of the one-connection read, never mixes snapshots, and falls back to one
connection whenever the second cannot be used."""

from __future__ import annotations

import psycopg
from psycopg.conninfo import make_conninfo

from roseram_schema.introspect.rows import SECOND_CONNECTION_QUERIES, read_catalog_rows
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


def test_two_connections_read_the_same_rows(db_url):
    with setup(db_url) as conn:
        opened = []

        def connect():
            opened.append(psycopg.connect(db_url))
            return opened[-1]

        one = read_catalog_rows(conn, ["public"], ["authenticated"])
        two = read_catalog_rows(conn, ["public"], ["authenticated"], connect=connect)
        assert len(opened) == 1  # the second connection was really used
        assert repr(two) == repr(one)
        assert any(r["name"] == "own" for r in two.rows["policies"])


def test_inside_an_open_transaction_only_the_callers_connection_reads(db_url):
    with setup(db_url) as conn:
        opened = []

        def connect():  # a second connection cannot see this transaction's writes
            opened.append(psycopg.connect(db_url))
            return opened[-1]

        with conn.transaction():
            conn.execute("ALTER TABLE public.items ADD COLUMN note text")
            rows = read_catalog_rows(conn, ["public"], connect=connect)
        assert opened == []
        assert "note" in [r["name"] for r in rows.rows["columns"]]


def test_a_second_connection_that_fails_leaves_the_work_to_the_first(db_url):
    with setup(db_url) as conn:
        tried = []

        def connect():
            tried.append(True)
            return psycopg.connect(make_conninfo(db_url, dbname="no_such_database_here"))

        one = read_catalog_rows(conn, ["public"], ["authenticated"])
        fallback = read_catalog_rows(conn, ["public"], ["authenticated"], connect=connect)
        assert tried
        assert repr(fallback) == repr(one)
        assert all(fallback.rows[name] == one.rows[name] for name in SECOND_CONNECTION_QUERIES)
