"""views/<schema>/<view>.sql: a full CREATE [MATERIALIZED] VIEW, or a bare query + header.

A header is a block of `-- key: value` lines at the top of the file; the values are YAML
(so `-- grants: {authenticated: [select]}` works). The header is parsed as YAML in place
(the `--` replaced by blanks), so error positions are file positions.
"""

from __future__ import annotations

import re

from pglast import ast
from pglast.enums import ViewCheckOption

from ..model import View
from .draft import Draft
from .namerules import check_sql_identifiers
from .positions import origin_at
from .problems import Problems
from .reader import Reader, SourceFile
from .relations import query_relation_offsets, query_relations
from .sqltext import parse_query, to_sql
from .statements import Statement, split_statements, tokens_of
from .tables import _index, read_grants_and_revokes
from .yamlnodes import parse_yaml

HEADER_KEYS = (
    "schema", "view", "materialized", "security_invoker", "security_barrier", "check_option",
    "columns", "comment", "grants", "revokes", "indexes",
)
_HEADER_LINE = re.compile(r"^--\s*[A-Za-z_][A-Za-z0-9_]*\s*:")


def read_view_file(file: SourceFile, r: Reader, schema: str, name: str, draft: Draft,
                   statements_handler) -> None:
    """Read one view file. `statements_handler` handles statements after a full CREATE VIEW."""
    lines = file.text.split("\n")
    header_end = 0
    while header_end < len(lines) and (
        _HEADER_LINE.match(lines[header_end].lstrip()) or not lines[header_end].strip()
        or lines[header_end].lstrip().startswith("--")
    ):
        header_end += 1
    body_start = sum(len(line) + 1 for line in lines[:header_end])
    body = file.text[body_start:]
    # A CREATE VIEW statement decides: its leading `-- ...:` lines are plain comments.
    statements = split_statements(file, Problems())
    if statements is not None:
        check_sql_identifiers(file.path, file.text, r.problems)
    if statements is None and body.lstrip()[:6].upper() == "CREATE":
        split_statements(file, r.problems)  # report the syntax error where it is
        return
    first = statements[0] if statements else None
    if first is not None and is_view_statement(first.node):
        view = view_from_statement(first, schema, r.problems)
        if view is not None and draft.add("views", view.key, view, view.origin):
            query = first.node.query
            draft.view_refs[view.key] = {
                dep: origin_at(file.path, file.text, first.base + offset)
                for dep, offset in query_relation_offsets(query, view.schema).items()
            }
        statements_handler(statements[1:], file, schema, draft)
        return
    if first is not None and not isinstance(first.node, ast.SelectStmt):
        r.problem(first.origin, f"{schema}.{name}",
                  "a view file holds a CREATE VIEW statement or a SELECT query",
                  "see the views section of the README's source format")
        return
    _view_from_header(file, r, schema, name, draft, lines[:header_end], body, body_start)


def is_view_statement(node: ast.Node) -> bool:
    """CREATE VIEW or CREATE MATERIALIZED VIEW."""
    return isinstance(node, ast.ViewStmt) or (
        isinstance(node, ast.CreateTableAsStmt) and node.objtype.name == "OBJECT_MATVIEW"
    )


def view_from_statement(stmt: Statement, default_schema: str, problems) -> View | None:
    """A View from a CREATE [MATERIALIZED] VIEW statement."""
    node = stmt.node
    if isinstance(node, ast.ViewStmt):
        rel, aliases, query_node = node.view, node.aliases, node.query
        options = {d.defname.lower(): _option_value(d) for d in node.options or ()}
        check = {
            ViewCheckOption.LOCAL_CHECK_OPTION: "local",
            ViewCheckOption.CASCADED_CHECK_OPTION: "cascaded",
        }.get(node.withCheckOption)
        if "check_option" in options:
            check = str(options.pop("check_option")).lower()
        materialized = False
    else:
        rel, aliases, query_node = node.into.rel, node.into.colNames, node.query
        options = {d.defname.lower(): _option_value(d) for d in node.into.options or ()}
        check = None
        materialized = True
    schema = rel.schemaname or default_schema
    obj = f"{schema}.{rel.relname}"
    for key in sorted(options):
        if key not in ("security_invoker", "security_barrier"):
            problems.add(stmt.origin, obj, f"view option {key!r} is not supported",
                      "supported: security_invoker, security_barrier, check_option")
    return View(
        schema=schema,
        name=rel.relname,
        query=_query_text(stmt) or to_sql(query_node),
        materialized=materialized,
        security_invoker=_truthy(options.get("security_invoker")),
        security_barrier=_truthy(options.get("security_barrier")),
        check_option=check,
        column_names=tuple(a.sval for a in aliases or ()),
        depends_on=query_relations(query_node, schema),
        origin=stmt.origin,
    )


def _option_value(d: ast.DefElem):
    arg = d.arg
    if arg is None:
        return True
    if isinstance(arg, ast.Boolean):
        return arg.boolval
    if isinstance(arg, ast.Integer):
        return arg.ival
    if isinstance(arg, ast.String):
        return arg.sval
    return to_sql(arg)


def _truthy(value) -> bool:
    if isinstance(value, str):
        return value.lower() in ("true", "on", "yes", "1")
    return bool(value)


def _query_text(stmt: Statement) -> str | None:
    """The query as written: from the first top-level AS up to a trailing WITH ... OPTION/DATA."""
    try:
        tokens = list(tokens_of(stmt.text))
    except Exception:  # noqa: BLE001 - fall back to printing the parse tree
        return None
    depth = 0
    start = None
    for i, tok in enumerate(tokens):
        if tok.name == "ASCII_40":
            depth += 1
        elif tok.name == "ASCII_41":
            depth -= 1
        elif tok.name == "AS" and depth == 0:
            rest = [t for t in tokens[i + 1:] if t.name not in ("SQL_COMMENT", "C_COMMENT")]
            if rest:
                start = rest[0].start
            break
    if start is None:
        return None
    end = len(stmt.text)
    names = [t.name for t in tokens]
    # trailing WITH [LOCAL|CASCADED] CHECK OPTION, WITH [NO] DATA
    for tail in (["WITH", "CHECK", "OPTION"], ["WITH", "LOCAL", "CHECK", "OPTION"],
                 ["WITH", "CASCADED", "CHECK", "OPTION"], ["WITH", "DATA_P"], ["WITH", "NO", "DATA_P"]):
        if names[-len(tail):] == tail:
            end = tokens[-len(tail)].start
            break
    return stmt.text[start:end].rstrip() or None


def _view_from_header(file, r: Reader, schema, name, draft, header_lines, body, body_start):
    # The header as YAML at the same positions: "--" becomes two blanks, other lines blank.
    yaml_lines = []
    for line in header_lines:
        stripped = line.lstrip()
        if _HEADER_LINE.match(stripped):
            indent = len(line) - len(stripped)
            yaml_lines.append(" " * indent + "  " + stripped[2:])
        else:
            yaml_lines.append(" " * len(line))  # same length: YAML offsets are file offsets
    yaml_text = "\n".join(yaml_lines) + "\n"
    node = parse_yaml(yaml_text, file.path, r.problems)
    obj = f"{schema}.{name}"
    fields = {}
    if node is not None and yaml_text.strip():
        fields = r.mapping(node, obj, "the view header", HEADER_KEYS) or {}
    schema = r.name(fields.get("schema"), obj, "schema") or schema
    name = r.name(fields.get("view"), obj, "view") or name
    obj = f"{schema}.{name}"
    query = body.strip()
    if query.endswith(";"):
        query = query[:-1].rstrip()
    lead = len(body) - len(body.lstrip())
    origin = origin_at(file.path, file.text, body_start + lead)
    if not query:
        r.problem(origin, obj, "the view file has no query")
        return
    query_node, error = parse_query(query)
    if error is not None:
        r.problem(origin_at(file.path, file.text, body_start + lead + error.offset), obj,
                  f"view query does not parse: {error.message}")
        return
    indexes = tuple(_index(n, r, obj) for n in r.seq(fields.get("indexes"), obj, "indexes"))
    materialized = bool(r.boolean(fields.get("materialized"), obj, "materialized"))
    if indexes and not materialized:
        r.problem(fields["indexes"].origin, obj, "only a materialized view can have indexes",
                  "add `-- materialized: true`")
    grants, revokes = read_grants_and_revokes(fields, r, obj, "view")
    view = View(
        schema=schema,
        name=name,
        query=query,
        materialized=materialized,
        security_invoker=bool(r.boolean(fields.get("security_invoker"), obj, "security_invoker")),
        security_barrier=bool(r.boolean(fields.get("security_barrier"), obj, "security_barrier")),
        check_option=_check_option(fields.get("check_option"), r, obj),
        column_names=r.names(fields.get("columns"), obj, "columns") or (),
        comment=r.text(fields.get("comment"), obj, "comment"),
        grants=grants,
        revokes=revokes,
        indexes=indexes,
        depends_on=query_relations(query_node, schema),
        origin=origin,
    )
    if draft.add("views", view.key, view, view.origin):
        draft.view_refs[view.key] = {
            dep: origin_at(file.path, file.text, body_start + lead + offset)
            for dep, offset in query_relation_offsets(query_node, schema).items()
        }


def _check_option(node, r: Reader, obj: str) -> str | None:
    """`local`, `cascaded`, or none (`false`/`none` also mean no check option)."""
    if node is None or node.is_null or (node.kind == "scalar" and node.value is False):
        return None
    if node.kind == "scalar" and str(node.text).lower() == "none":
        return None
    return r.choice(node, obj, "check_option", ("local", "cascaded"))
