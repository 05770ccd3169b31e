"""The lint rules (docs/verify.md "Other findings"): each takes the catalog (and the verify
spec when there is one) and yields Findings. No database needed.
"""

from __future__ import annotations

import re

from ..model import Catalog, Policy, Table
from ..platform import is_platform_schema
from .findings import Finding
from . import sqlrefs

ALWAYS_OPEN = ("anyone", "signed_in")


def _where(table: Table, policy: Policy | None = None, structure: bool = False) -> str:
    """`file:line:col (object)`; policies/RLS findings point at the policies file, index and
    key findings (`structure`) at the table's own file."""
    if structure:
        origin = table.origin
    else:
        origin = (policy.origin if policy else None) or table.policies_origin or table.origin
    obj = f"{table.key}" + (f" policy {policy.name!r}" if policy else "")
    return f"{origin} ({obj})" if origin else obj


def _managed(catalog: Catalog):
    return [t for t in catalog.tables if not is_platform_schema(t.schema)]


def _commands(policy: Policy) -> tuple[str, ...]:
    return ("select", "insert", "update", "delete") if policy.command == "all" else (policy.command,)


def rls_disabled(catalog, spec, anchors):
    """rls-disabled: a table in an exposed schema without row-level security."""
    exposed = spec.tenancy.exposed if spec else ("public",)
    for t in _managed(catalog):
        if t.schema in exposed and not t.rls_enabled:
            yield Finding(_where(t), "rls-disabled", "error",
                          f"{t.key} is in the exposed schema {t.schema} but row-level security is off: "
                          "every granted role reads and writes every row",
                          f"set `rls: enabled` in policies/{t.schema}/{t.name}.yaml")


def _could_hold(clause, persona, tenancy) -> bool:
    """Whether some row could fall in the clause for this persona (rows may be public)."""
    for atom in clause:
        if atom in ("signed_in", "own") and not persona.user:
            return False
        if atom not in ("anyone", "public", "signed_in", "own") and persona.tenant is None:
            return False
        if atom.endswith("+") and tenancy.ranks and persona.tenant_role in tenancy.ranks:
            if tenancy.ranks.index(persona.tenant_role) > tenancy.ranks.index(atom[:-1]):
                return False
    return "none" not in clause


def policy_missing(catalog, spec, anchors):
    """policy-missing: the contract allows a command (for a role) that no permissive policy covers."""
    if spec is None:
        return
    for t in _managed(catalog):
        contract = spec.contract(t.key)
        if contract is None or not t.rls_enabled:
            continue
        for command in ("select", "insert", "update", "delete"):
            clauses = contract.clauses(command)
            if not clauses:
                continue
            policies = [p for p in t.policies if p.permissive and command in _commands(p)]
            if not policies:
                yield Finding(_where(t), "policy-missing", "error",
                              f"the contract allows {command} on {t.key} but no permissive policy covers "
                              f"{command}: RLS denies it to every client",
                              f"add a policy with `command: {command}` (or fix the contract)")
                continue
            needed = sorted({p.role for p in spec.personas if not p.bypass
                             and any(_could_hold(c, p, spec.tenancy) for c in clauses)})
            covered = {r for p in policies for r in p.roles}
            for role in needed:
                if role not in covered and "public" not in covered:
                    yield Finding(_where(t), "policy-missing", "error",
                                  f"the contract lets role {role} {command} rows of {t.key} but no "
                                  f"permissive {command} policy applies to {role}",
                                  f"add {role} to the roles of a {command} policy")


def policy_always_true(catalog, spec, anchors):
    """policy-always-true: USING/WITH CHECK (true) where the contract is not open."""
    for t in _managed(catalog):
        contract = spec.contract(t.key) if spec else None
        for p in t.policies:
            for text, what in ((p.using, "USING"), (p.with_check, "WITH CHECK")):
                if not p.permissive or not sqlrefs.is_always_true(text):
                    continue
                opened = [
                    c for c in _commands(p)
                    if not (contract and any(len(cl) == 1 and next(iter(cl)) in ALWAYS_OPEN
                                             for cl in contract.clauses(c)))
                ]
                if opened:
                    why = (f"but the contract of {t.key} does not make it public" if contract
                           else f"and {t.key} has no contract saying it is public")
                    yield Finding(_where(t, p), "policy-always-true", "error" if contract else "warning",
                                  f"{what} (true) lets every {', '.join(p.roles)} row through for "
                                  f"{', '.join(opened)}, {why}",
                                  "restrict the policy to the rows the contract allows")


def policy_self_compare(catalog, spec, anchors):
    """policy-self-compare: `x = x` in a policy, usually an unqualified column in a subquery."""
    for t in _managed(catalog):
        for p in t.policies:
            for text in (p.using, p.with_check):
                for cmp in sqlrefs.self_comparisons(sqlrefs.parse_expression(text) if text else None):
                    yield Finding(_where(t, p), "policy-self-compare", "error",
                                  f"`{cmp}` compares a column with itself (an unqualified name inside a "
                                  "subquery resolves to the subquery's own table), so it is always true",
                                  f"qualify the outer column: `{t.name}.{cmp.split('=')[-1].strip().split('.')[-1]}`")


def policy_anon(catalog, spec, anchors):
    """policy-anon: a policy for anon on a table whose contract gives anon nothing."""
    for t in _managed(catalog):
        contract = spec.contract(t.key) if spec else None
        for p in t.policies:
            if "anon" not in p.roles or not p.permissive:
                continue
            open_to_anon = contract is not None and any(
                cl <= {"anyone", "public"} for c in _commands(p) for cl in contract.clauses(c)
            )
            if contract is not None and not open_to_anon:
                yield Finding(_where(t, p), "policy-anon", "error",
                              f"policy applies to anon (not signed in) but the contract of {t.key} gives "
                              f"anon nothing for {', '.join(_commands(p))}",
                              "use `roles: [authenticated]`")


def policy_leaves_owner(catalog, spec, anchors):
    """policy-leaves-owner: an INSERT/UPDATE check that ignores the owner/tenant column."""
    if not anchors:
        return
    for t in _managed(catalog):
        a = anchors.get(t.key)
        if a is None or a.kind in ("tenants", "users"):
            continue
        columns = [path.column for path in (a.owner, a.tenant) if path and path.column != "*"]
        if not columns:
            continue
        for p in t.policies:
            if p.command not in ("insert", "update", "all") or not p.permissive:
                continue
            check = p.with_check if p.with_check is not None else (p.using if p.command != "insert" else None)
            if check is None:
                continue
            tree = sqlrefs.parse_expression(check)
            if tree is None:
                continue
            named = {c.name for c in tree.find_all(sqlrefs.exp.Column)}
            if not any(col in named for col in columns) and not sqlrefs.is_always_true(check):
                yield Finding(_where(t, p), "policy-leaves-owner", "warning",
                              f"the check of {p.command} policy on {t.key} does not look at "
                              f"{' or '.join(columns)}, which decide the row's owner/tenant: an "
                              "INSERT/UPDATE may place the row under someone else",
                              f"add a WITH CHECK on {columns[0]}")


def view_not_invoker(catalog, spec, anchors):
    """view-not-invoker: a view over RLS tables running with its owner's rights."""
    rls_tables = {t.key for t in catalog.tables if t.rls_enabled}
    for v in catalog.views:
        if is_platform_schema(v.schema) or v.security_invoker:
            continue
        reads = set(v.depends_on) or sqlrefs.tables_read(sqlrefs.parse_query(v.query), v.schema)
        under = sorted(reads & rls_tables)
        if not under:
            continue
        where = f"{v.origin} ({v.key})" if v.origin else v.key
        filtered = sqlrefs.mentions_uid(v.query)
        yield Finding(where, "view-not-invoker", "warning" if filtered or v.materialized else "error",
                      f"view {v.key} runs with its owner's rights over RLS tables ({', '.join(under)})"
                      + ("; it filters on auth.uid() itself, check that filter" if filtered else
                         ": every caller sees every row"),
                      "add `-- security_invoker: true` (WITH (security_invoker = true))")


def definer_search_path(catalog, spec, anchors):
    """definer-search-path: SECURITY DEFINER without a fixed search_path."""
    for f in catalog.functions:
        if is_platform_schema(f.schema) or not f.security_definer or f.search_path:
            continue
        where = f"{f.origin} ({f.signature})" if f.origin else f.signature
        yield Finding(where, "definer-search-path", "error",
                      f"SECURITY DEFINER function {f.signature} has no fixed search_path: a caller can "
                      "shadow the objects it uses and run code with its owner's rights",
                      "add `SET search_path = ''` (or `= public, pg_temp`) to the function")


def _norm_key(key: str) -> str:
    return re.sub(r"\s+", " ", key.strip().strip('"').lower())


def _plain(key: str) -> str:
    return _norm_key(key).removesuffix(" asc")


def fk_unindexed(catalog, spec, anchors):
    """fk-unindexed: a foreign key whose columns lead no index or key."""
    for t in _managed(catalog):
        leading = []
        if t.primary_key:
            leading.append(tuple(t.primary_key.columns))
        leading.extend(tuple(u.columns) for u in t.uniques)
        leading.extend(tuple(_plain(k).split(" ")[0] for k in i.keys) for i in t.indexes if i.where is None)
        for fk in t.foreign_keys:
            n = len(fk.columns)
            if not any(set(keys[:n]) == set(fk.columns) for keys in leading if len(keys) >= n):
                yield Finding(_where(t, structure=True), "fk-unindexed", "warning",
                              f"foreign key {fk.name} ({', '.join(fk.columns)}) of {t.key} has no index: "
                              "joins and ON DELETE from the referenced table scan the whole table",
                              f"add `- [{', '.join(fk.columns)}]` to its indexes")


def index_duplicate(catalog, spec, anchors):
    """index-duplicate: an index with the same keys as another index or key."""
    for t in _managed(catalog):
        seen: dict[tuple, str] = {}
        if t.primary_key:
            seen[(tuple(t.primary_key.columns), "btree", None)] = f"primary key {t.primary_key.name}"
        for u in t.uniques:
            seen.setdefault((tuple(u.columns), "btree", None), f"unique constraint {u.name}")
        for i in sorted(t.indexes, key=lambda i: i.name):
            sig = (tuple(_plain(k) for k in i.keys), i.method, i.where)
            if sig in seen:
                yield Finding(_where(t, structure=True), "index-duplicate", "warning",
                              f"index {i.name} on {t.key} ({', '.join(i.keys)}) duplicates {seen[sig]}",
                              f"drop index {i.name}")
            else:
                seen[sig] = f"index {i.name}"


def policy_recursion(catalog, spec, anchors):
    """policy-recursion: a cycle of policies reading each other's tables through RLS
    (directly or through SECURITY INVOKER functions)."""
    rls = {t.key: t for t in catalog.tables if t.rls_enabled}
    functions = {}
    for f in catalog.functions:
        if not f.security_definer:
            functions.setdefault(f"{f.schema}.{f.name}".lower(), []).append(f)
            functions.setdefault(f.name.lower(), []).append(f)
    edges: dict[str, dict[str, str]] = {}
    for key, t in rls.items():
        for p in t.policies:
            for text in (p.using, p.with_check):
                if not text:
                    continue
                tree = sqlrefs.parse_expression(text)
                reads = sqlrefs.tables_read(tree, t.schema)
                for name in sqlrefs.function_calls(tree):
                    for f in functions.get(name, []):
                        body = sqlrefs.function_body(f.definition)
                        if body:
                            reads |= sqlrefs.tables_read(sqlrefs.parse_query(body), f.schema)
                for target in reads & set(rls):
                    edges.setdefault(key, {}).setdefault(target, p.name)
    for cycle in _cycles(edges):
        first = rls[cycle[0]]
        path = " -> ".join(cycle + [cycle[0]])
        names = ", ".join(f"{a}: {edges[a][b]!r}" for a, b in zip(cycle, cycle[1:] + cycle[:1]))
        yield Finding(_where(first), "policy-recursion", "error",
                      f"policies read each other's tables through RLS ({path}; {names}): PostgreSQL "
                      "fails with \"infinite recursion detected in policy\"",
                      "look the membership up in a SECURITY DEFINER function with a fixed search_path")


def _cycles(edges: dict[str, dict[str, str]]) -> list[list[str]]:
    """Elementary cycles, each reported once from its smallest member (small graphs only)."""
    found = []
    for start in sorted(edges):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(edges.get(node, {}), reverse=True):
                if nxt == start:
                    found.append(path)
                elif nxt > start and nxt not in path:
                    stack.append((nxt, path + [nxt]))
    return sorted(found)


def policy_bare_uid(catalog, spec, anchors):
    """policy-bare-uid: auth.uid() evaluated per row instead of once."""
    for t in _managed(catalog):
        for p in t.policies:
            count = sum(sqlrefs.bare_uid_calls(sqlrefs.parse_expression(x)) for x in (p.using, p.with_check) if x)
            if count:
                yield Finding(_where(t, p), "policy-bare-uid", "info",
                              "auth.uid() is evaluated once per row", "write `(select auth.uid())`")


def contract_missing(catalog, spec, anchors):
    """contract-missing: an exposed table without a contract (when the project has some)."""
    if spec is None or not spec.contracts:
        return
    for t in _managed(catalog):
        if t.schema in spec.tenancy.exposed and spec.contract(t.key) is None:
            yield Finding(_where(t), "contract-missing", "warning",
                          f"{t.key} has no contract: verify observes it but cannot judge it",
                          "add `contract:` to its policies file (`verify --infer` prints one)")


def definer_public_execute(catalog, spec, anchors):
    """definer-public-execute: a SECURITY DEFINER function anon may call (PUBLIC or anon
    holds EXECUTE). PostgreSQL grants EXECUTE to PUBLIC on every new function, so a helper
    that runs with its owner's rights is callable by anyone until it is revoked."""
    for f in catalog.functions:
        if is_platform_schema(f.schema) or not f.security_definer:
            continue
        callers = sorted(g.grantee for g in f.grants
                         if g.grantee in ("public", "anon") and "execute" in g.privileges)
        if not callers:
            continue
        where = f"{f.origin} ({f.signature})" if f.origin else f.signature
        yield Finding(where, "definer-public-execute", "warning",
                      f"SECURITY DEFINER function {f.signature} is executable by "
                      f"{' and '.join(callers)}: anyone, signed in or not, runs it with its owner's rights",
                      f"REVOKE EXECUTE ON FUNCTION {f.signature} FROM PUBLIC, anon; then GRANT it "
                      "to the roles whose policies call it")


RULES = (
    rls_disabled,
    policy_missing,
    policy_always_true,
    policy_self_compare,
    policy_anon,
    policy_leaves_owner,
    policy_recursion,
    view_not_invoker,
    definer_search_path,
    definer_public_execute,
    fk_unindexed,
    index_duplicate,
    policy_bare_uid,
    contract_missing,
)


def lint_catalog(catalog: Catalog, spec=None, anchors=None, rules=RULES) -> list[Finding]:
    """Every finding of every rule, sorted (severity first, then location)."""
    order = {"error": 0, "warning": 1, "info": 2}
    findings = {f for rule in rules for f in rule(catalog, spec, anchors)}
    return sorted(findings, key=lambda f: (order[f.severity], f.location, f.id, f.message))
