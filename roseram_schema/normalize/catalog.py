"""The desired state, as PostgreSQL prints it.

`normalize_catalog` builds the source's catalog in a scratch database and reads it back
with the same inspector that reads live databases, so the diff compares texts from one
printer: policy expressions, defaults, checks and view bodies as pg_get_expr /
pg_get_viewdef print them, never as the user wrote them.

    source Catalog ─ build_schema ─▶ scratch DB (platform stand-in first)
                   ◀─ inspect_catalog ─┘  origins re-attached by key, DB dropped

build_schema runs compile.build_statements, the compiled script without the guards a new
database does not need (the result, and any error, are those of compile_statements).

The result depends only on the source and the server version: cache/desired.py keeps it
(with the scope and fingerprint), so a run whose source did not change builds nothing.

Texts that are not a fixpoint of PostgreSQL's printer (a live object whose text went
through one more round trip than ours) are settled by roundtrip.renormalize_texts; see there.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import psycopg

from ..compile.script import as_script, build_statements, compile_statements
from ..errors import DatabaseError, PlanCycleError, Problem, SourceError
from ..introspect import inspect_catalog
from ..model import Catalog
from ..platform import ensure_platform, is_platform_schema
from .origins import attach_origins
from .scratch import scratch_database


def managed_schemas(catalog: Catalog) -> tuple[str, ...]:
    """The schemas a source catalog manages: the declared ones and every schema one of its
    objects lives in, platform schemas left out. Inspect both sides with this list."""
    names = {s.name for s in catalog.schemas}
    for group in (catalog.enums, catalog.tables, catalog.views, catalog.functions, catalog.triggers):
        names.update(obj.schema for obj in group)
    return tuple(sorted(n for n in names if not is_platform_schema(n)))


@dataclass(frozen=True)
class Scope:
    """What of a database a source catalog is about: its managed schemas, its declared
    roles and extensions (in source order), and which of those extensions are optional.
    Small enough to cache next to the desired state, so a cached run never loads the source."""

    schemas: tuple[str, ...]
    roles: tuple[str, ...]
    extensions: tuple[str, ...]
    optional_extensions: tuple[str, ...] = ()


def source_scope(source: Catalog) -> Scope:
    """The Scope a source catalog implies (see inspect_like_source)."""
    return Scope(
        schemas=managed_schemas(source),
        roles=tuple(r.name for r in source.roles),
        extensions=tuple(e.name for e in source.extensions),
        optional_extensions=tuple(sorted(e.name for e in source.extensions if e.optional)),
    )


def inspect_in_scope(conn, scope: Scope):
    """Inspect `conn` limited to `scope` (its schemas, roles and extensions)."""
    return inspect_catalog(conn, scope.schemas, roles=list(scope.roles), extensions=list(scope.extensions))


def inspect_like_source(conn, source: Catalog):
    """Inspect `conn` with the scope a source catalog implies: its managed schemas, its
    declared roles and its declared extensions. Use it for the live side too."""
    return inspect_in_scope(conn, source_scope(source))


def server_version(url: str) -> int:
    """server_version_num of the server behind `url` (e.g. 150018)."""
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            return conn.info.server_version
    except psycopg.Error as e:
        raise DatabaseError(f"could not connect to the development database: {e}") from e


def normalize_catalog(catalog: Catalog, dev_url: str) -> Catalog:
    """The source catalog as PostgreSQL prints it, with the source's origins attached.

    Creates a scratch database on the server of `dev_url`, installs the platform
    stand-in, builds the catalog there with `build_schema` (in one transaction), inspects
    it with `inspect_like_source`, and drops it in any case.
    A statement PostgreSQL rejects raises SourceError pointing at the statement's source
    origin, with PostgreSQL's message.
    """
    return attach_origins(build_and_inspect(catalog, dev_url), catalog)


def build_and_inspect(catalog: Catalog, dev_url: str) -> Catalog:
    """Build the catalog in a fresh scratch database and read it back (no origins)."""
    with scratch_database(dev_url) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            ensure_platform(conn)
            build_schema(conn, catalog)
            return inspect_like_source(conn, catalog)


def build_schema(conn, catalog: Catalog, *, while_building=None) -> None:
    """Build `catalog` in a new database that holds only the platform stand-in (a scratch
    database, a kept database just re-created), on an autocommit connection.

    Runs compile.build_statements (no guards: less work for PostgreSQL) in one
    transaction. `while_building` (a function of no arguments), when given,
    runs in a thread once everything is compiled, while PostgreSQL works: Python work
    that does not need the result costs no time there (psycopg lets the interpreter go
    while it waits); its error is raised after the build. Should the build fail, or not
    order, the guarded compile_statements run instead through apply_statements, whose
    SourceError names the statement to blame: the result, and every error, are those of
    the compiled script.
    """
    helper: Future | None = None

    def on_compiled() -> None:
        nonlocal helper
        if while_building is not None and helper is None:
            helper = _in_thread(while_building)

    try:
        conn.execute("SET check_function_bodies = off")
        with conn.transaction():
            to_send, after_commit = _build_fresh(catalog)
            on_compiled()
            if to_send:
                conn.execute(as_script(to_send))
    except (psycopg.Error, PlanCycleError):
        after_commit = None  # rolled back: the guarded script finds and names the problem
    on_compiled()
    try:
        if after_commit is None:
            apply_statements(conn, compile_statements(catalog))
        else:
            for statement in after_commit:
                _execute(conn, statement)
    except BaseException:
        if helper is not None:
            helper.exception()  # waits; the build's error is the one to report
        raise
    if helper is not None:
        helper.result()  # raises what while_building raised


def _build_fresh(catalog: Catalog) -> tuple[list, list]:
    """(transactional statements, statements to run after the commit) of
    compile.build_statements."""
    statements = build_statements(catalog)
    return [s for s in statements if s.transactional], [s for s in statements if not s.transactional]


def _in_thread(function, *args) -> Future:
    """Start `function(*args)` in a thread of its own; the Future gives its result or error."""
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(function, *args)
    pool.shutdown(wait=False)  # the thread ends with its one task
    return future


def apply_statements(conn, statements: Sequence) -> None:
    """Run compiled Statements on an autocommit connection: the transactional ones in one
    transaction, then the others one by one. Raises SourceError naming the source object
    and origin of the first statement PostgreSQL rejects.

    The transactional ones are sent as one script (as_script). Only when that fails are they
    run again one by one, to find the statement to blame. Function bodies are not checked
    at creation (as pg_dump does), so a function may come before the tables it reads.
    """
    conn.execute("SET check_function_bodies = off")
    transactional = [s for s in statements if s.transactional]
    script = as_script(transactional)
    try:
        if script:
            with conn.transaction():
                conn.execute(script)
    except psycopg.Error:
        with conn.transaction():
            for statement in transactional:
                _execute(conn, statement)
    for statement in statements:
        if not statement.transactional:
            _execute(conn, statement)


def _execute(conn, statement) -> None:
    try:
        conn.execute(statement.sql)
    except psycopg.Error as e:
        raise SourceError([rejected(statement, e, str(statement.obj))]) from e


def rejected(statement, error, obj: str) -> Problem:
    """A Problem at the statement's source origin, with PostgreSQL's own words (`statement`:
    anything with `sql` and `origin`; `obj` names what it is about)."""
    diag = error.diag
    message = f"PostgreSQL rejected it: {diag.message_primary or str(error).strip()}"
    if diag.message_detail:
        message += f" ({diag.message_detail})"
    hint = diag.message_hint
    first_line = statement.sql.strip().splitlines()[0] if statement.sql.strip() else ""
    if first_line:
        hint = f"{hint}; statement: {first_line}" if hint else f"statement: {first_line}"
    return Problem(origin=statement.origin, obj=obj, message=message, hint=hint)


