"""A project can arrive with a `.roseram/` prepared by someone else. The embedded server
starts only a data folder roseram-schema created for this user (its marker verifies), a
`server.json` may not send it to another folder, and the settings of postgresql.conf that
run commands are overridden even in a folder of ours. `db reset` recovers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from roseram_schema.errors import ServerError
from roseram_schema.server.embedded import LocalServer, binaries_for_version


def _bin_dir() -> Path:
    return binaries_for_version(os.environ.get("ROSERAM_TEST_PG", "18"))


@pytest.fixture
def base():
    """A folder the service account can read (as root), so the clusters live in the projects
    themselves, as in a user's checkout; a file path for a command's marker."""
    folder = Path(tempfile.mkdtemp(prefix="roseram-planted-"))
    os.chmod(folder, 0o755)
    marker = Path(tempfile.gettempdir()) / f"roseram-ran-{uuid.uuid4().hex[:8]}"
    servers: list[LocalServer] = []
    yield folder, marker, servers
    for srv in servers:
        try:
            srv.reset()
        except ServerError:
            pass
        shutil.rmtree(srv.socket_dir, ignore_errors=True)
    marker.unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)


def _server(base, name: str) -> LocalServer:
    folder, _, servers = base
    project = folder / name
    project.mkdir(mode=0o755)
    os.chmod(project, 0o755)
    (project / "schema").mkdir()  # a project folder, for the CLI
    srv = LocalServer(project / ".roseram", bin_dir=_bin_dir(), fast=True)
    servers.append(srv)
    return srv


def _genuine(base, name: str) -> LocalServer:
    """A cluster made by the tool, stopped."""
    srv = _server(base, name)
    srv.start()
    assert srv.stop() is True
    return srv


def _arm(data: Path, marker: Path) -> None:
    """What a prepared data folder holds: an archive_command (run for the WAL segment
    marked ready, as soon as the server starts) and libraries to preload."""
    with open(data / "postgresql.conf", "a") as f:
        f.write(f"\narchive_mode = on\narchive_command = 'touch {marker}'\narchive_timeout = 1\n")
    _mark_ready(data)


def _mark_ready(data: Path) -> None:
    """The first WAL segment marked ready to archive (again)."""
    segments = sorted(p.name for p in (data / "pg_wal").iterdir() if len(p.name) == 24)
    status = data / "pg_wal" / "archive_status"
    (status / f"{segments[0]}.done").unlink(missing_ok=True)
    ready = status / f"{segments[0]}.ready"
    ready.touch()
    owner = data.stat()
    os.chown(ready, owner.st_uid, owner.st_gid)


def _ran(marker: Path, wait: float) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if marker.exists():
            return True
        time.sleep(0.05)
    return marker.exists()


def _processes_in(folder: Path) -> list[int]:
    """The processes working in `folder`: a server's processes, and the commands they run,
    have its data folder as their working directory."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = Path(os.readlink(entry / "cwd"))
        except OSError:  # gone, or not ours to look at (then not the tool's server either)
            continue
        if cwd == folder or folder in cwd.parents:
            found.append(int(entry.name))
    return found


def _plant_copy(source: LocalServer, target: LocalServer) -> Path:
    """A copy of a real cluster as `target`'s `.roseram/data` (files as the server's
    account owns them, as an unpacked archive would give)."""
    data = target.root / "data"
    target.root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source.data_dir, data, symlinks=True)
    owner = source.data_dir.stat()
    for path in [data, *data.rglob("*")]:
        os.chown(path, owner.st_uid, owner.st_gid, follow_symlinks=False)
    return data


def test_a_planted_data_folder_is_refused_and_runs_nothing(base):
    _, marker, _ = base
    victim = _server(base, "victim")
    data = _plant_copy(_genuine(base, "elsewhere"), victim)
    _arm(data, marker)
    try:
        victim.start()
        refused = ""
    except ServerError as exc:
        refused = str(exc)
    # nothing ran, and nothing can run later: no process works in the folder (no server, no
    # command of one); test_command_settings_are_overridden_... shows _processes_in sees them
    assert _processes_in(data) == [], "a server runs on the planted folder"
    assert not marker.exists(), "the planted archive_command ran"
    assert "was not created by roseram-schema for this user" in refused
    assert not victim.status().running


def test_the_cli_refuses_it_with_exit_1_and_db_reset_recovers(base):
    _, marker, _ = base
    victim = _server(base, "victim")
    data = _plant_copy(_genuine(base, "elsewhere"), victim)
    _arm(data, marker)
    project = victim.root.parent
    cli = [sys.executable, "-m", "roseram_schema", "db"]
    run = subprocess.run([*cli, "start", "--project", str(project)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "was not created by roseram-schema for this user" in run.stderr
    assert "roseram-schema db reset" in run.stderr
    assert _processes_in(data) == [] and not marker.exists()
    reset = subprocess.run([*cli, "reset", "--yes", "--project", str(project)], capture_output=True, text=True,
                           timeout=120)
    assert reset.returncode == 0, reset.stderr
    url = victim.start()
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT 1").fetchone()[0] == 1
    assert not marker.exists()  # the reset removed the armed folder: only its past matters


def test_a_data_folder_moved_or_linked_is_not_ours_any_more(base):
    genuine = _genuine(base, "one")
    other = _server(base, "two")
    other.root.mkdir()
    (other.root / "data").symlink_to(genuine.data_dir)
    with pytest.raises(ServerError, match="symbolic link"):
        other.start()
    (other.root / "data").unlink()
    genuine.data_dir.rename(other.root / "data")  # the marker names the old place
    with pytest.raises(ServerError, match="was not created by roseram-schema"):
        other.start()


def test_server_json_may_not_name_another_folder(base):
    genuine = _genuine(base, "one")
    victim = _server(base, "victim")
    victim.root.mkdir()
    (victim.root / "server.json").write_text(json.dumps({"data_dir": str(genuine.data_dir)}))
    with pytest.raises(ServerError, match="server.json names the data folder"):
        victim.start()
    with pytest.raises(ServerError, match="server.json names the data folder"):
        victim.stop()
    assert not genuine.status().running
    victim.reset()  # recovers: server.json gone, the other project's cluster left alone
    assert not (victim.root / "server.json").exists()
    assert (genuine.data_dir / "PG_VERSION").exists()
    assert victim.start()


def test_db_reset_never_deletes_what_server_json_names(base):
    folder, _, _ = base
    keep = folder / "precious"
    keep.mkdir()
    (keep / "file").write_text("keep me")
    victim = _server(base, "victim")
    victim.root.mkdir()
    (victim.root / "server.json").write_text(json.dumps({"data_dir": str(keep / "data")}))
    (keep / "data").mkdir()
    victim.reset()
    assert (keep / "file").read_text() == "keep me" and (keep / "data").is_dir()


def test_a_planted_pid_file_is_not_signalled(base):
    genuine = _genuine(base, "one")
    url = genuine.start()
    pid = genuine.status().pid
    victim = _server(base, "victim")
    data = _plant_copy(genuine, victim)
    (data / "postmaster.pid").write_text(f"{pid}\n")
    with pytest.raises(ServerError, match="was not created by roseram-schema"):
        victim.stop()
    with psycopg.connect(url) as conn:  # the other cluster still runs
        assert conn.execute("SELECT 1").fetchone()[0] == 1


def test_command_settings_are_overridden_in_a_folder_of_ours(base):
    _, marker, _ = base
    srv = _genuine(base, "one")
    _arm(srv.data_dir, marker)
    # First without the overrides: the armed folder runs its command, and the time that
    # takes (from the start) tells how long to watch for it below.
    assert hasattr(LocalServer, "_neutralizing_options"), "the overrides moved: update this test"
    unprotected = LocalServer(srv.root, bin_dir=srv.bin_dir, fast=True)
    unprotected._neutralizing_options = lambda: []
    started = time.monotonic()
    unprotected.start()
    assert _ran(marker, 120), "the armed folder does not run its command: the test proves nothing"
    took = time.monotonic() - started
    assert unprotected.stop() is True
    marker.unlink()
    _mark_ready(srv.data_dir)
    started = time.monotonic()
    url = srv.start()
    assert _processes_in(srv.data_dir), "_processes_in does not see a server's processes"
    assert not _ran(marker, max(2.0, 5 * took) - (time.monotonic() - started)), "archive_command ran"
    with psycopg.connect(url) as conn:
        assert conn.execute("SHOW archive_mode").fetchone()[0] == "off"
        assert conn.execute("SHOW hba_file").fetchone()[0] == str(srv.data_dir / "pg_hba.conf")


def test_preload_settings_are_overridden_in_a_folder_of_ours(base):
    srv = _genuine(base, "one")
    with open(srv.data_dir / "postgresql.conf", "a") as f:
        f.write("session_preload_libraries = 'no_such_library'\nhba_file = '/nonexistent/pg_hba.conf'\n")
    url = srv.start()
    with psycopg.connect(url) as conn:
        assert conn.execute("SHOW session_preload_libraries").fetchone()[0] == ""


@pytest.mark.parametrize("name", ["server.lock", "command.log", "server.log"])
def test_a_link_planted_among_the_servers_files_is_not_followed(base, name):
    folder, _, _ = base
    victim_file = folder / "victim.txt"
    victim_file.write_text("precious\n")
    os.chmod(victim_file, 0o644)
    before = victim_file.stat()
    srv = _server(base, "p")
    srv.root.mkdir()
    (srv.root / name).symlink_to(victim_file)
    with pytest.raises(ServerError, match="link"):
        srv.start()
    after = victim_file.stat()
    assert victim_file.read_text() == "precious\n"
    assert (after.st_uid, after.st_gid, after.st_mode) == (before.st_uid, before.st_gid, before.st_mode)


def test_a_linked_gitignore_creates_nothing(base):
    folder, _, _ = base
    srv = _server(base, "p")
    srv.root.mkdir()
    (srv.root / ".gitignore").symlink_to(folder / "created-through-link")
    srv.start()
    assert not (folder / "created-through-link").exists()
