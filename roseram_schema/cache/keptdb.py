"""What the databases the cache keeps on a dev server share: their advisory lock, their
comment (what they hold) and whose they are. Apart from incremental.py so that verify's kept
database (verifydb.py) does not load the planner with it."""

from __future__ import annotations

import hashlib


def lock_key_of(name: str) -> int:
    """The advisory lock key guarding the kept database `name`."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def database_comment(admin, name: str) -> str | None:
    """The comment of database `name` ("" when it has none), None when it does not exist:
    a kept database's comment names the code and the source it holds."""
    row = admin.execute(
        "SELECT pg_catalog.shobj_description(oid, 'pg_database') FROM pg_catalog.pg_database"
        " WHERE datname = %s", (name,)).fetchone()
    return (row[0] or "") if row else None


def owned_by_another_role(admin, name: str) -> bool:
    """Whether database `name` exists and another role owns it. A comment anyone can write
    is no proof of what a database holds: only one this role made (and closed to others,
    see incremental._rebuild) is advanced or replaced; another's is left alone."""
    row = admin.execute(
        "SELECT d.datdba <> (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)"
        " FROM pg_catalog.pg_database d WHERE d.datname = %s", (name,)).fetchone()
    return bool(row and row[0])
