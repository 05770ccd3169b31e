"""Proving self-escalation and trust in user_metadata (docs/verify.md "Leaks").

Self-escalation: for every column the authorization
trusts (lint/leaks.trusted_columns: a policy or SECURITY DEFINER function reads it in a
caller lookup; the members table's rank column), each user persona sets it, on its own seeded
row, to each privileged value the policies compare it with, and then counts the rows it
reads in every probed table, all inside one subtransaction that is rolled back. A count that
grows is finding `self-escalation` with the rows gained. user_metadata: each user persona
puts into its JWT's `user_metadata` the values the policies compare it with and counts again.
"""

from __future__ import annotations

import json
from dataclasses import replace

from pglast import ast
from pglast.enums import A_Expr_Kind

from ..lint import sqlrefs
from ..lint.findings import Finding
from ..lint.leaks import function_trees, own_row_updaters, pins, trusted_columns, user_columns
from ..model import quote_ident, quote_literal
from ..source.relations import walk
from .facts import HELPER_SCHEMA
from .runner import run_as

ESCALATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {HELPER_SCHEMA}.escalate(upd text, tables text[]) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
  c bigint := 0;
  n bigint;
  t text;
  counts jsonb := '{{}}';
BEGIN
  IF upd <> '' THEN
    EXECUTE upd;
    GET DIAGNOSTICS c = ROW_COUNT;
  END IF;
  FOREACH t IN ARRAY tables LOOP
    BEGIN
      EXECUTE 'SELECT count(*) FROM ' || t INTO n;
    EXCEPTION WHEN OTHERS THEN
      n := -1;  -- no privilege, or a policy error: not a gain either way
    END;
    counts := counts || jsonb_build_object(t, n);
  END LOOP;
  RETURN c || '|' || counts::text;
END
$fn$;
GRANT EXECUTE ON FUNCTION {HELPER_SCHEMA}.escalate(text, text[]) TO PUBLIC;
"""


def _compared_literals(catalog, column: str) -> list[str]:
    """SQL literals the policies and SECURITY DEFINER functions compare `column` with
    (`role = 'admin'`, `rank IN ('owner', 'admin')`)."""
    trees = [sqlrefs.parse_expression(x) for t in catalog.tables for p in t.policies
             for x in (p.using, p.with_check) if x]
    trees += [tree for f in catalog.functions if f.security_definer for tree in function_trees(f)]
    out: dict[str, None] = {}
    for tree in trees:
        for node in walk(tree) if tree is not None else ():
            if not isinstance(node, ast.A_Expr):
                continue
            left = sqlrefs._column(sqlrefs._strip(node.lexpr))
            if left is None or left[1] != column:
                continue
            right = node.rexpr if isinstance(node.rexpr, (tuple, list)) else (node.rexpr,)
            for r in right:
                for item in walk(r):
                    lit = sqlrefs._literal(item) if isinstance(item, ast.A_Const) else None
                    if lit is not None:
                        out[quote_literal(lit[1]) if lit[0] == "string" else lit[1]] = None
    return list(out)


def _privileged_values(catalog, spec, table, column) -> list[str]:
    col = table.column(column)
    values = _compared_literals(catalog, column)
    if col is not None and col.type == "boolean":
        values.append("true")
    ten = spec.tenancy
    if ten.members == table.key and ten.members_role == column and ten.ranks:
        values.append(quote_literal(ten.ranks[0]))
    if col is not None:
        for enum in catalog.enums:
            if col.type in (enum.name, f"{enum.schema}.{enum.name}"):
                values.extend(quote_literal(v) for v in enum.values[:1])
    return list(dict.fromkeys(values))


def _dependents(catalog, key: str) -> set[str]:
    """Tables whose policies read `key`, directly or through functions (at any depth): the
    only ones a change to a row of `key` can open."""
    bodies = {f: function_trees(f) for f in catalog.functions}
    readers: set[str] = set()
    changed = True
    while changed:
        changed = False
        for f, trees in bodies.items():
            names = {f.name.lower(), f"{f.schema}.{f.name}".lower()}
            if names <= readers:
                continue
            if any(key in sqlrefs.tables_read(tree, f.schema)
                   or {n.split(".")[-1] for n in sqlrefs.function_calls(tree)} & readers for tree in trees):
                readers |= names
                changed = True
    out = {key}
    for t in catalog.tables:
        for p in t.policies:
            for text in (p.using, p.with_check):
                tree = sqlrefs.parse_expression(text) if text else None
                if tree is not None and (key in sqlrefs.tables_read(tree, t.schema)
                                         or sqlrefs.function_calls(tree) & readers):
                    out.add(t.key)
    return out


def install_escalate(conn) -> None:
    """The escalate() helper, unless there already (a kept verify database gets it with the
    checker's other helpers: nothing the check commits afterwards may change its catalog)."""
    if conn.execute(f"SELECT to_regprocedure('{HELPER_SCHEMA}.escalate(text, text[])') IS NULL").fetchone()[0]:
        conn.execute(ESCALATE_FUNCTION)


def escalation_findings(conn, world, spec, tables) -> list[Finding]:
    """Set each trusted column of each user persona's own row to each privileged value and
    count what the persona reads before and after."""
    trusts: dict[tuple[str, str], None] = {}
    for trust in trusted_columns(world.catalog):
        trusts[(trust.table, trust.column)] = None
    ten = spec.tenancy
    if ten.members and ten.members_role:
        trusts[(ten.members, ten.members_role)] = None
    probed = [t for t in tables if world.rows.get(t.key)]
    if not trusts or not probed:
        return []
    install_escalate(conn)
    callers = sqlrefs.caller_functions(world.catalog.functions)
    findings = []
    for key, column in sorted(trusts):
        table = world.table(key) if key in world.rows else None
        if table is None or table.column(column) is None:
            continue
        # only where a policy lets the row's own user update it without pinning the column
        # (as lint's rule): a rank an admin may change on others' rows is the contract's business
        updaters = own_row_updaters(table, callers, user_columns(table, spec, world.anchors))
        if all(pins(p.with_check if p.with_check is not None else p.using, table, column) for p in updaters):
            continue
        values = _privileged_values(world.catalog, spec, table, column)
        opened = _dependents(world.catalog, key)
        counts = "ARRAY[" + ", ".join(quote_literal(t.qualified) for t in probed if t.key in opened) + "]::text[]"
        ident = world.ident_columns(key)
        for persona in spec.users():
            if persona.bypass:
                continue
            mine = [r for r in world.rows[key] if r.owner == persona.name]
            if not mine or not values:
                continue
            where = " AND ".join(f"{quote_ident(c)} = {quote_literal(v)}" for c, v in zip(ident, mine[0].ident(ident)))
            statements = [f"SELECT {HELPER_SCHEMA}.escalate('', {counts})"]
            statements += [
                f"SELECT {HELPER_SCHEMA}.escalate("
                f"{quote_literal(f'UPDATE {table.qualified} SET {quote_ident(column)} = {v} WHERE {where}')}, "
                f"{counts})" for v in values]
            outcomes = run_as(conn, persona, world.user_ids.get(persona.name), statements)
            if not outcomes or not outcomes[0].ok:
                continue
            before = json.loads(outcomes[0].value.split("|", 1)[1])
            for value, outcome in zip(values, outcomes[1:]):
                if not outcome.ok:
                    continue
                changed, after = outcome.value.split("|", 1)
                after = json.loads(after)
                gained = {t: after[t] - before.get(t, 0) for t in after if after[t] > before.get(t, 0)}
                if changed != "0" and gained:
                    findings.append(Finding(
                        key, "self-escalation", "error",
                        f"{persona.name} set {column} = {value} on its own row of {key} and then read "
                        + ", ".join(f"{n} more row{'s' if n != 1 else ''} of {t}" for t, n in sorted(gained.items())),
                        f"grant UPDATE on the other columns only, keep {column} with a BEFORE UPDATE "
                        "trigger, or keep it in a table users cannot write"))
                    break
    return findings


def _metadata_claims(catalog) -> dict[tuple[str, object], list[str]]:
    """(key, value) -> policies (`table policy 'name'`) of each `auth.jwt() -> 'user_metadata'
    ->> 'key' = <value>` comparison (the value a user would write into its own metadata)."""
    out: dict[tuple[str, object], list[str]] = {}
    for t in catalog.tables:
        for p in t.policies:
            for text in (p.using, p.with_check):
                tree = sqlrefs.parse_expression(text) if text else None
                for node in walk(tree) if tree is not None else ():
                    if not sqlrefs._is_op(node, "=", A_Expr_Kind.AEXPR_OP):
                        continue
                    for side, other in ((node.lexpr, node.rexpr), (node.rexpr, node.lexpr)):
                        key = _metadata_key(sqlrefs._strip(side))
                        value = _constant(sqlrefs._strip(other))
                        if key is not None and value is not None:
                            out.setdefault((key, value), []).append(f"{t.key} policy {p.name!r}")
    return out


def _metadata_key(node) -> str | None:
    """'key' of `<jwt> -> 'user_metadata' ->> 'key'`."""
    if not (isinstance(node, ast.A_Expr) and node.name and node.name[-1].sval in ("->>", "->")):
        return None
    inner = sqlrefs._strip(node.lexpr)
    if not (isinstance(inner, ast.A_Expr) and inner.name and inner.name[-1].sval == "->"):
        return None
    if _constant(sqlrefs._strip(inner.rexpr)) != "user_metadata":
        return None
    if not any(sqlrefs._is_auth_call(n, ("jwt",)) for n in walk(inner.lexpr)):
        return None
    key = _constant(sqlrefs._strip(node.rexpr))
    return key if isinstance(key, str) else None


def _constant(node):
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.Boolean):
        return bool(node.val.boolval)
    lit = sqlrefs._literal(node)
    return lit[1] if lit is not None else None


def metadata_findings(conn, world, spec, tables) -> list[Finding]:
    """Prove user-metadata-trust: each user persona writes into its own user_metadata claim
    each value a policy compares it with (what supabase.auth.updateUser lets anyone do) and
    counts what it reads before and after."""
    pairs = _metadata_claims(world.catalog)
    probed = [t for t in tables if world.rows.get(t.key)]
    if not pairs or not probed:
        return []
    install_escalate(conn)
    # only the tables whose policies compare the metadata can open
    opened = {w.split(" policy ")[0] for where in pairs.values() for w in where}
    counts = "ARRAY[" + ", ".join(quote_literal(t.qualified) for t in probed if t.key in opened) + "]::text[]"
    statement = f"SELECT {HELPER_SCHEMA}.escalate('', {counts})"
    findings = []
    for persona in spec.users():
        if persona.bypass:
            continue
        uid = world.user_ids.get(persona.name)
        [before] = run_as(conn, persona, uid, [statement])
        if not before.ok:
            continue
        base = json.loads(before.value.split("|", 1)[1])
        for (key, value), where in sorted(pairs.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
            claims = dict(persona.claims)
            claims["user_metadata"] = {**(claims.get("user_metadata") or {}), key: value}
            forged = replace(persona, claims=tuple(sorted(claims.items())))
            [after] = run_as(conn, forged, uid, [statement])
            if not after.ok:
                continue
            now = json.loads(after.value.split("|", 1)[1])
            gained = {t: now[t] - base.get(t, 0) for t in now if now[t] > base.get(t, 0)}
            if gained:
                findings.append(Finding(
                    sorted(set(where))[0], "user-metadata-trust", "error",
                    f"{persona.name} wrote user_metadata {json.dumps({key: value})} (supabase.auth.updateUser "
                    "lets every user) and then read "
                    + ", ".join(f"{n} more row{'s' if n != 1 else ''} of {t}" for t, n in sorted(gained.items())),
                    "decide from app_metadata (`auth.jwt() -> 'app_metadata'`, server-only) or a table users "
                    "cannot write"))
                break
    return findings
