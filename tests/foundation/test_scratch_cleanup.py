"""Scratch databases do not outlive the command that made them: Ctrl-C or SIGTERM during
`plan` drops them, and what a `kill -9` left is swept by the next plan once it is an hour
old and unused. The kept `roseram_state_*` database is never swept."""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from roseram_schema.server.embedded import LocalServer, binaries_for_version


def _project(path):
    (path / "schema" / "public").mkdir(parents=True)
    (path / "schema" / "public" / "t.yaml").write_text("columns:\n  id: {type: integer}\n")
    return path


def _plan(project, target_url, dev_url, **popen):
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.pop("ROSERAM_DEV_DB", None)
    with _signals_not_ignored():
        return subprocess.Popen(
            [sys.executable, "-m", "roseram_schema", "plan", "--project", str(project),
             "--db", target_url, "--dev-db", dev_url],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, **popen,
        )


@contextmanager
def _signals_not_ignored():
    """Start children the way a terminal starts a command, with SIGINT and SIGTERM not
    ignored. A shell script's background job (`pytest &`, as CI runs two suites at once)
    ignores SIGINT, an ignored signal stays ignored across exec, and a plan started so
    rightly ignores Ctrl-C. Only the disposition matters: a handler becomes SIG_DFL in the
    child."""
    saved = {}
    for sig, handler in ((signal.SIGINT, signal.default_int_handler), (signal.SIGTERM, signal.SIG_DFL)):
        if signal.getsignal(sig) is signal.SIG_IGN:
            saved[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in saved.items():
            signal.signal(sig, old)


def _databases(conn, pattern="roseram\\_%"):
    return sorted(r[0] for r in conn.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE %s", (pattern,)))


def _create(conn, name):
    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def test_stale_scratch_databases_are_swept_by_the_next_plan(pg_server, make_db, tmp_path):
    dev = pg_server.base_url
    with psycopg.connect(dev, autocommit=True) as conn:
        now = int(conn.execute("SELECT extract(epoch FROM now())").fetchone()[0])
        old = f"roseram_scratch_4242_{now - 7200}_0123456789ab"
        old_verify = f"roseram_verify_4242_{now - 7200}_01234567"
        legacy = "roseram_scratch_4242_0123456789ab"  # an older version's name: no time
        recent = f"roseram_scratch_4242_{now - 60}_0123456789ab"  # may be another run's
        busy = f"roseram_scratch_4243_{now - 7200}_0123456789ab"  # someone is connected
        kept = "roseram_state_0123456789abcdef"
        for name in (old, old_verify, legacy, recent, busy, kept):
            _create(conn, name)
        try:
            with psycopg.connect(pg_server.url(busy)):
                r = _plan(_project(tmp_path / "p"), make_db(), dev)
                out, err = r.communicate(timeout=180)
                assert r.returncode in (0, 2), err
            left = set(_databases(conn))
            assert {old, old_verify, legacy} & left == set(), left
            assert {recent, busy, kept} <= left, left
            assert not [n for n in left if n.startswith("roseram_scratch") and n not in (recent, busy)], left
        finally:
            for name in (old, old_verify, legacy, recent, busy, kept):
                pg_server.drop_database(name)


# Waits are for a condition; the deadline only ends a test that hangs, so it is generous
# (two suites at once on a loaded 2-core machine must never reach it).
DEADLINE = 300.0


def _wait_until(condition, proc, timeout=DEADLINE, what="the condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _main_thread_status(pid):
    text = Path(f"/proc/{pid}/task/{pid}/status").read_text()
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def _signal_handled(pid, sig):
    """A condition: `sig`, sent to `pid`, has reached its Python handler. Once the kernel
    has delivered it (no longer pending), the handler runs the next time the main thread's
    psycopg wait returns to the interpreter, which it does between two sleeps (every 0.1 s
    at most while a query waits): so, delivered and then two sleeps more."""
    bit = 1 << (sig - 1)
    seen = None

    def handled():
        nonlocal seen
        try:
            status = _main_thread_status(pid)
        except FileNotFoundError:  # exited: the caller's check of the process says how
            return False
        if (int(status["SigPnd"], 16) | int(status["ShdPnd"], 16)) & bit:
            return False
        sleeps = int(status["voluntary_ctxt_switches"])
        if seen is None:
            seen = sleeps
        return sleeps >= seen + 2 and status["State"].strip().startswith("S")

    return handled


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory):
    """A server of its own: the platform roles must not exist yet (see _blocked_plan)."""
    which = os.environ.get("ROSERAM_TEST_PG", "18")
    srv = LocalServer(tmp_path_factory.mktemp("devsig") / ".roseram",
                      bin_dir=binaries_for_version(which), fast=True)
    srv.start()
    yield srv
    srv.reset()


def _count(conn, query):
    return conn.execute(query).fetchone()[0]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signals_during_plan_leave_no_scratch_database(dev_server, tmp_path, sig):
    """A signal while the scratch database is being built drops it, and a second one while
    it is being dropped (an impatient Ctrl-C) does not stop the drop."""
    dev = dev_server.url()
    with psycopg.connect(dev, autocommit=True) as conn:
        assert _databases(conn, "roseram\\_scratch%") == [], "left by an earlier test"
        conn.execute("DROP DATABASE IF EXISTS target")
        _create(conn, "target")
        for role in ("anon", "authenticated", "service_role"):
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
        # The plan's scratch build creates the role `anon`; created here in an open
        # transaction, it makes the build wait while the scratch database exists. A comment
        # on that database, also left uncommitted, then makes its DROP wait.
        with psycopg.connect(dev) as role_lock, psycopg.connect(dev) as db_lock:
            role_lock.execute("CREATE ROLE anon NOLOGIN")
            proc = _plan(_project(tmp_path / "p"), dev_server.url("target"), dev)
            try:
                _wait_until(lambda: _databases(conn, "roseram\\_scratch%"), proc, what="the scratch database")
                (scratch,) = _databases(conn, "roseram\\_scratch%")
                _wait_until(lambda: _count(conn, WAITING + f"datname = '{scratch}'"), proc,
                            what="the build to wait for the role")
                db_lock.execute(sql.SQL("COMMENT ON DATABASE {} IS 'held'").format(sql.Identifier(scratch)))
                proc.send_signal(sig)
                _wait_until(lambda: _count(conn, WAITING + "query LIKE 'DROP DATABASE%'"), proc,
                            what="the drop to wait for the comment's lock")
                proc.send_signal(sig)
                _wait_until(_signal_handled(proc.pid, sig), proc, what="the second signal to be handled")
                # so the second signal came while the drop was still in progress
                assert _count(conn, WAITING + "query LIKE 'DROP DATABASE%'") == 1
                db_lock.rollback()
                out, err = proc.communicate(timeout=DEADLINE)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                    # what the killed plan left must not fail the next test too
                    db_lock.rollback()
                    role_lock.rollback()
                    for name in _databases(conn, "roseram\\_scratch%"):
                        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            role_lock.rollback()
        assert proc.returncode != 0
        assert _databases(conn, "roseram\\_scratch%") == [], err


WAITING = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
