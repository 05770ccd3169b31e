"""verify's database kept between runs for big projects: built and seeded once per source.

verify builds the project's schema in a new scratch database, seeds it, probes it (every
probe rolled back) and drops it; at a few hundred tables building, seeding and dropping are
most of the run. Nothing a probe does is kept, so the seeded database is the same before
every run of the same source: for projects of KEPT_MIN_TABLES tables or more it is
kept on the dev server,

    roseram_vkeep_<sha256(project folder, dev server)[:16]>
    COMMENT ON DATABASE: "roseram-verify-kept <sha256(code fingerprint, source fingerprint,
                                                       server version)>"

and the next verify of the same source on the same server probes it directly. The source
fingerprint covers every source file (project.yaml too) and the code fingerprint every file
of this package, so the database only ever holds what this code builds from this source.

What the check depends on beyond the schema is recorded in it when it is made (the table
KEPT_TABLE in the checker's helper schema): how the seeding went (rows kept, gaps: the
checker replays it, verify/seeding.py), every sequence's state after the seeding (put back
before each run: a probe's nextval is not rolled back), the facts the checker read and what
the lint rules found in them (the same for the same catalog), and two signatures: of the
catalog (introspect/signature.py), checked before the record is used, and of every table's
row versions, checked by the checker before its first probe (each of its connections reads
the tables it will probe, which also loads them into that backend's caches). A database
whose signatures differ from the recorded ones (something committed a change: a function of
the schema writing through dblink, a superuser's session) is rebuilt, never trusted.

Like the kept `roseram_state_*` database (incremental.py): a database another role owns is
never used or replaced, no other role may connect to it (REVOKE ... FROM PUBLIC), and a run
holds its advisory lock for as long as it uses it: another run meanwhile (the lock busy)
builds a throw-away scratch database as before. With ROSERAM_NO_CACHE=1 the caller does not
come here: nothing is kept or read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from ..errors import DatabaseError
from ..introspect.signature import catalog_signature
from ..lint.findings import Finding
from ..model import Catalog
from ..model.serialize import catalog_from_bytes, catalog_to_bytes
from ..normalize.scratch import database_url
from ..state.servers import as_identity
from ..verify.facts import HELPER_SCHEMA
from ..verify.seeding import KeptStale
from .keptdb import database_comment, owned_by_another_role, lock_key_of
from .key import code_key

# Below this many tables building and seeding take well under a second and leave nothing
# behind (the same line as the kept desired state's, incremental.INCREMENTAL_MIN_TABLES).
KEPT_MIN_TABLES = 100
KEPT_PREFIX = "roseram_vkeep_"
_TAG = "roseram-verify-kept"
KEPT_TABLE = f"{HELPER_SCHEMA}.kept"

# The tables the data signature covers: all outside the system and helper schemas.
_TABLES = f"""
SELECT pg_catalog.quote_ident(s.nspname) || '.' || pg_catalog.quote_ident(c.relname)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace s ON s.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm') AND s.nspname NOT LIKE 'pg\\_%'
  AND s.nspname NOT IN ('information_schema', '{HELPER_SCHEMA}')
ORDER BY 1
"""
SIGNATURE_QUERY = f"SELECT name, n, h FROM {HELPER_SCHEMA}.table_signatures(%s::text[])"

# Made in the kept database once it is seeded (the helper schema exists by then). A table's
# signature is its row versions (ctid, xmin): a committed INSERT, UPDATE or DELETE moves it,
# a rolled-back one does not.
_KEPT_SQL = f"""
CREATE TABLE {KEPT_TABLE} (seeding jsonb NOT NULL, sequences jsonb NOT NULL, facts bytea NOT NULL,
                           lint jsonb NOT NULL, tables text[] NOT NULL,
                           catalog_signature text NOT NULL, data_signature text NOT NULL);
REVOKE ALL ON {KEPT_TABLE} FROM PUBLIC;
CREATE FUNCTION {HELPER_SCHEMA}.table_signatures(names text[])
RETURNS TABLE (name text, n bigint, h numeric) LANGUAGE plpgsql AS $fn$
DECLARE
  rel regclass;
BEGIN
  FOREACH name IN ARRAY names LOOP
    rel := pg_catalog.to_regclass(name);
    n := -1;
    h := NULL;
    IF rel IS NOT NULL THEN
      EXECUTE format('SELECT count(*), sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) FROM ONLY %s', rel)
        INTO n, h;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$fn$;
CREATE FUNCTION {HELPER_SCHEMA}.sequence_states() RETURNS jsonb LANGUAGE plpgsql AS $fn$
DECLARE
  r record;
  v bigint;
  called boolean;
  acc jsonb := '{{}}';
BEGIN
  FOR r IN SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relkind = 'S' ORDER BY c.oid LOOP
    EXECUTE format('SELECT last_value, is_called FROM %s', r.oid::regclass) INTO v, called;
    acc := acc || jsonb_build_object(r.oid::text, jsonb_build_array(v, called));
  END LOOP;
  RETURN acc;
END
$fn$;
CREATE FUNCTION {HELPER_SCHEMA}.restore_sequences(states jsonb) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  k text;
  v jsonb;
BEGIN
  FOR k, v IN SELECT * FROM jsonb_each(states) LOOP
    PERFORM pg_catalog.setval(k::oid::regclass, (v ->> 0)::bigint, (v ->> 1)::boolean);
  END LOOP;
END
$fn$;
REVOKE ALL ON FUNCTION {HELPER_SCHEMA}.table_signatures(text[]), {HELPER_SCHEMA}.sequence_states(),
  {HELPER_SCHEMA}.restore_sequences(jsonb) FROM PUBLIC;
"""


def kept_name(root: Path, identity: str) -> str:
    """The kept verify database of the project at `root` on the dev server named `identity`."""
    digest = hashlib.sha256(f"{Path(root).resolve()}|{as_identity(identity)}".encode()).hexdigest()
    return KEPT_PREFIX + digest[:16]


def kept_comment(fingerprint: str, server_version: int) -> str:
    """What the comment of a kept database holding the build of source `fingerprint` says."""
    key = hashlib.sha256(f"{code_key()}|{fingerprint}|{server_version}".encode()).hexdigest()
    return f"{_TAG} {key}"


@dataclass
class Recorded:
    """What a kept database's record says (see the module doc)."""

    seeding: dict
    facts: Catalog
    lint: list[Finding]
    tables: list[str]
    data_signature: str


@dataclass
class KeptVerify:
    """The kept database of one run (its advisory lock held): `recorded` when it holds the
    seeded rows and helpers of an earlier run, None when it was just built (the checker
    seeds it, then calls `record`)."""

    url: str
    recorded: Recorded | None
    _admin: object
    _name: str
    _comment: str
    signature_query: str = SIGNATURE_QUERY

    @property
    def seeding(self) -> dict | None:
        """The recorded seeding (verify/seeding.replay_seeding), or None."""
        return self.recorded.seeding if self.recorded else None

    @property
    def facts(self) -> Catalog | None:
        """The facts the recording run read."""
        return self.recorded.facts if self.recorded else None

    @property
    def lint(self) -> list[Finding] | None:
        """What the lint rules found in those facts."""
        return self.recorded.lint if self.recorded else None

    @property
    def tables(self) -> list[str]:
        """The tables the data signature covers."""
        return self.recorded.tables if self.recorded else []

    def record(self, conn, seeding: dict, facts: Catalog, lint: list[Finding]) -> None:
        """Write what the next run needs to trust the database and skip the work it would
        repeat, once the checker has seeded it and installed its helpers (all committed);
        the comment last: a run killed before it leaves a database the next run rebuilds.
        A record that cannot be written (a server without hashtidextended, before
        PostgreSQL 14) leaves it unrecorded: this run goes on, the next one builds again."""
        try:
            conn.execute(_KEPT_SQL)
            sequences = conn.execute(f"SELECT {HELPER_SCHEMA}.sequence_states()").fetchone()[0]
            tables = [row[0] for row in conn.execute(_TABLES)]
            data = data_signature(conn.execute(SIGNATURE_QUERY, (tables,)).fetchall())
            conn.execute(f"INSERT INTO {KEPT_TABLE} VALUES (%s, %s, %s, %s, %s, %s, %s)",
                         (json.dumps(seeding, sort_keys=True), json.dumps(sequences, sort_keys=True),
                          catalog_to_bytes(facts), json.dumps([_finding_row(f) for f in lint]), tables,
                          catalog_signature(conn), data))
            self._admin.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(self._name), sql.Literal(self._comment)))
        except (psycopg.Error, DatabaseError):
            pass

    def confirm(self, rows) -> None:
        """Raise KeptStale unless `rows` (SIGNATURE_QUERY's over `tables`) give the recorded
        data signature: no row changed since the database was recorded."""
        if data_signature(rows) != self.recorded.data_signature:
            raise KeptStale("the kept database's rows changed since it was recorded")

    def discard(self) -> None:
        """Forget what it holds: the next run rebuilds it."""
        self._admin.execute(sql.SQL("COMMENT ON DATABASE {} IS ''").format(sql.Identifier(self._name)))


def data_signature(rows) -> str:
    """One digest of SIGNATURE_QUERY's rows (name, row count, hash sum), in any order."""
    text = ";".join(f"{name}:{n}:{h}" for name, n, h in sorted(rows, key=lambda r: r[0]))
    return hashlib.sha256(text.encode()).hexdigest()


def _finding_row(f: Finding) -> list[str]:
    return [f.location, f.id, f.severity, f.message, f.hint]


def _recorded(url: str) -> Recorded | None:
    """What the database's record says when its catalog is still as recorded, after putting
    its sequences back to their state after the seeding; else None (rebuild it)."""
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            rows = conn.execute(f"SELECT seeding, sequences, facts, lint, tables, catalog_signature,"
                                f" data_signature FROM {KEPT_TABLE}").fetchall()
            if len(rows) != 1:
                return None
            seeding, sequences, facts, lint, tables, catalog, data = rows[0]
            if catalog_signature(conn) != catalog:
                return None
            conn.execute(f"SELECT {HELPER_SCHEMA}.restore_sequences(%s)", (json.dumps(sequences),))
            return Recorded(seeding, catalog_from_bytes(bytes(facts)), [Finding(*row) for row in lint],
                            list(tables), data)
    except (psycopg.Error, DatabaseError, ValueError, TypeError):
        return None  # no record, an older layout or a damaged one


@contextmanager
def kept_verify_database(server_url: str, root: Path, identity: str, fingerprint: str,
                         build: Callable[[str], None]) -> Iterator[KeptVerify | None]:
    """The project's kept verify database for the source `fingerprint`, its lock held for the
    body: as recorded when it is (KeptVerify.seeding set), else made again, empty, and
    `build(url)` run in it. None when it cannot be used (another run holds it, another role
    owns it, the server refuses): the caller uses a throw-away scratch database."""
    name = kept_name(root, identity)
    lock_key = lock_key_of(name)
    try:
        admin = psycopg.connect(server_url, autocommit=True)
    except psycopg.Error:
        yield None  # the scratch database path says what is wrong with the server
        return
    with admin:
        try:
            locked = admin.execute("SELECT pg_try_advisory_lock(%s)", (lock_key,)).fetchone()[0]
            usable = locked and not owned_by_another_role(admin, name)
        except psycopg.Error:
            locked = usable = False
        if not usable:
            if locked:
                admin.execute("SELECT pg_advisory_unlock(%s)", (lock_key,))
            yield None
            return
        try:
            comment = kept_comment(fingerprint, admin.info.server_version)
            url = database_url(server_url, name)
            recorded = _recorded(url) if database_comment(admin, name) == comment else None
            if recorded is None:
                try:
                    _make_empty(admin, name)
                except psycopg.Error:
                    yield None  # not allowed to make it here: a scratch database says why
                    return
                try:
                    build(url)
                except BaseException:
                    _drop_quietly(admin, name)
                    raise
            yield KeptVerify(url, recorded, admin, name, comment)
        finally:
            admin.execute("SELECT pg_advisory_unlock(%s)", (lock_key,))


def _make_empty(admin, name: str) -> None:
    """A new empty database `name` (the old one dropped) that only this role may use."""
    ident = sql.Identifier(name)
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
    # template0, as scratch_database: the server may be the target's own
    admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(ident))
    admin.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(ident))


def _drop_quietly(admin, name: str) -> None:
    try:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    except psycopg.Error:
        pass  # the build's error is the one to report; the next run replaces it


def drop_kept(server_url: str, root: Path, identity: str) -> None:
    """Drop the kept verify database of a project (tests, and `rm -r .roseram` users)."""
    name = kept_name(root, identity)
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
