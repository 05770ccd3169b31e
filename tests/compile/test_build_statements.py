"""build_statements / normalize.build_schema: the unguarded build of a new database gives
exactly what the guarded compiled script gives (same pg_dump, same inspected catalog),
and falls back to the compiled script, with its errors, when it cannot be used."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from roseram_schema.compile.script import build_statements, compile_statements
from roseram_schema.errors import PlanCycleError, SourceError
from roseram_schema.model import CheckConstraint, Column, Function, Table, View, build_catalog
from roseram_schema.normalize.catalog import apply_statements, build_schema, inspect_like_source, managed_schemas
from roseram_schema.source import load_project

from .catalogs import everything_catalog
from .conftest import dump_schemas

CASES = Path(__file__).resolve().parents[1] / "cases"
ROSERAM = Path(__file__).resolve().parents[2]
PROJECTS = sorted(p for p in (CASES / "compile").iterdir() if p.is_dir())
PROJECTS += sorted(p / "after" for p in (CASES / "plan").iterdir() if (p / "after").is_dir())
PROJECTS.append(ROSERAM)


def _built(url: str, build) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        build(conn)


def _state(url: str, catalog) -> tuple[str, object]:
    with psycopg.connect(url, autocommit=True) as conn:
        inspected = inspect_like_source(conn, catalog)
    schemas = sorted({*managed_schemas(catalog), "auth"})
    return dump_schemas(url, schemas), inspected


def _platform_db(make_db) -> str:
    from roseram_schema.platform import ensure_platform

    url = make_db()
    with psycopg.connect(url, autocommit=True) as conn:
        ensure_platform(conn)
    return url


def _assert_same_build(make_db, catalog) -> None:
    guarded, fresh = _platform_db(make_db), _platform_db(make_db)
    _built(guarded, lambda conn: apply_statements(conn, compile_statements(catalog)))
    _built(fresh, lambda conn: build_schema(conn, catalog))
    assert _state(fresh, catalog) == _state(guarded, catalog)


@pytest.mark.parametrize("project", PROJECTS, ids=[str(p.relative_to(ROSERAM)) for p in PROJECTS])
def test_same_schema_as_the_compiled_script(project: Path, make_db):
    _assert_same_build(make_db, load_project(project).catalog)


def test_same_schema_for_every_feature(make_db):
    _assert_same_build(make_db, everything_catalog())


def test_no_guards_and_constraints_inline():
    cat = everything_catalog()
    fresh = build_statements(cat)
    sql = "\n".join(s.sql for s in fresh)
    assert "ADD COLUMN IF NOT EXISTS" not in sql
    assert "DROP POLICY" not in sql
    guarded = [s for s in fresh if s.sql.startswith("DO ")]
    # only roles, extensions, enums and constraint triggers keep their guards
    assert all(s.obj.split()[0] in ("role", "extension", "enum", "trigger") for s in guarded), [s.obj for s in guarded]
    orgs = next(s.sql for s in fresh if s.obj == "table app.organizations")
    assert "PRIMARY KEY" in orgs
    assert len(fresh) < len(compile_statements(cat))


def _check_calling_its_own_row_type():
    # f(t) reads the row type of t, and t's check calls f: only a separate ADD CONSTRAINT
    # (the guarded script) can order that
    f = Function("public", "ok", "public.t",
                 "CREATE OR REPLACE FUNCTION public.ok(t public.t) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$",
                 returns="boolean")
    t = Table("public", "t", columns=(Column("id", "integer"),),
              checks=(CheckConstraint("t_id_check", "public.ok(NULL::public.t)"),))
    return build_catalog(tables=[t], functions=[f])


def test_a_cycle_falls_back_to_the_compiled_script(make_db):
    cat = _check_calling_its_own_row_type()
    with pytest.raises(PlanCycleError):
        build_statements(cat)
    compile_statements(cat)  # the guarded form orders it
    _assert_same_build(make_db, cat)


def test_a_rejected_statement_is_blamed_as_the_compiled_script_blames_it(make_db):
    bad = Table("public", "bad", columns=(Column("id", "integer"),),
                checks=(CheckConstraint("bad_id_check", "no_such_column > 0"),))
    cat = replace(everything_catalog(), tables=(*everything_catalog().tables, bad))
    url = _platform_db(make_db)
    with psycopg.connect(url, autocommit=True) as conn:
        with pytest.raises(SourceError) as caught:
            build_schema(conn, cat)
        # the guarded script ran after the rollback and stopped at the same constraint
        assert "constraint public.bad.bad_id_check" in str(caught.value)
        assert conn.execute("SELECT to_regclass('public.bad')").fetchone()[0] is None


def _table_of_a_view_row_type():
    v = View("public", "v", "SELECT 1 AS one")
    t = Table("public", "t", columns=(Column("id", "integer"), Column("row", "public.v")))
    return build_catalog(tables=[t], views=[v])


def test_a_table_of_a_view_row_type_builds_as_the_guarded_script_does(make_db):
    _assert_same_build(make_db, _table_of_a_view_row_type())


def test_while_building_runs_and_its_error_comes_after_the_build(make_db):
    url = _platform_db(make_db)
    ran = []
    with psycopg.connect(url, autocommit=True) as conn:
        build_schema(conn, everything_catalog(), while_building=lambda: ran.append(True))
    assert ran == [True]

    def broken():
        raise RuntimeError("while_building failed")

    url = _platform_db(make_db)
    with psycopg.connect(url, autocommit=True) as conn:
        with pytest.raises(RuntimeError, match="while_building failed"):
            build_schema(conn, everything_catalog(), while_building=broken)
        # the build itself went through
        assert conn.execute("SELECT to_regclass('app.organizations')").fetchone()[0] is not None


def test_a_build_error_wins_over_while_building(make_db):
    bad = Table("public", "bad", columns=(Column("id", "integer"),),
                checks=(CheckConstraint("bad_id_check", "no_such_column > 0"),))

    def broken():
        raise RuntimeError("while_building failed")

    url = _platform_db(make_db)
    with psycopg.connect(url, autocommit=True) as conn:
        with pytest.raises(SourceError):
            build_schema(conn, build_catalog(tables=[bad]), while_building=broken)
