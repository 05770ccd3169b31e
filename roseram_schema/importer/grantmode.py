"""Which grant mode an imported database follows (project.yaml `grants:`, plan/defaultacl.py),
and its default privileges (project.yaml `default_privileges:`).

`defaults` when every table's, view's and function's grants are exactly what the database's
default privileges give a new one made by the importing role (so the project needs to say
no grant at all), else `exact`. In defaults mode the written project carries no grant on
tables, views and functions: they come from the target's defaults, as they did here.
"""

from __future__ import annotations

from dataclasses import replace

import psycopg

from ..errors import DatabaseError
from ..model import TABLE_PRIVILEGES, Catalog, DefaultPrivileges, Grant
from ..platform import is_platform_admin_role, is_platform_schema, is_supabase
from ..plan.defaultacl import BUILTIN_DEFAULTS, grants_for_target, live_default_acls

# What a function the source says nothing about loads with (source/sqlfunctions.py)
_UNSAID_ROUTINE_GRANTS = (Grant("public", ("execute",)),)


def _without_grants(catalog: Catalog) -> Catalog:
    """`catalog` as a project that grants nothing would declare it."""
    keep = is_platform_schema
    return replace(
        catalog,
        tables=tuple(t if keep(t.schema) else replace(t, grants=()) for t in catalog.tables),
        views=tuple(v if keep(v.schema) else replace(v, grants=()) for v in catalog.views),
        functions=tuple(f if keep(f.schema) else replace(f, grants=_UNSAID_ROUTINE_GRANTS)
                        for f in catalog.functions),
    )


def with_grants_mode(db_url: str, catalog: Catalog) -> tuple[Catalog, dict[str, set[tuple[str, str]]]]:
    """(`catalog` with `grants_mode` set to the mode the database follows, and, in defaults
    mode, without the grants the defaults give (the project then declares none); what a
    partition holds by the source: {"schema.partition": {(grantee, privilege)}}, the
    defaults in defaults mode (as any new table), nothing in exact mode)."""
    bare = _without_grants(catalog)
    try:
        with psycopg.connect(db_url, autocommit=True) as conn:
            expected = grants_for_target(conn, replace(bare, grants_mode="defaults"))
            entries = _default_privileges(conn, catalog)
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot read the database's default privileges: {exc}") from exc
    if _grant_sets(expected) == _grant_sets(catalog):
        partitions = {f"{t.schema}.{p.name}": {(g.grantee, priv) for g in p.grants for priv in g.privileges}
                      for t in expected.tables for p in t.partitions}
        return replace(bare, grants_mode="defaults", default_privileges=entries), partitions
    return replace(catalog, grants_mode="exact", default_privileges=entries), {}


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


def _grant_sets(catalog: Catalog) -> tuple:
    def norm(grants):
        return tuple(sorted((g.grantee, tuple(sorted(g.privileges))) for g in grants))

    # a partition's grants are not the project's (its parent's file says none): left out
    partitions = {f"{t.schema}.{p.name}" for t in catalog.tables for p in t.partitions}
    return (tuple((t.key, norm(t.grants)) for t in catalog.tables
                  if not is_platform_schema(t.schema) and t.key not in partitions),
            tuple((v.key, norm(v.grants)) for v in catalog.views if not is_platform_schema(v.schema)),
            tuple((f.key, norm(f.grants)) for f in catalog.functions if not is_platform_schema(f.schema)))
