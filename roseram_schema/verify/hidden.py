"""`hide:` columns (a contract key): no exposed persona may read them, from the table or a view.

A persona reads a hidden column of a table when its role holds SELECT on that column (a
table-wide GRANT SELECT includes it) and it sees at least one row; it reads it through a view
when the view refers to the column (pg_depend, column level), its role may select the view,
and the view returned rows to it. Each case turns the persona's select cell into a LEAK.
"""

from __future__ import annotations

from ..errors import Origin, Problem, SourceError
from .probes import ALLOWED, LEAK

_COLUMN_PRIVILEGE = """
SELECT has_column_privilege(%s, %s::regclass, %s, 'SELECT')
"""

# views (their rewrite rules) that refer to a column of a table
_VIEWS_OF_COLUMN = """
SELECT DISTINCT vn.nspname || '.' || v.relname
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_rewrite rw ON rw.oid = d.objid AND d.classid = 'pg_rewrite'::regclass
JOIN pg_catalog.pg_class v ON v.oid = rw.ev_class
JOIN pg_catalog.pg_namespace vn ON vn.oid = v.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE d.refobjid = %s::regclass AND a.attname = %s AND v.oid <> d.refobjid
ORDER BY 1
"""

_VIEW_PRIVILEGE = "SELECT has_table_privilege(%s, %s::regclass, 'SELECT')"


def check_contract_columns(catalog, spec) -> None:
    """The columns `fixed:`, `author:` and `hide:` name must exist; raise SourceError if not."""
    problems = []
    for key, contract in sorted(spec.contracts.items()):
        table = catalog.table(key)
        if table is None:
            continue
        for what in ("fixed", "author", "hide"):
            for column in getattr(contract, what) or ():
                if table.column(column) is None:
                    schema, name = key.split(".", 1)
                    problems.append(Problem(Origin(f"policies/{schema}/{name}.yaml"),
                                            f"{key} contract.{what}",
                                            f"table {key} has no column {column}"))
    if problems:
        raise SourceError(problems)


def hidden_column_leaks(conn, spec, world, cells) -> None:
    """Turn select cells that read a `hide:` column into LEAKs (in place)."""
    by_key = {(c.table, c.persona, c.command): c for c in cells}
    for key, contract in sorted(spec.contracts.items()):
        if not contract.hide or world.table(key) is None:
            continue
        table = world.table(key)
        for column in contract.hide:
            views = [r[0] for r in conn.execute(_VIEWS_OF_COLUMN, (table.qualified, column))]
            for persona in spec.personas:
                if persona.bypass:
                    continue
                cell = by_key.get((key, persona.name, "select"))
                granted = conn.execute(_COLUMN_PRIVILEGE, (persona.role, table.qualified, column)).fetchone()[0]
                if cell is not None and granted and any(seen for _, seen in cell.observations):
                    _leak(cell, f"reads hidden column {column} (the role {persona.role} holds SELECT on it)")
                for view in views:
                    vcell = by_key.get((view, persona.name, "select"))
                    if vcell is None or vcell.verdict not in (ALLOWED, LEAK):
                        continue  # refused, no row came back, or an error
                    visible = conn.execute(_VIEW_PRIVILEGE, (persona.role, view)).fetchone()[0]
                    if visible:
                        _leak(vcell, f"exposes hidden column {key}.{column}")


def _leak(cell, line: str) -> None:
    cell.verdict = LEAK
    cell.details.insert(0, line)
