"""The embedded server trusts no other OS user and no path: the socket folder in /tmp is
refused when someone else planted it, pg_hba.conf admits only the tool's own OS user, and a
project path holding shell syntax is never run by pg_ctl's /bin/sh.

Planting a folder owned by another user, or running psql as one, needs root (this sandbox
and CI); those tests are skipped otherwise."""

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest

from roseram_schema.errors import ServerError
from roseram_schema.server.embedded import LocalServer, binaries_for_version

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another OS user")


def _bin_dir() -> Path:
    return binaries_for_version(os.environ.get("ROSERAM_TEST_PG", "18"))


@pytest.fixture
def server(tmp_path):
    srv = LocalServer(tmp_path / ".roseram", bin_dir=_bin_dir(), fast=True)
    yield srv
    srv.reset()
    _remove(srv.socket_dir)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path, ignore_errors=True)


def _select_one(url: str) -> int:
    with psycopg.connect(url, connect_timeout=5) as conn:
        return conn.execute("SELECT 1").fetchone()[0]


def test_symlink_at_socket_path_is_refused(server, tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    before = victim.stat()
    _remove(server.socket_dir)
    server.socket_dir.symlink_to(victim)
    with pytest.raises(ServerError, match="symbolic link"):
        server.start()
    after = victim.stat()
    assert (after.st_uid, after.st_gid, after.st_mode) == (before.st_uid, before.st_gid, before.st_mode)
    assert not server.status().running


@as_root
def test_world_writable_folder_of_another_user_is_refused(server):
    _remove(server.socket_dir)
    server.socket_dir.mkdir()
    os.chmod(server.socket_dir, 0o777)
    os.chown(server.socket_dir, 65534, 65534)  # nobody
    with pytest.raises(ServerError, match="belongs to another user"):
        server.start()
    assert not server.status().running


def test_group_or_world_writable_folder_is_refused(server):
    _remove(server.socket_dir)
    server.socket_dir.mkdir()
    os.chmod(server.socket_dir, 0o777)
    if server.account is not None:
        os.chown(server.socket_dir, server.account.pw_uid, server.account.pw_gid)
    with pytest.raises(ServerError, match="writable by others"):
        server.start()
    assert not server.status().running


@as_root
def test_other_os_user_cannot_connect(server):
    url = server.start()
    # even with the socket folder opened up (as a planted folder would), the server itself
    # refuses other OS users; the tool's own user still gets in
    os.chmod(server.socket_dir, 0o711)
    for other in ("nobody", server.account.pw_name):
        r = subprocess.run(["runuser", "-u", other, "--", "psql", url, "-Atc", "select 1"],
                           capture_output=True, text=True, cwd="/", timeout=30)
        assert r.returncode != 0, f"{other} connected: {r.stdout}"
        assert "authentication failed" in r.stderr, r.stderr
    assert _select_one(url) == 1
    r = subprocess.run(["psql", url, "-Atc", "select 1"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and r.stdout.strip() == "1", r.stderr


def test_no_tcp_and_no_trust_in_pg_hba(server):
    server.start()
    lines = [ln.split() for ln in (server.data_dir / "pg_hba.conf").read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    assert lines and all(ln[0] == "local" and ln[3] == "peer" for ln in lines), lines
    with psycopg.connect(server.url(), autocommit=True) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone()[0] == ""


@pytest.fixture
def shell_project():
    """A project folder whose path holds `$(touch <marker>)`, readable by the service
    account (so that the cluster lives in it, as in a user's checkout)."""
    base = Path(tempfile.mkdtemp(prefix="roseram-trust-"))
    os.chmod(base, 0o755)
    marker = Path(tempfile.gettempdir()) / f"roseram-marker-{uuid.uuid4().hex[:8]}"
    project = base / f"$(touch {marker})" / "p"
    project.mkdir(parents=True)
    d = project
    while d != base:
        os.chmod(d, 0o755)
        d = d.parent
    yield project, marker
    marker.unlink(missing_ok=True)
    shutil.rmtree(base, ignore_errors=True)


def test_shell_syntax_in_project_path_is_not_run(shell_project):
    project, marker = shell_project
    srv = LocalServer(project / ".roseram", bin_dir=_bin_dir(), fast=True)
    try:
        url = srv.start()
        assert _select_one(url) == 1
        assert str(srv.data_dir).startswith(str(project)), "the cluster must live in the project"
        assert srv.stop() is True
    finally:
        srv.reset()
        _remove(srv.socket_dir)
    assert not marker.exists(), "a command in the project path was run by a shell"


def test_running_server_of_an_older_version_stops_trusting(server):
    url = server.start()
    hba = server.data_dir / "pg_hba.conf"
    hba.write_text("local all all trust\n")  # what initdb --auth=trust wrote before
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_reload_conf()")
        assert conn.execute("SELECT count(*) FROM pg_hba_file_rules WHERE auth_method = 'trust'").fetchone()[0] == 1
    pid = server.status().pid
    assert server.start() == url
    assert server.status().pid == pid, "the running server is kept"
    with psycopg.connect(url, autocommit=True) as conn:
        rules = conn.execute("SELECT type, auth_method FROM pg_hba_file_rules").fetchall()
    assert rules == [("local", "peer")]


def test_binaries_under_a_shell_special_path_are_refused(tmp_path):
    # initdb and pg_ctl put the binaries' own path into a /bin/sh command line; the folder
    # must be reachable by the service account, else a safe copy of it is used instead
    base = Path(tempfile.mkdtemp(prefix="roseram-trust-"))
    fake = base / "$(touch marker)" / "bin"
    srv = LocalServer(tmp_path / ".roseram", bin_dir=fake, fast=True)
    try:
        fake.mkdir(parents=True)
        for exe in _bin_dir().iterdir():
            (fake / exe.name).symlink_to(exe)
        os.chmod(base, 0o755)
        os.chmod(fake.parent, 0o755)
        os.chmod(fake, 0o755)
        with pytest.raises(ServerError, match="special to /bin/sh"):
            srv.start()
        assert not srv.is_initialized()
    finally:
        srv.reset()
        shutil.rmtree(base, ignore_errors=True)
