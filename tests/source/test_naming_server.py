"""PostgreSQL's names for unnamed constraints and indexes, checked against a real server.

The same DDL is loaded by the source loader and run on a fresh database; the names the
loader predicts must be the names PostgreSQL chose (pg_constraint, pg_indexes).
"""

from __future__ import annotations

from pathlib import Path

from roseram_schema.source import load_project
from roseram_schema.source.naming import make_object_name

LONG = "a_table_name_that_is_quite_long_for_postgresql_identifiers_x"  # 60 characters

DDL = f"""
CREATE TABLE parent (
    id integer PRIMARY KEY,
    code text,
    other integer,
    UNIQUE (id, code)
);
CREATE TABLE child (
    id integer,
    parent_id integer REFERENCES parent (id),
    code text,
    name text CHECK (name <> ''),
    lo integer,
    hi integer,
    CHECK (lo < hi),
    CHECK (true),
    CHECK (name <> 'x'),
    UNIQUE (name),
    UNIQUE (lo, hi),
    FOREIGN KEY (parent_id, code) REFERENCES parent (id, code),
    PRIMARY KEY (id)
);
CREATE INDEX ON child (parent_id);
CREATE INDEX ON child (parent_id);
CREATE INDEX ON child (lower(name), upper(name), lower(code));
CREATE INDEX ON child ((lo + hi));
CREATE INDEX ON child ((name::text));
CREATE INDEX ON child ((lo::text));
CREATE INDEX ON child (code) INCLUDE (name);
CREATE UNIQUE INDEX ON child (code, name) WHERE lo > 0;
CREATE INDEX ON child (coalesce(name, code));
CREATE TABLE {LONG} (
    a_column_name_that_is_also_rather_long_for_an_identifier integer UNIQUE,
    b integer CHECK (b > 0),
    c integer
);
CREATE INDEX ON {LONG} (a_column_name_that_is_also_rather_long_for_an_identifier, b, c);
"""


def _server_names(conn) -> tuple[set, set]:
    constraints = {
        tuple(r)
        for r in conn.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint"
            " WHERE connamespace = 'public'::regnamespace AND contype IN ('p', 'u', 'c', 'f')"
        )
    }
    indexes = {
        tuple(r)
        for r in conn.execute("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'")
    }
    return constraints, indexes


def _loader_names(root: Path) -> tuple[set, set]:
    catalog = load_project(root).catalog
    constraints, indexes = set(), set()
    for t in catalog.tables:
        for name in t.constraint_names():
            constraints.add((t.name, name))
        for i in t.indexes:
            indexes.add((t.name, i.name))
        if t.primary_key:
            indexes.add((t.name, t.primary_key.name))
        indexes.update((t.name, u.name) for u in t.uniques)
    return constraints, indexes


def test_default_names_match_postgresql(db_conn, tmp_path):
    (tmp_path / "schema" / "public").mkdir(parents=True)
    (tmp_path / "schema" / "public" / "tables.sql").write_text(DDL)
    db_conn.execute(DDL)
    server_constraints, server_indexes = _server_names(db_conn)
    loader_constraints, loader_indexes = _loader_names(tmp_path)
    assert loader_constraints == server_constraints
    assert loader_indexes == server_indexes
    # the cases above really exercise truncation and numbering
    assert any(len(name) == 63 for _, name in server_indexes)
    assert ("child", "child_parent_id_idx1") in server_indexes


def test_make_object_name_truncates_the_longer_part_first():
    name = make_object_name("t" * 70, "c" * 10, "key")
    assert len(name) == 63
    assert name.endswith("_" + "c" * 10 + "_key")
    assert make_object_name("ü" * 40, "col", "idx").encode("utf-8").__len__() <= 63
