"""Privileges: normalising the names users write (`ALL`, `Select`) into the model's form."""

from __future__ import annotations

from ..model import COLUMN_PRIVILEGES, TABLE_PRIVILEGES, Grant

FUNCTION_PRIVILEGES = ("execute",)
SCHEMA_PRIVILEGES = ("create", "usage")
TYPE_PRIVILEGES = ("usage",)

SEQUENCE_PRIVILEGES = ("select", "update", "usage")
DATABASE_PRIVILEGES = ("connect", "create", "temporary")

PRIVILEGES_BY_KIND = {
    "table": TABLE_PRIVILEGES,
    "view": TABLE_PRIVILEGES,
    "function": FUNCTION_PRIVILEGES,
    "schema": SCHEMA_PRIVILEGES,
    "sequence": SEQUENCE_PRIVILEGES,
    "type": TYPE_PRIVILEGES,
    "column": COLUMN_PRIVILEGES,
    "database": DATABASE_PRIVILEGES,
}

# ALTER DEFAULT PRIVILEGES ... ON <objects>: the privileges of one such object
DEFAULT_OBJECT_KINDS = {"tables": "table", "sequences": "sequence", "functions": "function",
                        "types": "type", "schemas": "schema"}


def normalize_privileges(names, kind: str) -> tuple[tuple[str, ...], list[str]]:
    """(sorted lower-case privileges with `all` expanded, unknown names as written)."""
    allowed = PRIVILEGES_BY_KIND[kind]
    out: set[str] = set()
    unknown: list[str] = []
    for name in names:
        normal = " ".join(name.lower().split())
        if normal in ("all", "all privileges"):
            out.update(allowed)
        elif normal == "temp" and kind == "database":
            out.add("temporary")
        elif normal in allowed:
            out.add(normal)
        else:
            unknown.append(name)
    return tuple(sorted(out)), unknown


def merge_grants(grants, new: Grant) -> tuple[Grant, ...]:
    """Add `new` to a tuple of grants, uniting privileges per grantee; sorted by grantee."""
    by_grantee = {g.grantee: g for g in grants}
    old = by_grantee.get(new.grantee)
    if old is not None:
        new = Grant(
            grantee=new.grantee,
            privileges=tuple(sorted(set(old.privileges) | set(new.privileges))),
            origin=old.origin or new.origin,
        )
    by_grantee[new.grantee] = new
    return tuple(by_grantee[k] for k in sorted(by_grantee))


def grant_and_unrevoke(grants, revokes, new: Grant) -> tuple[tuple[Grant, ...], tuple[Grant, ...]]:
    """A GRANT: `new` merged into `grants`, and its privileges no longer among `revokes`."""
    return merge_grants(grants, new), revoke_grants(revokes, new.grantee, new.privileges)


def revoke_and_record(grants, revokes, grantee: str, privileges, origin) -> tuple[tuple[Grant, ...], tuple[Grant, ...]]:
    """A REVOKE: the privileges leave `grants` and are recorded in `revokes`, so a mode that
    starts from default privileges (`grants: defaults`) takes them away too."""
    return (revoke_grants(grants, grantee, privileges),
            merge_grants(revokes, Grant(grantee, tuple(sorted(set(privileges))), origin)))


def revoke_grants(grants, grantee: str, privileges) -> tuple[Grant, ...]:
    """Remove privileges of one grantee (a REVOKE in a SQL file)."""
    out = []
    for g in grants:
        if g.grantee == grantee:
            left = tuple(p for p in g.privileges if p not in set(privileges))
            if left:
                out.append(Grant(g.grantee, left, g.origin))
        else:
            out.append(g)
    return tuple(out)
