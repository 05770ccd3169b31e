"""ALTER DEFAULT PRIVILEGES in SQL files and `default_privileges:` in project.yaml.

Both become model.DefaultPrivileges entries, one per (FOR ROLE, IN SCHEMA, ON objects),
holding the source's GRANTs and REVOKEs in the order written (a later GRANT takes back an
earlier REVOKE, and the other way round). What each entry must hold on a target, and the
ALTER DEFAULT PRIVILEGES statements that get it there, are worked out per target
(plan/defaultacl.py).
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from pglast import ast
from pglast.enums import ObjectType

from ..errors import Origin
from ..model import DEFAULT_PRIVILEGE_OBJECTS, DefaultPrivileges, Grant
from .draft import Draft
from .grants import DEFAULT_OBJECT_KINDS, PRIVILEGES_BY_KIND, grant_and_unrevoke, normalize_privileges, revoke_and_record
from .problems import did_you_mean
from .reader import Reader, SourceFile
from .sqlaccess import role_name
from .statements import Statement, first_words
from .tables import read_grants
from .yamlnodes import YNode

_OBJECTS = {
    ObjectType.OBJECT_TABLE: "tables",
    ObjectType.OBJECT_SEQUENCE: "sequences",
    ObjectType.OBJECT_FUNCTION: "functions",
    ObjectType.OBJECT_ROUTINE: "functions",
    ObjectType.OBJECT_PROCEDURE: "functions",
    ObjectType.OBJECT_TYPE: "types",
    ObjectType.OBJECT_SCHEMA: "schemas",
}

ENTRY_KEYS = ("role", "schema", "objects", "grants", "revokes")


def alter_default_privileges(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    """ALTER DEFAULT PRIVILEGES [FOR ROLE r, ...] [IN SCHEMA s, ...] GRANT|REVOKE ..."""
    node: ast.AlterDefaultPrivilegesStmt = stmt.node
    action: ast.GrantStmt = node.action
    where = first_words(stmt.text)
    roles: list[str | None] = [None]
    schemas: list[str | None] = [None]
    for option in node.options or ():
        if option.defname == "roles":
            roles = [role_name(r) for r in option.arg]
        elif option.defname == "schemas":
            schemas = [s.sval for s in option.arg]
    objects = _OBJECTS.get(action.objtype)
    if objects is None:
        draft.problems.add(stmt.origin, where, f"ALTER DEFAULT PRIVILEGES on {action.objtype.name} is not supported")
        return
    if action.grant_option:
        draft.problems.add(stmt.origin, where, "WITH GRANT OPTION / GRANT OPTION FOR is not supported",
                           "grant the privileges themselves")
        return
    if objects == "schemas" and schemas != [None]:
        draft.problems.add(stmt.origin, where, "ALTER DEFAULT PRIVILEGES IN SCHEMA cannot be ON SCHEMAS",
                           "PostgreSQL refuses it too")
        return
    kind = DEFAULT_OBJECT_KINDS[objects]
    names = ["all"] if not action.privileges else [p.priv_name for p in action.privileges]
    privileges, unknown = normalize_privileges(names, kind)
    for bad in unknown:
        draft.problems.add(stmt.origin, where, f"privilege {bad!r} does not apply to {objects}",
                           did_you_mean(bad.lower(), PRIVILEGES_BY_KIND[kind]))
    if unknown:
        return
    grantees = [role_name(g) for g in action.grantees or ()]
    for role in roles:
        for in_schema in schemas:
            draft.later.append(partial(_attach_default_privileges, role, in_schema, objects, action.is_grant,
                                       tuple(grantees), privileges, stmt.origin))


def _attach_default_privileges(role: str | None, schema: str | None, objects: str, is_grant: bool,
                               grantees: tuple[str, ...], privileges: tuple[str, ...], origin: Origin | None,
                               d: Draft) -> None:
    entry = DefaultPrivileges(role, schema, objects, origin=origin)
    entry = d.default_privileges.get(entry.key, entry)
    grants, revokes = entry.grants, entry.revokes
    for grantee in grantees:
        if is_grant:
            grants, revokes = grant_and_unrevoke(grants, revokes, Grant(grantee, privileges, origin))
        else:
            grants, revokes = revoke_and_record(grants, revokes, grantee, privileges, origin)
    d.default_privileges[entry.key] = replace(entry, grants=grants, revokes=revokes)


def read_default_privileges(node: YNode | None, r: Reader, draft: Draft) -> None:
    """`default_privileges:` of project.yaml: a list of
    {role?, schema?, objects: tables|sequences|functions|types|schemas, grants?: {role: privs},
    revokes?: {role: privs}}; grants are given before revokes."""
    for item in r.seq(node, "project", "default_privileges"):
        f = r.mapping(item, "project", "a default_privileges entry", ENTRY_KEYS)
        if f is None:
            continue
        objects = f.get("objects")
        value = objects.value.lower() if objects is not None and isinstance(objects.value, str) else None
        if value not in DEFAULT_PRIVILEGE_OBJECTS:
            r.problem((objects or item).origin, "project", "default_privileges needs `objects:` one of "
                      + ", ".join(DEFAULT_PRIVILEGE_OBJECTS))
            continue
        kind = DEFAULT_OBJECT_KINDS[value]
        role = r.name(f["role"], "project", "role") if "role" in f else None
        schema = r.name(f["schema"], "project", "schema") if "schema" in f else None
        what = f"default privileges on {value}"
        for is_grant, key in ((True, "grants"), (False, "revokes")):
            for g in read_grants(f.get(key), r, what, kind):
                _attach_default_privileges(role, schema, value, is_grant, (g.grantee,), g.privileges,
                                           g.origin or item.origin, draft)
