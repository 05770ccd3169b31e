"""What makes verify faster changes nothing it reports: probes split by table between
connections (runner.Shards), and a big project's database built and seeded once, then kept
and probed again (cache/verifydb.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import psycopg
import pytest

from roseram_schema.cache import incremental, verifydb
from roseram_schema.errors import DatabaseError
from roseram_schema.normalize.scratch import database_url
from roseram_schema.verify import runner
from roseram_schema.verify.render import to_json
from roseram_schema.verify.spec import Persona
from roseram_schema.workflow import verify as workflow

NOTES = Path(__file__).resolve().parent.parent / "cases" / "verify_source" / "notes"


def test_shards_run_each_table_on_one_connection_and_keep_the_order(platform_db_url):
    me = Persona("me", "authenticated", user=True)
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        for t in ("a", "b", "c"):
            conn.execute(f"CREATE TABLE public.{t} (n int); GRANT ALL ON public.{t} TO authenticated")
        runner.install_runner(conn)
        statements = [
            "SELECT pg_backend_pid()::text FROM (SELECT FROM public.a LIMIT 0) x UNION ALL SELECT pg_backend_pid()::text",
            "INSERT INTO public.b VALUES (1)",
            "SELECT pg_backend_pid()::text FROM (SELECT FROM public.b LIMIT 0) x UNION ALL SELECT pg_backend_pid()::text",
            "INSERT INTO public.c VALUES ('x')",
            "SELECT pg_backend_pid()::text FROM (SELECT FROM public.a LIMIT 0) x UNION ALL SELECT pg_backend_pid()::text",
            "SELECT count(*)::text FROM public.b",
        ]
        alone = runner.run_as(conn, me, None, statements)
        with psycopg.connect(platform_db_url, autocommit=True) as other:
            shards = runner.Shards([conn, other])
            try:
                split = runner.run_as(shards, me, None, statements)
                again = runner.run_as(shards, me, None, statements)
                # what a prober does with its connection besides run_as: on the first one
                assert shards.execute("SELECT pg_backend_pid()").fetchone()[0] == conn.info.backend_pid
            finally:
                shards.close()
    pids = [o.value for o in split]
    # a and c on one connection, b on the other; the same table always on the same one
    assert pids[0] == pids[4] == again[0].value and pids[2] == again[2].value and pids[0] != pids[2]
    same = [(o.count, o.state) for o in split]
    assert same == [(o.count, o.state) for o in alone] == [(o.count, o.state) for o in again]
    assert split[3].state == "22P02" and split[1].count == 1 and split[5].value == "0"


def _report(project: Path, url: str) -> dict:
    data = json.loads(to_json(workflow.verify_project(project, None, url)))
    for key in ("seconds", "timings"):
        data["summary"].pop(key, None)
    return data


def _kept(url: str) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as admin:
        return admin.execute(
            "SELECT datname, shobj_description(oid, 'pg_database'), datacl::text FROM pg_database"
            " WHERE datname LIKE %s", (verifydb.KEPT_PREFIX + "%",)).fetchall()


@pytest.fixture
def notes(pg_server, tmp_path, monkeypatch):
    """The notes project (it leaks: the reports' details are compared too), kept from one
    table on, with the builds of its kept database counted."""
    url = pg_server.base_url
    project = tmp_path / "notes"
    shutil.copytree(NOTES, project)
    (project / "schema" / "public" / "tickets.yaml").write_text(
        "columns:\n  id: {type: uuid, nullable: false, default: gen_random_uuid()}\n"
        "  n: {type: bigint, nullable: false, identity: always}\n  body: {type: text}\n"
        "primary_key: [id]\ngrants:\n  authenticated: [select, insert]\n  service_role: all\n")
    monkeypatch.setattr(verifydb, "KEPT_MIN_TABLES", 1)
    builds = []
    real_build = workflow._build
    monkeypatch.setattr(workflow, "_build", lambda u, c: (builds.append(u), real_build(u, c)))
    try:
        yield project, url, builds
    finally:
        verifydb.drop_kept(url, project, url)


def _kept_db(project: Path, url: str) -> str:
    return database_url(url, verifydb.kept_name(project, url))


def test_the_kept_database_reports_what_a_build_reports(notes, monkeypatch):
    project, url, builds = notes
    name = verifydb.kept_name(project, url)
    before = {row[0] for row in _kept(url)}
    monkeypatch.setenv("ROSERAM_NO_CACHE", "1")
    built = _report(project, url)
    assert builds == [] and {row[0] for row in _kept(url)} == before
    monkeypatch.delenv("ROSERAM_NO_CACHE")
    first = _report(project, url)
    assert len(builds) == 1
    [(_, comment, acl)] = [row for row in _kept(url) if row[0] == name]
    assert comment.startswith("roseram-verify-kept ") and "=c" not in (acl or "")
    kept = _report(project, url)
    again = _report(project, url)
    assert len(builds) == 1  # probed again, not built
    assert built["summary"]["failed"] > 0
    assert kept == again == first == built
    # another source is another build
    with open(sorted((project / "schema").rglob("*.yaml"))[0], "a") as f:
        f.write("\n# edited\n")
    assert _report(project, url) == built
    assert len(builds) == 2


def test_sequences_are_put_back_before_each_run(notes):
    project, url, builds = notes
    _report(project, url)
    with psycopg.connect(_kept_db(project, url), autocommit=True) as conn:
        sequences = conn.execute(f"SELECT sequences FROM {verifydb.KEPT_TABLE}").fetchone()[0]
        state = sequences[conn.execute("SELECT 'public.tickets_n_seq'::regclass::oid::text").fetchone()[0]]
        # the probes' INSERTs took identity values; a rolled-back nextval is not given back
        advanced = conn.execute("SELECT last_value, is_called FROM public.tickets_n_seq").fetchone()
    assert list(advanced) != state
    assert verifydb._recorded(_kept_db(project, url)) is not None
    with psycopg.connect(_kept_db(project, url), autocommit=True) as conn:
        assert list(conn.execute("SELECT last_value, is_called FROM public.tickets_n_seq").fetchone()) == state
    assert len(builds) == 1


@pytest.mark.parametrize("change, seen", [
    # a committed write to a seeded row (a function of the schema writing through dblink, a
    # superuser's session): the checker sees the rows changed before its first probe, checks
    # a scratch database instead and leaves the kept one to be rebuilt by the next run
    ("UPDATE public.notes SET body = body", "by the checker"),
    # a policy dropped: the catalog is not the one built from the source; rebuilt at once
    ("DROP POLICY \"own notes\" ON public.notes", "before the record is used"),
])
def test_a_kept_database_changed_since_is_never_trusted(notes, change, seen):
    project, url, builds = notes
    first = _report(project, url)
    with psycopg.connect(_kept_db(project, url), autocommit=True) as conn:
        conn.execute(change)
    assert _report(project, url) == first
    assert len(builds) == (1 if seen == "by the checker" else 2)
    assert _report(project, url) == first
    assert len(builds) == 2
    assert _report(project, url) == first and len(builds) == 2


def _phases(project: Path, url: str) -> set[str]:
    """The phases a run timed: only a throw-away scratch database is dropped."""
    return set(workflow.verify_project(project, None, url).timings)


def test_a_busy_kept_database_means_a_scratch_database(notes):
    project, url, builds = notes
    first = _report(project, url)
    assert "drop_database" not in _phases(project, url)  # the kept database, probed again
    with psycopg.connect(url, autocommit=True) as other:
        # another run holds it
        other.execute("SELECT pg_advisory_lock(%s)", (incremental.lock_key_of(verifydb.kept_name(project, url)),))
        assert "drop_database" in _phases(project, url)
        assert _report(project, url) == first
    assert len(builds) == 1
    assert _report(project, url) == first and len(builds) == 1
    assert "drop_database" not in _phases(project, url)


def test_a_record_that_cannot_be_written_leaves_the_run_as_it_is_and_the_next_builds(notes, monkeypatch):
    project, url, builds = notes
    with monkeypatch.context() as m:
        # as on a server without hashtidextended (before PostgreSQL 14)
        m.setattr(verifydb, "catalog_signature", lambda conn: (_ for _ in ()).throw(
            DatabaseError("reading catalog_signature from the database catalog failed")))
        first = _report(project, url)
    assert len(builds) == 1
    [(_, comment, _)] = [row for row in _kept(url) if row[0] == verifydb.kept_name(project, url)]
    assert not comment  # unrecorded: never trusted
    assert _report(project, url) == first
    assert len(builds) == 2


def test_a_server_that_refuses_the_kept_database_gets_a_scratch_database(notes, monkeypatch):
    project, url, builds = notes
    monkeypatch.setenv("ROSERAM_NO_CACHE", "1")
    built = _report(project, url)
    monkeypatch.delenv("ROSERAM_NO_CACHE")

    def refused(admin, name):
        raise psycopg.errors.InsufficientPrivilege("permission denied to create database")

    monkeypatch.setattr(verifydb, "_make_empty", refused)
    assert _report(project, url) == built
    assert builds == [] and verifydb.kept_name(project, url) not in {row[0] for row in _kept(url)}
