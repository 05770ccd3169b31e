"""Any DDL file under schema/ or policies/ (and the statements after a CREATE VIEW).

Definitions go into the draft at once; statements that modify another object (indexes,
RLS switches, policies, grants, comments, partitions, added constraints) are queued in
`draft.later`, so they work whatever file the object itself is declared in. What is queued
is a partial of a module function (never a closure), so a file's Draft can be cached.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from pglast import ast
from pglast.enums import AlterTableType

from ..model import Enum, Extension, Partition, Policy, Schema
from ..platform import PLATFORM_TABLES
from .draft import Draft
from .namerules import check_sql_identifiers
from .policies import check_policy_clauses
from .positions import origin_at
from .problems import Problems, did_you_mean
from .reader import SourceFile
from .relations import walk
from .scripts import is_history, read_script
from .sqlaccess import comment_statement, grant_statement, role_name
from .defaultprivs import alter_default_privileges
from .sqlfunctions import function_from, trigger_from
from .sqlplatform import (alter_publication_statement, attach_platform_alter, attach_platform_policy,
                          create_publication, replica_identity_of, take_over_indexes)
from .sqltables import TableParts, index_from, table_from
from .sqltext import string_values, to_sql
from .sqltypes import type_handlers
from .statements import Statement, split_statements, unsupported
from .views import is_view_statement, view_from_statement


def read_sql_file(file: SourceFile, problems: Problems, schema: str, draft: Draft, *,
                  script: bool = False) -> None:
    """Parse a SQL file and add what it declares to the draft; a file with a history-style
    statement (or any file when `script`) is a script file instead (scripts.py)."""
    statements = split_statements(file, problems)
    if statements is None:
        return
    if script or is_history(statements, takes):
        draft.scripts.append(read_script(file.path, statements))
        return
    check_sql_identifiers(file.path, file.text, problems)
    handle_statements(statements, file, schema, draft)


def handle_statements(statements: list[Statement], file: SourceFile, schema: str, draft: Draft) -> None:
    """Add each statement's object to the draft (or queue it); report the unsupported ones."""
    for stmt in statements:
        handler = _HANDLERS.get(type(stmt.node).__name__)
        if handler is None:
            unsupported(stmt, draft.problems)
            continue
        handler(stmt, file, schema, draft)


def _origin_of(file: SourceFile, stmt: Statement):
    """Origin of a node inside `stmt` (pglast locations are offsets in the parsed text)."""

    def origin_of(node):
        # an expression's own location is often its operator: use its leftmost token
        locations = [n.location for n in walk(node)
                     if isinstance(getattr(n, "location", None), int) and n.location >= 0]
        if not locations:
            return stmt.origin
        return origin_at(file.path, file.text, stmt.base + min(locations))

    return origin_of


def _create_table(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    node: ast.CreateStmt = stmt.node
    if node.partbound is not None:
        _partition_of(stmt, schema, draft)
        return
    table, unsupported = table_from(node, schema, stmt.origin, _origin_of(file, stmt))
    for what in unsupported:
        draft.problems.add(stmt.origin, table.key, f"{what} is not supported in a table")
    draft.add("tables", table.key, table, table.origin)


def _partition_of(stmt: Statement, schema: str, draft: Draft) -> None:
    node: ast.CreateStmt = stmt.node
    parent = node.inhRelations[0]
    parent_key = f"{parent.schemaname or schema}.{parent.relname}"
    own_schema = node.relation.schemaname or schema
    partition = Partition(node.relation.relname, to_sql(node.partbound), stmt.origin)
    draft.later.append(partial(_attach_partition, parent_key, own_schema, partition, stmt.origin))


def _attach_partition(parent_key: str, own_schema: str, partition: Partition, origin, d: Draft) -> None:
    table = d.tables.get(parent_key)
    if table is None:
        d.problems.add(origin, partition.name, f"partition of {parent_key}, which is not declared",
                       did_you_mean(parent_key, d.tables))
        return
    if own_schema != table.schema:
        d.problems.add(origin, partition.name, "a partition must be in the schema of its parent table")
        return
    d.tables[parent_key] = replace(table, partitions=table.partitions + (partition,))


def _create_index(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    node: ast.IndexStmt = stmt.node
    key = f"{node.relation.schemaname or schema}.{node.relation.relname}"
    draft.later.append(partial(_attach_index, key, index_from(node, stmt.origin), stmt.origin))


def _attach_index(key: str, index, origin, d: Draft) -> None:
    if key in d.tables:
        d.tables[key] = replace(d.tables[key], indexes=d.tables[key].indexes + (index,))
    elif key in d.views and d.views[key].materialized:
        d.views[key] = replace(d.views[key], indexes=d.views[key].indexes + (index,))
    else:
        d.problems.add(origin, index.name or key, f"index on {key}, which is not a declared "
                       "table or materialized view", did_you_mean(key, (*d.tables, *d.views)))


def _alter_table(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    node: ast.AlterTableStmt = stmt.node
    key = f"{node.relation.schemaname or schema}.{node.relation.relname}"
    changes = []
    parts = TableParts(node.relation.relname, node.relation.schemaname or schema)
    origin_of = _origin_of(file, stmt)
    for cmd in node.cmds or ():
        sub = cmd.subtype
        if sub == AlterTableType.AT_EnableRowSecurity:
            changes.append({"rls_enabled": True})
        elif sub == AlterTableType.AT_DisableRowSecurity:
            changes.append({"rls_enabled": False})
        elif sub == AlterTableType.AT_ForceRowSecurity:
            changes.append({"rls_forced": True})
        elif sub == AlterTableType.AT_NoForceRowSecurity:
            changes.append({"rls_forced": False})
        elif sub == AlterTableType.AT_AddConstraint:
            parts.add(cmd.def_, origin_of(cmd.def_))
        elif sub == AlterTableType.AT_ReplicaIdentity:
            changes.append({"replica_identity": replica_identity_of(cmd.def_)})
        else:
            unsupported(stmt, draft.problems, f"ALTER TABLE {sub.name[3:]}")
            return
    for what in parts.unsupported:
        draft.problems.add(stmt.origin, key, f"{what} constraints are not supported")
    draft.later.append(partial(_attach_alter_table, key, changes, parts, stmt.origin))


def _attach_alter_table(key: str, changes: list[dict], parts: TableParts, origin, d: Draft) -> None:
    table = d.tables.get(key)
    if table is None and key in PLATFORM_TABLES:
        attach_platform_alter(key, changes, parts, origin, d)
        return
    if table is None:
        # partitions attach in `later` too, in file order: look for one once all are known
        d.after_naming.append(partial(_attach_partition_alter, key, changes, parts, origin))
        return
    for change in changes:
        table = replace(table, **change)
    if parts.using_index:
        table, parts = take_over_indexes(table, parts, origin, d.problems)
    if parts.primary_key is not None:
        if table.primary_key is not None:
            d.problems.add(origin, key, "the table already has a primary key")
        else:
            table = replace(table, primary_key=parts.primary_key, columns=tuple(
                replace(c, nullable=False) if c.name in parts.primary_key.columns else c
                for c in table.columns))
    d.tables[key] = replace(
        table,
        uniques=table.uniques + tuple(parts.uniques),
        checks=table.checks + tuple(parts.checks),
        foreign_keys=table.foreign_keys + tuple(parts.foreign_keys),
        exclusions=table.exclusions + tuple(parts.exclusions),
    )


def _attach_partition_alter(key: str, changes: list[dict], parts: TableParts, origin, d: Draft) -> None:
    """ALTER TABLE of a declared partition: only the row-level-security switches its parent
    has too. A partition named directly answers with its own RLS, and the tool gives every
    partition its parent's switches (diff/tables.py), so a switch that agrees with the parent
    is taken as said; one that would leave the partition otherwise is an error, not ignored."""
    schema, _, name = key.partition(".")
    parent = next((t for t in d.tables.values() if t.schema == schema
                   and any(p.name == name for p in t.partitions)), None)
    if parent is None:
        d.problems.add(origin, key, f"ALTER TABLE of {key}, which is not declared",
                       did_you_mean(key, d.tables))
        return
    if parts.primary_key is not None or parts.uniques or parts.checks or parts.foreign_keys:
        d.problems.add(origin, key, "constraints of a partition come from its parent table",
                       f"add them to {parent.key}")
    for change in changes:
        for switch, wanted in change.items():
            if getattr(parent, switch) != wanted:
                what = "row level security" if switch == "rls_enabled" else "forced row level security"
                d.problems.add(origin, key, f"a partition gets its parent's {what} "
                               f"({'on' if getattr(parent, switch) else 'off'} for {parent.key})",
                               f"set it on {parent.key}: every partition follows it")


def _create_policy(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    node: ast.CreatePolicyStmt = stmt.node
    key = f"{node.table.schemaname or schema}.{node.table.relname}"
    command = (node.cmd_name or "all").lower()
    obj = f"{key}: policy {node.policy_name!r}"
    origin_of = _origin_of(file, stmt)
    check_policy_clauses(command, origin_of(node.qual) if node.qual is not None else None,
                         origin_of(node.with_check) if node.with_check is not None else None,
                         draft.problems, obj)
    policy = Policy(
        name=node.policy_name,
        command=command,
        permissive=bool(node.permissive),
        roles=tuple(sorted({role_name(r) for r in node.roles or ()})) or ("public",),
        using=to_sql(node.qual) if node.qual is not None else None,
        with_check=to_sql(node.with_check) if node.with_check is not None else None,
        origin=stmt.origin,
    )
    draft.later.append(partial(_attach_policy, key, obj, policy, stmt.origin))


def _attach_policy(key: str, obj: str, policy: Policy, origin, d: Draft) -> None:
    table = d.tables.get(key)
    if table is None and key in PLATFORM_TABLES:
        attach_platform_policy(key, policy, d)
        return
    if table is None:
        d.problems.add(origin, obj, f"policy on {key}, which is not a declared table",
                       did_you_mean(key, d.tables))
        return
    d.tables[key] = replace(table, policies=table.policies + (policy,))


def _create_enum(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    node: ast.CreateEnumStmt = stmt.node
    names = string_values(node.typeName)
    enum = Enum(names[-2] if len(names) > 1 else schema, names[-1],
                tuple(string_values(node.vals)), origin=stmt.origin)
    draft.add("enums", enum.key, enum, enum.origin)


def _create_function(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    function, unsupported = function_from(stmt.node, schema, stmt.text, stmt.origin)
    for what in unsupported:
        draft.problems.add(stmt.origin, function.signature, f"{what} is not supported",
                           "give the setting's value explicitly")
    draft.add("functions", function.key, function, function.origin)


def _create_trigger(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    trigger = trigger_from(stmt.node, schema, stmt.text, stmt.origin)
    draft.add("triggers", trigger.key, trigger, trigger.origin)


def _create_schema(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    node: ast.CreateSchemaStmt = stmt.node
    if node.schemaElts:
        unsupported(stmt, draft.problems, "CREATE SCHEMA with elements")
        return
    if node.schemaname not in draft.schemas:
        draft.schemas[node.schemaname] = Schema(node.schemaname, origin=stmt.origin)


def _create_extension(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    node: ast.CreateExtensionStmt = stmt.node
    ext_schema = None
    for opt in node.options or ():
        if opt.defname == "schema":
            ext_schema = opt.arg.sval
    ext = Extension(node.extname, ext_schema, origin=stmt.origin)
    draft.add("extensions", ext.name, ext, ext.origin)


def _create_view(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    if not is_view_statement(stmt.node):
        unsupported(stmt, draft.problems, "CREATE TABLE AS")
        return
    view = view_from_statement(stmt, schema, draft.problems)
    if view is not None:
        draft.add("views", view.key, view, view.origin)


def _ignore(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    """BEGIN/COMMIT around DDL change nothing in the model."""
    if stmt.node.kind.name not in ("TRANS_STMT_BEGIN", "TRANS_STMT_START", "TRANS_STMT_COMMIT"):
        unsupported(stmt, draft.problems, stmt.node.kind.name.replace("TRANS_STMT_", ""))


_HANDLERS = {
    "CreateStmt": _create_table,
    "IndexStmt": _create_index,
    "AlterTableStmt": _alter_table,
    "CreatePolicyStmt": _create_policy,
    "CreateEnumStmt": _create_enum,
    "CreateFunctionStmt": _create_function,
    "CreateTrigStmt": _create_trigger,
    "CreateSchemaStmt": _create_schema,
    "CreateExtensionStmt": _create_extension,
    "GrantStmt": grant_statement,
    "AlterDefaultPrivilegesStmt": alter_default_privileges,
    "CommentStmt": comment_statement,
    "ViewStmt": _create_view,
    "CreateTableAsStmt": _create_view,
    "TransactionStmt": _ignore,
    "CreatePublicationStmt": create_publication,
    "AlterPublicationStmt": alter_publication_statement,
}
# domains, composite types, sequences (and GRANT/COMMENT on them): source/sqltypes.py
_HANDLERS.update(type_handlers(_HANDLERS))

# ALTER TABLE subcommands _alter_table takes: with any other, the file is a script file
ALTER_TABLE_TAKEN = frozenset({
    AlterTableType.AT_EnableRowSecurity, AlterTableType.AT_DisableRowSecurity,
    AlterTableType.AT_ForceRowSecurity, AlterTableType.AT_NoForceRowSecurity,
    AlterTableType.AT_AddConstraint, AlterTableType.AT_ReplicaIdentity,
})


def takes(node) -> bool:
    """Whether the declarative reader takes a statement of this kind (scripts.is_history):
    one dispatch decides both, so a kind a handler learns is declarative at once."""
    name = type(node).__name__
    if name not in _HANDLERS:
        return False
    if name == "AlterTableStmt":
        return all(cmd.subtype in ALTER_TABLE_TAKEN for cmd in node.cmds or ())
    return True
