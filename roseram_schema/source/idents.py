"""Identifiers in SQL-ish YAML values: `schema.table`, `table(col, col)`."""

from __future__ import annotations

import re

_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_QUALIFIED = re.compile(rf"^\s*(?:({_IDENT})\s*\.\s*)?({_IDENT})\s*$")
_REFERENCE = re.compile(rf"^\s*(?:({_IDENT})\s*\.\s*)?({_IDENT})\s*(?:\((.*)\))?\s*$", re.S)


def unquote(ident: str) -> str:
    """SQL identifier semantics: "Quoted" kept as is, unquoted folded to lower case."""
    if ident.startswith('"'):
        return ident[1:-1].replace('""', '"')
    return ident.lower()


def split_qualified(text: str, default_schema: str) -> tuple[str, str] | None:
    """`schema.name` or `name` (in `default_schema`); None if it is not a (qualified) name."""
    m = _QUALIFIED.match(text)
    if not m:
        return None
    schema = unquote(m.group(1)) if m.group(1) else default_schema
    return schema, unquote(m.group(2))


def parse_reference(text: str, default_schema: str) -> tuple[str, str, tuple[str, ...]] | None:
    """`[schema.]table[(col, ...)]` -> (schema, table, columns); columns () when omitted."""
    m = _REFERENCE.match(text)
    if not m:
        return None
    schema = unquote(m.group(1)) if m.group(1) else default_schema
    columns: tuple[str, ...] = ()
    if m.group(3) is not None:
        parts = [p.strip() for p in m.group(3).split(",")]
        if not all(re.fullmatch(_IDENT, p) for p in parts):
            return None
        columns = tuple(unquote(p) for p in parts)
    return schema, unquote(m.group(2)), columns
