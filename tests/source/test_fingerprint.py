"""The source fingerprint: changes with any source byte, ignores everything else."""

from __future__ import annotations

from roseram_schema.source import fingerprint_of, load_project, source_files

from .helpers import write_project

FILES = {
    "project.yaml": "schemas: [public]\n",
    "schema/public/t.yaml": "columns: {id: int}\n",
    "views/public/v.sql": "SELECT id FROM public.t\n",
}


def test_fingerprint_changes_with_any_source_file(tmp_path):
    root = write_project(tmp_path, FILES)
    before = load_project(root).fingerprint
    for rel in FILES:
        path = root / rel
        original = path.read_text()
        path.write_text(original + "\n")
        assert load_project(root).fingerprint != before, rel
        path.write_text(original)
    assert load_project(root).fingerprint == before


def test_fingerprint_covers_paths_and_ignores_other_files(tmp_path):
    root = write_project(tmp_path, FILES)
    before = load_project(root).fingerprint
    (root / "README.md").write_text("not source")
    (root / "schema" / "public" / "notes.txt").write_text("not source")
    (root / "schema" / ".hidden.yaml").write_text("garbage: [")
    assert load_project(root).fingerprint == before
    (root / "views" / "public" / "v.sql").rename(root / "views" / "public" / "w.sql")
    assert load_project(root).fingerprint != before


def test_source_files_are_sorted_relative_posix_paths(tmp_path):
    root = write_project(tmp_path, FILES)
    assert source_files(root) == sorted(FILES)
    assert fingerprint_of(root, list(reversed(sorted(FILES)))) == fingerprint_of(root, sorted(FILES))
