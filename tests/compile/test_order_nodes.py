"""depgraph.order_nodes against the rule it promises, checked the slow and obvious way:
repeatedly take the smallest key among the nodes whose dependencies are all placed."""

from __future__ import annotations

import random

import pytest

from roseram_schema.compile.depgraph import Node, order_nodes
from roseram_schema.errors import PlanCycleError


def _reference(nodes: list[Node]) -> list[Node]:
    providers: dict[str, set] = {}
    for n in nodes:
        for token in n.provides:
            providers.setdefault(token, set()).add(n.key)
    deps = {n.key: ({k for t in n.needs if t not in n.provides for k in providers.get(t, ())} | set(n.after))
            - {n.key} for n in nodes}
    placed: set = set()
    out = []
    while len(out) < len(nodes):
        ready = [n for n in nodes if n.key not in placed and deps[n.key] <= placed]
        assert ready, "a cycle"
        first = min(ready, key=lambda n: n.key)
        out.append(first)
        placed.add(first.key)
    return out


def _random_dag(rng: random.Random, size: int) -> list[Node]:
    # dependencies only on nodes made earlier: no cycle; keys shuffled so order is not given
    keys = rng.sample(range(size * 10), size)
    nodes = []
    for i, key in enumerate(keys):
        earlier = nodes[:i]
        needs = tuple(f"t:{rng.choice(earlier).key}" for _ in range(rng.randint(0, 3))) if earlier else ()
        after = tuple(rng.choice(earlier).key for _ in range(rng.randint(0, 1))) if earlier else ()
        nodes.append(Node(key=(key % 7, key), item=i, provides=(f"t:{(key % 7, key)}",),
                          needs=needs + ("t:outside",), after=after))
    rng.shuffle(nodes)
    return nodes


@pytest.mark.parametrize("seed", range(30))
def test_order_is_the_smallest_ready_key_first(seed):
    nodes = _random_dag(random.Random(seed), 40)
    assert [n.key for n in order_nodes(nodes)] == [n.key for n in _reference(nodes)]


def test_a_cycle_is_named():
    nodes = [Node(key=(1,), item=None, provides=("t:a",), needs=("t:b",), label="first"),
             Node(key=(2,), item=None, provides=("t:b",), needs=("t:a",), label="second"),
             Node(key=(0,), item=None, label="free")]
    with pytest.raises(PlanCycleError, match="dependency cycle: .*(first|second).*(first|second)"):
        order_nodes(nodes)
