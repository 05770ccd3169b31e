"""SQL the planner needs that roseram_schema.compile.ddl does not render from a model object.

ddl.grant/ddl.revoke/ddl.comment_on_* take the model object; a change only carries the
object's SQL name (a Grant change on a view, a function, a schema), so these render from
that name. Everything else comes from roseram_schema.compile.ddl.
"""

from __future__ import annotations

from ..compile.ddl.guarded import do_block
from ..model import Extension, quote_ident, quote_literal

_GRANT_KINDS = {
    "table": "TABLE",
    "view": "TABLE",
    "materialized view": "TABLE",
    "function": "FUNCTION",
    "procedure": "PROCEDURE",
    "schema": "SCHEMA",
    "sequence": "SEQUENCE",
    "database": "DATABASE",
}


def _role(name: str) -> str:
    return "PUBLIC" if name.lower() == "public" else quote_ident(name)


def _privileges(privileges: tuple[str, ...]) -> str:
    lowered = [p.lower() for p in privileges]
    if "all" in lowered:
        return "ALL"
    return ", ".join(p.upper() for p in lowered)


# A Grant/Revoke change on default privileges carries as `target` the clauses around the
# privileges: "[FOR ROLE r] [IN SCHEMA s] ON TABLES" (plan/defaultacl.py).
DEFAULT_PRIVILEGES = "default privileges"


def _default_privileges(verb: str, target: str, privileges: tuple[str, ...], to: str, grantee: str) -> str:
    scope, _, objects = target.rpartition("ON ")
    return (f"ALTER DEFAULT PRIVILEGES {scope}{verb} {_privileges(privileges)} ON {objects}"
            f" {to} {_role(grantee)}")


def _columns(privileges: tuple[str, ...], target: str) -> str:
    """`SELECT (col), UPDATE (col) ON TABLE t` of a change on a column ("col\x1ft")."""
    column, _, table = target.partition("\x1f")
    return ", ".join(f"{p.upper()} ({column})" for p in privileges) + f" ON TABLE {table}"


def grant_on(object_kind: str, target: str, grantee: str, privileges: tuple[str, ...]) -> str:
    """GRANT privileges ON <KIND> target TO grantee."""
    if object_kind == "column":
        return f"GRANT {_columns(privileges, target)} TO {_role(grantee)}"
    if object_kind == DEFAULT_PRIVILEGES:
        return _default_privileges("GRANT", target, privileges, "TO", grantee)
    return f"GRANT {_privileges(privileges)} ON {_GRANT_KINDS[object_kind]} {target} TO {_role(grantee)}"


def revoke_on(object_kind: str, target: str, grantee: str, privileges: tuple[str, ...]) -> str:
    """REVOKE privileges ON <KIND> target FROM grantee."""
    if object_kind == "column":
        return f"REVOKE {_columns(privileges, target)} FROM {_role(grantee)}"
    if object_kind == DEFAULT_PRIVILEGES:
        return _default_privileges("REVOKE", target, privileges, "FROM", grantee)
    return f"REVOKE {_privileges(privileges)} ON {_GRANT_KINDS[object_kind]} {target} FROM {_role(grantee)}"


def comment_on(object_kind: str, target: str, comment: str | None) -> str:
    """COMMENT ON <KIND> target IS '...' | NULL."""
    text = "NULL" if comment is None else quote_literal(comment)
    return f"COMMENT ON {object_kind.upper()} {target} IS {text}"


def create_optional_extension(extension: Extension) -> str:
    """CREATE EXTENSION only when the server ships it (an `optional: true` extension)."""
    schema = f" WITH SCHEMA {quote_ident(extension.schema)}" if extension.schema else ""

    # do_block picks a dollar tag the name does not hold: a fixed $roseram$ could be closed by it
    return do_block([
        f"  IF EXISTS (SELECT FROM pg_catalog.pg_available_extensions WHERE name = {quote_literal(extension.name)}) THEN",
        f"    CREATE EXTENSION IF NOT EXISTS {quote_ident(extension.name)}{schema};",
        "  END IF;",
    ])
