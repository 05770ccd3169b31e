"""The embedded default server: start on demand, reuse, one server under concurrent starts,
recovery from a crash (stale pid file), stop. Binaries: ROSERAM_TEST_PG selects them."""

import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest

from roseram_schema.server.embedded import LocalServer, binaries_for_version


@pytest.fixture
def server(tmp_path):
    srv = LocalServer(tmp_path / ".roseram", bin_dir=binaries_for_version(os.environ.get("ROSERAM_TEST_PG", "18")))
    yield srv
    srv.reset()


def _select_one(url: str) -> int:
    with psycopg.connect(url, connect_timeout=5) as conn:
        return conn.execute("SELECT 1").fetchone()[0]


def test_start_reuse_stop(server):
    assert server.status().message == "not initialized"
    url = server.start()
    assert _select_one(url) == 1
    pid = server.status().pid
    assert server.start() == url
    assert server.status().pid == pid, "a second start must reuse the running server"
    assert server.stop() is True
    st = server.status()
    assert not st.running and st.message == "stopped"
    assert server.stop() is False


def test_psql_accepts_the_url(server):
    url = server.start()
    out = subprocess.run(["psql", url, "-Atc", "select 41 + 1"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "42"


def test_crashed_server_is_recovered(server):
    server.start()
    os.kill(server.status().pid, signal.SIGKILL)
    deadline = time.monotonic() + 120  # only ends a hang
    while server.status().running and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not server.status().running
    assert (server.data_dir / "postmaster.pid").exists(), "the crash leaves a stale pid file"
    url = server.start()
    assert _select_one(url) == 1


def test_concurrent_starts_share_one_server(server, tmp_path):
    code = (
        "import sys; from pathlib import Path; from roseram_schema.server.embedded import LocalServer;"
        "s = LocalServer(Path(sys.argv[1]), bin_dir=Path(sys.argv[2])); s.start();"
        "print(s.status().pid)"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(server.root), str(server.bin_dir)],
                         stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    pids = {p.communicate(timeout=120)[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    assert len(pids) == 1, f"expected one server, got pids {pids}"
    assert _select_one(server.url()) == 1
