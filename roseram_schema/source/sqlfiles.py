"""Any DDL file under schema/ or policies/ (and the statements after a CREATE VIEW).

Definitions go into the draft at once; statements that modify another object (indexes,
RLS switches, policies, grants, comments, partitions, added constraints) are queued in
`draft.later`, so they work whatever file the object itself is declared in.
"""

from __future__ import annotations

from dataclasses import replace

from pglast import ast
from pglast.enums import AlterTableType, GrantTargetType, ObjectType, RoleSpecType

from ..model import Enum, Extension, Grant, Partition, Policy, Schema
from .draft import Draft
from .grants import PRIVILEGES_BY_KIND, merge_grants, normalize_privileges, revoke_grants
from .policies import check_policy_clauses
from .positions import origin_at
from .problems import Problems, did_you_mean
from .reader import SourceFile
from .relations import walk
from .sqlfunctions import function_from, identity_args, trigger_from
from .sqltables import TableParts, index_from, table_from
from .sqltext import string_values, to_sql
from .statements import Statement, split_statements
from .views import is_view_statement, view_from_statement


def read_sql_file(file: SourceFile, problems: Problems, schema: str, draft: Draft) -> None:
    """Parse a SQL file and add what it declares to the draft."""
    statements = split_statements(file, problems)
    if statements is not None:
        handle_statements(statements, file, schema, draft)


def handle_statements(statements: list[Statement], file: SourceFile, schema: str, draft: Draft) -> None:
    """Add each statement's object to the draft (or queue it); report the unsupported ones."""
    for stmt in statements:
        handler = _HANDLERS.get(type(stmt.node).__name__)
        if handler is None:
            _unsupported(stmt, draft.problems)
            continue
        handler(stmt, file, schema, draft)


def _unsupported(stmt: Statement, problems: Problems, what: str | None = None) -> None:
    kind = what or type(stmt.node).__name__.replace("Stmt", "")
    problems.add(stmt.origin, _first_words(stmt.text), f"{kind} statements are not managed by roseram-schema",
                 "supported: CREATE TABLE/INDEX/POLICY/TYPE ... AS ENUM/FUNCTION/PROCEDURE/TRIGGER/"
                 "SCHEMA/EXTENSION/VIEW, ALTER TABLE (row level security, add constraint), GRANT, "
                 "REVOKE, COMMENT ON")


def _first_words(text: str) -> str:
    return " ".join(text.split()[:3])


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

    def attach(d: Draft) -> None:
        table = d.tables.get(parent_key)
        if table is None:
            d.problems.add(stmt.origin, partition.name, f"partition of {parent_key}, which is not declared",
                           did_you_mean(parent_key, d.tables))
            return
        if own_schema != table.schema:
            d.problems.add(stmt.origin, partition.name,
                           "a partition must be in the schema of its parent table")
            return
        d.tables[parent_key] = replace(table, partitions=table.partitions + (partition,))

    draft.later.append(attach)


def _create_index(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    node: ast.IndexStmt = stmt.node
    key = f"{node.relation.schemaname or schema}.{node.relation.relname}"
    index = index_from(node, stmt.origin)

    def attach(d: Draft) -> None:
        if key in d.tables:
            d.tables[key] = replace(d.tables[key], indexes=d.tables[key].indexes + (index,))
        elif key in d.views and d.views[key].materialized:
            d.views[key] = replace(d.views[key], indexes=d.views[key].indexes + (index,))
        else:
            d.problems.add(stmt.origin, index.name or key, f"index on {key}, which is not a declared "
                           "table or materialized view", did_you_mean(key, (*d.tables, *d.views)))

    draft.later.append(attach)


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
        else:
            _unsupported(stmt, draft.problems, f"ALTER TABLE {sub.name[3:]}")
            return
    for what in parts.unsupported:
        draft.problems.add(stmt.origin, key, f"{what} constraints are not supported")

    def attach(d: Draft) -> None:
        table = d.tables.get(key)
        if table is None:
            d.problems.add(stmt.origin, key, f"ALTER TABLE of {key}, which is not declared",
                           did_you_mean(key, d.tables))
            return
        for change in changes:
            table = replace(table, **change)
        if parts.primary_key is not None:
            if table.primary_key is not None:
                d.problems.add(stmt.origin, key, "the table already has a primary key")
            else:
                table = replace(table, primary_key=parts.primary_key, columns=tuple(
                    replace(c, nullable=False) if c.name in parts.primary_key.columns else c
                    for c in table.columns))
        d.tables[key] = replace(
            table,
            uniques=table.uniques + tuple(parts.uniques),
            checks=table.checks + tuple(parts.checks),
            foreign_keys=table.foreign_keys + tuple(parts.foreign_keys),
        )

    draft.later.append(attach)


def _role_name(spec: ast.RoleSpec) -> str:
    kind = spec.roletype
    if kind == RoleSpecType.ROLESPEC_CSTRING:
        return spec.rolename
    if kind == RoleSpecType.ROLESPEC_PUBLIC:
        return "public"
    return kind.name.replace("ROLESPEC_", "").lower()


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
        roles=tuple(sorted({_role_name(r) for r in node.roles or ()})) or ("public",),
        using=to_sql(node.qual) if node.qual is not None else None,
        with_check=to_sql(node.with_check) if node.with_check is not None else None,
        origin=stmt.origin,
    )

    def attach(d: Draft) -> None:
        table = d.tables.get(key)
        if table is None:
            d.problems.add(stmt.origin, obj, f"policy on {key}, which is not a declared table",
                           did_you_mean(key, d.tables))
            return
        d.tables[key] = replace(table, policies=table.policies + (policy,))

    draft.later.append(attach)


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
        _unsupported(stmt, draft.problems, "CREATE SCHEMA with elements")
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
        _unsupported(stmt, draft.problems, "CREATE TABLE AS")
        return
    view = view_from_statement(stmt, schema, draft.problems)
    if view is not None:
        draft.add("views", view.key, view, view.origin)


def _ignore(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    """BEGIN/COMMIT around DDL change nothing in the model."""
    if stmt.node.kind.name not in ("TRANS_STMT_BEGIN", "TRANS_STMT_START", "TRANS_STMT_COMMIT"):
        _unsupported(stmt, draft.problems, stmt.node.kind.name.replace("TRANS_STMT_", ""))


# --- GRANT / REVOKE -------------------------------------------------------------------

def _grant(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    node: ast.GrantStmt = stmt.node
    objtype = node.objtype
    kind = {
        ObjectType.OBJECT_TABLE: "table",
        ObjectType.OBJECT_FUNCTION: "function",
        ObjectType.OBJECT_PROCEDURE: "function",
        ObjectType.OBJECT_ROUTINE: "function",
        ObjectType.OBJECT_SCHEMA: "schema",
    }.get(objtype)
    if kind is None or node.targtype == GrantTargetType.ACL_TARGET_DEFAULTS:
        _unsupported(stmt, draft.problems, f"GRANT on {objtype.name.replace('OBJECT_', '').lower()}")
        return
    if any(p.cols for p in node.privileges or ()):
        _unsupported(stmt, draft.problems, "column-level GRANT")
        return
    names = ["all"] if not node.privileges else [p.priv_name for p in node.privileges]
    privileges, unknown = normalize_privileges(names, kind)
    for bad in unknown:
        draft.problems.add(stmt.origin, _first_words(stmt.text), f"privilege {bad!r} does not apply to a {kind}",
                           did_you_mean(bad.lower(), PRIVILEGES_BY_KIND[kind]))
    grantees = [_role_name(g) for g in node.grantees or ()]
    if node.grant_option:
        draft.problems.add(stmt.origin, _first_words(stmt.text), "WITH GRANT OPTION is not supported")
    all_in_schema = node.targtype == GrantTargetType.ACL_TARGET_ALL_IN_SCHEMA

    def attach(d: Draft) -> None:
        for target_kind, key in _grant_targets(node, kind, schema, all_in_schema, d, stmt):
            store = getattr(d, target_kind)
            obj = store[key]
            grants = obj.grants
            for grantee in grantees:
                if node.is_grant:
                    grants = merge_grants(grants, Grant(grantee, privileges, stmt.origin))
                else:
                    grants = revoke_grants(grants, grantee, privileges)
            store[key] = replace(obj, grants=grants)

    draft.later.append(attach)


def _grant_targets(node: ast.GrantStmt, kind: str, schema: str, all_in_schema: bool, d: Draft, stmt):
    """(draft attribute, key) of every object a GRANT names; unknown objects are reported."""
    out = []
    if kind == "schema":
        for s in node.objects:
            if s.sval in d.schemas:
                out.append(("schemas", s.sval))
            else:
                d.problems.add(stmt.origin, s.sval, f"GRANT on schema {s.sval}, which is not declared",
                               "declare it in project.yaml `schemas:` or with CREATE SCHEMA")
        return out
    if all_in_schema:
        for s in node.objects:
            if kind == "table":
                out += [("tables", k) for k, t in sorted(d.tables.items()) if t.schema == s.sval]
                out += [("views", k) for k, v in sorted(d.views.items()) if v.schema == s.sval]
            else:
                out += [("functions", k) for k, f in sorted(d.functions.items()) if f.schema == s.sval]
        return out
    if kind == "table":
        for rel in node.objects:
            key = f"{rel.schemaname or schema}.{rel.relname}"
            if key in d.tables:
                out.append(("tables", key))
            elif key in d.views:
                out.append(("views", key))
            else:
                d.problems.add(stmt.origin, key, f"GRANT on {key}, which is not a declared table or view",
                               did_you_mean(key, (*d.tables, *d.views)))
        return out
    for owa in node.objects:
        key = _function_key(owa, schema, d, stmt)
        if key is not None:
            out.append(("functions", key))
    return out


def _function_key(owa: ast.ObjectWithArgs, schema: str, d: Draft, stmt) -> str | None:
    names = string_values(owa.objname)
    fschema, fname = (names[-2], names[-1]) if len(names) > 1 else (schema, names[-1])
    if owa.args_unspecified:
        matches = sorted(k for k, f in d.functions.items() if f.schema == fschema and f.name == fname)
        if len(matches) == 1:
            return matches[0]
        message = (f"function {fschema}.{fname} is not declared" if not matches
                   else f"{fschema}.{fname} is ambiguous: {', '.join(matches)}")
        d.problems.add(stmt.origin, f"{fschema}.{fname}", message, "name the argument types")
        return None
    params = owa.objfuncargs or tuple(ast.FunctionParameter(argType=t, mode="i") for t in owa.objargs or ())
    key = f"{fschema}.{fname}({identity_args(params)})"
    if key not in d.functions:
        d.problems.add(stmt.origin, key, f"function {key} is not declared",
                       did_you_mean(key, d.functions))
        return None
    return key


# --- COMMENT ON -----------------------------------------------------------------------

def _comment(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    node: ast.CommentStmt = stmt.node
    objtype = node.objtype
    text = node.comment
    obj = node.object

    def names_of(o) -> tuple[str, ...]:
        return string_values(o) if isinstance(o, tuple) else (o.sval,) if isinstance(o, ast.String) else ()

    def rel_key(names: tuple[str, ...]) -> str:
        return f"{names[-2]}.{names[-1]}" if len(names) > 1 else f"{schema}.{names[-1]}"

    def missing(d: Draft, what: str, key: str, choices=()) -> None:
        d.problems.add(stmt.origin, key, f"COMMENT ON {what} {key}, which is not declared",
                       did_you_mean(key, choices))

    def attach(d: Draft) -> None:
        if objtype == ObjectType.OBJECT_TABLE:
            key = rel_key(names_of(obj))
            if key in d.tables:
                d.tables[key] = replace(d.tables[key], comment=text)
            else:
                missing(d, "TABLE", key, d.tables)
        elif objtype in (ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW):
            key = rel_key(names_of(obj))
            if key in d.views:
                d.views[key] = replace(d.views[key], comment=text)
            else:
                missing(d, "VIEW", key, d.views)
        elif objtype == ObjectType.OBJECT_COLUMN:
            names = names_of(obj)
            key, column = rel_key(names[:-1]), names[-1]
            table = d.tables.get(key)
            if table is None or table.column(column) is None:
                missing(d, "COLUMN", f"{key}.{column}")
            else:
                d.tables[key] = replace(table, columns=tuple(
                    replace(c, comment=text) if c.name == column else c for c in table.columns))
        elif objtype == ObjectType.OBJECT_POLICY:
            names = names_of(obj)
            key, policy_name = rel_key(names[:-1]), names[-1]
            table = d.tables.get(key)
            if table is None or not any(p.name == policy_name for p in table.policies):
                missing(d, "POLICY", f"{policy_name} ON {key}")
            else:
                d.tables[key] = replace(table, policies=tuple(
                    replace(p, comment=text) if p.name == policy_name else p for p in table.policies))
        elif objtype == ObjectType.OBJECT_INDEX:
            _comment_index(d, rel_key(names_of(obj)), text, missing)
        elif objtype == ObjectType.OBJECT_SCHEMA:
            name = names_of(obj)[0]
            if name in d.schemas:
                d.schemas[name] = replace(d.schemas[name], comment=text)
            else:
                missing(d, "SCHEMA", name, d.schemas)
        elif objtype == ObjectType.OBJECT_TYPE:
            key = rel_key(string_values(obj.names))
            if key in d.enums:
                d.enums[key] = replace(d.enums[key], comment=text)
            else:
                missing(d, "TYPE", key, d.enums)
        elif objtype in (ObjectType.OBJECT_FUNCTION, ObjectType.OBJECT_PROCEDURE, ObjectType.OBJECT_ROUTINE):
            key = _function_key(obj, schema, d, stmt)
            if key is not None:
                d.functions[key] = replace(d.functions[key], comment=text)
        else:
            _unsupported(stmt, d.problems, f"COMMENT ON {objtype.name.replace('OBJECT_', '')}")

    if objtype == ObjectType.OBJECT_INDEX:
        draft.after_naming.append(attach)  # the index may be one whose name is chosen for it
    else:
        draft.later.append(attach)


def _comment_index(d: Draft, key: str, text, missing) -> None:
    schema, name = key.split(".", 1)
    for store in (d.tables, d.views):
        for rel_key_, rel in store.items():
            if rel.schema == schema and any(i.name == name for i in rel.indexes):
                store[rel_key_] = replace(rel, indexes=tuple(
                    replace(i, comment=text) if i.name == name else i for i in rel.indexes))
                return
    missing(d, "INDEX", key)


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
    "GrantStmt": _grant,
    "CommentStmt": _comment,
    "ViewStmt": _create_view,
    "CreateTableAsStmt": _create_view,
    "TransactionStmt": _ignore,
}
