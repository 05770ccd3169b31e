"""Re-normalize only what changed: a kept database per project holds the last desired state.

A full normalize builds every object in a fresh scratch database, seconds of work for a
large project however small the edit. For big projects (INCREMENTAL_MIN_TABLES tables or
more) the desired state is instead kept in a database on the dev server,

    roseram_state_<sha256(project folder, dev server)[:16]>
    COMMENT ON DATABASE: "roseram-state <code fingerprint> <source fingerprint>"

and brought from the previous source to the new one by our own planner: the source
catalogs as written (the previous one cached as `.roseram/cache/source-<fp>.pickle`) are
diffed, planned (source texts, so the same statements a fresh build runs) and applied in
one transaction that also moves the comment. Then only the tables the plan touched are
read back and spliced into the previous desired state (splice.py), or, when that state is
not cached or the plan may reach further, the whole database is read back like a scratch
database. Column order is put back to the source's (ADD COLUMN appends, a fresh build
does not). The result equals a full normalize (tests/perf_correctness asserts it for each
kind of edit).

Anything unusual falls back to a full rebuild of the kept database: no or stale comment,
no cached previous source, renames, enum values (not transactional), a statement that is
not transactional, any error. Another process holding the project's advisory lock means
this run uses a throw-away scratch database instead (returns None).
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import psycopg
from psycopg import sql

from ..diff import diff_catalogs
from ..diff.changes import AddEnumValue, RenameColumn, RenameTable
from ..errors import PlanCycleError
from ..introspect import inspect_catalog
from ..model import Catalog
from ..model.serialize import catalog_from_file, catalog_to_bytes
from ..normalize.catalog import build_schema, inspect_like_source, source_scope
from ..normalize.origins import attach_origins
from ..normalize.scratch import database_url
from ..plan.defaultacl import default_privileges, revoke_default_privileges
from ..plan.planner import build_plan
from ..plan.viewprobe import check_view_replacements
from ..platform import ensure_platform
from ..state.files import open_verified
from ..state.servers import as_identity
from .files import CACHE_DIR, prune_entries, write_bytes_atomically
from .key import code_key
from .keptdb import database_comment, owned_by_another_role, lock_key_of
from . import splice  # its functions looked up at call time: tests spy on splice.splice

# Below this many tables a full build takes well under a second and leaves nothing behind.
INCREMENTAL_MIN_TABLES = 100
STATE_PREFIX = "roseram_state_"
SOURCE_PREFIX = "source-"
SOURCE_SUFFIX = ".pickle"
# The first line of a source cache file (then catalog_json.catalog_to_bytes); bump it
# when that layout changes: a file with another first line is a miss.
SOURCE_TAG = b"roseram-source 2\n"
_COMMENT_TAG = "roseram-state"


class _Unsupported(Exception):
    """The edit is not one the kept database is advanced through; rebuild it."""


def state_database_name(root: Path, identity: str) -> str:
    """The kept database of the project at `root` on the dev server named `identity`."""
    digest = hashlib.sha256(f"{Path(root).resolve()}|{as_identity(identity)}".encode()).hexdigest()
    return STATE_PREFIX + digest[:16]


def source_cache_path(root: Path, fingerprint: str) -> Path:
    """Where the loaded source catalog of `fingerprint` is kept (for the next diff)."""
    return Path(root) / CACHE_DIR / f"{SOURCE_PREFIX}{fingerprint}{SOURCE_SUFFIX}"


def read_source(root: Path, fingerprint: str) -> Catalog | None:
    """The cached source catalog of `fingerprint`, or None (absent, unreadable, truncated,
    another format: a miss, and the kept database is rebuilt)."""
    f = open_verified(source_cache_path(root, fingerprint))
    if f is None:
        return None  # absent, or not written by this user's runs here
    try:
        with f:
            if f.readline() != SOURCE_TAG:
                return None
            return catalog_from_file(f)
    except (OSError, ValueError):
        return None


def write_source(root: Path, fingerprint: str, catalog: Catalog) -> None:
    """Cache a loaded source catalog (atomically; a few entries kept)."""
    path = source_cache_path(root, fingerprint)
    write_bytes_atomically(path, SOURCE_TAG, catalog_to_bytes(catalog))
    prune_entries(path.parent, keep=path, prefix=SOURCE_PREFIX, suffix=SOURCE_SUFFIX)


def normalize_kept(root: Path, project, dev_url: str, identity: str, previous_desired) -> Catalog | None:
    """The normalized catalog of `project` (origins attached, as normalize_catalog gives),
    made in the project's kept database; None when another process is using it.
    `previous_desired(fingerprint)` is the cached desired catalog of an earlier source
    fingerprint, or None (desired.py keeps them)."""
    name = state_database_name(root, identity)
    tag = f"{_COMMENT_TAG} {code_key()}"
    # the new source is cached for the next edit before the previous one is read, not in a
    # thread while PostgreSQL builds: pickling holds a memo of every object it wrote, which
    # would add to the peak of reading the previous source and the database. A rebuild reads
    # no previous source: there it is done while PostgreSQL builds.
    def cache_source():
        write_source(root, project.fingerprint, project.catalog)

    return _normalize_locked(dev_url, name, tag, lock_key_of(name), root, project, database_url,
                             cache_source, previous_desired)


def finish(inspected: Catalog, source: Catalog) -> Catalog:
    """A catalog read back from a kept database, as normalize_catalog gives it: columns in
    source order, origins attached."""
    return attach_origins(in_source_column_order(inspected, source), source)


def _normalize_locked(dev_url: str, name: str, tag: str, lock_key: int, root: Path, project, database_url,
                      cache_source, previous_desired):
    """Advance or rebuild the kept database `name` under its advisory lock and read it
    back (finished: see `finish`); None when another process holds the lock.
    `cache_source` writes the new source's cache entry (exactly once, unless None is
    returned); `previous_desired(fingerprint)` is the cached desired catalog of a source
    fingerprint, or None."""
    with psycopg.connect(dev_url, autocommit=True) as admin:
        if not admin.execute("SELECT pg_try_advisory_lock(%s)", (lock_key,)).fetchone()[0]:
            return None
        try:
            if owned_by_another_role(admin, name):
                return None  # the caller normalizes in a scratch database instead
            comment = database_comment(admin, name)
            new_comment = f"{tag} {project.fingerprint}"
            url = database_url(dev_url, name)
            normalized = None
            cached = False
            if comment and comment.startswith(tag + " "):
                cache_source()
                cached = True
                try:
                    normalized = _advance(url, root, comment.split()[-1], project.catalog, new_comment,
                                         previous_desired)
                # what advancing cannot do is rebuilt; anything else is a bug, and surfaces
                except (_Unsupported, PlanCycleError, psycopg.Error):
                    normalized = None
            if normalized is None:
                ident = sql.Identifier(name)
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
                admin.execute(sql.SQL("CREATE DATABASE {}").format(ident))
                # no other role may connect and add to what the next plans take as the source's
                admin.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(ident))
                normalized = _rebuild(url, project.catalog, new_comment, None if cached else cache_source)
        finally:
            admin.execute("SELECT pg_advisory_unlock(%s)", (lock_key,))
    return normalized


def _rebuild(url: str, catalog: Catalog, comment: str, while_building=None) -> Catalog:
    """Build `catalog` in the (new, empty) kept database, as normalize does, and read it;
    `while_building` runs while PostgreSQL builds (see normalize.catalog.build_schema)."""
    with psycopg.connect(url, autocommit=True) as conn:
        ensure_platform(conn)
        build_schema(conn, catalog, while_building=while_building)
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
            sql.Identifier(conn.info.dbname), sql.Literal(comment)))
        return finish(inspect_like_source(conn, catalog), catalog)


def _advance(url: str, root: Path, previous_fingerprint: str, new: Catalog, comment: str,
             previous_desired) -> Catalog | None:
    """Apply the plan previous -> new (source catalogs; the previous one from the cache)
    to the kept database and read it back (finished: see `finish`), only the touched
    tables when the previous desired state is cached (splice.py); None when the previous
    source is not cached."""
    previous = read_source(root, previous_fingerprint)
    if previous is None:
        return None
    with psycopg.connect(url, autocommit=True) as conn:
        changes = diff_catalogs(previous, new)
        if any(isinstance(c, (RenameTable, RenameColumn, AddEnumValue)) for c in changes):
            raise _Unsupported("renames and enum values are rebuilt")
        statements = ()
        if changes:
            changes = check_view_replacements(conn, changes)
            changes = revoke_default_privileges(changes, new, default_privileges(conn))
            # fingerprints given: nothing reads them, and hashing a large catalog is not free
            plan = build_plan(previous, new, row_estimates={}, source=new, changes=changes,
                              from_fingerprint="-", to_fingerprint="-")
            statements = plan.statements
            if any(not s.transactional for s in statements):
                raise _Unsupported("a statement that cannot run in a transaction")
        spec = splice.splice_spec(previous, new, changes)
        # the only reference: the previous catalog is freed before the database is read
        del previous, changes
        conn.execute("SET check_function_bodies = off")
        with conn.transaction():
            for statement in statements:
                conn.execute(statement.sql)
            # moved in the same transaction: the comment always names what the database holds
            conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(conn.info.dbname), sql.Literal(comment)))
        if spec is not None:
            spliced = _read_spliced(conn, spec, new, previous_desired(previous_fingerprint))
            if spliced is not None:
                return spliced
        return finish(inspect_like_source(conn, new), new)


def _read_spliced(conn, spec, new: Catalog, previous: Catalog | None) -> Catalog | None:
    """Read the tables of spec.read (and every other kind whole) and splice them into the
    `previous` desired catalog (see splice.py); None when `previous` is missing or not the
    previous source's."""
    if previous is None:
        return None
    scope = source_scope(new)
    roles = sorted(set(scope.roles) | splice.roles_of_kept(previous, spec))
    partial = inspect_catalog(conn, scope.schemas, roles=roles, extensions=list(scope.extensions),
                              tables=sorted(spec.read))
    return splice.splice(previous, partial, spec, new, attach_origins, in_source_column_order)


def in_source_column_order(catalog: Catalog, source: Catalog) -> Catalog:
    """`catalog` with each table's columns in the order the source declares them (a fresh
    build creates them in that order; ADD COLUMN on a kept database appends)."""
    sources = {t.key: t for t in source.tables}
    tables = []
    for t in catalog.tables:
        src = sources.get(t.key)
        if src is None:
            tables.append(t)
            continue
        rank = {c.name: i for i, c in enumerate(src.columns)}
        columns = tuple(sorted(t.columns, key=lambda c: rank.get(c.name, len(rank))))
        tables.append(t if columns == t.columns else replace(t, columns=columns))
    return replace(catalog, tables=tuple(tables))


@contextmanager
def kept_state(root: Path, dev_url: str, identity: str, fingerprint: str):
    """A connection to the project's kept database when it holds the desired state of the
    source `fingerprint` (its comment says so), held under the database's advisory lock so
    nothing advances it meanwhile; None when it does not, or is busy. For probes that are
    rolled back (introspect/roundtrip.py): the kept database already holds the desired
    schema that a scratch database would be built with (and dropping one costs a
    checkpoint)."""
    name = state_database_name(root, identity)
    expected = f"{_COMMENT_TAG} {code_key()} {fingerprint}"
    lock_key = lock_key_of(name)
    try:
        admin = psycopg.connect(dev_url, autocommit=True)
    except psycopg.Error:
        admin = None  # the scratch database will say what is wrong with the server
    if admin is None:
        yield None
        return
    with admin:
        locked, conn = False, None
        try:
            locked = admin.execute("SELECT pg_try_advisory_lock(%s)", (lock_key,)).fetchone()[0]
            if locked:
                if database_comment(admin, name) == expected:
                    conn = psycopg.connect(database_url(dev_url, name), autocommit=True)
        except psycopg.Error:
            conn = None
        try:
            yield conn
        finally:
            if conn is not None:
                conn.close()
            if locked:
                admin.execute("SELECT pg_advisory_unlock(%s)", (lock_key,))


def drop_state_database(dev_url: str, root: Path, identity: str) -> None:
    """Drop the kept database of a project (tests, and `rm -r .roseram` users)."""
    name = state_database_name(root, identity)
    with psycopg.connect(dev_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
