"""The inspector leaves out INVALID indexes (introspect/queries/indexes.sql), on its own."""

from __future__ import annotations

import psycopg
import pytest

from roseram_schema.introspect import inspect_catalog


def test_an_index_left_invalid_by_a_failed_concurrent_build_is_not_read(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.t (id integer, code text)")
        conn.execute("INSERT INTO public.t VALUES (1, 'a'), (2, 'a')")
        conn.execute("CREATE INDEX t_id ON public.t (id)")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("CREATE UNIQUE INDEX CONCURRENTLY t_code ON public.t (code)")
        invalid = conn.execute("SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid").fetchall()
        assert invalid == [("t_code",)]  # PostgreSQL kept the index, marked INVALID
        table = inspect_catalog(conn, ["public"]).table("public.t")
    assert [ix.name for ix in table.indexes] == ["t_id"]
