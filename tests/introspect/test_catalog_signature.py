"""The catalog-version signature (introspect/signature.py, issue 19 research): every schema
change drift detects moves it, as a superuser and as a non-superuser reader (Supabase's
`postgres` is not one); what does not move it is pinned here and in docs/benchmarks.md."""

from __future__ import annotations

import threading
import time
import uuid

import psycopg
import pytest

from roseram_schema.introspect.signature import catalog_signature, catalog_signature_parts

BASE = """
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('a', 'b');
CREATE TABLE app.t (id int PRIMARY KEY, name text DEFAULT 'x', n int, m app.mood);
CREATE INDEX t_n ON app.t (n);
CREATE SEQUENCE app.s;
CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE VIEW app.v AS SELECT id FROM app.t;
CREATE POLICY p ON app.t USING (true);
CREATE FUNCTION app.trg() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER tr BEFORE INSERT ON app.t FOR EACH ROW EXECUTE FUNCTION app.trg();
CREATE PUBLICATION {pub};
INSERT INTO app.t SELECT g, 'x', g % 3 FROM generate_series(1, 100) g;
"""

# Applied in order, each to the state the previous left; {role}/{member}/{pub} are per run.
CHANGES = [
    "CREATE TABLE app.t2 (a int)",
    "ALTER TABLE app.t2 ADD COLUMN b text",
    "ALTER TABLE app.t2 DROP COLUMN b",
    "DROP TABLE app.t2",
    "ALTER TABLE app.t ALTER COLUMN name SET DEFAULT 'y'",
    "ALTER TABLE app.t ALTER COLUMN name DROP DEFAULT",
    "ALTER TABLE app.t ALTER COLUMN n SET NOT NULL",
    "ALTER TABLE app.t ALTER COLUMN n DROP NOT NULL",
    "ALTER TABLE app.t ADD CONSTRAINT n_pos CHECK (n >= 0)",
    "ALTER TABLE app.t DROP CONSTRAINT n_pos",
    "ALTER TABLE app.t ALTER COLUMN n TYPE bigint",
    "CREATE INDEX t_name ON app.t (name)",
    "DROP INDEX app.t_name",
    "CREATE INDEX CONCURRENTLY t_name2 ON app.t (name)",
    "FAIL CREATE UNIQUE INDEX CONCURRENTLY t_n_u ON app.t (n)",  # duplicates: left invalid
    "DROP INDEX app.t_n_u",
    "ALTER POLICY p ON app.t USING (id > 0)",
    "ALTER POLICY p ON app.t TO {role}",
    "ALTER TABLE app.t ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE app.t FORCE ROW LEVEL SECURITY",
    "GRANT SELECT ON app.t TO {role}",
    "GRANT UPDATE (name) ON app.t TO {role}",
    "REVOKE SELECT ON app.t FROM {role}",
    "REVOKE EXECUTE ON FUNCTION app.f() FROM PUBLIC",
    "GRANT USAGE ON SCHEMA app TO {role}",
    "GRANT USAGE ON SEQUENCE app.s TO {role}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO {role}",
    "ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC",
    "COMMENT ON TABLE app.t IS 'hello'",
    "COMMENT ON COLUMN app.t.name IS 'the name'",
    "ALTER TYPE app.mood ADD VALUE 'c'",
    "CREATE OR REPLACE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'SELECT 2'",
    "CREATE OR REPLACE VIEW app.v AS SELECT id, name FROM app.t",
    "ALTER FUNCTION app.f() SET search_path = ''",
    "ALTER TABLE app.t DISABLE TRIGGER tr",
    "ALTER TABLE app.t ENABLE TRIGGER tr",
    "ALTER TABLE app.t REPLICA IDENTITY FULL",
    "ALTER PUBLICATION {pub} ADD TABLE app.t",
    "ALTER PUBLICATION {pub} DROP TABLE app.t",
    "ALTER ROLE {role} BYPASSRLS",
    "GRANT {role} TO {member}",
    "ALTER ROLE {role} SET search_path = app",
    "ALTER SEQUENCE app.s INCREMENT BY 2",
    "ALTER TABLE app.t OWNER TO {role}",
    "ALTER TABLE app.t RENAME COLUMN name TO title",
    "ALTER TABLE app.t RENAME TO t3",
    "ALTER INDEX app.t_n RENAME TO t_n2",
    "ALTER POLICY p ON app.t3 RENAME TO p2",
    "ALTER FUNCTION app.f() RENAME TO g",
    "ALTER TYPE app.mood RENAME VALUE 'a' TO 'aa'",
    "ALTER SCHEMA app RENAME TO app2",
]

# Changes no drift reads: the signature is expected to stay (no needless full read).
UNSEEN = [
    "VACUUM ANALYZE app.t",
    "VACUUM (FREEZE) app.t",
    "VACUUM (FREEZE) pg_catalog.pg_class",
    "VACUUM (FREEZE) pg_catalog.pg_attribute",
    "SELECT pg_catalog.nextval('app.s')",
    "INSERT INTO app.t (id, name, n) VALUES (1000, 'z', 1)",
]


@pytest.fixture
def setup(pg_server):
    suffix = uuid.uuid4().hex[:8]
    names = {"role": f"sig_app_{suffix}", "member": f"sig_member_{suffix}", "pub": f"sig_pub_{suffix}",
             "reader": f"sig_reader_{suffix}"}
    name = pg_server.create_database("sig")
    url = pg_server.url(name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {names['role']} NOLOGIN")
        conn.execute(f"CREATE ROLE {names['member']} NOLOGIN")
        # like Supabase's postgres: may log in and create roles, not a superuser
        conn.execute(f"CREATE ROLE {names['reader']} LOGIN CREATEROLE NOSUPERUSER")
        conn.execute(BASE.format(**names))
    try:
        yield url, names
    finally:
        pg_server.drop_database(name)
        with psycopg.connect(pg_server.url("postgres"), autocommit=True) as conn:
            for role in ("role", "member", "reader"):
                conn.execute(f"DROP ROLE IF EXISTS {names[role]}")


def _signature(url: str, role: str | None = None) -> str:
    """Read on a fresh connection, as the fleet would; as `role` when given (the test
    server's peer authentication admits only its own user, so SET ROLE stands in for a
    login: privileges are then checked as that role)."""
    with psycopg.connect(url, autocommit=True) as conn:
        if role:
            conn.execute(f"SET ROLE {role}")
            assert conn.execute("SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user"
                                ).fetchone()[0] is False
        return catalog_signature(conn)


def _run(conn, statement: str, names: dict) -> None:
    statement = statement.format(**names)
    if statement.startswith("FAIL "):
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(statement[5:])
    else:
        conn.execute(statement)


@pytest.mark.parametrize("as_reader", [False, True], ids=["superuser", "non-superuser"])
def test_every_change_moves_the_signature(setup, as_reader):
    url, names = setup
    role = names["reader"] if as_reader else None
    missed = []
    with psycopg.connect(url, autocommit=True) as conn:
        before = _signature(url, role)
        for statement in CHANGES:
            _run(conn, statement, names)
            after = _signature(url, role)
            if after == before:
                missed.append(statement)
            before = after
    assert missed == []


def test_what_does_not_move_it(setup):
    url, names = setup
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in UNSEEN:
            before = _signature(url)
            _run(conn, statement, names)
            assert _signature(url) == before, statement


def test_cancelled_drop_index_concurrently_moves_it(setup):
    """DROP INDEX CONCURRENTLY clears indisvalid in place, then waits for the table's users:
    cancelled there, it leaves an invalid index (which the inspector skips: drift) with every
    catalog row's ctid and xmin unchanged. The signature reads the index flags by content."""
    url, names = setup
    before_parts = None
    with psycopg.connect(url, autocommit=True) as holder, psycopg.connect(url, autocommit=True) as dropper:
        before = _signature(url)
        with psycopg.connect(url, autocommit=True) as conn:
            before_parts = catalog_signature_parts(conn)
        holder.execute("BEGIN")
        holder.execute("SELECT count(*) FROM app.t")
        pid = dropper.info.backend_pid
        errors = []

        def drop():
            try:
                dropper.execute("DROP INDEX CONCURRENTLY app.t_n")
            except psycopg.errors.QueryCanceled as exc:
                errors.append(exc)

        thread = threading.Thread(target=drop)
        thread.start()
        with psycopg.connect(url, autocommit=True) as watch:
            for _ in range(200):
                valid = watch.execute("SELECT indisvalid FROM pg_catalog.pg_index"
                                      " WHERE indexrelid = 'app.t_n'::regclass").fetchone()[0]
                if not valid:
                    break
                time.sleep(0.05)
            assert not valid, "DROP INDEX CONCURRENTLY did not reach its wait"
            watch.execute("SELECT pg_catalog.pg_cancel_backend(%s)", (pid,))
        thread.join(10)
        holder.execute("ROLLBACK")
        assert errors, "the drop was not cancelled"
        with psycopg.connect(url, autocommit=True) as conn:
            after_parts = catalog_signature_parts(conn)
            assert conn.execute("SELECT indisvalid FROM pg_catalog.pg_index"
                                " WHERE indexrelid = 'app.t_n'::regclass").fetchone()[0] is False
    changed = {k for k in after_parts if after_parts[k] != before_parts.get(k)}
    # PostgreSQL 18 also moves pg_index's row version here, older servers may not: the
    # content-read flags show it either way
    assert "index_flags" in changed, changed
    assert _signature(url) != before


def test_concurrent_index_build_turning_valid_moves_it(setup):
    """CREATE INDEX CONCURRENTLY commits the index invalid, then waits for older snapshots
    before marking it valid: a signature read in between must differ from the one after."""
    url, names = setup
    with psycopg.connect(url, autocommit=True) as holder, psycopg.connect(url, autocommit=True) as builder:
        holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        holder.execute("SELECT count(*) FROM app.t")
        thread = threading.Thread(target=lambda: builder.execute("CREATE INDEX CONCURRENTLY t_m ON app.t (m)"))
        thread.start()
        with psycopg.connect(url, autocommit=True) as watch:
            flags = None
            for _ in range(200):
                flags = watch.execute("SELECT indisvalid, indisready FROM pg_catalog.pg_index"
                                      " WHERE indexrelid = pg_catalog.to_regclass('app.t_m')").fetchone()
                if flags == (False, True):
                    break
                time.sleep(0.05)
            assert flags == (False, True), flags
            mid = catalog_signature_parts(watch)
        holder.execute("COMMIT")
        thread.join(20)
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT indisvalid FROM pg_catalog.pg_index"
                            " WHERE indexrelid = 'app.t_m'::regclass").fetchone()[0] is True
        after = catalog_signature_parts(conn)
    assert "index_flags" in {k for k in after if after[k] != mid[k]}
