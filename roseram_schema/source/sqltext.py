"""SQL snippets in the source (expressions, types, index keys): parse, check, print.

Every snippet is parsed by PostgreSQL's own parser (pglast) wrapped in a statement that
accepts exactly that kind of snippet, so "does it parse" means what PostgreSQL means.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pglast import ast
from pglast.parser import ParseError, parse_sql
from pglast.stream import RawStream


@dataclass(frozen=True)
class SnippetError:
    """A snippet that does not parse: the message and the offset inside the snippet."""

    message: str
    offset: int


@lru_cache(maxsize=1 << 16)
def _parse(prefix: str, text: str, suffix: str = ""):
    """Parse prefix+text+suffix; a ParseError offset is returned relative to `text`.

    Cached: projects repeat the same types and expressions thousands of times, building
    pglast's Python trees is the loader's main cost, and the trees are never mutated.
    """
    sql = prefix + text + suffix
    try:
        return parse_sql(sql), None
    except ParseError as exc:
        location = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
        message = str(exc.args[0]) if exc.args else str(exc)
        if location is None:
            # PostgreSQL gives no position for "at end of input": that is the end of the text
            location = len(sql) - len(suffix) if "end of input" in message else len(prefix)
        offset = max(0, min(location - len(prefix), len(text)))
        return None, SnippetError(message, offset)


@lru_cache(maxsize=1 << 16)
def parse_expression(text: str) -> tuple[ast.Node | None, SnippetError | None]:
    """A scalar SQL expression (a default, a check, a policy's using...)."""
    stmts, error = _parse("SELECT ", text)
    if error:
        return None, error
    stmt = stmts[0].stmt if len(stmts) == 1 else None
    if (
        not isinstance(stmt, ast.SelectStmt)
        or not stmt.targetList
        or len(stmt.targetList) != 1
        or stmt.targetList[0].name
        or any(
            getattr(stmt, attr)
            for attr in ("fromClause", "whereClause", "groupClause", "havingClause",
                         "sortClause", "limitCount", "limitOffset", "windowClause",
                         "distinctClause", "lockingClause", "withClause")
        )
        or stmt.op.value != 0
    ):
        return None, SnippetError("expected one SQL expression", 0)
    return stmt.targetList[0].val, None


@lru_cache(maxsize=1 << 16)
def parse_type(text: str) -> tuple[ast.TypeName | None, SnippetError | None]:
    """A column/argument type such as `varchar(20)`, `text[]`, `public.mood`."""
    stmts, error = _parse("SELECT NULL::", text)
    if error:
        return None, error
    stmt = stmts[0].stmt if len(stmts) == 1 else None
    if (
        not isinstance(stmt, ast.SelectStmt)
        or not stmt.targetList
        or len(stmt.targetList) != 1
        or stmt.targetList[0].name
        or not isinstance(stmt.targetList[0].val, ast.TypeCast)
        or stmt.fromClause
    ):
        return None, SnippetError("expected a type name", 0)
    return stmt.targetList[0].val.typeName, None


@lru_cache(maxsize=1 << 16)
def parse_index_key(text: str) -> tuple[ast.IndexElem | None, SnippetError | None]:
    """One index key: a column or an expression, with optional collation/opclass/order."""
    stmts, error = _parse("CREATE INDEX ON t (", text, ")")
    if error:
        return None, error
    stmt = stmts[0].stmt if len(stmts) == 1 else None
    if not isinstance(stmt, ast.IndexStmt) or len(stmt.indexParams or ()) != 1:
        return None, SnippetError("expected one index key (a column or an expression)", 0)
    return stmt.indexParams[0], None


@lru_cache(maxsize=1 << 16)
def parse_partition_by(text: str) -> tuple[ast.PartitionSpec | None, SnippetError | None]:
    """A PARTITION BY clause body: `RANGE (created_at)`, `LIST (kind)`, `HASH (id)`."""
    stmts, error = _parse("CREATE TABLE t () PARTITION BY ", text)
    if error:
        return None, error
    stmt = stmts[0].stmt if len(stmts) == 1 else None
    if not isinstance(stmt, ast.CreateStmt) or stmt.partspec is None:
        return None, SnippetError("expected RANGE (...), LIST (...) or HASH (...)", 0)
    return stmt.partspec, None


@lru_cache(maxsize=1 << 16)
def parse_partition_bound(text: str) -> tuple[ast.PartitionBoundSpec | None, SnippetError | None]:
    """A partition bound: `FOR VALUES FROM (...) TO (...)`, `FOR VALUES IN (...)`, `DEFAULT`."""
    stmts, error = _parse("CREATE TABLE p PARTITION OF t ", text)
    if error:
        return None, error
    stmt = stmts[0].stmt if len(stmts) == 1 else None
    if not isinstance(stmt, ast.CreateStmt) or stmt.partbound is None:
        return None, SnippetError("expected FOR VALUES ... or DEFAULT", 0)
    return stmt.partbound, None


def parse_query(text: str) -> tuple[ast.Node | None, SnippetError | None]:
    """A view's query: one SELECT (or VALUES / set operation)."""
    stmts, error = _parse("", text)
    if error:
        return None, error
    if len(stmts) != 1 or not isinstance(stmts[0].stmt, ast.SelectStmt):
        return None, SnippetError("expected exactly one SELECT query", 0)
    return stmts[0].stmt, None


def to_sql(node: ast.Node) -> str:
    """Print a parse-tree node back as SQL, on one line."""
    return RawStream()(node)


def string_values(nodes) -> tuple[str, ...]:
    """The names in a tuple of pglast String nodes."""
    return tuple(n.sval for n in nodes or ())
