"""The Roseram project at the repository root: it loads, compiles, applies, and its policies hold.

The static tests read the loaded catalog (indexes, RLS, helper functions). The database tests
compile the project, apply the script twice to a fresh database with the platform stand-in,
seed a small world (organization A owned by alice with erin/dave/mia/vic as admin/editor/
member/viewer, organization B owned by bob, an outsider) and query as those users the way
PostgREST does: `SET LOCAL ROLE authenticated` plus `request.jwt.claims`. These are smoke
tests of the policies; the full persona x table x command matrix is `verify`'s job.
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager

import psycopg
import pytest

from roseram_schema.source import load_project

from .conftest import ROOT

USERS = {
    "alice": "00000000-0000-0000-0000-00000000a11c",
    "erin": "00000000-0000-0000-0000-0000000000e1",
    "dave": "00000000-0000-0000-0000-0000000000da",
    "mia": "00000000-0000-0000-0000-0000000000a1",
    "vic": "00000000-0000-0000-0000-0000000000c1",
    "bob": "00000000-0000-0000-0000-000000000b0b",
    "outsider": "00000000-0000-0000-0000-0000000000f0",
}
ORG_A = "0000000a-0000-0000-0000-000000000000"
ORG_B = "0000000b-0000-0000-0000-000000000000"
SITE_A = "5a000000-0000-0000-0000-000000000000"
SITE_B = "5b000000-0000-0000-0000-000000000000"
PAGE_A = "9a000000-0000-0000-0000-000000000000"
PROJECT_A = "7a000000-0000-0000-0000-000000000000"
PROJECT_B = "7b000000-0000-0000-0000-000000000000"
PROJECT_B_PUBLIC = "7b000000-0000-0000-0000-0000000000ff"


@pytest.fixture(scope="module")
def project():
    """The Roseram project, loaded once for the static tests."""
    return load_project(ROOT)


def _plain_keys(keys) -> tuple[str, ...] | None:
    """The column names of an index/constraint key list, or None if any key is not a bare column."""
    if all(re.fullmatch(r"[a-z_][a-z0-9_]*", k) for k in keys):
        return tuple(keys)
    return None


def test_project_has_every_table_view_and_helper(project):
    catalog = project.catalog
    assert len(catalog.tables) == 34
    assert {t.schema for t in catalog.tables} == {"public"}
    assert sorted(v.name for v in catalog.views) == [
        "project_stats", "site_stats", "user_organizations", "user_sites", "user_stats"]
    names = {f.name for f in catalog.functions}
    assert {"org_role", "org_role_at_least", "is_org_member", "owns_project",
            "site_org", "page_org", "set_updated_at"} <= names
    assert len(project.contracts) == 34


def test_every_table_has_rls_and_a_contract(project):
    for table in project.catalog.tables:
        assert table.rls_enabled, table.key
        assert project.contracts.get(table.key) is not None, table.key


def test_every_foreign_key_column_leads_an_index(project):
    for table in project.catalog.tables:
        leading = {table.primary_key.columns[0]} if table.primary_key else set()
        leading |= {u.columns[0] for u in table.uniques}
        leading |= {i.keys[0].split()[0] for i in table.indexes}
        for fk in table.foreign_keys:
            assert fk.columns[0] in leading, f"{table.key}: {fk.name} has no index"


def test_no_index_repeats_the_leading_columns_of_another(project):
    # An index on plain columns that are a leading prefix of the primary key, a unique
    # constraint or another index is never needed: that btree already serves the lookup.
    for table in project.catalog.tables:
        covering = [table.primary_key.columns] if table.primary_key else []
        covering += [u.columns for u in table.uniques]
        for index in table.indexes:
            keys = _plain_keys(index.keys)
            if keys is None:
                continue
            others = covering + [i.keys for i in table.indexes if i is not index]
            for other in others:
                assert tuple(other[: len(keys)]) != keys or len(other) < len(keys), (
                    f"{table.key}: index {index.name} {keys} duplicates {tuple(other)}")


def test_policies_wrap_auth_uid_in_a_select(project):
    for table in project.catalog.tables:
        for policy in table.policies:
            for text in (policy.using, policy.with_check):
                if text:
                    rest = re.sub(r"\(\s*select\s+auth\.uid\(\)\s*\)", "", text, flags=re.I)
                    assert "auth.uid()" not in rest.lower(), f"{table.key}: {policy.name}"


def test_append_only_and_server_only_tables_have_no_client_writes(project):
    catalog = project.catalog
    append_only = ["file_revisions", "action_logs", "code_versions", "history_snapshots",
                   "page_versions", "ai_generations"]
    for name in append_only:
        table = catalog.table(name)
        assert {p.command for p in table.policies} == {"select", "insert"}, name
    for name in ["user_sessions", "session_audit_log", "duplicate_users"]:
        table = catalog.table(name)
        assert table.policies == ()
        assert {g.grantee for g in table.grants} == {"service_role"}, name


def test_security_definer_helpers_pin_the_search_path(project):
    definers = [f for f in project.catalog.functions if f.security_definer]
    assert len(definers) >= 6
    for function in definers:
        assert function.search_path in ("''", '""'), function.key


# --- against a database -------------------------------------------------------------------


@pytest.fixture
def world(roseram_url):
    """The seeded database: users, two organizations with members, sites, pages, projects."""
    with psycopg.connect(roseram_url, autocommit=True) as conn:
        for name, uid in USERS.items():
            conn.execute("INSERT INTO auth.users (id, email) VALUES (%s, %s)", (uid, f"{name}@example.com"))
        conn.execute(
            "INSERT INTO public.organizations (id, name, slug, owner_id) VALUES"
            " (%s, 'A', 'a', %s), (%s, 'B', 'b', %s)",
            (ORG_A, USERS["alice"], ORG_B, USERS["bob"]),
        )
        for name, role in [("erin", "admin"), ("dave", "editor"), ("mia", "member"), ("vic", "viewer")]:
            conn.execute(
                "INSERT INTO public.organization_members (organization_id, user_id, role) VALUES (%s, %s, %s)",
                (ORG_A, USERS[name], role),
            )
        conn.execute(
            "INSERT INTO public.sites (id, organization_id, name, slug) VALUES"
            " (%s, %s, 'Site A', 'site-a'), (%s, %s, 'Site B', 'site-b')",
            (SITE_A, ORG_A, SITE_B, ORG_B),
        )
        conn.execute("INSERT INTO public.pages (id, site_id, name, slug) VALUES (%s, %s, 'Home', 'home')",
                     (PAGE_A, SITE_A))
        conn.execute(
            "INSERT INTO public.projects (id, user_id, name, is_public) VALUES"
            " (%s, %s, 'PA', false), (%s, %s, 'PB', false), (%s, %s, 'PB public', true)",
            (PROJECT_A, USERS["alice"], PROJECT_B, USERS["bob"], PROJECT_B_PUBLIC, USERS["bob"]),
        )
        conn.execute("INSERT INTO public.chat_messages (project_id, user_id, role, content, tokens_used)"
                     " VALUES (%s, %s, 'user', 'hi', 7)", (PROJECT_A, USERS["alice"]))
        yield conn


@contextmanager
def acting_as(conn, who: str | None):
    """A rolled-back transaction as a signed-in user (name in USERS) or as anon (None)."""
    with conn.transaction(force_rollback=True):
        if who is None:
            conn.execute("SET LOCAL ROLE anon")
        else:
            claims = json.dumps({"sub": USERS[who], "role": "authenticated"})
            conn.execute("SET LOCAL ROLE authenticated")
            conn.execute("SELECT set_config('request.jwt.claims', %s, true)", (claims,))
        yield conn


def _column(conn, sql: str, params=()) -> list:
    return sorted(row[0] for row in conn.execute(sql, params).fetchall())


def test_compiled_project_applies_twice_with_rls_everywhere(roseram_url):
    with psycopg.connect(roseram_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT c.relname, c.relrowsecurity FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1"
        ).fetchall()
        assert len(rows) == 34
        assert all(rls for _, rls in rows), [name for name, rls in rows if not rls]
        views = _column(conn, "SELECT viewname FROM pg_views WHERE schemaname = 'public'")
        assert len(views) == 5


def test_live_database_has_an_index_leading_with_every_foreign_key(roseram_url):
    with psycopg.connect(roseram_url, autocommit=True) as conn:
        unindexed = conn.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname
            FROM pg_constraint c
            WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
              AND NOT EXISTS (SELECT FROM pg_index i
                              WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])
            ORDER BY 1, 2
            """
        ).fetchall()
        assert unindexed == []
        duplicates = conn.execute(
            """
            SELECT a.indexrelid::regclass::text, b.indexrelid::regclass::text
            FROM pg_index a JOIN pg_index b
              ON a.indrelid = b.indrelid AND a.indexrelid < b.indexrelid
             AND a.indkey::text = b.indkey::text AND a.indexprs IS NULL AND b.indexprs IS NULL
            WHERE a.indrelid::regclass::text NOT LIKE 'pg_%'
              AND a.indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
            """
        ).fetchall()
        assert duplicates == []


def test_members_see_their_organizations_sites_and_the_other_tenant_does_not(world):
    sites = "SELECT id::text FROM public.sites"
    for who in ("alice", "erin", "dave", "mia", "vic"):
        with acting_as(world, who):
            assert _column(world, sites) == [SITE_A], who
    with acting_as(world, "bob"):
        assert _column(world, sites) == [SITE_B]
    with acting_as(world, "outsider"):
        assert _column(world, sites) == []


def test_reading_organization_members_as_a_member_does_not_recurse(world):
    with acting_as(world, "mia"):
        members = _column(world, "SELECT user_id::text FROM public.organization_members")
    assert members == sorted(USERS[n] for n in ("erin", "dave", "mia", "vic"))
    with acting_as(world, "bob"):
        assert _column(world, "SELECT user_id::text FROM public.organization_members") == []


def test_a_member_cannot_make_themselves_admin(world):
    with acting_as(world, "mia"):
        world.execute("UPDATE public.organization_members SET role = 'admin' WHERE user_id = %s",
                      (USERS["mia"],))
        role = world.execute(
            "SELECT role FROM public.organization_members WHERE user_id = %s", (USERS["mia"],)
        ).fetchone()[0]
    assert role == "member"


def test_nobody_joins_an_organization_they_do_not_administer(world):
    for who in ("outsider", "mia", "bob"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            with acting_as(world, who):
                world.execute(
                    "INSERT INTO public.organization_members (organization_id, user_id, role)"
                    " VALUES (%s, %s, 'admin')", (ORG_A, USERS[who]))
    with acting_as(world, "erin"):
        world.execute("INSERT INTO public.organization_members (organization_id, user_id)"
                      " VALUES (%s, %s)", (ORG_A, USERS["outsider"]))


def test_a_member_may_leave_but_not_remove_others(world):
    with acting_as(world, "mia"):
        removed = world.execute("DELETE FROM public.organization_members WHERE user_id = %s",
                                (USERS["vic"],)).rowcount
        left = world.execute("DELETE FROM public.organization_members WHERE user_id = %s",
                             (USERS["mia"],)).rowcount
    assert (removed, left) == (0, 1)


def test_site_writes_follow_the_role_ranks(world):
    with acting_as(world, "dave"):
        world.execute("INSERT INTO public.sites (organization_id, name, slug) VALUES (%s, 'n', 'n')", (ORG_A,))
        assert world.execute("DELETE FROM public.sites WHERE id = %s", (SITE_A,)).rowcount == 0
    with acting_as(world, "erin"):
        assert world.execute("DELETE FROM public.sites WHERE id = %s", (SITE_A,)).rowcount == 1
    for who in ("mia", "bob"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with acting_as(world, who):
                world.execute("INSERT INTO public.sites (organization_id, name, slug)"
                              " VALUES (%s, 'n', 'n')", (ORG_A,))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with acting_as(world, "dave"):
            world.execute("UPDATE public.sites SET organization_id = %s WHERE id = %s", (ORG_B, SITE_A))


def test_viewers_cannot_comment_and_members_comment_only_as_themselves(world):
    insert = "INSERT INTO public.page_comments (page_id, user_id, content) VALUES (%s, %s, 'x')"
    with acting_as(world, "mia"):
        world.execute(insert, (PAGE_A, USERS["mia"]))
    for who, author in (("vic", "vic"), ("mia", "dave"), ("bob", "bob")):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with acting_as(world, who):
                world.execute(insert, (PAGE_A, USERS[author]))


def test_projects_are_private_unless_public_and_cannot_be_given_away(world):
    projects = "SELECT id::text FROM public.projects"
    with acting_as(world, None):
        assert _column(world, projects) == [PROJECT_B_PUBLIC]
    with acting_as(world, "alice"):
        assert _column(world, projects) == sorted([PROJECT_A, PROJECT_B_PUBLIC])
        assert _column(world, "SELECT project_id::text FROM public.chat_messages") == [PROJECT_A]
    with acting_as(world, "bob"):
        assert _column(world, "SELECT project_id::text FROM public.chat_messages") == []
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with acting_as(world, "alice"):
            world.execute("UPDATE public.projects SET user_id = %s WHERE id = %s", (USERS["bob"], PROJECT_A))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with acting_as(world, None):
            world.execute("SELECT count(*) FROM public.sites")


def test_organization_admins_edit_but_only_the_owner_owns(world):
    with acting_as(world, "erin"):
        assert world.execute("UPDATE public.organizations SET description = 'x' WHERE id = %s",
                             (ORG_A,)).rowcount == 1
        assert world.execute("DELETE FROM public.organizations WHERE id = %s", (ORG_A,)).rowcount == 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with acting_as(world, "erin"):
            world.execute("UPDATE public.organizations SET owner_id = %s WHERE id = %s", (USERS["erin"], ORG_A))
    with acting_as(world, "dave"):
        assert world.execute("UPDATE public.organizations SET description = 'x' WHERE id = %s",
                             (ORG_A,)).rowcount == 0


def test_append_only_and_server_only_tables_refuse_clients(world):
    with acting_as(world, "alice"):
        world.execute("INSERT INTO public.file_revisions (project_id, file_path, content)"
                      " VALUES (%s, 'a.html', 'x')", (PROJECT_A,))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with acting_as(world, "alice"):
            world.execute("UPDATE public.file_revisions SET content = 'y'")
    for table in ("user_sessions", "session_audit_log", "duplicate_users"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with acting_as(world, "alice"):
                world.execute(f"SELECT * FROM public.{table}")


def test_views_show_the_caller_only_their_own_world(world):
    with acting_as(world, "dave"):
        orgs = world.execute("SELECT user_id::text, organization_id::text, role"
                             " FROM public.user_organizations").fetchall()
        sites = world.execute("SELECT site_id::text, role FROM public.user_sites").fetchall()
        stats = world.execute("SELECT user_id::text, email FROM public.user_stats").fetchall()
        site_stats = _column(world, "SELECT id::text FROM public.site_stats")
    assert orgs == [(USERS["dave"], ORG_A, "editor")]
    assert sites == [(SITE_A, "editor")]
    assert stats == [(USERS["dave"], "dave@example.com")]
    assert site_stats == [SITE_A]
    with acting_as(world, "alice"):
        row = world.execute("SELECT message_count, total_tokens FROM public.project_stats"
                            " WHERE id = %s", (PROJECT_A,)).fetchone()
        assert _column(world, "SELECT role FROM public.user_organizations") == ["owner"]
    assert row == (1, 7)


def test_updated_at_is_set_by_the_trigger(world):
    world.execute("UPDATE public.sites SET updated_at = '2000-01-01' WHERE id = %s", (SITE_A,))
    stamp = world.execute("SELECT updated_at > now() - interval '1 minute' FROM public.sites"
                          " WHERE id = %s", (SITE_A,)).fetchone()[0]
    assert stamp is True


@pytest.mark.xfail(strict=True, reason="compile keeps PostgreSQL's default EXECUTE for PUBLIC: the"
                   " REVOKE ... FROM PUBLIC in policies/public/membership.sql is not compiled")
def test_anon_cannot_call_the_membership_helpers(world):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with acting_as(world, None):
            world.execute("SELECT public.org_role(%s)", (ORG_A,))


@pytest.mark.xfail(strict=True, reason="the source format has no sequence grants and compile does not"
                   " grant USAGE on a serial column's sequence to roles that may INSERT")
def test_service_role_can_write_the_server_only_tables(world):
    with world.transaction(force_rollback=True):
        world.execute("SET LOCAL ROLE service_role")
        world.execute("INSERT INTO public.user_sessions (user_id) VALUES ('u1')")
        world.execute("INSERT INTO public.session_audit_log (user_id, action) VALUES ('u1', 'login')")


def test_the_isolation_checker_finds_the_contracts_hold(roseram_url):
    from roseram_schema.verify.checker import check_database
    from roseram_schema.verify.spec import parse_spec

    project = load_project(ROOT)
    spec = parse_spec(project.personas, project.contracts)
    with psycopg.connect(roseram_url, autocommit=True) as conn:
        report = check_database(conn, spec)
    failed = [(c.table, c.persona, c.command, c.verdict, c.details) for c in report.cells if c.failed]
    assert failed == []
    assert [f for f in report.findings if f.severity == "error"] == []
    # 34 tables + 5 views, 9 personas: every command on every table, a select on every view.
    assert report.probes >= 9 * (34 * 4 + 5)
