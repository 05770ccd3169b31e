"""A project folder from SQL, and the plan/drift/apply of it against a database."""

from __future__ import annotations

import subprocess
from pathlib import Path

import roseram_schema as rs

PROJECT_YAML = "schemas: [public]\nroles: [anon, authenticated, {name: service_role, bypassrls: true}, reporter]\n"


def write_project(root: Path, sql: str) -> Path:
    (root / "schema").mkdir(parents=True, exist_ok=True)
    (root / "project.yaml").write_text(PROJECT_YAML)
    (root / "schema" / "schema.sql").write_text(sql)
    return root


def psql(url: str, sql: str) -> None:
    done = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def plan_sql(project: Path, url: str, dev: str) -> list[str]:
    return [s.sql for s in rs.plan(project, url, dev_db=dev).statements]


def plan_of(project: Path, url: str, dev: str):
    return rs.plan(project, url, dev_db=dev)


def apply(project: Path, url: str, dev: str, hazards=()) -> None:
    rs.apply(project, url, dev_db=dev, allow_hazards=tuple(hazards))


def drift_items(project: Path, url: str, dev: str) -> list[str]:
    return [f"{i.kind} {i.object}" for i in rs.drift(project, url, dev_db=dev).items]
