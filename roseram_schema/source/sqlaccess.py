"""GRANT / REVOKE and COMMENT ON statements: attached to their objects once all are known
(by partials of module functions, which the parse cache can keep)."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from pglast import ast
from pglast.enums import GrantTargetType, ObjectType, RoleSpecType

from ..model import Grant
from .draft import Draft
from .grants import PRIVILEGES_BY_KIND, grant_and_unrevoke, normalize_privileges, revoke_and_record
from .problems import did_you_mean
from .reader import SourceFile
from .sqlfunctions import identity_args
from .sqltext import string_values
from .statements import Statement, first_words, unsupported


def role_name(spec: ast.RoleSpec) -> str:
    """A grantee or policy role as a name (`public`, `current_user` for the special ones)."""
    kind = spec.roletype
    if kind == RoleSpecType.ROLESPEC_CSTRING:
        return spec.rolename
    if kind == RoleSpecType.ROLESPEC_PUBLIC:
        return "public"
    return kind.name.replace("ROLESPEC_", "").lower()


def grant_statement(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    node: ast.GrantStmt = stmt.node
    objtype = node.objtype
    kind = {
        ObjectType.OBJECT_TABLE: "table",
        ObjectType.OBJECT_FUNCTION: "function",
        ObjectType.OBJECT_PROCEDURE: "function",
        ObjectType.OBJECT_ROUTINE: "function",
        ObjectType.OBJECT_SCHEMA: "schema",
        ObjectType.OBJECT_DATABASE: "database",
    }.get(objtype)
    if kind is None or node.targtype == GrantTargetType.ACL_TARGET_DEFAULTS:
        unsupported(stmt, draft.problems, f"GRANT on {objtype.name.replace('OBJECT_', '').lower()}")
        return
    if any(p.cols for p in node.privileges or ()):
        _column_grant_statement(stmt, kind, schema, draft)
        return
    names = ["all"] if not node.privileges else [p.priv_name for p in node.privileges]
    privileges, unknown = normalize_privileges(names, kind)
    for bad in unknown:
        draft.problems.add(stmt.origin, first_words(stmt.text), f"privilege {bad!r} does not apply to a {kind}",
                           did_you_mean(bad.lower(), PRIVILEGES_BY_KIND[kind]))
    grantees = [role_name(g) for g in node.grantees or ()]
    if node.grant_option:
        draft.problems.add(stmt.origin, first_words(stmt.text), "WITH GRANT OPTION is not supported")
    all_in_schema = node.targtype == GrantTargetType.ACL_TARGET_ALL_IN_SCHEMA
    if kind == "database":
        draft.later.append(partial(_attach_database_grant, stmt.node.is_grant, tuple(grantees), privileges,
                                   stmt.origin))
        return
    draft.later.append(partial(_attach_grant, stmt, kind, schema, all_in_schema, grantees, privileges))


def _column_grant_statement(stmt: Statement, kind: str, schema: str, draft: Draft) -> None:
    """GRANT SELECT (a, b), UPDATE (c)[, INSERT] ON t TO r: the privileges with a column list
    go to those columns; one without applies to the whole table, as in PostgreSQL."""
    node: ast.GrantStmt = stmt.node
    where = first_words(stmt.text)
    if kind != "table" or node.targtype != GrantTargetType.ACL_TARGET_OBJECT:
        draft.problems.add(stmt.origin, where, "a column list is for GRANT/REVOKE ON a table")
        return
    if node.grant_option:
        draft.problems.add(stmt.origin, where, "WITH GRANT OPTION is not supported")
        return
    per_column: dict[str, set[str]] = {}
    whole: list[str] = []
    for p in node.privileges:
        if not p.cols:
            whole.append(p.priv_name)
            continue
        privileges, unknown = normalize_privileges([p.priv_name or "all"], "column")
        for bad in unknown:
            draft.problems.add(stmt.origin, where, f"privilege {bad!r} does not apply to a column",
                               did_you_mean(bad.lower(), PRIVILEGES_BY_KIND["column"]))
        for col in p.cols:
            per_column.setdefault(col.sval, set()).update(privileges)
    table_privileges, unknown = normalize_privileges(whole, "table")
    for bad in unknown:
        draft.problems.add(stmt.origin, where, f"privilege {bad!r} does not apply to a table",
                           did_you_mean(bad.lower(), PRIVILEGES_BY_KIND["table"]))
    grantees = [role_name(g) for g in node.grantees or ()]
    columns = tuple((c, tuple(sorted(p))) for c, p in sorted(per_column.items()))
    draft.later.append(partial(_attach_column_grant, stmt, schema, grantees, columns, table_privileges))


def _attach_column_grant(stmt: Statement, schema: str, grantees: list[str], columns: tuple,
                         table_privileges: tuple[str, ...], d: Draft) -> None:
    node: ast.GrantStmt = stmt.node
    for rel in node.objects:
        key = f"{rel.schemaname or schema}.{rel.relname}"
        table = d.tables.get(key)
        if table is None:
            d.problems.add(stmt.origin, key, f"column GRANT on {key}, which is not a declared table",
                           did_you_mean(key, d.tables))
            continue
        missing = [c for c, _ in columns if table.column(c) is None]
        for c in missing:
            d.problems.add(stmt.origin, f"{key}.{c}", f"column {c} of {key} is not declared",
                           did_you_mean(c, [col.name for col in table.columns]))
        if missing:
            continue
        wanted = dict(columns)
        new_columns = []
        for col in table.columns:
            privileges = wanted.get(col.name)
            if privileges:
                grants, revokes = col.grants, col.revokes
                for grantee in grantees:
                    if node.is_grant:
                        grants, revokes = grant_and_unrevoke(grants, revokes, Grant(grantee, privileges, stmt.origin))
                    else:
                        grants, revokes = revoke_and_record(grants, revokes, grantee, privileges, stmt.origin)
                col = replace(col, grants=grants, revokes=revokes)
            new_columns.append(col)
        grants, revokes = table.grants, table.revokes
        if table_privileges:
            for grantee in grantees:
                if node.is_grant:
                    grants, revokes = grant_and_unrevoke(grants, revokes, Grant(grantee, table_privileges, stmt.origin))
                else:
                    grants, revokes = revoke_and_record(grants, revokes, grantee, table_privileges, stmt.origin)
        d.tables[key] = replace(table, columns=tuple(new_columns), grants=grants, revokes=revokes)


def _attach_database_grant(is_grant: bool, grantees: tuple[str, ...], privileges: tuple[str, ...],
                           origin, d: Draft) -> None:
    """GRANT/REVOKE ... ON DATABASE: privileges on the target's database (plan/defaultacl.py
    compares them per target; the name written is not checked: a project is applied to
    databases of any name)."""
    grants, revokes = d.database_grants, d.database_revokes
    for grantee in grantees:
        if is_grant:
            grants, revokes = grant_and_unrevoke(grants, revokes, Grant(grantee, privileges, origin))
        else:
            grants, revokes = revoke_and_record(grants, revokes, grantee, privileges, origin)
    d.database_grants, d.database_revokes = grants, revokes


def _attach_grant(stmt: Statement, kind: str, schema: str, all_in_schema: bool, grantees: list[str],
                  privileges: tuple[str, ...], d: Draft) -> None:
    node: ast.GrantStmt = stmt.node
    for target_kind, key in _grant_targets(node, kind, schema, all_in_schema, d, stmt):
        store = getattr(d, target_kind)
        obj = store[key]
        grants, revokes = obj.grants, obj.revokes
        for grantee in grantees:
            if node.is_grant:
                grants, revokes = grant_and_unrevoke(grants, revokes, Grant(grantee, privileges, stmt.origin))
            else:
                grants, revokes = revoke_and_record(grants, revokes, grantee, privileges, stmt.origin)
        store[key] = replace(obj, grants=grants, revokes=revokes)


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


def comment_statement(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    attach = partial(_attach_comment, stmt, schema)
    if stmt.node.objtype == ObjectType.OBJECT_INDEX:
        draft.after_naming.append(attach)  # the index may be one whose name is chosen for it
    else:
        draft.later.append(attach)


def _names_of(o) -> tuple[str, ...]:
    return string_values(o) if isinstance(o, tuple) else (o.sval,) if isinstance(o, ast.String) else ()


def _rel_key(names: tuple[str, ...], schema: str) -> str:
    return f"{names[-2]}.{names[-1]}" if len(names) > 1 else f"{schema}.{names[-1]}"


def _missing(stmt: Statement, d: Draft, what: str, key: str, choices=()) -> None:
    d.problems.add(stmt.origin, key, f"COMMENT ON {what} {key}, which is not declared",
                   did_you_mean(key, choices))


def _attach_comment(stmt: Statement, schema: str, d: Draft) -> None:
    node: ast.CommentStmt = stmt.node
    objtype, text, obj = node.objtype, node.comment, node.object
    if objtype == ObjectType.OBJECT_TABLE:
        key = _rel_key(_names_of(obj), schema)
        if key in d.tables:
            d.tables[key] = replace(d.tables[key], comment=text)
        else:
            _missing(stmt, d, "TABLE", key, d.tables)
    elif objtype in (ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW):
        key = _rel_key(_names_of(obj), schema)
        if key in d.views:
            d.views[key] = replace(d.views[key], comment=text)
        else:
            _missing(stmt, d, "VIEW", key, d.views)
    elif objtype == ObjectType.OBJECT_COLUMN:
        names = _names_of(obj)
        key, column = _rel_key(names[:-1], schema), names[-1]
        table = d.tables.get(key)
        if table is None or table.column(column) is None:
            _missing(stmt, d, "COLUMN", f"{key}.{column}")
        else:
            d.tables[key] = replace(table, columns=tuple(
                replace(c, comment=text) if c.name == column else c for c in table.columns))
    elif objtype == ObjectType.OBJECT_POLICY:
        names = _names_of(obj)
        key, policy_name = _rel_key(names[:-1], schema), names[-1]
        table = d.tables.get(key)
        if table is None or not any(p.name == policy_name for p in table.policies):
            _missing(stmt, d, "POLICY", f"{policy_name} ON {key}")
        else:
            d.tables[key] = replace(table, policies=tuple(
                replace(p, comment=text) if p.name == policy_name else p for p in table.policies))
    elif objtype == ObjectType.OBJECT_INDEX:
        _comment_index(d, _rel_key(_names_of(obj), schema), text, stmt)
    elif objtype == ObjectType.OBJECT_SCHEMA:
        name = _names_of(obj)[0]
        if name in d.schemas:
            d.schemas[name] = replace(d.schemas[name], comment=text)
        else:
            _missing(stmt, d, "SCHEMA", name, d.schemas)
    elif objtype == ObjectType.OBJECT_TYPE:
        key = _rel_key(string_values(obj.names), schema)
        if key in d.enums:
            d.enums[key] = replace(d.enums[key], comment=text)
        else:
            _missing(stmt, d, "TYPE", key, d.enums)
    elif objtype in (ObjectType.OBJECT_FUNCTION, ObjectType.OBJECT_PROCEDURE, ObjectType.OBJECT_ROUTINE):
        key = _function_key(obj, schema, d, stmt)
        if key is not None:
            d.functions[key] = replace(d.functions[key], comment=text)
    else:
        unsupported(stmt, d.problems, f"COMMENT ON {objtype.name.replace('OBJECT_', '')}")


def _comment_index(d: Draft, key: str, text, stmt: Statement) -> None:
    schema, name = key.split(".", 1)
    for store in (d.tables, d.views):
        for rel_key_, rel in store.items():
            if rel.schema == schema and any(i.name == name for i in rel.indexes):
                store[rel_key_] = replace(rel, indexes=tuple(
                    replace(i, comment=text) if i.name == name else i for i in rel.indexes))
                return
    _missing(stmt, d, "INDEX", key)
