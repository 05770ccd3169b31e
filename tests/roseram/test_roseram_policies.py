"""The Roseram policies and views, queried as real users.

A small world is seeded (organization A owned by alice with erin/dave/mia/vic as admin/
editor/member/viewer, organization B owned by bob, an outsider) and queried the way PostgREST
does: `SET LOCAL ROLE authenticated` plus `request.jwt.claims`. These are smoke tests of the
policies; the full persona x table x command matrix is `verify`'s, run on the project at the end.
"""

from __future__ import annotations

import json
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


def test_anon_cannot_call_the_membership_helpers(world):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with acting_as(world, None):
            world.execute("SELECT public.org_role(%s)", (ORG_A,))


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


def test_credentials_and_billing_are_for_admins_only(world):
    world.execute("INSERT INTO public.integrations (organization_id, provider, credentials_encrypted)"
                  " VALUES (%s, 'github', 'secret')", (ORG_A,))
    world.execute("INSERT INTO public.invoices (organization_id, amount) VALUES (%s, 100)", (ORG_A,))
    world.execute("INSERT INTO public.usage_quotas (organization_id) VALUES (%s)", (ORG_A,))
    counts = {}
    for who in ("alice", "erin", "dave", "vic", "bob"):
        with acting_as(world, who):
            counts[who] = tuple(
                world.execute(f"SELECT count(*) FROM public.{table}").fetchone()[0]
                for table in ("integrations", "invoices", "usage_quotas")
            )
    assert counts == {"alice": (1, 1, 1), "erin": (1, 1, 1), "dave": (0, 0, 1),
                      "vic": (0, 0, 1), "bob": (0, 0, 0)}
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with acting_as(world, "erin"):
            world.execute("UPDATE public.invoices SET amount = 0")
