"""A project using every feature of the source format loads into the expected Catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from roseram_schema.model import (
    CheckConstraint,
    Column,
    Enum,
    Extension,
    ForeignKey,
    Function,
    Grant,
    Index,
    Partition,
    Policy,
    PrimaryKey,
    Role,
    Schema,
    Table,
    Trigger,
    UniqueConstraint,
    View,
)
from roseram_schema.source import load_project

FULL = Path(__file__).parent / "fixtures" / "full"
ALL_TABLE = ("delete", "insert", "references", "select", "trigger", "truncate", "update")


@pytest.fixture(scope="module")
def project():
    return load_project(FULL)


def test_project_yaml(project):
    c = project.catalog
    assert c.schemas == (
        Schema("app", comment="application objects", grants=(Grant("authenticated", ("usage",)),)),
        Schema("public"),
    )
    assert c.extensions == (Extension("citext"), Extension("pgcrypto", "extensions", optional=True))
    assert c.roles == (Role("anon"), Role("authenticated"), Role("service_role", bypassrls=True))
    assert c.enums == (
        Enum("app", "plan", ("free", "pro"), comment="Billing plan"),
        Enum("public", "mood", ("happy", "sad", "neutral")),
        Enum("public", "status", ("draft", "published")),
    )
    assert project.personas == {
        "alice": {"role": "authenticated", "sub": "00000000-0000-0000-0000-00000000000a"}
    }


def test_yaml_table_with_every_feature(project):
    t = project.catalog.table("public.user_settings")
    assert t == Table(
        schema="public",
        name="user_settings",
        comment="Per-user settings.",
        renamed_from="settings",
        columns=(
            Column("id", "uuid", nullable=False, default="gen_random_uuid()"),
            Column("user_id", "uuid", nullable=False),
            Column("theme", "varchar(20)", default="'light'"),
            Column("seq", "bigint", nullable=False, identity="always"),
            Column("name", "text", collation="C", comment="Display name", renamed_from="title"),
            Column("lower_name", "text", generated="lower(name)"),
            Column("email", "citext"),
            Column("mood", "mood"),
            Column("notes", "text"),
            Column("preferences", "jsonb", default="'{}'::jsonb"),
            Column("created_at", "timestamptz", nullable=False, default="now()"),
            Column("deleted_at", "timestamptz"),
        ),
        primary_key=PrimaryKey("user_settings_pkey", ("id",)),
        uniques=(
            UniqueConstraint("settings_email_key", ("email",), nulls_not_distinct=True),
            UniqueConstraint("user_settings_user_id_key", ("user_id",)),
        ),
        checks=(
            CheckConstraint("name_not_empty", "length(name) > 0"),
            CheckConstraint("user_settings_theme_check", "theme IN ('light', 'dark', 'auto')"),
        ),
        foreign_keys=(
            ForeignKey("user_settings_user_id_fkey", ("user_id",), "auth", "users", ("id",),
                       on_delete="cascade"),
        ),
        indexes=(
            Index("settings_prefs_gin", ("preferences",), method="gin"),
            Index("user_settings_created_at_idx", ("created_at DESC",)),
            Index("user_settings_lower_id_idx", ("lower(name)",), unique=True,
                  where="deleted_at IS NULL", include=("id",)),
            Index("user_settings_user_id_idx", ("user_id",)),
        ),
        rls_enabled=True,
        policies=(
            Policy("anon read nothing", command="select", permissive=False, roles=("anon",), using="false"),
            Policy("own settings", roles=("authenticated",), using="user_id = (select auth.uid())",
                   with_check="user_id = (select auth.uid())"),
        ),
        grants=(
            Grant("anon", ("select",)),
            Grant("authenticated", ("delete", "insert", "select", "update")),
            Grant("service_role", ALL_TABLE),
        ),
    )
    assert t.contract == {"alice": {"select": "own"}}
    assert project.contracts == {"public.user_settings": {"alice": {"select": "own"}}}
    assert str(t.origin) == "schema/public/user_settings.yaml:1:1"
    assert str(t.column("theme").origin) == "schema/public/user_settings.yaml:6:3"
    assert str(t.policies_origin) == "policies/public/user_settings.yaml:1:1"


def test_partitioned_table(project):
    t = project.catalog.table("public.events")
    assert t.partition_by == "RANGE (created_at)"
    assert t.partitions == (
        Partition("events_2024", "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"),
        Partition("events_default", "DEFAULT"),
    )
    assert t.primary_key == PrimaryKey("events_pk", ("id", "created_at"))
    assert t.column("id") == Column("id", "bigint", nullable=False, identity="by default")


def test_sql_tables(project):
    orgs = project.catalog.table("app.organizations")
    assert orgs == Table(
        schema="app",
        name="organizations",
        comment="Tenants.",
        columns=(
            Column("id", "uuid", nullable=False, default="gen_random_uuid()"),
            Column("owner_id", "uuid", nullable=False),
            Column("name", "text", nullable=False),
            Column("slug", "text", nullable=False, comment="URL name."),
            Column("plan", "app.plan", nullable=False, default="'free'"),
        ),
        primary_key=PrimaryKey("organizations_pkey", ("id",)),
        uniques=(UniqueConstraint("organizations_slug_key", ("slug",)),),
        checks=(CheckConstraint("organizations_name_check", "length(name) > 0"),),
        foreign_keys=(ForeignKey("organizations_owner_id_fkey", ("owner_id",), "auth", "users", ("id",),
                                 on_delete="cascade"),),
        rls_enabled=True,
        rls_forced=True,
        policies=(Policy("owner manages", permissive=False, roles=("anon", "authenticated"),
                         using="owner_id = (SELECT auth.uid())", with_check="owner_id = (SELECT auth.uid())"),),
        grants=(Grant("authenticated", ("insert", "select")),),
    )
    members = project.catalog.table("app.members")  # unqualified CREATE TABLE: the folder's schema
    assert members.primary_key == PrimaryKey("members_pkey", ("organization_id", "user_id"))
    assert members.checks == (CheckConstraint("members_role_check", "role IN ('owner', 'admin', 'member')"),)
    assert members.foreign_keys == (
        ForeignKey("members_organization_id_fkey", ("organization_id",), "app", "organizations", ("id",),
                   on_delete="cascade", deferrable=True, initially_deferred=True),
    )
    assert members.indexes == (Index("members_user_idx", ("user_id",), where="role <> 'owner'"),)
    assert (members.rls_enabled, members.rls_forced) == (True, False)
    assert members.policies == (
        Policy("members read", command="select", roles=("authenticated",),
               using="app.is_member(organization_id)", comment="Members see members."),
    )
    assert members.grants == (Grant("service_role", ALL_TABLE),)
    posts = project.catalog.table("public.posts")
    assert posts.columns[0] == Column("id", "bigserial", nullable=False)
    assert posts.column("status") == Column("status", "status", nullable=False, default="'draft'")
    assert posts.policies == (Policy("authors insert", command="insert", roles=("authenticated",),
                                     with_check="author_id = auth.uid()"),)
    assert (posts.rls_enabled, posts.rls_forced) == (True, True)


def test_functions_and_triggers(project):
    c = project.catalog
    assert [f.key for f in c.functions] == [
        "app.is_member(uuid)", "public.archive(integer)", "public.set_updated_at()"]
    is_member = c.functions[0]
    assert is_member == Function(
        schema="app",
        name="is_member",
        identity_args="uuid",
        definition=is_member.definition,
        returns="boolean",
        language="sql",
        security_definer=True,
        config=('search_path=""',),
        comment="Membership test.",
        # GRANT without REVOKE: PostgreSQL's default EXECUTE for PUBLIC stays
        grants=(Grant("authenticated", ("execute",)), Grant("public", ("execute",))),
    )
    assert is_member.definition.startswith("CREATE OR REPLACE FUNCTION app.is_member(org uuid) RETURNS boolean")
    assert is_member.definition.endswith("$$")
    assert c.functions[1].kind == "procedure" and c.functions[1].returns == ""
    assert c.functions[2].returns == "trigger" and c.functions[2].language == "plpgsql"
    assert c.triggers == (
        Trigger("public", "posts", "posts_updated",
                "CREATE TRIGGER posts_updated BEFORE UPDATE ON public.posts\n"
                "    FOR EACH ROW EXECUTE FUNCTION set_updated_at()",
                function="public.set_updated_at()"),
    )


def test_views(project):
    c = project.catalog
    assert [v.key for v in c.views] == ["public.post_counts", "public.recent_posts", "public.user_posts"]
    counts, recent, user_posts = c.views
    assert counts == View(
        schema="public",
        name="post_counts",
        query="WITH counted AS (SELECT author_id, count(*) AS n FROM posts GROUP BY author_id)\n"
              "SELECT author_id, n FROM counted",
        materialized=True,
        comment="Posts per author.",
        indexes=(Index("post_counts_author_id_idx", ("author_id",), unique=True),),
    )
    assert counts.depends_on == ("public.posts",)  # the CTE name is not a relation
    assert recent == View(
        schema="public", name="recent_posts", query="SELECT id, title FROM public.user_posts",
        security_invoker=True, check_option="cascaded", column_names=("id", "title"),
    )
    assert recent.depends_on == ("public.user_posts",)
    assert user_posts == View(
        schema="public",
        name="user_posts",
        query="SELECT p.id, p.title\nFROM public.posts p\nWHERE p.author_id = auth.uid()",
        security_invoker=True,
        check_option="local",
        comment="Posts of the caller.",
        grants=(Grant("authenticated", ("select",)),),
    )
    assert str(user_posts.origin) == "views/public/user_posts.sql:6:1"


def test_files_and_fingerprint(project):
    assert project.files == (
        "policies/public/posts.yaml",
        "policies/public/user_settings.yaml",
        "project.yaml",
        "schema/app/orgs.sql",
        "schema/public/events.yaml",
        "schema/public/functions.sql",
        "schema/public/user_settings.yaml",
        "views/public/post_counts.sql",
        "views/public/recent_posts.sql",
        "views/public/user_posts.sql",
    )
    assert len(project.fingerprint) == 64
    assert project.root == FULL
