"""`hide:` columns (a contract key): no exposed persona may read them, from the table or a view.

A persona reads a hidden column of a table when its role holds SELECT on that column (a
table-wide GRANT SELECT includes it) and it sees at least one row; it reads it through a view
when the view refers to the column (pg_depend, column level), its role may select the view,
and the view returned rows to it. Each case turns the persona's select cell into a LEAK.
"""

from __future__ import annotations

from ..errors import Origin, Problem, SourceError
from ..model import tables_by_key
from .probes import ALLOWED, LEAK

# per (table, column, role): may the role select the column
_COLUMN_PRIVILEGES = """
SELECT c.tbl, c.col, r.role, has_column_privilege(r.role, c.tbl::regclass, c.col, 'SELECT')
FROM unnest(%s::text[], %s::text[]) AS c(tbl, col), unnest(%s::text[]) AS r(role)
"""

# per (table, column): the views (their rewrite rules) that refer to it
_VIEWS_OF_COLUMNS = """
SELECT DISTINCT c.tbl, c.col, vn.nspname || '.' || v.relname
FROM unnest(%s::text[], %s::text[]) AS c(tbl, col)
JOIN pg_catalog.pg_depend d ON d.refobjid = c.tbl::regclass AND d.classid = 'pg_rewrite'::regclass
JOIN pg_catalog.pg_rewrite rw ON rw.oid = d.objid
JOIN pg_catalog.pg_class v ON v.oid = rw.ev_class
JOIN pg_catalog.pg_namespace vn ON vn.oid = v.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE a.attname = c.col AND v.oid <> d.refobjid
ORDER BY 1, 2, 3
"""

# per (view, role): may the role select the view
_VIEW_PRIVILEGES = """
SELECT v.name, r.role, has_table_privilege(r.role, v.name::regclass, 'SELECT')
FROM unnest(%s::text[]) AS v(name), unnest(%s::text[]) AS r(role)
"""


def check_contract_columns(catalog, spec) -> None:
    """The columns `fixed:`, `author:` and `hide:` name must exist; raise SourceError if not."""
    problems = []
    by_key = tables_by_key(catalog)
    for key, contract in sorted(spec.contracts.items()):
        table = by_key.get(key)
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
    """Turn select cells that read a `hide:` column into LEAKs (in place); the catalog read
    in three queries, whatever the number of hidden columns."""
    by_key = {(c.table, c.persona, c.command): c for c in cells}
    hidden = [(key, world.table(key), column) for key, contract in sorted(spec.contracts.items())
              if contract.hide and world.table(key) is not None for column in contract.hide]
    personas = [p for p in spec.personas if not p.bypass]
    if not hidden or not personas:
        return
    names = [table.qualified for _, table, _ in hidden]
    columns = [column for _, _, column in hidden]
    roles = sorted({p.role for p in personas})
    granted = {(t, c, r): ok for t, c, r, ok in conn.execute(_COLUMN_PRIVILEGES, (names, columns, roles))}
    views_of: dict[tuple[str, str], list[str]] = {}
    for t, c, view in conn.execute(_VIEWS_OF_COLUMNS, (names, columns)):
        views_of.setdefault((t, c), []).append(view)
    all_views = sorted({v for vs in views_of.values() for v in vs})
    visible = {(v, r): ok for v, r, ok in conn.execute(_VIEW_PRIVILEGES, (all_views, roles))} if all_views else {}
    for key, table, column in hidden:
        views = views_of.get((table.qualified, column), [])
        for persona in personas:
            cell = by_key.get((key, persona.name, "select"))
            if cell is not None and granted[(table.qualified, column, persona.role)] \
                    and any(seen for _, seen in cell.observations):
                _leak(cell, f"reads hidden column {column} (the role {persona.role} holds SELECT on it)")
            for view in views:
                vcell = by_key.get((view, persona.name, "select"))
                if vcell is None or vcell.verdict not in (ALLOWED, LEAK):
                    continue  # refused, no row came back, or an error
                if visible[(view, persona.role)]:
                    _leak(vcell, f"exposes hidden column {key}.{column}")


def _leak(cell, line: str) -> None:
    cell.verdict = LEAK
    cell.details.insert(0, line)
