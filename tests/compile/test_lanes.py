"""The parallel build (compile/lanes.py, normalize/parallel.py): the same schema as the guarded
compiled script, every statement in exactly one phase, lanes that never wait for each
other, and the compiled script's errors when a statement is rejected."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import psycopg
import pytest

from bench_generator import write_generated_project
from roseram_schema.compile.script import build_in_lanes, build_statements, compile_statements
from roseram_schema.errors import SourceError
from roseram_schema.model import CheckConstraint, Column, Role, Table
from roseram_schema.normalize.catalog import apply_statements, build_schema
from roseram_schema.normalize.parallel import LANES, build_in_lanes as build_with_lanes, worth_lanes
from roseram_schema.source import load_project

from .catalogs import everything_catalog
from .test_build_statements import PROJECTS, ROSERAM, _built, _platform_db, _state


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A 60-table project of bench/generate.py (foreign keys within and across tables,
    to auth.users, policies, views, triggers)."""
    return load_project(write_generated_project(tmp_path_factory.mktemp("gen") / "p", 60, 11)).catalog


def _phases(catalog):
    first, rest = build_in_lanes(catalog, LANES)
    return first, rest()


def _in_lanes(url: str, catalog) -> None:
    """Build with lanes, failing (not falling back) when they do not go through."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET check_function_bodies = off")
        after = build_with_lanes(conn, url, catalog, lambda: None)
        assert after is not None, "the lane split did not hold"
        for statement in after:
            conn.execute(statement.sql)


def _assert_same_as_guarded(make_db, catalog) -> None:
    guarded, lanes = _platform_db(make_db), _platform_db(make_db)
    _built(guarded, lambda conn: apply_statements(conn, compile_statements(catalog)))
    _in_lanes(lanes, catalog)
    assert _state(lanes, catalog) == _state(guarded, catalog)


def test_every_statement_in_one_phase(generated):
    first, rest = _phases(generated)
    placed = [s.sql for part in (first, rest)
              for s in (*part.prelude, *part.serial, *part.after_commit, *(s for lane in part.lanes for s in lane))]
    assert Counter(placed) == Counter(s.sql for s in build_statements(generated))
    # the tables are shared out, and most of the work follows them
    tables = [[s for s in lane if s.obj.startswith("table ")] for lane in first.lanes]
    assert all(len(t) >= 20 for t in tables), [len(t) for t in tables]
    assert not first.serial  # nothing of the first part spans two lanes here
    assert len(rest.serial) < sum(len(lane) for lane in rest.lanes) / 3


def test_foreign_keys_to_tables_no_lane_builds_wait_for_the_lanes(generated):
    first, rest = _phases(generated)
    to_auth = [s.obj for s in build_statements(generated) if "REFERENCES auth.users" in s.sql]
    assert len(to_auth) >= 10
    in_lanes = {s.obj for lane in (*first.lanes, *rest.lanes) for s in lane}
    assert not in_lanes & set(to_auth)


def test_a_foreign_key_between_lanes_is_serial(generated):
    first, rest = _phases(generated)
    lane_of = {s.obj.split()[1]: i for i, lane in enumerate(first.lanes) for s in lane if s.obj.startswith("table ")}
    crossing = [(t, fk) for t in generated.tables for fk in t.foreign_keys
                if f"{fk.ref_schema}.{fk.ref_table}" in lane_of and lane_of[f"{fk.ref_schema}.{fk.ref_table}"] != lane_of[t.key]]
    assert crossing
    serial = {s.obj for s in rest.serial}
    assert all(f"constraint {t.key}.{fk.name}" in serial for t, fk in crossing)


def test_lanes_build_what_the_compiled_script_builds(make_db, generated):
    _assert_same_as_guarded(make_db, generated)


@pytest.mark.parametrize("project", PROJECTS, ids=[str(p.relative_to(ROSERAM)) for p in PROJECTS])
def test_lanes_build_every_project_as_the_compiled_script(project, make_db):
    _assert_same_as_guarded(make_db, load_project(project).catalog)


def test_lanes_build_every_feature(make_db):
    _assert_same_as_guarded(make_db, everything_catalog())


def test_lanes_only_from_the_threshold_and_with_every_role_on_the_server(make_db, generated):
    url = _platform_db(make_db)
    with psycopg.connect(url, autocommit=True) as conn:
        assert worth_lanes(conn, generated, 60)
        assert not worth_lanes(conn, generated, 61)
        missing = replace(generated, roles=(*generated.roles, Role("nobody_yet")))
        assert not worth_lanes(conn, missing, 1), "a role that is not on the server yet: serial"


def test_a_rejected_statement_in_a_lane_is_blamed_as_the_compiled_script_blames_it(make_db, generated):
    bad = Table("public", "bad", columns=(Column("id", "integer"),),
                checks=(CheckConstraint("bad_id_check", "no_such_column > 0"),))
    cat = replace(generated, tables=(*generated.tables, bad))
    url = _platform_db(make_db)
    with psycopg.connect(url, autocommit=True) as conn:
        with pytest.raises(psycopg.Error):
            build_with_lanes(conn, url, cat, lambda: None)
        # both lanes rolled back: no table of the source is there
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0
    for lanes_from, prelude_left in ((1, True), (10_000, False)):
        url = _platform_db(make_db)
        with psycopg.connect(url, autocommit=True) as conn:
            with pytest.raises(SourceError) as caught:
                build_schema(conn, cat, url=url, lanes_from=lanes_from)
            assert "constraint public.bad.bad_id_check" in str(caught.value)
            assert conn.execute("SELECT to_regclass('public.bad')").fetchone()[0] is None
            # build_schema took the lanes only from the threshold on: their committed prelude
            # (functions, ...) is what a failed build leaves in its new database
            left = conn.execute("SELECT to_regprocedure('public.set_updated_at()')").fetchone()[0] is not None
            assert left is prelude_left, lanes_from
