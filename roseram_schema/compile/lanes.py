"""Split the build of a new database into lanes that PostgreSQL runs in parallel.

Building a large schema is CPU work in one server process (each new table is catalog
rows, a row and an array type, often a toast table and its index, and their files), so
a 1,000-table build keeps one backend busy while other cores idle. Two backends building
disjoint sets of tables in two transactions at once share that work (docs/benchmarks.md
has the measurement).

Each statement of a build (script.build_in_lanes) gets a phase, in dependency order:
- PRELUDE: needs nothing a lane builds (schemas, extensions, roles, enums, functions, and
  the guarded tables of platform schemas). Committed first, so that every lane sees it.
- lane i: a new table (its CREATE TABLE starts it in the least loaded lane, by SQL length)
  and every statement that needs objects of lane i and of the prelude only: the table's
  partitions, indexes, grants, policies, RLS switches and comments, foreign keys and
  views between tables of the same lane.
- SERIAL: what needs objects of two lanes (a foreign key from a table of one to a table
  of the other) or of the serial phase, and what the caller marks so (a foreign key to a
  table no lane builds: see script.build_in_lanes); run after every lane has committed.
A statement of a lane names only objects of its lane and of the prelude, so the lanes
take no lock the other waits for. Should a name escape the dependency graph (a bare name
that fits two objects), the statement fails in its lane (or, waiting for a lock, times
out), not silently: the caller then builds with the guarded script, which completes
whatever was committed.

Statements that must run outside a transaction (script.Statement.transactional) go to
`after_commit`, as in the serial build.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Collection

from .depgraph import Node, dependencies

PRELUDE = -1


@dataclass
class Split:
    """Statements by phase, each list in dependency order."""

    prelude: list = field(default_factory=list)
    lanes: list[list] = field(default_factory=list)
    serial: list = field(default_factory=list)
    after_commit: list = field(default_factory=list)


class LaneSplitter:
    """Places the nodes of a build, part after part (a later part may need an earlier
    part's nodes, never the other way round), into PRELUDE, `count` lanes and SERIAL."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.serial = count  # the phase number after every lane
        self.load = [0] * count
        self.nodes: list[Node] = []
        self.phases: list[int] = []

    def place(self, nodes: list[Node], ordered: list[Node], *, starts_lane: Collection[tuple] = (),
              serial_only: Collection[tuple] = ()) -> Split:
        """The phases of `nodes` (`ordered`: the same nodes in dependency order). A node
        whose key is in `starts_lane` and that needs no lane's object opens a table's
        place in the least loaded lane; other such nodes go to the PRELUDE in the first
        part and to SERIAL in later ones (the prelude is committed by then). Nodes whose
        key is in `serial_only` go to SERIAL (a lock the lanes would contend for)."""
        start = len(self.nodes)
        self.nodes.extend(nodes)
        self.phases.extend([PRELUDE] * len(nodes))
        position = {n.key: i for i, n in enumerate(self.nodes)}
        if len(position) != len(self.nodes):
            raise ValueError("LaneSplitter: two nodes share a key")
        needs = list(dependencies(self.nodes, position, start))
        first = start == 0
        split = Split(lanes=[[] for _ in range(self.count)])
        for node in ordered:
            i = position[node.key]
            statement = node.item
            if not statement.transactional:
                split.after_commit.append(statement)  # its phase stays PRELUDE: it is no lane's object
                continue
            if node.key in serial_only:
                phase = self.serial
            else:
                phase = self._phase(needs[i - start], node.key in starts_lane, first)
            self.phases[i] = phase
            if phase == PRELUDE:
                split.prelude.append(statement)
            elif phase == self.serial:
                split.serial.append(statement)
            else:
                split.lanes[phase].append(statement)
                self.load[phase] += len(statement.sql)
        return split

    def _phase(self, needs: set[int], starts_lane: bool, first: bool) -> int:
        lanes = {self.phases[d] for d in needs}
        lanes.discard(PRELUDE)
        if self.serial in lanes or len(lanes) > 1:
            return self.serial
        if lanes:
            return lanes.pop()
        if starts_lane:
            return min(range(self.count), key=lambda lane: (self.load[lane], lane))
        return PRELUDE if first else self.serial


__all__ = ["PRELUDE", "LaneSplitter", "Split"]
