"""Where a command works: which project folder, which database, which scratch server.

Rules (README "CLI"):
- project: --project DIR, else the current directory when it holds schema/, policies/ or
  views/, else the Roseram project shipped in this repository;
- target database: --db URL, else DATABASE_URL, else the embedded default database, whose
  data lives in <project>/.roseram/ and which is started on demand and left running;
- dev (scratch) server, where desired states are built and read back: --dev-db URL, else
  ROSERAM_DEV_DB, else the embedded default server.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import RoseramError

SOURCE_DIRS = ("schema", "policies", "views")


def is_project_dir(path: Path) -> bool:
    return any((path / d).is_dir() for d in SOURCE_DIRS) or (path / "project.yaml").is_file()


def shipped_project() -> Path:
    """The Roseram project at the root of this repository (editable installs and checkouts)."""
    return Path(__file__).resolve().parent.parent


def resolve_project(project: Path | None) -> Path:
    """The project folder a command works on (see module doc)."""
    if project is not None:
        path = Path(project).resolve()
        if not path.is_dir():
            raise RoseramError(f"--project {project}: no such directory")
        if not is_project_dir(path):
            raise RoseramError(
                f"--project {project}: no schema/, policies/, views/ or project.yaml in it"
            )
        return path
    cwd = Path.cwd()
    if is_project_dir(cwd):
        return cwd
    shipped = shipped_project()
    if is_project_dir(shipped):
        return shipped
    raise RoseramError(
        "no project here: run inside a folder with schema/, policies/ or views/, or pass --project DIR"
    )


def embedded_server(project_dir: Path):
    """The embedded default server of a project (not started)."""
    from .server import LocalServer

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
    contacting it (cachefiles.server_identity of the URL given, or "embedded"), to key
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
    from .cachefiles import server_identity

    return server_identity(dev) if isinstance(dev, str) else dev.identity


def cache_dir(project_dir: Path) -> Path:
    """Where derived data (normalized catalogs) is cached; git-ignored."""
    from .cachefiles import make_dir

    path = project_dir / ".roseram" / "cache"
    make_dir(path)
    return path
