"""Extensions the embedded dev server lacks (pgcrypto, uuid-ossp): when the target's server
has them and lets the user create databases, the scratch databases of plan, apply and verify
are built there (and dropped); otherwise the error names the extensions, the servers tried
and the --dev-db to give. A dev server the user named is never replaced.

Two servers are needed: the embedded PostgreSQL 18 (no pgcrypto) and Debian's PostgreSQL
(has it). The session's server is one of them; the other is started here, as
tests/supabase_like/fixtures.py starts its own."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from roseram_schema.api import apply_in, plan_in
from roseram_schema.errors import DatabaseError
from roseram_schema.server.dev import DevServer
from roseram_schema.workflow.verify import verify_project

FILES = {
    "project.yaml": "schemas:\n  - public\nroles:\n  - authenticated\n",
    "schema/public/tokens.sql": """
        CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;
        CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA extensions;
        CREATE TABLE public.tokens (
          id uuid PRIMARY KEY DEFAULT extensions.uuid_generate_v4(),
          secret text NOT NULL DEFAULT encode(extensions.gen_random_bytes(16), 'hex')
        );
        GRANT SELECT ON public.tokens TO authenticated;
        """,
    "policies/public/tokens.yaml": """
        rls: enabled
        policies:
          - name: signed in
            command: select
            roles: [authenticated]
            using: "true"
        """,
}


def _debian_version() -> str | None:
    root = Path("/usr/lib/postgresql")
    versions = sorted((p.name for p in root.iterdir() if (p / "bin" / "pg_ctl").exists()), key=int) \
        if root.is_dir() else []
    return versions[0] if versions else None


def _offers(url: str, name: str) -> bool:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT EXISTS (SELECT FROM pg_available_extensions WHERE name = %s)",
                            (name,)).fetchone()[0]


@pytest.fixture(scope="module")
def servers(pg_server, tmp_path_factory):
    """(URL of a server without pgcrypto, URL of one with it): the session's server and a
    second one of the other kind."""
    from roseram_schema.server.embedded import LocalServer, binaries_for_version

    session_has = _offers(pg_server.base_url, "pgcrypto")
    if session_has:
        which = "18"
    else:
        which = _debian_version()
        if which is None:
            pytest.skip("no Debian PostgreSQL server installed (/usr/lib/postgresql/*/bin)")
    handle = LocalServer(tmp_path_factory.mktemp(f"other_pg{which}"), bin_dir=binaries_for_version(which),
                         fast=True)
    handle.start()
    try:
        other = handle.url("postgres")
        lacking, having = (other, pg_server.base_url) if session_has else (pg_server.base_url, other)
        if _offers(lacking, "pgcrypto") or not _offers(having, "pgcrypto"):
            pytest.skip("the embedded server has pgcrypto now: nothing to fall back from")
        yield lacking, having
    finally:
        handle.reset()


def _url(server_url: str, dbname: str) -> str:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(server_url)
    params["dbname"] = dbname
    return make_conninfo(**params)


@pytest.fixture
def target(servers):
    """A fresh database on the server that has pgcrypto (dropped afterwards)."""
    _, having = servers
    name = f"target_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(having, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield _url(having, name)
    with psycopg.connect(having, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def scratch_databases(server_url: str) -> list[str]:
    with psycopg.connect(server_url) as conn:
        return [r[0] for r in conn.execute(
            "SELECT datname FROM pg_database WHERE datname ~ '^roseram_' ORDER BY 1")]


def test_plan_apply_verify_build_on_the_targets_server(servers, target, project, monkeypatch, capfd):
    monkeypatch.setenv("ROSERAM_NO_CACHE", "1")
    lacking, having = servers
    before = scratch_databases(having)
    dev = DevServer.started(lacking, given=False)  # as the embedded default server
    plan = plan_in(project, target, dev)
    assert dev.moved and not dev.keeps_databases
    assert "CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions" in plan.to_sql()
    assert "note: the embedded dev server lacks pgcrypto, uuid-ossp" in capfd.readouterr().err
    result = apply_in(project, target, DevServer.started(lacking, given=False),
                      allow_hazards=("opens_access",))
    assert result.applied
    with psycopg.connect(target) as conn:
        row = conn.execute("INSERT INTO public.tokens DEFAULT VALUES RETURNING length(secret)").fetchone()
    assert row == (32,)
    assert plan_in(project, target, DevServer.started(lacking, given=False)).empty
    # verify of the source against the target, and of the database alone (`verify --db`)
    assert verify_project(project, target, DevServer.started(lacking, given=False)).probes > 0
    assert verify_project(None, target, DevServer.started(lacking, given=False)).probes > 0
    # every scratch database made on the target's server was dropped
    assert scratch_databases(having) == before


def test_a_named_dev_server_is_not_replaced_and_the_error_says_which(servers, target, project, monkeypatch):
    monkeypatch.setenv("ROSERAM_NO_CACHE", "1")
    lacking, having = servers
    with pytest.raises(DatabaseError) as e:
        plan_in(project, target, DevServer(lacking, project))
    message = str(e.value)
    assert "pgcrypto (schema/public/tokens.sql:1:1), uuid-ossp (schema/public/tokens.sql:2:1)" in message
    assert "the dev server given (--dev-db / ROSERAM_DEV_DB)" in message
    assert "--dev-db '" in message and "dbname=postgres" in message  # the target's server, spelt out
    with psycopg.connect(target) as conn:  # untouched
        assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'extensions'").fetchone() == (0,)


def test_without_createdb_on_the_target_the_error_names_the_servers_tried(servers, target, project, monkeypatch):
    monkeypatch.setenv("ROSERAM_NO_CACHE", "1")
    lacking, having = servers
    role = f"nocreatedb_{uuid.uuid4().hex[:8]}"
    dbname = psycopg.conninfo.conninfo_to_dict(target)["dbname"]
    with psycopg.connect(having, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} NOCREATEDB").format(sql.Identifier(role)))
        conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(dbname), sql.Identifier(role)))
    try:
        # the session works as that role (peer authentication lets only the OS user log in)
        as_role = psycopg.conninfo.make_conninfo(target, options=f"-c role={role}")
        with pytest.raises(DatabaseError) as e:
            plan_in(project, as_role, DevServer.started(lacking, given=False))
        message = str(e.value)
        assert "the embedded dev server at" in message and "lacks pgcrypto, uuid-ossp" in message
        assert "the target's server at" in message and f"role {role} may not create databases" in message
        assert "--dev-db URL" in message
    finally:
        with psycopg.connect(having, autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO CURRENT_USER").format(sql.Identifier(dbname)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_verify_db_outside_a_project_with_the_default_server(servers, target, tmp_path):
    """The command of the issue: `verify --db` on a database using pgcrypto, no --dev-db.
    The default dev server outside a project is a temporary embedded one (no pgcrypto)."""
    _, having = servers
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pgcrypto; CREATE TABLE public.t (id bigint PRIMARY KEY,"
                     " secret bytea DEFAULT public.gen_random_bytes(8))")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ROSERAM_DEV_DB", "ROSERAM_PG_BIN")}
    r = subprocess.run([sys.executable, "-m", "roseram_schema", "verify", "--db", target], cwd=tmp_path,
                       capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env, timeout=300)
    assert "not available" not in r.stderr, r.stderr
    assert "note: the embedded dev server lacks pgcrypto" in r.stderr
    assert "probes" in r.stderr, r.stderr


def test_plan_in_a_project_with_its_embedded_dev_server(servers, target, project):
    """`plan --db URL` with no --dev-db: the project's embedded server is started, found
    lacking, and the scratch database is built on the target's server."""
    from roseram_schema.server.dev import embedded_server

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ROSERAM_DEV_DB", "ROSERAM_PG_BIN")}
    try:
        r = subprocess.run([sys.executable, "-m", "roseram_schema", "plan", "--project", str(project),
                            "--db", target, "--format", "sql"],
                           capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env, timeout=300)
    finally:
        embedded_server(project).reset()
    assert r.returncode == 2, r.stderr
    assert "note: the embedded dev server lacks pgcrypto, uuid-ossp" in r.stderr
    assert "CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions" in r.stdout
