"""A fleet of 20 databases on the test server, built from one tiny project.

The project is applied once to a template database; the others are copies of it (CREATE
DATABASE ... TEMPLATE, ~10x faster than applying to each), then drifted in their own ways:

    t03        missing index public.projects_user_idx
    t07, t08   policy "write own" dropped (the same drift: one group)
    t11        an extra column public.projects.note
    t05        empty (never applied)
    t19        unreachable (a database that does not exist)
    t20        policy "read" dropped; locked by another apply in the tests that hold its lock

Every target but t19 has the label `reachable`; the even-numbered ones (t01, t03, ...) `eu`.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg import sql

FILES = {
    "project.yaml": "roles:\n  - anon\n  - authenticated\n",
    "schema/public/projects.yaml": """\
columns:
  id:        {type: integer, nullable: false}
  user_id:   {type: uuid, nullable: false}
  name:      {type: text, nullable: false}
primary_key: [id]
indexes:
  - {name: projects_user_idx, columns: [user_id]}
grants:
  authenticated: [select, insert, update, delete]
  service_role: [select, insert, update, delete]
""",
    "policies/public/projects.yaml": """\
rls: enabled
policies:
  - name: read
    command: select
    roles: [authenticated]
    using: user_id = (select auth.uid())
  - name: write own
    command: all
    roles: [authenticated]
    using: user_id = (select auth.uid())
    with_check: user_id = (select auth.uid())
""",
}

NAMES = [f"t{n:02d}" for n in range(1, 21)]
DRIFT = {
    "t03": "DROP INDEX public.projects_user_idx",
    "t07": 'DROP POLICY "write own" ON public.projects',
    "t08": 'DROP POLICY "write own" ON public.projects',
    "t11": "ALTER TABLE public.projects ADD COLUMN note text",
    "t20": "DROP POLICY read ON public.projects",
}
EMPTY = "t05"
UNREACHABLE = "t19"
LOCKED = "t20"


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


class Fleet:
    def __init__(self, urls: dict[str, str], targets_file: Path, dev: str):
        self.urls = urls
        self.targets_file = targets_file
        self.dev = dev


@pytest.fixture
def fleet(project, pg_server, tmp_path, monkeypatch):
    """The 20 targets (see the module docstring), their URLs in FLEET_Tnn variables."""
    from roseram_schema.cli.commands.apply import run_apply

    template = pg_server.create_database("fleet_tmpl")
    created = [template]
    run_apply(project, pg_server.url(template), pg_server.base_url, yes=True)
    urls = {}
    with psycopg.connect(pg_server.base_url, autocommit=True) as admin:
        for name in NAMES:
            if name == UNREACHABLE:
                urls[name] = pg_server.url(f"fleet_missing_{template}")
                continue
            db = f"{template}_{name}"
            if name == EMPTY:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))
            else:
                admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(db), sql.Identifier(template)))
            created.append(db)
            urls[name] = pg_server.url(db)
    for name, statement in DRIFT.items():
        with psycopg.connect(urls[name], autocommit=True) as conn:
            conn.execute(statement)
    # restoring a dropped policy opens access: allowed for the whole fleet; dropping the
    # extra column deletes data: allowed for t11 alone (a per-target override)
    lines = ["defaults:", "  allow_hazards: [opens_access]", "targets:"]
    for n, name in enumerate(NAMES):
        monkeypatch.setenv(f"FLEET_{name.upper()}", urls[name])
        labels = ["tenants"] + ["eu"] * (n % 2 == 0) + ["reachable"] * (name != UNREACHABLE)
        labels = "[" + ", ".join(labels) + "]"
        lines += [f"  - name: {name}", f"    url: ${{FLEET_{name.upper()}}}", f"    labels: {labels}"]
        if name == "t11":
            lines.append("    allow_hazards: [opens_access, deletes_data]")
    targets_file = tmp_path / "fleet.yaml"
    targets_file.write_text("\n".join(lines) + "\n")
    yield Fleet(urls, targets_file, pg_server.base_url)
    for db in reversed(created):
        pg_server.drop_database(db)
