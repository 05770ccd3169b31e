"""Everything that is not a table: schemas, extensions, roles, enums, views, functions,
triggers, and the grants of all of them, built from the rows of the catalog queries."""

from __future__ import annotations

from collections import defaultdict

from ..model import LIVE_TABLE_PRIVILEGES, Enum, Extension, Function, Grant, Role, Schema, Trigger, View
from .texts import function_definition, option_is_true, parse_reloptions, view_query

# Privileges the model knows per object kind. MAINTAIN (PostgreSQL 17+) is kept: the source
# never grants it, so a grant of it is drift to revoke (Supabase's default privileges give
# it to anon) and the same source still reads the same on 15 and 18.
_KNOWN_PRIVILEGES = {
    "schema": frozenset({"usage", "create"}),
    "relation": frozenset(LIVE_TABLE_PRIVILEGES),
    "function": frozenset({"execute"}),
}


def grants_by_object(rows: list[dict]) -> dict[tuple[str, str], tuple[Grant, ...]]:
    """Rows of grants.sql as {(kind, "schema[.name]"): grants sorted by grantee}."""
    privileges: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in rows:
        kind = row["kind"]
        if row["privilege"] not in _KNOWN_PRIVILEGES[kind]:
            continue
        key = row["schema"] if row["name"] is None else f"{row['schema']}.{row['name']}"
        privileges[(kind, key)][row["grantee"]].add(row["privilege"])
    return {
        obj: tuple(Grant(grantee=g, privileges=tuple(sorted(p))) for g, p in sorted(per_grantee.items()))
        for obj, per_grantee in privileges.items()
    }


def schema_from_row(row: dict, grants: dict) -> Schema:
    """A Schema from one row of schemas.sql."""
    return Schema(name=row["name"], comment=row["comment"], grants=grants.get(("schema", row["name"]), ()))


def extension_from_row(row: dict) -> Extension:
    """An Extension from one row of extensions.sql."""
    return Extension(name=row["name"], schema=row["schema"])


def role_from_row(row: dict) -> Role:
    """A Role from one row of roles.sql."""
    return Role(name=row["name"], login=row["login"], bypassrls=row["bypassrls"])


def enum_from_row(row: dict) -> Enum:
    """An Enum from one row of enums.sql."""
    return Enum(schema=row["schema"], name=row["name"], values=tuple(row["values"]), comment=row["comment"])


def view_from_row(row: dict, grants: dict, indexes: dict) -> View:
    """A View from one row of views.sql; indexes only exist for materialized views."""
    key = f"{row['schema']}.{row['name']}"
    options = parse_reloptions(row["options"])
    check_option = options.get("check_option")
    return View(
        schema=row["schema"],
        name=row["name"],
        query=view_query(row["query"]),
        materialized=row["materialized"],
        security_invoker=option_is_true(options, "security_invoker"),
        security_barrier=option_is_true(options, "security_barrier"),
        check_option=check_option.lower() if check_option else None,
        comment=row["comment"],
        grants=grants.get(("relation", key), ()),
        indexes=tuple(indexes.get(key, ())),
        depends_on=tuple(sorted(row["depends_on"])),
    )


def function_from_row(row: dict, grants: dict) -> Function:
    """A Function (or procedure) from one row of functions.sql."""
    key = f"{row['schema']}.{row['name']}({row['identity_args']})"
    return Function(
        schema=row["schema"],
        name=row["name"],
        identity_args=row["identity_args"],
        definition=function_definition(row["definition"]),
        returns=row["returns"],
        language=row["language"],
        security_definer=row["security_definer"],
        config=tuple(row["config"]),
        kind="procedure" if row["kind"] == "p" else "function",
        comment=row["comment"],
        grants=grants.get(("function", key), ()),
    )


def trigger_from_row(row: dict) -> Trigger:
    """A Trigger from one row of triggers.sql."""
    return Trigger(
        schema=row["schema"],
        table=row["table"],
        name=row["name"],
        definition=row["definition"].rstrip().rstrip(";"),
        function=row["function"],
        enabled=row["enabled"],
    )
