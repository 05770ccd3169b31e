"""Tests of the benchmark's own code (no timings asserted): `pytest bench -q`."""

from __future__ import annotations

import filecmp
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402
import report  # noqa: E402
from harness import run_timed  # noqa: E402


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def test_generation_is_deterministic(tmp_path):
    a = generate.generate(30, 7, tmp_path / "a", compile_cli=None)
    b = generate.generate(30, 7, tmp_path / "b", compile_cli=None)
    assert a == b
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    c = generate.generate(30, 8, tmp_path / "c", compile_cli=None)
    assert _tree(tmp_path / "a") != _tree(tmp_path / "c")


def test_changed_touches_each_kind_of_change(tmp_path):
    m = generate.generate(300, 7, tmp_path, compile_cli=None)
    kinds = {c.split(" ")[0] + " " + c.split(" ")[1] for c in m["changes"]}
    assert kinds == {"add column", "change policy", "add index", "drop check", "alter default", "change view"}
    cmp = filecmp.dircmp(tmp_path / "n300" / "base" / "schema" / "public",
                         tmp_path / "n300" / "changed" / "schema" / "public")
    assert cmp.diff_files and not cmp.left_only and not cmp.right_only


def test_one_object_edit_changes_one_file(tmp_path):
    m = generate.generate(30, 7, tmp_path, compile_cli=None)
    base, edited = _tree(tmp_path / "n30" / "base"), _tree(tmp_path / "n30" / "edited")
    differing = [k for k in base if base[k] != edited[k]]
    assert len(differing) == 1 and differing[0].startswith("schema/public/")
    assert "edit_000" in edited[differing[0]] and m["one_object_edit"].endswith(".edit_000")


def test_generated_project_loads_with_every_object(tmp_path):
    from roseram_schema.source import load_project

    m = generate.generate(30, 7, tmp_path, compile_cli=None)
    project = load_project(tmp_path / "n30" / "base")
    cat = project.catalog
    assert len(cat.tables) == m["counts"]["tables"]
    assert sum(len(t.policies) for t in cat.tables) == m["counts"]["policies"]
    assert sum(len(t.foreign_keys) for t in cat.tables) == m["counts"]["foreign_keys"]
    assert len(cat.views) == m["counts"]["views"]
    assert all(t.rls_enabled for t in cat.tables)
    assert len(project.contracts) == m["counts"]["tables"]


def test_fit_line_recovers_a_line():
    a, b, r2 = report.fit_line([30, 300, 1000], [0.5 + 0.002 * x for x in (30, 300, 1000)])
    assert a == pytest.approx(0.5) and b == pytest.approx(0.002) and r2 == pytest.approx(1.0)
    assert report.fit_line([30], [1.0]) is None


def test_run_timed_reports_exit_code_and_memory():
    s = run_timed([sys.executable, "-c", "import sys; b = bytearray(80 * 2**20); sys.exit(3)"])
    assert s.rc == 3
    assert s.max_rss_mib >= 80


def test_run_timed_reports_the_child_cpu():
    # bench/importer.py reports the command's own CPU beside wall time (the machine is shared)
    s = run_timed([sys.executable, "-c", "import time\nt = time.process_time()\n"
                   "while time.process_time() - t < 0.3: pass"])
    assert s.rc == 0
    assert s.user_s + s.sys_s >= 0.25


def test_roseram_change_applies_to_the_current_project(tmp_path):
    import shutil

    from roseram_schema.source import load_project

    root = Path(__file__).resolve().parent.parent
    for sub in ("schema", "policies", "views"):
        shutil.copytree(root / sub, tmp_path / sub)
    shutil.copy(root / "project.yaml", tmp_path / "project.yaml")
    done = generate.change_roseram(tmp_path)
    assert len(done) == len(generate.ROSERAM_CHANGE)
    projects = next(t for t in load_project(tmp_path).catalog.tables if t.name == "projects")
    assert "archived_at" in [c.name for c in projects.columns]
    assert ("archived_at",) in [i.keys for i in projects.indexes]
    delete_own = next(p for p in projects.policies if p.name == "delete_own")
    assert "status <> 'deleted'" in delete_own.using
    with pytest.raises(ValueError, match="the text to change is gone"):
        generate.change_roseram(tmp_path)  # already changed: the markers are gone
