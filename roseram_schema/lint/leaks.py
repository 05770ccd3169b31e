"""The leaks Supabase apps ship with (docs/verify.md "Leaks"), named statically: a column the
authorization trusts that its own row's user may change (self-escalation), policies and
functions trusting `user_metadata`, SECURITY DEFINER functions that hand rows of RLS tables
to API callers, partitions reachable with less protection than their parent, views and
functions exposing `auth.users` columns. Each rule takes (catalog, spec, anchors) like the
rules of rules.py; storage policies, which no catalog holds, are judged in lint/storage.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pglast import ast, parse_plpgsql
from pglast.enums import A_Expr_Kind

from ..model import Catalog, Function, Policy, Table
from ..platform import is_platform_schema
from ..source.relations import walk
from . import sqlrefs
from .findings import Finding

# Schemas PostgREST serves by default on Supabase; a project adds its own (`tenancy.exposed`).
API_SCHEMAS = ("public", "graphql_public")
CLIENT_ROLES = ("anon", "authenticated", "public")


def exposed_schemas(spec) -> set[str]:
    """The schemas API callers reach: Supabase's defaults plus what the project says."""
    return set(API_SCHEMAS) | set(spec.tenancy.exposed if spec else ())


def _commands(policy: Policy) -> tuple[str, ...]:
    return ("select", "insert", "update", "delete") if policy.command == "all" else (policy.command,)


def _where_table(table: Table, policy: Policy | None = None) -> str:
    origin = (policy.origin if policy else None) or table.policies_origin or table.origin
    obj = table.key + (f" policy {policy.name!r}" if policy else "")
    return f"{origin} ({obj})" if origin else obj


def _where_function(f: Function) -> str:
    return f"{f.origin} ({f.signature})" if f.origin else f.signature


def _where_view(v) -> str:
    return f"{v.origin} ({v.key})" if v.origin else v.key


def _client_callers(f: Function) -> list[str]:
    """The API roles holding EXECUTE on a function (PUBLIC counts)."""
    return sorted({g.grantee for g in f.grants if g.grantee in CLIENT_ROLES and "execute" in g.privileges})


# -- reading function bodies -----------------------------------------------------------

def _plpgsql_queries(definition: str) -> list[str]:
    """The SQL of every statement and expression of a plpgsql function (its IF conditions,
    SELECT INTO, RETURN QUERY...), as pglast's plpgsql parser gives them."""
    try:
        tree = parse_plpgsql(definition)
    except Exception:  # pglast raises its own ParseError or a plain one for odd bodies
        return []
    out = []
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "PLpgSQL_expr" and isinstance(value, dict) and "query" in value:
                    out.append(value["query"])
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return out


def function_trees(f: Function) -> list:
    """Parse trees of a function's body: the statements of an SQL body, the expressions and
    statements of a plpgsql one (each parsed as a query, else as an expression)."""
    body = sqlrefs.function_body(f.definition)
    if body is None:
        return []
    if f.language.lower() == "sql":
        return list(sqlrefs.parse_query(body) or ())
    trees = []
    for text in _plpgsql_queries(f.definition):
        stmts = sqlrefs.parse_query(text)
        if stmts:
            trees.extend(stmts)
        else:
            tree = sqlrefs.parse_expression(text)
            if tree is not None:
                trees.append(tree)
    return trees


def _policy_trees(t: Table):
    for p in t.policies:
        for text in (p.using, p.with_check):
            tree = sqlrefs.parse_expression(text) if text else None
            if tree is not None:
                yield p, tree


# -- self-escalation -------------------------------------------------------------------

@dataclass(frozen=True)
class Trust:
    """A column the authorization reads: where (policy or function) and how."""

    table: str
    column: str
    where: str


def _from_tables(select, catalog: Catalog, default_schema: str) -> dict[str, Table]:
    """alias or name -> Table of the relations in a SELECT's FROM (its own level only)."""
    out: dict[str, Table] = {}
    for node in walk(select.fromClause or (), skip=(ast.SelectStmt,)):
        if isinstance(node, ast.RangeVar):
            table = catalog.table(f"{node.schemaname or default_schema}.{node.relname}")
            if table is not None:
                out[node.alias.aliasname if node.alias else node.relname] = table
    return out


def _resolve(node, tables: dict[str, Table]) -> tuple[Table, str] | None:
    """(table, column) of a column reference to one of the FROM tables, else None."""
    col = sqlrefs._column(sqlrefs._strip(node))
    if col is None:
        return None
    qualifier, name = col
    if qualifier:
        table = tables.get(qualifier)
        return (table, name) if table is not None and table.column(name) else None
    owners = [t for t in tables.values() if t.column(name)]
    return (owners[0], name) if len(owners) == 1 else None


def _compared(where):
    """(left, right) of each comparison (=, <>, IN, = ANY, IS TRUE) among the AND/OR
    operands of a WHERE, and (column, None) for a bare boolean operand."""
    for atom in sqlrefs._atoms(where):
        if isinstance(atom, ast.A_Expr) and atom.kind in (
                A_Expr_Kind.AEXPR_OP, A_Expr_Kind.AEXPR_IN, A_Expr_Kind.AEXPR_OP_ANY):
            right = atom.rexpr if isinstance(atom.rexpr, (tuple, list)) else (atom.rexpr,)
            yield atom.lexpr, right
        elif isinstance(atom, ast.BooleanTest):
            yield atom.arg, ()
        elif isinstance(atom, ast.ColumnRef):
            yield atom, ()


def _trusted_in_select(select, catalog, default_schema, callers, where_name) -> set[Trust]:
    """Columns a caller lookup trusts: in a SELECT whose WHERE looks at the caller
    (`WHERE id = auth.uid()`), the columns it returns (`SELECT role ...`) and the columns its
    WHERE compares with a value (`AND role = 'admin'`, `AND is_admin`); not the ones
    compared with the caller or joined to another table's column, nor foreign keys (moving
    those is update-leaves-owner's business)."""
    if not isinstance(select, ast.SelectStmt) or select.whereClause is None:
        return set()
    if not sqlrefs.mentions_caller(select.whereClause, callers):
        return set()
    tables = _from_tables(select, catalog, default_schema)
    if not tables:
        return set()
    found: list[tuple[Table, str]] = []
    for target in select.targetList or ():
        hit = _resolve(getattr(target, "val", None), tables)
        if hit:
            found.append(hit)
    for left, right in _compared(select.whereClause):
        hit = _resolve(left, tables)
        if hit is None:
            continue
        if any(sqlrefs.mentions_caller(r, callers) for r in right):
            continue
        if any(sqlrefs._column(sqlrefs._strip(r)) is not None and _resolve(r, tables) is not None
               for r in right):
            continue  # a join between the FROM tables
        if any(isinstance(sqlrefs._strip(r), ast.ColumnRef) and sqlrefs._column(sqlrefs._strip(r))[0]
               for r in right):
            continue  # correlated with the outer row (`m.org_id = projects.org_id`)
        found.append(hit)
    out = set()
    for table, column in found:
        if any(column in fk.columns for fk in table.foreign_keys):
            continue
        if table.primary_key and column in table.primary_key.columns:
            continue
        out.add(Trust(table.key, column, where_name))
    return out


def trusted_columns(catalog: Catalog) -> set[Trust]:
    """Every (table, column) a policy or a SECURITY DEFINER function trusts for
    authorization (see _trusted_in_select)."""
    callers = sqlrefs.caller_functions(catalog.functions)
    out: set[Trust] = set()
    for t in catalog.tables:
        for p, tree in _policy_trees(t):
            for node in walk(tree):
                if isinstance(node, ast.SelectStmt):
                    out |= _trusted_in_select(node, catalog, t.schema, callers,
                                              f"policy {p.name!r} on {t.key}")
    for f in catalog.functions:
        if not f.security_definer or is_platform_schema(f.schema):
            continue
        for tree in function_trees(f):
            for node in walk(tree):
                if isinstance(node, ast.SelectStmt):
                    out |= _trusted_in_select(node, catalog, f.schema, callers, f"function {f.signature}")
    return out


def _guarded_by_trigger(catalog: Catalog, table: Table, column: str) -> bool:
    """A BEFORE UPDATE trigger whose function reads NEW.<column> (resets it, or raises when
    it changed) decides what the client may write there."""
    for trg in catalog.triggers:
        if trg.schema != table.schema or trg.table != table.name or not trg.enabled:
            continue
        m = re.search(r"\bBEFORE\s+(.*?)\s+ON\s", trg.definition, re.I | re.S)
        if not m or "UPDATE" not in m.group(1).upper().split():
            continue
        fname = trg.function.split("(")[0].lower()
        for f in catalog.functions:
            if fname in (f"{f.schema}.{f.name}".lower(), f.name.lower()):
                body = sqlrefs.function_body(f.definition) or ""
                if re.search(rf"\bnew\s*\.\s*\"?{re.escape(column)}\b", body, re.I):
                    return True
    return False


def _client_may_update(table: Table) -> bool:
    """An API role holds UPDATE on the table (no grant recorded at all: Supabase's default
    privileges grant ALL to anon and authenticated)."""
    if not table.grants:
        return True
    return any(g.grantee in CLIENT_ROLES and "update" in g.privileges for g in table.grants)


def user_columns(table: Table, spec, anchors) -> set[str]:
    """Columns naming the row's user: foreign keys to the users table, the derived owner
    column, or a uuid `id`/`user_id`/`owner_id`."""
    users = spec.tenancy.users if spec else "auth.users"
    out = {c for fk in table.foreign_keys if f"{fk.ref_schema}.{fk.ref_table}" == users for c in fk.columns}
    a = (anchors or {}).get(table.key)
    if a is not None and a.owner is not None and a.owner.column != "*":
        out.add(a.owner.column)
    out |= {c.name for c in table.columns if c.name in ("id", "user_id", "owner_id") and c.type == "uuid"}
    return out


def own_row_updaters(table: Table, callers: set[str], mine: set[str]) -> list[Policy]:
    """Permissive UPDATE (or ALL) policies for API roles whose USING finds rows by the
    caller through a user column (`id = auth.uid()`, `user_id = auth.uid()`; `mine`): the
    row's own user may update it."""
    out = []
    for p in table.policies:
        if not p.permissive or "update" not in _commands(p) or not (set(p.roles) & set(CLIENT_ROLES)):
            continue
        using = sqlrefs.parse_expression(p.using) if p.using else None
        if using is None or sqlrefs.is_always_true(p.using):
            continue
        if sqlrefs.tied_columns(using, table.name, callers) & mine:
            out.append(p)
    return out


def pins(text: str | None, table: Table, column: str) -> bool:
    tree = sqlrefs.parse_expression(text) if text else None
    return tree is not None and column in sqlrefs.own_columns(tree, table.name)


def self_escalation(catalog, spec, anchors):
    """self-escalation: a column the authorization trusts (a policy or SECURITY DEFINER
    function reads it in a caller lookup: `SELECT role FROM profiles WHERE id =
    auth.uid()`; the members table's rank column) that the row's own user may change: an
    UPDATE policy finds the row by the caller, its check does not name the column, no
    restrictive UPDATE policy or BEFORE UPDATE trigger looks at it, and an API role holds
    UPDATE on the table."""
    callers = sqlrefs.caller_functions(catalog.functions)
    trusts: dict[tuple[str, str], list[str]] = {}
    for trust in trusted_columns(catalog):
        trusts.setdefault((trust.table, trust.column), []).append(trust.where)
    ten = spec.tenancy if spec else None
    if ten and ten.members and ten.members_role:
        trusts.setdefault((ten.members, ten.members_role), []).append("personas.tenancy.members.role")
    for (key, column), where in sorted(trusts.items()):
        table = catalog.table(key)
        if table is None or is_platform_schema(table.schema) or not table.rls_enabled:
            continue
        if not _client_may_update(table):
            continue
        if any(not p.permissive and "update" in _commands(p)
               and (pins(p.using, table, column) or pins(p.with_check, table, column))
               for p in table.policies):
            continue
        if _guarded_by_trigger(catalog, table, column):
            continue
        for p in own_row_updaters(table, callers, user_columns(table, spec, anchors)):
            check = p.with_check if p.with_check is not None else p.using
            if pins(check, table, column):
                continue
            yield Finding(_where_table(table, p), "self-escalation", "error",
                          f"{key}.{column} decides access ({'; '.join(sorted(set(where))[:3])}) but policy "
                          f"{p.name!r} lets a row's own user UPDATE it: a user can raise their own "
                          f"{column}",
                          f"grant UPDATE on the other columns only (REVOKE UPDATE ON {key} FROM anon, "
                          f"authenticated; GRANT UPDATE (<columns>) ...), keep it with a BEFORE UPDATE trigger "
                          f"(`NEW.{column} := OLD.{column}`), or keep it in a table users cannot write (a WITH "
                          f"CHECK reading {key} itself recurses)")


# -- user_metadata ---------------------------------------------------------------------

_USER_METADATA = re.compile(r"\buser_metadata\b|\braw_user_meta_data\b", re.I)


def user_metadata_trust(catalog, spec, anchors):
    """user-metadata-trust: a policy or function decides access from `user_metadata`
    (`auth.jwt() -> 'user_metadata'`) or `auth.users.raw_user_meta_data`, which every user
    edits freely through `supabase.auth.updateUser()`."""
    for t in catalog.tables:
        if is_platform_schema(t.schema):
            continue
        for p in t.policies:
            if any(_USER_METADATA.search(x or "") for x in (p.using, p.with_check)):
                yield Finding(_where_table(t, p), "user-metadata-trust", "error",
                              f"policy {p.name!r} on {t.key} reads user_metadata, which every user "
                              "changes at will (supabase.auth.updateUser): they pass this check by "
                              "writing the value it wants",
                              "use app_metadata (`auth.jwt() -> 'app_metadata'`, set only by the "
                              "server) or a table the user cannot write")
    callers = sqlrefs.caller_functions(catalog.functions)
    for f in catalog.functions:
        if is_platform_schema(f.schema):
            continue
        body = sqlrefs.function_body(f.definition) or ""
        if not _USER_METADATA.search(body):
            continue
        # a function that only copies the metadata (a handle_new_user trigger filling
        # profiles.full_name) decides nothing; one that is called by a policy or looks at
        # the caller does
        used_by_policy = any(
            f.name.lower() in {n.split(".")[-1] for n in sqlrefs.function_calls(tree)}
            for t in catalog.tables for _, tree in _policy_trees(t))
        if f.returns.lower() in ("trigger", "event_trigger") or not (
                used_by_policy or f.name.lower() in callers):
            continue
        yield Finding(_where_function(f), "user-metadata-trust", "error",
                      f"function {f.signature} reads user_metadata, which every user changes at "
                      "will (supabase.auth.updateUser), to decide about the caller",
                      "read app_metadata (server-only) or a table the user cannot write")


# -- SECURITY DEFINER functions returning rows -----------------------------------------

def _returned_tables(f: Function, catalog: Catalog, rls: set[str]) -> list[str]:
    """RLS tables whose rows the function returns: `RETURNS SETOF t` / `RETURNS t`, or
    `RETURNS TABLE (...)`/`SETOF record` reading them."""
    ret = f.returns.strip().lower()
    name = re.sub(r"^setof\s+", "", ret).replace('"', "")
    key = name if "." in name else f"{f.schema}.{name}"
    if key in rls:
        return [key]
    if ret.startswith("table") or ret in ("setof record", "record"):
        reads = set()
        for tree in function_trees(f):
            reads |= sqlrefs.tables_read(tree, f.schema)
        return sorted(reads & rls)
    return []


def definer_rows(catalog: Catalog, spec) -> list[tuple[Function, list[str], list[str]]]:
    """(function, RLS tables it returns rows of, API roles that may call it) for every
    SECURITY DEFINER function of an exposed schema (the probe in verify/definer_probe.py
    calls the same ones)."""
    rls = {t.key for t in catalog.tables if t.rls_enabled}
    exposed = exposed_schemas(spec)
    out = []
    for f in catalog.functions:
        if not f.security_definer or f.schema not in exposed or f.kind != "function":
            continue
        callers = _client_callers(f)
        tables = _returned_tables(f, catalog, rls) if callers else []
        if tables:
            out.append((f, tables, callers))
    return out


def definer_returns_rows(catalog, spec, anchors):
    """definer-returns-rows: a SECURITY DEFINER function in an API schema, callable by an
    API role, returning rows of RLS tables: it reads them without RLS, so only its own
    WHERE keeps other tenants' rows out (`select * from get_project(<any id>)` over
    /rpc). An error when the body never looks at the caller, a warning when it does (verify
    calls it with other tenants' ids)."""
    callers = sqlrefs.caller_functions(catalog.functions)
    for f, tables, roles in definer_rows(catalog, spec):
        filtered = f.name.lower() in callers
        yield Finding(_where_function(f), "definer-returns-rows", "warning" if filtered else "error",
                      f"SECURITY DEFINER function {f.signature} returns rows of {', '.join(tables)} "
                      f"to {', '.join(roles)} without RLS"
                      + ("; it filters on the caller itself, verify calls it with other tenants' ids"
                         if filtered else ": every caller gets any row it asks for"),
                      "make it SECURITY INVOKER, or REVOKE EXECUTE from the API roles, or filter on "
                      "(select auth.uid()) inside")


# -- partitions ------------------------------------------------------------------------

def partition_weaker(catalog, spec, anchors):
    """partition-weaker: a partition named directly in a query answers with its own RLS and
    grants, not its parent's: RLS off on it while on for the parent, or a grant the parent
    does not have, opens the parent's rows through the partition. Live schemas only (lint
    --db): the plan gives a partition of the source its parent's RLS and no grants."""
    for t in catalog.tables:
        if is_platform_schema(t.schema):
            continue
        parent = {(g.grantee, priv) for g in t.grants for priv in g.privileges}
        for part in t.partitions:
            if part.origin is not None:
                continue  # declared in the source: the plan gives it the parent's RLS, no grants
            problems = []
            if t.rls_enabled and not part.rls_enabled:
                problems.append("row-level security is off on it")
            extra = sorted({f"{priv} to {g.grantee}" for g in part.grants for priv in g.privileges
                            if (g.grantee, priv) not in parent})
            if extra:
                problems.append("it grants " + ", ".join(extra) + " that the parent does not")
            if problems:
                where = f"{part.origin} ({t.schema}.{part.name})" if part.origin else f"{t.schema}.{part.name}"
                yield Finding(where, "partition-weaker", "error",
                              f"partition {t.schema}.{part.name} of {t.key}: {'; '.join(problems)}: "
                              "a query naming the partition skips the parent's protection",
                              f"ALTER TABLE {t.schema}.{part.name} ENABLE ROW LEVEL SECURITY; REVOKE ALL "
                              f"ON {t.schema}.{part.name} FROM anon, authenticated, PUBLIC")


# -- auth.users columns ------------------------------------------------------------------

_SENSITIVE = ("email", "phone", "encrypted_password", "raw_user_meta_data", "raw_app_meta_data",
              "confirmation_token", "recovery_token", "email_change", "phone_change")


def _sensitive_columns(tree, aliases: set[str]) -> list[str]:
    """auth.users columns a query outputs (`u.email`, `*`, `u.*`, `raw_*`)."""
    out = set()
    for node in walk(tree):
        if isinstance(node, ast.ResTarget) and node.val is not None:
            for ref in walk(node.val):
                col = sqlrefs._column(ref)
                if col is None:
                    continue
                qualifier, name = col
                if qualifier and qualifier not in aliases:
                    continue
                if name == "*" or name in _SENSITIVE or name.startswith("raw_"):
                    out.add(name)
    return sorted(out)


def _users_aliases(tree) -> set[str]:
    return {(n.alias.aliasname if n.alias else n.relname) for n in walk(tree)
            if isinstance(n, ast.RangeVar) and n.schemaname == "auth" and n.relname == "users"}


def _filters_to_caller(tree, callers) -> bool:
    """Whether a query's WHERE only lets the caller's own user row through."""
    for node in walk(tree):
        if isinstance(node, ast.SelectStmt) and node.whereClause is not None and _users_aliases(node):
            if sqlrefs.requires_user(node.whereClause, callers):
                return True
    return False


def auth_users_exposed(catalog, spec, anchors):
    """auth-users-exposed: a view (owner's rights) or SECURITY DEFINER function an API role
    may read or call, in an API schema, outputting auth.users columns (email, phone,
    raw_*), without limiting them to the caller's own row."""
    callers = sqlrefs.caller_functions(catalog.functions)
    exposed = exposed_schemas(spec)
    for v in catalog.views:
        if v.schema not in exposed or v.security_invoker:
            continue
        readers = sorted({g.grantee for g in v.grants if g.grantee in CLIENT_ROLES and "select" in g.privileges})
        if v.grants and not readers:
            continue
        stmts = sqlrefs.parse_query(v.query) or ()
        for tree in stmts:
            aliases = _users_aliases(tree)
            columns = _sensitive_columns(tree, aliases) if aliases else []
            if not columns or _filters_to_caller(tree, callers):
                continue
            yield Finding(_where_view(v), "auth-users-exposed", "error",
                          f"view {v.key} shows auth.users columns ({', '.join(columns)}) of every user to "
                          f"{', '.join(readers) or 'the API roles (default privileges)'}: it runs with its "
                          "owner's rights, who may read auth.users",
                          "keep the columns in a profile table with its own policies, or filter the view "
                          "to `u.id = (select auth.uid())`, and REVOKE SELECT from anon")
            break
    for f in catalog.functions:
        if f.schema not in exposed or not f.security_definer or f.returns.lower() in ("trigger", "event_trigger"):
            continue
        roles = _client_callers(f)
        if not roles:
            continue
        for tree in function_trees(f):
            aliases = _users_aliases(tree)
            columns = _sensitive_columns(tree, aliases) if aliases else []
            if not columns or _filters_to_caller(tree, callers):
                continue
            yield Finding(_where_function(f), "auth-users-exposed", "error",
                          f"SECURITY DEFINER function {f.signature} returns auth.users columns "
                          f"({', '.join(columns)}) to {', '.join(roles)} for any user",
                          f"filter to the caller (`u.id = (select auth.uid())`) or REVOKE EXECUTE ON "
                          f"FUNCTION {f.signature} FROM PUBLIC, anon, authenticated")
            break


LEAK_RULES = (
    self_escalation,
    user_metadata_trust,
    definer_returns_rows,
    partition_weaker,
    auth_users_exposed,
)

