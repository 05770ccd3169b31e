"""The pure diff: hand-built catalogs in, typed changes out (no database)."""

from __future__ import annotations

from dataclasses import replace

from roseram_schema.diff import changes as ch
from roseram_schema.diff import diff_catalogs
from roseram_schema.model import (
    CheckConstraint,
    Column,
    Enum,
    ForeignKey,
    Grant,
    Index,
    Partition,
    Schema,
    Table,
    UniqueConstraint,
    build_catalog,
)

from .catalogs import base_catalog, projects_table, stats_view, tasks_table, touch_function, touch_trigger


def kinds(changes) -> list[tuple[str, str]]:
    return [(c.kind, c.key) for c in changes]


def test_same_catalog_has_no_changes():
    assert diff_catalogs(base_catalog(), base_catalog()) == ()


def test_equal_tables_diff_to_nothing():
    # diff_tables skips tables that are `==`: sound only while diff_table finds nothing
    # in two equal tables (fields never compared, like origins and contracts, included)
    from pathlib import Path

    from roseram_schema.diff.tables import diff_table
    from roseram_schema.source import load_project

    root = Path(__file__).resolve().parents[2]  # the Roseram project of this repository
    tables = [*load_project(root).catalog.tables, *base_catalog().tables]
    assert len(tables) > 30
    for t in tables:
        other = replace(t, origin=None, contract=None, policies_origin=None,
                        columns=tuple(replace(c, origin=None) for c in t.columns))
        assert other == t
        assert diff_table(t, other) == [], t.key
        assert diff_table(other, t) == [], t.key


def test_new_table_brings_its_parts_as_separate_changes():
    changes = diff_catalogs(build_catalog(), build_catalog(tables=[projects_table()]))
    assert kinds(changes) == [
        ("CreateTable", "public.projects"),
        ("CreateIndex", "public.projects_user_id_idx"),
        ("CreatePolicy", "public.projects.own"),
        ("SetRowSecurity", "public.projects"),
        ("Grant", "public.projects:authenticated"),
    ]
    assert changes[3].enabled is True
    # foreign keys of a new table are separate too (cycles), marked as on a new table
    fk = [c for c in diff_catalogs(build_catalog(tables=[projects_table()]),
                                   build_catalog(tables=[projects_table(), tasks_table()]))
          if isinstance(c, ch.AddConstraint)]
    assert len(fk) == 1 and fk[0].new_table and isinstance(fk[0].constraint, ForeignKey)


def test_dropped_table_is_one_change():
    changes = diff_catalogs(base_catalog(), base_catalog(tables=[projects_table()], triggers=[]))
    assert ("DropTable", "public.tasks") in kinds(changes)
    assert not [c for c in changes if isinstance(c, (ch.DropConstraint, ch.DropIndex)) and c.table_key == "public.tasks"]


def test_column_changes_each_get_their_own_kind():
    cols = projects_table().columns
    new_cols = (
        replace(cols[0], default=None),  # default dropped
        cols[1],
        replace(cols[2], type="text", nullable=True),  # type and nullability
        Column("archived", "boolean", nullable=False, default="false"),  # added; notes dropped
    )
    changes = diff_catalogs(base_catalog(), base_catalog(tables=[projects_table(columns=new_cols), tasks_table()]))
    got = kinds(changes)
    assert ("AlterColumnDefault", "public.projects.id") in got
    assert ("AlterColumnType", "public.projects.name") in got
    assert ("AlterColumnNullability", "public.projects.name") in got
    assert ("AddColumn", "public.projects.archived") in got
    assert ("DropColumn", "public.projects.notes") in got


def test_identity_and_generated_changes():
    t = tasks_table()
    cols = (replace(t.columns[0], identity="by default"), t.columns[1],
            replace(t.columns[2], generated="upper(project_id::text)"))
    got = kinds(diff_catalogs(base_catalog(), base_catalog(tables=[projects_table(), tasks_table(columns=cols)])))
    assert ("AlterColumnIdentity", "public.tasks.id") in got
    assert ("AlterColumnGenerated", "public.tasks.title") in got


def test_renames_only_through_renamed_from():
    renamed = replace(tasks_table(), name="todos", renamed_from="tasks")
    got = kinds(diff_catalogs(base_catalog(triggers=[]), base_catalog(tables=[projects_table(), renamed], triggers=[])))
    assert got[0] == ("RenameTable", "public.todos")
    assert ("DropTable", "public.tasks") not in got and ("CreateTable", "public.todos") not in got
    # the same without renamed_from is a drop and a create: never guessed
    plain = replace(renamed, renamed_from=None)
    got = kinds(diff_catalogs(base_catalog(triggers=[]), base_catalog(tables=[projects_table(), plain], triggers=[])))
    assert ("DropTable", "public.tasks") in got and ("CreateTable", "public.todos") in got
    # column rename
    cols = list(projects_table().columns)
    cols[3] = replace(cols[3], name="description", renamed_from="notes")
    got = kinds(diff_catalogs(base_catalog(), base_catalog(tables=[projects_table(columns=tuple(cols)), tasks_table()])))
    assert got == [("RenameColumn", "public.projects.description")]


def test_constraints_and_indexes():
    p = projects_table(
        checks=(CheckConstraint("projects_name_check", "(length((name)::text) > 1)"),),
        uniques=(UniqueConstraint("projects_name_key", ("name",)),),
        indexes=(Index("projects_user_id_idx", ("user_id",), where="(notes IS NULL)"),),
    )
    got = kinds(diff_catalogs(base_catalog(), base_catalog(tables=[p, tasks_table()])))
    assert ("DropConstraint", "public.projects.projects_name_check") in got
    assert ("AddConstraint", "public.projects.projects_name_check") in got
    assert ("AddConstraint", "public.projects.projects_name_key") in got
    assert ("DropIndex", "public.projects_user_id_idx") in got and ("CreateIndex", "public.projects_user_id_idx") in got


def test_rebuilt_primary_key_takes_referencing_foreign_keys_along():
    p = projects_table(primary_key=replace(projects_table().primary_key, name="projects_pk"))
    got = kinds(diff_catalogs(base_catalog(), base_catalog(tables=[p, tasks_table()])))
    assert ("DropConstraint", "public.tasks.tasks_project_id_fkey") in got
    assert ("AddConstraint", "public.tasks.tasks_project_id_fkey") in got


def test_policy_alter_when_possible_else_drop_and_create():
    own = projects_table().policies[0]
    roles_only = projects_table(policies=(replace(own, roles=("anon", "authenticated")),))
    changes = diff_catalogs(base_catalog(), base_catalog(tables=[roles_only, tasks_table()]))
    assert kinds(changes) == [("AlterPolicy", "public.projects.own")]
    assert changes[0].changed_parts() == ("roles",)
    command = projects_table(policies=(replace(own, command="select", with_check=None),))
    got = kinds(diff_catalogs(base_catalog(), base_catalog(tables=[command, tasks_table()])))
    assert got == [("DropPolicy", "public.projects.own"), ("CreatePolicy", "public.projects.own")]
    restrictive = projects_table(policies=(replace(own, permissive=False),))
    got = kinds(diff_catalogs(base_catalog(), base_catalog(tables=[restrictive, tasks_table()])))
    assert got == [("DropPolicy", "public.projects.own"), ("CreatePolicy", "public.projects.own")]


def test_rls_switches_and_grants():
    p = projects_table(rls_enabled=False, rls_forced=True,
                       grants=(Grant("anon", ("select",)), Grant("authenticated", ("insert", "select", "update"))))
    changes = diff_catalogs(base_catalog(), base_catalog(tables=[p, tasks_table()]))
    got = kinds(changes)
    assert ("SetRowSecurity", "public.projects") in got
    assert ("SetForceRowSecurity", "public.projects") in got
    revoke = next(c for c in changes if isinstance(c, ch.Revoke))
    assert (revoke.grantee, revoke.privileges) == ("authenticated", ("delete",))
    grant = next(c for c in changes if isinstance(c, ch.Grant))
    assert (grant.grantee, grant.privileges) == ("anon", ("select",))


def test_views_replace_when_columns_are_kept_else_recreate():
    appended = stats_view(query="SELECT p.id,\n    p.name,\n    p.notes\n   FROM public.projects p")
    got = kinds(diff_catalogs(base_catalog(), base_catalog(views=[appended])))
    assert got == [("ReplaceView", "public.project_stats")]
    renamed_col = stats_view(query="SELECT p.id,\n    p.name AS title\n   FROM public.projects p")
    got = kinds(diff_catalogs(base_catalog(), base_catalog(views=[renamed_col])))
    assert got == [("DropView", "public.project_stats"), ("CreateView", "public.project_stats")]
    gone = kinds(diff_catalogs(base_catalog(), base_catalog(views=[])))
    assert gone == [("DropView", "public.project_stats")]


def test_functions_triggers():
    body = touch_function(definition=touch_function().definition.replace("RETURN NEW", "RETURN OLD"))
    got = kinds(diff_catalogs(base_catalog(), base_catalog(functions=[body])))
    assert got == [("ReplaceFunction", "public.touch()")]
    returns = touch_function(returns="void")
    got = kinds(diff_catalogs(base_catalog(), base_catalog(functions=[returns])))
    assert got[:2] == [("DropFunction", "public.touch()"), ("CreateFunction", "public.touch()")]
    trig = touch_trigger(definition=touch_trigger().definition.replace("UPDATE", "INSERT"))
    got = kinds(diff_catalogs(base_catalog(), base_catalog(triggers=[trig])))
    assert got == [("DropTrigger", "public.tasks.tasks_touch"), ("CreateTrigger", "public.tasks.tasks_touch")]


def test_new_function_revokes_public_execute_it_does_not_declare():
    f = touch_function(grants=(Grant("authenticated", ("execute",)),))
    changes = diff_catalogs(base_catalog(functions=[]), base_catalog(functions=[f]))
    got = kinds(changes)
    assert ("Revoke", "public.touch():public") in got and ("Grant", "public.touch():authenticated") in got


def test_schemas_enums_extensions_comments_partitions():
    before = build_catalog(enums=[Enum("public", "mood", ("happy", "sad"))])
    events = Table("public", "events", (Column("at", "date", nullable=False),), partition_by="RANGE (at)",
                   partitions=(Partition("events_2024", "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"),))
    after = build_catalog(
        schemas=[Schema("app", comment="application")],
        enums=[Enum("public", "mood", ("happy", "neutral", "sad"))],
        tables=[replace(events, comment="events")],
    )
    changes = diff_catalogs(before, after)
    got = kinds(changes)
    assert ("CreateSchema", "app") in got and ("SetComment", "app") in got
    add = next(c for c in changes if isinstance(c, ch.AddEnumValue))
    assert (add.value, add.after) == ("neutral", "happy")
    assert ("CreatePartition", "public.events_2024") in got and ("SetComment", "public.events") in got
    changed = replace(events, partitions=())
    got = kinds(diff_catalogs(build_catalog(tables=[events]), build_catalog(tables=[changed])))
    assert got == [("DropPartition", "public.events_2024")]


def test_platform_schemas_and_roles_are_never_in_a_diff():
    from roseram_schema.model import Role

    users = Table("auth", "users", (Column("id", "uuid", nullable=False),))
    history = Table("roseram_schema", "history", (Column("id", "bigint"),))
    live = build_catalog(tables=[users, history], roles=[Role("anon")], schemas=[Schema("auth")])
    assert diff_catalogs(live, build_catalog()) == ()
    assert diff_catalogs(build_catalog(), live) == ()


def test_every_change_kind_describes_itself():
    changes = diff_catalogs(build_catalog(), base_catalog()) + diff_catalogs(base_catalog(), build_catalog())
    for c in changes:
        assert c.describe() and c.key
    assert {"CreateTable", "DropTable", "CreateView", "DropView", "CreateFunction", "DropFunction",
            "CreateTrigger", "DropTrigger"} <= {c.kind for c in changes}
