"""verify's scratch database copied from a kept template instead of built, for big projects.

verify builds the project's schema in a new scratch database on every run; at a few hundred
tables that build is most of the server's work. For projects of INCREMENTAL_MIN_TABLES tables
or more, the database as built (before anything of the check: no seeded row, no helper) is
kept on the dev server as a template,

    roseram_vtpl_<sha256(project folder, dev server)[:16]>
    COMMENT ON DATABASE: "roseram-verify-template <sha256(code fingerprint, source fingerprint,
                                                          server version)>"

and the next verify of the same source on the same server makes its scratch database with
`CREATE DATABASE ... TEMPLATE` it: a block copy of what the build made. The source fingerprint
covers every source file (project.yaml and script files too) and the code fingerprint every
file of this package, so a copy is only ever of what this code builds from this source.

Like the kept `roseram_state_*` database (incremental.py): a template another role owns is
never used or replaced, no other role may connect to it (REVOKE ... FROM PUBLIC), it is
replaced under an advisory lock (another run meanwhile builds as before), and anything that
goes wrong with it (it is being replaced, copying fails) means building as before. With
ROSERAM_NO_CACHE=1 the caller does not come here: nothing is kept or read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from ..errors import DatabaseError
from ..normalize.scratch import scratch_database
from ..state.servers import as_identity
from .incremental import _database_comment, _owned_by_another_role, lock_key_of
from .key import code_key

TEMPLATE_PREFIX = "roseram_vtpl_"
_TAG = "roseram-verify-template"


def template_name(root: Path, identity: str) -> str:
    """The template of the project at `root` on the dev server named `identity`."""
    digest = hashlib.sha256(f"{Path(root).resolve()}|{as_identity(identity)}".encode()).hexdigest()
    return TEMPLATE_PREFIX + digest[:16]


def template_comment(fingerprint: str, server_version: int) -> str:
    """What the comment of a template holding the build of source `fingerprint` says."""
    key = hashlib.sha256(f"{code_key()}|{fingerprint}|{server_version}".encode()).hexdigest()
    return f"{_TAG} {key}"


@contextmanager
def built_scratch(server_url: str, root: Path, identity: str, fingerprint: str, prefix: str,
                  build: Callable[[str], None]) -> Iterator[str]:
    """The URL of a scratch database (dropped afterwards, like scratch_database's) that holds
    the schema `build(url)` makes in an empty one: copied from the project's template when
    it holds the build of `fingerprint`, else built, and then copied into the template."""
    name = template_name(root, identity)
    expected = None
    try:
        with psycopg.connect(server_url, autocommit=True) as admin:
            expected = template_comment(fingerprint, admin.info.server_version)
            hit = not _owned_by_another_role(admin, name) and _database_comment(admin, name) == expected
    except psycopg.Error:
        hit = False  # scratch_database below says what is wrong with the server
    with ExitStack() as stack:
        url = None
        if hit:
            try:
                url = stack.enter_context(scratch_database(server_url, prefix=prefix, template=name))
            except DatabaseError:
                url = None  # being replaced by another run, or gone: build as before
        if url is None:
            url = stack.enter_context(scratch_database(server_url, prefix=prefix))
            build(url)
            if expected is not None:
                _keep_template(server_url, name, url, expected)
        yield url


def _keep_template(server_url: str, name: str, scratch_url: str, comment: str) -> None:
    """Copy the freshly built scratch database into the template `name` (best effort: a
    template that cannot be made is a slower next run, never an error of this one)."""
    from psycopg.conninfo import conninfo_to_dict

    scratch = conninfo_to_dict(scratch_url)["dbname"]
    lock_key = lock_key_of(name)
    try:
        with psycopg.connect(server_url, autocommit=True) as admin:
            if not admin.execute("SELECT pg_try_advisory_lock(%s)", (lock_key,)).fetchone()[0]:
                return
            try:
                if _owned_by_another_role(admin, name):
                    return
                ident = sql.Identifier(name)
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
                admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(ident, sql.Identifier(scratch)))
                admin.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(ident))
                # last: a template without it (a run killed meanwhile) is a miss, replaced
                admin.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(ident, sql.Literal(comment)))
            finally:
                admin.execute("SELECT pg_advisory_unlock(%s)", (lock_key,))
    except psycopg.Error:
        pass


def drop_template(server_url: str, root: Path, identity: str) -> None:
    """Drop the verify template of a project (tests, and `rm -r .roseram` users)."""
    name = template_name(root, identity)
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
