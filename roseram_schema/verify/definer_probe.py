"""Calling SECURITY DEFINER functions of the API schemas as every persona (docs/verify.md
"Leaks"): such a function reads tables without RLS, so it is called with the ids of every
seeded row, other tenants' included, and a returned row the persona cannot select from its
own table is a leak (finding `definer-leaks`).

Read from the scratch database itself (which functions are SECURITY DEFINER, what they
return, their argument types); calls run through the runner, rolled back.
"""

from __future__ import annotations

import json
import re

from ..errors import DatabaseError
from ..lint.findings import Finding
from ..lint.leaks import exposed_schemas
from ..model import quote_literal
from .runner import run_as

_DEFINERS = """
SELECT n.nspname || '.' || p.proname || '(' || array_to_string(p.proargtypes::regtype[]::text[], ', ') || ')',
       quote_ident(n.nspname) || '.' || quote_ident(p.proname), p.proargtypes::regtype[]::text[],
       ARRAY(SELECT r FROM unnest(%s::text[]) r WHERE pg_catalog.has_function_privilege(r, p.oid, 'EXECUTE'))
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_type t ON t.oid = p.prorettype
WHERE p.prosecdef AND p.prokind = 'f' AND n.nspname = ANY(%s) AND p.provariadic = 0
  AND (p.proretset OR t.typtype = 'c' OR p.prorettype = 'pg_catalog.record'::regtype)
  AND p.prorettype NOT IN ('pg_catalog.trigger'::regtype, 'pg_catalog.event_trigger'::regtype)
ORDER BY 1
"""

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_INTEGER = re.compile(r"^-?[0-9]+$")
_TYPES = {
    "uuid": _UUID.match,
    "integer": _INTEGER.match, "bigint": _INTEGER.match, "smallint": _INTEGER.match,
    "text": bool, "character varying": bool,
}
MAX_CALLS = 400  # per function and persona; more argument combinations are sampled in order


def _seeded_values(world) -> list[str]:
    """Every seeded row's single-column key and every user id, in a fixed order."""
    out = dict.fromkeys(sorted(world.user_ids.values()))
    for key in sorted(world.rows):
        cols = world.ident_columns(key)
        if len(cols) == 1:
            out.update(dict.fromkeys(r.raw.get(cols[0], "") for r in world.rows[key]))
    out.pop("", None)
    return list(out)


def _calls(name: str, types: list[str], values: list[str]) -> list[str] | None:
    """`SELECT ... FROM f(<value>::type, ...)` for each combination of seeded values that fit
    the argument types (None when an argument type cannot be filled)."""
    pools = []
    for t in types:
        fits = _TYPES.get(t)
        if fits is None:
            return None
        pools.append([f"{quote_literal(v)}::{t}" for v in values if fits(v)])
    combos: list[list[str]] = [[]]
    for pool in pools:
        combos = [c + [v] for c in combos for v in pool][:MAX_CALLS]
    return [f"SELECT coalesce(json_agg(to_jsonb(r))::text, '[]') FROM {name}({', '.join(c)}) r"
            for c in combos]


def definer_findings(conn, world, spec, cells) -> list[Finding]:
    """Call every SECURITY DEFINER function of the API schemas that returns rows as every
    persona allowed to execute it (bypassing personas left out); a returned key of a seeded
    row the persona cannot select is a leak."""
    roles = sorted({p.role for p in spec.personas if not p.bypass})
    functions = conn.execute(_DEFINERS, (roles, sorted(exposed_schemas(spec)))).fetchall()
    if not functions:
        return []
    visible: dict[tuple[str, str], set] = {}
    for cell in cells:
        if cell.command == "select" and not cell.errors:
            visible[(cell.persona, cell.table)] = {id(row) for row, seen in cell.observations if seen}
    by_key: dict[str, tuple[str, object]] = {}
    for key, rows in world.rows.items():
        cols = world.ident_columns(key)
        if len(cols) == 1 and world.anchors[key].kind != "users":
            for row in rows:
                by_key[row.raw.get(cols[0], "")] = (key, row)
    values = _seeded_values(world)
    findings = []
    for signature, name, types, callers in functions:
        if not callers:
            continue
        calls = _calls(name, list(types), values)
        if calls is None:
            findings.append(Finding(signature, "definer-not-probed", "info",
                                    f"SECURITY DEFINER function {signature} was not called: verify cannot "
                                    f"fill an argument of type {', '.join(t for t in types if t not in _TYPES)}",
                                    "check by hand that it returns only the caller's rows"))
            continue
        for persona in spec.personas:
            if persona.bypass or persona.role not in callers:
                continue
            leaked = set()
            try:
                outcomes = run_as(conn, persona, world.user_ids.get(persona.name), calls)
            except DatabaseError as exc:  # the statement timeout: one slow function stops no run
                findings.append(Finding(signature, "definer-not-probed", "warning",
                                        f"calling SECURITY DEFINER function {signature} as {persona.name} "
                                        f"did not finish: {exc}", "check by hand that it returns only the "
                                        "caller's rows"))
                continue
            for outcome in outcomes:
                if not outcome.ok:
                    continue  # no EXECUTE, or the function refused
                for item in json.loads(outcome.value or "[]"):
                    for value in (item.values() if isinstance(item, dict) else [item]):
                        hit = by_key.get(str(value)) if value is not None else None
                        if hit is None:
                            continue
                        seen = visible.get((persona.name, hit[0]))
                        if seen is None or id(hit[1]) not in seen:
                            leaked.add(f"{hit[0]} {hit[1].label}")
            if leaked:
                findings.append(Finding(signature, "definer-leaks", "error",
                                        f"called as {persona.name} with other rows' ids, SECURITY DEFINER "
                                        f"function {signature} returned rows {persona.name} cannot select: "
                                        + ", ".join(sorted(leaked)),
                                        "filter on (select auth.uid()) inside the function, make it SECURITY "
                                        "INVOKER, or REVOKE EXECUTE from the API roles"))
    return findings
