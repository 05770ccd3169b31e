"""A small project written into a temporary folder, for the cache tests."""

from __future__ import annotations

from pathlib import Path

import pytest

FILES = {
    "schema/public/projects.yaml": """\
columns:
  id:       {type: uuid, nullable: false, default: gen_random_uuid()}
  owner_id: {type: uuid, nullable: false}
  name:     {type: text, nullable: false}
  status:   {type: text, default: "'open'"}
primary_key: [id]
foreign_keys:
  - columns: [owner_id]
    references: auth.users(id)
    on_delete: cascade
checks:
  - status IN ('open', 'closed')
""",
    "schema/public/tasks.yaml": """\
columns:
  id:         {type: bigint, nullable: false, identity: always}
  project_id: {type: uuid, nullable: false}
  title:      {type: text, nullable: false}
primary_key: [id]
foreign_keys:
  - columns: [project_id]
    references: public.projects(id)
indexes:
  - columns: [project_id]
""",
    "policies/public/projects.yaml": """\
rls: enabled
policies:
  - name: own projects
    command: all
    roles: [authenticated]
    using: owner_id = (select auth.uid())
    with_check: owner_id = (select auth.uid())
""",
    "views/public/open_projects.sql": """\
-- security_invoker: true
SELECT id, name FROM public.projects WHERE status = 'open'
""",
}


def write_project(root: Path, files: dict[str, str] = FILES) -> Path:
    """Write `files` (relative path -> text) under `root`; returns root."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path) -> Path:
    """A fresh copy of the small project (its cache starts empty)."""
    return write_project(tmp_path / "project")
