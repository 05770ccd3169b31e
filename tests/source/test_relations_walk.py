"""relations.walk visits only the slots pglast types as node-bearing: the same nodes, in the
same order, as a walk over every slot."""

from __future__ import annotations

from pathlib import Path

import pglast
from pglast import ast

from roseram_schema.source.relations import walk

REPO = Path(__file__).resolve().parents[2]


def _every_slot_walk(node):
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, (tuple, list)):
            stack.extend(reversed(item))
            continue
        if not isinstance(item, ast.Node):
            continue
        yield item
        for attr in item.__slots__:
            value = getattr(item, attr, None)
            if isinstance(value, (ast.Node, tuple, list)):
                stack.append(value)


def _statements():
    texts = [p.read_text() for p in sorted((REPO / "views").rglob("*.sql"))]
    texts.append("""
        WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3)
        SELECT a.id, (SELECT count(*) FROM b WHERE b.a_id = a.id), CASE WHEN x IS NULL THEN 0 ELSE 1 END
        FROM a JOIN LATERAL (SELECT * FROM c WHERE c.k = ANY(ARRAY[1, 2])) c ON true
        WHERE EXISTS (SELECT 1 FROM d WHERE d.owner = auth.uid()) AND a.j ->> 'k' IN ('x', 'y')
        ORDER BY 1 LIMIT 5""")
    for text in texts:
        yield from (raw.stmt for raw in pglast.parse_sql(text))


def test_walk_visits_the_same_nodes_as_a_walk_of_every_slot():
    statements = list(_statements())
    assert len(statements) > 3
    for statement in statements:
        assert list(walk(statement)) == list(_every_slot_walk(statement))
