"""Script files: SQL that runs as written, in file order, instead of being read as a model.

Design (issue 16, "any SQL PostgreSQL accepts is a valid source")

- Which files. A .sql file under schema/, policies/ or views/ stays declarative (read by
  sqlfiles.py, exactly as before) unless one of its statements is history-style
  (`is_history`): a statement kind the model does not take (DROP, DO, SET, INSERT, ALTER
  TABLE other than RLS switches and ADD CONSTRAINT, ALTER FUNCTION, ...), or a second
  CREATE OR REPLACE of a routine or view the same file already created. Then the whole file
  is a script file. Every .sql file under a folder named by project.yaml's `sql:` (and
  `supabase/migrations/` of a folder with none of project.yaml, schema/, policies/, views/:
  a declarative project keeps it for `migrate`) is a script file
  whatever it holds: a migrations history is read as a history. A project that compiled
  before has no history-style statement, so it loads, plans and drifts exactly as before.
- How they run. normalize builds the declarative objects first (one transaction, as
  before), then runs the script files in order (schema/, policies/, views/ files in path
  order, then each `sql:` folder in the order listed, its files in name order), each file
  on a connection of its own in autocommit, statement by statement, as `psql -f` runs a
  file: a script's own BEGIN/COMMIT are sent as written (a transaction left open at the
  end of a file is committed, as a migration tool does), SET lasts to the end of the file,
  check_function_bodies keeps PostgreSQL's default. The declarative build keeps its one
  transaction; the scratch database is thrown away, so the scripts need none of theirs.
  A statement PostgreSQL rejects is a SourceError at its file:line with PostgreSQL's words.
- What is read back. The desired state is inspected from the scratch database after the
  scripts, with every non-platform schema there in scope (a script's CREATE SCHEMA is
  managed) and the extensions scripts created. Origins: `creates` lists, per statement,
  the objects it defines (search_path followed as SET leaves it); an object gets the
  file:line of the last statement that defined it (normalize/scriptorigins.py).
- Data. INSERT/UPDATE/DELETE/MERGE/COPY/TRUNCATE and plain SELECTs (`SELECT setval(...)`)
  run in the scratch database so that later statements which need the rows work, but the
  model holds no rows and apply never runs them: plan and drift print a note naming each
  (normalize/scripts.py `data_notes`). A data statement into a platform table the scratch database lacks (the
  stand-in has no storage.buckets) is skipped there, and says so in its note.
- Texts. A script-created object has no source text: the plan writes it from the
  normalized (PostgreSQL-printed) definition (plan/texts.py falls back to it). Nor has a
  declared object a script re-defines or alters: its source text is set aside
  (normalize/scripts.py `texts_source`), and its origin is the script's statement.
- Cache. A project with script files is always normalized in a fresh scratch database
  (the kept database is advanced by diffing source catalogs, which scripts are not), and
  its files are part of the source fingerprint (loader.source_files).
"""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast
from pglast.enums import AlterTableType

from .sqltext import string_values
from .statements import Statement, first_words

# what a statement is, for the run and the notes
SCHEMA, DATA, SESSION, TRANSACTION = "schema", "data", "session", "transaction"

_DATA_NODES = frozenset({"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt", "CopyStmt",
                         "TruncateStmt"})


@dataclass(frozen=True)
class ScriptStatement:
    """One statement of a script file: its text as written, where it starts, what kind it
    is (SCHEMA, DATA, SESSION, TRANSACTION) and the objects it defines, as
    (kind, key) pairs: ("table", "public.t"), ("column", "public.t.c"), ("policy",
    "public.t.name"), ("function", "public.f"), ("view", ...), ("trigger", "s.t.name"),
    ("index", "s.name"), ("enum", ...), ("schema", name), ("extension", name), ("role",
    name), and ("altered", "schema.table") for an ALTER TABLE."""

    sql: str
    origin: object  # errors.Origin
    role: str = SCHEMA
    creates: tuple[tuple[str, str], ...] = ()
    # for a DATA statement, the table it writes ("schema.name"), when it names one
    target: str | None = None

    @property
    def summary(self) -> str:
        """The statement's first words, to name it in a note."""
        return first_words(self.sql)


@dataclass(frozen=True)
class Script:
    """A script file: its relative path and statements in file order."""

    path: str
    statements: tuple[ScriptStatement, ...]


def terminated(sql: str) -> str:
    """A statement's text with its semicolon, on a line of its own when the text ends in a
    `--` comment (which would swallow it)."""
    return sql + ("\n;" if "--" in sql.rsplit("\n", 1)[-1] else ";")


def is_history(statements: list[Statement], takes) -> bool:
    """True when a file's statements are not all ones the declarative reader takes
    (`takes(node)`: sqlfiles.takes, the reader's own dispatch; see the module doc): the
    file is then a script file."""
    created: set[tuple[str, str]] = set()
    for stmt in statements:
        node = stmt.node
        name = type(node).__name__
        if not takes(node):
            return True
        if name == "TransactionStmt":
            if node.kind.name not in ("TRANS_STMT_BEGIN", "TRANS_STMT_START", "TRANS_STMT_COMMIT"):
                return True
        elif name == "CreateTableAsStmt":
            if node.objtype.name != "OBJECT_MATVIEW":
                return True
        elif name == "CreateSchemaStmt" and node.schemaElts:
            return True
        elif name in ("CreateFunctionStmt", "ViewStmt"):
            key = (name, ".".join(string_values(node.funcname) if name == "CreateFunctionStmt"
                                  else (node.view.schemaname or "", node.view.relname)))
            if key in created:
                return True  # replaced again: a history
            created.add(key)
    return False


def read_script(path: str, statements: list[Statement]) -> Script:
    """The Script of a file's parsed statements (search_path followed for `creates`)."""
    path_schema = ["public"]
    out = []
    for stmt in statements:
        role = _role(stmt.node)
        schema = path_schema[0]
        if role == SESSION:
            first = _search_path_of(stmt.node)
            if first is not None:
                path_schema[0] = first
        creates = tuple(_creates(stmt.node, schema)) if role == SCHEMA else ()
        target = _target(stmt.node, schema) if role == DATA else None
        out.append(ScriptStatement(stmt.text, stmt.origin, role, creates, target))
    return Script(path, tuple(out))


def _role(node) -> str:
    name = type(node).__name__
    if name == "TransactionStmt":
        return TRANSACTION
    if name in ("VariableSetStmt", "VariableShowStmt", "DiscardStmt"):
        return SESSION
    if name in _DATA_NODES:
        return DATA
    if name == "SelectStmt" and node.intoClause is None:
        return SESSION if _calls(node) == {"set_config"} else DATA
    return SCHEMA


def _calls(select) -> set[str]:
    """Names of the functions a plain `SELECT f(...), g(...)` calls."""
    names = set()
    for target in select.targetList or ():
        value = getattr(target, "val", None)
        if isinstance(value, ast.FuncCall):
            names.add(string_values(value.funcname)[-1])
        else:
            names.add("")
    return names


def _search_path_of(node) -> str | None:
    """The first schema a `SET search_path` (or set_config('search_path', ...)) names."""
    values: list[str] = []
    if isinstance(node, ast.VariableSetStmt) and (node.name or "").lower() == "search_path":
        for arg in node.args or ():
            value = getattr(arg, "val", None)
            if isinstance(value, ast.String):
                values.append(value.sval)
    elif isinstance(node, ast.SelectStmt):
        call = node.targetList[0].val
        args = call.args or ()
        if (len(args) >= 2 and isinstance(args[0], ast.A_Const) and isinstance(args[1], ast.A_Const)
                and getattr(args[0].val, "sval", None) == "search_path"):
            values = [v.strip().strip('"') for v in (getattr(args[1].val, "sval", "") or "").split(",")]
    for value in values:
        if value and value != "$user" and not value.startswith("pg_"):
            return value
    return None


def _qualified(relation, schema: str) -> str:
    return f"{relation.schemaname or schema}.{relation.relname}"


def _target(node, schema: str) -> str | None:
    relation = getattr(node, "relation", None)
    if isinstance(relation, ast.RangeVar):
        return _qualified(relation, schema)
    if isinstance(node, ast.TruncateStmt) and node.relations:
        return _qualified(node.relations[0], schema)
    return None


def _creates(node, schema: str):
    """(kind, key) of every object `node` defines (see ScriptStatement)."""
    if isinstance(node, ast.CreateStmt):
        key = _qualified(node.relation, schema)
        yield "table", key
        for element in node.tableElts or ():
            if isinstance(element, ast.ColumnDef):
                yield "column", f"{key}.{element.colname}"
    elif isinstance(node, ast.ViewStmt):
        yield "view", _qualified(node.view, schema)
    elif isinstance(node, ast.CreateTableAsStmt) and node.objtype.name == "OBJECT_MATVIEW":
        yield "view", _qualified(node.into.rel, schema)
    elif isinstance(node, ast.CreateTableAsStmt) or (isinstance(node, ast.SelectStmt) and node.intoClause):
        into = node.into if isinstance(node, ast.CreateTableAsStmt) else node.intoClause
        yield "table", _qualified(into.rel, schema)
    elif isinstance(node, ast.CreateFunctionStmt):
        names = string_values(node.funcname)
        yield "function", f"{names[-2] if len(names) > 1 else schema}.{names[-1]}"
    elif isinstance(node, ast.CreatePolicyStmt):
        yield "policy", f"{_qualified(node.table, schema)}.{node.policy_name}"
    elif isinstance(node, ast.CreateTrigStmt):
        yield "trigger", f"{_qualified(node.relation, schema)}.{node.trigname}"
    elif isinstance(node, ast.IndexStmt) and node.idxname:
        yield "index", f"{node.relation.schemaname or schema}.{node.idxname}"
    elif isinstance(node, ast.CreateEnumStmt):
        names = string_values(node.typeName)
        yield "enum", f"{names[-2] if len(names) > 1 else schema}.{names[-1]}"
    elif isinstance(node, ast.CreateSchemaStmt) and node.schemaname:
        yield "schema", node.schemaname
    elif isinstance(node, ast.CreateExtensionStmt):
        yield "extension", node.extname
    elif isinstance(node, ast.CreateRoleStmt) and node.role:
        yield "role", node.role
    elif isinstance(node, ast.AlterTableStmt) and node.relation is not None:
        key = _qualified(node.relation, schema)
        yield "altered", key  # its source text, if any, no longer says what it is
        for cmd in node.cmds or ():
            if cmd.subtype == AlterTableType.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
                yield "column", f"{key}.{cmd.def_.colname}"
            elif cmd.subtype == AlterTableType.AT_AddConstraint and getattr(cmd.def_, "conname", None):
                yield "constraint", f"{key}.{cmd.def_.conname}"
    elif isinstance(node, ast.RenameStmt) and node.relation is not None and node.newname:
        if node.renameType.name in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW"):
            kind = "table" if node.renameType.name == "OBJECT_TABLE" else "view"
            yield kind, f"{node.relation.schemaname or schema}.{node.newname}"
