"""pytest plugin: test a project's policies with its own schema, personas and contracts.

Registered through the `pytest11` entry point, so every pytest run loads it; it does nothing
(no server, no database, no heavy import) until a test asks for one of its fixtures:

- `roseram_db`: a database built from the project, cloned for each test from a template
  database built once per session (`CREATE DATABASE ... TEMPLATE`), dropped after the test.
- `roseram_persona`: `with roseram_persona("alice") as conn:` runs SQL as that persona
  (its role and JWT claims, over verify's seeded rows), rolled back when the block ends.
- `roseram_verify`: `roseram_verify()` asserts the project's contracts hold (verify).

The server is `--roseram-db-url` (or `$ROSERAM_TEST_DB_URL`), one where the plugin may create
and drop databases, else an embedded PostgreSQL started in a temporary folder for the session.
The project is `--roseram-project` (or the `roseram_project` ini value), else the rootdir.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import uuid
import warnings
from dataclasses import replace
from pathlib import Path

import pytest

PROJECT_MARKERS = ("project.yaml", "schema", "policies", "views")

# The template is a throwaway copy of the source: whatever apply would refuse on a live
# database (data loss, lint errors) is no reason to refuse a test database.
ALLOW_ALL_HAZARDS = ("deletes_data", "fails_on_existing_rows", "opens_access", "lint_errors")

_counter = itertools.count()


def pytest_addoption(parser):
    group = parser.getgroup("roseram", "roseram-schema project fixtures")
    group.addoption("--roseram-project", default=None, metavar="DIR",
                    help="the roseram-schema project the roseram_* fixtures build (default: rootdir)")
    group.addoption("--roseram-db-url", default=None, metavar="URL",
                    help="a PostgreSQL server where the roseram_* fixtures may create databases "
                         "(default: $ROSERAM_TEST_DB_URL, else an embedded server for the session)")
    parser.addini("roseram_project", "the roseram-schema project folder, relative to the ini file")


def _project_dir(config) -> Path:
    """The project folder from the option, the ini value or the rootdir, checked."""
    given = config.getoption("roseram_project")
    if given:
        path = Path(given)
        if not path.is_absolute():
            path = Path(config.invocation_params.dir) / path
    elif config.getini("roseram_project"):
        base = Path(config.inipath).parent if config.inipath else Path(config.rootpath)
        path = base / config.getini("roseram_project")
    else:
        path = Path(config.rootpath)
    if not any((path / marker).exists() for marker in PROJECT_MARKERS):
        raise pytest.UsageError(
            f"roseram fixtures: {path} is not a roseram-schema project (no project.yaml, schema/, "
            "policies/ or views/); pass --roseram-project DIR or set roseram_project in the ini file"
        )
    return path.resolve()


def _url(base_url: str, dbname: str) -> str:
    # lazy: the plugin loads in every pytest run (module doc)
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(base_url)
    params["dbname"] = dbname
    return make_conninfo(**params)


def _admin(base_url: str, statement, *args) -> None:
    # lazy: the plugin loads in every pytest run (module doc)
    import psycopg

    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(statement, *args)


@pytest.fixture(scope="session")
def _roseram_server(tmp_path_factory, pytestconfig):
    """The URL of a server database (`postgres`) on which databases may be created."""
    url = pytestconfig.getoption("roseram_db_url") or os.environ.get("ROSERAM_TEST_DB_URL")
    if url:
        yield url
        return
    # lazy: the plugin loads in every pytest run (module doc)
    from roseram_schema.server.embedded import LocalServer

    server = LocalServer(tmp_path_factory.mktemp("roseram-pg"), fast=True)
    url = server.start()
    try:
        yield url
    finally:
        server.reset()


class _Template:
    """The session's template database: the project's schema, applied once."""

    def __init__(self, project: Path, server_url: str):
        self.project = project
        self.server_url = server_url
        self.name = f"roseram_tmpl_{os.getpid()}_{uuid.uuid4().hex[:8]}"

    def build(self) -> None:
        # lazy: the plugin loads in every pytest run (module doc)
        from psycopg import sql

        from roseram_schema import api

        _admin(self.server_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        api.apply(self.project, _url(self.server_url, self.name), dev_db=self.server_url,
                 allow_hazards=ALLOW_ALL_HAZARDS)

    def drop(self) -> None:
        # lazy: the plugin loads in every pytest run (module doc)
        from psycopg import sql

        _admin(self.server_url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(self.name)))


@pytest.fixture(scope="session")
def _roseram_template(pytestconfig, _roseram_server):
    template = _Template(_project_dir(pytestconfig), _roseram_server)
    try:
        template.build()
        yield template
    finally:
        template.drop()


class RoseramDatabase:
    """One test's database: the project's schema, nothing else (no rows but the platform's)."""

    def __init__(self, name: str, url: str, project: Path, server_url: str):
        self.name = name
        self.url = url
        self.project = project
        self.server_url = server_url

    def connect(self, **kwargs):
        """A psycopg connection as the server's superuser (autocommit unless told otherwise)."""
        # lazy: the plugin loads in every pytest run (module doc)
        import psycopg

        kwargs.setdefault("autocommit", True)
        return psycopg.connect(self.url, **kwargs)

    def __str__(self) -> str:
        return self.url


@pytest.fixture
def roseram_db(_roseram_template):
    """A fresh database with the project's schema, cloned from the session's template."""
    # lazy: the plugin loads in every pytest run (module doc)
    from psycopg import sql

    template = _roseram_template
    name = f"roseram_t_{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:6]}"
    _admin(template.server_url, sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
        sql.Identifier(name), sql.Identifier(template.name)))
    try:
        yield RoseramDatabase(name, _url(template.server_url, name), template.project,
                              template.server_url)
    finally:
        _admin(template.server_url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


class Personas:
    """`roseram_persona("alice")`: a connection acting as that persona (see the module doc).

    The first use seeds the test's database with the rows verify seeds (users, tenants,
    each persona's rows), so the personas have something to see or not see.
    """

    def __init__(self, db: RoseramDatabase):
        self.db = db
        self._spec = None
        self._user_ids: dict[str, str] = {}
        self._seeded = False

    @property
    def spec(self):
        """The verify Spec of the project (personas, tenancy, contracts)."""
        if self._spec is None:
            # lazy: the plugin loads in every pytest run (module doc)
            from roseram_schema.cache import load_project
            from roseram_schema.verify.spec import load_spec

            self._spec = load_spec(load_project(self.db.project))
        return self._spec

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.spec.personas)

    def _seed(self) -> None:
        # lazy: the plugin loads in every pytest run (module doc)
        from roseram_schema.apply.history import HISTORY_SCHEMA
        from roseram_schema.verify.anchors import derive_anchors
        from roseram_schema.verify.checker import check_tenancy, seed_database
        from roseram_schema.verify.facts import read_facts
        from roseram_schema.verify.seed import build_world

        spec = self.spec
        with self.db.connect() as conn:
            # apply's history table is the tool's bookkeeping, not the project's: verify's
            # scratch database has none, so the seeded rows stay verify's
            facts = read_facts(conn)
            facts = replace(facts, tables=tuple(t for t in facts.tables if t.schema != HISTORY_SCHEMA))
            check_tenancy(facts, spec)
            world = build_world(facts, spec, derive_anchors(facts, spec))
            with conn.transaction():
                seed_database(conn, world)
        self._user_ids = dict(world.user_ids)
        # a table left without rows would make every persona "see nothing" and pass for it
        for key, why in sorted(world.gaps.items()):
            warnings.warn(f"roseram_persona: {key} has no seeded rows: {why}", stacklevel=3)
        self._seeded = True

    def user_id(self, name: str) -> str | None:
        """The id of a persona's user row (None for a persona that is not a user)."""
        self._persona(name)
        if not self._seeded:
            self._seed()
        return self._user_ids.get(name)

    def _persona(self, name: str):
        for persona in self.spec.personas:
            if persona.name == name:
                return persona
        raise LookupError(f"no persona {name!r} in the project: the personas are {', '.join(self.names)}")

    @contextlib.contextmanager
    def __call__(self, name: str):
        # lazy: the plugin loads in every pytest run (module doc)
        from roseram_schema.verify.runner import impersonate

        persona = self._persona(name)
        user_id = self.user_id(name)
        conn = self.db.connect(autocommit=False)
        try:
            impersonate(conn, persona, user_id)
            yield conn
            self._check_still_persona(conn, persona)
        finally:
            # whatever the test did as the persona is undone; the seeded rows stay
            conn.rollback()
            conn.close()

    @staticmethod
    def _check_still_persona(conn, persona) -> None:
        """A commit or rollback inside the block ends the persona's transaction: what ran
        after it ran as the superuser, and a test passing on that would prove nothing."""
        # lazy: the plugin loads in every pytest run (module doc)
        from psycopg.pq import TransactionStatus

        if conn.info.transaction_status != TransactionStatus.INTRANS:
            return
        [(user,)] = conn.execute("SELECT current_user").fetchall()
        if user != persona.role:
            raise AssertionError(
                f"roseram_persona({persona.name!r}): the transaction ended inside the block (commit "
                f"or rollback), so the statements after it ran as {user}, not as {persona.role}"
            )


@pytest.fixture
def roseram_persona(roseram_db):
    """Factory of persona connections on this test's database (see Personas)."""
    return Personas(roseram_db)


@pytest.fixture
def roseram_verify(pytestconfig, _roseram_server):
    """`roseram_verify()` asserts every contract of the project holds; returns the report.

    `roseram_verify(db=url)` judges that database's schema instead of the source.
    """
    project = _project_dir(pytestconfig)

    def check(db: str | None = None):
        # lazy: the plugin loads in every pytest run (module doc)
        from roseram_schema import api

        report = api.verify(project, str(db) if db is not None else None, dev_db=_roseram_server)
        if not report.passed:
            lines = [f"{c.verdict} {c.table} {c.persona} {c.command}: {'; '.join(c.details)}" for c in report.failures]
            lines += [f"{f.severity} {f.id} {f.location}: {f.message}"
                      for f in report.findings if f.severity == "error"]
            raise AssertionError("the project's contracts do not hold:\n" + "\n".join(lines))
        return report

    return check
