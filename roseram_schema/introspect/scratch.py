"""Scratch databases on a development server: created with a unique name, always dropped."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import DatabaseError

SCRATCH_PREFIX = "roseram_scratch"


def database_url(server_url: str, dbname: str) -> str:
    """`server_url` with its database name replaced."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(server_url)
    params["dbname"] = dbname
    return make_conninfo(**params)


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """Create an empty database with a unique name on the server of `server_url`, yield its
    URL, and drop it afterwards WITH (FORCE), whether the body succeeded or not."""
    import psycopg
    from psycopg import sql

    name = f"{SCRATCH_PREFIX}_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as e:
        raise DatabaseError(f"could not create a scratch database on {_where(server_url)}: {e}") from e
    try:
        yield database_url(server_url, name)
    except BaseException:
        # the body's error is the one to report; a failing drop must not replace it
        try:
            _drop(server_url, name)
        except psycopg.Error:
            pass
        raise
    try:
        _drop(server_url, name)
    except psycopg.Error as e:
        raise DatabaseError(f"could not drop the scratch database {name} on {_where(server_url)}: {e}") from e


def _drop(server_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _where(url: str) -> str:
    """The server part of a URL for messages (no password)."""
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(url)
    host = params.get("host", "localhost")
    port = params.get("port", "5432")
    return f"{host}:{port}"
