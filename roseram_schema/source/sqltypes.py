"""CREATE/ALTER DOMAIN, CREATE TYPE ... AS (...), CREATE/ALTER SEQUENCE, and the GRANT and
COMMENT ON statements that name a sequence, domain or composite type.

`type_handlers(existing)` gives sqlfiles.py the handlers to add to its table; the GRANT and
COMMENT ON handlers wrap the existing ones and pass on every statement that is not about
these kinds. A GRANT on the sequence a serial or identity column makes (`t_id_seq`) is kept
on an `implicit` sequence: compile grants on it once its table exists.

A sequence's value (START is its first, RESTART sets the current one) is data: RESTART is
not part of the model, and is accepted so that SQL written as a history loads.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from pglast import ast
from pglast.enums import ConstrType, GrantTargetType, ObjectType

from ..model import CompositeType, Domain, DomainConstraint, Grant, Sequence, TypeAttribute
from .draft import Draft
from .grants import merge_grants, revoke_grants
from .problems import did_you_mean
from .reader import SourceFile
from .sqlaccess import _attach_comment as attach_enum_comment
from .sqlaccess import role_name
from .sqltext import string_values, to_sql
from .statements import Statement, first_words, unsupported

SEQUENCE_PRIVILEGES = ("select", "update", "usage")
_SERIAL_TYPES = {"smallserial": "smallint", "serial2": "smallint", "serial": "integer", "serial4": "integer",
                 "bigserial": "bigint", "serial8": "bigint"}
_INT_NAMES = {"int2": "smallint", "int4": "integer", "int8": "bigint", "int": "integer",
              "smallint": "smallint", "integer": "integer", "bigint": "bigint"}


def _split(names: tuple[str, ...], schema: str) -> tuple[str, str]:
    return (names[-2], names[-1]) if len(names) > 1 else (schema, names[-1])


def _check_text(con: ast.Constraint) -> str:
    return f"CHECK ({to_sql(con.raw_expr)})"


def _domain_constraints(name: str, cons, taken: set[str]) -> list[DomainConstraint]:
    """The named CHECKs; an unnamed one gets the name PostgreSQL gives it (d_check, d_check1)."""
    out = []
    for con in cons:
        cname = con.conname
        if not cname:
            cname, n = f"{name}_check", 0
            while cname in taken:
                n += 1
                cname = f"{name}_check{n}"
        taken.add(cname)
        out.append(DomainConstraint(cname, _check_text(con)))
    return out


def _create_domain(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    node: ast.CreateDomainStmt = stmt.node
    dschema, name = _split(string_values(node.domainname), schema)
    default, not_null, checks = None, False, []
    for con in node.constraints or ():
        if con.contype == ConstrType.CONSTR_DEFAULT:
            default = to_sql(con.raw_expr)
        elif con.contype == ConstrType.CONSTR_NOTNULL:
            not_null = True
        elif con.contype == ConstrType.CONSTR_NULL:
            not_null = False
        elif con.contype == ConstrType.CONSTR_CHECK:
            checks.append(con)
        else:
            draft.problems.add(stmt.origin, f"{dschema}.{name}",
                               f"{con.contype.name.replace('CONSTR_', '')} constraints are not supported on a domain")
    collation = ".".join(string_values(node.collClause.collname)) if node.collClause is not None else None
    domain = Domain(dschema, name, to_sql(node.typeName), not_null=not_null, default=default, collation=collation,
                    constraints=tuple(_domain_constraints(name, checks, set())), origin=stmt.origin)
    draft.add("domains", domain.key, domain, domain.origin)


def _alter_domain(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    node: ast.AlterDomainStmt = stmt.node
    key = ".".join(_split(string_values(node.typeName), schema))
    if node.subtype not in ("C", "X", "T", "N", "O") or (
            node.subtype == "C" and node.def_.contype != ConstrType.CONSTR_CHECK):
        unsupported(stmt, draft.problems, "this ALTER DOMAIN")
        return
    draft.later.append(partial(_attach_alter_domain, key, stmt))


def _attach_alter_domain(key: str, stmt: Statement, d: Draft) -> None:
    node: ast.AlterDomainStmt = stmt.node
    domain = d.domains.get(key)
    if domain is None:
        d.problems.add(stmt.origin, key, f"ALTER DOMAIN of {key}, which is not declared",
                       did_you_mean(key, d.domains))
        return
    if node.subtype == "C":
        taken = {c.name for c in domain.constraints}
        if node.def_.conname in taken:
            d.problems.add(stmt.origin, key, f"domain {key} already has a constraint {node.def_.conname}")
            return
        domain = replace(domain, constraints=domain.constraints + tuple(
            _domain_constraints(domain.name, [node.def_], taken)))
    elif node.subtype == "X":
        if not any(c.name == node.name for c in domain.constraints) and not node.missing_ok:
            d.problems.add(stmt.origin, key, f"domain {key} has no constraint {node.name}",
                           did_you_mean(node.name, [c.name for c in domain.constraints]))
            return
        domain = replace(domain, constraints=tuple(c for c in domain.constraints if c.name != node.name))
    elif node.subtype == "T":
        domain = replace(domain, default=to_sql(node.def_) if node.def_ is not None else None)
    else:
        domain = replace(domain, not_null=node.subtype == "O")
    d.domains[key] = domain


def _create_composite(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    node: ast.CompositeTypeStmt = stmt.node
    attributes = tuple(
        TypeAttribute(c.colname, to_sql(c.typeName),
                      ".".join(string_values(c.collClause.collname)) if c.collClause is not None else None)
        for c in node.coldeflist or ())
    t = CompositeType(node.typevar.schemaname or schema, node.typevar.relname, attributes, origin=stmt.origin)
    draft.add("composite_types", t.key, t, t.origin)


def _int(arg) -> int:
    return int(arg.ival if isinstance(arg, ast.Integer) else arg.fval if isinstance(arg, ast.Float) else arg)


def _sequence_options(options, base: dict, stmt: Statement, draft: Draft, key: str) -> dict:
    """The model fields a CREATE/ALTER SEQUENCE's options set, on top of `base`."""
    out = dict(base)
    for opt in options or ():
        name, arg = opt.defname, opt.arg
        if name == "as":
            typ = to_sql(arg).rpartition(".")[2]
            if typ not in _INT_NAMES:
                draft.problems.add(stmt.origin, key, f"a sequence cannot be of type {to_sql(arg)}",
                                   "use smallint, integer or bigint")
                continue
            out["data_type"] = _INT_NAMES[typ]
        elif name in ("start", "increment", "cache"):
            out[name] = _int(arg)
        elif name in ("minvalue", "maxvalue"):
            out["min_value" if name == "minvalue" else "max_value"] = None if arg is None else _int(arg)
        elif name == "cycle":
            out["cycle"] = bool(arg.boolval)
        elif name == "owned_by":
            names = string_values(arg)
            out["owned_by"] = None if names == ("none",) else f"{names[-2]}.{names[-1]}"
        elif name == "restart":
            continue  # the current value is data (see the module docstring)
        else:
            draft.problems.add(stmt.origin, key, f"sequence option {name.upper()} is not supported")
    return out


def _create_sequence(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    node: ast.CreateSeqStmt = stmt.node
    if node.sequence.relpersistence == "t":
        unsupported(stmt, draft.problems, "CREATE TEMPORARY SEQUENCE")
        return
    sschema = node.sequence.schemaname or schema
    key = f"{sschema}.{node.sequence.relname}"
    fields = _sequence_options(node.options, {}, stmt, draft, key)
    seq = Sequence(sschema, node.sequence.relname, origin=stmt.origin, **fields)
    draft.add("sequences", key, seq, seq.origin)


def _alter_sequence(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
    node: ast.AlterSeqStmt = stmt.node
    key = f"{node.sequence.schemaname or schema}.{node.sequence.relname}"
    draft.later.append(partial(_attach_alter_sequence, key, stmt))


def _attach_alter_sequence(key: str, stmt: Statement, d: Draft) -> None:
    node: ast.AlterSeqStmt = stmt.node
    seq = d.sequences.get(key)
    if seq is None:
        seq = _implicit_sequence(key, d)
        if seq is None:
            d.problems.add(stmt.origin, key, f"ALTER SEQUENCE of {key}, which is not declared",
                           did_you_mean(key, d.sequences))
            return
        if any(o.defname != "restart" for o in node.options or ()):
            d.problems.add(stmt.origin, key, f"{key} is the sequence of column {seq.owned_by}: "
                           "only its grants and comment can be declared",
                           "declare the sequence with CREATE SEQUENCE and the column's default as nextval()")
            return
    fields = _sequence_options(node.options, {}, stmt, d, key)
    d.sequences[key] = replace(seq, **fields)


def _implicit_sequence(key: str, d: Draft) -> Sequence | None:
    """The sequence a serial or identity column of a declared table makes under `key`
    (`<table>_<column>_seq`), as an implicit Sequence; None when no column makes it."""
    schema, _, name = key.partition(".")
    for t in d.tables.values():
        if t.schema != schema or not name.startswith(t.name + "_"):
            continue
        for c in t.columns:
            serial = _SERIAL_TYPES.get(c.type.lower())
            if f"{t.name}_{c.name}_seq" == name and (serial or c.identity):
                return Sequence(schema, name, data_type=serial or _INT_NAMES.get(c.type.lower(), "bigint"),
                                owned_by=f"{t.name}.{c.name}", identity=bool(c.identity), implicit=True)
    return None


def _sequence_or_implicit(key: str, d: Draft) -> Sequence | None:
    seq = d.sequences.get(key)
    if seq is None:
        seq = _implicit_sequence(key, d)
        if seq is not None:
            d.sequences[key] = seq
    return seq


def sequence_grants(inner):
    """A GRANT handler that takes GRANT/REVOKE ... ON SEQUENCE and passes the rest to `inner`."""

    def handle(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
        node: ast.GrantStmt = stmt.node
        if node.objtype != ObjectType.OBJECT_SEQUENCE or node.targtype == GrantTargetType.ACL_TARGET_DEFAULTS:
            inner(stmt, file, schema, draft)
            return
        if any(p.cols for p in node.privileges or ()):
            unsupported(stmt, draft.problems, "column-level GRANT")
            return
        names = ["all"] if not node.privileges else [p.priv_name for p in node.privileges]
        privileges: set[str] = set()
        for n in names:
            if n.lower() in ("all", "all privileges"):
                privileges.update(SEQUENCE_PRIVILEGES)
            elif n.lower() in SEQUENCE_PRIVILEGES:
                privileges.add(n.lower())
            else:
                draft.problems.add(stmt.origin, first_words(stmt.text), f"privilege {n!r} does not apply to a sequence",
                                   did_you_mean(n.lower(), SEQUENCE_PRIVILEGES))
        if node.grant_option:
            draft.problems.add(stmt.origin, first_words(stmt.text), "WITH GRANT OPTION is not supported")
        grantees = [role_name(g) for g in node.grantees or ()]
        draft.later.append(partial(_attach_sequence_grant, stmt, schema, grantees, tuple(sorted(privileges))))

    return handle


def _attach_sequence_grant(stmt: Statement, schema: str, grantees: list[str], privileges: tuple[str, ...],
                           d: Draft) -> None:
    node: ast.GrantStmt = stmt.node
    keys = []
    if node.targtype == GrantTargetType.ACL_TARGET_ALL_IN_SCHEMA:
        for s in node.objects:
            keys += sorted(k for k, seq in d.sequences.items() if seq.schema == s.sval)
            # the sequences of the schema's serial and identity columns exist too
            for t in sorted(d.tables.values(), key=lambda t: t.key):
                if t.schema == s.sval:
                    keys += [f"{t.schema}.{t.name}_{c.name}_seq" for c in t.columns
                             if f"{t.schema}.{t.name}_{c.name}_seq" not in keys
                             and _implicit_sequence(f"{t.schema}.{t.name}_{c.name}_seq", d) is not None]
    else:
        keys = [f"{rel.schemaname or schema}.{rel.relname}" for rel in node.objects]
    for key in keys:
        seq = _sequence_or_implicit(key, d)
        if seq is None:
            d.problems.add(stmt.origin, key, f"GRANT on sequence {key}, which is not declared",
                           did_you_mean(key, d.sequences))
            continue
        grants, revoked = seq.grants, seq.revoked
        for grantee in grantees:
            if node.is_grant:
                grants = merge_grants(grants, Grant(grantee, privileges, stmt.origin))
                revoked = revoke_grants(revoked, grantee, privileges)
            else:
                grants = revoke_grants(grants, grantee, privileges)
                # default privileges may have given it: compile revokes it too
                revoked = merge_grants(revoked, Grant(grantee, privileges, stmt.origin))
        d.sequences[key] = replace(seq, grants=grants, revoked=revoked)


_COMMENTED = {ObjectType.OBJECT_DOMAIN, ObjectType.OBJECT_SEQUENCE, ObjectType.OBJECT_TYPE}


def type_comments(inner, attach_other):
    """A COMMENT ON handler for domains, sequences and composite types; the rest goes to
    `inner`, and a COMMENT ON TYPE of no composite type or domain to `attach_other` (enums)."""

    def handle(stmt: Statement, file: SourceFile, schema: str, draft: Draft) -> None:
        if stmt.node.objtype not in _COMMENTED:
            inner(stmt, file, schema, draft)
            return
        draft.later.append(partial(_attach_comment, stmt, schema, attach_other))

    return handle


def _attach_comment(stmt: Statement, schema: str, attach_other, d: Draft) -> None:
    node: ast.CommentStmt = stmt.node
    obj = node.object
    names = string_values(obj.names) if isinstance(obj, ast.TypeName) else string_values(obj)
    key = ".".join(_split(names, schema))
    if node.objtype == ObjectType.OBJECT_SEQUENCE:
        seq = _sequence_or_implicit(key, d)
        if seq is None:
            d.problems.add(stmt.origin, key, f"COMMENT ON SEQUENCE {key}, which is not declared",
                           did_you_mean(key, d.sequences))
        else:
            d.sequences[key] = replace(seq, comment=node.comment)
    elif key in d.domains:
        d.domains[key] = replace(d.domains[key], comment=node.comment)
    elif key in d.composite_types and node.objtype == ObjectType.OBJECT_TYPE:
        d.composite_types[key] = replace(d.composite_types[key], comment=node.comment)
    elif node.objtype == ObjectType.OBJECT_TYPE:
        attach_other(stmt, schema, d)
    else:
        d.problems.add(stmt.origin, key, f"COMMENT ON DOMAIN {key}, which is not declared",
                       did_you_mean(key, d.domains))


def type_handlers(existing: dict) -> dict:
    """The handlers of this module by statement node name, wrapping `existing`'s GRANT and
    COMMENT ON handlers."""
    return {
        "CreateDomainStmt": _create_domain,
        "AlterDomainStmt": _alter_domain,
        "CompositeTypeStmt": _create_composite,
        "CreateSeqStmt": _create_sequence,
        "AlterSeqStmt": _alter_sequence,
        "GrantStmt": sequence_grants(existing["GrantStmt"]),
        "CommentStmt": type_comments(existing["CommentStmt"], attach_enum_comment),
    }
