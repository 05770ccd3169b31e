"""Who may do what on a table, before and after: the `changes_access` hazard.

A role may run a command on a table when it holds the privilege (itself or through
PUBLIC) and, with row-level security on, some permissive policy for that command applies
to it (or the role bypasses RLS). This is the "may" the isolation contract speaks of; which
rows a policy lets through is what `verify` checks. Here the question is only: does a
plan give a role a command it did not have, or take one away? (On an existing object a
gain is the blocking `opens_access`, see opening.py.)
"""

from __future__ import annotations

from ..model import Grant as GrantModel
from ..model import Policy, Table

COMMANDS = ("select", "insert", "update", "delete")
# Roles that bypass row-level security (Supabase's back-end role).
BYPASS_RLS_ROLES = frozenset({"service_role", "postgres", "supabase_admin"})


def _privileges(grants: tuple[GrantModel, ...], role: str) -> set[str]:
    out: set[str] = set()
    for g in grants:
        if g.grantee in (role, "public"):
            privs = {p.lower() for p in g.privileges}
            out |= set(COMMANDS) if "all" in privs else privs
    return out


def _policy_allows(policies: tuple[Policy, ...], role: str, command: str) -> bool:
    return any(
        p.permissive and p.command in (command, "all") and (role in p.roles or "public" in p.roles)
        for p in policies
    )


def access_set(table: Table | None, roles: tuple[str, ...]) -> set[tuple[str, str]]:
    """{(role, command)} that may run on `table` (None: the table does not exist)."""
    if table is None:
        return set()
    out = set()
    column_grants = tuple(g for c in table.columns for g in c.grants)
    for role in roles:
        # a privilege on some column lets the role run the command on those columns
        privs = _privileges(table.grants, role) | _privileges(column_grants, role)
        for cmd in COMMANDS:
            if cmd not in privs:
                continue
            if not table.rls_enabled or role in BYPASS_RLS_ROLES or _policy_allows(table.policies, role, cmd):
                out.add((role, cmd))
    return out


def roles_of(*tables: Table | None) -> tuple[str, ...]:
    """Every role the tables name in grants or policies (PUBLIC as "public"), sorted."""
    names: set[str] = set()
    for t in tables:
        if t is None:
            continue
        names |= {g.grantee for g in t.grants}
        names |= {g.grantee for c in t.columns for g in c.grants}
        for p in t.policies:
            names |= set(p.roles)
    return tuple(sorted(names))


def access_changes(before: Table | None, after: Table | None, table_key: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Messages for every (role, command) gained or lost, and the pairs themselves."""
    roles = roles_of(before, after)
    old, new = access_set(before, roles), access_set(after, roles)
    messages: list[str] = []
    pairs: list[tuple[str, str]] = []
    for role, cmd in sorted(old - new):
        messages.append(f"{role} may no longer {cmd.upper()} {table_key}")
        pairs.append((role, cmd))
    for role, cmd in sorted(new - old):
        messages.append(f"{role} may now {cmd.upper()} {table_key}")
        pairs.append((role, cmd))
    return messages, pairs


def policy_commands(policy: Policy) -> tuple[str, ...]:
    """The commands a policy governs."""
    return COMMANDS if policy.command == "all" else (policy.command,)
