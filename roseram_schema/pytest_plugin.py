"""pytest plugin: test a project's policies with its own schema, personas and contracts.

Registered through the `pytest11` entry point, so every pytest run loads it; it does nothing
(no server, no database, no heavy import) until a test asks for one of its fixtures:

- `roseram_db`: a database built from the project, cloned for each test from a template
  database built once per session (`CREATE DATABASE ... TEMPLATE`), dropped after the test.
- `roseram_persona`: `with roseram_persona("alice") as conn:` runs SQL as that persona
  (its role and JWT claims, over verify's seeded rows), rolled back when the block ends.
- `roseram_verify`: `roseram_verify()` asserts the project's contracts hold (verify).
- `roseram_noproc`: the session's server as pytest-postgresql's `NoopExecutor` (what its
  `postgresql_noproc` fixture yields), whose `template_dbname` is the project's template, so
  `factories.postgresql("roseram_noproc")` and `postgresql_noproc(depends_on="roseram_noproc")`
  work on the project's schema.

The server is `--roseram-db-url` (or `$ROSERAM_TEST_DB_URL`), one where the plugin may create
and drop databases, else an embedded PostgreSQL started in a temporary folder for the session.
The project is `--roseram-project` (or the `roseram_project` ini value), else the rootdir.

Databases are created and dropped by pytest-postgresql's `DatabaseJanitor` through
`DatabaseServer`, which roseram-schema's own test suite (tests/conftest.py) uses for its
scratch databases too: one code path, exercised by ~900 tests. pytest-postgresql comes with the
`pytest` extra (`pip install 'roseram-schema[pytest]'`); without it the fixtures fail saying so.
Not used from it: `postgresql_proc`, which starts a server on a TCP port (the embedded one
listens on none, see server/embedded.py), and the `postgresql_noproc` factory itself, whose
database names are fixed when the factory runs (two sessions on one server would collide) and
whose `load` list cannot see which project to build.
"""

from __future__ import annotations

import contextlib
import functools
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


PYTEST_POSTGRESQL_MISSING = (
    "the roseram_* fixtures create their databases with pytest-postgresql, which is not installed: "
    "install the plugin's extra, pip install 'roseram-schema[pytest]'"
)


def _url(base_url: str, dbname: str) -> str:
    # lazy: the plugin loads in every pytest run (module doc)
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(base_url)
    params["dbname"] = dbname
    return make_conninfo(**params)


@functools.cache
def janitor_class():
    """pytest-postgresql's DatabaseJanitor, connecting with the server's whole URL.

    Its own cursor() connects by host, port, user and password alone (a URL's sslmode, service
    or other parameters are lost) and retries for a minute on a server it cannot reach; this one
    keeps the URL and fails at once. Creating, cloning and dropping are the janitor's own.
    ImportError (saying what to install) without pytest-postgresql.
    """
    try:
        from pytest_postgresql.janitor import DatabaseJanitor
    except ImportError as exc:
        raise ImportError(PYTEST_POSTGRESQL_MISSING) from exc
    # lazy: the plugin loads in every pytest run (module doc)
    import psycopg

    class UrlJanitor(DatabaseJanitor):
        def __init__(self, server: DatabaseServer, dbname: str, **kwargs):
            super().__init__(user=server.user, host=server.host, port=server.port,
                             password=server.password, dbname=dbname, **kwargs)
            self.server_url = server.base_url

        @contextlib.contextmanager
        def cursor(self, dbname: str | None = None):
            url = self.server_url if dbname is None else _url(self.server_url, dbname)
            with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
                yield cur

    return UrlJanitor


class DatabaseServer:
    """A PostgreSQL server on which tests create and drop databases (see the module doc): the
    roseram_* fixtures' and the project's own tests/conftest.py's `pg_server`."""

    def __init__(self, base_url: str):
        # lazy: the plugin loads in every pytest run (module doc)
        import psycopg

        self.base_url = base_url
        with psycopg.connect(base_url, autocommit=True) as conn:
            info = conn.info
            self.version_num = info.server_version
            # what libpq resolved (a socket folder for the embedded server), for the janitor's
            # and NoopExecutor's host/port/user fields
            self.host, self.port, self.user, self.password = info.host, info.port, info.user, info.password

    @property
    def major(self) -> int:
        return self.version_num // 10000

    def url(self, dbname: str) -> str:
        return _url(self.base_url, dbname)

    @staticmethod
    def new_name(prefix: str = "t") -> str:
        """A database name no other test, worker or concurrent session on the server uses."""
        return f"{prefix}_{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:6]}"

    def janitor(self, dbname: str, *, template: str | None = None, as_template: bool = False):
        return janitor_class()(self, dbname, template_dbname=template, as_template=as_template)

    def create_database(self, prefix: str = "t", *, template: str | None = None,
                        as_template: bool = False) -> str:
        """Create a new database (empty, or a clone of `template`); returns its name."""
        name = self.new_name(prefix)
        self.janitor(name, template=template, as_template=as_template).init()
        return name

    def drop_database(self, name: str, *, as_template: bool = False) -> None:
        """Drop it if it exists, ending its connections first."""
        self.janitor(name, as_template=as_template).drop()

    def noproc(self, dbname: str):
        """The server as pytest-postgresql's NoopExecutor, whose template is `<dbname>_tmpl`."""
        # lazy: an optional dependency (janitor_class), and the plugin loads in every pytest run
        from pytest_postgresql.executors import NoopExecutor

        return NoopExecutor(host=self.host, port=self.port, user=self.user, password=self.password,
                            options="", dbname=dbname, maintenance_dbname=_dbname(self.base_url))


def _dbname(url: str) -> str:
    # lazy: the plugin loads in every pytest run (module doc)
    from psycopg.conninfo import conninfo_to_dict

    return conninfo_to_dict(url).get("dbname") or "postgres"


@pytest.fixture(scope="session")
def _roseram_server(tmp_path_factory, pytestconfig):
    """The session's DatabaseServer: --roseram-db-url, else an embedded server."""
    try:
        janitor_class()
        missing = None
    except ImportError as exc:
        missing = str(exc)
    if missing:  # failed outside the except block: the message alone, no chained traceback
        pytest.fail(missing, pytrace=False)
    url = pytestconfig.getoption("roseram_db_url") or os.environ.get("ROSERAM_TEST_DB_URL")
    if url:
        yield DatabaseServer(url)
        return
    # lazy: the plugin loads in every pytest run (module doc)
    from roseram_schema.server.embedded import LocalServer

    server = LocalServer(tmp_path_factory.mktemp("roseram-pg"), fast=True)
    url = server.start()
    try:
        yield DatabaseServer(url)
    finally:
        server.reset()


@pytest.fixture(scope="session")
def roseram_noproc(pytestconfig, _roseram_server):
    """The server as pytest-postgresql's NoopExecutor; its template database holds the project.

    The template is made like `postgresql_noproc` makes one (a janitor with `as_template`) and
    filled by `apply` instead of its `load` list, which cannot see which project this is.
    """
    project = _project_dir(pytestconfig)
    server = _roseram_server
    executor = server.noproc(server.new_name("roseram"))
    template = server.janitor(executor.template_dbname, as_template=True)
    template.init()
    try:
        # lazy: the plugin loads in every pytest run (module doc)
        from roseram_schema import api

        api.apply(project, server.url(executor.template_dbname), dev_db=server.base_url,
                  allow_hazards=ALLOW_ALL_HAZARDS)
        yield executor
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
def roseram_db(pytestconfig, _roseram_server, roseram_noproc):
    """A fresh database with the project's schema, cloned from the session's template."""
    server = _roseram_server
    name = server.create_database("roseram_t", template=roseram_noproc.template_dbname)
    try:
        yield RoseramDatabase(name, server.url(name), _project_dir(pytestconfig), server.base_url)
    finally:
        server.drop_database(name)


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

        report = api.verify(project, str(db) if db is not None else None,
                            dev_db=_roseram_server.base_url)
        if not report.passed:
            lines = [f"{c.verdict} {c.table} {c.persona} {c.command}: {'; '.join(c.details)}" for c in report.failures]
            lines += [f"{f.severity} {f.id} {f.location}: {f.message}"
                      for f in report.findings if f.severity == "error"]
            raise AssertionError("the project's contracts do not hold:\n" + "\n".join(lines))
        return report

    return check
