"""Scratch databases on a development server: created with a unique name, always dropped.

"Always" includes Ctrl-C and `kill`: while a scratch database exists, SIGTERM and SIGHUP
raise KeyboardInterrupt in the main thread as SIGINT does, and the drop runs with those
signals held until it is done (a second Ctrl-C must not stop it). What a `kill -9` or a power cut leaves is swept by the next scratch
database made on the server: the name carries its creation time (the server's clock), and
one older than STALE_AFTER seconds that nobody is connected to is dropped.

The server may be the target database's own (server/dev.py: the embedded one lacks an
extension the schema needs): the name, `<prefix>_<pid>_<server time>_<48 random bits>`,
cannot collide with another run's, and CREATE DATABASE fails rather than reuse one.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import DatabaseError

SCRATCH_PREFIX = "roseram_scratch"
# Prefixes of the throw-away databases the tool makes (workflow/verify.py has its own);
# never the kept `roseram_state_*` databases.
SWEPT_PREFIXES = (SCRATCH_PREFIX, "roseram_verify")
STALE_AFTER = 3600
# <prefix>_<pid>_<epoch seconds>_<hex>; the names of older versions lack the time.
_NAME = re.compile(r"^(?:%s)_\d+_(?:(\d{9,12})_)?[0-9a-f]+$" % "|".join(SWEPT_PREFIXES))
_CAUGHT = (signal.SIGTERM, signal.SIGHUP)


def database_url(server_url: str, dbname: str) -> str:
    """`server_url` with its database name replaced."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(server_url)
    params["dbname"] = dbname
    return make_conninfo(**params)


@contextmanager
def scratch_database(server_url: str, prefix: str = SCRATCH_PREFIX) -> Iterator[str]:
    """Create an empty database with a unique name on the server of `server_url`, yield its
    URL, and drop it afterwards WITH (FORCE), whether the body succeeded or not (see the
    module doc for signals). Stale scratch databases of earlier runs are dropped first."""
    import psycopg
    from psycopg import sql

    with _signals_interrupt():
        name = None
        try:
            with psycopg.connect(server_url, autocommit=True) as conn:
                now = sweep_stale(conn)
                name = f"{prefix}_{os.getpid()}_{now}_{uuid.uuid4().hex[:12]}"
                # template0: the scratch database may be made on the target's own server
                # (server/dev.py), whose template1 can hold objects of its owner
                conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
        except psycopg.Error as e:
            raise DatabaseError(f"could not create a scratch database on {_where(server_url)}: {e}") from e
        except BaseException:
            # interrupted while CREATE DATABASE ran: it may have been done all the same
            if name is not None:
                _drop_quietly(server_url, name)
            raise
        try:
            yield database_url(server_url, name)
        except BaseException:
            # the body's error is the one to report; a failing drop must not replace it
            _drop_quietly(server_url, name)
            raise
        try:
            with _signals_blocked():
                _drop(server_url, name)
        except psycopg.Error as e:
            raise DatabaseError(f"could not drop the scratch database {name} on {_where(server_url)}: {e}") from e


def sweep_stale(conn) -> int:
    """Drop the scratch databases on `conn`'s server older than STALE_AFTER seconds that no
    session is connected to (left by a killed run); returns the server's time (epoch s).

    A name without a time comes from a version that predates it; it is swept when unused.
    A database someone connects to meanwhile, or that we may not drop, is left alone."""
    import psycopg
    from psycopg import sql

    now, names = conn.execute(
        "SELECT extract(epoch FROM now())::bigint, array("
        " SELECT d.datname FROM pg_catalog.pg_database d"
        " WHERE d.datname ~ %s"
        " AND NOT EXISTS (SELECT FROM pg_catalog.pg_stat_activity a WHERE a.datid = d.oid)"
        " ORDER BY 1)",
        ("^(%s)_" % "|".join(SWEPT_PREFIXES),),
    ).fetchone()
    for name in names:
        m = _NAME.match(name)
        if m is None or (m.group(1) is not None and now - int(m.group(1)) < STALE_AFTER):
            continue
        try:
            # no FORCE: a session that connected since the query above keeps its database
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        except psycopg.Error:
            pass
    return int(now)


def _drop(server_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _drop_quietly(server_url: str, name: str) -> None:
    """Drop `name`, ignoring a database error (another error is being reported)."""
    import psycopg

    with _signals_blocked():
        try:
            _drop(server_url, name)
        except psycopg.Error:
            pass


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


@contextmanager
def _signals_interrupt():
    """SIGTERM/SIGHUP raise KeyboardInterrupt (as SIGINT does) for the duration, so the
    drops above run; only in the main thread, and only where nobody else handles them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {}
    for sig in _CAUGHT:
        if signal.getsignal(sig) is signal.SIG_DFL:
            saved[sig] = signal.signal(sig, _interrupt)
    try:
        yield
    finally:
        for sig, old in saved.items():
            signal.signal(sig, old)


@contextmanager
def _signals_blocked():
    """Hold SIGINT/SIGTERM/SIGHUP until the block ends (a second Ctrl-C must not stop the
    drop), then raise KeyboardInterrupt if one came. Python handlers rather than a signal
    mask: the kernel would hand a signal masked here to another thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[int] = []
    saved = {}
    for sig in (signal.SIGINT, *_CAUGHT):
        if signal.getsignal(sig) in (signal.SIG_DFL, signal.default_int_handler, _interrupt):
            saved[sig] = signal.signal(sig, lambda signum, frame: came.append(signum))
    try:
        yield
    finally:
        for sig, old in saved.items():
            signal.signal(sig, old)
    if came:
        raise KeyboardInterrupt(f"signal {signal.Signals(came[0]).name}")


def _where(url: str) -> str:
    """The server part of a URL for messages (no password)."""
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(url)
    host = params.get("host", "localhost")
    port = params.get("port", "5432")
    return f"{host}:{port}"
