"""Live objects of kinds the model does not know (queries/unmanaged.sql): `import` names
them as not imported, `plan` and `drift` report them as unmanaged, so nothing the tool
cannot see is ever dropped or ignored silently."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from psycopg.rows import tuple_row

from ..errors import DatabaseError
from ..platform import PLATFORM_SCHEMAS
from .queries import load_query


def read_unmanaged(conn, schemas: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """(kind, name) of every unmanaged object in `schemas` and on platform tables, sorted."""
    try:
        with conn.cursor(row_factory=tuple_row) as cur:
            cur.execute(load_query("unmanaged"), {"schemas": list(schemas), "platform": list(PLATFORM_SCHEMAS)},
                        prepare=False)
            rows = cur.fetchall()
    except psycopg.Error as exc:
        raise DatabaseError(f"reading unmanaged objects from the database catalog failed: {exc}") from exc
    return tuple(sorted((kind, name) for kind, name in rows))
