"""Writing through updatable views as every persona (docs/verify.md "Leaks",
`view-write-through`): a view PostgreSQL updates by itself checks its base table's RLS as the
view's owner unless it has `security_invoker`, so its writes may reach rows the table's own
policies refuse the persona.

For each such view of an API schema over a probed table (lint/updatable_views.updatable_view,
read from the scratch database), every persona that does not bypass RLS runs, each in a
rolled-back subtransaction: a column-free UPDATE and a DELETE without WHERE, once on the table
and once through the view (dry: the dry() trigger records each row reached and skips it), the
INSERTs of the table's insert probes (other owners' and tenants' rows included) through the
view, and the moves of probes.move_attempts (a row handed to another owner or tenant) on the
table and through the view. A row written through the view that the same statement on the
table does not write, and that the contract does not allow (no contract: any), is the finding.
"""

from __future__ import annotations

from ..lint.findings import Finding
from ..lint.leaks import exposed_schemas
from ..lint.updatable_views import updatable_view
from ..model import quote_ident
from ..platform import is_platform_schema
from .categories import allowed
from .probes import move_attempts
from .runner import run_as
from .seed import SeedGap, insert_sql

_VERB = {"insert": "INSERT placed", "update": "UPDATE reached", "delete": "DELETE reached",
         "move": "UPDATE moved"}


# views PostgreSQL itself would INSERT, UPDATE or DELETE through (the bits of those commands)
_UPDATABLE = """
SELECT n.nspname || '.' || c.relname FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'v' AND n.nspname = ANY(%s) AND pg_catalog.pg_relation_is_updatable(c.oid, false) & 28 <> 0
"""


def _views(conn, world, spec, tables):
    """The updatable views of the API schemas over a seeded table: the parse says which table
    and columns, the server confirms that it updates the view itself."""
    probed = {t.key for t in tables if world.rows.get(t.key)}
    exposed = sorted(s for s in exposed_schemas(spec) if not is_platform_schema(s))
    candidates = [v for v in world.catalog.views if v.schema in exposed]
    if not candidates:
        return []
    updatable = {row[0] for row in conn.execute(_UPDATABLE, (exposed,))}
    out = []
    for v in candidates:
        found = updatable_view(v, world.catalog) if v.key in updatable else None
        if found is not None and found.base.key in probed and found.columns:
            out.append(found)
    return out


def _set_column(found, world) -> str | None:
    """A base column the view exposes that an UPDATE can set to itself."""
    keys = set(world.ident_columns(found.base.key))
    usable = [c for c in found.base.columns if c.name in found.columns and not c.generated
              and c.identity != "always"]
    for c in usable:
        if c.name not in keys:
            return c.name
    return usable[0].name if usable else None


def _insert_through(found, row) -> str | None:
    """The INSERT of a probe row through the view, or None when the view hides a column the
    row's placement needs (a foreign key, or a NOT NULL column without a default)."""
    base = found.base
    fk_cols = {c for fk in base.foreign_keys for c in fk.columns}
    cols = []
    for name in row.values:
        if name in found.columns:
            cols.append(name)
            continue
        col = base.column(name)
        if name in fk_cols or (col is not None and not col.nullable and col.default is None
                               and not col.identity and not col.generated):
            return None
    if not cols:
        return None
    return (f"INSERT INTO {found.view.qualified} ({', '.join(quote_ident(found.columns[c]) for c in cols)}) "
            f"VALUES ({', '.join(row.values[c] for c in cols)})")


def _same_names(found, world) -> bool:
    """Whether the view shows the table's key, owner and tenant columns under their own names
    (the moves of probes.move_attempts then run through the view as written)."""
    a = world.anchors[found.base.key]
    needed = set(world.ident_columns(found.base.key)) | {p.column for p in (a.owner, a.tenant) if p}
    return all(found.columns.get(c) == c for c in needed)


def _probe_rows(world, persona, key):
    """The rows the persona's INSERT probes of the table try (probes.insert_attempts)."""
    out = []
    for owner, tenant, public in world.insert_slots(key):
        try:
            out.append(world.probe_row(key, owner, tenant, public, persona.name if persona.user else None))
        except SeedGap:
            continue
    return out


def view_write_findings(conn, world, spec, tables) -> list[Finding]:
    """Write through every updatable view as every persona; compare with the table."""
    views = _views(conn, world, spec, tables)
    if not views:
        return []
    ten = spec.tenancy
    found_by_view: dict[str, list[str]] = {}
    for persona in spec.personas:
        if persona.bypass:
            continue
        statements, plan = [], []
        for found in views:
            base, view = found.base.qualified, found.view.qualified
            column = _set_column(found, world)
            if column is not None:
                vcol = quote_ident(found.columns[column])
                statements += [f"/*dry*/ UPDATE {base} SET {quote_ident(column)} = {quote_ident(column)}",
                               f"/*dry*/ UPDATE {view} SET {vcol} = {vcol}"]
                plan.append((found, "update", None))
            statements += [f"/*dry*/ DELETE FROM {base}", f"/*dry*/ DELETE FROM {view}"]
            plan.append((found, "delete", None))
            if _same_names(found, world):
                for row in world.rows.get(found.base.key, []):
                    for move in move_attempts(world, persona, found.base, row):
                        statements += [move.sql, f"UPDATE {view} " + move.sql[len(f"UPDATE {base} "):]]
                        plan.append((found, "move", move))
            for row in _probe_rows(world, persona, found.base.key):
                through = _insert_through(found, row)
                if through is not None:
                    statements += [insert_sql(found.base, row), through]
                    plan.append((found, "insert", row))
        outcomes = run_as(conn, persona, world.user_ids.get(persona.name), statements)
        reached: dict[tuple[str, str], list[str]] = {}
        # plan: (view, command, the insert's Row or the move's Attempt), one pair of statements each
        for (found, command, row), direct, through in zip(plan, outcomes[0::2], outcomes[1::2]):
            contract = spec.contract(found.base.key)
            if command == "move":
                moved = through.ok and (through.count or 0) > 0
                if moved and not (direct.ok and (direct.count or 0) > 0) and not (
                        allowed(contract, "update", persona, row.row, ten)
                        and allowed(contract, "update", persona, row.new, ten)):
                    reached.setdefault((found.view.key, command), []).append(
                        f"{row.row.label} to {row.new.label}")
                continue
            if command == "insert":
                ok_direct = direct.ok or direct.passed_policy
                # not a constraint error: a view's CHECK OPTION is checked after the constraints
                ok_through = through.ok
                if ok_through and not ok_direct and not allowed(contract, command, persona, row, ten):
                    reached.setdefault((found.view.key, command), []).append(row.label)
                continue
            if not through.ok:
                continue
            cols = world.ident_columns(found.base.key)
            via_table = set((direct.value or "").split("\n")) if direct.ok else set()
            via_view = set((through.value or "").split("\n"))
            for seeded in world.rows.get(found.base.key, []):
                entry = "|".join((found.base.key, *seeded.ident(cols)))
                if entry in via_view and entry not in via_table \
                        and not allowed(contract, command, persona, seeded, ten):
                    reached.setdefault((found.view.key, command), []).append(seeded.label)
        for (view_key, command), labels in sorted(reached.items()):
            found_by_view.setdefault(view_key, []).append(
                f"{persona.name}'s {_VERB[command]} {len(labels)} row{'s' if len(labels) > 1 else ''} "
                f"({', '.join(labels)})")
    out = []
    for found in views:
        what = found_by_view.get(found.view.key)
        if what:
            out.append(Finding(found.view.key, "view-write-through", "error",
                               f"written through view {found.view.key}, which runs with its owner's rights, "
                               f"rows the policies of {found.base.key} refuse: " + "; ".join(what),
                               f"ALTER VIEW {found.view.key} SET (security_invoker = true), or REVOKE INSERT, "
                               f"UPDATE, DELETE ON {found.view.key} FROM anon, authenticated"))
    return out
