"""DDL of who may see and do what: row-level security, policies, grants and revokes."""

from __future__ import annotations

from typing import Union

from ...model import Column, Function, Grant, Policy, Schema, Table, View, quote_ident
from ._text import optional, roles

Grantable = Union[Table, View, Function, Schema]


def enable_rls(table: Table) -> str:
    """ALTER TABLE t ENABLE ROW LEVEL SECURITY."""
    return f"ALTER TABLE {table.qualified} ENABLE ROW LEVEL SECURITY"


def disable_rls(table: Table) -> str:
    """ALTER TABLE t DISABLE ROW LEVEL SECURITY."""
    return f"ALTER TABLE {table.qualified} DISABLE ROW LEVEL SECURITY"


def force_rls(table: Table) -> str:
    """ALTER TABLE t FORCE ROW LEVEL SECURITY (the owner is subject to the policies too)."""
    return f"ALTER TABLE {table.qualified} FORCE ROW LEVEL SECURITY"


def no_force_rls(table: Table) -> str:
    """ALTER TABLE t NO FORCE ROW LEVEL SECURITY."""
    return f"ALTER TABLE {table.qualified} NO FORCE ROW LEVEL SECURITY"


def _policy_clauses(policy: Policy) -> str:
    sql = f" TO {roles(policy.roles or ('public',))}"
    if policy.using is not None:
        sql += f"\n    USING ({policy.using})"
    if policy.with_check is not None:
        sql += f"\n    WITH CHECK ({policy.with_check})"
    return sql


def create_policy(table: Table, policy: Policy) -> str:
    """CREATE POLICY name ON t [AS RESTRICTIVE] FOR cmd TO roles [USING (...)] [WITH CHECK (...)]."""
    sql = f"CREATE POLICY {quote_ident(policy.name)} ON {table.qualified}"
    if not policy.permissive:
        sql += " AS RESTRICTIVE"
    sql += f" FOR {policy.command.upper()}"
    return sql + _policy_clauses(policy)


def alter_policy(table: Table, policy: Policy) -> str:
    """ALTER POLICY name ON t TO roles [USING (...)] [WITH CHECK (...)].

    PostgreSQL cannot alter a policy's command or permissive/restrictive kind, nor remove
    a USING or WITH CHECK clause: those changes need drop_policy + create_policy.
    """
    return f"ALTER POLICY {quote_ident(policy.name)} ON {table.qualified}" + _policy_clauses(policy)


def drop_policy(table: Table, policy: Policy | str, *, if_exists: bool = False) -> str:
    """DROP POLICY [IF EXISTS] name ON t."""
    name = policy if isinstance(policy, str) else policy.name
    return f"DROP POLICY {optional(if_exists, 'IF EXISTS')}{quote_ident(name)} ON {table.qualified}"


def grant_target(target: Grantable) -> str:
    """The `ON ...` object of a GRANT or REVOKE."""
    if isinstance(target, (Table, View)):
        return f"TABLE {target.qualified}"
    if isinstance(target, Function):
        return f"{target.kind.upper()} {target.signature}"
    if isinstance(target, Schema):
        return f"SCHEMA {quote_ident(target.name)}"
    raise TypeError(f"cannot grant on {target!r}")


def _privileges(grant: Grant) -> str:
    privileges = [p.lower() for p in grant.privileges]
    if "all" in privileges:
        return "ALL"
    return ", ".join(p.upper() for p in privileges)


def grant(target: Grantable, grant: Grant) -> str:
    """GRANT privileges ON <target> TO grantee."""
    return f"GRANT {_privileges(grant)} ON {grant_target(target)} TO {roles([grant.grantee])}"


def revoke(target: Grantable, grant: Grant) -> str:
    """REVOKE privileges ON <target> FROM grantee."""
    return f"REVOKE {_privileges(grant)} ON {grant_target(target)} FROM {roles([grant.grantee])}"


def column_privileges(grant: Grant, column: str) -> str:
    """`SELECT (col), UPDATE (col)`: each privilege with its column list."""
    return ", ".join(f"{p.upper()} ({quote_ident(column)})" for p in grant.privileges)


def grant_columns(table: Table, column: Column, grant: Grant) -> str:
    """GRANT SELECT (col), ... ON TABLE t TO grantee."""
    return f"GRANT {column_privileges(grant, column.name)} ON TABLE {table.qualified} TO {roles([grant.grantee])}"
