"""The order statements run in: a dependency graph (graphlib), ties broken by a fixed key.

Every change gets a phase (drops first, dependants before what they depend on; then
creates, dependencies before dependants). Edges add the dependencies a phase alone does not
name, each with its reason. Among the statements whose dependencies are done, the one with
the smallest (phase, position in the diff, part) runs next, so the order is deterministic
and, because edges never point from a later phase to an earlier one, follows the phases.
"""

from __future__ import annotations

import heapq
import re
from graphlib import CycleError, TopologicalSorter

from ..diff import changes as ch
from ..errors import PlanCycleError
from ..model import Catalog, CheckConstraint, ExclusionConstraint, ForeignKey, PrimaryKey, UniqueConstraint
from .typeorder import TYPE_PHASES, type_edges, type_phase_name

# Why this order, top to bottom:
# - triggers, then RLS switched off, then policies go first: disabling RLS before dropping
#   policies leaves no moment where every query is denied;
# - views are dropped before the columns, constraints, tables and functions they read;
# - foreign keys are dropped before the keys and tables they point at;
# - schemas, extensions, types and functions exist before tables use them (function bodies
#   are not checked at creation, see render/sql and apply: check_function_bodies = off);
# - tables exist before columns, keys before the foreign keys that reference them (so
#   foreign-key cycles work: every table first, then every constraint);
# - indexes, views, triggers, policies come after the columns they use;
# - policies are created before RLS is switched on, and grants come last, so a table never
#   is readable without its policies or unreadable for lack of them.
_PHASES = {
    "DropTrigger": 10,
    "SetRowSecurity-": 20,
    "SetForceRowSecurity-": 21,
    "DropPolicy": 30,
    "DropPublicationTable": 35,
    "DropPublication": 36,
    "DropView": 40,
    "DropConstraint-fk": 50,
    "DropIndex": 60,
    "DropConstraint": 70,
    "DropPartition": 80,
    "DropTable": 90,
    "DropColumn": 100,
    "DropFunction": 110,
    "Revoke": 120,
    "CreateSchema": 130,
    "CreateExtension": 140,
    "CreateEnum": 150,
    "AddEnumValue": 151,
    "CreateFunction": 160,
    "ReplaceFunction": 160,
    "RenameTable": 170,
    "CreateTable": 171,
    "CreatePartition": 172,
    "RenameColumn": 180,
    "AddColumn": 181,
    "AlterColumnGenerated": 182,
    "AlterColumnIdentity-": 183,  # identity dropped before a default can be set
    "AlterColumnType": 184,
    "AlterColumnDefault": 185,
    "AlterColumnNullability": 186,
    "AlterColumnIdentity": 187,  # identity added after NOT NULL, which it requires
    "AddConstraint-pk": 190,
    "AddConstraint-unique": 191,
    "AddConstraint-check": 192,
    "AddConstraint-fk": 195,
    "CreateIndex": 200,
    "SetReplicaIdentity": 205,  # after the index it may use
    "CreateView": 210,
    "ReplaceView": 210,
    "CreateTrigger": 220,
    "CreatePolicy": 230,
    "AlterPolicy": 230,
    "SetRowSecurity": 240,
    "SetForceRowSecurity": 241,
    "CreatePublication": 245,
    "AlterPublicationOptions": 246,
    "AddPublicationTable": 247,
    "Grant": 250,
    "SetComment": 260,
    # a function nothing will use any more goes last: policies, defaults and views that
    # stop using it are altered late in the plan, and it must outlive them
    "DropFunction+": 270,
    **TYPE_PHASES,  # domains, composite types, sequences (typeorder.py)
}


def phase_of(change: ch.Change, recreated: bool = False) -> int:
    """The phase of a change (see _PHASES for the reasons). `recreated`: a DropFunction
    whose function is created again by the same plan (it must go before the create)."""
    name = type_phase_name(change) or change.kind
    if isinstance(change, ch.SetRowSecurity) and not change.enabled:
        name = "SetRowSecurity-"
    elif isinstance(change, ch.SetForceRowSecurity) and not change.forced:
        name = "SetForceRowSecurity-"
    elif isinstance(change, ch.AlterColumnIdentity) and change.column.identity is None:
        name = "AlterColumnIdentity-"
    elif isinstance(change, ch.DropConstraint) and isinstance(change.constraint, ForeignKey):
        name = "DropConstraint-fk"
    elif isinstance(change, ch.DropFunction) and not recreated:
        name = "DropFunction+"
    elif isinstance(change, ch.AddConstraint):
        name = "AddConstraint-" + {
            PrimaryKey: "pk", UniqueConstraint: "unique", CheckConstraint: "check", ForeignKey: "fk",
            ExclusionConstraint: "unique",
        }[type(change.constraint)]
    return _PHASES[name]


def dependency_edges(changes: list[ch.Change], current: Catalog, desired: Catalog) -> set[tuple[int, int]]:
    """(before, after) pairs of change indexes that must run in that order."""
    edges: set[tuple[int, int]] = set()
    by_table: dict[str, list[int]] = {}
    for i, c in enumerate(changes):
        if c.table_key:
            by_table.setdefault(c.table_key, []).append(i)

    def idx(pred) -> list[int]:
        return [i for i, c in enumerate(changes) if pred(c)]

    creates_table = {c.table_key: i for i, c in enumerate(changes) if isinstance(c, (ch.CreateTable, ch.RenameTable))}
    # a table is created (or renamed) before anything is done in or to it
    for key, i in creates_table.items():
        for j in by_table.get(key, []):
            if j != i and not isinstance(changes[j], (ch.CreateTable, ch.RenameTable)):
                edges.add((i, j))
    for i, c in enumerate(changes):
        t = c.table_key
        # policies exist before RLS is switched on: no window where every query is denied
        if isinstance(c, ch.SetRowSecurity) and c.enabled:
            for j in by_table.get(t, []):
                if isinstance(changes[j], (ch.CreatePolicy, ch.AlterPolicy)):
                    edges.add((j, i))
        # RLS is switched off before its policies go: same reason, the other way round
        if isinstance(c, ch.SetRowSecurity) and not c.enabled:
            for j in by_table.get(t, []):
                if isinstance(changes[j], ch.DropPolicy):
                    edges.add((i, j))
        # foreign keys after the table and the key they reference (foreign-key cycles:
        # every table first, then the constraints)
        if isinstance(c, ch.AddConstraint) and isinstance(c.constraint, ForeignKey):
            ref = f"{c.constraint.ref_schema}.{c.constraint.ref_table}"
            for j in by_table.get(ref, []):
                d = changes[j]
                if isinstance(d, (ch.CreateTable, ch.RenameTable)) or (
                    isinstance(d, ch.AddConstraint) and isinstance(d.constraint, (PrimaryKey, UniqueConstraint))
                ):
                    edges.add((j, i))
        # a foreign key is dropped before the key or table it references
        if isinstance(c, ch.DropConstraint) and isinstance(c.constraint, ForeignKey):
            ref = f"{c.constraint.ref_schema}.{c.constraint.ref_table}"
            for j in by_table.get(ref, []):
                d = changes[j]
                if isinstance(d, ch.DropTable) or (
                    isinstance(d, ch.DropConstraint) and isinstance(d.constraint, (PrimaryKey, UniqueConstraint))
                ):
                    edges.add((i, j))
    # a revoke on a sequence a new table owns comes after the table is created
    for i, c in enumerate(changes):
        if isinstance(c, ch.Revoke) and c.owner in creates_table:
            edges.add((creates_table[c.owner], i))
    # RLS switches and revokes on a partition come after it is created
    parts = {c.key: i for i, c in enumerate(changes) if isinstance(c, ch.CreatePartition)}
    for i, c in enumerate(changes):
        if c.table_key in parts and not isinstance(c, ch.CreatePartition):
            edges.add((parts[c.table_key], i))
    # grants, revokes and comments on a view or function come after it is created
    made = {c.key: i for i, c in enumerate(changes) if isinstance(c, (ch.CreateView, ch.CreateFunction))}
    for i, c in enumerate(changes):
        if isinstance(c, (ch.Grant, ch.Revoke, ch.SetComment)) and c.object_key in made:
            edges.add((made[c.object_key], i))
    _view_edges(changes, current, desired, by_table, edges)
    _routine_edges(changes, edges)
    type_edges(changes, current, desired, edges)
    return edges


def _view_edges(changes, current, desired, by_table, edges) -> None:
    """Views are dropped before what they read changes, and created after it exists."""
    drops = {c.key: i for i, c in enumerate(changes) if isinstance(c, ch.DropView)}
    creates = {c.key: i for i, c in enumerate(changes) if isinstance(c, (ch.CreateView, ch.ReplaceView))}
    table_prep = (ch.CreateTable, ch.RenameTable, ch.AddColumn, ch.RenameColumn, ch.AlterColumnType,
                  ch.AlterColumnGenerated)
    table_break = (ch.DropTable, ch.DropColumn, ch.AlterColumnType, ch.AlterColumnGenerated)
    for key, i in drops.items():
        view = current.view(key)
        for dep in view.depends_on if view else ():
            if dep in drops:  # a view that reads another view is dropped first
                edges.add((i, drops[dep]))
            for j in by_table.get(dep, []):
                if isinstance(changes[j], table_break):
                    edges.add((i, j))
    for key, i in creates.items():
        view = desired.view(key)
        for dep in view.depends_on if view else ():
            if dep in creates:
                edges.add((creates[dep], i))
            for j in by_table.get(dep, []):
                if isinstance(changes[j], table_prep):
                    edges.add((j, i))


def _routine_edges(changes, edges) -> None:
    """Trigger functions exist before their triggers; triggers go before their functions."""
    funcs = {c.key: i for i, c in enumerate(changes) if isinstance(c, (ch.CreateFunction, ch.ReplaceFunction))}
    drops = {c.key: i for i, c in enumerate(changes) if isinstance(c, ch.DropFunction)}
    for i, c in enumerate(changes):
        if isinstance(c, ch.CreateTrigger) and c.trigger.function in funcs:
            edges.add((funcs[c.trigger.function], i))
        if isinstance(c, ch.DropTrigger) and c.trigger.function in drops:
            edges.add((i, drops[c.trigger.function]))
    # a function dropped and created again (new result type): the drop goes first
    for key, i in drops.items():
        if key in funcs:
            edges.add((i, funcs[key]))
    # a function taking or returning a new table's row type waits for the table (functions
    # otherwise come first: their bodies are not checked when they are created)
    tables = {c.table_key: i for i, c in enumerate(changes) if isinstance(c, ch.CreateTable)}
    for i, c in enumerate(changes):
        if isinstance(c, (ch.CreateFunction, ch.ReplaceFunction)):
            f = c.function if isinstance(c, ch.CreateFunction) else c.new
            for name in _QUALIFIED.finditer(f"{f.identity_args} {f.returns}"):
                key = f"{_unquote(name.group(1))}.{_unquote(name.group(2))}"
                if key in tables:
                    edges.add((tables[key], i))


# schema.name in a type list as PostgreSQL prints it (qualified: read with an empty search_path)
_QUALIFIED = re.compile(r'((?:[a-z_][a-z0-9_$]*)|"(?:[^"]|"")+")\.((?:[a-z_][a-z0-9_$]*)|"(?:[^"]|"")+")')


def _unquote(part: str) -> str:
    return part[1:-1].replace('""', '"') if part.startswith('"') else part


def order_changes(changes: list[ch.Change], current: Catalog, desired: Catalog) -> list[int]:
    """Indexes of `changes` in run order (Kahn's algorithm over graphlib, fixed tie-break)."""
    graph: TopologicalSorter = TopologicalSorter()
    for i in range(len(changes)):
        graph.add(i)
    for before, after in sorted(dependency_edges(changes, current, desired)):
        graph.add(after, before)
    try:
        graph.prepare()
    except CycleError as exc:
        cycle = " -> ".join(changes[i].describe() for i in exc.args[1])
        raise PlanCycleError(f"the plan has a dependency cycle: {cycle}") from None
    created = {c.key for c in changes if isinstance(c, ch.CreateFunction)}
    key = lambda i: (phase_of(changes[i], changes[i].key in created), i)  # noqa: E731
    ready = [key(i) for i in graph.get_ready()]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        _, i = heapq.heappop(ready)
        order.append(i)
        graph.done(i)
        for j in graph.get_ready():
            heapq.heappush(ready, key(j))
    return order
