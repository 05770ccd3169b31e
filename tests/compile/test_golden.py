"""Golden cases: tests/cases/compile/<case>/ holds a source folder and expected.sql.

The compiled script must equal expected.sql byte for byte, and apply twice (on a database
with the platform stand-in) without error or change. UPDATE_GOLDEN=1 rewrites expected.sql
from the current output; review the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from roseram_schema.compile.script import compile_script
from roseram_schema.source import load_project

from .conftest import apply_sql, dump_schemas

CASES_DIR = Path(__file__).resolve().parents[1] / "cases" / "compile"
CASES = sorted(p for p in CASES_DIR.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_golden_case(case: Path, platform_db_url, tmp_path):
    project = load_project(case)
    script = compile_script(project.catalog, project.fingerprint)
    expected_path = case / "expected.sql"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected_path.write_text(script, encoding="utf-8")
    assert expected_path.exists(), f"{expected_path} is missing; run with UPDATE_GOLDEN=1"
    assert script == expected_path.read_text(encoding="utf-8")

    schemas = sorted({s.name for s in project.catalog.schemas} | {t.schema for t in project.catalog.tables}
                     | {v.schema for v in project.catalog.views})
    apply_sql(platform_db_url, script, tmp_path)
    first = dump_schemas(platform_db_url, schemas)
    apply_sql(platform_db_url, script, tmp_path)
    assert dump_schemas(platform_db_url, schemas) == first


def test_every_case_has_sources():
    for case in CASES:
        assert any(case.glob("**/*.yaml")) or any(case.glob("**/*.sql")), case
