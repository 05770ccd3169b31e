"""The lint rules (docs/verify.md "Other findings"): each takes the catalog (and the verify
spec when there is one) and yields Findings. No database needed.
"""

from __future__ import annotations

import re

from ..model import Catalog, Policy, Table
from ..platform import is_platform_schema
from .findings import Finding
from . import sqlrefs
from .leaks import LEAK_RULES
from .updatable_views import view_write_through

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
    """policy-anon: a policy for anon, or for PUBLIC (which includes anon), on a table whose
    contract gives anon nothing. A PUBLIC policy whose expression needs a signed-in caller
    (`user_id = auth.uid()`: NULL for anon) lets anon nothing through and is left alone."""
    callers = None
    for t in _managed(catalog):
        contract = spec.contract(t.key) if spec else None
        if contract is None:
            continue
        for p in t.policies:
            if not p.permissive or not ({"anon", "public"} & set(p.roles)):
                continue
            open_to_anon = any(
                cl <= {"anyone", "public"} for c in _commands(p) for cl in contract.clauses(c)
            )
            if open_to_anon:
                continue
            if "anon" not in p.roles:
                if callers is None:
                    callers = sqlrefs.caller_functions(catalog.functions)
                texts = [x for x in (p.using, p.with_check) if x is not None]
                trees = [sqlrefs.parse_expression(x) for x in texts]
                if texts and all(tree is not None and sqlrefs.requires_user(tree, callers) for tree in trees):
                    continue
            who = "anon (not signed in)" if "anon" in p.roles else "PUBLIC, anon (not signed in) included,"
            yield Finding(_where(t, p), "policy-anon", "error",
                          f"policy applies to {who} but the contract of {t.key} gives "
                          f"anon nothing for {', '.join(_commands(p))}",
                          "use `roles: [authenticated]`")


_OPEN_CATEGORIES = ("anyone", "public", "signed_in", "none")


def _placement_columns(a, contract, command: str) -> tuple[set[str], set[str]]:
    """The columns that decide whose row it is, for one command: the owner and the tenant,
    then the "who wrote it" columns; with a contract, only those its categories for the
    command use (`own` the owner and writers, a rank or `tenant` the tenant)."""
    owner = {a.owner.column} if a.owner and a.owner.column != "*" else set()
    tenant = {a.tenant.column} if a.tenant and a.tenant.column != "*" else set()
    if contract is None:
        return owner | tenant, set(a.actors)
    atoms = {atom for clause in contract.clauses(command) for atom in clause}
    own = "own" in atoms
    return ((owner if own else set()) | (tenant if atoms - set(_OPEN_CATEGORIES) - {"own"} else set()),
            set(a.actors) if own else set())


_BEFORE = re.compile(r"\bBEFORE\s+(.*?)\s+ON\s", re.I | re.S)


def _trigger_set_columns(catalog, table: Table, command: str) -> set[str]:
    """Columns a BEFORE <command> trigger of the project assigns (`NEW.user_id :=
    auth.uid()`): whatever the client sends there is replaced, so no check needs to pin it."""
    out: set[str] = set()
    for trg in catalog.triggers:
        if trg.schema != table.schema or trg.table != table.name or not trg.enabled:
            continue
        m = _BEFORE.search(trg.definition)
        if not m or command.upper() not in m.group(1).upper().split():
            continue
        fname = trg.function.split("(")[0].lower()
        for f in catalog.functions:
            if fname not in (f"{f.schema}.{f.name}".lower(), f.name.lower()):
                continue
            body = sqlrefs.function_body(f.definition) or ""
            for col in table.columns:
                name = re.escape(col.name)
                if re.search(rf"\bnew\s*\.\s*\"?{name}\"?\s*:=", body, re.I) or re.search(
                        rf"(?:^|;|\bthen|\belse|\bbegin|\bloop)\s*new\s*\.\s*\"?{name}\"?\s*=(?!=)",
                        body, re.I | re.M):
                    out.add(col.name)
    return out


def policy_leaves_owner(catalog, spec, anchors):
    """policy-leaves-owner: an INSERT/UPDATE check that does not pin a column the table's
    own policies use to tell whose row it is (docs/verify.md states the rule).

    A column counts only when (1) it decides the row's owner or tenant (derived from the
    foreign keys; with a contract, only for the categories the command allows) and a
    permissive policy's USING or INSERT check ties it to the caller (`user_id =
    auth.uid()`, a membership function or a correlated EXISTS on it), or it records who
    wrote the row and a USING ties it to the caller; and (2) no BEFORE trigger of the
    project assigns it. Then a check that does not tie it too lets a row be written under
    someone else."""
    if not anchors:
        return
    callers = None
    for t in _managed(catalog):
        a = anchors.get(t.key)
        if a is None or a.kind in ("tenants", "users"):
            continue
        writers = [p for p in t.policies if p.permissive and p.command in ("insert", "update", "all")]
        if not writers:
            continue
        if callers is None:
            callers = sqlrefs.caller_functions(catalog.functions)
        # tied to the caller where rows are found (USING), or where new rows are placed
        # (INSERT checks: only the owner/tenant columns, a "who wrote it" column moves nothing)
        found: set[str] = set()
        placed: set[str] = set()
        for p in t.policies:
            if not p.permissive:
                continue
            if p.using:
                found |= sqlrefs.tied_columns(sqlrefs.parse_expression(p.using), t.name, callers)
            if p.with_check and p.command in ("insert", "all"):
                placed |= sqlrefs.tied_columns(sqlrefs.parse_expression(p.with_check), t.name, callers)
        if not found and not placed:
            continue
        contract = spec.contract(t.key) if spec else None
        for p in writers:
            for command in ("insert", "update"):
                if command not in _commands(p):
                    continue
                # without WITH CHECK, an UPDATE or ALL policy checks new rows with its USING
                check = p.with_check if p.with_check is not None else (p.using if p.command != "insert" else None)
                if check is None or sqlrefs.is_always_true(check):
                    continue
                tree = sqlrefs.parse_expression(check)
                if tree is None:
                    continue
                placement, authors = _placement_columns(a, contract, command)
                needed = (placement & (found | placed)) | (authors & found)
                needed -= sqlrefs.tied_columns(tree, t.name, callers)
                if needed:
                    needed -= _trigger_set_columns(catalog, t, command)
                if needed:
                    columns = sorted(needed)
                    yield Finding(_where(t, p), "policy-leaves-owner", "warning",
                                  f"the {command} check of policy {p.name!r} on {t.key} does not tie "
                                  f"{' or '.join(columns)} to the caller, though the table's policies tell whose row it is by "
                                  "it: an "
                                  f"{command.upper()} may place the row under someone else",
                                  f"add a WITH CHECK tying {columns[0]} to the caller, as the other policies do")


def _reader_roles(grants, spec) -> set[str]:
    """The client roles a SELECT grant reaches (PUBLIC: anon, authenticated and every
    persona's role); roles that bypass RLS are left out, RLS hides nothing from them."""
    bypass = {p.role for p in spec.personas if p.bypass} if spec else {"service_role"}
    roles = {g.grantee for g in grants if "select" in g.privileges}
    if "public" in roles:
        roles |= {"anon", "authenticated"} | ({p.role for p in spec.personas} if spec else set())
        roles.discard("public")
    return roles - bypass


def _open_to(table: Table, role: str) -> bool:
    """Whether `role` reads every row of the table by itself: it holds SELECT on it (or
    PUBLIC does), and RLS is off or a permissive SELECT policy for it is `true` with no
    restrictive SELECT policy for it."""
    if not any(g.grantee in (role, "public") and "select" in g.privileges for g in table.grants):
        return False
    if not table.rls_enabled:
        return True
    applies = [p for p in table.policies
               if "select" in _commands(p) and ({role, "public"} & set(p.roles))]
    return (any(p.permissive and sqlrefs.is_always_true(p.using) for p in applies)
            and not any(not p.permissive for p in applies))


def view_not_invoker(catalog, spec, anchors):
    """view-not-invoker: a view over RLS tables running with its owner's rights. Only an
    info when every table it reads is readable in full by every role that may read the view
    (no policy hides a row from them): the view then shows nothing they could not see."""
    rls_tables = {t.key for t in catalog.tables if t.rls_enabled}
    tables = {t.key: t for t in catalog.tables}
    for v in catalog.views:
        if is_platform_schema(v.schema) or v.security_invoker:
            continue
        reads = set(v.depends_on) or sqlrefs.tables_read(sqlrefs.parse_query(v.query), v.schema)
        under = sorted(reads & rls_tables)
        if not under:
            continue
        where = f"{v.origin} ({v.key})" if v.origin else v.key
        readers = _reader_roles(v.grants, spec)
        if readers and all(_open_to(tables[k], r) for k in reads if k in tables for r in readers):
            yield Finding(where, "view-not-invoker", "info",
                          f"view {v.key} runs with its owner's rights over RLS tables ({', '.join(under)}), "
                          f"but {', '.join(sorted(readers))} may read every row of them anyway",
                          "add `-- security_invoker: true` (WITH (security_invoker = true)) so that "
                          "a later policy applies to the view too")
            continue
        filtered = sqlrefs.mentions_uid(v.query)
        yield Finding(where, "view-not-invoker", "warning" if filtered or v.materialized else "error",
                      f"view {v.key} runs with its owner's rights over RLS tables ({', '.join(under)})"
                      + ("; it filters on auth.uid() itself, check that filter" if filtered else
                         ": every caller sees every row"),
                      "add `-- security_invoker: true` (WITH (security_invoker = true))")


def definer_search_path(catalog, spec, anchors):
    """definer-search-path: SECURITY DEFINER without a fixed search_path. A warning, not an
    error: PostgreSQL accepts such a function and many real schemas have one, so the tool
    manages it as written (apply's lint gate lets it through) and says how to harden it."""
    for f in catalog.functions:
        if is_platform_schema(f.schema) or not f.security_definer or f.search_path:
            continue
        where = f"{f.origin} ({f.signature})" if f.origin else f.signature
        yield Finding(where, "definer-search-path", "warning",
                      f"SECURITY DEFINER function {f.signature} has no fixed search_path: a caller can "
                      "shadow the objects it uses and run code with its owner's rights",
                      "add `SET search_path = ''` after SECURITY DEFINER and qualify the names its body "
                      "uses (`public.t`, `auth.uid()`), or `SET search_path = public, pg_temp` to keep them "
                      "unqualified")


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
    # reading a table in a subquery applies its SELECT policies' USING, so only those can
    # loop; an INSERT check reading a table whose policies read back ends there
    # ...but any policy (USING or WITH CHECK, any command) reading its own table recurses at once
    edges: dict[str, dict[str, set[str]]] = {}
    for key, t in rls.items():
        for p in t.policies:
            for text, select in ((p.using, "select" in _commands(p)), (p.with_check, False)):
                if not text:
                    continue
                tree = sqlrefs.parse_expression(text)
                reads = sqlrefs.tables_read(tree, t.schema)
                for name in sqlrefs.function_calls(tree):
                    for f in functions.get(name, []):
                        body = sqlrefs.function_body(f.definition)
                        if body:
                            reads |= sqlrefs.tables_read(sqlrefs.parse_query(body), f.schema)
                for target in reads & (set(rls) if select else {key}):
                    edges.setdefault(key, {}).setdefault(target, set()).add(p.name)
    for cycle in _cycles(edges):
        first = rls[cycle[0]]
        path = " -> ".join(cycle + [cycle[0]])
        names = ", ".join(f"{a}: " + " and ".join(repr(n) for n in sorted(edges[a][b]))
                          for a, b in zip(cycle, cycle[1:] + cycle[:1]))
        yield Finding(_where(first), "policy-recursion", "error",
                      f"policies read each other's tables through RLS ({path}; {names}): PostgreSQL "
                      "fails with \"infinite recursion detected in policy\"",
                      "look the membership up in a SECURITY DEFINER function with a fixed search_path")


def _cycles(edges: dict[str, dict[str, set[str]]]) -> list[list[str]]:
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
    that runs with its owner's rights is callable by anyone until it is revoked. Trigger
    functions are left out: only a trigger can run them."""
    for f in catalog.functions:
        if is_platform_schema(f.schema) or not f.security_definer:
            continue
        if f.returns.lower() in ("trigger", "event_trigger"):
            continue  # PostgreSQL refuses to call a trigger function directly
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
) + LEAK_RULES + (view_write_through,)


def lint_catalog(catalog: Catalog, spec=None, anchors=None, rules=RULES) -> list[Finding]:
    """Every finding of every rule, sorted (severity first, then location)."""
    order = {"error": 0, "warning": 1, "info": 2}
    findings = {f for rule in rules for f in rule(catalog, spec, anchors)}
    return sorted(findings, key=lambda f: (order[f.severity], f.location, f.id, f.message))
