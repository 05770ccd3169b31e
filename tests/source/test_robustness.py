"""Whatever the files hold, loading ends in a Catalog or a SourceError, never a crash."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roseram_schema.errors import SourceError
from roseram_schema.source import load_project

KEYS = st.sampled_from([
    "columns", "primary_key", "unique", "checks", "foreign_keys", "indexes", "grants", "comment",
    "partition_by", "partitions", "renamed_from", "schema", "table", "type", "nullable", "default",
    "identity", "generated", "name", "expression", "references", "where", "include", "method",
    "policies", "rls", "command", "roles", "as", "using", "with_check", "contract", "schemas",
    "extensions", "enums", "personas", "values", "bound", "id", "a", "b", "optional", "on_delete",
])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["id", "a", "b", "text", "int", "uuid", "a > 0", "lower(a)", "p(id)", "all",
                     "select", "RANGE (a)", "DEFAULT", "enabled", "always", "cascade", "'x'", "(",
                     "a = = b", "public.t(id)", "auth.users(id)", "x DESC", "", " ", "select 1;"]),
    st.text(max_size=8),
)
DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=25,
)
SQL = st.lists(st.sampled_from([
    "CREATE TABLE t (a int PRIMARY KEY, b text REFERENCES u)",
    "CREATE TABLE u (id int, CHECK (id > 0))",
    "CREATE INDEX ON t (b)", "CREATE INDEX ON nothing (x)",
    "ALTER TABLE t ENABLE ROW LEVEL SECURITY", "ALTER TABLE t ADD PRIMARY KEY (a)",
    "ALTER TABLE t DROP COLUMN b", "CREATE POLICY p ON t FOR INSERT USING (true)",
    "CREATE POLICY p ON t USING (a > 0)", "CREATE VIEW v AS SELECT * FROM v",
    "CREATE MATERIALIZED VIEW m AS SELECT 1", "GRANT SELECT ON t TO nobody",
    "GRANT ALL ON ALL TABLES IN SCHEMA public TO anon", "REVOKE ALL ON t FROM public",
    "COMMENT ON COLUMN t.zz IS 'x'", "COMMENT ON INDEX nope IS NULL", "CREATE TYPE e AS ENUM ('a')",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'select 1'",
    "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
    "CREATE TABLE p PARTITION OF t DEFAULT", "CREATE SCHEMA s", "CREATE EXTENSION x",
    "SELECT 1", "DROP TABLE t", "CREATE TABLE (", "BEGIN", "ROLLBACK",
]), max_size=6).map(lambda stmts: ";\n".join(stmts) + ";\n")

PLACES = ["project.yaml", "schema/public/t.yaml", "schema/public/u.yaml", "policies/public/t.yaml"]


def _load(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        try:
            load_project(root)
        except SourceError as exc:
            for problem in exc.problems:
                assert problem.origin is not None and problem.origin.path in files, str(problem)
                assert problem.origin.line >= 1, str(problem)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(docs=st.lists(DATA, min_size=len(PLACES), max_size=len(PLACES)), sql=SQL, view=SQL,
       header=DATA)
def test_any_input_gives_a_catalog_or_located_problems(docs, sql, view, header):
    files = {place: yaml.safe_dump(doc) for place, doc in zip(PLACES, docs)}
    files["schema/public/more.sql"] = sql
    header_lines = yaml.safe_dump(header, default_flow_style=True, width=10_000).splitlines()
    files["views/public/v.sql"] = "".join(f"-- {line}\n" for line in header_lines) + view
    _load(files)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60))
def test_arbitrary_text_in_every_kind_of_file(text):
    _load({"project.yaml": text, "schema/public/t.yaml": text, "policies/public/t.yaml": text,
           "schema/public/x.sql": text, "views/public/v.sql": text})


def test_yaml_tags_the_safe_loader_refuses_are_plain_text():
    """`=` is YAML's !!value tag and `!!python/...` is refused: both load as text."""
    _load({"schema/public/t.yaml": "=", "schema/public/u.yaml": "columns: {a: !!python/name:os.system int}"})


def test_a_recursive_yaml_alias_is_a_problem_not_a_hang(tmp_path):
    import pytest

    (tmp_path / "schema" / "public").mkdir(parents=True)
    (tmp_path / "schema" / "public" / "t.yaml").write_text("columns: {a: int}\ncomment: &x [1, *x]\n")
    with pytest.raises(SourceError) as excinfo:
        load_project(tmp_path)
    # the alias is the anchored list itself, so the problem is where the anchor is
    assert "schema/public/t.yaml:2:10: a YAML alias refers to itself" in str(excinfo.value)


def test_shared_aliases_and_merge_keys_load(tmp_path):
    (tmp_path / "schema" / "public").mkdir(parents=True)
    (tmp_path / "schema" / "public" / "t.yaml").write_text(
        "columns:\n  a: &uuid {type: uuid, nullable: false}\n  b: *uuid\n"
        "  c: {<<: *uuid, nullable: true}\n")
    t = load_project(tmp_path).catalog.table("t")
    assert [(c.name, c.type, c.nullable) for c in t.columns] == [
        ("a", "uuid", False), ("b", "uuid", False), ("c", "uuid", True)]
