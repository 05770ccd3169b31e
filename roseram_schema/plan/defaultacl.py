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

Grant modes (project.yaml `grants:`; `Catalog.grants_mode`):

- **exact** (a project that declares any table or view grant, the Roseram project): the
  source spells out every grant; the rest is revoked, including what the defaults above hand
  a new object.
- **defaults** (a project whose YAML table files grant nothing: schemas written in SQL
  for Supabase): an object should hold what PostgreSQL gives a new object *on the target*, through
  the default privileges of the role that runs the plan (the global entry of pg_default_acl,
  or PostgreSQL's built-in acldefault when there is none, plus the entry of the object's
  schema: the platform's `GRANT ALL ... TO anon, authenticated, service_role` included),
  then the source's own GRANTs, less the source's own REVOKEs (SQL REVOKE statements, or
  `revokes:` in a table file or view header: what import writes, importer/grantmode.py).

Where the desired grants come from in defaults mode: not from the scratch database where the
source is normalized (it is on the dev server, whose default privileges are not the
target's), but from the target. The normalized catalog keeps the source's GRANTs (as the
scratch database read them back) and carries the source's REVOKEs (`revokes`, a source-only
field copied over by normalize/origins.py) and the mode; `grants_for_target` then replaces
the grants of every table, view and function with defaults-of-the-target + GRANT - REVOKE,
once per target, before the diff. So plan and drift compare the target's grants with
exactly that, and an object created by the plan gets its defaults from PostgreSQL itself and
nothing to revoke. A function's EXECUTE for PUBLIC that the source did not write itself
(the loader's stand-in for PostgreSQL's built-in default) is left to the target's defaults.
Schemas are not made through default privileges: their grants are the source's GRANT and
REVOKE in both modes (the REVOKEs are run in the scratch database). Partitions get no grants
in both modes: one reached by name answers with its own grants and RLS, not its parent's.
"""

from __future__ import annotations

import re
from collections import defaultdict

from dataclasses import replace

from ..diff.access import diff_grants
from ..diff.changes import Change, CreateFunction, CreatePartition, CreateTable, CreateView, Revoke
from ..diff.types import CreateSequence
from ..model import LIVE_TABLE_PRIVILEGES, TABLE_PRIVILEGES, Catalog, DefaultPrivileges, Grant, Table, qualify, quote_ident
from ..platform import is_platform_admin_role, is_platform_schema
from .sql_extra import DEFAULT_PRIVILEGES

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


# What a new object of each kind gets from the role that creates it: its global default ACL
# (PostgreSQL's built-in acldefault when there is none) plus the entry of each schema.
# pg_default_acl's kinds r/S/f/T are acldefault's r/s/f/T. The creator's own entry is
# implicit (the inspector leaves the owner out too).
_EFFECTIVE_SQL = """
WITH me AS (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user),
kinds(kind, builtin) AS (VALUES ('r', 'r'), ('S', 's'), ('f', 'f'), ('T', 'T')),
acls AS (
  SELECT k.kind, NULL::text AS schema,
         coalesce((SELECT d.defaclacl FROM pg_catalog.pg_default_acl d
                   WHERE d.defaclrole = me.oid AND d.defaclnamespace = 0
                     AND d.defaclobjtype::text = k.kind),
                  pg_catalog.acldefault(k.builtin::"char", me.oid)) AS acl
  FROM kinds k CROSS JOIN me
  UNION ALL
  SELECT d.defaclobjtype::text, n.nspname::text, d.defaclacl
  FROM pg_catalog.pg_default_acl d
  JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
  JOIN me ON d.defaclrole = me.oid
)
SELECT a.kind, a.schema,
       CASE WHEN e.grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(e.grantee)::text END,
       pg_catalog.lower(e.privilege_type)
FROM acls a CROSS JOIN LATERAL pg_catalog.aclexplode(a.acl) AS e
WHERE e.grantee <> (SELECT oid FROM me)
ORDER BY 1, 2 NULLS FIRST, 3, 4
"""


def effective_defaults(conn) -> dict[tuple[str, str | None], dict[str, set[str]]]:
    """{(kind "r"|"S"|"f"|"T", schema or None for the global part): {grantee: privileges}}:
    what a new object made by the current role gets (see _EFFECTIVE_SQL)."""
    out: dict[tuple[str, str | None], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for kind, schema, grantee, privilege in conn.execute(_EFFECTIVE_SQL).fetchall():
        out[(kind, schema)][grantee].add(privilege)
    return out


def _with_defaults(base: dict[str, set[str]], grants, revokes, keep=lambda g: True,
                   relation: bool = False) -> tuple[Grant, ...]:
    """defaults + the source's GRANTs - its REVOKEs, as sorted Grants. On a table or view
    (`relation`), a REVOKE of every privilege the source can name is REVOKE ALL, which takes
    MAINTAIN (17+) too, as it does in psql."""
    want: dict[str, set[str]] = defaultdict(set)
    origins = {}
    for grantee, privs in base.items():
        want[grantee] |= privs
    for g in grants:
        if keep(g):
            want[g.grantee] |= set(g.privileges)
            origins[g.grantee] = g.origin
    for r in revokes:
        want[r.grantee] -= set(r.privileges)
        if relation and set(r.privileges) >= set(TABLE_PRIVILEGES):
            want[r.grantee].discard("maintain")
    return tuple(Grant(grantee, tuple(sorted(want[grantee])), origins.get(grantee))
                 for grantee in sorted(want) if want[grantee])


# Managed default privileges (ALTER DEFAULT PRIVILEGES in the source): only the entries the
# source names, one per (role, schema, objects), are compared; the others (the platform's)
# are left alone. Per target: the entry's present ACL (a global entry the database lacks
# holds PostgreSQL's built-in defaults, a schema entry nothing), and what it must hold:
# exact mode, the built-in defaults + the source's GRANTs - its REVOKEs; defaults mode, the
# present ACL + GRANTs - REVOKEs. The owner's own privileges are implicit, as on objects.
_ENTRIES_SQL = """
SELECT pg_catalog.pg_get_userbyid(d.defaclrole)::text, n.nspname::text, d.defaclobjtype::text,
       CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END,
       pg_catalog.lower(a.privilege_type)
FROM pg_catalog.pg_default_acl d
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
LEFT JOIN LATERAL (SELECT * FROM pg_catalog.aclexplode(d.defaclacl) e WHERE e.grantee <> d.defaclrole) a ON true
ORDER BY 1, 2 NULLS FIRST, 3, 4, 5
"""
_OBJECT_KINDS = {"r": "tables", "S": "sequences", "f": "functions", "T": "types", "n": "schemas"}
_KIND_OF = {objects: kind for kind, objects in _OBJECT_KINDS.items()}
# acldefault() of a new object, the owner left out: PUBLIC may run functions and use types
BUILTIN_DEFAULTS = _BUILTIN = {"functions": {"public": frozenset({"execute"})}, "types": {"public": frozenset({"usage"})}}


def live_default_acls(conn) -> dict[tuple[str, str | None, str], dict[str, set[str]]]:
    """{(role, schema or None, objects): {grantee: privileges}} of every pg_default_acl entry."""
    out: dict[tuple[str, str | None, str], dict[str, set[str]]] = {}
    for role, schema, kind, grantee, privilege in conn.execute(_ENTRIES_SQL).fetchall():
        if kind not in _OBJECT_KINDS:
            continue
        entry = out.setdefault((role, schema, _OBJECT_KINDS[kind]), defaultdict(set))
        if grantee is not None:
            entry[grantee].add(privilege)
    return out


def _as_grants(privileges: dict[str, set[str]], origin=None) -> tuple[Grant, ...]:
    return tuple(Grant(g, tuple(sorted(p)), origin) for g, p in sorted(privileges.items()) if p)


def _entry_sql(entry: DefaultPrivileges) -> tuple[str, str]:
    """(readable key, the clauses of ALTER DEFAULT PRIVILEGES around the privileges)."""
    label, sql = entry.objects, ""
    if entry.role is not None:
        label += f" made by {entry.role}"
        sql += f"FOR ROLE {quote_ident(entry.role)} "
    if entry.schema is not None:
        label += f" in schema {entry.schema}"
        sql += f"IN SCHEMA {quote_ident(entry.schema)} "
    return label, f"{sql}ON {entry.objects.upper()}"


def _entries(conn, desired: Catalog):
    """[(entry, role it is of, present ACL, ACL it must hold)] of the source's entries."""
    if not desired.default_privileges:
        return []
    me = conn.execute("SELECT current_user::text").fetchone()[0]
    live = live_default_acls(conn)
    out = []
    for e in desired.default_privileges:
        role = e.role or me
        builtin = _BUILTIN.get(e.objects, {}) if e.schema is None else {}
        present = {g: set(p) for g, p in live.get((role, e.schema, e.objects), builtin).items()}
        want = {g.grantee: set(g.privileges) for g in _with_defaults(
            present if desired.grants_mode == "defaults" else builtin, e.grants, e.revokes)}
        if e.objects == "tables":
            # `all` in the source is every privilege of the server (MAINTAIN on 17+)
            for grantee, privs in want.items():
                if privs >= set(TABLE_PRIVILEGES) and "maintain" in present.get(grantee, ()):
                    privs.add("maintain")
        out.append((e, role, present, want))
    return out


def default_privilege_changes(conn, desired: Catalog) -> list[Change]:
    """Grant and Revoke changes (object kind "default privileges") that make the target's
    default ACL entries what the source's ALTER DEFAULT PRIVILEGES say."""
    changes: list[Change] = []
    for e, _role, present, want in _entries(conn, desired):
        label, target = _entry_sql(e)
        changes += diff_grants(DEFAULT_PRIVILEGES, label, target, _as_grants(present),
                               _as_grants(want, e.origin), e.origin)
    return changes


# GRANT/REVOKE ... ON DATABASE in the source: the target's own database, compared as a
# default privilege entry is (built-in: PUBLIC may CONNECT and make TEMPORARY tables), and
# only when the source says something about it.
_DATABASE_ACL_SQL = """
SELECT pg_catalog.current_database()::text,
       CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END,
       pg_catalog.lower(a.privilege_type)
FROM pg_catalog.pg_database d
CROSS JOIN LATERAL pg_catalog.aclexplode(coalesce(d.datacl, pg_catalog.acldefault('d', d.datdba))) a
WHERE d.datname = pg_catalog.current_database() AND a.grantee <> d.datdba
"""
_DATABASE_BUILTIN = {"public": frozenset({"connect", "temporary"})}


def database_privilege_changes(conn, desired: Catalog) -> list[Change]:
    """Grant and Revoke changes on the target's database for the source's GRANT/REVOKE ...
    ON DATABASE (none when it has none)."""
    if not (desired.database_grants or desired.database_revokes):
        return []
    name = conn.execute("SELECT pg_catalog.current_database()::text").fetchone()[0]
    present: dict[str, set[str]] = defaultdict(set)
    for _db, grantee, privilege in conn.execute(_DATABASE_ACL_SQL).fetchall():
        present[grantee].add(privilege)
    base = present if desired.grants_mode == "defaults" else _DATABASE_BUILTIN
    want = _with_defaults(base, desired.database_grants, desired.database_revokes)
    origin = next((g.origin for g in (*desired.database_revokes, *desired.database_grants)), None)
    return diff_grants("database", name, quote_ident(name), _as_grants(present), want, origin)


def grants_for_target(conn, desired: Catalog) -> Catalog:
    """`desired` with the grants its mode means on the target behind `conn`: unchanged in
    exact mode; in defaults mode, each table's, view's and function's grants are the
    target's defaults for a new one, plus the source's GRANTs, less its REVOKEs."""
    if desired.grants_mode != "defaults":
        return desired
    defaults = effective_defaults(conn)
    # the defaults the plan leaves: the source's entries for the role that runs it
    me = conn.execute("SELECT current_user::text").fetchone()[0]
    for e, role, _present, want in _entries(conn, desired):
        if role == me:
            defaults[(_KIND_OF[e.objects], e.schema)] = defaultdict(set, want)

    def base(kind: str, schema: str) -> dict[str, set[str]]:
        return _granted(defaults, kind, schema)

    def explicit(g: Grant) -> bool:
        # the loader's stand-in for PostgreSQL's own EXECUTE for PUBLIC has no origin
        return not (g.grantee == "public" and g.origin is None)

    def regrant(obj, kind: str, keep=lambda g: True):
        if is_platform_schema(obj.schema):
            return obj
        # a sequence keeps its REVOKEs as `revoked` (source/sqltypes.py), the others as `revokes`
        revokes = getattr(obj, "revokes", None) or getattr(obj, "revoked", ())
        grants = _with_defaults(base(kind, obj.schema), obj.grants, revokes, keep, relation=kind == "r")
        return obj if grants == obj.grants else replace(obj, grants=grants)

    def with_partitions(t: Table) -> Table:
        # a partition is created like any table, so it holds the defaults (and nothing the
        # source grants: it is reached through its parent, whose RLS switches it has)
        if not t.partitions or is_platform_schema(t.schema):
            return t
        parts = tuple(replace(p, grants=_with_defaults(base("r", t.schema), (), (), lambda g: True))
                      for p in t.partitions)
        return t if parts == t.partitions else replace(t, partitions=parts)

    tables = tuple(with_partitions(regrant(t, "r")) for t in desired.tables)
    views = tuple(regrant(v, "r") for v in desired.views)
    functions = tuple(regrant(f, "f", explicit) for f in desired.functions)
    sequences = tuple(regrant(s, "S") for s in desired.sequences)
    if (tables, views, functions, sequences) == (desired.tables, desired.views, desired.functions, desired.sequences):
        return desired  # the same object: its cached fingerprint still holds
    return replace(desired, tables=tables, views=views, functions=functions, sequences=sequences)


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
    """`changes` plus a Revoke per created object and grantee the defaults over-grant. In
    defaults mode `desired` already holds the defaults (grants_for_target): only a new
    partition's are taken back, and a new table's sequences keep theirs."""
    if not defaults:
        return changes
    sequences = desired.grants_mode != "defaults"
    extra: list[Change] = []

    def revoke_over(kind, schema, want, what, key, target, owner=None):
        for grantee, privs in sorted(_granted(defaults, kind, schema).items()):
            over = privs - want.get(grantee, set())
            if over and not is_platform_admin_role(grantee):
                extra.append(Revoke(what, key, target, grantee, tuple(sorted(over)), owner))

    for c in changes:
        if isinstance(c, CreateTable):
            obj, kind, schema, target, grants, what = c.definition, "r", c.schema, c.definition.qualified, c.definition.grants, "table"
            for seq in owned_sequences(c.definition) if sequences else ():
                revoke_over("S", c.schema, _STANDIN_SEQUENCES.get(c.schema, {}), "sequence",
                            f"{c.schema}.{seq}", qualify(c.schema, seq), owner=c.definition.key)
        elif isinstance(c, CreateView):
            obj, kind, schema, target, grants, what = c.view, "r", c.view.schema, c.view.qualified, c.view.grants, "table"
        elif isinstance(c, CreatePartition):
            # exact: nothing on a partition (reached through its parent); defaults: what any
            # new table gets (grants_for_target)
            revoke_over("r", c.schema, {g.grantee: set(g.privileges) for g in c.partition.grants}, "table",
                        c.key, qualify(c.schema, c.partition.name))
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
