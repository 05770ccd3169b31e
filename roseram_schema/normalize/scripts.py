"""The script files of a project, run in the scratch database after the declarative build.

See source/scripts.py for the design. `normalize_source` is what plan, apply, drift, lint
and verify call: for a project without script files it is exactly normalize_catalog with
the source's scope; with script files the scratch database also runs them, in order, and
the desired state, its scope and the origins of what the scripts created are read from it.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import replace

import psycopg
from psycopg.pq import TransactionStatus

from ..errors import Origin, SourceError
from ..model import Catalog
from ..platform import ensure_platform, is_platform_schema
from ..source.scripts import DATA, SCHEMA, TRANSACTION, Script, terminated
from .catalog import Scope, build_schema, inspect_in_scope, normalize_catalog, rejected, source_scope
from .origins import attach_origins
from .scratch import scratch_database

# PostgreSQL's codes for "no such table / schema": a data statement into a platform table
# the scratch database lacks (see _run)
_MISSING_RELATION = ("42P01", "3F000")
_DUPLICATE_OBJECT = "42710"


def normalize_source(catalog: Catalog, scripts: tuple[Script, ...],
                     dev_url: str) -> tuple[Catalog, Scope, tuple[str, ...]]:
    """(normalized catalog with origins, scope, notes) of a source: the declarative
    `catalog` built, then `scripts` run, in a scratch database on the server of `dev_url`.
    `notes` names each data statement (data_notes), which apply never runs."""
    if not scripts:
        return normalize_catalog(catalog, dev_url), source_scope(catalog), ()
    with scratch_database(dev_url) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            ensure_platform(conn)
            build_schema(conn, catalog)
            skipped = run_scripts(url, scripts)
            scope = scope_after_scripts(conn, source_scope(catalog))
            inspected = inspect_in_scope(conn, scope)
    normalized = attach_script_origins(attach_origins(inspected, catalog), scripts)
    return normalized, scope, data_notes(scripts, skipped)


def data_notes(scripts: tuple[Script, ...], skipped: frozenset = frozenset()) -> tuple[str, ...]:
    """One line per data statement of `scripts`, in run order: "file:line: INSERT INTO
    ...", and why it did not run in the scratch database when it was `skipped` there."""
    notes = []
    for script in scripts:
        for s in script.statements:
            if s.role == DATA:
                why = (f" (not run where the desired state is built: {s.target} is not there)"
                       if s.origin in skipped else "")
                notes.append(f"{s.origin}: {s.summary}{why}")
    return tuple(notes)


def notes_text(notes: tuple[str, ...]) -> str:
    """The note plan and drift print about data statements (empty when there are none)."""
    if not notes:
        return ""
    head = ("note: the source writes rows; they are run where the desired state is built, but "
            "the schema model holds no rows and apply does not run them:")
    return "\n".join([head, *(f"  {n}" for n in notes)]) + "\n"


def run_scripts(url: str, scripts: tuple[Script, ...]) -> frozenset:
    """Run each script file on a connection of its own to `url`, as `psql -f` would (see
    source/scripts.py); returns the origins of the data statements skipped (_run).
    A statement PostgreSQL rejects raises SourceError at its file:line."""
    skipped = []
    for script in scripts:
        with psycopg.connect(url, autocommit=True) as conn:
            for batch in _batches(script.statements):
                if len(batch) > 1 and _run_batch(conn, batch):
                    continue
                skipped += [statement for statement in batch if _run(conn, statement)]
            if script.statements and conn.info.transaction_status != TransactionStatus.IDLE:
                _execute(conn, script.statements[-1], "COMMIT")  # a transaction left open: committed
    return frozenset(s.origin for s in skipped)


def _batches(statements):
    """Runs of statements that may go to the server as one message (_run_batch): schema
    and data statements; a transaction, session or role statement, and a data statement
    into a platform table, go alone (psql's semantics for them differ in a transaction)."""
    batch: list = []
    for statement in statements:
        alone = (statement.role not in (SCHEMA, DATA)
                 or any(kind == "role" for kind, _ in statement.creates)
                 or (statement.role == DATA and statement.target
                     and is_platform_schema(statement.target.split(".")[0])))
        if alone:
            if batch:
                yield batch
                batch = []
            yield [statement]
        else:
            batch.append(statement)
    if batch:
        yield batch


def _run_batch(conn, batch) -> bool:
    """Send a batch as one message, all or nothing (one round trip instead of one per
    statement); False when PostgreSQL rejected it, nothing of it done: it then runs one
    statement at a time, which names the statement to blame, and does what a transaction
    does not allow (CREATE INDEX CONCURRENTLY, a new enum value used at once)."""
    try:
        with _savepoint(conn):  # in the script's own transaction: a savepoint, undone on error
            conn.execute("\n".join(terminated(s.sql) for s in batch))
        return True
    except psycopg.Error:
        return False


def _run(conn, statement) -> bool:
    """Run one statement; True when it was a data statement into a platform table the
    scratch database does not have (skipped: the model holds no rows, nothing needs it)."""
    if statement.role == DATA and statement.target and is_platform_schema(statement.target.split(".")[0]):
        try:
            with _savepoint(conn):  # the script's own transaction, if any, goes on
                conn.execute(statement.sql)
            return False
        except psycopg.Error as e:
            if e.sqlstate in _MISSING_RELATION:
                return True
            raise SourceError([rejected(statement, e, statement.summary)]) from e
    if any(kind == "role" for kind, _ in statement.creates):
        # roles belong to the server, not to the scratch database: one an earlier build on
        # this dev server (or anything else) made is there already, as it is on a target
        # that has it
        try:
            with _savepoint(conn):
                conn.execute(statement.sql)
        except psycopg.Error as e:
            if e.sqlstate != _DUPLICATE_OBJECT:
                raise SourceError([rejected(statement, e, statement.summary)]) from e
        return False
    _execute(conn, statement, statement.sql)
    return False


def _savepoint(conn):
    """A savepoint inside the script's own open transaction; nothing outside one."""
    in_block = conn.info.transaction_status == TransactionStatus.INTRANS
    return conn.transaction() if in_block else nullcontext()


def _execute(conn, statement, sql: str) -> None:
    try:
        conn.execute(sql)
    except psycopg.Error as e:
        raise SourceError([rejected(statement, e, statement.summary)]) from e




def scope_after_scripts(conn, scope: Scope) -> Scope:
    """`scope` widened to what the scripts made: every non-platform schema of the database
    behind `conn` and every extension installed there (a script may create them anywhere)."""
    schemas = {r[0] for r in conn.execute(
        "SELECT nspname::text FROM pg_catalog.pg_namespace"
        " WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'"
        " AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d WHERE d.classid ="
        "   'pg_catalog.pg_namespace'::regclass AND d.objid = pg_namespace.oid AND d.deptype = 'e')")}
    extensions = [r[0] for r in conn.execute(
        "SELECT extname::text FROM pg_catalog.pg_extension WHERE extname <> 'plpgsql' ORDER BY 1")]
    schemas = sorted(n for n in schemas | set(scope.schemas) if not is_platform_schema(n))
    return replace(scope, schemas=tuple(schemas),
                   extensions=tuple(dict.fromkeys((*scope.extensions, *extensions))))


def script_origins(scripts: tuple[Script, ...]) -> dict[tuple[str, str], Origin]:
    """(kind, key) -> origin of the last statement that defined it (see ScriptStatement)."""
    out: dict[tuple[str, str], Origin] = {}
    for script in scripts:
        for statement in script.statements:
            if statement.role == TRANSACTION:
                continue
            for created in statement.creates:
                out[created] = statement.origin
    return out


def texts_source(catalog: Catalog, scripts: tuple[Script, ...]) -> Catalog:
    """The source catalog whose texts a plan may use (plan/texts.py): `catalog` without
    the objects a script re-defined or altered after their declaration, whose written text
    no longer says what they are (the plan then writes them as PostgreSQL prints them)."""
    if not scripts:
        return catalog
    found = script_origins(scripts)
    tables = {key for kind, key in found if kind in ("table", "altered")}
    tables |= {key.rsplit(".", 1)[0] for kind, key in found if kind in ("column", "constraint")}
    policies = {key for kind, key in found if kind == "policy"}
    functions = {key for kind, key in found if kind == "function"}
    kept = []
    for t in catalog.tables:
        if t.key in tables:
            continue
        if any(f"{t.key}.{p.name}" in policies for p in t.policies):
            t = replace(t, policies=tuple(p for p in t.policies if f"{t.key}.{p.name}" not in policies))
        kept.append(t)
    return replace(
        catalog,
        tables=tuple(kept),
        views=tuple(v for v in catalog.views if ("view", v.key) not in found),
        functions=tuple(f for f in catalog.functions if f"{f.schema}.{f.name}" not in functions),
        triggers=tuple(tr for tr in catalog.triggers if ("trigger", tr.key) not in found),
    )


def attach_script_origins(catalog: Catalog, scripts: tuple[Script, ...]) -> Catalog:
    """`catalog` with every object a script statement defined given the file:line of the
    last such statement (it ran after the declarations); the parts of a script-made table
    that no statement names get the table's."""
    if not scripts:
        return catalog
    found = script_origins(scripts)

    def at(obj, kind: str, key: str, fallback=None):
        # the scripts run last: what one defines, it defined last
        origin = found.get((kind, key)) or obj.origin or fallback
        return replace(obj, origin=origin) if origin is not obj.origin else obj

    tables = []
    for t in catalog.tables:
        t = at(t, "table", t.key)
        own = t.origin
        tables.append(replace(
            t,
            columns=tuple(at(c, "column", f"{t.key}.{c.name}", own) for c in t.columns),
            primary_key=at(t.primary_key, "constraint", f"{t.key}.{t.primary_key.name}", own)
            if t.primary_key is not None else None,
            uniques=tuple(at(c, "constraint", f"{t.key}.{c.name}", own) for c in t.uniques),
            checks=tuple(at(c, "constraint", f"{t.key}.{c.name}", own) for c in t.checks),
            foreign_keys=tuple(at(c, "constraint", f"{t.key}.{c.name}", own) for c in t.foreign_keys),
            indexes=tuple(at(i, "index", f"{t.schema}.{i.name}", own) for i in t.indexes),
            policies=tuple(at(p, "policy", f"{t.key}.{p.name}") for p in t.policies),
            partitions=tuple(at(p, "table", f"{t.schema}.{p.name}", own) for p in t.partitions),
        ))
    return replace(
        catalog,
        schemas=tuple(at(s, "schema", s.name) for s in catalog.schemas),
        extensions=tuple(at(e, "extension", e.name) for e in catalog.extensions),
        enums=tuple(at(e, "enum", e.key) for e in catalog.enums),
        tables=tuple(tables),
        views=tuple(at(v, "view", v.key) for v in catalog.views),
        functions=tuple(at(f, "function", f"{f.schema}.{f.name}") for f in catalog.functions),
        triggers=tuple(at(tr, "trigger", tr.key) for tr in catalog.triggers),
    )
