"""Default privileges: what a new table, view or function is granted the moment it exists.

Supabase runs `ALTER DEFAULT PRIVILEGES ... GRANT ALL ON TABLES TO anon, authenticated,
service_role` (and EXECUTE on functions). The catalogs do not model that, so a plan that
only GRANTs what the source declares would leave a new table readable by roles the source
never named, and the next plan would revoke it: two steps, and a window. So, for every
object the plan creates, the privileges the target's default ACLs will hand out and the
source does not declare are revoked in the same plan. That covers the partitions a plan
creates (the source grants nothing on them: they are reached through their parent) and the
sequences a new table's serial and identity columns own (they keep what the platform
stand-in grants on sequences, USAGE and SELECT, and lose the rest: UPDATE is setval).
What the defaults give the platform's own roles (postgres on Supabase) stays theirs.
"""

from __future__ import annotations

import re
from collections import defaultdict

from ..diff.changes import Change, CreateFunction, CreatePartition, CreateTable, CreateView, Revoke
from ..diff.types import CreateSequence
from ..model import LIVE_TABLE_PRIVILEGES, Catalog, Table, qualify
from ..platform import is_platform_admin_role

_DEFAULT_ACL_SQL = """
SELECT d.defaclobjtype::text AS kind,
       n.nspname::text AS schema,
       CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END AS grantee,
       pg_catalog.lower(a.privilege_type) AS privilege
FROM pg_catalog.pg_default_acl d
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
CROSS JOIN LATERAL pg_catalog.aclexplode(d.defaclacl) AS a
WHERE d.defaclrole = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
  AND d.defaclobjtype IN ('r', 'f', 'S')
  AND a.grantee <> d.defaclrole
ORDER BY 1, 2, 3, 4
"""

_KNOWN = {
    "r": frozenset(LIVE_TABLE_PRIVILEGES),
    "f": frozenset({"execute"}),
    "S": frozenset({"usage", "select", "update"}),
}

# What the platform stand-in's default privileges give on a new sequence (platform/standin.sql):
# a role the source lets INSERT into a table with a serial id can draw the next value.
_STANDIN_SEQUENCES = {"public": {role: frozenset({"usage", "select"})
                                 for role in ("anon", "authenticated", "service_role")}}

_NEXTVAL = re.compile(r"^nextval\('((?:[^']|'')+)'::regclass\)$")
_SERIAL_TYPES = frozenset({"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"})


def default_privileges(conn) -> dict[tuple[str, str | None], dict[str, set[str]]]:
    """{(kind "r"|"f"|"S", schema or None for every schema): {grantee: privileges}}."""
    out: dict[tuple[str, str | None], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for kind, schema, grantee, privilege in conn.execute(_DEFAULT_ACL_SQL).fetchall():
        if privilege in _KNOWN[kind]:
            out[(kind, schema)][grantee].add(privilege)
    return out


def _granted(defaults, kind: str, schema: str) -> dict[str, set[str]]:
    merged: dict[str, set[str]] = defaultdict(set)
    for key in ((kind, None), (kind, schema)):
        for grantee, privs in defaults.get(key, {}).items():
            merged[grantee] |= privs
    return merged


def owned_sequences(table: Table) -> list[str]:
    """Names of the sequences a new table's serial and identity columns create, in its
    schema: `<table>_<column>_seq`, the name PostgreSQL picks when it is free."""
    names = []
    for col in table.columns:
        name = f"{table.name}_{col.name}_seq"
        if len(name.encode()) > 63:  # PostgreSQL would shorten it; not guessed
            continue
        match = _NEXTVAL.match(col.default or "")
        named = match.group(1).replace("''", "'").rpartition(".")[2].strip('"') if match else None
        if col.identity or col.type.lower() in _SERIAL_TYPES or named == name:
            names.append(name)
    return names


def revoke_default_privileges(changes: tuple[Change, ...], desired: Catalog, defaults) -> tuple[Change, ...]:
    """`changes` plus a Revoke per created object and grantee the defaults over-grant."""
    if not defaults:
        return changes
    extra: list[Change] = []

    def revoke_over(kind, schema, want, what, key, target, owner=None):
        for grantee, privs in sorted(_granted(defaults, kind, schema).items()):
            over = privs - want.get(grantee, set())
            if over and not is_platform_admin_role(grantee):
                extra.append(Revoke(what, key, target, grantee, tuple(sorted(over)), owner))

    for c in changes:
        if isinstance(c, CreateTable):
            obj, kind, schema, target, grants, what = c.definition, "r", c.schema, c.definition.qualified, c.definition.grants, "table"
            for seq in owned_sequences(c.definition):
                revoke_over("S", c.schema, _STANDIN_SEQUENCES.get(c.schema, {}), "sequence",
                            f"{c.schema}.{seq}", qualify(c.schema, seq), owner=c.definition.key)
        elif isinstance(c, CreateView):
            obj, kind, schema, target, grants, what = c.view, "r", c.view.schema, c.view.qualified, c.view.grants, "table"
        elif isinstance(c, CreatePartition):
            # the source grants nothing on a partition: it is reached through its parent
            revoke_over("r", c.schema, {}, "table", c.key, qualify(c.schema, c.partition.name))
            continue
        elif isinstance(c, CreateSequence):
            s = c.sequence
            revoke_over("S", s.schema, {g.grantee: set(g.privileges) for g in s.grants}, "sequence", s.key,
                        s.qualified)
            continue
        elif isinstance(c, CreateFunction):
            f = c.function
            obj, kind, schema, target, grants = f, "f", f.schema, f.signature, f.grants
            what = "procedure" if f.kind == "procedure" else "function"
        else:
            continue
        revoke_over(kind, schema, {g.grantee: set(g.privileges) for g in grants}, what, obj.key, target)
    return changes + tuple(extra)
