"""The desired-state cache gives what a full load + normalize gives, and a hit neither
parses the source nor contacts the dev server (correctness only; no timings)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from roseram_schema.server.dev import DevServer
from roseram_schema.cache.desired import desired_state, source_fingerprint
from roseram_schema.errors import RoseramError
from roseram_schema.normalize.catalog import normalize_catalog, source_scope
from roseram_schema.plan.fingerprint import managed_fingerprint
from roseram_schema.workflow.compare import compare_live
from roseram_schema.source import load_project

from .conftest import write_project


class ExplodingDevServer(DevServer):
    """A dev server that fails the test if anything tries to resolve it."""

    def __init__(self, project_dir: Path, identity: str):
        super().__init__(identity, project_dir)

    def url(self) -> str:
        raise AssertionError("the dev server was resolved on a cache hit")


def test_fingerprint_without_parsing_equals_load_project(project):
    assert source_fingerprint(project) == load_project(project).fingerprint


def test_cached_state_equals_a_fresh_normalize(project, pg_server):
    first, loaded = desired_state(project, pg_server.base_url)
    assert loaded is not None  # a miss loads the source
    second, again = desired_state(project, pg_server.base_url)
    assert again is None  # a hit does not
    source = load_project(project)
    fresh = normalize_catalog(source.catalog, pg_server.base_url)
    for state in (first, second):
        assert state.catalog == fresh
        assert state.scope == source_scope(source.catalog)
        assert state.fingerprint == managed_fingerprint(fresh)
    # origins and renames survive the cache (compare=False fields are not in ==)
    assert [t.origin for t in second.catalog.tables] == [t.origin for t in fresh.tables]
    assert [p.origin for t in second.catalog.tables for p in t.policies] == \
        [p.origin for t in fresh.tables for p in t.policies]


def test_a_hit_never_resolves_the_dev_server(project, pg_server):
    desired_state(project, pg_server.base_url)
    state, loaded = desired_state(project, ExplodingDevServer(project, pg_server.base_url))
    assert loaded is None
    assert {t.key for t in state.catalog.tables} == {"public.projects", "public.tasks"}


def test_an_edit_is_a_miss_and_shows(project, pg_server):
    desired_state(project, pg_server.base_url)
    path = project / "schema/public/tasks.yaml"
    path.write_text(path.read_text().replace("  title:", "  done: {type: boolean}\n  title:"))
    with pytest.raises(AssertionError, match="resolved"):
        desired_state(project, ExplodingDevServer(project, pg_server.base_url))
    state, loaded = desired_state(project, pg_server.base_url)
    tasks = next(t for t in state.catalog.tables if t.key == "public.tasks")
    assert "done" in [c.name for c in tasks.columns]


def test_a_broken_cache_entry_is_a_miss(project, pg_server):
    desired_state(project, pg_server.base_url)
    entries = sorted((project / ".roseram/cache").glob("desired-*.pickle"))
    assert len(entries) == 1
    entries[0].write_bytes(entries[0].read_bytes()[:-100])  # truncated
    state, loaded = desired_state(project, pg_server.base_url)
    assert loaded is not None
    assert len(state.catalog.tables) == 2


def test_no_change_drift_on_a_cache_hit_does_not_need_the_dev_server(project, pg_server, platform_db_url):
    from roseram_schema.apply.executor import apply_plan

    comparison = compare_live(project, platform_db_url, pg_server.base_url)
    assert comparison.changes
    apply_plan(platform_db_url, comparison.plan(), inspect=comparison.inspect, desired=comparison.desired)
    again = compare_live(project, platform_db_url, ExplodingDevServer(project, pg_server.base_url))
    assert again.changes == ()
    plan = again.plan()
    assert plan.empty
    assert plan.from_fingerprint == plan.to_fingerprint == managed_fingerprint(again.live)
    assert again.source._project is None  # the source was never parsed


def test_a_drifted_target_loads_the_source_for_origins(project, pg_server, platform_db_url):
    from roseram_schema.apply.executor import apply_plan

    comparison = compare_live(project, platform_db_url, pg_server.base_url)
    apply_plan(platform_db_url, comparison.plan(), inspect=comparison.inspect, desired=comparison.desired)
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.tasks ADD COLUMN extra text")
    drifted = compare_live(project, platform_db_url, pg_server.base_url)
    assert [c.describe() for c in drifted.changes]
    origin = drifted.origin_of(drifted.changes[0])
    assert origin is not None and origin.path == "schema/public/tasks.yaml"
    plan = drifted.plan()
    assert "extra" in " ".join(s.sql for s in plan.statements)
    assert plan.from_fingerprint == managed_fingerprint(drifted.live)
    assert plan.to_fingerprint == managed_fingerprint(drifted.desired)


def test_unreachable_dev_server_on_a_miss_is_a_clear_error(project):
    from roseram_schema.errors import DatabaseError

    unreachable = "postgresql://postgres@/postgres?host=/nonexistent-roseram&port=1"
    with pytest.raises(DatabaseError):
        desired_state(project, unreachable)
    assert issubclass(DatabaseError, RoseramError)


def test_a_schema_added_to_the_source_is_read_from_the_target(project, pg_server, platform_db_url):
    compare_live(project, platform_db_url, pg_server.base_url)
    # a table in a new schema: the cached desired state's scope (public only) no longer fits
    (project / "schema/crm").mkdir(parents=True)
    (project / "schema/crm/leads.yaml").write_text("columns:\n  id: {type: bigint, nullable: false}\nprimary_key: [id]\n")
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA crm; CREATE TABLE crm.leads (id bigint PRIMARY KEY, extra text)")
    comparison = compare_live(project, platform_db_url, pg_server.base_url)
    assert "crm.leads" in {t.key for t in comparison.live.tables}
    assert any("crm.leads" in c.describe() and "extra" in c.describe() for c in comparison.changes)


def test_a_source_error_wins_over_the_background_read(project, pg_server, platform_db_url):
    from roseram_schema.errors import SourceError

    compare_live(project, platform_db_url, pg_server.base_url)  # remembers a scope
    (project / "schema/public/tasks.yaml").write_text("columns: [not, a, mapping]\n")
    unreachable = "postgresql://postgres@/postgres?host=/nonexistent-roseram&port=1"
    with pytest.raises(SourceError):
        compare_live(project, unreachable, pg_server.base_url)
