"""Hand-built catalogs for the compile tests (until every case is a source folder)."""

from __future__ import annotations

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
    build_catalog,
)


def everything_catalog():
    """A catalog using every feature the compiler renders, on the platform stand-in (auth)."""
    orgs = Table(
        schema="app",
        name="organizations",
        columns=(
            Column("id", "uuid", nullable=False, default="gen_random_uuid()"),
            Column("owner_id", "uuid", nullable=False),
            Column("name", "text", nullable=False, collation="C", comment="Display name"),
            Column("slug", "text", generated="lower(name)"),
            Column("mood", "app.mood", default="'happy'"),
            Column("seq", "bigint", identity="always"),
            Column("best_site_id", "uuid"),
        ),
        primary_key=PrimaryKey("organizations_pkey", ("id",)),
        uniques=(UniqueConstraint("organizations_slug_key", ("slug",), nulls_not_distinct=True),),
        checks=(CheckConstraint("organizations_name_check", "app.name_ok(name)"),),
        foreign_keys=(
            ForeignKey("organizations_owner_id_fkey", ("owner_id",), "auth", "users", ("id",), on_delete="cascade"),
            ForeignKey("organizations_best_site_id_fkey", ("best_site_id",), "app", "sites", ("id",),
                       on_delete="set null", deferrable=True, initially_deferred=True),
        ),
        indexes=(Index("organizations_owner_id_idx", ("owner_id",)),),
        rls_enabled=True,
        policies=(
            Policy("owner reads", command="select", roles=("authenticated",),
                   using="owner_id = (select auth.uid()) OR app.is_member(id)"),
            Policy("owner writes", command="insert", roles=("authenticated",),
                   with_check="owner_id = (select auth.uid())", comment="Create your own"),
        ),
        grants=(Grant("authenticated", ("insert", "select")), Grant("service_role", ("all",))),
        comment="Tenants",
    )
    sites = Table(
        schema="app",
        name="sites",
        columns=(
            Column("id", "uuid", nullable=False, default="gen_random_uuid()"),
            Column("organization_id", "uuid", nullable=False),
            Column("name", "text"),
            Column("updated_at", "timestamptz", default="now()"),
        ),
        primary_key=PrimaryKey("sites_pkey", ("id",)),
        foreign_keys=(
            ForeignKey("sites_organization_id_fkey", ("organization_id",), "app", "organizations", ("id",),
                       on_delete="cascade", match="full"),
        ),
        indexes=(
            Index("sites_organization_id_idx", ("organization_id",), include=("name",), where="name IS NOT NULL"),
            Index("sites_lower_name_idx", ("lower(name)",), unique=True, nulls_not_distinct=True, comment="by name"),
            Index("sites_name_gin", ("to_tsvector('simple', name)",), method="gin"),
        ),
        rls_enabled=True,
        rls_forced=True,
        policies=(Policy("members", roles=("authenticated",), permissive=False,
                         using="app.is_member(organization_id)", with_check="app.is_member(organization_id)"),),
    )
    events = Table(
        schema="app",
        name="events",
        columns=(Column("id", "bigint", nullable=False, identity="by default"),
                 Column("created_at", "timestamptz", nullable=False)),
        primary_key=PrimaryKey("events_pkey", ("id", "created_at")),
        partition_by="RANGE (created_at)",
        partitions=(
            Partition("events_2024", "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"),
            Partition("events_default", "DEFAULT"),
        ),
    )
    is_member = Function(
        schema="app", name="is_member", identity_args="uuid",
        definition="""CREATE FUNCTION app.is_member(org uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = app, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM app.organizations o WHERE o.id = org AND o.owner_id = auth.uid())
$$""", security_definer=True, config=("search_path=app, pg_temp",),
        grants=(Grant("authenticated", ("execute",)),), comment="Is the caller in the org?")
    name_ok = Function(schema="app", name="name_ok", identity_args="text",
                       definition="CREATE OR REPLACE FUNCTION app.name_ok(n text) RETURNS boolean "
                                  "LANGUAGE sql IMMUTABLE AS $$ SELECT length(n) > 0 $$")
    touch = Function(schema="app", name="touch", identity_args="",
                     definition="CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                                "BEGIN NEW.updated_at := now(); RETURN NEW; END $$;")
    trg = Trigger(schema="app", table="sites", name="sites_touch",
                  definition="CREATE TRIGGER sites_touch BEFORE UPDATE ON app.sites FOR EACH ROW EXECUTE FUNCTION app.touch()",
                  function="app.touch()")
    trg_off = Trigger(schema="app", table="sites", name="sites_touch_off", enabled=False,
                      definition="CREATE TRIGGER sites_touch_off BEFORE INSERT ON app.sites FOR EACH ROW EXECUTE FUNCTION app.touch()",
                      function="app.touch()")
    ctrg = Trigger(schema="app", table="sites", name="sites_check",
                   definition="CREATE CONSTRAINT TRIGGER sites_check AFTER INSERT ON app.sites "
                              "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION app.touch()",
                   function="app.touch()")
    # A row trigger on a partitioned table: CREATE OR REPLACE TRIGGER must work there too.
    etrg = Trigger(schema="app", table="events", name="events_touch",
                   definition="CREATE TRIGGER events_touch BEFORE INSERT ON app.events FOR EACH ROW EXECUTE FUNCTION app.touch()",
                   function="app.touch")
    stats = View(schema="app", name="site_counts", security_invoker=True, comment="Sites per org",
                 query="SELECT o.id, count(s.id) AS sites FROM app.organizations o "
                       "LEFT JOIN app.sites s ON s.organization_id = o.id GROUP BY o.id",
                 grants=(Grant("authenticated", ("select",)),))
    top = View(schema="app", name="named_sites", query="SELECT id, name FROM app.sites WHERE name IS NOT NULL",
               security_barrier=True, check_option="local", column_names=("site_id", "site_name"))
    mat = View(schema="public", name="site_counts_mat", materialized=True,
               query="SELECT id, sites FROM app.site_counts",
               indexes=(Index("site_counts_mat_id_idx", ("id",), unique=True),))
    return build_catalog(
        schemas=(Schema("app", comment="Application", grants=(Grant("authenticated", ("usage",)),)), Schema("public")),
        extensions=(Extension("pgcrypto", optional=True), Extension("no_such_extension_xyz", optional=True)),
        roles=(Role("authenticated"), Role("service_role", bypassrls=True)),
        enums=(Enum("app", "mood", ("happy", "sad"), comment="How it feels"),),
        tables=(orgs, sites, events),
        views=(stats, top, mat),
        functions=(is_member, name_ok, touch),
        triggers=(trg, trg_off, ctrg, etrg),
    )
