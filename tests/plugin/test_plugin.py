"""The pytest plugin (roseram_schema/pytest_plugin.py), run the way users run it: pytest in a
subprocess, on the example project examples/notes-app, whose tests use only its fixtures."""

from __future__ import annotations

import shutil
from pathlib import Path

pytest_plugins = ["pytester"]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "notes-app"


def copy_example(pytester) -> Path:
    shutil.copytree(EXAMPLE, pytester.path, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".roseram", "__pycache__", ".pytest_cache"))
    return pytester.path


def test_example_passes_on_an_embedded_server(pytester, monkeypatch):
    # no --roseram-db-url and no $ROSERAM_TEST_DB_URL: the plugin starts its own server
    monkeypatch.delenv("ROSERAM_TEST_DB_URL", raising=False)
    copy_example(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    # no warning: every table of the project got its seeded rows
    result.assert_outcomes(passed=7, warnings=0)


def test_a_leaking_policy_fails_the_persona_tests_and_verify(pytester, pg_server):
    root = copy_example(pytester)
    policy = root / "policies" / "public" / "notes.yaml"
    text = policy.read_text()
    assert "using: user_id = (select auth.uid())" in text
    policy.write_text(text.replace("using: user_id = (select auth.uid())", 'using: "true"'))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--roseram-db-url", pg_server.base_url)
    result.assert_outcomes(passed=4, failed=3)
    result.stdout.fnmatch_lines([
        "FAILED tests/test_policies.py::test_alice_sees_her_notes_only*",
        "FAILED tests/test_policies.py::test_bob_cannot_see_alices_notes*",
        "FAILED tests/test_policies.py::test_contracts_hold*",
    ])
    result.stdout.fnmatch_lines(["*LEAK public.notes bob select*"])


def test_unused_plugin_is_inert(pytester):
    # not a project, no database: a suite that uses none of the fixtures must not notice them
    pytester.makepyfile("def test_nothing():\n    assert True\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--roseram-db-url", "postgresql://nowhere.invalid/x")
    result.assert_outcomes(passed=1)


def test_fixture_outside_a_project_is_a_usage_error(pytester, pg_server):
    pytester.makepyfile("def test_db(roseram_db):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--roseram-db-url", pg_server.base_url)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*is not a roseram-schema project*--roseram-project DIR*"])


def test_project_from_the_ini_file_unknown_persona_and_commit_in_block(pytester, pg_server):
    shutil.copytree(EXAMPLE, pytester.path / "app", ignore=shutil.ignore_patterns(
        ".roseram", "__pycache__", ".pytest_cache", "tests", "pytest.ini"))
    pytester.makeini("[pytest]\nroseram_project = app\n")
    pytester.makepyfile(
        "import pytest\n"
        "def test_unknown(roseram_persona):\n"
        "    with pytest.raises(LookupError, match='the personas are anon, alice, bob'):\n"
        "        with roseram_persona('carol'):\n"
        "            pass\n"
        "    assert roseram_persona.user_id('anon') is None\n"
        "    assert len(roseram_persona.user_id('alice')) == 36\n"
        "def test_commit_inside_the_block(roseram_persona):\n"
        "    with roseram_persona('bob') as conn:\n"
        "        conn.commit()\n"
        "        conn.execute('SELECT count(*) FROM public.notes')\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--roseram-db-url", pg_server.base_url)
    result.assert_outcomes(passed=1, failed=1)
    # statements after a commit run as the superuser: the block must not pass silently
    result.stdout.fnmatch_lines(["*roseram_persona('bob'): the transaction ended inside the block*"])
