"""The repository's own Roseram project through normalize and renormalize.

The printer problem DESIGN.md measured on the real script: a database built from
PostgreSQL's printed texts (one more round trip) shows its varchar IN (...) checks as
different; renormalize_texts settles every one of them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from roseram_schema.compile.script import compile_statements
from roseram_schema.normalize.roundtrip import buildable, differing_texts
from roseram_schema.normalize.scratch import scratch_database
from roseram_schema.normalize.catalog import apply_statements, inspect_like_source, normalize_catalog
from roseram_schema.normalize.roundtrip import renormalize_texts
from roseram_schema.platform import ensure_platform

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def project():
    from roseram_schema.source import load_project

    if not (ROOT / "project.yaml").is_file():
        pytest.skip("the Roseram project is not in this checkout")
    return load_project(ROOT)


def _without_source_facts(catalog):
    """A catalog without renamed_from (a source-only fact) and with serial defaults
    removed (buildable() drops them, the sequence is not part of the model)."""
    return replace(
        buildable(catalog),
        tables=tuple(
            replace(t, renamed_from=None, columns=tuple(replace(c, renamed_from=None) for c in t.columns))
            for t in buildable(catalog).tables
        ),
    )


def test_every_source_object_gets_its_origin_back(project, pg_server):
    normalized = normalize_catalog(project.catalog, pg_server.base_url)
    assert len(normalized.tables) == len(project.catalog.tables)
    assert all(t.origin is not None for t in normalized.tables)
    assert all(v.origin is not None for v in normalized.views)
    assert all(f.origin is not None for f in normalized.functions)
    assert all(p.origin is not None for t in normalized.tables for p in t.policies)
    assert all(c.origin is not None for t in normalized.tables for c in (*t.checks, *t.foreign_keys, *t.indexes))


def test_a_database_built_from_printed_text_settles_to_the_normalized_source(project, pg_server):
    desired = normalize_catalog(project.catalog, pg_server.base_url)
    with scratch_database(pg_server.base_url) as url, psycopg.connect(url, autocommit=True) as conn:
        ensure_platform(conn)
        apply_statements(conn, compile_statements(buildable(desired)))
        second_round = inspect_like_source(conn, project.catalog)
    unsettled = differing_texts(second_round, desired)
    assert len(unsettled) >= 10
    assert {p.kind for p in unsettled} == {"check"}
    settled = renormalize_texts(pg_server.base_url, second_round, desired, source=project.catalog)
    assert differing_texts(settled, desired) == ()
    assert _without_source_facts(settled) == _without_source_facts(desired)
