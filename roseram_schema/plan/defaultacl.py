"""Default privileges: what a new table, view or function is granted the moment it exists.

Supabase runs `ALTER DEFAULT PRIVILEGES ... GRANT ALL ON TABLES TO anon, authenticated,
service_role` (and EXECUTE on functions). The catalogs do not model that, so a plan that
only GRANTs what the source declares would leave a new table readable by roles the source
never named, and the next plan would revoke it: two steps, and a window. So, for every
object the plan creates, the privileges the target's default ACLs will hand out and the
source does not declare are revoked in the same plan.
"""

from __future__ import annotations

from collections import defaultdict

from ..changes import Change, CreateFunction, CreateTable, CreateView, Revoke
from ..model import TABLE_PRIVILEGES, Catalog

_DEFAULT_ACL_SQL = """
SELECT d.defaclobjtype::text AS kind,
       n.nspname::text AS schema,
       CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END AS grantee,
       pg_catalog.lower(a.privilege_type) AS privilege
FROM pg_catalog.pg_default_acl d
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
CROSS JOIN LATERAL pg_catalog.aclexplode(d.defaclacl) AS a
WHERE d.defaclrole = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
  AND d.defaclobjtype IN ('r', 'f')
  AND a.grantee <> d.defaclrole
ORDER BY 1, 2, 3, 4
"""

_KNOWN = {"r": frozenset(TABLE_PRIVILEGES), "f": frozenset({"execute"})}


def default_privileges(conn) -> dict[tuple[str, str | None], dict[str, set[str]]]:
    """{(kind "r"|"f", schema or None for every schema): {grantee: privileges}}."""
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


def revoke_default_privileges(changes: tuple[Change, ...], desired: Catalog, defaults) -> tuple[Change, ...]:
    """`changes` plus a Revoke per created object and grantee the defaults over-grant."""
    if not defaults:
        return changes
    extra: list[Change] = []
    for c in changes:
        if isinstance(c, CreateTable):
            obj, kind, schema, target, grants, what = c.definition, "r", c.schema, c.definition.qualified, c.definition.grants, "table"
        elif isinstance(c, CreateView):
            obj, kind, schema, target, grants, what = c.view, "r", c.view.schema, c.view.qualified, c.view.grants, "table"
        elif isinstance(c, CreateFunction):
            f = c.function
            obj, kind, schema, target, grants = f, "f", f.schema, f.signature, f.grants
            what = "procedure" if f.kind == "procedure" else "function"
        else:
            continue
        want = {g.grantee: set(g.privileges) for g in grants}
        for grantee, privs in sorted(_granted(defaults, kind, schema).items()):
            over = privs - want.get(grantee, set())
            if over:
                extra.append(Revoke(what, obj.key, target, grantee, tuple(sorted(over))))
    return changes + tuple(extra)
