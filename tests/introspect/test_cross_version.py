"""A development server of another major version than the target.

PostgreSQL 16+ prints view bodies differently from 15 (no table qualification when one
relation is read), so a desired catalog normalized on the embedded 18 and a live 15
database differ in every view. renormalize_texts puts both texts through the dev server's
printer, after which they are equal and the diff is empty.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from roseram_schema.compile.script import compile_statements
from roseram_schema.normalize.roundtrip import differing_texts
from roseram_schema.normalize.scratch import scratch_database
from roseram_schema.normalize.catalog import apply_statements, inspect_like_source, normalize_catalog
from roseram_schema.normalize.roundtrip import renormalize_texts
from roseram_schema.platform import ensure_platform

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def other_server(pg_server, tmp_path_factory):
    """A server of the other major version (18 next to a 15 session server, and back)."""
    from roseram_schema.server.embedded import LocalServer, binaries_for_version

    other = "18" if pg_server.major < 18 else "15"
    try:
        bin_dir = binaries_for_version(other)
    except Exception as e:  # noqa: BLE001 - any reason the binaries are unusable is a skip
        pytest.skip(f"no PostgreSQL {other} binaries: {e}")
    if not (Path(bin_dir) / "pg_ctl").exists():
        pytest.skip(f"no PostgreSQL {other} binaries at {bin_dir}")
    server = LocalServer(tmp_path_factory.mktemp(f"other-pg{other}"), bin_dir=bin_dir, fast=True)
    url = server.start()
    try:
        yield url
    finally:
        server.reset()


def test_views_printed_by_another_version_settle(pg_server, other_server):
    from roseram_schema.diff import diff_catalogs
    from roseram_schema.source import load_project

    if not (ROOT / "project.yaml").is_file():
        pytest.skip("the Roseram project is not in this checkout")
    project = load_project(ROOT)
    desired = normalize_catalog(project.catalog, other_server)
    with scratch_database(pg_server.base_url) as url, psycopg.connect(url, autocommit=True) as conn:
        ensure_platform(conn)
        apply_statements(conn, compile_statements(project.catalog))
        live = inspect_like_source(conn, project.catalog)
    unsettled = differing_texts(live, desired)
    assert unsettled and {p.kind for p in unsettled} == {"view"}
    settled = renormalize_texts(other_server, live, desired, source=project.catalog)
    assert differing_texts(settled, desired) == ()
    assert diff_catalogs(settled, desired) == ()
