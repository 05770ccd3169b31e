"""normalize_catalog: the source built in a scratch database and read back."""

from __future__ import annotations

import os
from dataclasses import replace

import psycopg
import pytest

from roseram_schema.errors import Origin, SourceError
from roseram_schema.cache.key import code_key
from roseram_schema.cache.files import normalization_key
from roseram_schema.normalize.catalog import inspect_like_source, managed_schemas, normalize_catalog
from roseram_schema.introspect.fingerprint import catalog_fingerprint
from roseram_schema.model import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Policy,
    PrimaryKey,
    Role,
    Schema,
    Table,
    View,
    build_catalog,
)
from roseram_schema.platform import ensure_platform

UNREACHABLE = "postgresql://nobody@/nowhere?host=/nonexistent&port=1"


def _o(line: int, path: str = "schema/public/settings.yaml") -> Origin:
    return Origin(path, line, 3)


def source_catalog() -> "object":
    settings = Table(
        "public",
        "settings",
        columns=(
            Column("id", "bigserial", nullable=False, origin=_o(3)),
            Column("user_id", "uuid", nullable=False, origin=_o(4)),
            Column("theme", "varchar(20)", default="'light'", origin=_o(5), renamed_from="colour"),
        ),
        primary_key=PrimaryKey("settings_pkey", ("id",), origin=_o(6)),
        checks=(CheckConstraint("settings_theme_check", "theme IN ('light', 'dark')", origin=_o(8)),),
        foreign_keys=(ForeignKey("settings_user_id_fkey", ("user_id",), "auth", "users", ("id",), on_delete="cascade"),),
        indexes=(Index("settings_user_idx", ("user_id",), origin=_o(10)),),
        rls_enabled=True,
        policies=(
            Policy(
                "own settings",
                roles=("authenticated",),
                using="user_id = (select auth.uid())",
                with_check="user_id = (select auth.uid())",
                origin=_o(3, "policies/public/settings.yaml"),
            ),
        ),
        origin=_o(1),
        renamed_from="prefs",
        contract={"select": ["alice"]},
        policies_origin=_o(1, "policies/public/settings.yaml"),
    )
    view = View(
        "public",
        "themes",
        "SELECT theme, count(*) AS n FROM public.settings GROUP BY theme",
        security_invoker=True,
        origin=Origin("views/public/themes.sql", 1, 1),
    )
    return build_catalog(
        schemas=[Schema("public", origin=Origin("project.yaml", 2, 5))],
        roles=[Role("authenticated", origin=Origin("project.yaml", 4, 5))],
        tables=[settings],
        views=[view],
    )


HAND_WRITTEN = """
CREATE TABLE public.settings (
  id bigserial PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  theme varchar(20) DEFAULT 'light' CHECK (theme IN ('light', 'dark'))
);
CREATE INDEX settings_user_idx ON public.settings (user_id);
CREATE POLICY "own settings" ON public.settings TO authenticated
  USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
ALTER TABLE public.settings ENABLE ROW LEVEL SECURITY;
CREATE VIEW public.themes WITH (security_invoker = true) AS
  SELECT theme, count(*) AS n FROM public.settings GROUP BY theme;
"""


def _scratch_databases(pg_server) -> list[str]:
    with psycopg.connect(pg_server.base_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"roseram_scratch_{os.getpid()}_%",)
        ).fetchall()
    return [r[0] for r in rows]


def test_normalized_source_equals_the_same_schema_written_by_hand(pg_server, db_url):
    source = source_catalog()
    normalized = normalize_catalog(source, pg_server.base_url)
    with psycopg.connect(db_url, autocommit=True) as conn:
        ensure_platform(conn)
        conn.execute(HAND_WRITTEN)
        live = inspect_like_source(conn, source)
    # renamed_from is a source fact the diff needs (a live database has none); the rest
    # of the catalog is exactly what the hand-written database reads as
    norm_t = normalized.table("public.settings")
    assert norm_t.renamed_from == "prefs"
    expected = replace(
        norm_t, renamed_from=None, columns=tuple(replace(c, renamed_from=None) for c in norm_t.columns)
    )
    assert live.table("public.settings") == expected
    assert live == replace(normalized, tables=(expected,))


def test_normalized_texts_are_postgresql_printed_forms_with_source_origins(pg_server):
    normalized = normalize_catalog(source_catalog(), pg_server.base_url)
    t = normalized.table("public.settings")
    assert t.column("id").type == "bigint"
    assert t.column("id").default == "nextval('public.settings_id_seq'::regclass)"
    assert t.column("theme").default == "'light'::character varying"
    assert t.checks[0].expression.startswith("((theme)::text = ANY")
    assert t.policies[0].using == "(user_id = ( SELECT auth.uid() AS uid))"
    prefix = "SELECT theme," if pg_server.major >= 16 else "SELECT settings.theme,"
    assert normalized.view("public.themes").query.startswith(prefix)
    # origins and source-only facts, matched by key
    assert t.origin == _o(1)
    assert t.policies_origin == _o(1, "policies/public/settings.yaml")
    assert t.contract == {"select": ["alice"]}
    assert t.column("theme").origin == _o(5)
    assert t.column("theme").renamed_from == "colour"
    assert t.primary_key.origin == _o(6)
    assert t.checks[0].origin == _o(8)
    assert t.indexes[0].origin == _o(10)
    assert t.policies[0].origin == _o(3, "policies/public/settings.yaml")
    assert normalized.view("public.themes").origin == Origin("views/public/themes.sql", 1, 1)
    assert normalized.schemas[0].origin == Origin("project.yaml", 2, 5)
    assert managed_schemas(source_catalog()) == ("public",)


def test_scratch_database_is_dropped_after_success_and_failure(pg_server):
    before = _scratch_databases(pg_server)
    normalize_catalog(source_catalog(), pg_server.base_url)
    assert _scratch_databases(pg_server) == before
    broken = build_catalog(
        tables=[
            Table(
                "public",
                "t",
                columns=(Column("a", "int"),),
                checks=(CheckConstraint("t_check", "nope > 0", origin=Origin("schema/public/t.yaml", 7, 5)),),
                origin=Origin("schema/public/t.yaml", 1, 1),
            )
        ]
    )
    with pytest.raises(SourceError) as info:
        normalize_catalog(broken, pg_server.base_url)
    assert _scratch_databases(pg_server) == before
    (problem,) = info.value.problems
    assert problem.origin is not None and problem.origin.path == "schema/public/t.yaml"
    assert 'column "nope" does not exist' in problem.message
    assert "schema/public/t.yaml:" in str(info.value)


def test_the_cache_key_names_the_server_version_and_the_code(pg_server, monkeypatch):
    source = source_catalog()
    version = pg_server.version_num
    key = normalization_key(catalog_fingerprint(source), version)
    # another server version is another key, and so is other normalizing code
    assert normalization_key(catalog_fingerprint(source), version + 1) != key
    code_key.cache_clear()
    monkeypatch.setattr("roseram_schema.cache.key.__version__", "0.0.0-other")
    try:
        assert normalization_key(catalog_fingerprint(source), version) != key
    finally:
        code_key.cache_clear()


def test_inspect_of_normalized_scope_leaves_out_platform(pg_server):
    normalized = normalize_catalog(source_catalog(), pg_server.base_url)
    assert [s.name for s in normalized.schemas] == ["public"]
    assert all(t.schema == "public" for t in normalized.tables)
    assert all(f.schema != "auth" for f in normalized.functions)


def test_scratch_database_is_dropped_when_the_body_fails(pg_server):
    from roseram_schema.normalize.scratch import scratch_database

    before = _scratch_databases(pg_server)
    with pytest.raises(RuntimeError, match="boom"):
        with scratch_database(pg_server.base_url) as url:
            # a connection still open inside the body does not stop the drop (WITH FORCE)
            conn = psycopg.connect(url)
            assert _scratch_databases(pg_server) != before
            raise RuntimeError("boom")
    assert _scratch_databases(pg_server) == before
    conn.close()


def test_an_unreachable_dev_server_is_a_database_error():
    from roseram_schema.errors import DatabaseError

    with pytest.raises(DatabaseError, match="scratch database"):
        normalize_catalog(source_catalog(), UNREACHABLE)


def test_apply_statements_runs_a_batch_and_blames_the_right_statement(db_conn):
    from roseram_schema.compile.script import Statement
    from roseram_schema.normalize.catalog import apply_statements

    apply_statements(
        db_conn,
        [
            Statement("CREATE TABLE a (id int) -- a trailing line comment", "table public.a"),
            Statement("CREATE TABLE b (id int)", "table public.b"),
        ],
    )
    tables = {r[0] for r in db_conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables == {"a", "b"}
    broken = [
        Statement("CREATE TABLE c (id int)", "table public.c", Origin("schema/public/c.yaml", 1, 1)),
        Statement("CREATE TABLE d (id nosuchtype)", "table public.d", Origin("schema/public/d.yaml", 2, 7)),
        Statement("CREATE TABLE e (id int)", "table public.e", Origin("schema/public/e.yaml", 1, 1)),
    ]
    with pytest.raises(SourceError) as info:
        apply_statements(db_conn, broken)
    (problem,) = info.value.problems
    assert (problem.origin, problem.obj) == (Origin("schema/public/d.yaml", 2, 7), "table public.d")
    assert 'type "nosuchtype" does not exist' in problem.message
    # all or nothing: c was rolled back with the rest
    tables = {r[0] for r in db_conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables == {"a", "b"}
