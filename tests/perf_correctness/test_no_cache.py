"""The pipeline reads the same with the cache removed: `plan` and `drift` print the same
bytes and exit with the same code with ROSERAM_NO_CACHE=1 as with the cache, cold (an empty
.roseram/cache) and warm (the run before filled it, the no-change fast path included), on a
real database; and the run without the cache keeps nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import psycopg
import pytest

from inprocess import run_cli

from roseram_schema.cache import NO_CACHE_ENV
from roseram_schema.workflow.compare import compare_live

# The cache sits before rendering, so one format per command covers it: plan's JSON (every
# change, on stdout) and drift's text (what CI reads, the no-change memo's path included).
CASES = [("plan", "json"), ("drift", "text")]


def _run(project, db_url, dev_url, command, fmt, *, cache: bool, process: bool = False):
    env = {k: v for k, v in os.environ.items() if k != NO_CACHE_ENV}
    if not cache:
        env[NO_CACHE_ENV] = "1"
    args = [command, "--project", str(project), "--db", db_url, "--dev-db", dev_url, "--format", fmt]
    if process:
        # the reference, a process of its own: nothing remembered from any earlier run
        done = subprocess.run([sys.executable, "-m", "roseram_schema", *args],
                              capture_output=True, text=True, env=env, timeout=300)
    else:
        # in the test process (tests/inprocess.py): the cache under test is the one on disk
        done = run_cli(*args, env=env)
    return done.returncode, done.stdout, done.stderr


def _same_with_and_without_cache(project, db_url, dev_url):
    cache_dir = project / ".roseram" / "cache"
    for command, fmt in CASES:
        shutil.rmtree(project / ".roseram", ignore_errors=True)
        without = _run(project, db_url, dev_url, command, fmt, cache=False, process=True)
        assert not cache_dir.exists(), "a run without the cache wrote one"
        assert without[0] in (0, 2), without
        cold = _run(project, db_url, dev_url, command, fmt, cache=True)
        assert cache_dir.is_dir()
        warm = _run(project, db_url, dev_url, command, fmt, cache=True)
        again = _run(project, db_url, dev_url, command, fmt, cache=False)
        assert cold == without, (command, fmt, "cold")
        assert warm == without, (command, fmt, "warm")
        assert again == without, (command, fmt, "without, after the cache was filled")


def test_a_new_database_plans_the_same_without_the_cache(project, pg_server, platform_db_url):
    _same_with_and_without_cache(project, platform_db_url, pg_server.base_url)


def test_a_drifted_and_a_clean_database_read_the_same_without_the_cache(project, pg_server, platform_db_url):
    comparison = compare_live(project, platform_db_url, pg_server.base_url, ensure_platform=True, cache=None)
    from roseram_schema.apply.executor import apply_plan

    apply_plan(platform_db_url, comparison.plan())
    # clean: the cached runs answer from the no-change memo once it is written
    _same_with_and_without_cache(project, platform_db_url, pg_server.base_url)
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.projects ALTER COLUMN status SET DEFAULT 'closed'")
        conn.execute("COMMENT ON COLUMN public.tasks.title IS 'drifted'")
    _same_with_and_without_cache(project, platform_db_url, pg_server.base_url)


@pytest.mark.parametrize("ensure_platform", [False, True])
def test_compare_live_without_a_cache_gives_the_cached_plan(project, pg_server, platform_db_url, ensure_platform):
    without = compare_live(project, platform_db_url, pg_server.base_url, ensure_platform=ensure_platform,
                           cache=None)
    assert not (project / ".roseram").exists()
    cold = compare_live(project, platform_db_url, pg_server.base_url, ensure_platform=ensure_platform)
    warm = compare_live(project, platform_db_url, pg_server.base_url, ensure_platform=ensure_platform)
    assert without.plan().to_json() == cold.plan().to_json() == warm.plan().to_json()
    assert without.changes == cold.changes == warm.changes
