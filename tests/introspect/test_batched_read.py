"""The catalog queries sent in one batch (queries.run_queries: libpq's pipeline mode) read
exactly the rows of the same queries run one at a time, and a failing one is named."""

from __future__ import annotations

import psycopg
import pytest

from roseram_schema.errors import DatabaseError
from roseram_schema.introspect.queries import run_queries
from roseram_schema.introspect.rows import read_catalog_rows


def test_a_batched_read_equals_a_read_query_by_query(every_kind_conn, monkeypatch):
    batched = read_catalog_rows(every_kind_conn, None, ["anon"])
    assert psycopg.Pipeline.is_supported()  # else both reads below are one by one
    monkeypatch.setattr(psycopg.Pipeline, "is_supported", classmethod(lambda cls: False))
    one_by_one = read_catalog_rows(every_kind_conn, None, ["anon"])
    assert batched == one_by_one
    # the read covers what every_kind.sql made, comments included
    assert batched.rows["columns"] and any(r["comment"] for r in batched.rows["columns"])


def test_a_failing_query_of_a_batch_is_named_and_the_connection_stays_usable(db_conn):
    batch = [
        ("extensions", {"schemas": ["public"], "extensions": []}),
        ("roles", {"roles": "not an array"}),
        ("schemas", {"schemas": None, "excluded": []}),
    ]
    with pytest.raises(DatabaseError, match="reading roles from the database catalog failed"):
        with db_conn.transaction():
            list(run_queries(db_conn, batch))
    assert db_conn.execute("SELECT 1").fetchone() == (1,)
    good = [batch[0], ("roles", {"roles": ["postgres"]}), batch[2]]
    names = [name for name, _ in run_queries(db_conn, good)]
    assert names == ["extensions", "roles", "schemas"]
