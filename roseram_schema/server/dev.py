"""Which servers a command talks to: the target database and the dev (scratch) server.

Rules (README "CLI"):
- target database: --db URL, else DATABASE_URL, else the embedded default database, whose
  data lives in <project>/.roseram/ and which is started on demand and left running;
- dev (scratch) server, where desired states are built and read back: --dev-db URL, else
  ROSERAM_DEV_DB, else the embedded default server (outside a project, where there is no
  .roseram/ to keep it in, a temporary server removed at the end of the command).
- a scratch database must be able to create the source's extensions: when the embedded
  default server lacks one (it has no pgcrypto, no uuid-ossp) and the target's server
  offers it, the scratch databases are built on the target's server, if the user may
  create databases there (normalize/scratch.py gives them names that cannot collide and
  always drops them); otherwise the error names the extension, the servers tried and the
  `--dev-db` to give. A dev server the user named is never replaced.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from ..errors import DatabaseError
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

    `target`: the URL of the command's target database, whose server stands in for the
    embedded default one when that lacks an extension a scratch database must create
    (module doc); set by whoever knows it (`aimed_at`).
    """

    def __init__(self, dev_db: str | None, project_dir: Path | None, *, target: str | None = None):
        self._given = dev_db or os.environ.get("ROSERAM_DEV_DB") or None
        self._project_dir = Path(project_dir) if project_dir is not None else None
        self._url: str | None = None
        self.target = target
        # extensions known to be offered where _url points
        self._has: set[str] = set()
        # True once the scratch databases moved to the target's server
        self.moved = False

    @classmethod
    def started(cls, url: str, *, given: bool, target: str | None = None) -> "DevServer":
        """A DevServer for a server already running at `url` (scratch_server's): `given`
        when the user named it (it is then never replaced)."""
        dev = cls(url if given else None, None, target=target)
        dev._url = url
        return dev

    @property
    def identity(self) -> str:
        """A stable name of the server that holds no password (see server_identity)."""
        return dev_identity_of(self._given) if self._given else "embedded"

    @property
    def keeps_databases(self) -> bool:
        """Whether a database may be kept there between runs (the project's kept database):
        never on the target's server, which only gets scratch databases, always dropped."""
        return not self.moved

    def aimed_at(self, target: str | None) -> "DevServer":
        """This server, told the command's target database (see the class doc)."""
        self.target = target
        return self

    def url(self, extensions: Iterable[str] = ()) -> str:
        """The server URL; starts the embedded server on the first call when it is the one.
        `extensions`: names a scratch database made there will create (scratch_server_for
        checks them once; the embedded server may then give way to the target's)."""
        if self._url is None:
            if self._given:
                self._url = self._given
            elif self._project_dir is None:
                raise ValueError("a DevServer outside a project is made with DevServer.started")
            else:
                self._url = embedded_server(self._project_dir).start()
        needed = set(extensions) - self._has
        if needed:
            url = scratch_server_for(self._url, needed, target=self.target, named=bool(self._given),
                                     moved=self.moved, origins=extensions if isinstance(extensions, dict) else None)
            if url != self._url:
                self._url, self.moved, self._has = url, True, set()
            self._has |= needed
        return self._url


def dev_url_of(dev, extensions: Iterable[str] = ()) -> str:
    """The URL of `dev`: a URL string as it is, or a DevServer resolved now (on a server
    that offers `extensions`, see DevServer.url)."""
    if isinstance(dev, str):
        return dev
    # another object with a url() (a fleet's SharedDev) resolves its own way
    return dev.url(extensions) if extensions and isinstance(dev, DevServer) else dev.url()


def aim(dev, target: str | None):
    """`dev`, told the command's target (DevServer.aimed_at) when there is one; anything
    else as it is."""
    return dev.aimed_at(target) if target and isinstance(dev, DevServer) else dev


def keeps_databases(dev) -> bool:
    """Whether the project's kept database may live on `dev` (DevServer.keeps_databases)."""
    return getattr(dev, "keeps_databases", True)


def required_extensions(catalog) -> dict[str, str | None]:
    """The extensions a scratch database built from `catalog` must create, by name, with
    where the source declares them (for messages): all but the `optional` ones (skipped
    with a warning where the server lacks them)."""
    return {e.name: str(e.origin) if e.origin else None
            for e in sorted(catalog.extensions, key=lambda e: e.name) if not e.optional}


def _offered(conn, names: list[str]) -> set[str]:
    rows = conn.execute("SELECT name FROM pg_catalog.pg_available_extensions WHERE name = ANY(%s)", (names,))
    return {r[0] for r in rows}


def missing_on(url: str, names: Iterable[str]) -> list[str]:
    """The names among `names` the server of `url` does not offer (not in its
    pg_available_extensions); DatabaseError when it cannot be reached."""
    # lazy: psycopg takes ~0.1 s to import, and a cached run never gets here
    import psycopg

    names = sorted(set(names))
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            have = _offered(conn, names)
    except psycopg.Error as e:
        raise DatabaseError(f"could not connect to the dev server at {server_where(url)}: {e}") from e
    return [n for n in names if n not in have]


def _target_refusal(target: str, names: list[str]) -> str | None:
    """Why scratch databases cannot be built on the server of `target`, or None when they
    can: it offers every extension of `names` and the user may create databases there."""
    import psycopg

    try:
        with psycopg.connect(target, autocommit=True) as conn:
            have = _offered(conn, names)
            role, may = conn.execute("SELECT current_user, rolcreatedb OR rolsuper FROM pg_catalog.pg_roles"
                                     " WHERE rolname = current_user").fetchone()
    except psycopg.Error as e:
        return f"could not connect ({str(e).strip()})"
    lacking = [n for n in names if n not in have]
    if lacking:
        return f"lacks {', '.join(lacking)} too"
    if not may:
        return f"role {role} may not create databases there (no CREATEDB)"
    return None


def scratch_server_for(dev_url: str, names: Iterable[str], *, target: str | None = None,
                       named: bool = True, moved: bool = False, origins: dict | None = None) -> str:
    """The server URL where a scratch database creating the extensions `names` can be
    built: `dev_url` when its server offers them all; else, when that is the embedded
    default server (not `named` by the user) and the server of `target` offers them and
    lets the user create databases, `target` (scratch_database replaces its database
    name), with a note on stderr. Otherwise DatabaseError naming the extensions, the
    servers tried and the `--dev-db` to give (and where the source declares them, from
    `origins`: name -> file:line:column)."""
    missing = missing_on(dev_url, names)
    if not missing:
        return dev_url
    lacking = ", ".join(missing)
    declared = [f"{name} ({origins[name]})" for name in missing if origins and origins.get(name)]
    if named:
        which = "the dev server given (--dev-db / ROSERAM_DEV_DB)"
    else:
        which = "the target's server" if moved else "the embedded dev server"
    tried = [f"{which} at {server_where(dev_url)} lacks {lacking}"]
    suggestion = "--dev-db URL (or ROSERAM_DEV_DB) of a PostgreSQL with the contrib extensions"
    if not moved and target and server_where(target) != server_where(dev_url):
        refusal = _target_refusal(target, missing)
        if refusal is None and not named:
            sys.stderr.write(f"note: the embedded dev server lacks {lacking}: the scratch databases are "
                             f"built on the target's server ({server_where(target)}) and dropped "
                             "afterwards (--dev-db URL names another server)\n")
            return target
        if refusal is None:
            suggestion = f"--dev-db '{server_conninfo(target)}' (the target's server, which has them)"
        else:
            tried.append(f"the target's server at {server_where(target)}: {refusal}")
    elif not named and not moved:
        tried.append("no target database on another server to build them on")
    raise DatabaseError(
        f"the scratch database needs extension{'s' if len(missing) > 1 else ''} "
        f"{', '.join(declared) if declared else lacking}, which the server it is built on does not "
        f"offer. Tried: {'; '.join(tried)}. Give a dev server that has "
        f"{'them' if len(missing) > 1 else 'it'} and where you may create databases: {suggestion}")


def server_conninfo(url: str) -> str:
    """The server of `url` as a conninfo for --dev-db: its maintenance database, no password."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = {k: v for k, v in conninfo_to_dict(url).items() if k not in ("password", "sslpassword")}
    params["dbname"] = "postgres"
    return make_conninfo(**params)


def server_where(url: str) -> str:
    """The server part of a URL for messages: host (or socket folder) and port, no password."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = conninfo_to_dict(url)
    except Exception:  # noqa: BLE001 - not a conninfo libpq reads: connecting says so
        return url.split("@")[-1].split("/")[0] or "?"
    return f"{params.get('host') or 'localhost'}:{params.get('port') or '5432'}"


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


@contextmanager
def scratch_dev_server(dev_db: str | None):
    """scratch_server as a DevServer: its temporary embedded server may give way to the
    target's server, as a project's would (DevServer.url); a server named never does."""
    with scratch_server(dev_db) as url:
        yield DevServer.started(url, given=bool(dev_db or os.environ.get("ROSERAM_DEV_DB")))
