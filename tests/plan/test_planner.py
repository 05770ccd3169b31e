"""The pure planner: ordering rules, hazards, CONCURRENTLY, JSON round trip, determinism."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from roseram_schema.model import CheckConstraint, Column, ForeignKey, Grant, Index, PrimaryKey, Table, build_catalog
from roseram_schema.plan import Plan, PlanFormatError, build_plan, plan_from_json, plan_to_json
from roseram_schema.render import render_drift, render_plan, rich_plan
from roseram_schema.diff import diff_catalogs

from .catalogs import base_catalog, projects_table, tasks_table


def position(plan: Plan, change: str, obj: str, nth: int = 0) -> int:
    hits = [i for i, s in enumerate(plan.statements) if s.change == change and s.obj == obj]
    assert len(hits) > nth, f"{change} {obj} not in plan: {[(s.change, s.obj) for s in plan.statements]}"
    return hits[nth]


def test_policies_are_created_before_rls_is_enabled():
    plan = build_plan(build_catalog(), build_catalog(tables=[projects_table()]))
    assert position(plan, "CreatePolicy", "public.projects.own") < position(plan, "SetRowSecurity", "public.projects")
    # and grants come after RLS: the table is never readable without its policies
    assert position(plan, "SetRowSecurity", "public.projects") < position(plan, "Grant", "public.projects:authenticated")


def test_rls_is_disabled_before_policies_are_dropped():
    after = projects_table(rls_enabled=False, policies=())
    plan = build_plan(build_catalog(tables=[projects_table()]), build_catalog(tables=[after]))
    assert position(plan, "SetRowSecurity", "public.projects") < position(plan, "DropPolicy", "public.projects.own")


def test_dependent_views_are_dropped_before_a_column_change_and_recreated_after():
    cols = list(projects_table().columns)
    cols[2] = replace(cols[2], type="text")
    desired = base_catalog(tables=[projects_table(columns=tuple(cols)), tasks_table()])
    plan = build_plan(base_catalog(), desired)
    drop = position(plan, "DropView", "public.project_stats")
    alter = position(plan, "AlterColumnType", "public.projects.name")
    create = position(plan, "CreateView", "public.project_stats")
    assert drop < alter < create
    assert [h.name for h in plan.statements[create].hazards] == ["recreates_view"]


def test_policy_mentioning_a_retyped_column_is_dropped_and_recreated_around_it():
    cols = list(projects_table().columns)
    cols[1] = replace(cols[1], type="text")
    desired = base_catalog(tables=[projects_table(columns=tuple(cols)), tasks_table()])
    plan = build_plan(base_catalog(), desired)
    assert (position(plan, "DropPolicy", "public.projects.own")
            < position(plan, "AlterColumnType", "public.projects.user_id")
            < position(plan, "CreatePolicy", "public.projects.own"))


def test_foreign_key_cycle_creates_tables_first_then_constraints():
    a = Table("public", "a", (Column("id", "integer", False), Column("b_id", "integer")),
              primary_key=PrimaryKey("a_pkey", ("id",)),
              foreign_keys=(ForeignKey("a_b_id_fkey", ("b_id",), "public", "b", ("id",)),))
    b = Table("public", "b", (Column("id", "integer", False), Column("a_id", "integer")),
              primary_key=PrimaryKey("b_pkey", ("id",)),
              foreign_keys=(ForeignKey("b_a_id_fkey", ("a_id",), "public", "a", ("id",)),))
    plan = build_plan(build_catalog(), build_catalog(tables=[a, b]))
    kinds = [s.change for s in plan.statements]
    assert kinds == ["CreateTable", "CreateTable", "AddConstraint", "AddConstraint"]
    assert all("NOT VALID" not in s.sql for s in plan.statements)  # new tables: nothing to validate


def test_new_check_and_foreign_key_on_existing_table_are_not_valid_then_validated():
    t = tasks_table(checks=(CheckConstraint("tasks_title_check", "(title <> '')"),))
    plan = build_plan(base_catalog(), base_catalog(tables=[projects_table(), t]))
    sqls = [s.sql for s in plan.statements if s.obj == "public.tasks.tasks_title_check"]
    assert sqls == [
        "ALTER TABLE public.tasks ADD CONSTRAINT tasks_title_check CHECK ((title <> '')) NOT VALID",
        "ALTER TABLE public.tasks VALIDATE CONSTRAINT tasks_title_check",
    ]


def test_index_concurrently_outside_the_transaction_when_rows_or_online():
    p = projects_table(indexes=(*projects_table().indexes, Index("projects_name_idx", ("name",))))
    desired = base_catalog(tables=[p, tasks_table()])
    empty = build_plan(base_catalog(), desired)
    assert [s.transactional for s in empty.statements] == [True]
    assert "CONCURRENTLY" not in empty.statements[0].sql
    with_rows = build_plan(base_catalog(), desired, row_estimates={"public.projects": 10})
    s = with_rows.statements[0]
    assert not s.transactional and s.sql.startswith("CREATE INDEX CONCURRENTLY IF NOT EXISTS")
    online = build_plan(base_catalog(), desired, online=True)
    assert not online.statements[0].transactional
    sql = render_plan(with_rows, "sql")
    assert sql.index("COMMIT;") < sql.index("CREATE INDEX CONCURRENTLY") if "COMMIT;" in sql else True


def test_hazards():
    cols = list(projects_table().columns)
    cols[2] = replace(cols[2], type="character varying(10)")  # narrowing
    desired = base_catalog(tables=[projects_table(columns=tuple(cols[:3]))], triggers=[])
    plan = build_plan(base_catalog(), desired, row_estimates={"public.projects": 1234, "public.tasks": 5})
    by_obj = {(s.change, s.obj): s for s in plan.statements}
    drop_table = by_obj[("DropTable", "public.tasks")]
    assert [h.name for h in drop_table.hazards] == ["deletes_data"] and drop_table.hazards[0].blocking
    assert "~5 rows" in drop_table.hazards[0].message
    drop_col = by_obj[("DropColumn", "public.projects.notes")]
    assert drop_col.hazards[0].name == "deletes_data"
    narrow = by_obj[("AlterColumnType", "public.projects.name")]
    assert [h.name for h in narrow.hazards] == ["deletes_data", "rewrites_table", "access_exclusive_lock"]
    assert "~1,234 rows" in narrow.hazards[2].message
    assert plan.hazard_names()[0] == "deletes_data"
    # widening is metadata only
    cols[2] = replace(cols[2], type="character varying(80)")
    wide = build_plan(base_catalog(), base_catalog(tables=[projects_table(columns=tuple(cols)), tasks_table()]),
                      row_estimates={"public.projects": 1234})
    assert [s.hazards for s in wide.statements if s.change == "AlterColumnType"] == [()]


def test_changes_access_says_who_gains_and_loses_what():
    p = projects_table(grants=(Grant("authenticated", ("insert", "select", "update")),))
    plan = build_plan(base_catalog(), base_catalog(tables=[p, tasks_table()]))
    revoke = next(s for s in plan.statements if s.change == "Revoke")
    assert [h.message for h in revoke.hazards] == ["authenticated may no longer DELETE public.projects"]
    off = projects_table(rls_enabled=False)
    plan = build_plan(base_catalog(), base_catalog(tables=[off, tasks_table()]))
    assert plan.statements[0].hazards[0].name == "opens_access"  # RLS off on a live table
    own = projects_table().policies[0]
    sel = projects_table(policies=(replace(own, command="select", with_check=None),))
    plan = build_plan(base_catalog(), base_catalog(tables=[sel, tasks_table()]))
    messages = [h.message for s in plan.statements for h in s.hazards]
    assert "authenticated may no longer DELETE public.projects" in messages
    assert "authenticated may no longer UPDATE public.projects" in messages


def test_plan_json_round_trip_is_exact_and_versioned():
    plan = build_plan(build_catalog(), base_catalog(), row_estimates={"public.projects": 3})
    text = plan_to_json(plan)
    assert plan_from_json(text) == plan
    assert plan_to_json(plan_from_json(text)) == text
    assert '"version": 1' in text
    with pytest.raises(PlanFormatError):
        plan_from_json(text.replace('"version": 1', '"version": 99'))
    with pytest.raises(PlanFormatError):
        plan_from_json("not json")


def test_plan_is_deterministic_whatever_the_input_order():
    desired = base_catalog()
    reference = render_plan(build_plan(build_catalog(), desired), "sql")
    rng = random.Random(7)
    for _ in range(5):
        tables = list(desired.tables)
        rng.shuffle(tables)
        shuffled = build_catalog(tables=tables, views=desired.views, functions=desired.functions,
                                 triggers=desired.triggers)
        assert render_plan(build_plan(build_catalog(), shuffled), "sql") == reference


def test_every_statement_comes_after_what_it_depends_on():
    plan = build_plan(build_catalog(), base_catalog())
    order = [(s.change, s.obj) for s in plan.statements]
    assert order.index(("CreateTable", "public.projects")) < order.index(("AddConstraint", "public.tasks.tasks_project_id_fkey"))
    assert order.index(("CreateFunction", "public.touch()")) < order.index(("CreateTrigger", "public.tasks.tasks_touch"))
    assert order.index(("CreateTable", "public.projects")) < order.index(("CreateView", "public.project_stats"))


def test_renderers():
    plan = build_plan(build_catalog(), base_catalog(), row_estimates={})
    sql = render_plan(plan, "sql")
    assert sql.count("BEGIN;") == 1 and sql.count("COMMIT;") == 1
    assert "-- hazard: changes_access:" in sql
    assert "CREATE TABLE IF NOT EXISTS public.projects" in sql
    md = render_plan(plan, "markdown")
    assert md.startswith("### roseram-schema plan") and "| # | change |" in md
    text = render_plan(plan, "text")
    assert text.startswith("Plan: ") and "create table public.projects" in text
    assert rich_plan(plan) is not None
    assert render_plan(build_plan(base_catalog(), base_catalog()), "text").startswith("No changes")
    empty_sql = render_plan(build_plan(base_catalog(), base_catalog()), "sql")
    assert "-- no changes" in empty_sql and "BEGIN" not in empty_sql


def test_drift_github_annotations_point_at_the_source():
    from roseram_schema.errors import Origin

    own = projects_table().policies[0]
    desired = base_catalog(tables=[projects_table(policies=(replace(own, origin=Origin("policies/public/projects.yaml", 4, 5)),),
                                                  rls_enabled=True), tasks_table()])
    live = base_catalog(tables=[projects_table(policies=(), rls_enabled=False), tasks_table()])
    out = render_drift(diff_catalogs(live, desired), "github")
    assert "::error file=policies/public/projects.yaml,line=4,col=5," in out
    assert out.count("::error") == 2
    assert render_drift((), "github").startswith("::notice::")
    import json

    data = json.loads(render_drift(diff_catalogs(live, desired), "json"))
    assert data["drift"] is True and len(data["objects"]) == 2


def test_view_losing_security_invoker_changes_access():
    from .catalogs import stats_view

    plan = build_plan(base_catalog(), base_catalog(views=[stats_view(security_invoker=False)]))
    assert [s.change for s in plan.statements] == ["ReplaceView"]
    assert plan.statements[0].sql.startswith("CREATE OR REPLACE VIEW public.project_stats AS")
    assert [h.name for h in plan.statements[0].hazards] == ["opens_access"]
    assert "bypassing their RLS" in plan.statements[0].hazards[0].message
