"""Hypothesis, against a real server: for generated schemas a and b, applying plan(a -> b) to
a database built from a gives a database that reads back equal to b (normalized), and
planning again gives nothing. Also: diff(c, c) is empty for every generated c."""

from __future__ import annotations

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roseram_schema.apply.executor import apply_plan
from roseram_schema.compile.script import compile_statements
from roseram_schema.diff import diff_catalogs
from dataclasses import replace

from roseram_schema.model import (
    CheckConstraint,
    Column,
    ForeignKey,
    Grant,
    Index,
    Policy,
    PrimaryKey,
    Table,
    UniqueConstraint,
    View,
    build_catalog,
)
from roseram_schema.normalize.catalog import apply_statements, normalize_catalog
from roseram_schema.plan import HAZARD_NAMES, build_plan, managed_fingerprint
from roseram_schema.platform import ensure_platform

from .dbutil import inspect_url

# optional columns: name -> (possible types, possible defaults)
COLUMN_POOL = {
    "name": (("text", "character varying(40)"), (None, "'x'")),
    "score": (("integer", "bigint"), (None, "0")),
    "flag": (("boolean",), (None, "false")),
    "created": (("timestamp with time zone",), (None, "now()")),
}


@st.composite
def tables(draw, name: str):
    columns = [Column("id", "integer", nullable=False)]
    for col in sorted(COLUMN_POOL):
        if draw(st.booleans()):
            types, defaults = COLUMN_POOL[col]
            columns.append(Column(col, draw(st.sampled_from(types)), nullable=draw(st.booleans()),
                                  default=draw(st.sampled_from(defaults))))
    optional = [c.name for c in columns[1:]]
    indexes = ()
    if optional and draw(st.booleans()):
        col = draw(st.sampled_from(optional))
        indexes = (Index(f"{name}_{col}_idx", (col,)),)
    checks = ()
    if "score" in optional and draw(st.booleans()):
        checks = (CheckConstraint(f"{name}_score_check", draw(st.sampled_from(("score >= 0", "score < 1000")))),)
    uniques = ()
    if "name" in optional and draw(st.booleans()):
        uniques = (UniqueConstraint(f"{name}_name_key", ("name",)),)
    rls = draw(st.booleans())
    policies = ()
    if draw(st.booleans()):
        policies = (Policy("p", command=draw(st.sampled_from(("all", "select"))),
                           roles=draw(st.sampled_from((("authenticated",), ("anon", "authenticated")))),
                           using=draw(st.sampled_from(("id > 0", "true")))),)
    privileges = draw(st.sets(st.sampled_from(("select", "insert", "update", "delete"))))
    grants = (Grant("authenticated", tuple(sorted(privileges))),) if privileges else ()
    return Table("public", name, tuple(columns), primary_key=PrimaryKey(f"{name}_pkey", ("id",)),
                 checks=checks, uniques=uniques, indexes=indexes, rls_enabled=rls, policies=policies,
                 grants=grants)


@st.composite
def catalogs(draw):
    chosen = draw(st.sets(st.sampled_from(("alpha", "beta", "gamma")), min_size=1))
    ts = [draw(tables(n)) for n in sorted(chosen)]
    if len(ts) > 1 and draw(st.booleans()):
        # the last table references the first (a foreign key on an existing or new table)
        ref, last = ts[0], ts[-1]
        col = Column(f"{ref.name}_id", "integer")
        fk = ForeignKey(f"{last.name}_{ref.name}_id_fkey", (col.name,), "public", ref.name, ("id",),
                        on_delete=draw(st.sampled_from(("no action", "cascade"))))
        ts[-1] = replace(last, columns=(*last.columns, col), foreign_keys=(fk,))
    views = []
    base = draw(st.sampled_from(ts))
    if draw(st.booleans()):
        cols = ["id"] + [c.name for c in base.columns[1:] if draw(st.booleans())]
        views.append(View("public", f"v_{base.name}", f"SELECT {', '.join(cols)} FROM public.{base.name}",
                          depends_on=(f"public.{base.name}",)))
    return build_catalog(tables=ts, views=views)


@given(catalogs())
@settings(max_examples=60, deadline=None)
def test_diff_of_a_catalog_with_itself_is_empty(c):
    assert diff_catalogs(c, c) == ()


@given(a=catalogs(), b=catalogs())
@settings(max_examples=int(__import__("os").environ.get("PLAN_PROP_EXAMPLES", "12")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_applying_plan_a_to_b_gives_b(a, b, make_db, pg_server):
    dev = pg_server.base_url
    url = make_db("plan_prop")
    with psycopg.connect(url, autocommit=True) as conn:
        ensure_platform(conn)
        apply_statements(conn, compile_statements(a))
    desired = normalize_catalog(b, dev)
    live = inspect_url(url)
    plan = build_plan(live, desired, source=b)
    result = apply_plan(url, plan, allow_hazards=HAZARD_NAMES)
    assert result.status in ("applied", "no changes")
    after = inspect_url(url)
    assert [c.describe() for c in diff_catalogs(after, desired)] == []
    assert build_plan(after, desired).empty
    assert managed_fingerprint(after) == managed_fingerprint(desired)
