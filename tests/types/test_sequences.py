"""Sequences end to end: standalone ones with their options, OWNED BY and grants; the
sequences of serial and identity columns; switching a column to bigserial creates the
sequence before the default uses it. Sequence values are data: never compared."""

from __future__ import annotations

import psycopg

from types_helpers import apply, drift_items, plan_of, psql, write_project

SCHEMA = """
CREATE SEQUENCE counter AS integer START 100 INCREMENT 5 MINVALUE 10 MAXVALUE 100000 CACHE 10 CYCLE;
CREATE SEQUENCE order_no START 1000;
CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  n int DEFAULT nextval('counter'),
  k bigint GENERATED ALWAYS AS IDENTITY,
  no bigint NOT NULL DEFAULT nextval('order_no')
);
ALTER SEQUENCE order_no OWNED BY orders.no;
GRANT USAGE ON SEQUENCE counter TO reporter;
GRANT UPDATE ON SEQUENCE orders_id_seq TO service_role;
COMMENT ON SEQUENCE counter IS 'counts';
"""


def test_sequences_apply_without_drift(tmp_path, db_url, pg_server):
    project = write_project(tmp_path / "p", SCHEMA)
    apply(project, db_url, pg_server.base_url, hazards=["lint_errors"])
    assert drift_items(project, db_url, pg_server.base_url) == []
    with psycopg.connect(db_url, autocommit=True) as conn:
        assert conn.execute("SELECT has_sequence_privilege('service_role', 'public.orders_id_seq', 'UPDATE')"
                            ).fetchone()[0]
        # values are data: drawing from a sequence is no drift
        conn.execute("SELECT nextval('counter'), setval('order_no', 5000)")
    assert drift_items(project, db_url, pg_server.base_url) == []


def test_psql_built_sequences_plan_empty(tmp_path, platform_db_url, pg_server):
    psql(platform_db_url, SCHEMA)
    project = write_project(tmp_path / "p", SCHEMA)
    assert [s.sql for s in plan_of(project, platform_db_url, pg_server.base_url).statements] == []


def test_sequence_edits(tmp_path, platform_db_url, pg_server):
    psql(platform_db_url, SCHEMA)
    edited = (SCHEMA.replace("INCREMENT 5", "INCREMENT 7").replace("CACHE 10 CYCLE", "CACHE 10")
              .replace("GRANT USAGE ON SEQUENCE counter TO reporter;", "")
              + "CREATE SEQUENCE extra AS smallint;\n")
    project = write_project(tmp_path / "p", edited)
    plan = plan_of(project, platform_db_url, pg_server.base_url)
    sql = [s.sql for s in plan.statements]
    assert "ALTER SEQUENCE public.counter INCREMENT BY 7 NO CYCLE" in sql
    assert "CREATE SEQUENCE IF NOT EXISTS public.extra AS smallint" in sql
    assert "REVOKE USAGE ON SEQUENCE public.counter FROM reporter" in sql
    revoke = next(s for s in plan.statements if s.sql.startswith("REVOKE USAGE ON SEQUENCE public.counter"))
    assert [h.name for h in revoke.hazards] == ["changes_access"]
    apply(project, platform_db_url, pg_server.base_url, hazards=["lint_errors"])
    assert drift_items(project, platform_db_url, pg_server.base_url) == []
    # dropped from the source: dropped from the database
    dropped = write_project(tmp_path / "q", edited.replace("CREATE SEQUENCE extra AS smallint;\n", ""))
    drop = [s for s in plan_of(dropped, platform_db_url, pg_server.base_url).statements
            if s.sql == "DROP SEQUENCE IF EXISTS public.extra"]
    assert [h.name for s in drop for h in s.hazards] == ["deletes_data"]
    # a table dropped takes its serial's sequence along: no DROP SEQUENCE of its own
    gone = write_project(tmp_path / "r", "CREATE SEQUENCE counter AS integer START 100 INCREMENT 7 MINVALUE 10 "
                                         "MAXVALUE 100000 CACHE 10;\nCREATE SEQUENCE extra AS smallint;\n")
    sql = [s.sql for s in plan_of(gone, platform_db_url, pg_server.base_url).statements]
    assert "DROP TABLE IF EXISTS public.orders" in sql and not [s for s in sql if s.startswith("DROP SEQUENCE")]


def test_switching_a_column_to_bigserial_creates_its_sequence(tmp_path, platform_db_url, pg_server):
    psql(platform_db_url, "CREATE TABLE items (id integer PRIMARY KEY, name text);"
                          "INSERT INTO items VALUES (1, 'a');")
    project = write_project(tmp_path / "p", "CREATE TABLE items (id bigserial PRIMARY KEY, name text);")
    sql = [s.sql for s in plan_of(project, platform_db_url, pg_server.base_url).statements]
    create = sql.index("CREATE SEQUENCE IF NOT EXISTS public.items_id_seq")
    default = next(i for i, s in enumerate(sql) if "SET DEFAULT nextval" in s)
    owned = sql.index("ALTER SEQUENCE public.items_id_seq OWNED BY public.items.id")
    assert create < default and create < owned
    assert sql[create + 1] == ("SELECT pg_catalog.setval('public.items_id_seq', "
                               "GREATEST(pg_catalog.max(id) + 1, 1), false) FROM public.items")
    apply(project, platform_db_url, pg_server.base_url, hazards=["lint_errors", "deletes_data"])
    assert drift_items(project, platform_db_url, pg_server.base_url) == []
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        # the sequence starts past the row that was there
        assert conn.execute("INSERT INTO items (name) VALUES ('b') RETURNING id").fetchone()[0] == 2


def test_new_serial_table_makes_its_own_sequence(tmp_path, platform_db_url, pg_server):
    project = write_project(tmp_path / "p", "CREATE TABLE items (id bigserial PRIMARY KEY, name text);\n"
                                            "GRANT SELECT ON SEQUENCE items_id_seq TO authenticated;")
    sql = [s.sql for s in plan_of(project, platform_db_url, pg_server.base_url).statements]
    assert not [s for s in sql if s.startswith("CREATE SEQUENCE")]
    apply(project, platform_db_url, pg_server.base_url, hazards=["lint_errors"])
    assert drift_items(project, platform_db_url, pg_server.base_url) == []


def test_explicit_serial_shaped_sequence_as_pg_dump_writes_it(tmp_path, platform_db_url, pg_server):
    dump_style = """
CREATE TABLE items (id bigint NOT NULL, name text);
CREATE SEQUENCE items_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE items_id_seq OWNED BY items.id;
ALTER TABLE items ADD CONSTRAINT items_pkey PRIMARY KEY (id);
"""
    project = write_project(tmp_path / "p", dump_style.replace("bigint NOT NULL",
                                                               "bigint NOT NULL DEFAULT nextval('items_id_seq')"))
    apply(project, platform_db_url, pg_server.base_url, hazards=["lint_errors"])
    assert drift_items(project, platform_db_url, pg_server.base_url) == []


def test_a_revoke_in_the_source_is_kept(tmp_path, db_url, pg_server):
    # the stand-in's default privileges give anon USAGE, SELECT on a new sequence in public
    project = write_project(tmp_path / "p", "CREATE SEQUENCE tickets;\nREVOKE ALL ON SEQUENCE tickets FROM anon;\n")
    apply(project, db_url, pg_server.base_url)
    with psycopg.connect(db_url, autocommit=True) as conn:
        assert not conn.execute("SELECT has_sequence_privilege('anon', 'public.tickets', 'USAGE')").fetchone()[0]
    assert drift_items(project, db_url, pg_server.base_url) == []


def test_a_kept_sequence_is_released_before_its_owner_is_dropped(tmp_path, platform_db_url, pg_server):
    psql(platform_db_url, SCHEMA)
    kept = write_project(tmp_path / "p", "CREATE SEQUENCE order_no START 1000;\n")
    sql = [s.sql for s in plan_of(kept, platform_db_url, pg_server.base_url).statements]
    assert sql.index("ALTER SEQUENCE public.order_no OWNED BY NONE") < sql.index("DROP TABLE IF EXISTS public.orders")
    apply(kept, platform_db_url, pg_server.base_url, hazards=["deletes_data"])
    assert drift_items(kept, platform_db_url, pg_server.base_url) == []


def test_renamed_table_renames_its_serial_sequence(tmp_path, platform_db_url, pg_server):
    psql(platform_db_url, "CREATE TABLE items (id serial PRIMARY KEY, name text);"
                          "INSERT INTO items (name) VALUES ('a'), ('b');")
    project = write_project(tmp_path / "p", "CREATE TABLE goods (id serial PRIMARY KEY, name text);")
    (tmp_path / "p" / "schema" / "schema.sql").unlink()
    (tmp_path / "p" / "schema" / "goods.yaml").write_text(
        "renamed_from: items\ncolumns:\n  id: {type: serial}\n  name: {type: text}\n"
        "primary_key: {name: items_pkey, columns: [id]}\n")
    plan = plan_of(project, platform_db_url, pg_server.base_url)
    sql = [s.sql for s in plan.statements]
    assert "ALTER SEQUENCE public.items_id_seq RENAME TO goods_id_seq" in sql
    assert not [s for s in plan.statements for h in s.hazards if h.name == "deletes_data"]
    apply(project, platform_db_url, pg_server.base_url, hazards=["lint_errors"])
    assert drift_items(project, platform_db_url, pg_server.base_url) == []
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        assert conn.execute("INSERT INTO goods (name) VALUES ('c') RETURNING id").fetchone()[0] == 3
