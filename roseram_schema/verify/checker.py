"""The isolation checker: seed a scratch database, probe it as every persona, judge.

`check_database` works on a database that already holds the schema (built by the caller
from the source or from a live database's schema) and that nothing else uses: it inserts
the seeded rows and a helper function there. It never touches any other database.
"""

from __future__ import annotations

import json
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

import psycopg

from ..errors import Origin, Problem, SourceError
from ..lint.findings import Finding
from ..platform import is_platform_schema
from .anchors import derive_anchors
from .adversary import blind_moves, dry_attempts, insert_forgeries, pull_attempts, update_forgeries
from .blame import blame_leaks
from .definer_probe import definer_findings
from .escalation_probe import escalation_findings, install_escalate, metadata_findings
from .hidden import check_contract_columns, hidden_column_leaks
from .facts import read_facts
from .partition_probe import partition_findings
from .probes import (ALLOWED, DENIED, ERROR, LEAK, Cell, CellBuilder, first_attempts, move_attempts,
                     row_attempts, view_sql)
from .runner import (Shards, install_runner, install_touch_triggers, read_privileges, run_as, start_query,
                     start_run_as)
from .storage_probe import storage_findings
from .view_write_probe import view_write_findings
from .seed import World, build_world
from .seeding import replay_seeding, seed_rows, seeding_outcome
from .spec import COMMANDS, Spec
from .static import lint_findings, static_findings


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
    """Insert the seeded rows as the (superuser) connection, parents first; record failures
    (verify/seeding.py: few round trips, the outcome of one INSERT at a time)."""
    seed_rows(conn, world)


def check_database(conn, spec: Spec, url: str | None = None, workers: int = 3,
                   storage_policies=None, kept=None) -> Report:
    """Seed, probe every persona x table x command, and judge against the contracts.

    With `url` (the same scratch database), each persona's probes are split by table
    between up to `workers` connections (runner.Shards). `storage_policies`: a live database's storage.objects policies, for
    the bucket contracts (verify/storage_probe.py). `kept`: the database is kept between runs
    (cache/verifydb.KeptVerify): seeded already when its `seeding` is recorded (replayed here,
    or KeptStale when it does not fit), else seeded here and recorded.
    """
    started = time.perf_counter()
    hit = kept is not None and kept.seeding is not None
    # a kept database holds what an earlier run of the same source read and linted
    facts = kept.facts if hit else read_facts(conn)
    tables = [t for t in facts.tables if not is_platform_schema(t.schema)]  # the probed ones
    granted = read_privileges(conn, {p.role for p in spec.personas}, [t.key for t in tables])
    with ExitStack() as stack:
        prober = conn
        if url and workers > 1 and len(spec.personas) > 1:
            prober = stack.enter_context(_shards(conn, url, workers))
            prober.assign([t.qualified for t in tables])
        if hit:
            # proving the rows still those recorded (kept.confirm below) also loads, in each
            # backend, the tables it will probe, while the probes are made
            signatures = start_query(prober, kept.signature_query, kept.tables)
        check_tenancy(facts, spec)
        check_contract_columns(facts, spec)
        anchors = derive_anchors(facts, spec)
        linted = kept.lint if hit else lint_findings(facts, spec, anchors)
        world = build_world(facts, spec, anchors)
        views = [v for v in facts.views if not is_platform_schema(v.schema)]
        if hit:
            replay_seeding(world, kept.seeding)
        else:
            before = {key: list(rows) for key, rows in world.rows.items()}
            with conn.transaction():
                seed_database(conn, world)
                install_runner(conn)
                install_escalate(conn)
                install_touch_triggers(conn, tables, world.ident_columns)
            if kept is not None:
                kept.record(conn, seeding_outcome(before, world), facts, linted)
        # Every statement and probe row is made here, in this order, so the output is
        # deterministic; the connections' threads only run statements. The first batch of
        # each persona starts as soon as it is made, so the server works while the probes
        # are made and judged.
        jobs, firsts = [], []
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
            # each connection runs what it is given in order: its share of the signature
            # first, then the batches, rolled back as every probe is and only judged once the
            # rows are proved unchanged
            firsts.append(_start(prober, world, jobs[-1]))
        # the views' SELECTs depend on nothing judged: they run behind the first batches
        seen_views = [start_run_as(prober, persona, world.user_ids.get(persona.name), [view_sql(v) for v in views])
                      if views else None for persona, _, _ in jobs]
        if hit:
            kept.confirm(signatures.result())  # KeptStale when something changed the rows
        by_persona = _probe_rounds(prober, world, jobs, firsts, seen_views, tables, views)
    cells = [cell for persona in spec.personas for cell in by_persona[persona.name]]
    hidden_column_leaks(conn, spec, world, cells)

    findings = static_findings(linted, cells, world)
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


@contextmanager
def _shards(conn, url: str, workers: int):
    """`conn` and `workers - 1` more connections to the same database, as runner.Shards:
    every batch's statements split by table between them."""
    extra = []
    shards = None
    try:
        extra = [psycopg.connect(url, autocommit=True) for _ in range(workers - 1)]
        shards = Shards([conn, *extra])
        yield shards
    finally:
        if shards is not None:
            shards.close()
        for c in extra:
            c.close()


def _start(conn, world, job):
    """Start a persona's first batch; a future of its outcomes (runner.start_run_as)."""
    persona, _, attempts = job
    return start_run_as(conn, persona, world.user_ids.get(persona.name), [a.sql for a in attempts])


def _exchange(conn, world, persona, builder, attempts, outcomes=None) -> list:
    """Run attempts as the persona (unless their `outcomes` are there) and record them;
    returns the batches to redo row by row."""
    redo = []
    if outcomes is None:
        outcomes = run_as(conn, persona, world.user_ids.get(persona.name), [a.sql for a in attempts])
    for attempt, outcome in zip(attempts, outcomes):
        if not builder.observe(attempt, outcome):
            redo += row_attempts(world, world.table(attempt.table), attempt.command)
    return redo


def _probe_rounds(conn, world, jobs, firsts, seen_views, tables, views) -> dict[str, list[Cell]]:
    """The rounds after the first batches, each round for every persona in turn: the first
    batches judged (and their row-by-row retries run), then the moves each persona's cells
    call for, then the verdicts and the views. A round's batches are all started before
    the first is judged, so the server runs one persona's while the next is judged; the
    probes are made in the same order as one persona at a time would make them (the redo
    rows make no new row), so the report is the same."""
    redos = [_exchange(conn, world, persona, builder, attempts, first.result())
             for (persona, builder, attempts), first in zip(jobs, firsts)]
    _run_round(conn, world, jobs, redos)
    _run_round(conn, world, jobs, [_moves(world, persona, builder, tables) for persona, builder, _ in jobs])
    out = {}
    for (persona, builder, _), seen in zip(jobs, seen_views):
        cells = builder.finish()
        out[persona.name] = cells + view_cells(conn, world, persona, world.user_ids.get(persona.name), views, cells,
                                               seen.result() if seen is not None else None)
    return out


def _run_round(conn, world, jobs, batches) -> None:
    """Start every persona's batch of this round, then record each one's outcomes in turn."""
    started = [start_run_as(conn, persona, world.user_ids.get(persona.name), [a.sql for a in batch])
               if batch else None for (persona, _, _), batch in zip(jobs, batches)]
    for (persona, builder, _), batch, outcomes in zip(jobs, batches, started):
        if batch:
            _exchange(conn, world, persona, builder, batch, outcomes.result())


def _moves(world, persona, builder, tables) -> list:
    """The UPDATEs that try to move, forge or pull rows, from what the persona's first
    batch showed it may update and see."""
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
    return moves


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


def view_cells(conn, world: World, persona, user_id, views, table_cells, outcomes=None) -> list[Cell]:
    """Select every view as the persona (unless the `outcomes` of view_sql's are there); a
    returned key of a row the persona cannot select from its own table is a leak."""
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
    if outcomes is None:
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
