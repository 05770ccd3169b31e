"""The platform: what Supabase provides and a plain PostgreSQL lacks.

`ensure_platform` installs a small, idempotent stand-in (schema `auth`, `auth.users`,
`auth.uid()`, `auth.role()`, `auth.jwt()`, roles anon/authenticated/service_role) so a
schema written for Supabase applies to any PostgreSQL. On a real Supabase database it does
nothing. Platform objects are never part of a diff, a plan or a drift report: the inspector
skips PLATFORM_SCHEMAS and PLATFORM_ROLES.
"""

from __future__ import annotations

from importlib import resources

# Schemas owned by the platform (Supabase) or by the tool itself, never managed or diffed.
PLATFORM_SCHEMAS = (
    "auth",
    "cron",
    "extensions",
    "graphql",
    "graphql_public",
    "information_schema",
    "net",
    "pgbouncer",
    "pgsodium",
    "pgsodium_masks",
    "realtime",
    "roseram_schema",
    "storage",
    "supabase_functions",
    "supabase_migrations",
    "vault",
)

# The platform tables a user's own triggers and policies may be on (the stand-in has them,
# so such a source builds in a scratch database on a plain PostgreSQL).
PLATFORM_TABLES = ("auth.users", "storage.buckets", "storage.objects")

# Publications Supabase creates (Realtime reads them): never created, altered or dropped by a
# plan; which of the user's tables are in them is the user's.
PLATFORM_PUBLICATIONS = ("supabase_realtime", "supabase_realtime_messages_publication")

# The primary keys of the platform tables users reference: `REFERENCES auth.users` without a
# column list means its primary key, which the source cannot read from a declared table.
PLATFORM_PRIMARY_KEYS = {
    "auth.users": ("id",),
    "storage.buckets": ("id",),
    "storage.objects": ("id",),
}

# Roles the platform provides; a plan never creates or drops them on Supabase.
PLATFORM_ROLES = ("anon", "authenticated", "service_role")


# Roles Supabase itself works as (its superuser, the *_admin roles of its services, the
# pooler, the API's login role, the dashboard). Their grants are Supabase's: a plan never
# revokes them, even on objects the source manages (schema public has USAGE for postgres).
PLATFORM_ADMIN_ROLES = ("authenticator", "dashboard_user", "pgbouncer", "postgres", "supabase_admin")


def is_platform_admin_role(name: str) -> bool:
    """True for the roles whose grants a plan leaves alone (see PLATFORM_ADMIN_ROLES)."""
    return name in PLATFORM_ADMIN_ROLES or (name.startswith("supabase_") and name.endswith("_admin"))


def is_platform_schema(name: str) -> bool:
    """True for schemas the tool never manages (platform, system, our own history)."""
    return name in PLATFORM_SCHEMAS or name.startswith("pg_")


def is_supabase(conn) -> bool:
    """True when the database is a real Supabase one: its auth migrations exist, or its auth
    schema belongs to `supabase_admin`. The role alone is cluster-wide: another database on a
    Supabase server (a scratch database, say) has no such schema and needs the stand-in."""
    row = conn.execute(
        "SELECT to_regclass('auth.schema_migrations') IS NOT NULL"
        " OR EXISTS (SELECT FROM pg_catalog.pg_namespace n"
        "            JOIN pg_catalog.pg_roles r ON r.oid = n.nspowner"
        "            WHERE n.nspname = 'auth' AND r.rolname = 'supabase_admin')"
    ).fetchone()
    return bool(row[0])


def standin_sql() -> str:
    """The stand-in script (idempotent)."""
    return resources.files(__package__).joinpath("standin.sql").read_text(encoding="utf-8")


def ensure_platform(conn) -> bool:
    """Install the stand-in unless this is Supabase. Returns True when it was (re)applied.

    Runs in its own transaction; the connection may be in autocommit mode or not.
    """
    if is_supabase(conn):
        return False
    with conn.transaction():
        conn.execute(standin_sql())
    return True
