"""One implementation of test databases: the plugin's DatabaseServer (pytest-postgresql's
DatabaseJanitor underneath) makes both the roseram_* fixtures' databases and this suite's own
(`make_db`, `db_url`, `pg_server.create_database`), so a bug in it shows here too."""

from __future__ import annotations

import json
import shutil
import textwrap

import psycopg
import pytest

import conftest
from roseram_schema.pytest_plugin import DatabaseServer

from test_plugin import EXAMPLE, copy_example

pytest_plugins = ["pytester"]


# Appends every DatabaseJanitor init/drop to a JSON-lines file: (what, janitor class, dbname,
# template); the conftest of a pytester run, and janitor_log's here.
RECORDER = """
import json

from pytest_postgresql.janitor import DatabaseJanitor

def record(log, what, method):
    def wrapper(self):
        kind = type(self).__module__ + "." + type(self).__qualname__
        with open(log, "a") as out:
            out.write(json.dumps([what, kind, self.dbname, self.template_dbname]) + "\\n")
        return method(self)
    return wrapper

def install(log, setattr=setattr):
    setattr(DatabaseJanitor, "init", record(log, "init", DatabaseJanitor.init))
    setattr(DatabaseJanitor, "drop", record(log, "drop", DatabaseJanitor.drop))
"""


def read_calls(log):
    return [tuple(json.loads(line)) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture
def janitor_log(monkeypatch, tmp_path):
    log = tmp_path / "janitor.jsonl"
    namespace = {}
    exec(RECORDER, namespace)
    namespace["install"](log, monkeypatch.setattr)
    return log


def test_the_suite_and_the_plugin_create_databases_through_the_same_janitor(
        janitor_log, pytester, pg_server, make_db):
    assert conftest.TestServer is DatabaseServer and isinstance(pg_server, DatabaseServer)
    url = make_db("shared")
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    [(what, suite_kind, dbname, template)] = read_calls(janitor_log)
    assert (what, dbname, template) == ("init", name, None)
    assert suite_kind == "roseram_schema.pytest_plugin.janitor_class.<locals>.UrlJanitor"

    # the plugin as users run it (a subprocess), with the same recorder
    copy_example(pytester)
    plugin_log = pytester.path / "plugin-janitor.jsonl"
    pytester.makeconftest(RECORDER + f"\ninstall({str(plugin_log)!r})\n")
    pytester.makepyfile(test_one="def test_one(roseram_db):\n    roseram_db.connect().close()\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--roseram-db-url", pg_server.base_url,
                                           "test_one.py")
    result.assert_outcomes(passed=1)
    plugin_calls = read_calls(plugin_log)
    assert {kind for _, kind, _, _ in plugin_calls} == {suite_kind}
    (template,) = {db for what, _, db, tmpl in plugin_calls if what == "init" and tmpl is None}
    clone = [(what, db) for what, _, db, tmpl in plugin_calls if tmpl == template]
    assert len(clone) == 1 and clone[0][0] == "init"
    # the clone and the template are both dropped by the janitor
    dropped = {db for what, _, db, _ in plugin_calls if what == "drop"}
    assert dropped == {template, clone[0][1]}


def test_the_janitor_connects_with_the_whole_url(pg_server):
    # pytest-postgresql's own cursor() keeps host, port, user and password only
    server = DatabaseServer(pg_server.base_url + "&application_name=roseram_probe")
    with server.janitor("unused").cursor() as cur:
        cur.execute("SELECT current_setting('application_name')")
        assert cur.fetchone() == ("roseram_probe",)


def test_create_clone_and_drop(pg_server):
    template = pg_server.create_database("tmpl", as_template=True)
    try:
        with psycopg.connect(pg_server.url(template), autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (x int); INSERT INTO kept VALUES (7)")
        clone = pg_server.create_database("clone", template=template)
        # a connection left open does not stop the drop
        leftover = psycopg.connect(pg_server.url(clone))
        assert leftover.execute("SELECT x FROM kept").fetchall() == [(7,)]
        pg_server.drop_database(clone)
        leftover.close()
    finally:
        pg_server.drop_database(template, as_template=True)
    with psycopg.connect(pg_server.base_url) as conn:
        left = conn.execute("SELECT datname FROM pg_database WHERE datname IN (%s, %s)",
                            (template, clone)).fetchall()
    assert left == []


def test_pytest_postgresql_fixtures_on_the_project_template(pytester, pg_server):
    # roseram_noproc is a pytest-postgresql process fixture: its client factory clones the
    # project's template, and a postgresql_noproc chained on it layers rows over the schema
    copy_example(pytester)
    pytester.makeconftest(textwrap.dedent("""
        import psycopg
        from pytest_postgresql import factories

        def seed(host, port, user, dbname, password, **_):
            with psycopg.connect(host=host, port=port, user=user, dbname=dbname, password=password) as conn:
                conn.execute("INSERT INTO auth.users (id) VALUES (gen_random_uuid())")
                conn.execute("INSERT INTO public.notes (user_id, body) SELECT id, 'seeded' FROM auth.users")

        project_pg = factories.postgresql("roseram_noproc")
        seeded_noproc = factories.postgresql_noproc(depends_on="roseram_noproc", load=[seed])
        seeded_pg = factories.postgresql("seeded_noproc")
    """))
    (pytester.path / "tests" / "test_policies.py").unlink()
    pytester.makepyfile(test_interop=textwrap.dedent("""
        def test_schema_without_rows(project_pg):
            assert project_pg.execute("SELECT count(*) FROM public.notes").fetchone() == (0,)

        def test_layered_rows(seeded_pg):
            assert seeded_pg.execute("SELECT body FROM public.notes").fetchall() == [("seeded",)]

        def test_the_plugin_fixtures_alongside(roseram_db, project_pg):
            with roseram_db.connect() as conn:
                assert conn.execute("SELECT count(*) FROM public.notes").fetchone() == (0,)
    """))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--roseram-db-url", pg_server.base_url,
                                           "test_interop.py")
    result.assert_outcomes(passed=3)


def test_without_pytest_postgresql_the_fixtures_say_what_to_install(pytester, pg_server):
    shutil.copytree(EXAMPLE / "schema", pytester.path / "schema")
    # as if the [pytest] extra were not installed: its plugin not loaded, its modules absent
    pytester.makeconftest("import sys\nsys.modules['pytest_postgresql'] = None\n")
    pytester.makepyfile(test_x=textwrap.dedent("""
        def test_db(roseram_db):
            pass

        def test_plain():
            pass
    """))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:pytest_postgresql",
                                           "--roseram-db-url", pg_server.base_url)
    # the plugin stays inert for the test that uses none of its fixtures
    result.assert_outcomes(passed=1, errors=1)
    # the whole message, on one line, with no traceback around it
    result.stdout.re_match_lines([
        r"^the roseram_\* fixtures create their databases with pytest-postgresql, which is not installed: "
        r"install the plugin's extra, pip install 'roseram-schema\[pytest\]'$"])
    assert "During handling" not in result.stdout.str()
