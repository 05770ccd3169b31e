"""Row-level security, policies and grants of one table (or grants of any object)."""

from __future__ import annotations

from .changes import (
    AlterPolicy,
    Change,
    CreatePolicy,
    DropPolicy,
    Grant,
    Revoke,
    SetComment,
    SetForceRowSecurity,
    SetRowSecurity,
)
from ..errors import Origin
from ..model import Grant as GrantModel
from ..model import Policy, Table, qualify, quote_ident
from ..platform import is_platform_admin_role


def diff_row_security(current: Table | None, desired: Table) -> list[Change]:
    """ENABLE/DISABLE and FORCE/NO FORCE, for a new (current None) or existing table."""
    origin = desired.policies_origin or desired.origin
    changes: list[Change] = []
    was_enabled = current.rls_enabled if current else False
    was_forced = current.rls_forced if current else False
    if desired.rls_enabled != was_enabled:
        changes.append(SetRowSecurity(desired.schema, desired.name, desired.rls_enabled, origin))
    if desired.rls_forced != was_forced:
        changes.append(SetForceRowSecurity(desired.schema, desired.name, desired.rls_forced, origin))
    return changes


def _can_alter(old: Policy, new: Policy) -> bool:
    # ALTER POLICY can change roles, USING and WITH CHECK, but not the command or
    # permissive/restrictive, and it cannot remove a USING or WITH CHECK clause.
    return (
        old.command == new.command
        and old.permissive == new.permissive
        and not (old.using is not None and new.using is None)
        and not (old.with_check is not None and new.with_check is None)
    )


def policy_target(schema: str, table: str, name: str) -> str:
    """`name ON schema.table`, as COMMENT ON POLICY wants it."""
    return f"{quote_ident(name)} ON {qualify(schema, table)}"


def diff_policies(current: Table | None, desired: Table) -> list[Change]:
    """Create, alter (when ALTER POLICY can say it), or drop and re-create policies."""
    schema, table = desired.schema, desired.name
    old = {p.name: p for p in (current.policies if current else ())}
    new = {p.name: p for p in desired.policies}
    changes: list[Change] = []
    for name in sorted(old.keys() - new.keys()):
        changes.append(DropPolicy(schema, table, old[name]))
    for name in sorted(new):
        p = new[name]
        before = old.get(name)
        if before is None:
            changes.append(CreatePolicy(schema, table, p))
        else:
            same_body = (before.command, before.permissive, before.roles, before.using, before.with_check) == (
                p.command, p.permissive, p.roles, p.using, p.with_check)
            if not same_body:
                if _can_alter(before, p):
                    changes.append(AlterPolicy(schema, table, before, p))
                else:
                    changes.append(DropPolicy(schema, table, before))
                    changes.append(CreatePolicy(schema, table, p))
                    before = None  # the comment goes with the dropped policy
        if p.comment != (before.comment if before else None):
            changes.append(SetComment(
                "policy", f"{schema}.{table}.{name}", policy_target(schema, table, name),
                p.comment, before.comment if before else None, p.origin))
    return changes


def diff_grants(
    object_kind: str,
    object_key: str,
    target: str,
    current: tuple[GrantModel, ...],
    desired: tuple[GrantModel, ...],
    origin: Origin | None = None,
) -> list[Change]:
    """GRANT what is missing and REVOKE what is extra, per grantee, privileges sorted.
    Grants to the platform's own roles are never revoked (platform.PLATFORM_ADMIN_ROLES)."""
    old = {g.grantee: set(g.privileges) for g in current if not is_platform_admin_role(g.grantee)}
    old.update({g.grantee: set(g.privileges) & {p for d in desired if d.grantee == g.grantee for p in d.privileges}
                for g in current if is_platform_admin_role(g.grantee)})
    new = {g.grantee: (set(g.privileges), g.origin) for g in desired}
    changes: list[Change] = []
    for grantee in sorted(old.keys() | new.keys()):
        had = old.get(grantee, set())
        want, g_origin = new.get(grantee, (set(), None))
        if had - want:
            changes.append(Revoke(object_kind, object_key, target, grantee, tuple(sorted(had - want))))
        if want - had:
            changes.append(
                Grant(object_kind, object_key, target, grantee, tuple(sorted(want - had)), g_origin or origin)
            )
    return changes


# A Grant/Revoke change on a column: `target` is "<column>\x1f<table>" (SQL names), which
# plan/sql_extra.py renders as GRANT SELECT (col), ... ON TABLE t.
COLUMN_TARGET_SEPARATOR = "\x1f"


def diff_column_grants(current: Table | None, desired: Table) -> list[Change]:
    """GRANT and REVOKE of column privileges, for the columns `desired` keeps (a dropped
    column takes its privileges with it)."""
    changes: list[Change] = []
    for col in desired.columns:
        before = current.column(col.name) if current is not None else None
        had = before.grants if before is not None else ()
        if had or col.grants:
            changes += diff_grants("column", f"{desired.key}.{col.name}",
                                   f"{quote_ident(col.name)}{COLUMN_TARGET_SEPARATOR}{desired.qualified}",
                                   had, col.grants, col.origin or desired.origin)
    return changes
