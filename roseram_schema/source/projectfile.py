"""project.yaml: schemas, extensions, roles, enum types, and the personas passthrough."""

from __future__ import annotations

from ..model import GRANTS_MODES, Enum, Extension, Role, Schema
from .defaultprivs import read_default_privileges
from .draft import Draft
from .idents import split_qualified
from .loader import valid_sql_folder
from .reader import Reader
from .tables import read_grants
from .yamlnodes import YNode

PROJECT_KEYS = ("schemas", "extensions", "roles", "enums", "personas", "sql", "grants", "default_privileges")
SCHEMA_KEYS = ("name", "comment", "grants", "revokes")
EXTENSION_KEYS = ("name", "schema", "optional")
ROLE_KEYS = ("name", "login", "bypassrls")
ENUM_KEYS = ("values", "comment")


def read_project_file(node: YNode, r: Reader, draft: Draft) -> None:
    """Read project.yaml into the draft."""
    fields = r.mapping(node, "project", "project.yaml", PROJECT_KEYS)
    if fields is None:
        return
    if "schemas" in fields and fields["schemas"].kind == "seq":
        names = []
        for item in r.seq(fields["schemas"], "project", "schemas"):
            schema = _schema(item, r)
            if schema is not None and draft.add("schemas", schema.name, schema, schema.origin):
                names.append(schema.name)
        draft.declared_schemas = tuple(names)
    elif "schemas" in fields:
        r.seq(fields["schemas"], "project", "schemas")  # reports the wrong shape
    for item in r.seq(fields.get("extensions"), "project", "extensions"):
        ext = _extension(item, r)
        if ext is not None:
            draft.add("extensions", ext.name, ext, ext.origin)
    for item in r.seq(fields.get("roles"), "project", "roles"):
        role = _role(item, r)
        if role is not None:
            draft.add("roles", role.name, role, role.origin)
    enums = fields.get("enums")
    if enums is not None and not enums.is_null:
        if enums.kind != "map":
            r.problem(enums.origin, "project", "enums must map a type name to its values",
                      "e.g. enums: {public.mood: [happy, sad]}")
        else:
            for key, value in enums.value.items():
                enum = _enum(key, value, enums.key_origins[key], r)
                if enum is not None:
                    draft.add("enums", enum.key, enum, enum.origin)
    if "personas" in fields:
        draft.personas = fields["personas"].plain()
    if "sql" in fields:
        draft.sql_folders = _sql_folders(fields["sql"], r)
    if "grants" in fields:
        draft.grants_mode = _grants_mode(fields["grants"], r)
    read_default_privileges(fields.get("default_privileges"), r, draft)


def _sql_folders(node: YNode, r: Reader) -> tuple[str, ...]:
    """`sql:` — folders whose .sql files run as written (source/scripts.py), in order."""
    items = [node] if node.kind == "scalar" and not node.is_null else r.seq(node, "project", "sql")
    folders = []
    for item in items:
        value = item.plain()
        if not valid_sql_folder(value):
            r.problem(item.origin, "project", f"sql: {value!r} is not a folder of the project",
                      "name a folder relative to project.yaml, outside schema/, policies/ and views/,"
                      " e.g. sql: [supabase/migrations]")
            continue
        folders.append(value.strip("/"))
    return tuple(folders)


def _grants_mode(node: YNode, r: Reader) -> str | None:
    """`grants: exact | defaults` (see plan/defaultacl.py for what each means)."""
    value = node.value if node.kind == "scalar" else None
    if not isinstance(value, str) or value.lower() not in GRANTS_MODES:
        r.problem(node.origin, "project", f"grants must be one of {', '.join(GRANTS_MODES)}",
                  "exact: every grant spelled out, the rest revoked; defaults: what the"
                  " database's default privileges give, plus the source's GRANT and REVOKE")
        return None
    return value.lower()


def _named_entry(node: YNode, r: Reader, kind: str, keys: tuple[str, ...]):
    """(name, fields) of a list entry written either as a bare name or as a mapping with a
    `name:` key; fields is {} for the bare form, (None, None) after a reported problem."""
    article = "an" if kind[0] in "aeiou" else "a"
    if node.is_null:  # `- ` with nothing after it: not silently skipped
        r.problem(node.origin, "project", f"{article} {kind} needs a name")
        return None, None
    if node.kind == "scalar":
        name = r.name(node, "project", f"{kind} name")
        return (name, {}) if name else (None, None)
    f = r.mapping(node, "project", f"{article} {kind}", keys)
    if f is None:
        return None, None
    name = r.name(f.get("name"), "project", f"{kind} name")
    if name is None:
        r.problem(node.origin, "project", f"{article} {kind} needs a name")
        return None, None
    return name, f


def _schema(node: YNode, r: Reader) -> Schema | None:
    name, f = _named_entry(node, r, "schema", SCHEMA_KEYS)
    if name is None:
        return None
    return Schema(
        name=name,
        comment=r.text(f.get("comment"), f"schema {name}", "comment"),
        grants=read_grants(f.get("grants"), r, f"schema {name}", "schema"),
        # privileges the schema may hold where it is built (public's, the platform's) and
        # must not: REVOKE ... ON SCHEMA, as in SQL
        revokes=read_grants(f.get("revokes"), r, f"schema {name}", "schema"),
        origin=node.origin,
    )


def _extension(node: YNode, r: Reader) -> Extension | None:
    name, f = _named_entry(node, r, "extension", EXTENSION_KEYS)
    if name is None:
        return None
    return Extension(
        name=name,
        schema=r.name(f.get("schema"), f"extension {name}", "schema"),
        optional=bool(r.boolean(f.get("optional"), f"extension {name}", "optional")),
        origin=node.origin,
    )


def _role(node: YNode, r: Reader) -> Role | None:
    name, f = _named_entry(node, r, "role", ROLE_KEYS)
    if name is None:
        return None
    return Role(
        name=name,
        login=bool(r.boolean(f.get("login"), f"role {name}", "login")),
        bypassrls=bool(r.boolean(f.get("bypassrls"), f"role {name}", "bypassrls")),
        origin=node.origin,
    )


def _enum(key: str, node: YNode, origin, r: Reader) -> Enum | None:
    qualified = split_qualified(key, "public")
    if qualified is None:
        r.problem(origin, key, f"{key!r} is not a type name", "e.g. public.mood")
        return None
    schema, name = qualified
    obj = f"{schema}.{name}"
    comment = None
    values_node = node
    if node.kind == "map":
        f = r.mapping(node, obj, "an enum", ENUM_KEYS) or {}
        values_node = f.get("values")
        comment = r.text(f.get("comment"), obj, "comment")
    values = r.names(values_node, obj, "enum values")
    if not values:
        r.problem(origin, obj, "an enum needs a list of values", "e.g. [happy, sad]")
        return None
    seen = set()
    for v in values:
        if v in seen:
            r.problem(origin, obj, f"enum value {v!r} is listed twice")
        seen.add(v)
    return Enum(schema, name, tuple(dict.fromkeys(values)), comment, origin)
