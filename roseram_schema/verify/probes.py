"""Probe statements per persona, and turning their outcomes into matrix cells.

One cell = one persona x table (or view) x command. Inside a cell, every seeded row (select,
update, delete) or every candidate new row (insert) is an observation: accepted or not,
compared with what the contract allows for that row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from ..model import Table, View, quote_ident, quote_literal
from .categories import allowed
from .runner import Outcome
from .seed import Row, SeedGap, World, insert_sql, row_label
from .spec import Persona

ALLOWED, DENIED, LEAK, BLOCKED, ERROR = "allowed", "denied", "LEAK", "BLOCKED", "ERROR"
FAILING = (LEAK, BLOCKED, ERROR)


@dataclass
class Cell:
    """The verdict of one persona x table x command, with the evidence."""

    table: str
    persona: str
    command: str
    verdict: str = DENIED
    details: list[str] = field(default_factory=list)
    observations: list[tuple[Row, bool]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (sqlstate, message)
    notes: list[str] = field(default_factory=list)  # e.g. "no INSERT privilege for anon"
    moved: bool = False  # an UPDATE handed a row to someone outside the contract

    @property
    def failed(self) -> bool:
        """LEAK, BLOCKED or ERROR."""
        return self.verdict in FAILING


@dataclass(frozen=True)
class Attempt:
    """One statement of a cell and what it is about."""

    table: str
    command: str  # select, insert, update, delete, move
    sql: str
    row: Row | None = None  # the seeded row (update/delete/move) or the new row (insert)
    new: Row | None = None  # move: the row as it would be after the update
    rows: tuple = ()  # a batch update/delete: every seeded row of the table
    note: str = ""  # adversarial attempts: what got through, in words
    expected: bool | None = None  # adversarial attempts: whether the contract allows it


# adversarial commands (adversary.py) and the cell they count in
ADVERSARIAL = {"forge": "insert", "insert-path": "insert", "forge-update": "update",
               "fixed": "update", "pull": "update", "dry-update": "update", "dry-delete": "delete",
               "blind": "update", "attach": "update"}


def where_ident(world: World, table: Table, row: Row) -> str:
    """The WHERE condition that picks exactly this seeded row."""
    cols = world.ident_columns(table.key)
    return " AND ".join(f"{quote_ident(c)} = {row.values[c]}" for c in cols)


def select_sql(world: World, table: Table) -> str:
    """A SELECT returning the identity of every row the caller sees, as JSON."""
    cols = world.ident_columns(table.key)
    arr = ", ".join(f"{quote_ident(c)}::text" for c in cols)
    return f"SELECT coalesce(json_agg(ARRAY[{arr}])::text, '[]') FROM {table.qualified}"


def view_sql(view: View) -> str:
    """A SELECT returning every row of the view the caller sees, as JSON."""
    return f"SELECT coalesce(json_agg(to_jsonb(v))::text, '[]') FROM {view.qualified} v"


def touch_column(table: Table, world: World) -> str:
    """A column an UPDATE can set to itself (not generated, preferably not a key). Where
    some columns carry their own UPDATE grant (`GRANT UPDATE (c)`), one of them: a role may
    hold only those, and an UPDATE of another column would be refused for the column, not
    by the policies, and read as BLOCKED."""
    keys = set(world.ident_columns(table.key))
    fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
    usable = [c for c in table.columns if not c.generated and c.identity != "always"]
    updatable = [c for c in usable if any("update" in g.privileges for g in c.grants)]
    usable = updatable or usable
    for c in usable:
        if c.name not in keys and c.name not in fk_cols:
            return c.name
    return usable[0].name


def insert_attempts(world: World, persona: Persona, table: Table) -> list[Attempt]:
    """One INSERT per owner x tenant x public combination."""
    out = []
    for owner, tenant, public in world.insert_slots(table.key):
        try:
            row = world.probe_row(table.key, owner, tenant, public, persona.name if persona.user else None)
        except SeedGap:
            continue
        out.append(Attempt(table.key, "insert", insert_sql(table, row), row))
    return out


def row_attempts(world: World, table: Table, command: str) -> list[Attempt]:
    """One UPDATE (`SET c = c`) or DELETE per seeded row."""
    col = quote_ident(touch_column(table, world))
    out = []
    for row in world.rows.get(table.key, []):
        where = where_ident(world, table, row)
        text = (f"UPDATE {table.qualified} SET {col} = {col} WHERE {where}" if command == "update"
                else f"DELETE FROM {table.qualified} WHERE {where}")
        out.append(Attempt(table.key, command, text, row))
    return out


def batch_attempt(world: World, table: Table, command: str) -> Attempt | None:
    """One UPDATE or DELETE over every seeded row; the touched() trigger says which changed."""
    rows = world.rows.get(table.key, [])
    if not rows:
        return None
    cols = world.ident_columns(table.key)
    if len(cols) == 1:
        where = f"{quote_ident(cols[0])} IN ({', '.join(r.values[cols[0]] for r in rows)})"
    else:
        where = " OR ".join(f"({where_ident(world, table, r)})" for r in rows)
    col = quote_ident(touch_column(table, world))
    text = (f"UPDATE {table.qualified} SET {col} = {col} WHERE {where}" if command == "update"
            else f"DELETE FROM {table.qualified} WHERE {where}")
    return Attempt(table.key, command, text, rows=tuple(rows))


def first_attempts(world: World, persona: Persona, tables: list[Table], granted=None) -> list[Attempt]:
    """select, insert, update and delete statements for one persona; commands the grants do
    not allow (`granted`: set of (table, command), None = all) get none."""
    out: list[Attempt] = []
    for table in tables:
        key = table.key
        def ok(command):
            return granted is None or (key, command) in granted
        if ok("select"):
            out.append(Attempt(key, "select", select_sql(world, table)))
        if ok("insert"):
            out += insert_attempts(world, persona, table)
        for command in ("update", "delete"):
            if ok(command):
                batch = batch_attempt(world, table, command)
                if batch:
                    out.append(batch)
    return out


def move_attempts(world: World, persona: Persona, table: Table, row: Row) -> list[Attempt]:
    """UPDATEs that try to hand a row the persona could update to someone it has no rights on."""
    a = world.anchors[table.key]
    out = []
    users = [p for p in world.spec.users() if p.name not in (persona.name, row.owner)]
    mine = set(persona.tenant_labels())
    strangers = ([p.name for p in users if not mine & set(p.tenant_labels())]
                 + [p.name for p in users if mine & set(p.tenant_labels())])
    # tenants the persona is not in first; then those it holds another rank in (judged per tenant)
    tenants = ([t for t in world.spec.tenants() if t not in mine and t != row.tenant]
               + [t for t in world.spec.tenants() if t in mine and t != row.tenant
                  and persona.rank_in(t) != persona.rank_in(row.tenant)])
    where = where_ident(world, table, row)
    targets = []
    if a.owner and a.tenant and a.owner.column == a.tenant.column:
        for parent in world.rows.get(a.owner.via, []):
            if parent.owner != row.owner and parent.tenant not in mine and parent.owner != persona.name:
                targets.append((a.owner.column, parent.raw, parent.owner, parent.tenant, a.owner.via))
                break
    else:
        if a.owner and strangers and a.kind != "tenants":
            target = _anchor_value(world, a.owner, owner=strangers[0])
            if target:
                targets.append((a.owner.column, target, strangers[0], row.tenant, a.owner.via))
        if a.tenant and a.tenant.column != "*" and tenants:
            target = _anchor_value(world, a.tenant, tenant=tenants[0])
            if target:
                targets.append((a.tenant.column, target, row.owner, tenants[0], a.tenant.via))
    for column, target_raw, owner, tenant, via in targets:
        fk = next(f for f in table.foreign_keys if f.columns == (column,))
        value = target_raw[fk.ref_columns[0]]
        col = table.column(column)
        literal = f"{quote_literal(value)}::{col.type}"
        new = replace(row, owner=owner, tenant=tenant, label=row_label(owner, tenant, row.public))
        sql_text = f"UPDATE {table.qualified} SET {quote_ident(column)} = {literal} WHERE {where}"
        out.append(Attempt(table.key, "move", sql_text, row, new))
    return out


def _anchor_value(world: World, path, owner=None, tenant=None) -> dict | None:
    if path.via is None and owner is not None:
        return _user_raw(world, owner)
    key = path.via or world.spec.tenancy.tenants
    for r in world.rows.get(key, []):
        if (owner is None or r.owner == owner) and (tenant is None or r.tenant == tenant):
            return r.raw
    return None


def _user_raw(world: World, owner: str) -> dict:
    users = world.spec.tenancy.users
    for r in world.rows.get(users, []):
        if r.owner == owner:
            return r.raw
    return {}


class CellBuilder:
    """Collects observations per (table, command) for one persona and decides verdicts."""

    def __init__(self, world: World, persona: Persona):
        self.world = world
        self.persona = persona
        self.cells: dict[tuple[str, str], Cell] = {}

    def cell(self, table: str, command: str) -> Cell:
        """The cell of (table, command), created on first use."""
        key = (table, command)
        if key not in self.cells:
            self.cells[key] = Cell(table, self.persona.name, command)
        return self.cells[key]

    def deny_without_privilege(self, table: str, command: str, role: str) -> None:
        """The role has no privilege for this command: every row is refused, no statement run."""
        cell = self.cell(table, command)
        cell.observations.extend((row, False) for row in self.world.rows.get(table, []))
        if command == "insert":
            for owner, tenant, public in self.world.insert_slots(table):
                try:
                    row = self.world.probe_row(table, owner, tenant, public,
                                               self.persona.name if self.persona.user else None)
                except SeedGap:
                    continue
                cell.observations.append((row, False))
        cell.notes = [f"no {command.upper()} privilege for {role}"]

    def observe(self, attempt: Attempt, outcome: Outcome) -> bool:
        """Record one statement's outcome; False when a batch must be retried row by row."""
        command = "update" if attempt.command == "move" else ADVERSARIAL.get(attempt.command, attempt.command)
        cell = self.cell(attempt.table, command)
        if attempt.command in ("dry-update", "dry-delete"):
            self._observe_dry(cell, attempt, outcome)
            return True
        if attempt.command == "blind":
            self._observe_blind(cell, attempt, outcome)
            return True
        if attempt.command in ADVERSARIAL:
            accepted = (outcome.ok and (outcome.count or 0) > 0) or outcome.passed_policy
            if attempt.command in ("forge", "insert-path") and outcome.ok:
                accepted = True
            if accepted and attempt.expected is False:
                cell.details.append(attempt.note)
                cell.moved = True
            return True
        if attempt.rows:
            if outcome.ok:
                touched = set((outcome.value or "").split("\n"))
                cols = self.world.ident_columns(attempt.table)
                for row in attempt.rows:
                    entry = "|".join((attempt.table, *row.ident(cols)))
                    cell.observations.append((row, entry in touched))
                return True
            if outcome.denied or outcome.passed_policy:
                return False  # one row's check failed: the others are unknown
            cell.errors.append((outcome.state, outcome.message or ""))
            return True
        if not (outcome.ok or outcome.denied or (outcome.passed_policy and attempt.command != "select")):
            cell.errors.append((outcome.state, outcome.message or ""))
            return True
        if attempt.command == "select":
            if outcome.ok and attempt.table in self.world.rows:
                self._observe_select(cell, outcome)
            elif outcome.denied and attempt.table in self.world.rows:
                cell.observations.extend((row, False) for row in self.world.rows[attempt.table])
            return True
        accepted = (outcome.ok and (outcome.count or 0) > 0) or outcome.passed_policy
        if attempt.command == "insert" and outcome.ok:
            accepted = True
        contract = self.world.spec.contract(attempt.table)
        ten = self.world.spec.tenancy
        if attempt.command == "move":
            expected = allowed(contract, "update", self.persona, attempt.row, ten) and allowed(
                contract, "update", self.persona, attempt.new, ten
            )
            if accepted and not expected:
                cell.details.append(
                    f"UPDATE moved row {attempt.row.label} to {attempt.new.label}"
                )
                cell.moved = True
            return True
        cell.observations.append((attempt.row, accepted))
        return True

    def _observe_dry(self, cell: Cell, attempt: Attempt, outcome: Outcome) -> None:
        """A column-free UPDATE/DELETE: every row the policies let it reach must be allowed."""
        contract = self.world.spec.contract(attempt.table)
        if not outcome.ok or self.persona.bypass or contract is None:
            return  # refused as a whole, or nothing to judge: the row probes say the rest
        touched = set((outcome.value or "").split("\n"))
        cols = self.world.ident_columns(attempt.table)
        ten = self.world.spec.tenancy
        reached = [row.label for row in attempt.rows
                   if "|".join((attempt.table, *row.ident(cols))) in touched
                   and not allowed(contract, cell.command, self.persona, row, ten)]
        if reached:
            verb = "UPDATE t SET c = <literal>" if cell.command == "update" else "DELETE FROM t"
            cell.details.append(
                f"{verb} (no WHERE, no column read: SELECT policies do not apply) reached "
                f"{len(reached)} rows outside the contract: {', '.join(reached)}")
            cell.moved = True

    def _observe_blind(self, cell: Cell, attempt: Attempt, outcome: Outcome) -> None:
        """A column-free move: every row it really changed must have been allowed to move."""
        if not outcome.ok or not outcome.count:
            return  # refused (one row's check fails the statement) or nothing reached
        touched = set((outcome.value or "").split("\n"))
        cols = self.world.ident_columns(attempt.table)
        moved = [f"{row.label} to {label}" for row, expected, label in attempt.rows
                 if not expected and "|".join((attempt.table, *row.ident(cols))) in touched]
        if moved:
            cell.details.append(
                f"UPDATE t SET {attempt.note} (no WHERE: SELECT policies neither filter nor check) "
                f"moved rows outside the contract: {', '.join(moved)}")
            cell.moved = True

    def _observe_select(self, cell: Cell, outcome: Outcome) -> None:
        world = self.world
        cols = world.ident_columns(cell.table)
        seen = {tuple(item) for item in json.loads(outcome.value or "[]")}
        for row in world.rows[cell.table]:
            cell.observations.append((row, row.ident(cols) in seen))

    def finish(self) -> list[Cell]:
        """Decide each cell's verdict from its observations."""
        ten = self.world.spec.tenancy
        for (table, command), cell in sorted(self.cells.items()):
            contract = self.world.spec.contract(table)
            leaks, blocked = [], []
            for row, accepted in cell.observations:
                expected = allowed(contract, command, self.persona, row, ten)
                if accepted and not expected:
                    leaks.append(row.label)
                elif expected and not accepted:
                    blocked.append(row.label)
            verb = {"select": "sees", "insert": "inserts", "update": "updates", "delete": "deletes"}[command]
            if contract is None and not self.persona.bypass:
                leaks = []
                blocked = []
            details = list(cell.details)
            if leaks:
                details.insert(0, f"{verb} rows outside the contract: {', '.join(leaks)}")
            if blocked:
                details.append(f"cannot {command} rows the contract allows: {', '.join(blocked)}")
                details.extend(cell.notes)
            cell.details = details
            if cell.errors:
                cell.verdict = ERROR
                state, message = cell.errors[0]
                cell.details.insert(0, f"{message} [{state}]")
            elif leaks or cell.moved:
                cell.verdict = LEAK
            elif blocked:
                cell.verdict = BLOCKED
            elif any(accepted for _, accepted in cell.observations):
                cell.verdict = ALLOWED
            else:
                cell.verdict = DENIED
        return [self.cells[k] for k in sorted(self.cells)]
