"""Names PostgreSQL would cut (over 63 bytes) or that hold control characters are located
errors; the names the tool derives itself stay what PostgreSQL picks. Checked against a
real server: what it keeps of a long name, and that it silently merges two long names.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from roseram_schema.compile.script import compile_script
from roseram_schema.errors import SourceError
from roseram_schema.model import quote_ident
from roseram_schema.source import load_project

from .test_naming_server import _loader_names, _server_names

LONG_NAMES = [
    "a" * 64,
    "b" * 70,
    "é" * 32,                 # 64 bytes
    "x" + "é" * 32,           # 65 bytes: the 63rd byte is half a character
    "😀" * 16,                # 64 bytes of 4-byte characters
    "ab" + "😀" * 16,         # the cut falls inside a 4-byte character
    "Mixed Case and spaces " * 3,
]


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "p"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _problems(root: Path) -> list[str]:
    with pytest.raises(SourceError) as excinfo:
        load_project(root)
    return [str(p) for p in excinfo.value.problems]


@pytest.mark.parametrize("name", LONG_NAMES)
def test_the_cut_is_what_the_server_keeps(db_conn, name):
    from roseram_schema.source.namerules import truncated

    db_conn.execute(f"CREATE TABLE {quote_ident(name)} (x integer)")
    kept = db_conn.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
    ).fetchone()[0]
    assert kept == truncated(name)
    assert len(kept.encode("utf-8")) <= 63


def test_two_tables_equal_in_their_first_63_bytes_are_an_error(db_conn, tmp_path):
    one, two = "t" * 63 + "_one", "t" * 63 + "_two"
    # what PostgreSQL does with them: one table, the second table's column lost, no error
    db_conn.execute(f"CREATE TABLE IF NOT EXISTS {one} (a text)")
    db_conn.execute(f"CREATE TABLE IF NOT EXISTS {two} (b text)")
    columns = [r[0] for r in db_conn.execute(
        "SELECT attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
        " WHERE c.relnamespace = 'public'::regnamespace AND attnum > 0")]
    assert columns == ["a"]
    root = _project(tmp_path, {
        f"schema/public/{one}.yaml": "columns:\n  a: text\n",
        f"schema/public/{two}.yaml": "columns:\n  b: text\n",
    })
    got = _problems(root)
    assert len(got) == 2
    assert got[0].startswith(f"schema/public/{one}.yaml:1:1: public.{one}: the table name '{one}' is 67 bytes long")
    assert f"which is also what the table name '{two}' becomes" in got[0]
    assert got[1].startswith(f"schema/public/{two}.yaml:1:1: public.{two}: the table name")


def test_two_sql_tables_equal_in_their_first_63_bytes_are_located(tmp_path):
    one, two = "s" * 63 + "1", "s" * 63 + "2"
    root = _project(tmp_path, {
        "schema/public/tables.sql": f"CREATE TABLE {one} (a text);\nCREATE TABLE\n    {two} (b text);\n",
    })
    got = _problems(root)
    assert [g.split(": ", 1)[0] for g in got if "64 bytes long" in g] == [
        "schema/public/tables.sql:1:14", "schema/public/tables.sql:3:5"]


def test_a_64_byte_column_is_an_error_and_63_bytes_apply_as_written(db_url, tmp_path):
    long, fits = "c" * 64, "d" * 63
    root = _project(tmp_path, {"schema/public/t.yaml": f"columns:\n  id: integer\n  {long}: text\n"})
    assert _problems(root) == [
        f"schema/public/t.yaml:3:3: public.t: the column name '{long}' is 64 bytes long: PostgreSQL keeps 63 "
        f"(NAMEDATALEN - 1) and would silently cut it to '{long[:63]}' (hint: shorten it to 63 bytes or fewer)"
    ]
    root = _project(tmp_path / "ok", {"schema/public/t.yaml": f"columns:\n  id: integer\n  {fits}: text\n"})
    project = load_project(root)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(compile_script(project.catalog, project.fingerprint))
        names = [r[0] for r in conn.execute("SELECT attname FROM pg_attribute WHERE attrelid = 'public.t'::regclass"
                                            " AND attnum > 0 ORDER BY attnum")]
    assert names == ["id", fits]


def test_control_characters_in_names_are_located_errors(tmp_path):
    root = _project(tmp_path, {
        "schema/public/t.yaml": "columns:\n  id: integer\n",
        "policies/public/t.yaml": 'rls: enabled\npolicies:\n  - name: "p\\ndrop table t;\\n--"\n    using: id > 0\n',
        "schema/public/u.sql": 'CREATE TABLE u (id integer, "a\x7fb" text);\nCREATE INDEX "i\x85" ON u (id);\n',
        "project.yaml": 'roles: ["reader\\tx"]\n',
    })
    got = _problems(root)
    assert [g.split(": ", 1)[0] for g in got] == [
        "policies/public/t.yaml:3:5", "project.yaml:1:9",
        "schema/public/u.sql:1:29", "schema/public/u.sql:2:14",
    ]
    assert "the policy name 'p\\ndrop table t;\\n--' holds a control character (\\n)" in got[0]
    assert "holds a control character (\\x7f)" in got[2]
    assert "holds a control character (\\x85)" in got[3]


def test_derived_names_of_63_byte_tables_are_postgresqls(db_conn, tmp_path):
    """Generated constraint and index names of the longest table names are cut as PostgreSQL
    cuts them (parts first, then a number): no error, and the names the server picks."""
    prefix = "r" * 60
    ddl = "".join(
        f"CREATE TABLE {prefix}_{n} (id integer PRIMARY KEY, "
        f"{'k' * 63} integer UNIQUE, v integer CHECK (v > 0), w integer REFERENCES {prefix}_a (id));\n"
        f"CREATE INDEX ON {prefix}_{n} ({'k' * 63}, v);\n"
        for n in ("a", "b")
    )
    (tmp_path / "schema" / "public").mkdir(parents=True)
    (tmp_path / "schema" / "public" / "tables.sql").write_text(ddl)
    db_conn.execute(ddl)
    server_constraints, server_indexes = _server_names(db_conn)
    loader_constraints, loader_indexes = _loader_names(tmp_path)
    assert loader_constraints == server_constraints
    assert loader_indexes == server_indexes
    assert any(name.endswith("_pkey1") for _, name in server_indexes)  # the cut made them collide


def test_one_long_name_in_sql_is_cut_as_postgresql_cuts_it(db_conn, tmp_path):
    """Published SQL (basejump's policy names are 67 bytes) loads as psql loads it: the model
    holds the name the server keeps."""
    long = "Account users can be deleted by owners except primary account owner"
    sql = f'CREATE TABLE t (id integer);\nCREATE POLICY "{long}" ON t USING (id > 0);\n'
    root = _project(tmp_path, {"schema/public/t.sql": sql})
    table = load_project(root).catalog.table("public.t")
    db_conn.execute(sql)
    kept = db_conn.execute("SELECT polname FROM pg_policy WHERE polrelid = 'public.t'::regclass").fetchone()[0]
    assert [p.name for p in table.policies] == [kept] and len(kept.encode()) == 63
