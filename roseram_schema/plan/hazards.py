"""How risky a statement is, decided from the change itself (never by reading the SQL)."""

from __future__ import annotations

import re

from ..model import Column
from .model import Hazard

# Functions whose value differs per row: a column added with such a default is filled row by
# row, which rewrites the table (a constant or stable default is stored once, PostgreSQL 11+).
_VOLATILE_CALLS = ("gen_random_uuid", "uuid_generate", "random", "clock_timestamp", "nextval",
                   "timeofday", "txid_current")
_INT_WIDTH = {"smallint": 2, "integer": 4, "bigint": 8}
_FLOAT_WIDTH = {"real": 4, "double precision": 8}
_TEXTUAL = ("text", "character varying", "varchar")


def rows_text(rows: int | None) -> str:
    """"~1,234 rows" for an estimate, "rows unknown" without one."""
    if rows is None:
        return "rows unknown"
    return "no rows" if rows <= 0 else f"~{rows:,} rows"


def lock_hazard(table: str, rows: int | None, what: str) -> list[Hazard]:
    """access_exclusive_lock, only when the table has (or may have) rows."""
    if rows is not None and rows <= 0:
        return []
    return [Hazard("access_exclusive_lock",
                   f"{what} holds an ACCESS EXCLUSIVE lock on {table} ({rows_text(rows)}): "
                   "reads and writes wait")]


def _is_serial(column: Column) -> bool:
    return column.type.lower().replace(" ", "") in ("serial", "bigserial", "smallserial", "serial4",
                                                     "serial8", "serial2")


def adds_with_rewrite(column: Column) -> bool:
    """True when ADD COLUMN has to write a value into every existing row."""
    if column.identity or column.generated is not None:
        return True
    if _is_serial(column):
        return True
    default = (column.default or "").lower()
    return any(f"{name}" in default for name in _VOLATILE_CALLS)


def needs_a_value(column: Column) -> bool:
    """True when ADD COLUMN of `column` cannot fill existing rows: NOT NULL with nothing to
    put there (no default, identity or generation expression), so PostgreSQL rejects it on
    a table with rows."""
    return (not column.nullable and column.default is None and column.identity is None
            and column.generated is None and not _is_serial(column))


def fails_on_existing_rows(key: str, table: str, rows: int | None) -> Hazard:
    """The blocking hazard of adding a NOT NULL column without a default to a table with rows."""
    return Hazard("fails_on_existing_rows",
                  f"adding {key} NOT NULL without a default fails: {table} has rows ({rows_text(rows)}). "
                  "Give it a default, or add it nullable, backfill it, then make it NOT NULL")


def checks_existing_rows(key: str, table: str, rows: int | None) -> Hazard:
    """SET NOT NULL reads every row, and fails if one holds NULL."""
    return Hazard("checks_existing_rows",
                  f"SET NOT NULL on {key} scans every row of {table} ({rows_text(rows)}) and fails if "
                  "one is NULL: backfill first (a validated CHECK (... IS NOT NULL) lets PostgreSQL skip the scan)")


_TYPE_RE = re.compile(r"^\s*([a-z_ ]+?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*(\[\])?\s*$")


def _parse(t: str) -> tuple[str, int | None, int | None, bool]:
    m = _TYPE_RE.match(t.lower())
    if not m:
        return t.lower(), None, None, False
    base = " ".join(m.group(1).split())
    base = {"int": "integer", "int4": "integer", "int8": "bigint", "int2": "smallint",
            "float8": "double precision", "float4": "real", "varchar": "character varying",
            "char": "character", "bpchar": "character", "decimal": "numeric"}.get(base, base)
    return (base, int(m.group(2)) if m.group(2) else None,
            int(m.group(3)) if m.group(3) else None, bool(m.group(4)))


def type_change_effects(old: str, new: str) -> tuple[bool, bool]:
    """(rewrites_table, may_delete_data) of changing a column from type `old` to `new`.

    Binary-compatible widenings (varchar(n) to a longer varchar or to text, numeric to an
    unconstrained numeric) change only the catalog. Narrowings (shorter strings, smaller
    numbers, fewer digits, a timestamp to a date) cut or reject values: they are treated as
    deleting data.
    """
    ob, olen, oscale, oarr = _parse(old)
    nb, nlen, nscale, narr = _parse(new)
    if oarr != narr:
        return True, True
    if ob in _TEXTUAL and nb in _TEXTUAL:
        if nlen is None:
            return False, False
        if olen is not None and nlen >= olen:
            return False, False
        return True, True
    if ob == nb == "numeric":
        if nlen is None:
            return False, False
        if olen is not None and nlen >= olen and (nscale or 0) == (oscale or 0):
            return False, False
        return True, True
    if ob in _INT_WIDTH and nb in _INT_WIDTH:
        return True, _INT_WIDTH[nb] < _INT_WIDTH[ob]
    if ob in _FLOAT_WIDTH and nb in _FLOAT_WIDTH:
        return True, _FLOAT_WIDTH[nb] < _FLOAT_WIDTH[ob]
    if ob in _INT_WIDTH and nb in ("numeric", "double precision", "bigint"):
        return True, False
    if ob.startswith("timestamp") and nb in ("date", "time without time zone", "time with time zone"):
        return True, True
    if ob == "character" and nb in _TEXTUAL:
        return True, False
    if nb in _TEXTUAL and nlen is None:
        return True, False  # anything prints as text
    return True, True  # an unrelated conversion can fail or lose what the new type cannot hold
