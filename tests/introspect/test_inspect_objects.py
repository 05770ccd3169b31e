"""inspect_catalog reads every object kind back with PostgreSQL's printed forms."""

from __future__ import annotations

import pytest

from roseram_schema.introspect import inspect_catalog
from roseram_schema.model import (
    CheckConstraint,
    Enum,
    ForeignKey,
    Grant,
    Index,
    Partition,
    PrimaryKey,
    Role,
    Schema,
    UniqueConstraint,
)


@pytest.fixture
def catalog(every_kind_conn):
    return inspect_catalog(every_kind_conn, roles=["service_role", "pg_monitor"])


def test_schemas_default_scope_is_every_non_platform_schema(catalog):
    assert [s.name for s in catalog.schemas] == ["app", "public"]
    assert catalog.schemas[0] == Schema(
        name="app", comment="application objects", grants=(Grant("authenticated", ("usage",)),)
    )


def test_roles_are_the_requested_ones_and_those_grants_and_policies_name(catalog):
    # platform roles (anon, authenticated, service_role) are left out even when named
    assert catalog.roles == (
        Role("pg_monitor"),
        Role("roseram_test_auditor", bypassrls=True),
        Role("roseram_test_reader", login=True),
    )


def test_enum_values_in_declared_order(catalog):
    assert catalog.enums == (Enum("app", "mood", ("happy", "sad", "neutral"), comment="how it went"),)


def test_columns_with_types_defaults_identity_generated_collation(catalog):
    users = catalog.table("app.users")
    assert [c.name for c in users.columns] == [
        "id", "email", "name", "mood", "seq", "seq2", "lower_email", "theme", "created_at", "deleted_at", "code",
    ]
    # a bigserial column reads as what it really is: bigint with its owned sequence's nextval
    assert users.column("id").type == "bigint"
    assert users.column("id").default == "nextval('app.users_id_seq'::regclass)"
    assert users.column("id").nullable is False
    assert users.column("email").type == "character varying(200)"
    assert users.column("email").comment == "Login e-mail"
    assert users.column("name").collation == "C"
    # a name with a dot stays one name: quoted, as ddl.collation takes quoted names as written
    assert users.column("code").collation == '"C.utf8"'
    assert users.column("email").collation is None
    assert users.column("mood").type == "app.mood"
    assert users.column("mood").default == "'happy'::app.mood"
    assert users.column("seq").identity == "always"
    assert users.column("seq").default is None
    assert users.column("seq2").identity == "by default"
    assert users.column("lower_email").generated == "lower((email)::text)"
    assert users.column("lower_email").default is None
    assert users.column("theme").default == "'light'::character varying"
    assert users.column("created_at").default == "now()"
    assert users.column("deleted_at").nullable is True
    assert users.comment == "People"


def test_constraints(catalog):
    users, orgs, members = (catalog.table(k) for k in ("app.users", "app.orgs", "app.members"))
    assert users.primary_key == PrimaryKey("users_pkey", ("id",))
    assert members.primary_key == PrimaryKey("members_pkey", ("org_id", "user_id"))
    assert users.uniques == (UniqueConstraint("users_email_key", ("email",), nulls_not_distinct=True),)
    assert orgs.uniques == (
        UniqueConstraint("orgs_slug_region_key", ("slug", "region"), deferrable=True, initially_deferred=True),
    )
    assert users.checks == (
        CheckConstraint("name_not_empty", "(length(name) > 0)", no_inherit=True),
        CheckConstraint(
            "users_theme_check",
            "((theme)::text = ANY ((ARRAY['light'::character varying, 'dark'::character varying])::text[]))",
        ),
    )
    assert members.foreign_keys == (
        ForeignKey("members_org_fkey", ("org_id",), "app", "orgs", ("id",), on_delete="cascade"),
        ForeignKey(
            "members_user_fkey", ("user_id",), "app", "users", ("id",),
            on_delete="restrict", on_update="set null", deferrable=True, match="full",
        ),
    )
    assert orgs.foreign_keys == (ForeignKey("orgs_owner_fkey", ("owner_id",), "app", "users", ("id",)),)


def test_indexes_leave_out_constraint_indexes(catalog):
    users = catalog.table("app.users")
    names = [i.name for i in users.indexes]
    assert "users_pkey" not in names and "users_email_key" not in names
    by_name = {i.name: i for i in users.indexes}
    assert by_name["users_created_idx"] == Index("users_created_idx", ("created_at DESC",), comment="newest first")
    assert by_name["users_deleted_idx"].keys == ("deleted_at NULLS FIRST",)
    assert by_name["users_created_asc_idx"].keys == ("created_at DESC NULLS LAST", "id")
    assert by_name["users_lower_name_idx"] == Index(
        "users_lower_name_idx", ("lower(name)",), unique=True, where="(deleted_at IS NULL)", include=("id",)
    )
    assert by_name["users_name_pattern_idx"].keys == ("name text_pattern_ops",)
    assert by_name["users_expr_idx"].keys == ("(id + seq)",)
    assert catalog.table("app.members").indexes == (
        # keys are SQL (quoted as needed), INCLUDE columns plain names
        Index("members_joined_idx", ('"Joined At"',), include=("Joined At", "role")),
        Index("members_role_idx", ("role",), method="hash"),
    )
    assert catalog.table("app.orgs").indexes == (
        Index("orgs_slug_nnd_idx", ("slug",), unique=True, nulls_not_distinct=True),
    )


def test_rls_flags_and_policies(catalog):
    members, orgs, users = (catalog.table(k) for k in ("app.members", "app.orgs", "app.users"))
    assert (members.rls_enabled, members.rls_forced) == (True, False)
    assert (orgs.rls_enabled, orgs.rls_forced) == (True, True)
    assert (users.rls_enabled, users.rls_forced) == (False, False)
    read, write = members.policies
    assert (read.name, read.command, read.permissive, read.roles) == (
        "members read", "select", True, ("anon", "authenticated"),
    )
    assert read.using == "(role = ANY (ARRAY['admin'::text, 'member'::text]))"
    assert read.with_check is None
    assert (write.command, write.permissive, write.using, write.with_check) == (
        "update", False, "(user_id > 0)", "(user_id > 0)",
    )
    all_policy, reader = orgs.policies
    assert (reader.name, reader.roles, reader.using) == ("orgs_reader", ("roseram_test_reader",), "(region = 'eu'::text)")
    assert (all_policy.command, all_policy.roles, all_policy.using, all_policy.comment) == (
        "all", ("public",), "true", "everyone",
    )


def test_grants_leave_out_the_owner_and_expand_all(catalog, every_kind_conn):
    assert catalog.table("app.members").grants == (
        Grant("anon", ("select",)),
        Grant("authenticated", ("insert", "select")),
    )
    # GRANT ALL includes MAINTAIN on PostgreSQL 17+, and the inspector reports it
    maintain = ("maintain",) if every_kind_conn.info.server_version >= 170000 else ()
    assert catalog.table("app.orgs").grants == (
        Grant("authenticated", ("delete", "insert", *maintain, "references", "select", "trigger", "truncate", "update")),
        Grant("roseram_test_auditor", ("select",)),
    )
    assert catalog.table("app.users").grants == ()


def test_partitions_are_under_their_parent_not_tables(catalog):
    events = catalog.table("app.events")
    assert events.partition_by == "RANGE (at)"
    assert events.partitions == (
        Partition("events_2024", "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"),
        Partition("events_default", "DEFAULT"),
    )
    assert events.primary_key == PrimaryKey("events_pkey", ("id", "at"))
    assert [i.name for i in events.indexes] == ["events_at_idx"]
    assert catalog.table("app.events_2024") is None
    assert "app.events_2024" not in [t.key for t in catalog.tables]


def test_views_and_materialized_views(catalog, pg_server):
    active = catalog.view("app.active_users")
    # PostgreSQL 16+ no longer qualifies columns when the query reads one relation
    if pg_server.major >= 16:
        assert active.query == "SELECT id,\n    email\n   FROM app.users u\n  WHERE deleted_at IS NULL"
    else:
        assert active.query == "SELECT u.id,\n    u.email\n   FROM app.users u\n  WHERE u.deleted_at IS NULL"
    assert (active.security_invoker, active.security_barrier, active.check_option) == (True, True, None)
    assert active.comment == "Not deleted"
    assert active.grants == (Grant("authenticated", ("select",)),)
    assert active.depends_on == ("app.users",)
    checked = catalog.view("app.checked_orgs")
    assert checked.check_option == "cascaded"
    assert not checked.query.endswith(";")
    counts = catalog.view("app.org_counts")
    assert counts.materialized is True
    assert counts.depends_on == ("app.members", "app.orgs")
    assert counts.indexes == (Index("org_counts_id_idx", ("id",), unique=True),)


def test_functions_and_procedures(catalog):
    by_key = {f.key: f for f in catalog.functions}
    assert sorted(by_key) == ["app.cleanup(integer)", "app.is_member(uuid, bigint)", "app.touch()"]
    member = by_key["app.is_member(uuid, bigint)"]
    assert member.definition.startswith("CREATE OR REPLACE FUNCTION app.is_member(p_org uuid, p_user bigint)")
    assert member.definition.endswith("$function$")
    assert (member.returns, member.language, member.security_definer) == ("boolean", "sql", True)
    assert member.config == ("search_path=app, pg_temp",)
    assert member.search_path == "app, pg_temp"
    assert member.comment == "membership test"
    # EXECUTE was revoked from PUBLIC; a function nobody touched keeps PUBLIC's default
    assert member.grants == (Grant("authenticated", ("execute",)),)
    assert by_key["app.touch()"].grants == (Grant("public", ("execute",)),)
    cleanup = by_key["app.cleanup(integer)"]
    assert (cleanup.kind, cleanup.returns) == ("procedure", "")


def test_triggers_without_internal_or_partition_clones(catalog):
    assert [t.key for t in catalog.triggers] == [
        "app.events.events_touch", "app.users.users_touch", "app.users.users_touch_off",
    ]
    touch, off = catalog.triggers[1:]
    assert touch.definition == (
        "CREATE TRIGGER users_touch BEFORE UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch()"
    )
    assert touch.function == "app.touch()"
    assert (touch.enabled, off.enabled) == (True, False)
