"""Which sequences a column makes: `serial` (a sequence of PostgreSQL's default options,
named `<table>_<column>_seq`, owned by the column, the column defaulting to it) and
`GENERATED ... AS IDENTITY`. Such a sequence is created and dropped with its column; the
diff, compile (a rebuilt live schema) and import only manage its grants and comment."""

from __future__ import annotations

from dataclasses import replace

from . import Catalog, Column, Sequence

TYPE_MAX = {"smallint": 32767, "integer": 2147483647, "bigint": 9223372036854775807}


def serial_shaped(seq: Sequence, table: str, column: Column) -> bool:
    """Whether `seq` is exactly what `serial` makes for `table.column`."""
    top = TYPE_MAX.get(seq.data_type)
    return (
        top is not None
        and seq.name == f"{table}_{column.name}_seq"
        and seq.owned_by == f"{table}.{column.name}"
        and column.type == seq.data_type
        and column.identity is None
        and (seq.start, seq.increment, seq.min_value, seq.max_value, seq.cache, seq.cycle) == (1, 1, 1, top, 1, False)
        and column.default is not None
        and column.default.startswith("nextval(")
        and f"{seq.name}'" in column.default
    )


def made_by_column(seq: Sequence, columns: dict[str, Column]) -> bool:
    """Whether creating its owning column makes `seq`; `columns` maps "schema.table.column"
    to the columns considered (e.g. the ones a diff creates)."""
    if not seq.owned_by:
        return False
    column = columns.get(f"{seq.schema}.{seq.owned_by}")
    if column is None:
        return False
    table = seq.owned_by.partition(".")[0]
    return (seq.identity and column.identity is not None) or serial_shaped(seq, table, column)


def column_sequences(catalog: Catalog) -> set[str]:
    """Keys of the catalog's sequences that their column makes."""
    columns = {f"{t.key}.{c.name}": c for t in catalog.tables for c in t.columns}
    return {s.key for s in catalog.sequences if made_by_column(s, columns)}


def without_sequence_grants(catalog: Catalog) -> tuple[Sequence, ...]:
    """The catalog's sequences without grants and comments, the ones their column makes
    marked `implicit` (a probe database needs the sequences, nothing about them)."""
    made = column_sequences(catalog)
    return tuple(replace(s, grants=(), revoked=(), comment=None, implicit=s.key in made) for s in catalog.sequences)
