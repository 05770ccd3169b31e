"""The cache key is computed from the package's own files and the parsers' versions, so no
edit anywhere in the package and no library upgrade can serve a stale entry."""

from __future__ import annotations

import shutil

import pytest

from roseram_schema.cache import key


@pytest.fixture
def package_copy(tmp_path, monkeypatch):
    copy = tmp_path / "roseram_schema"
    shutil.copytree(key.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(key, "PACKAGE", copy)
    key.code_key.cache_clear()
    yield copy
    key.code_key.cache_clear()


def _key_after(change) -> str:
    key.code_key.cache_clear()
    change()
    key.code_key.cache_clear()
    return key.code_key()


@pytest.mark.parametrize("relative", ["plan/planner.py", "model/__init__.py", "introspect/queries/tables.sql",
                                      "render/templates/plan.md.j2", "errors.py"])
def test_an_edit_of_any_package_file_changes_the_key(package_copy, relative):
    path = package_copy / relative
    before = key.code_key()
    after = _key_after(lambda: path.write_bytes(path.read_bytes() + b"\n"))
    assert after != before


def test_a_new_module_changes_the_key(package_copy):
    before = key.code_key()
    assert _key_after(lambda: (package_copy / "cache" / "extra.py").write_text("X = 1\n")) != before


@pytest.mark.parametrize("library", ["pglast", "psycopg", "PyYAML"])
def test_a_library_upgrade_changes_the_key(package_copy, monkeypatch, library):
    before = key.code_key()
    real = key.metadata.version
    monkeypatch.setattr(key.metadata, "version", lambda name: "999.0" if name == library else real(name))
    assert _key_after(lambda: None) != before


def test_the_key_is_stable(package_copy):
    assert _key_after(lambda: None) == _key_after(lambda: None)
