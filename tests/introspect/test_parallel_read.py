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


def test_rows_consumed_as_they_come_build_the_same_catalog(db_url):
    from roseram_schema.introspect.inspector import assemble, inspect_catalog

    with setup(db_url) as conn:
        whole = assemble(read_catalog_rows(conn, ["public"], ["authenticated"]))
        streamed = inspect_catalog(conn, ["public"], roles=["authenticated"], connect=lambda: psycopg.connect(db_url))
        assert streamed == whole
        assert streamed.table("public.items").policies and streamed.views


def test_a_second_connection_lost_midway_leaves_the_rest_to_the_first_each_query_once(db_url):
    # the second connection is terminated once it has handed over its first query's rows:
    # the first connection reads what it had not, and no query is consumed twice
    with setup(db_url) as conn, psycopg.connect(db_url, autocommit=True) as admin:
        first = SECOND_CONNECTION_QUERIES[0]
        taken = []

        def connect():
            return psycopg.connect(make_conninfo(db_url, application_name="roseram_second_reader"))

        on_main = {}

        def consume(name, rows):
            import threading

            taken.append(name)
            on_main[name] = threading.current_thread() is threading.main_thread()
            if name == first:
                admin.execute("SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity"
                              " WHERE application_name = 'roseram_second_reader'")

        plain = read_catalog_rows(conn, ["public"], ["authenticated"])
        read = read_catalog_rows(conn, ["public"], ["authenticated"], connect=connect, consume=consume)
        assert sorted(taken) == sorted(plain.rows.keys() - {"extensions", "roles"})
        assert not on_main[first] and on_main[SECOND_CONNECTION_QUERIES[1]]  # really lost midway
        assert set(read.rows) == {"extensions", "roles"}
        assert read.rows["roles"] == plain.rows["roles"]
