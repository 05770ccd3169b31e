"""Read what the checker needs from the scratch database into the shared model.

The checker always works on a scratch database it built itself, so it reads the facts back
from there (PostgreSQL's own printed forms: `= ANY (ARRAY[...])`, `format_type`, ...). One
query per object kind. Platform schemas are read too (auth.users is where persona ids go),
only the helper schema of the checker is skipped.
"""

from __future__ import annotations

from collections import defaultdict

from ..model import (
    CheckConstraint,
    Column,
    Enum,
    ForeignKey,
    Function,
    Grant,
    Index,
    Policy,
    PrimaryKey,
    Table,
    UniqueConstraint,
    View,
    build_catalog,
    Catalog,
)

HELPER_SCHEMA = "roseram_verify"

_SKIP = f"""n.nspname NOT LIKE 'pg\\_%' AND n.nspname NOT IN ('information_schema', '{HELPER_SCHEMA}')"""

_TABLES = f"""
SELECT c.oid, n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND {_SKIP}
"""

_COLUMNS = """
SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,
       ARRAY(SELECT DISTINCT CASE WHEN x.grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(x.grantee)::text END
             FROM pg_catalog.aclexplode(a.attacl) x WHERE x.privilege_type = 'UPDATE' ORDER BY 1)
FROM pg_catalog.pg_attribute a
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

_CONSTRAINTS = """
SELECT co.conrelid, co.conname, co.contype,
       ARRAY(SELECT a.attname FROM unnest(co.conkey) WITH ORDINALITY k(num, i)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.num
             ORDER BY k.i),
       fn.nspname, fc.relname,
       ARRAY(SELECT a.attname FROM unnest(co.confkey) WITH ORDINALITY k(num, i)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.num
             ORDER BY k.i),
       CASE WHEN co.contype = 'c' THEN pg_catalog.pg_get_expr(co.conbin, co.conrelid) END
FROM pg_catalog.pg_constraint co
LEFT JOIN pg_catalog.pg_class fc ON fc.oid = co.confrelid
LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
WHERE co.conrelid = ANY(%s) AND co.contype IN ('p', 'u', 'f', 'c')
ORDER BY co.conrelid, co.conname
"""

_INDEXES = """
SELECT i.indrelid, ic.relname, i.indisunique, am.amname,
       ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
             FROM generate_series(1, i.indnkeyatts) k ORDER BY k),
       pg_catalog.pg_get_expr(i.indpred, i.indrelid)
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
WHERE i.indrelid = ANY(%s)
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint co WHERE co.conindid = i.indexrelid
                  AND co.conrelid = i.indrelid AND co.contype IN ('p', 'u', 'x'))
ORDER BY ic.relname
"""

_POLICIES = """
SELECT p.polrelid, p.polname, p.polcmd, p.polpermissive,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(r) END
             FROM unnest(p.polroles) r ORDER BY 1),
       pg_catalog.pg_get_expr(p.polqual, p.polrelid),
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)
FROM pg_catalog.pg_policy p WHERE p.polrelid = ANY(%s)
"""

_VIEWS = f"""
SELECT n.nspname, c.relname, pg_catalog.pg_get_viewdef(c.oid, true), c.relkind = 'm',
       coalesce(c.reloptions::text[] && ARRAY['security_invoker=true', 'security_invoker=on',
                                              'security_invoker=1', 'security_invoker=yes'], false),
       ARRAY(SELECT DISTINCT dn.nspname || '.' || dc.relname
             FROM pg_catalog.pg_rewrite rw
             JOIN pg_catalog.pg_depend d ON d.objid = rw.oid AND d.classid = 'pg_rewrite'::regclass
             JOIN pg_catalog.pg_class dc ON dc.oid = d.refobjid AND dc.oid <> c.oid
             JOIN pg_catalog.pg_namespace dn ON dn.oid = dc.relnamespace
             WHERE rw.ev_class = c.oid ORDER BY 1)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND {_SKIP}
"""

_FUNCTIONS = f"""
SELECT n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid),
       p.prosecdef, coalesce(p.proconfig, ARRAY[]::text[]), l.lanname,
       CASE WHEN p.prokind IN ('f', 'p') THEN pg_catalog.pg_get_functiondef(p.oid) ELSE '' END
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
WHERE {_SKIP} AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
"""

_ENUMS = f"""
SELECT n.nspname, t.typname, ARRAY(SELECT e.enumlabel FROM pg_catalog.pg_enum e
                                   WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e' AND {_SKIP}
"""

_CMD = {"r": "select", "a": "insert", "w": "update", "d": "delete", "*": "all"}


def read_facts(conn) -> Catalog:
    """The tables, views, functions and enums of the database `conn` is connected to."""
    tables = conn.execute(_TABLES).fetchall()
    oids = [row[0] for row in tables]
    columns: dict[int, list[Column]] = defaultdict(list)
    for relid, name, typ, notnull, default, identity, generated, updaters in conn.execute(_COLUMNS, (oids,)):
        columns[relid].append(
            Column(
                name=name,
                type=typ,
                nullable=not notnull,
                default=None if generated else default,
                identity={"a": "always", "d": "by default"}.get(identity or ""),
                generated=default if generated else None,
                # only UPDATE: the probes pick a column a role may update (probes.touch_column)
                grants=tuple(Grant(role, ("update",)) for role in updaters),
            )
        )
    pks: dict[int, PrimaryKey] = {}
    uniques: dict[int, list] = defaultdict(list)
    fks: dict[int, list] = defaultdict(list)
    checks: dict[int, list] = defaultdict(list)
    for relid, name, kind, cols, rschema, rtable, rcols, expr in conn.execute(_CONSTRAINTS, (oids,)):
        if kind == "p":
            pks[relid] = PrimaryKey(name, tuple(cols))
        elif kind == "u":
            uniques[relid].append(UniqueConstraint(name, tuple(cols)))
        elif kind == "f":
            fks[relid].append(ForeignKey(name, tuple(cols), rschema, rtable, tuple(rcols)))
        else:
            checks[relid].append(CheckConstraint(name, expr))
    indexes: dict[int, list] = defaultdict(list)
    for relid, name, unique, method, keys, where in conn.execute(_INDEXES, (oids,)):
        indexes[relid].append(Index(name, tuple(keys), unique=unique, method=method, where=where))
    policies: dict[int, list] = defaultdict(list)
    for relid, name, cmd, permissive, roles, qual, check in conn.execute(_POLICIES, (oids,)):
        policies[relid].append(
            Policy(name, _CMD[cmd], permissive, tuple(roles), using=qual, with_check=check)
        )
    built = [
        Table(
            schema=schema,
            name=name,
            columns=tuple(columns[oid]),
            primary_key=pks.get(oid),
            uniques=tuple(uniques[oid]),
            checks=tuple(checks[oid]),
            foreign_keys=tuple(fks[oid]),
            indexes=tuple(indexes[oid]),
            rls_enabled=rls,
            rls_forced=forced,
            policies=tuple(policies[oid]),
        )
        for oid, schema, name, rls, forced in tables
    ]
    views = [
        View(schema, name, query.strip().rstrip(";"), materialized=mat, security_invoker=inv,
             depends_on=tuple(deps))
        for schema, name, query, mat, inv, deps in conn.execute(_VIEWS)
    ]
    functions = [
        Function(
            schema=schema,
            name=name,
            identity_args=args,
            definition=definition,
            language=lang,
            security_definer=secdef,
            config=tuple(config),
        )
        for schema, name, args, secdef, config, lang, definition in conn.execute(_FUNCTIONS)
    ]
    enums = [Enum(schema, name, tuple(values)) for schema, name, values in conn.execute(_ENUMS)]
    return build_catalog(tables=built, views=views, functions=functions, enums=enums)
