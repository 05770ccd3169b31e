"""Small text helpers shared by the DDL renderers (not part of the public API)."""

from __future__ import annotations

from ...model import quote_ident, quote_literal


def idents(names) -> str:
    """A comma-separated list of quoted identifiers."""
    return ", ".join(quote_ident(n) for n in names)


def role_name(name: str) -> str:
    """A grantee or policy role: PUBLIC is a key word there, every other name an identifier."""
    if name.lower() == "public":
        return "PUBLIC"
    return quote_ident(name)


def roles(names) -> str:
    """A comma-separated role list for TO / FROM clauses."""
    return ", ".join(role_name(n) for n in names)


def collation(name: str) -> str:
    """A collation name; a name already quoted or schema-qualified is taken as written."""
    if '"' in name or "." in name:
        return name
    return quote_ident(name)


def comment_text(text: str | None) -> str:
    """The literal of COMMENT ON ... IS: NULL removes the comment."""
    return "NULL" if text is None else quote_literal(text)


def strip_statement(sql: str) -> str:
    """A statement as written in a file, without surrounding blanks and trailing semicolons."""
    sql = sql.strip()
    while sql.endswith(";"):
        sql = sql[:-1].rstrip()
    return sql


def optional(flag: bool, text: str) -> str:
    """`text` followed by a space when `flag`, else nothing (for optional key words)."""
    return f"{text} " if flag else ""
