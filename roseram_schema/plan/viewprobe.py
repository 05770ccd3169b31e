"""Is CREATE OR REPLACE VIEW really possible? Ask the target database.

CREATE OR REPLACE VIEW keeps the old columns and may append new ones, but refuses to change
a kept column's type ("cannot change data type of view column"). The catalogs do not carry
view column types, so the diff decides on names only. Here the desired query is created as
a temporary view inside a transaction that is always rolled back, on the target itself,
and its column types are compared with the live view's. When they differ, or the probe
fails (the query reads columns the plan has yet to add), the replace becomes a drop and
re-create, which the planner extends to dependent views.
"""

from __future__ import annotations

import psycopg

from ..diff.changes import Change, CreateView, DropView, ReplaceView

_PROBE = "roseram_view_probe"
_COLUMNS = (
    "SELECT a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod)"
    " FROM pg_catalog.pg_attribute a WHERE a.attrelid = %s::regclass AND a.attnum > 0"
    " AND NOT a.attisdropped ORDER BY a.attnum"
)


def _replace_is_possible(conn, change: ReplaceView) -> bool:
    try:
        with conn.transaction(force_rollback=True):
            conn.execute("SET LOCAL search_path = ''")
            conn.execute(f"CREATE TEMPORARY VIEW {_PROBE} AS {change.new.query}")
            new = conn.execute(_COLUMNS, (f"pg_temp.{_PROBE}",)).fetchall()
            old = conn.execute(_COLUMNS, (change.old.qualified,)).fetchall()
    except psycopg.Error:
        return False
    return new[: len(old)] == old


def check_view_replacements(conn, changes: tuple[Change, ...]) -> tuple[Change, ...]:
    """`changes` with every ReplaceView PostgreSQL would refuse turned into drop + create."""
    if not any(isinstance(c, ReplaceView) for c in changes):
        return changes
    out: list[Change] = []
    for c in changes:
        if isinstance(c, ReplaceView) and not _replace_is_possible(conn, c):
            out += [DropView(c.old, recreated=True), CreateView(c.new, recreated=True)]
        else:
            out.append(c)
    return tuple(out)
