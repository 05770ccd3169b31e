"""Function settings and signatures as the loader models them, checked against a real server."""

from __future__ import annotations

from roseram_schema.source import load_project

from .helpers import write_project

DDL = """
CREATE SCHEMA app;
CREATE TYPE app.kind AS ENUM ('x');
CREATE TYPE public.mood AS ENUM ('y');
CREATE FUNCTION app.a(k app.kind, m public.mood, n mood[], t timestamptz, v varchar(3), f float)
    RETURNS SETOF timestamp LANGUAGE sql SET search_path = '' AS 'select now()::timestamp';
CREATE FUNCTION app.g() RETURNS TABLE (id int4, "Name" text, at time) LANGUAGE sql
    SET work_mem = '1MB' SET search_path = app SET work_mem = '2MB' AS 'select 1, null, null::time';
CREATE FUNCTION app.b(x uuid, y text DEFAULT 'z') RETURNS int LANGUAGE sql
    SET search_path = public, pg_temp SET work_mem = '64MB' AS 'select 1';
CREATE FUNCTION app.c(VARIADIC xs integer[]) RETURNS int LANGUAGE sql
    SET search_path TO app, "$user", "Odd Name" SET statement_timeout = 5000 AS 'select 1';
CREATE FUNCTION app.d(IN a int, OUT b text, INOUT c bigint) LANGUAGE sql
    SET lock_timeout = '1s' AS 'select null::text, 1::bigint';
CREATE PROCEDURE app.e(a varchar(10), b double precision) LANGUAGE sql AS 'select 1';
"""


def test_config_and_identity_args_match_the_server(db_conn, tmp_path):
    db_conn.execute(DDL)
    rows = db_conn.execute(
        "SELECT p.proname, coalesce(p.proconfig, '{}'), pg_get_function_identity_arguments(p.oid)"
        " FROM pg_proc p WHERE p.pronamespace = 'app'::regnamespace ORDER BY 1"
    ).fetchall()
    server = {name: (tuple(config), args) for name, config, args in rows}
    types = dict(db_conn.execute(
        "SELECT p.proname, pg_catalog.oidvectortypes(p.proargtypes) FROM pg_proc p"
        " WHERE p.pronamespace = 'app'::regnamespace").fetchall())
    results = dict(db_conn.execute(
        "SELECT p.proname, coalesce(pg_get_function_result(p.oid), '') FROM pg_proc p"
        " WHERE p.pronamespace = 'app'::regnamespace").fetchall())
    root = write_project(tmp_path, {"schema/app/functions.sql": DDL})
    loaded = {f.name: f for f in load_project(root).catalog.functions}
    assert sorted(loaded) == sorted(server)
    for name, (config, _) in server.items():
        assert loaded[name].config == config, name  # same settings, same order
        assert loaded[name].identity_args == types[name], name  # oidvectortypes(proargtypes)
        assert loaded[name].returns == results[name], name  # pg_get_function_result
    assert loaded["b"].identity_args == "uuid, text"
    assert loaded["c"].identity_args == "integer[]"
