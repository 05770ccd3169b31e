"""SQL files: every statement kind the model knows, parsed with pglast into the model."""

from __future__ import annotations

from roseram_schema.model import (
    TABLE_PRIVILEGES,
    CheckConstraint,
    ForeignKey,
    Grant,
    Index,
    Partition,
    Policy,
    UniqueConstraint,
)
from roseram_schema.source import load_project

from .helpers import write_project


def test_fk_cycle_with_alter_table_and_partitions(tmp_path):
    root = write_project(tmp_path, {"schema/public/cycle.sql": """
        BEGIN;
        CREATE TABLE a (id int PRIMARY KEY, b_id int);
        CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a MATCH FULL ON UPDATE CASCADE);
        ALTER TABLE a ADD CONSTRAINT a_b_fk FOREIGN KEY (b_id) REFERENCES b (id) DEFERRABLE,
                      ADD CHECK (b_id > 0), ADD UNIQUE NULLS NOT DISTINCT (b_id);
        CREATE TABLE log (at date NOT NULL, msg text) PARTITION BY RANGE (at);
        CREATE TABLE log_2024 PARTITION OF log FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE TABLE log_rest PARTITION OF public.log DEFAULT;
        COMMIT;
    """})
    c = load_project(root).catalog
    a, b, log = c.table("a"), c.table("b"), c.table("log")
    assert a.foreign_keys == (ForeignKey("a_b_fk", ("b_id",), "public", "b", ("id",), deferrable=True),)
    assert a.checks == (CheckConstraint("a_b_id_check", "b_id > 0"),)
    assert a.uniques == (UniqueConstraint("a_b_id_key", ("b_id",), nulls_not_distinct=True),)
    # REFERENCES a without columns: the primary key of a
    assert b.foreign_keys == (ForeignKey("b_a_id_fkey", ("a_id",), "public", "a", ("id",),
                                         on_update="cascade", match="full"),)
    assert log.partition_by == "RANGE (at)"
    assert log.partitions == (
        Partition("log_2024", "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"),
        Partition("log_rest", "DEFAULT"),
    )


def test_grants_revokes_and_comments(tmp_path):
    root = write_project(tmp_path, {
        "project.yaml": "schemas: [app]\n",
        "schema/app/objects.sql": """
            CREATE TABLE app.t (id int, note text);
            CREATE TABLE app.u (id int);
            CREATE INDEX t_note ON app.t (note);
            CREATE TYPE app.kind AS ENUM ('a', 'b');
            CREATE FUNCTION app.f(a int, VARIADIC rest text[], OUT total int, INOUT mode text)
                LANGUAGE sql AS 'select 1, mode';
            CREATE FUNCTION app.g() RETURNS TABLE (id int, "Name" text)
                LANGUAGE sql SET work_mem = '64MB' SET search_path TO app, "$user" AS 'select 1, 2';
            GRANT ALL ON ALL TABLES IN SCHEMA app TO service_role;
            GRANT SELECT, UPDATE ON app.t TO authenticated, PUBLIC;
            REVOKE UPDATE ON app.t FROM PUBLIC;
            REVOKE TRUNCATE ON app.u FROM service_role;
            GRANT USAGE ON SCHEMA app TO anon;
            GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA app TO authenticated;
            REVOKE EXECUTE ON FUNCTION app.g FROM authenticated;
            COMMENT ON SCHEMA app IS 'The app.';
            COMMENT ON TYPE app.kind IS 'Kinds.';
            COMMENT ON INDEX app.t_note IS 'Notes.';
            COMMENT ON FUNCTION app.g() IS 'G.';
            COMMENT ON TABLE app.t IS NULL;
        """,
    })
    c = load_project(root).catalog
    t, u = c.table("app.t"), c.table("app.u")
    assert t.grants == (
        Grant("authenticated", ("select", "update")),
        Grant("public", ("select",)),
        Grant("service_role", TABLE_PRIVILEGES and tuple(sorted(TABLE_PRIVILEGES))),
    )
    assert u.grants == (Grant("service_role", tuple(sorted(set(TABLE_PRIVILEGES) - {"truncate"}))),)
    assert t.indexes == (Index("t_note", ("note",), comment="Notes."),)
    assert t.comment is None
    assert c.schemas[0].comment == "The app." and c.schemas[0].grants == (Grant("anon", ("usage",)),)
    assert c.enums[0].comment == "Kinds."
    f, g = c.functions
    assert f.key == "app.f(integer, text[], text)"  # as oidvectortypes(proargtypes) prints it
    assert f.returns == "record"
    # every routine starts with PostgreSQL's default (PUBLIC may execute); GRANTs add to it
    assert f.grants == (Grant("authenticated", ("execute",)), Grant("public", ("execute",)))
    assert g.returns == 'TABLE(id integer, "Name" text)'
    assert g.config == ("work_mem=64MB", 'search_path=app, "$user"')  # SET clause order
    assert g.search_path == 'app, "$user"'
    assert g.grants == (Grant("public", ("execute",)),) and g.comment == "G."


def test_policies_rls_and_views_in_sql(tmp_path):
    root = write_project(tmp_path, {
        "schema/public/t.sql": """
            CREATE TABLE t (id int, owner uuid);
            ALTER TABLE t ENABLE ROW LEVEL SECURITY;
            ALTER TABLE t FORCE ROW LEVEL SECURITY;
            ALTER TABLE t NO FORCE ROW LEVEL SECURITY;
            CREATE VIEW v WITH (security_barrier) AS SELECT id FROM t;
        """,
        "policies/public/t.sql": """
            CREATE POLICY "Own rows" ON t AS PERMISSIVE FOR UPDATE TO authenticated
                USING (owner = auth.uid()) WITH CHECK (owner = auth.uid());
            CREATE POLICY everyone ON t USING (true);
        """,
    })
    c = load_project(root).catalog
    t = c.table("t")
    assert (t.rls_enabled, t.rls_forced) == (True, False)
    assert t.policies == (
        Policy("Own rows", command="update", roles=("authenticated",), using="owner = auth.uid()",
               with_check="owner = auth.uid()"),
        Policy("everyone", using="TRUE"),  # as pglast prints it
    )
    v = c.view("v")
    assert (v.security_barrier, v.security_invoker, v.query) == (True, False, "SELECT id FROM t")
    assert v.depends_on == ("public.t",)


def test_yaml_shorthands_and_defaults(tmp_path):
    root = write_project(tmp_path, {
        "schema/public/p.yaml": "columns: {id: int}\nprimary_key: id\n",
        "schema/public/t.yaml": """
            columns:
              id: int
              p_id: int
              name: text
            foreign_keys:
              - {columns: p_id, references: p}
            indexes:
              - [name, id]
            checks:
              - "name <> ''"
            grants:
              service_role: all
              authenticated: select, insert
        """,
        "policies/public/t.yaml": "policies:\n  - {name: read, using: 'true'}\n",
        "policies/public/p.yaml": "rls: disabled\n",
    })
    c = load_project(root).catalog
    t, p = c.table("t"), c.table("p")
    assert p.primary_key.columns == ("id",) and p.column("id").nullable is False
    assert t.foreign_keys[0].ref_columns == ("id",)
    assert t.indexes == (Index("t_name_id_idx", ("name", "id")),)
    assert t.checks == (CheckConstraint("t_name_check", "name <> ''"),)
    assert t.grants == (Grant("authenticated", ("insert", "select")),
                        Grant("service_role", tuple(sorted(TABLE_PRIVILEGES))))
    # rls defaults to enabled when a policies file declares policies
    assert t.rls_enabled and t.policies == (Policy("read", using="true"),)
    assert not p.rls_enabled


def test_materialized_view_from_header_with_indexes(tmp_path):
    root = write_project(tmp_path, {
        "schema/public/t.yaml": "columns: {id: int, n: int}\n",
        "views/public/totals.sql": """
            -- materialized: true
            -- columns: [id, total]
            -- indexes: [{columns: [id], unique: true}, [total]]
            SELECT id, sum(n) FROM t GROUP BY id;
        """,
    })
    v = load_project(root).catalog.view("totals")
    assert v.materialized and v.column_names == ("id", "total")
    assert v.query == "SELECT id, sum(n) FROM t GROUP BY id"
    assert v.indexes == (Index("totals_id_idx", ("id",), unique=True), Index("totals_total_idx", ("total",)))


def test_header_errors_point_into_the_header(tmp_path):
    import pytest

    from roseram_schema.errors import SourceError

    root = write_project(tmp_path, {
        "schema/public/t.yaml": "columns: {id: int}\n",
        "views/public/v.sql": "-- materialized: true\n-- indexes: [{columns: [id], where: id >}]\nSELECT id FROM t\n",
    })
    with pytest.raises(SourceError) as excinfo:
        load_project(root)
    assert [str(p.origin) for p in excinfo.value.problems] == ["views/public/v.sql:2:41"]  # just after the dangling ">"


def test_view_file_comments_that_look_like_header_lines(tmp_path):
    """In a CREATE VIEW file, `-- Note: ...` is a comment, not a header key."""
    root = write_project(tmp_path, {
        "schema/public/t.yaml": "columns: {id: int}\n",
        "views/public/v.sql": "-- Note: the ids only.\nCREATE VIEW v AS SELECT id FROM t;\n",
    })
    v = load_project(root).catalog.view("v")
    assert v.query == "SELECT id FROM t" and str(v.origin) == "views/public/v.sql:2:1"


def test_broken_create_view_points_at_the_syntax_error(tmp_path):
    import pytest

    from roseram_schema.errors import SourceError

    root = write_project(tmp_path, {
        "views/public/v.sql": "-- security_invoker: true\nCREATE VIEW v AS SELECT 1;\nCREATE INDEX ON v (;\n",
    })
    with pytest.raises(SourceError) as excinfo:
        load_project(root)
    assert [str(p.origin) for p in excinfo.value.problems] == ["views/public/v.sql:3:20"]


def test_comment_on_an_index_named_by_postgresql(tmp_path):
    root = write_project(tmp_path, {"schema/public/t.sql": """
        COMMENT ON INDEX t_b_idx IS 'Lookups by b.';
        CREATE INDEX ON t (b);
        CREATE TABLE t (a int, b int);
    """})
    assert load_project(root).catalog.table("t").indexes == (Index("t_b_idx", ("b",), comment="Lookups by b."),)
