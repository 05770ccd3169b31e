"""`verify`: build the schema in a scratch database and prove the contracts there.

Shared by the `verify` command, the API, `apply --verify`, a fleet's verify and `import
--contract`. The target database (`db_url`) is only read (its schema, never its data); all
the work happens in a scratch database created on the dev server and dropped at the end.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import psycopg

from ..cache import from_env, load_project
from ..compile.script import compile_statements
from ..errors import DatabaseError
from ..introspect import inspect_catalog
from ..introspect.buildable import buildable_catalog
from ..introspect.scope import excluded_schemas
from ..normalize.scratch import scratch_database
from ..normalize.scripts import run_scripts, script_origins
from ..platform import ensure_platform
from ..server.dev import aim, dev_url_of, required_extensions
from ..verify.checker import check_database
from ..verify.seeding import KeptStale
from ..verify.spec import load_spec
from ..verify.storage_probe import has_storage, read_storage_policies

# the names of verify's scratch databases (normalize/scratch.py sweeps the stale ones)
SCRATCH_PREFIX = "roseram_verify"

# Extensions a member of which an object of a schema the inspector reads depends on (a
# column type, default, index operator class, trigger function, policy, view...): the
# object's schema found through its own catalog, extension members themselves left out.
_EXTENSIONS_USED = """
SELECT DISTINCT e.extname
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_depend m ON m.classid = d.refclassid AND m.objid = d.refobjid
 AND m.refclassid = 'pg_catalog.pg_extension'::regclass AND m.deptype = 'e'
JOIN pg_catalog.pg_extension e ON e.oid = m.refobjid
JOIN pg_catalog.pg_namespace n ON n.oid = CASE d.classid
    WHEN 'pg_catalog.pg_class'::regclass THEN (SELECT relnamespace FROM pg_catalog.pg_class WHERE oid = d.objid)
    WHEN 'pg_catalog.pg_proc'::regclass THEN (SELECT pronamespace FROM pg_catalog.pg_proc WHERE oid = d.objid)
    WHEN 'pg_catalog.pg_type'::regclass THEN (SELECT typnamespace FROM pg_catalog.pg_type WHERE oid = d.objid)
    WHEN 'pg_catalog.pg_constraint'::regclass
      THEN (SELECT connamespace FROM pg_catalog.pg_constraint WHERE oid = d.objid)
    WHEN 'pg_catalog.pg_attrdef'::regclass THEN (SELECT c.relnamespace FROM pg_catalog.pg_attrdef a
        JOIN pg_catalog.pg_class c ON c.oid = a.adrelid WHERE a.oid = d.objid)
    WHEN 'pg_catalog.pg_trigger'::regclass THEN (SELECT c.relnamespace FROM pg_catalog.pg_trigger t
        JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid WHERE t.oid = d.objid)
    WHEN 'pg_catalog.pg_policy'::regclass THEN (SELECT c.relnamespace FROM pg_catalog.pg_policy p
        JOIN pg_catalog.pg_class c ON c.oid = p.polrelid WHERE p.oid = d.objid)
    WHEN 'pg_catalog.pg_rewrite'::regclass THEN (SELECT c.relnamespace FROM pg_catalog.pg_rewrite r
        JOIN pg_catalog.pg_class c ON c.oid = r.ev_class WHERE r.oid = d.objid)
  END
WHERE d.deptype = 'n'
  AND n.nspname <> ALL (%(excluded)s::text[]) AND n.nspname NOT LIKE 'pg\\_%%'
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend x
                  WHERE x.classid = d.classid AND x.objid = d.objid AND x.deptype = 'e')
ORDER BY 1
"""


def read_target_catalog(db_url: str):
    """The schema (no data) of the target database, read in a read-only transaction, with
    the extensions its objects use wherever they are installed (on Supabase, in the platform
    schema `extensions`, which is not read: the scratch copy must create them all the same)."""
    try:
        with psycopg.connect(db_url) as conn:
            conn.execute("SET TRANSACTION READ ONLY")
            used = [row[0] for row in conn.execute(_EXTENSIONS_USED, {"excluded": excluded_schemas()})]
            return buildable_catalog(inspect_catalog(conn, extensions=used))
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot read the schema of --db: {exc}") from exc


def read_target_storage(db_url: str):
    """The policies of the target's storage.objects (None when it has no Supabase Storage
    tables), for the bucket contracts: the platform's storage schema is in no catalog."""
    try:
        with psycopg.connect(db_url) as conn:
            conn.execute("SET TRANSACTION READ ONLY")
            return read_storage_policies(conn) if has_storage(conn) else None
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot read the storage policies of --db: {exc}") from exc


def _build_settings(conn) -> None:
    # like pg_dump: function bodies may name functions created later in the script
    conn.execute("SET check_function_bodies = off")
    conn.execute("SET client_min_messages = warning")


def _build(url: str, catalog) -> None:
    """ensure_platform and build_schema in the empty database `url`."""
    with psycopg.connect(url, autocommit=True) as conn:
        ensure_platform(conn)
        build_schema(conn, catalog)


def build_schema(conn, catalog) -> None:
    """Apply the compiled statements of `catalog` to the (scratch) connection.

    One round trip for the whole script; only when it fails is it replayed statement by
    statement, to name the object (and source line) that failed.
    """
    statements = compile_statements(catalog)
    _build_settings(conn)
    for statement in statements:
        if not statement.transactional:
            _apply_one(conn, statement)
    script = ";\n".join(s.sql for s in statements if s.transactional)
    try:
        with conn.transaction():
            conn.execute(script)
        return
    except psycopg.Error:
        pass
    for statement in statements:
        if statement.transactional:
            _apply_one(conn, statement)


def _apply_one(conn, statement) -> None:
    try:
        conn.execute(statement.sql)
    except psycopg.Error as exc:
        where = f" ({statement.origin})" if statement.origin else ""
        raise DatabaseError(f"building {statement.obj}{where} in the scratch database failed: {exc}") from exc


def verify_project(project_dir: Path | None, db_url: str | None, dev_url):
    """Build the scratch database and run the checker; returns the Report (with the time
    each phase took in `report.timings`). Outside a project (`project_dir` None) the schema
    of `db_url` is observed with the default personas and no contract. `dev_url`: a URL,
    or a server.dev.DevServer (whose embedded server may give way to the server of `db_url`
    when it lacks an extension the schema needs)."""
    clock = time.perf_counter()
    if project_dir is None and not db_url:
        raise ValueError("verify needs a project or a database")
    project = load_project(Path(project_dir)) if project_dir is not None else None
    catalog = read_target_catalog(db_url) if db_url else project.catalog
    storage = read_target_storage(db_url) if db_url else None
    return _verify(project, catalog, aim(dev_url, db_url), clock, {}, locate=not db_url, storage=storage)


def verify_catalog(project_dir: Path, catalog, dev_url: str):
    """verify_project of a schema already read from a database (read_target_catalog): a
    fleet reads its databases once and verifies each distinct schema once."""
    return _verify(load_project(Path(project_dir)), catalog, dev_url, time.perf_counter(), {}, locate=False)


def _verify(project, catalog, dev, clock: float, timings: dict, *, locate: bool, storage=None):
    """Build `catalog` in a scratch database (or use the project's kept one, cache/verifydb.py)
    and check the project's contracts there."""

    def lap(name):
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    spec = load_spec(project)
    dev_url = dev_url_of(dev, required_extensions(catalog))
    lap("load")
    from_source = project is not None and catalog is project.catalog
    # a big project's database is built and seeded once per source, then kept and probed
    # again (cache/verifydb.py); not with script files, which may do what is not recorded
    # (ALTER DATABASE ... SET), nor with bucket contracts, whose probe seeds storage itself
    cache = from_env() if from_source and not project.scripts and not spec.buckets else None
    if cache is not None:
        with cache.verify_database(dev_url, project.root, project.fingerprint, len(catalog.tables),
                                   lambda url: _build(url, catalog)) as kept:
            if kept is not None:
                lap("create_database")
                try:
                    with psycopg.connect(kept.url, autocommit=True) as conn:
                        _build_settings(conn)  # the session as building it leaves it
                        lap("build_schema")
                        report = check_database(conn, spec, url=kept.url, storage_policies=storage, kept=kept)
                        lap("check")
                    return _finish(report, project, timings, locate)
                except KeptStale:
                    kept.discard()  # and a scratch database below, as without the cache
    with scratch_database(dev_url, prefix=SCRATCH_PREFIX) as url:
        lap("create_database")
        with psycopg.connect(url, autocommit=True) as conn:
            ensure_platform(conn)
            build_schema(conn, catalog)
            if from_source and project.scripts:
                # the source's script files run after its declarations, as normalize runs them
                run_scripts(url, project.scripts)
            lap("build_schema")
            report = check_database(conn, spec, url=url, storage_policies=storage)
            lap("check")
    lap("drop_database")
    return _finish(report, project, timings, locate)


def _finish(report, project, timings: dict, locate: bool):
    """The report with its phases' times, its findings pointed at their source files."""
    report.timings = timings
    if locate:
        report.findings = locate_findings(report.findings, project.catalog, project.scripts)
    return report


def locate_findings(findings, catalog, scripts=()):
    """Point findings about a table or view at its source file (they come from the scratch
    database, which knows no files); one a script file made, at the statement that did."""
    made = script_origins(scripts) if scripts else {}
    out = []
    for f in findings:
        obj = catalog.table(f.location) or catalog.view(f.location) if "." in f.location else None
        origin = getattr(obj, "policies_origin", None) or getattr(obj, "origin", None) if obj else None
        origin = origin or made.get(("table", f.location)) or made.get(("view", f.location))
        out.append(replace(f, location=f"{origin} ({f.location})") if origin else f)
    return out
