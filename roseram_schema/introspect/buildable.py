"""Make an inspected catalog compilable again.

A serial column reads back as `bigint DEFAULT nextval('t_id_seq'::regclass)` with its
sequence beside it, so compiling an inspected catalog as is would create that sequence
twice. `buildable_catalog` turns such columns back into serial types, which create their
own sequence, and marks the sequences serial and identity columns make `implicit`
(model/sequences.py). Used where a live schema is rebuilt elsewhere (verify --db).
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..model import Catalog, Column, Table
from ..model.sequences import column_sequences

_NEXTVAL = re.compile(r"^nextval\('[^']+'::regclass\)$")
_SERIAL_OF = {"integer": "serial", "bigint": "bigserial", "smallint": "smallserial"}


def buildable_column(column: Column, made: bool) -> Column:
    """`column` with a nextval() default on an integer type written as its serial type, when
    `made`: its sequence is the one serial makes (another is a sequence of the catalog)."""
    serial = _SERIAL_OF.get(column.type)
    if made and serial and column.default and _NEXTVAL.match(column.default) and not column.identity:
        return replace(column, type=serial, default=None)
    return column


def serial_named(table: Table, column: Column) -> bool:
    """Whether `column`'s nextval() default names the sequence serial would make for it
    (`<table>_<column>_seq`), where no catalog of sequences is at hand (plan texts)."""
    return bool(column.default and _NEXTVAL.match(column.default)
                and f"{table.name}_{column.name}_seq'" in column.default)


def _buildable_table(table: Table, made: set[str]) -> Table:
    # only the columns whose sequence serial makes: another nextval() names a sequence of the catalog
    columns = tuple(buildable_column(c, f"{table.schema}.{table.name}_{c.name}_seq" in made)
                    for c in table.columns)
    return table if columns == table.columns else replace(table, columns=columns)


def buildable_catalog(catalog: Catalog) -> Catalog:
    """`catalog` with nextval()-defaulted integer columns written as serial types, and the
    sequences serial and identity columns make marked `implicit` (not created again)."""
    made = column_sequences(catalog)
    sequences = tuple(replace(s, implicit=True) if s.key in made else s for s in catalog.sequences)
    return replace(catalog, tables=tuple(_buildable_table(t, made) for t in catalog.tables), sequences=sequences)
