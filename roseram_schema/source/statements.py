"""Splitting a SQL file into statements with their text and file position (pglast)."""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast
from pglast.parser import ParseError, parse_sql, scan

from ..errors import Origin
from .positions import origin_at
from .problems import Problems
from .reader import SourceFile


@dataclass(frozen=True)
class Statement:
    """One parsed statement: its AST, its exact text and where it starts in the file."""

    node: ast.Node
    text: str
    start: int
    origin: Origin
    # offset in the file of the text the statement was parsed from (pglast locations are
    # relative to it)
    base: int = 0


def split_statements(file: SourceFile, problems: Problems, text: str | None = None,
                     base: int = 0) -> list[Statement] | None:
    """Parse `text` (default: the whole file) into Statements; None (problem recorded) on error.

    `base` is the offset of `text` inside the file, so positions stay file positions.
    """
    sql = file.text if text is None else text
    try:
        raw = parse_sql(sql)
    except ParseError as exc:
        location = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
        message = str(exc.args[0]) if exc.args else str(exc)
        if location is None:
            location = len(sql.rstrip()) if "end of input" in message else 0
        problems.add(origin_at(file.path, file.text, base + location), "",
                     f"SQL does not parse: {message}", root=True)
        return None
    out = []
    for item in raw:
        start = item.stmt_location or 0
        end = start + item.stmt_len if item.stmt_len else len(sql)
        start = _skip_blanks_and_comments(sql, start, end)
        body = sql[start:end].rstrip()
        if body.endswith(";"):
            body = body[:-1].rstrip()
        out.append(Statement(item.stmt, body, base + start, origin_at(file.path, file.text, base + start), base))
    return out


def _skip_blanks_and_comments(sql: str, start: int, end: int) -> int:
    """The offset of the statement's first token (comments before it are not part of it)."""
    try:
        tokens = scan(sql[start:end])
    except Exception:  # noqa: BLE001 - scanning a parsed statement does not fail in practice
        return start
    for token in tokens:
        if token.name not in ("SQL_COMMENT", "C_COMMENT"):
            return start + token.start
    return start


def tokens_of(text: str):
    """pglast scanner tokens of a statement (comments included)."""
    return scan(text)


def unsupported(stmt: Statement, problems: Problems, what: str | None = None) -> None:
    """Report a statement roseram-schema does not manage (nothing is silently ignored)."""
    kind = what or type(stmt.node).__name__.replace("Stmt", "")
    problems.add(stmt.origin, first_words(stmt.text), f"{kind} statements are not managed by roseram-schema",
                 "supported: CREATE TABLE/INDEX/POLICY/TYPE ... AS ENUM/FUNCTION/PROCEDURE/TRIGGER/"
                 "SCHEMA/EXTENSION/VIEW, ALTER TABLE (row level security, add constraint), GRANT, "
                 "REVOKE, COMMENT ON")


def first_words(text: str) -> str:
    """The first three words of a statement, to name it in a message."""
    return " ".join(text.split()[:3])
