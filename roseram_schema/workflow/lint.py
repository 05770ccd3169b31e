"""`lint`: static checks of a project's source, or of a live database's schema.

Shared by the `lint` command and the API.
"""

from __future__ import annotations

from pathlib import Path

from ..cache import load_project
from ..errors import DatabaseError
from ..lint.rules import lint_catalog
from ..lint.storage import storage_write_unowned
from ..verify.anchors import derive_anchors
from ..verify.spec import load_spec
from .context import is_project_dir


def desired_catalog(root: Path, project, dev=None):
    """The normalized catalog of a loaded project (through the cache when it is on)."""
    # lazy: only a source with script files needs a database here
    from ..cache import from_env
    from ..normalize.scripts import normalize_source
    from ..server.dev import DevServer, dev_url_of

    dev = dev if dev is not None else DevServer(None, root)
    cache = from_env()
    if cache is None:
        return normalize_source(project.catalog, project.scripts, dev_url_of(dev))[0]
    return cache.desired_state(root, dev, None)[0].catalog


def lint_project(project_dir: Path | None, db_url: str | None = None, dev=None):
    """Findings for the project's source, or for the live database when `db_url` is given
    (judged against the project's contracts when the project has any; outside a project,
    `project_dir` None, against the default personas and no contract).

    A source with script files (source/scripts.py) is linted as its desired state: what the
    scripts create exists only once they have run, so its normalized catalog (origins
    attached) is linted, built on the dev server `dev` (a URL or a server.dev.DevServer;
    default: the project's)."""
    if project_dir is None and db_url is None:
        raise ValueError("lint needs a project or a database")
    project = None
    if project_dir is not None and (db_url is None or is_project_dir(Path(project_dir))):
        project = load_project(Path(project_dir))
    spec = load_spec(project)
    if db_url:
        # lazy: linting the source alone needs no database driver (psycopg)
        import psycopg

        from ..introspect import inspect_catalog
        from ..verify.storage_probe import read_storage_policies

        try:
            with psycopg.connect(db_url) as conn:
                conn.execute("SET TRANSACTION READ ONLY")
                catalog = inspect_catalog(conn)
                # storage.objects belongs to the platform: its policies are in no catalog
                storage = storage_write_unowned(read_storage_policies(conn), catalog.functions)
        except psycopg.Error as exc:
            raise DatabaseError(f"cannot read the schema of --db: {exc}") from exc
        return sorted(set(lint_catalog(catalog, spec, derive_anchors(catalog, spec))) | set(storage),
                      key=_order)
    if project.scripts:
        catalog = desired_catalog(Path(project_dir), project, dev)
    else:
        catalog = project.catalog
    return lint_catalog(catalog, spec, derive_anchors(catalog, spec))


def _order(f):
    return ({"error": 0, "warning": 1, "info": 2}[f.severity], f.location, f.id, f.message)
