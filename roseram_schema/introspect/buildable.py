"""Make an inspected catalog compilable again.

A serial column reads back as `bigint DEFAULT nextval('t_id_seq'::regclass)`, and sequences
are not part of the model, so compiling an inspected catalog as is would name a sequence
that nothing creates. `buildable_catalog` turns such columns back into serial types, which
create their own sequence. Used where a live schema is rebuilt elsewhere (verify --db).
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..model import Catalog, Column, Table

_NEXTVAL = re.compile(r"^nextval\('[^']+'::regclass\)$")
_SERIAL_OF = {"integer": "serial", "bigint": "bigserial", "smallint": "smallserial"}


def buildable_column(column: Column) -> Column:
    """`column` with a nextval() default on an integer type written as its serial type."""
    serial = _SERIAL_OF.get(column.type)
    if serial and column.default and _NEXTVAL.match(column.default) and not column.identity:
        return replace(column, type=serial, default=None)
    return column


def _buildable_table(table: Table) -> Table:
    columns = tuple(buildable_column(c) for c in table.columns)
    return table if columns == table.columns else replace(table, columns=columns)


def buildable_catalog(catalog: Catalog) -> Catalog:
    """`catalog` with nextval()-defaulted integer columns written as serial types."""
    return replace(catalog, tables=tuple(_buildable_table(t) for t in catalog.tables))
