"""Small hand-built catalogs for the pure diff and plan tests."""

from __future__ import annotations

from dataclasses import replace

from roseram_schema.model import (
    CheckConstraint,
    Column,
    ForeignKey,
    Function,
    Grant,
    Index,
    Policy,
    PrimaryKey,
    Table,
    Trigger,
    View,
    build_catalog,
)


def projects_table(**changes) -> Table:
    """public.projects with a key, a check, an index, RLS, a policy and grants."""
    t = Table(
        schema="public",
        name="projects",
        columns=(
            Column("id", "uuid", nullable=False, default="gen_random_uuid()"),
            Column("user_id", "uuid", nullable=False),
            Column("name", "character varying(40)", nullable=False),
            Column("notes", "text"),
        ),
        primary_key=PrimaryKey("projects_pkey", ("id",)),
        checks=(CheckConstraint("projects_name_check", "(length((name)::text) > 0)"),),
        indexes=(Index("projects_user_id_idx", ("user_id",)),),
        rls_enabled=True,
        policies=(
            Policy("own", command="all", roles=("authenticated",), using="(user_id = auth.uid())",
                   with_check="(user_id = auth.uid())"),
        ),
        grants=(Grant("authenticated", ("delete", "insert", "select", "update")),),
    )
    return replace(t, **changes)


def tasks_table(**changes) -> Table:
    t = Table(
        schema="public",
        name="tasks",
        columns=(
            Column("id", "bigint", nullable=False, identity="always"),
            Column("project_id", "uuid", nullable=False),
            Column("title", "text", nullable=False),
        ),
        primary_key=PrimaryKey("tasks_pkey", ("id",)),
        foreign_keys=(ForeignKey("tasks_project_id_fkey", ("project_id",), "public", "projects", ("id",),
                                 on_delete="cascade"),),
    )
    return replace(t, **changes)


def stats_view(**changes) -> View:
    v = View("public", "project_stats", "SELECT p.id,\n    p.name\n   FROM public.projects p",
             security_invoker=True, depends_on=("public.projects",))
    return replace(v, **changes)


def touch_function(**changes) -> Function:
    f = Function(
        "public", "touch", "", "CREATE OR REPLACE FUNCTION public.touch()\n RETURNS trigger\n LANGUAGE plpgsql\n"
        "AS $function$ BEGIN RETURN NEW; END $function$",
        returns="trigger", language="plpgsql", grants=(Grant("public", ("execute",)),),
    )
    return replace(f, **changes)


def touch_trigger(**changes) -> Trigger:
    t = Trigger("public", "tasks", "tasks_touch",
                "CREATE TRIGGER tasks_touch BEFORE UPDATE ON public.tasks FOR EACH ROW EXECUTE FUNCTION public.touch()",
                function="public.touch()")
    return replace(t, **changes)


def base_catalog(**overrides):
    """projects + tasks + a view + a trigger function and trigger."""
    parts = dict(
        tables=[projects_table(), tasks_table()],
        views=[stats_view()],
        functions=[touch_function()],
        triggers=[touch_trigger()],
    )
    parts.update(overrides)
    return build_catalog(**parts)
