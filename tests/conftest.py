"""Shared fixtures: a real PostgreSQL server for the session, a fresh database per test.

The databases are made by the pytest plugin's DatabaseServer (roseram_schema/pytest_plugin.py,
pytest-postgresql's DatabaseJanitor underneath), the code users' roseram_db runs.

Which server: ROSERAM_TEST_DB_URL (an existing server, any database on it; the fixtures
create and drop their own databases there), else one this session starts itself
(ROSERAM_TEST_PG=15 for Debian's PostgreSQL 15, =18 or unset for the embedded 18).
"""

from __future__ import annotations

import functools
import os
import tempfile

import psycopg
import pytest

from roseram_schema.pytest_plugin import DatabaseServer

# A Supabase-like database on a server of its own (supabase_server, supabase_db_url).
pytest_plugins = ["supabase_like.fixtures"]

# The per-user key that tags cache files and marks the embedded server's data folders
# (userkey.py): one of the session's own, inherited by the commands the tests run, so the
# tests neither read nor create the key of the user running them.
os.environ.setdefault("ROSERAM_STATE_DIR", tempfile.mkdtemp(prefix="roseram-state-"))


# The plugin's server class: the scratch databases of every test here are created and dropped
# by the same code (pytest-postgresql's janitor) as the roseram_* fixtures users run.
TestServer = DatabaseServer


def _start_session_server(tmp_path_factory) -> tuple[str, object]:
    from roseram_schema.server.embedded import LocalServer, binaries_for_version

    which = os.environ.get("ROSERAM_TEST_PG", "18")
    data_root = tmp_path_factory.mktemp(f"pg{which}")
    server = LocalServer(data_root, bin_dir=binaries_for_version(which), fast=True)
    server.start()
    return server.url("postgres"), server


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """The session's PostgreSQL server (see module docstring)."""
    url = os.environ.get("ROSERAM_TEST_DB_URL")
    handle = None
    if not url:
        url, handle = _start_session_server(tmp_path_factory)
    yield TestServer(url)
    if handle is not None:
        handle.reset()


@pytest.fixture
def make_db(pg_server):
    """Factory: each call returns the URL of a new empty database, dropped after the test."""
    created: list[str] = []

    def make(prefix: str = "t") -> str:
        name = pg_server.create_database(prefix)
        created.append(name)
        return pg_server.url(name)

    yield make
    for name in created:
        pg_server.drop_database(name)


@pytest.fixture
def db_url(make_db):
    """URL of a fresh, empty database for this test."""
    return make_db()


@pytest.fixture
def db_conn(db_url):
    """An autocommit psycopg connection to the fresh database of this test."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def platform_db_url(db_url):
    """A fresh database with the Supabase platform stand-in (auth schema, roles) installed."""
    from roseram_schema.platform import ensure_platform

    with psycopg.connect(db_url, autocommit=True) as conn:
        ensure_platform(conn)
    return db_url


# --- Tests whose result cannot depend on the selected server ------------------------------
#
# A test that uses neither the session's server nor the Supabase-like one (and whose module
# does not pick a server version itself) runs the same code against the same things whatever
# ROSERAM_TEST_PG says: the parser, the renderers, the cache, the CLI on the embedded default
# server. Running it again for a second server version proves nothing new, so a run on a
# server other than the default leaves it to the default run (CI runs both). About half the
# tests; ROSERAM_TEST_EVERY=1 runs them anyway. A test marked `default_server_only` (the
# mutation score's sample: a measurement) is left to the default run the same way.
DEFAULT_SERVER = "18"
_SERVER_FIXTURES = ("pg_server", "supabase_server")
_PICKS_A_VERSION = ("ROSERAM_TEST_PG", "ROSERAM_TEST_DB_URL", "binaries_for_version")


@functools.cache
def _module_picks_a_version(source: str) -> bool:
    with open(source, encoding="utf-8") as handle:
        text = handle.read()
    return any(word in text for word in _PICKS_A_VERSION)


def _server_independent(item) -> bool:
    if item.get_closest_marker("default_server_only") is not None:
        return True
    if any(name in item.fixturenames for name in _SERVER_FIXTURES):
        return False
    source = getattr(item.module, "__file__", None)
    return source is not None and not _module_picks_a_version(source)


def _other_server_run() -> bool:
    return (os.environ.get("ROSERAM_TEST_PG", DEFAULT_SERVER) != DEFAULT_SERVER
            and not os.environ.get("ROSERAM_TEST_DB_URL") and os.environ.get("ROSERAM_TEST_EVERY") != "1")


def pytest_configure(config):
    config.addinivalue_line("markers", "default_server_only: a measurement run once, on the default server "
                            "(ROSERAM_TEST_EVERY=1 runs it on any)")


def pytest_collection_modifyitems(config, items):
    if not _other_server_run():
        return
    keep, left = [], []
    for item in items:
        (left if _server_independent(item) else keep).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = keep


def pytest_report_header(config):
    if _other_server_run():
        return (f"ROSERAM_TEST_PG={os.environ['ROSERAM_TEST_PG']}: the tests that use no server are left to the "
                f"run on the default server ({DEFAULT_SERVER}) and deselected here; ROSERAM_TEST_EVERY=1 runs them")
    return None
