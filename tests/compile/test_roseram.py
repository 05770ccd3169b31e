"""The real Roseram project (the repository root) compiles, applies twice without change,
and its script keeps the ordering rules for every table."""

from __future__ import annotations

from pathlib import Path

import pytest

from roseram_schema.compile.script import compile_script, compile_statements

from .conftest import apply_sql, dump_schemas

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def project():
    from roseram_schema.source import load_project

    return load_project(ROOT)


def test_roseram_applies_twice_with_no_change(project, platform_db_url, tmp_path):
    script = compile_script(project.catalog, project.fingerprint)
    apply_sql(platform_db_url, script, tmp_path)
    first = dump_schemas(platform_db_url, ["public"])
    apply_sql(platform_db_url, script, tmp_path)
    assert dump_schemas(platform_db_url, ["public"]) == first
    for table in project.catalog.tables:
        assert f"CREATE TABLE public.{table.name} (" in first


def test_roseram_rls_follows_policies_and_fks_follow_tables(project):
    objs = [s.obj for s in compile_statements(project.catalog)]
    last_columns = max(i for i, o in enumerate(objs) if o.startswith("columns "))
    for table in project.catalog.tables:
        if table.rls_enabled and table.policies:
            rls = objs.index(f"rls {table.key}")
            last_policy = max(i for i, o in enumerate(objs) if o.startswith(f"policy {table.key}."))
            assert rls > last_policy, table.key
        for fk in table.foreign_keys:
            assert objs.index(f"constraint {table.key}.{fk.name}") > last_columns


def test_roseram_script_is_the_same_whatever_the_hash_seed(project):
    import hashlib
    import os
    import subprocess
    import sys

    code = (
        "import hashlib, sys; from pathlib import Path;"
        "from roseram_schema.source import load_project;"
        "from roseram_schema.compile.script import compile_script;"
        "p = load_project(Path(sys.argv[1]));"
        "print(hashlib.sha256(compile_script(p.catalog, p.fingerprint).encode()).hexdigest())"
    )
    here = hashlib.sha256(compile_script(project.catalog, project.fingerprint).encode()).hexdigest()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code, str(ROOT)], env=env, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == here
