"""Column changes re-create only the views that read the changed columns (PostgreSQL tracks
view dependencies per column), checked against pg_depend and by applying the plans."""

from __future__ import annotations

import psycopg
import pytest

from roseram_schema.apply.executor import apply_plan
from roseram_schema.introspect import inspect_catalog, inspect_row_estimates
from roseram_schema.plan import build_plan
from roseram_schema.plan.expand import view_column_reads

from .dbutil import catalog_from_sql, inspect_url, run_sql

TABLE = """
CREATE TABLE public.t (id integer PRIMARY KEY, a integer, b text, c varchar(10));
CREATE TABLE public.u (id integer, t_id integer, x text);
"""
ROWS = "INSERT INTO public.t SELECT g, g, 'b', 'c' FROM generate_series(1, 20) g; ANALYZE public.t;"
READS_A = """
CREATE VIEW public.v_a AS SELECT id, a FROM public.t;
CREATE VIEW public.v_count AS SELECT count(*) AS n FROM public.t;
CREATE VIEW public.v_on_a AS SELECT a FROM public.v_a;
"""
READS_C = """
CREATE VIEW public.v_c AS SELECT id, c FROM public.t;
CREATE VIEW public.v_on_c AS SELECT c FROM public.v_c;
"""
VIEW_SHAPES = {
    "columns": "SELECT id, a FROM public.t",
    "star": "SELECT * FROM public.t",
    "join": "SELECT t.id, u.x FROM public.t JOIN public.u ON u.t_id = t.id WHERE t.b IS NOT NULL",
    "count": "SELECT count(*) FROM public.t",
    "whole_row": "SELECT row_to_json(t) AS j FROM public.t",
    "using": "SELECT id, x FROM public.t JOIN public.u USING (id)",
    "cte": "WITH w AS (SELECT a, b FROM public.t) SELECT w.a FROM w",
    "subquery": "SELECT s.a FROM (SELECT * FROM public.t) s",
    "order_by": "SELECT id FROM public.t ORDER BY c",
    "aliases": "SELECT x.a, y.x FROM public.t x, public.u y WHERE y.t_id = x.id",
    "sublink": "SELECT id FROM public.t WHERE EXISTS (SELECT 1 FROM public.u WHERE u.t_id = t.id AND u.x = t.b)",
    "natural": "SELECT * FROM public.t NATURAL JOIN public.u",
    "grouped": "SELECT b, max(a) AS top FROM public.t GROUP BY b HAVING min(c) > 'a'",
}


def _changes(plan) -> list[tuple[str, str]]:
    return [(s.change, s.obj) for s in plan.statements]


def test_dropping_a_column_recreates_only_views_that_read_it(platform_db_url, make_db):
    run_sql(platform_db_url, TABLE + ROWS + READS_A + READS_C)
    desired = catalog_from_sql(make_db, TABLE.replace(", c varchar(10)", "") + READS_A)
    plan = build_plan(inspect_url(platform_db_url), desired)
    changes = _changes(plan)
    assert ("DropColumn", "public.t.c") in changes
    assert {obj for kind, obj in changes if kind in ("DropView", "CreateView")} == {"public.v_c", "public.v_on_c"}
    assert not [h for s in plan.statements for h in s.hazards if h.name == "recreates_view"]
    result = apply_plan(platform_db_url, plan, allow_hazards=("deletes_data",))
    assert result.applied  # PostgreSQL let the column go with v_a, v_count and v_on_a in place
    assert build_plan(inspect_url(platform_db_url), desired).empty
    with psycopg.connect(platform_db_url) as conn:
        assert conn.execute("SELECT count(*) FROM public.v_on_a").fetchone()[0] == 20


def test_changing_a_column_type_recreates_the_views_that_read_it_and_their_readers(platform_db_url, make_db):
    run_sql(platform_db_url, TABLE + ROWS + READS_A + READS_C)
    desired = catalog_from_sql(make_db, (TABLE + READS_A + READS_C).replace("a integer", "a bigint"))
    with psycopg.connect(platform_db_url) as conn:
        estimates = inspect_row_estimates(conn, ["public"])
    plan = build_plan(inspect_url(platform_db_url), desired, row_estimates=estimates)
    changes = _changes(plan)
    recreated = {obj for kind, obj in changes if kind == "CreateView"}
    assert recreated == {"public.v_a", "public.v_on_a"}  # v_count and v_c read no `a`
    assert apply_plan(platform_db_url, plan).applied
    assert build_plan(inspect_url(platform_db_url), desired).empty


def test_column_reads_cover_what_pg_depend_records(db_url):
    """The parse over-approximates PostgreSQL's own per-column dependencies, never misses one."""
    sql = TABLE + "".join(f"CREATE VIEW public.{name} AS {query};\n" for name, query in VIEW_SHAPES.items())
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(sql)
        rows = conn.execute("""
            SELECT v.relname, n.nspname || '.' || r.relname, a.attname
            FROM pg_class v
            JOIN pg_rewrite w ON w.ev_class = v.oid
            JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid
                            AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> v.oid
            JOIN pg_class r ON r.oid = d.refobjid
            JOIN pg_namespace n ON n.oid = r.relnamespace
            LEFT JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = d.refobjsubid AND d.refobjsubid > 0
            WHERE v.relnamespace = 'public'::regnamespace AND v.relkind = 'v'""").fetchall()
        views = {v.name: v for v in inspect_catalog(conn, ["public"]).views}
    recorded: dict[str, dict[str, set[str]]] = {}
    for view, relation, column in rows:
        cols = recorded.setdefault(view, {}).setdefault(relation, set())
        if column is not None:
            cols.add(column)
    assert set(recorded) == set(VIEW_SHAPES)
    exact = 0
    for name, per_relation in sorted(recorded.items()):
        reads = view_column_reads(views[name])
        assert set(reads) == set(per_relation), name
        for relation, columns in per_relation.items():
            if reads[relation] is None:
                continue  # unsure: every column counts
            assert columns <= reads[relation], (name, relation)
            exact += reads[relation] == columns
    assert exact >= 10  # precise for the common shapes, not just "unsure" everywhere


@pytest.mark.parametrize("query", ["SELECT 1 FROM", "SELECT t.id FROM public.t; SELECT 1"])
def test_a_query_that_does_not_parse_as_one_select_reads_everything(query):
    from roseram_schema.model import View

    assert view_column_reads(View("public", "v", query, depends_on=("public.t",))) == {"public.t": None}
