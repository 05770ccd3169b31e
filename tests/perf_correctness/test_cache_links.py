"""A symbolic link in a project's `.roseram/` (it can arrive with the project) is never
written through, and what lies behind it is never read as this project's cache."""

from __future__ import annotations

import subprocess
import sys

import pytest

from roseram_schema.errors import RoseramError
from roseram_schema.state.files import read_verified, write_atomically


def test_writes_stop_at_a_linked_folder(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    project = tmp_path / "project"
    (project / ".roseram").mkdir(parents=True)
    (project / ".roseram" / "cache").symlink_to(elsewhere)
    with pytest.raises(RoseramError, match=r"cache is a symbolic link"):
        write_atomically(project / ".roseram" / "cache" / "nochange.json", "{}")
    with pytest.raises(RoseramError, match=r"\.roseram is a symbolic link"):
        (project / ".roseram" / "cache").unlink()
        (project / ".roseram").rmdir()
        (project / ".roseram").symlink_to(elsewhere)
        write_atomically(project / ".roseram" / "cache" / "x.json", "{}")
    assert list(elsewhere.iterdir()) == []


def test_a_verified_file_behind_a_link_is_not_read(tmp_path):
    real = tmp_path / "a" / ".roseram" / "cache"
    write_atomically(real / "nochange.json", "{}")
    assert read_verified(real / "nochange.json") is not None
    other = tmp_path / "b" / ".roseram"
    other.mkdir(parents=True)
    (other / "cache").symlink_to(real)
    assert read_verified(other / "cache" / "nochange.json") is None


def test_plan_names_the_link_and_exits_1(tmp_path, project, pg_server, platform_db_url):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / ".roseram").mkdir(exist_ok=True)
    if (project / ".roseram" / "cache").exists():
        import shutil

        shutil.rmtree(project / ".roseram" / "cache")
    (project / ".roseram" / "cache").symlink_to(elsewhere)
    done = subprocess.run([sys.executable, "-m", "roseram_schema", "plan", "--project", str(project),
                           "--db", platform_db_url, "--dev-db", pg_server.base_url],
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "is a symbolic link" in done.stderr
    assert list(elsewhere.iterdir()) == []
