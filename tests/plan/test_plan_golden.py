"""Golden plan cases: tests/cases/plan/<case>/ holds before.sql, after/ (a source folder),
expected.sql (the plan rendered as SQL) and optionally case.yaml.

One runner, every case: apply before.sql (on the platform stand-in); planning the live
database against itself is empty; the plan before -> after equals expected.sql (fingerprint
lines aside: they differ per server version); apply it; planning again is empty
(convergence); the live catalog equals the normalized `after` (same managed fingerprint);
rows of the tables named in case.yaml `preserve:` are all still there (count and checksum
of the key column).

case.yaml: `online: true` plans with --online; `preserve: {schema.table: key_column}`.
UPDATE_GOLDEN=1 rewrites expected.sql from the current output (review before committing).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import psycopg
import pytest
import yaml

from roseram_schema.apply.executor import apply_plan
from roseram_schema.diff import diff_catalogs
from roseram_schema.introspect import inspect_catalog
from roseram_schema.plan import HAZARD_NAMES, build_plan, managed_fingerprint
from roseram_schema.workflow.compare import compare_live
from roseram_schema.render import render_plan

CASES_DIR = Path(__file__).resolve().parents[1] / "cases" / "plan"
CASES = sorted(p for p in CASES_DIR.iterdir() if p.is_dir())


def strip_fingerprints(sql: str) -> str:
    """The rendered plan without its `-- from:` / `-- to:` lines."""
    return "".join(line for line in sql.splitlines(keepends=True)
                   if not line.startswith(("-- from: ", "-- to:   ")))


def row_checksums(url: str, preserve: dict, before: bool = False) -> dict[str, tuple[int, str]]:
    """{table: (row count, md5 of the sorted key column)}.

    A `preserve:` value is the key column, or {key: column, was: old.table_name} for a
    renamed table (read under its old name before the plan is applied).
    """
    out = {}
    with psycopg.connect(url) as conn:
        for table, spec in sorted(preserve.items()):
            key = spec if isinstance(spec, str) else spec["key"]
            real = spec["was"] if before and isinstance(spec, dict) and spec.get("was") else table
            schema, name = real.split(".", 1)
            row = conn.execute(
                f'SELECT count(*), md5(coalesce(string_agg("{key}"::text, \',\' ORDER BY "{key}"::text), \'\'))'
                f' FROM "{schema}"."{name}"'
            ).fetchone()
            out[table] = (row[0], row[1])
    return out


@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_plan_case(case: Path, platform_db_url, pg_server, tmp_path):
    config = yaml.safe_load((case / "case.yaml").read_text()) if (case / "case.yaml").exists() else {}
    config = config or {}
    source = tmp_path / "after"
    shutil.copytree(case / "after", source)  # normalize caches under the project folder
    dev_url = pg_server.base_url
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute((case / "before.sql").read_text())
        conn.execute("ANALYZE")  # row estimates as a live database would have them
        live = inspect_catalog(conn)
    assert diff_catalogs(live, live) == ()
    assert build_plan(live, live).empty

    preserve = config.get("preserve") or {}
    before_rows = row_checksums(platform_db_url, preserve, before=True)

    comparison = compare_live(source, platform_db_url, dev_url)
    plan = comparison.plan(online=bool(config.get("online")))
    rendered = strip_fingerprints(render_plan(plan, "sql"))
    expected_path = case / "expected.sql"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected_path.write_text(rendered, encoding="utf-8")
    assert expected_path.exists(), f"{expected_path} is missing; run with UPDATE_GOLDEN=1"
    assert rendered == expected_path.read_text(encoding="utf-8")

    result = apply_plan(platform_db_url, plan, allow_hazards=HAZARD_NAMES,
                        inspect=comparison.inspect, desired=comparison.desired)
    assert result.status == "applied"

    again = compare_live(source, platform_db_url, dev_url)
    assert [c.describe() for c in again.changes] == []
    assert again.plan().empty
    assert managed_fingerprint(again.live) == managed_fingerprint(again.desired)
    assert row_checksums(platform_db_url, preserve) == before_rows


def test_every_case_is_complete():
    assert CASES, "no golden plan cases"
    for case in CASES:
        assert (case / "before.sql").is_file(), case
        assert (case / "after").is_dir(), case
