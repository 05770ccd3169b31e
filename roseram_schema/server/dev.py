"""Which servers a command talks to: the target database and the dev (scratch) server.

Rules (README "CLI"):
- target database: --db URL, else DATABASE_URL, else the embedded default database, whose
  data lives in <project>/.roseram/ and which is started on demand and left running;
- dev (scratch) server, where desired states are built and read back: --dev-db URL, else
  ROSERAM_DEV_DB, else the embedded default server (outside a project, where there is no
  .roseram/ to keep it in, a temporary server removed at the end of the command).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..state.servers import server_identity


def embedded_server(project_dir: Path):
    """The embedded default server of a project (not started)."""
    # lazy: a no-change plan/drift given --db and --dev-db (entry.py's fast path) never needs it
    from .embedded import LocalServer

    return LocalServer(project_dir / ".roseram")


def resolve_db_url(db: str | None, project_dir: Path) -> str:
    """The target database URL; starts the embedded default server when it is the one."""
    url = db or os.environ.get("DATABASE_URL")
    if url:
        return url
    return embedded_server(project_dir).start()


def resolve_dev_url(dev_db: str | None, project_dir: Path) -> str:
    """A server URL where scratch databases may be created (see module doc)."""
    url = dev_db or os.environ.get("ROSERAM_DEV_DB")
    if url:
        return url
    return embedded_server(project_dir).start()


class DevServer:
    """The dev (scratch) server of a command, resolved only when first needed.

    A no-change plan or drift whose desired state is cached never builds a scratch
    database, so it must not start the embedded server either: commands receive this
    object and call `url()` only on a cache miss. `identity` names the server without
    contacting it (server_identity of the URL given, or "embedded"), to key
    what is remembered about it.
    """

    def __init__(self, dev_db: str | None, project_dir: Path):
        self._given = dev_db or os.environ.get("ROSERAM_DEV_DB") or None
        self._project_dir = Path(project_dir)
        self._url: str | None = None

    @property
    def identity(self) -> str:
        """A stable name of the server that holds no password (see server_identity)."""
        return dev_identity_of(self._given) if self._given else "embedded"

    def url(self) -> str:
        """The server URL; starts the embedded server on the first call when it is the one."""
        if self._url is None:
            self._url = self._given or embedded_server(self._project_dir).start()
        return self._url


def dev_url_of(dev) -> str:
    """The URL of `dev`: a URL string as it is, or a DevServer resolved now."""
    return dev if isinstance(dev, str) else dev.url()


def dev_identity_of(dev) -> str:
    """What names `dev` without contacting it (see DevServer.identity)."""
    return server_identity(dev) if isinstance(dev, str) else dev.identity


@contextmanager
def scratch_server(dev_db: str | None):
    """The dev server of a command run outside any project: --dev-db or ROSERAM_DEV_DB when
    given, else a temporary embedded server, stopped and deleted when the block ends (there
    is no project folder whose .roseram/ could keep one)."""
    url = dev_db or os.environ.get("ROSERAM_DEV_DB")
    if url:
        yield url
        return
    # lazy, as in embedded_server
    from .embedded import LocalServer

    root = Path(tempfile.mkdtemp(prefix="roseram-scratch-"))
    server = LocalServer(root, fast=True)
    try:
        yield server.start()
    finally:
        try:
            server.reset()
        finally:
            shutil.rmtree(server.socket_dir, ignore_errors=True)
            shutil.rmtree(root, ignore_errors=True)
