"""Dependency ordering of DDL statements, shared by the compiler and the planner.

A `Node` is one statement with a sort key, the names it *provides* and the names it
*needs*, as tokens `kind:schema.name` ("relation:public.users", "function:auth.uid",
"type:public.mood", "role:anon", ...). An edge runs from every provider of a token to every
node that needs it; a need nobody provides is an object outside the catalog (auth.users,
now()) and is ignored. `order_nodes` returns a topological order that is unique: among the
nodes that are ready, the one with the smallest sort key always goes first, so the result
depends on the graph only, never on the input order.

`sql_references` reads the names a statement refers to with pglast, PostgreSQL's own
parser, so that views, policies, defaults and checks are ordered after the tables,
functions and types they use without anyone declaring it.
"""

from __future__ import annotations

import graphlib
import heapq
import json
from dataclasses import dataclass, field
from typing import Collection, Iterable

from pglast.parser import ParseError, parse_sql_json

from ..errors import PlanCycleError

# A bare (unqualified) name is marked so; it is resolved against the provided names.
BARE = "?"


@dataclass(frozen=True, slots=True)
class Node:
    """One statement in the graph; `key` must be unique and orders ties.

    `provides` and `needs` are any collections of tokens (a large schema has tens of
    thousands of nodes, most with one or two tokens, and a tuple is smaller than a set)."""

    key: tuple
    item: object
    provides: Collection[str] = ()
    needs: Collection[str] = ()
    # keys of nodes that must come first, whatever they provide
    after: tuple = ()
    label: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class SqlReferences:
    """Names a SQL statement refers to, as (schema or None, name) pairs."""

    relations: frozenset[tuple[str | None, str]] = frozenset()
    functions: frozenset[tuple[str | None, str]] = frozenset()
    types: frozenset[tuple[str | None, str]] = frozenset()
    roles: frozenset[str] = frozenset()

    def tokens(self) -> frozenset[str]:
        """The references as need tokens (bare names marked for resolution)."""

        def token(kind: str, schema: str | None, name: str) -> str:
            return f"{kind}:{schema}.{name}" if schema else f"{kind}:{BARE}{name}"

        out = {token("relation", s, n) for s, n in self.relations}
        out |= {token("function", s, n) for s, n in self.functions}
        out |= {token("type", s, n) for s, n in self.types}
        out |= {f"role:{r}" for r in self.roles}
        return frozenset(out)


def _qualified(names: list) -> tuple[str | None, str] | None:
    parts = [n["String"]["sval"] for n in names if "String" in n]
    if not parts:
        return None
    if len(parts) == 1:
        return (None, parts[0])
    return (parts[-2], parts[-1])


def sql_references(sql: str) -> SqlReferences:
    """The relations, functions, types and roles `sql` (one or more statements) names.

    Text that does not parse gives no references: the statement still runs, and
    PostgreSQL reports the error with its own position.
    """
    relations: set = set()
    functions: set = set()
    types: set = set()
    roles: set = set()
    ctes: set = set()

    # Called by the JSON decoder for every node, innermost first: one pass, no tree walk.
    def visit(node: dict) -> dict:
        if "relname" in node:
            relations.add((node.get("schemaname"), node["relname"]))
        elif "typemod" in node and "names" in node:
            name = _qualified(node["names"])
            if name and name[0] != "pg_catalog":
                types.add(name)
        elif "ctename" in node:
            ctes.add(node["ctename"])
        elif "FuncCall" in node or "CreateTrigStmt" in node:
            inner = node.get("FuncCall") or node["CreateTrigStmt"]
            name = _qualified(inner.get("funcname", []))
            if name and name[0] != "pg_catalog":
                functions.add(name)
        elif "RoleSpec" in node and node["RoleSpec"].get("rolename"):
            roles.add(node["RoleSpec"]["rolename"])
        return node

    try:
        json.loads(parse_sql_json(sql), object_hook=visit)
    except ParseError:
        return SqlReferences()
    relations = {(s, n) for s, n in relations if s is not None or n not in ctes}
    return SqlReferences(frozenset(relations), frozenset(functions), frozenset(types), frozenset(roles))


def _resolver(provided: set[str]):
    """Map a need token to the provided token it means, or None (outside the catalog).

    A bare name means public.name when that exists (PostgreSQL's default search_path),
    else the one object of that kind and name if there is exactly one.
    """
    by_bare: dict[str, list[str]] = {}
    for token in provided:
        kind, _, qualified = token.partition(":")
        _, _, name = qualified.rpartition(".")
        by_bare.setdefault(f"{kind}:{BARE}{name}", []).append(token)

    def resolve(token: str) -> str | None:
        if token in provided:
            return token
        kind, _, rest = token.partition(":")
        if not rest.startswith(BARE):
            return None
        public = f"{kind}:public.{rest[1:]}"
        if public in provided:
            return public
        candidates = by_bare.get(token, [])
        return candidates[0] if len(candidates) == 1 else None

    return resolve


def order_nodes(nodes: Iterable[Node]) -> list[Node]:
    """Nodes in dependency order, ties broken by the smallest key (see module docstring).

    Raises PlanCycleError naming the statements of a cycle.

    Kahn's algorithm over node positions, with a heap of the ready nodes' keys: the same
    order graphlib.TopologicalSorter gave with the same rule, without its record and dict
    entry per node, which is faster and smaller on large schemas. graphlib still names a
    cycle when there is one.
    """
    nodes = list(nodes)
    position = {n.key: i for i, n in enumerate(nodes)}
    if len(position) != len(nodes):
        raise ValueError("order_nodes: two nodes share a key")
    waiting = [0] * len(nodes)  # predecessors not yet placed
    successors: list[list[int]] = [[] for _ in nodes]
    for i, deps in enumerate(dependencies(nodes, position)):
        waiting[i] = len(deps)
        for d in deps:
            successors[d].append(i)
    ready = [(n.key, i) for i, n in enumerate(nodes) if not waiting[i]]
    heapq.heapify(ready)
    out: list[Node] = []
    while ready:
        _, i = heapq.heappop(ready)
        out.append(nodes[i])
        for s in successors[i]:
            waiting[s] -= 1
            if not waiting[s]:
                heapq.heappush(ready, (nodes[s].key, s))
    if len(out) < len(nodes):
        _raise_cycle(nodes, position)
    return out


def dependencies(nodes: list[Node], position: dict[tuple, int], start: int = 0):
    """For each node from nodes[start] on, in turn, the positions of the nodes that must
    come before it (`position`: each node's key to its position in `nodes`)."""
    providers: dict[str, list[int]] = {}
    for i, n in enumerate(nodes):
        for token in n.provides:
            providers.setdefault(token, []).append(i)
    resolve = _resolver(set(providers))
    for i in range(start, len(nodes)):
        n = nodes[i]
        deps = {position[k] for k in n.after}
        for need in n.needs:
            token = resolve(need)
            if token is not None and token not in n.provides:
                deps.update(providers[token])
        deps.discard(i)
        yield deps


def _raise_cycle(nodes: list[Node], position: dict[tuple, int]) -> None:
    """Raise PlanCycleError naming the statements of a cycle of the graph (as graphlib finds it)."""
    sorter: graphlib.TopologicalSorter = graphlib.TopologicalSorter()
    for n, deps in zip(nodes, dependencies(nodes, position)):
        sorter.add(n.key, *sorted(nodes[d].key for d in deps))
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        names = " -> ".join(nodes[position[k]].label or repr(k) for k in exc.args[1])
        raise PlanCycleError(f"dependency cycle: {names}") from None
    raise AssertionError("order_nodes: nodes left unplaced without a cycle")
