"""What inspect_catalog leaves out, and that its result is stable and side-effect free."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.pq import TransactionStatus

from roseram_schema.introspect import catalog_fingerprint, inspect_catalog, inspect_row_estimates
from roseram_schema.platform import ensure_platform


def test_platform_schemas_and_extension_objects_are_left_out(db_conn):
    ensure_platform(db_conn)
    db_conn.execute("CREATE EXTENSION hstore")
    # the stand-in has storage.objects (users put policies on it)
    db_conn.execute("CREATE SCHEMA IF NOT EXISTS storage")
    db_conn.execute("CREATE TABLE IF NOT EXISTS storage.objects (id int)")
    db_conn.execute("CREATE SCHEMA roseram_schema")
    db_conn.execute("CREATE TABLE roseram_schema.history (id int)")
    db_conn.execute("CREATE TABLE public.kv (id int PRIMARY KEY, data public.hstore)")
    # a grant on an extension's function must not pull its grantee in as a role
    db_conn.execute(
        "DO $$ BEGIN CREATE ROLE roseram_test_ext_user; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    db_conn.execute("GRANT EXECUTE ON FUNCTION public.akeys(public.hstore) TO roseram_test_ext_user")
    catalog = inspect_catalog(db_conn)
    assert catalog.roles == ()
    assert [s.name for s in catalog.schemas] == ["public"]
    assert [t.key for t in catalog.tables] == ["public.kv"]
    # hstore's own functions and type live in public but belong to the extension
    assert catalog.functions == ()
    assert catalog.enums == ()
    assert [(e.name, e.schema) for e in catalog.extensions] == [("hstore", "public")]
    assert catalog.table("public.kv").column("data").type == "public.hstore"


def test_extension_in_a_platform_schema_is_reported_when_asked_for(db_conn):
    ensure_platform(db_conn)
    db_conn.execute("CREATE SCHEMA IF NOT EXISTS extensions")  # the stand-in has it
    db_conn.execute("CREATE EXTENSION hstore SCHEMA extensions")
    assert inspect_catalog(db_conn).extensions == ()
    asked = inspect_catalog(db_conn, extensions=["hstore", "plpgsql"])
    assert [(e.name, e.schema) for e in asked.extensions] == [("hstore", "extensions"), ("plpgsql", "pg_catalog")]


def test_explicit_schema_list_is_read_exactly(every_kind_conn):
    only_app = inspect_catalog(every_kind_conn, ["app"])
    assert [s.name for s in only_app.schemas] == ["app"]
    assert {t.schema for t in only_app.tables} == {"app"}
    assert inspect_catalog(every_kind_conn, "app") == only_app
    nothing = inspect_catalog(every_kind_conn, ["does_not_exist"])
    assert nothing.schemas == () and nothing.tables == ()
    # platform schemas are read when named explicitly (e.g. to look at auth.users)
    auth = inspect_catalog(every_kind_conn, ["auth"])
    assert [t.key for t in auth.tables] == ["auth.users"]


def test_same_database_read_twice_gives_identical_catalogs(every_kind_url):
    with psycopg.connect(every_kind_url, autocommit=True) as a, psycopg.connect(every_kind_url) as b:
        first = inspect_catalog(a, roles=["roseram_test_reader"])
        second = inspect_catalog(b, roles=["roseram_test_reader"])
    assert first == second
    assert catalog_fingerprint(first) == catalog_fingerprint(second)
    assert repr(first) == repr(second)


def test_texts_do_not_depend_on_the_callers_search_path(every_kind_url):
    with psycopg.connect(every_kind_url, autocommit=True) as conn:
        plain = inspect_catalog(conn)
        conn.execute("SET search_path = app, public")
        with_app = inspect_catalog(conn)
        # the caller's setting is left as it was
        assert conn.execute("SHOW search_path").fetchone()[0] == "app, public"
    assert plain == with_app
    assert plain.table("app.users").column("mood").type == "app.mood"


def test_inside_a_callers_transaction_state_is_kept(every_kind_url):
    with psycopg.connect(every_kind_url) as conn:
        conn.execute("SET LOCAL search_path = app")
        conn.execute("CREATE TABLE app.uncommitted (id int)")
        catalog = inspect_catalog(conn, ["app"])
        # the caller's own uncommitted work is visible, its settings survive
        assert catalog.table("app.uncommitted") is not None
        assert conn.info.transaction_status == TransactionStatus.INTRANS
        assert conn.execute("SHOW search_path").fetchone()[0] == "app"
        conn.rollback()


def test_not_null_constraints_are_never_reported_as_checks(db_conn):
    db_conn.execute("CREATE TABLE t (a int NOT NULL, b int CONSTRAINT b_positive CHECK (b > 0))")
    db_conn.execute("ALTER TABLE t ADD CONSTRAINT a_small CHECK (a < 10) NOT VALID")
    table = inspect_catalog(db_conn).table("public.t")
    assert [(c.name, c.expression) for c in table.checks] == [("a_small", "(a < 10)"), ("b_positive", "(b > 0)")]
    assert table.column("a").nullable is False
    assert table.column("b").nullable is True


def test_foreign_keys_to_partitioned_tables_are_reported_once(db_conn):
    db_conn.execute(
        """
        CREATE TABLE p (id int PRIMARY KEY) PARTITION BY RANGE (id);
        CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);
        CREATE TABLE p2 PARTITION OF p FOR VALUES FROM (10) TO (20);
        CREATE TABLE child (id int PRIMARY KEY, p_id int REFERENCES p (id));
        """
    )
    child = inspect_catalog(db_conn).table("public.child")
    assert [(fk.name, fk.ref_table) for fk in child.foreign_keys] == [("child_p_id_fkey", "p")]


def test_row_estimates(db_conn):
    db_conn.execute(
        """
        CREATE TABLE empty (id int);
        CREATE TABLE analyzed (id int);
        INSERT INTO analyzed SELECT generate_series(1, 1000);
        ANALYZE analyzed;
        CREATE TABLE fresh (id int);
        INSERT INTO fresh VALUES (1), (2), (3);
        CREATE TABLE parts (id int) PARTITION BY RANGE (id);
        CREATE TABLE parts1 PARTITION OF parts FOR VALUES FROM (0) TO (5000);
        INSERT INTO parts SELECT generate_series(1, 400);
        ANALYZE parts1;
        """
    )
    estimates = inspect_row_estimates(db_conn, ["public"])
    assert estimates["public.empty"] == 0
    assert estimates["public.analyzed"] == 1000
    # never analyzed but holding rows: estimated from its size, never 0
    assert estimates["public.fresh"] > 0
    assert estimates["public.parts"] == 400
    assert "public.parts1" not in estimates



def test_a_failing_catalog_read_is_a_database_error(db_conn):
    from roseram_schema.errors import DatabaseError
    from roseram_schema.introspect.queries import run_query

    with pytest.raises(DatabaseError, match="reading roles from the database catalog failed"):
        run_query(db_conn, "roles", {"roles": "not an array"})
    db_conn.execute("BEGIN")
    with pytest.raises(psycopg.Error):
        db_conn.execute("SELECT * FROM does_not_exist")
    # the caller's transaction is aborted: the read fails, as a DatabaseError
    with pytest.raises(DatabaseError, match="reading the database catalog failed"):
        inspect_catalog(db_conn)
