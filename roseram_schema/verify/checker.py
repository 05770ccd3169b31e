"""The isolation checker: seed a scratch database, probe it as every persona, judge.

`check_database` works on a database that already holds the schema (built by the caller
from the source or from a live database's schema) and that nothing else uses: it inserts
the seeded rows and a helper function there. It never touches any other database.
"""

from __future__ import annotations

import json
import queue
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import psycopg

from ..errors import Origin, Problem, SourceError
from ..lint.findings import Finding
from ..platform import is_platform_schema
from .anchors import derive_anchors
from .adversary import blind_moves, dry_attempts, insert_forgeries, pull_attempts, update_forgeries
from .blame import blame_leaks
from .definer_probe import definer_findings
from .escalation_probe import escalation_findings, metadata_findings
from .hidden import check_contract_columns, hidden_column_leaks
from .facts import read_facts
from .partition_probe import partition_findings
from .probes import (ALLOWED, DENIED, ERROR, LEAK, Cell, CellBuilder, first_attempts, move_attempts,
                     row_attempts, view_sql)
from .runner import install_runner, install_touch_triggers, read_privileges, run_as
from .storage_probe import storage_findings
from .view_write_probe import view_write_findings
from .seed import World, build_world, fk_order, insert_sql
from .spec import COMMANDS, Spec
from .static import static_findings


@dataclass
class Report:
    """Everything verify observed and concluded."""

    personas: tuple[str, ...]
    tables: tuple[str, ...]
    views: tuple[str, ...]
    cells: list[Cell]
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    world: World | None = None
    timings: dict = field(default_factory=dict)  # phase -> seconds (run_verify)

    @property
    def probes(self) -> int:
        """Number of cells (persona x table x command, persona x view)."""
        return len(self.cells)

    @property
    def failed(self) -> int:
        """Cells that are LEAK, BLOCKED or ERROR."""
        return sum(1 for c in self.cells if c.failed)

    @property
    def passed(self) -> int:
        """Cells that hold."""
        return self.probes - self.failed

    @property
    def ok(self) -> bool:
        """Nothing leaks, is blocked or errors, and no finding has error severity."""
        return self.failed == 0 and not any(f.severity == "error" for f in self.findings)


def probed_tables(world: World) -> list:
    """Tables outside the platform schemas: the ones probed."""
    return [t for t in world.catalog.tables if not is_platform_schema(t.schema)]


def check_tenancy(catalog, spec: Spec) -> None:
    """The tables and columns `personas.tenancy` names must exist; raise SourceError if not."""
    ten = spec.tenancy
    wanted = [("users", ten.users, ())]
    if ten.tenants:
        wanted.append(("tenants", ten.tenants, tuple(c for c in (ten.tenants_owner,) if c)))
    if ten.members:
        wanted.append(("members", ten.members,
                       tuple(c for c in (ten.members_tenant, ten.members_user, ten.members_role) if c)))
    problems = []
    for what, key, columns in wanted:
        table = catalog.table(key)
        if table is None:
            problems.append(Problem(Origin("project.yaml"), f"personas.tenancy.{what}",
                                    f"table {key} does not exist in the schema"))
            continue
        for column in columns:
            if table.column(column) is None:
                problems.append(Problem(Origin("project.yaml"), f"personas.tenancy.{what}",
                                        f"table {key} has no column {column}"))
    if problems:
        raise SourceError(problems)


def seed_database(conn, world: World) -> None:
    """Insert the seeded rows as the (superuser) connection, parents first; record failures."""
    for key in fk_order(world.catalog):
        table = world.catalog.table(key)
        kept = []
        for row in world.rows.get(key, []):
            for candidate in (row, row.plain):
                if candidate is None:
                    continue
                try:
                    with conn.transaction():
                        conn.execute(insert_sql(table, candidate))
                    kept.append(candidate)
                    break
                except Exception as exc:  # psycopg errors: the message names the constraint
                    if candidate.plain is None:
                        world.gaps.setdefault(key, f"seeding row {row.label} failed: {str(exc).strip()}")
        world.rows[key] = kept


def check_database(conn, spec: Spec, url: str | None = None, workers: int = 3,
                   storage_policies=None) -> Report:
    """Seed, probe every persona x table x command, and judge against the contracts.

    With `url` (the same scratch database), personas are probed on up to `workers`
    connections at once. `storage_policies`: a live database's storage.objects policies, for
    the bucket contracts (verify/storage_probe.py).
    """
    started = time.perf_counter()
    facts = read_facts(conn)
    check_tenancy(facts, spec)
    check_contract_columns(facts, spec)
    anchors = derive_anchors(facts, spec)
    world = build_world(facts, spec, anchors)
    tables = probed_tables(world)
    views = [v for v in facts.views if not is_platform_schema(v.schema)]
    with conn.transaction():
        seed_database(conn, world)
        install_runner(conn)
        install_touch_triggers(conn, tables, world.ident_columns)
    granted = read_privileges(conn, {p.role for p in spec.personas}, [t.key for t in tables])
    # Every statement and probe row is made here, in order, so the output is deterministic;
    # the threads below only run statements and record what happened.
    jobs = []
    for persona in spec.personas:
        builder = CellBuilder(world, persona)
        mine = {(t, c) for r, t, c in granted if r == persona.role}
        for table in tables:
            for command in COMMANDS:
                if (table.key, command) not in mine:
                    builder.deny_without_privilege(table.key, command, persona.role)
        attempts = first_attempts(world, persona, tables, mine)
        for table in tables:
            attempts += dry_attempts(world, persona, table, mine)
            if (table.key, "insert") in mine:
                attempts += insert_forgeries(world, persona, table)
        jobs.append((persona, builder, attempts))
    by_persona: dict[str, list[Cell]] = {}

    def run(job, connection):
        persona, builder, attempts = job
        by_persona[persona.name] = probe_persona(connection, world, persona, builder, attempts, tables, views)

    if url and workers > 1 and len(jobs) > 1:
        _run_parallel(run, jobs, conn, url, workers)
    else:
        for job in jobs:
            run(job, conn)
    cells = [cell for persona in spec.personas for cell in by_persona[persona.name]]
    hidden_column_leaks(conn, spec, world, cells)

    findings = static_findings(facts, spec, anchors, cells, world)
    findings = _by_severity(findings + definer_findings(conn, world, spec, cells)
                            + escalation_findings(conn, world, spec, tables)
                            + metadata_findings(conn, world, spec, tables)
                            + partition_findings(conn, world, spec, tables)
                            + storage_findings(conn, world, spec, storage_policies)
                            + view_write_findings(conn, world, spec, tables))
    report = Report(
        personas=tuple(p.name for p in spec.personas),
        tables=tuple(t.key for t in tables),
        views=tuple(v.key for v in views),
        cells=cells,
        findings=findings,
        world=world,
    )
    if report.failed:
        blame_leaks(conn, report)
        report.findings.sort(key=lambda f: ({"error": 0, "warning": 1, "info": 2}[f.severity], f.location, f.id))
    report.seconds = time.perf_counter() - started
    return report


def _by_severity(findings: list[Finding]) -> list[Finding]:
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: (order[f.severity], f.location, f.id, f.message))


def _run_parallel(run, jobs, conn, url, workers) -> None:
    pool: queue.Queue = queue.Queue()
    pool.put(conn)
    extra = [psycopg.connect(url, autocommit=True) for _ in range(min(workers, len(jobs)) - 1)]
    for c in extra:
        pool.put(c)

    def task(job):
        connection = pool.get()
        try:
            run(job, connection)
        finally:
            pool.put(connection)

    try:
        with ThreadPoolExecutor(max_workers=len(extra) + 1) as executor:
            for future in [executor.submit(task, job) for job in jobs]:
                future.result()
    finally:
        for c in extra:
            c.close()


def _exchange(conn, world, persona, builder, attempts) -> list:
    """Run attempts as the persona and record them; returns the batches to redo row by row."""
    redo = []
    outcomes = run_as(conn, persona, world.user_ids.get(persona.name), [a.sql for a in attempts])
    for attempt, outcome in zip(attempts, outcomes):
        if not builder.observe(attempt, outcome):
            redo += row_attempts(world, world.table(attempt.table), attempt.command)
    return redo


def probe_persona(conn, world, persona, builder, attempts, tables, views) -> list[Cell]:
    """All rounds for one persona: batches, row-by-row retries, moves, then the views."""
    redo = _exchange(conn, world, persona, builder, attempts)
    if redo:
        _exchange(conn, world, persona, builder, redo)
    moves = []
    for table in tables:
        cell = builder.cells.get((table.key, "update"))
        updated = {id(row) for row, accepted in (cell.observations if cell else []) if accepted}
        for row, accepted in (cell.observations if cell else []):
            if accepted:
                moves += move_attempts(world, persona, table, row)
                moves += update_forgeries(world, persona, table, row)
        if cell is None or cell.notes:
            continue  # no UPDATE privilege: nothing can be pulled either
        if updated:
            moves += blind_moves(world, persona, table)
        seen = builder.cells.get((table.key, "select"))
        for row, visible in (seen.observations if seen else []):
            if visible and id(row) not in updated:
                moves += pull_attempts(world, persona, table, row)
    if moves:
        _exchange(conn, world, persona, builder, moves)
    cells = builder.finish()
    return cells + view_cells(conn, world, persona, world.user_ids.get(persona.name), views, cells)


def users_by_email(world: World) -> dict[str, tuple[str, object]]:
    """e-mail -> (users table, row) of the seeded users: a view showing another user's
    e-mail leaks the users table (clients never read auth.users themselves)."""
    out = {}
    for key, rows in world.rows.items():
        if world.anchors[key].kind == "users":
            for row in rows:
                if row.raw.get("email"):
                    out[row.raw["email"]] = (key, row)
    return out


def view_cells(conn, world: World, persona, user_id, views, table_cells) -> list[Cell]:
    """Select every view as the persona; a returned key of a row the persona cannot select
    from its own table is a leak."""
    if not views:
        return []
    visible: dict[str, set] = {}
    for cell in table_cells:
        if cell.command == "select" and not cell.errors:
            visible[cell.table] = {id(row) for row, seen in cell.observations if seen}
    by_key: dict[str, tuple[str, object]] = {}
    emails = users_by_email(world)
    for key, rows in world.rows.items():
        if world.anchors[key].kind == "users":
            continue
        cols = world.ident_columns(key)
        if len(cols) == 1:
            for row in rows:
                by_key[row.raw.get(cols[0], "")] = (key, row)
    outcomes = run_as(conn, persona, user_id, [view_sql(v) for v in views])
    out = []
    for view, outcome in zip(views, outcomes):
        cell = Cell(view.key, persona.name, "select")
        if outcome.ok:
            rows = json.loads(outcome.value or "[]")
            hidden = set()
            for item in rows:
                for value in item.values():
                    hit = by_key.get(str(value)) if isinstance(value, str) else None
                    if hit and hit[0] in visible and hit[0] in view.depends_on and id(hit[1]) not in visible[hit[0]] and not persona.bypass:
                        hidden.add(f"{hit[0]} {hit[1].label}")
                    user = emails.get(value) if isinstance(value, str) else None
                    if user and user[1].owner != persona.name and not persona.bypass:
                        hidden.add(f"{user[0]} {user[1].label} (e-mail)")
            if hidden:
                cell.verdict = LEAK
                cell.details.append(
                    "shows rows the persona cannot select from their tables: " + ", ".join(sorted(hidden))
                )
            else:
                cell.verdict = ALLOWED if rows else DENIED
                cell.details.append(f"{len(rows)} rows")
        elif outcome.denied:
            cell.verdict = DENIED
        else:
            cell.verdict = ERROR
            cell.details.append(f"{outcome.message} [{outcome.state}]")
        out.append(cell)
    return out
