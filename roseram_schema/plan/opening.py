"""The `opens_access` hazard: a change that lets a client role reach what it could not before.

It is blocking: a truncated policies file, a mistaken grant or a loosened policy must not
reach production because nobody read the plan. It applies only to objects that already
exist (a table, view or function built by the same plan has nobody relying on its access
yet), and only to the kinds of change that can open access:

- row-level security disabled, or FORCE removed, on an existing table;
- a grant to anon, authenticated or PUBLIC on an existing object;
- a permissive policy added to a table whose RLS is on (with RLS off, every row was
  already reachable), or a policy's USING / WITH CHECK changed, or its roles widened
  (a permissive policy) or narrowed (a restrictive one);
- a restrictive policy dropped from a table that keeps RLS on;
- a view that stops running with the caller's rights (security_invoker);
- a SECURITY DEFINER function made executable by anon or PUBLIC.

Each message says who gains what. Which rows a policy lets through is `verify`'s work.
"""

from __future__ import annotations

from ..model import Function, Grant, Policy, Table, View
from .access import BYPASS_RLS_ROLES, access_set, policy_commands, roles_of

# The roles any client of a Supabase project can act as, and PUBLIC (every role).
CLIENT_ROLES = frozenset({"anon", "authenticated", "public"})


def _commands(pairs: set[tuple[str, str]], role: str) -> str:
    return ", ".join(c.upper() for c in ("select", "insert", "update", "delete") if (role, c) in pairs)


def _who(policy: Policy) -> str:
    return ", ".join(policy.roles) + " " + "/".join(c.upper() for c in policy_commands(policy))


def _clauses(policy: Policy) -> str:
    parts = []
    if policy.using is not None:
        parts.append(f"USING ({policy.using})")
    if policy.with_check is not None:
        parts.append(f"WITH CHECK ({policy.with_check})")
    return " ".join(parts) or "no condition"


def rls_disabled(key: str, after: Table | None) -> str:
    """Row-level security turned off: every role with privileges reaches every row."""
    pairs = access_set(after, roles_of(after)) if after is not None else set()
    roles = sorted({r for r, _ in pairs} - BYPASS_RLS_ROLES)
    who = "; ".join(f"{r} may {_commands(pairs, r)} every row" for r in roles)
    return (f"row level security on {key} is disabled: its policies no longer filter rows"
            + (f"; {who}" if who else " (no client role holds privileges on it yet)"))


def force_removed(key: str) -> str:
    """FORCE ROW LEVEL SECURITY removed: the owner bypasses the policies again."""
    return f"the owner of {key} is no longer subject to its policies: it reaches every row of {key}"


def policy_added(key: str, policy: Policy) -> str:
    return (f"new permissive policy {policy.name!r} lets {_who(policy)} reach the rows of {key} "
            f"where {_clauses(policy)}")


def policy_altered(key: str, old: Policy, new: Policy, shown: Policy | None = None) -> str | None:
    """The message when an ALTER POLICY may let more through, else None. `shown` is `new`
    with the source's own texts (what the statement runs)."""
    what = []
    if (old.using, old.with_check) != (new.using, new.with_check):
        what.append(f"{_clauses(shown or new)} (was {_clauses(old)})")
    # PUBLIC is every role: a policy for PUBLIC gains no one, one still for PUBLIC loses no one
    gained = [] if "public" in old.roles else sorted(set(new.roles) - set(old.roles))
    lost = [] if "public" in new.roles else sorted(set(old.roles) - set(new.roles))
    if new.permissive and gained:
        what.append(f"now for {', '.join(gained)}")
    if not new.permissive and lost:
        what.append(f"no longer restricts {', '.join(lost)}")
    if not what:
        return None
    kind = "permissive" if new.permissive else "restrictive"
    return (f"{kind} policy {new.name!r} on {key} changes for {_who(new)}: " + "; ".join(what)
            + ": rows it did not let through before may now be reached")


def restrictive_dropped(key: str, policy: Policy) -> str:
    return (f"restrictive policy {policy.name!r} no longer limits {_who(policy)} on {key}: rows it kept "
            f"out ({_clauses(policy)}) may now be reached")


def privileges_of(grants: tuple[Grant, ...], grantee: str) -> set[str]:
    return {p for g in grants if g.grantee == grantee for p in g.privileges}


def granted(kind: str, key: str, grantee: str, privileges: tuple[str, ...], *, table: Table | None = None,
            function: Function | None = None) -> str:
    """A grant to a client role on an existing object."""
    text = f"{grantee} is granted {', '.join(p.upper() for p in privileges)} on {kind} {key}"
    if table is not None:
        text += (": the rows its policies allow" if table.rls_enabled
                 else ": every row (row level security is off)")
    if function is not None and function.security_definer:
        text += ", a SECURITY DEFINER function: it runs with its owner's rights"
    return text


def view_not_invoker(view: View) -> str:
    readers = sorted(g.grantee for g in view.grants if "select" in g.privileges)
    who = f": {', '.join(readers)} read" if readers else ": its readers read"
    return (f"{view.key} no longer runs with the caller's rights{who} its tables as its owner, "
            "bypassing their RLS")


def definer_callers(function: Function | None) -> set[str]:
    """anon/PUBLIC among those who may execute a SECURITY DEFINER function (empty if not one)."""
    if function is None or not function.security_definer:
        return set()
    return {g.grantee for g in function.grants if g.grantee in ("anon", "public") and "execute" in g.privileges}


def definer_opened(old: Function | None, new: Function) -> str | None:
    """A function that becomes SECURITY DEFINER while anon/PUBLIC may execute it."""
    gained = sorted(definer_callers(new) - definer_callers(old))
    if not gained:
        return None
    return (f"{' and '.join(gained)} may EXECUTE {new.signature}, a SECURITY DEFINER function: "
            "it runs with its owner's rights")
