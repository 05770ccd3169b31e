"""Which grant mode an imported database follows (project.yaml `grants:`, plan/defaultacl.py),
and its default privileges (project.yaml `default_privileges:`).

Per table, view, function and sequence, the grants it holds are compared with what the
database's default privileges give a new one made by the importing role (its *base*). The
project written in defaults mode states only the differences: per object, the privileges it
holds beyond its base (GRANTs) and those of its base it lacks (REVOKEs); in exact mode it
states every grant. Import picks the mode whose project states fewer (object, grantee) pairs;
defaults when nothing differs, exact on a tie (on a server without default privileges both
say the same, and exact is the stronger promise: the Roseram project).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import psycopg

from ..errors import DatabaseError
from ..model import TABLE_PRIVILEGES, Catalog, DefaultPrivileges, Grant, quote_ident
from ..platform import is_platform_admin_role, is_platform_schema, is_supabase
from ..plan.defaultacl import BUILTIN_DEFAULTS, grants_for_target, live_default_acls
from .typefiles import exact_sequence_statements

# What a function the source says nothing about loads with (source/sqlfunctions.py)
_UNSAID_ROUTINE_GRANTS = (Grant("public", ("execute",)),)


@dataclass(frozen=True)
class GrantsMode:
    """What `with_grants_mode` decided, and what the import reports with it."""

    catalog: Catalog  # grants_mode set; in defaults mode each object's grants/revokes are its deltas
    partitions: dict[str, set[tuple[str, str]]]  # "schema.partition" -> {(grantee, privilege)} the source gives
    notes: tuple[tuple[str, str], ...]  # (kind, name) of what the written project cannot say
    unsaid_defaults: frozenset[str]  # "schema.relation grantee" whose MAINTAIN is the defaults' (defaults mode)


def _without_grants(catalog: Catalog) -> Catalog:
    """`catalog` as a project that grants nothing would declare it."""
    keep = is_platform_schema
    return replace(
        catalog,
        tables=tuple(t if keep(t.schema) else replace(t, grants=()) for t in catalog.tables),
        views=tuple(v if keep(v.schema) else replace(v, grants=()) for v in catalog.views),
        functions=tuple(f if keep(f.schema) else replace(f, grants=_UNSAID_ROUTINE_GRANTS)
                        for f in catalog.functions),
        sequences=tuple(s if keep(s.schema) else replace(s, grants=(), revoked=()) for s in catalog.sequences),
    )


def with_grants_mode(db_url: str, catalog: Catalog) -> GrantsMode:
    """`catalog` with `grants_mode` set to the mode that states its grants in fewer words
    (see the module's docstring) and, in defaults mode, with each object's grants and
    revokes the GRANTs and REVOKEs that take its base to what it holds; what a partition
    holds by the source (the defaults in defaults mode, as any new table, nothing in exact
    mode)."""
    bare = _without_grants(catalog)
    try:
        with psycopg.connect(db_url, autocommit=True) as conn:
            expected = grants_for_target(conn, replace(bare, grants_mode="defaults"))
            entries = _default_privileges(conn, catalog)
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot read the database's default privileges: {exc}") from exc
    deltas = _Deltas(catalog, expected)
    if deltas.stated and deltas.stated >= _exact_stated(catalog):
        return GrantsMode(replace(catalog, grants_mode="exact", default_privileges=entries), {}, (), frozenset())
    partitions = {f"{t.schema}.{p.name}": {(g.grantee, priv) for g in p.grants for priv in g.privileges}
                  for t in expected.tables for p in t.partitions}
    return GrantsMode(replace(deltas.catalog, grants_mode="defaults", default_privileges=entries), partitions,
                      tuple(deltas.notes), frozenset(deltas.maintain))


def _held(grants) -> dict[str, set[str]]:
    """{grantee: privileges}, the platform's own roles left out (a plan never touches them)."""
    out: dict[str, set[str]] = {}
    for g in grants:
        if not is_platform_admin_role(g.grantee):
            out.setdefault(g.grantee, set()).update(g.privileges)
    return out


class _Deltas:
    """Per object, the GRANTs and REVOKEs that take its base (`expected`) to what it holds
    (`catalog`), and the count of (object, grantee) pairs they name."""

    def __init__(self, catalog: Catalog, expected: Catalog):
        self.stated = 0
        self.notes: list[tuple[str, str]] = []
        self.maintain: set[str] = set()
        partitions = {f"{t.schema}.{p.name}" for t in catalog.tables for p in t.partitions}
        base_of = {("r", o.key): o.grants for o in (*expected.tables, *expected.views)}
        base_of.update({("f", f.key): f.grants for f in expected.functions})
        base_of.update({("S", s.key): s.grants for s in expected.sequences})

        def rel(o):
            if is_platform_schema(o.schema) or o.key in partitions:
                return o
            grants, revokes = self._delta(o, base_of.get(("r", o.key), ()), o.qualified, relation=True)
            return replace(o, grants=grants, revokes=revokes)

        def function(f):
            if is_platform_schema(f.schema):
                return f
            grants, revokes = self._delta(f, base_of.get(("f", f.key), ()), f.signature)
            return replace(f, grants=grants, revokes=revokes)

        def sequence(s):
            if is_platform_schema(s.schema):
                return s
            grants, revokes = self._delta(s, base_of.get(("S", s.key), ()), s.qualified)
            return replace(s, grants=grants, revoked=revokes)

        self.catalog = replace(catalog, tables=tuple(rel(t) for t in catalog.tables),
                               views=tuple(rel(v) for v in catalog.views),
                               functions=tuple(function(f) for f in catalog.functions),
                               sequences=tuple(sequence(s) for s in catalog.sequences))

    def _delta(self, obj, base, name: str, relation: bool = False) -> tuple[tuple[Grant, ...], tuple[Grant, ...]]:
        if obj.grants == base:  # most objects of a database that follows its defaults
            if relation:
                self.maintain.update(f"{obj.key} {g.grantee}" for g in base if "maintain" in g.privileges)
            return (), ()
        held, given = _held(obj.grants), _held(base)
        grants, revokes = [], []
        for grantee in sorted(held.keys() | given.keys()):
            more = held.get(grantee, set()) - given.get(grantee, set())
            less = given.get(grantee, set()) - held.get(grantee, set())
            if relation:
                # MAINTAIN (17+) cannot be said: a REVOKE of every other privilege takes it
                # too (plan/defaultacl.py); a GRANT of it is named by unmanaged.sql
                kept = "maintain" in given.get(grantee, ()) and "maintain" in held.get(grantee, ())
                if kept and not less >= set(TABLE_PRIVILEGES):  # else `revokes: all` would take it
                    self.maintain.add(f"{obj.key} {grantee}")
                if "maintain" in less and not less >= set(TABLE_PRIVILEGES):
                    self.notes.append(("privilege revoked that the defaults give", f"maintain on {name} from {grantee}"))
                more.discard("maintain")
                less.discard("maintain")
            if more:
                grants.append(Grant(grantee, tuple(sorted(more))))
            if less:
                revokes.append(Grant(grantee, tuple(sorted(less))))
        self.stated += len(grants) + len(revokes)
        return tuple(grants), tuple(revokes)


def _exact_stated(catalog: Catalog) -> int:
    """(object, grantee) pairs an exact project states: every grantee of a table or view;
    of a function, every grantee but PUBLIC and a REVOKE from PUBLIC when it may not run it;
    of a sequence, what types.sql writes (importer/typefiles.py)."""
    partitions = {f"{t.schema}.{p.name}" for t in catalog.tables for p in t.partitions}
    n = 0
    for o in (*catalog.tables, *catalog.views):
        if not is_platform_schema(o.schema) and o.key not in partitions:
            n += sum(bool(set(p) - {"maintain"}) for p in _held(o.grants).values())
    for f in catalog.functions:
        if not is_platform_schema(f.schema):
            held = _held(f.grants)
            n += len(held.keys() - {"public"}) + ("execute" not in held.get("public", ()))
    for s in catalog.sequences:
        if not is_platform_schema(s.schema):
            n += len(exact_sequence_statements(s))
    return n


def maintain_note(key: str, grantee: str) -> tuple[str, str]:
    """The unmanaged.sql row that names `grantee`'s MAINTAIN on the relation `key`."""
    schema, _, name = key.partition(".")
    return ("privilege", f"maintain on {quote_ident(schema)}.{quote_ident(name)} to {grantee}")


def _default_privileges(conn, catalog: Catalog) -> tuple[DefaultPrivileges, ...]:
    """The database's pg_default_acl entries as the source would declare them: the importing
    role's without FOR ROLE; on Supabase, the platform roles' entries are the platform's and
    left out; an entry of a schema not imported is left out."""
    me = conn.execute("SELECT current_user::text").fetchone()[0]
    supabase = is_supabase(conn)
    schemas = {s.name for s in catalog.schemas}
    out = []
    for (role, schema, objects), acl in sorted(live_default_acls(conn).items(), key=repr):
        if schema is not None and (is_platform_schema(schema) or schema not in schemas):
            continue
        if is_platform_admin_role(role) and (supabase or role != me):
            continue
        builtin = BUILTIN_DEFAULTS.get(objects, {}) if schema is None else {}
        grants = tuple(Grant(g, tuple(sorted(set(p) - builtin.get(g, set()))))
                       for g, p in sorted(acl.items()) if set(p) - builtin.get(g, set()))
        revokes = tuple(Grant(g, tuple(sorted(set(p) - acl.get(g, set()))))
                        for g, p in sorted(builtin.items()) if set(p) - acl.get(g, set()))
        if objects == "tables":  # ALL, MAINTAIN included on 17+, is written `all`
            grants = tuple(Grant(g.grantee, ("all",)) if set(g.privileges) >= set(TABLE_PRIVILEGES) else g
                           for g in grants)
        if grants or revokes:
            out.append(DefaultPrivileges(None if role == me else role, schema, objects, grants, revokes))
    return tuple(out)
