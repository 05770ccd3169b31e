"""Reading partitions directly (docs/verify.md "Leaks"): a query that names a partition uses
the partition's own RLS and grants, not its parent's. Every persona counts the rows of each
partition of a probed table, directly and through the parent; more rows directly is finding
`partition-weaker` (the seeded rows land in the partitions by their bounds).
"""

from __future__ import annotations

from ..lint.findings import Finding
from ..model import quote_literal
from .runner import run_as

_PARTITIONS = """
SELECT n.nspname || '.' || c.relname, quote_ident(n.nspname) || '.' || quote_ident(c.relname),
       rn.nspname || '.' || r.relname, quote_ident(rn.nspname) || '.' || quote_ident(r.relname)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_class r ON r.oid = pg_catalog.pg_partition_root(c.oid)
JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
WHERE c.relispartition AND c.relkind IN ('r', 'p') AND rn.nspname || '.' || r.relname = ANY(%s)
ORDER BY 1
"""


def partition_findings(conn, world, spec, tables) -> list[Finding]:
    """As every persona that does not bypass RLS, compare each partition's rows read directly
    with the same rows read through the root table."""
    parts = conn.execute(_PARTITIONS, ([t.key for t in tables if world.rows.get(t.key)],)).fetchall()
    if not parts:
        return []
    statements = []
    for _, part, _, root in parts:
        statements.append(f"SELECT count(*)::text FROM {part}")
        statements.append(f"SELECT count(*)::text FROM {root} r WHERE r.tableoid IN (SELECT relid FROM "
                          f"pg_catalog.pg_partition_tree({quote_literal(part)}::regclass) WHERE isleaf)")
    found: dict[str, list[str]] = {}
    for persona in spec.personas:
        if persona.bypass:
            continue
        outcomes = run_as(conn, persona, world.user_ids.get(persona.name), statements)
        for i, (key, _, root_key, _) in enumerate(parts):
            direct, through = outcomes[2 * i], outcomes[2 * i + 1]
            if not direct.ok:
                continue
            shown = int(direct.value or 0)
            hidden = shown - (int(through.value or 0) if through.ok else 0)
            if hidden > 0:
                found.setdefault(key, []).append(f"{persona.name} {hidden} of {shown}")
    return [Finding(key, "partition-weaker", "error",
                    f"read directly, partition {key} shows rows its parent {root} hides: "
                    + ", ".join(who) + " rows",
                    f"ALTER TABLE {key} ENABLE ROW LEVEL SECURITY; REVOKE ALL ON {key} FROM anon, "
                    "authenticated, PUBLIC")
            for key, _, root, _ in parts if (who := found.get(key))]
