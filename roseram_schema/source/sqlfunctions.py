"""CREATE FUNCTION / PROCEDURE and CREATE TRIGGER statements into the model."""

from __future__ import annotations

import re

from pglast import ast

from ..model import Function, Grant, Trigger, quote_ident
from .typenames import format_type
from .sqltext import string_values

# What PostgreSQL grants on a new function or procedure: EXECUTE to PUBLIC. Every routine
# starts with it, and the file's GRANT/REVOKE statements apply on top, so the model says what
# running the source would leave (the same grants the inspector reads back): a REVOKE from
# PUBLIC alone leaves nobody, a GRANT alone keeps PUBLIC.
DEFAULT_ROUTINE_GRANTS = (Grant("public", ("execute",)),)

_CREATE_ROUTINE = re.compile(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(FUNCTION|PROCEDURE)\b", re.I)


def identity_args(parameters) -> str:
    """The input argument types that identify a routine (IN, INOUT, VARIADIC), comma-space
    separated, spelt as pg_catalog.oidvectortypes(proargtypes) prints them."""
    return ", ".join(
        format_type(p.argType) for p in parameters or ()
        if getattr(p.mode, "value", p.mode) in ("i", "b", "d", "v")
    )


def function_from(stmt: ast.CreateFunctionStmt, schema: str, text: str, origin) -> tuple[Function, list[str]]:
    """A Function from CREATE [OR REPLACE] FUNCTION|PROCEDURE, and unsupported SET forms."""
    names = string_values(stmt.funcname)
    fschema, fname = (names[-2], names[-1]) if len(names) > 1 else (schema, names[-1])
    language, security_definer, problems = "sql", False, []
    config: dict[str, str] = {}
    for opt in stmt.options or ():
        if opt.defname == "language":
            language = opt.arg.sval.lower()
        elif opt.defname == "security":
            security_definer = bool(opt.arg.boolval)
        elif opt.defname == "set":
            setting = config_setting(opt.arg)
            if setting is None:
                problems.append(f"SET {opt.arg.name} FROM CURRENT")
            elif setting:
                # a repeated setting replaces the earlier one in place, as in pg_proc.proconfig
                config[setting.split("=", 1)[0]] = setting
    definition = _CREATE_ROUTINE.sub(lambda m: f"CREATE OR REPLACE {m.group(1).upper()}", text, count=1)
    return Function(
        schema=fschema,
        name=fname,
        identity_args=identity_args(stmt.parameters),
        definition=definition,
        returns=_returns(stmt),
        language=language,
        security_definer=security_definer,
        config=tuple(config.values()),  # in SET clause order, as pg_proc.proconfig keeps them
        kind="procedure" if stmt.is_procedure else "function",
        grants=DEFAULT_ROUTINE_GRANTS,
        origin=origin,
    ), problems


def _returns(stmt: ast.CreateFunctionStmt) -> str:
    if stmt.is_procedure:
        return ""
    params = stmt.parameters or ()
    table_cols = [p for p in params if getattr(p.mode, "value", p.mode) == "t"]
    if table_cols:
        return "TABLE(" + ", ".join(f"{quote_ident(p.name)} {format_type(p.argType)}" for p in table_cols) + ")"
    if stmt.returnType is not None:
        return format_type(stmt.returnType)
    outs = [p for p in params if getattr(p.mode, "value", p.mode) in ("o", "b")]
    if len(outs) == 1:
        return format_type(outs[0].argType)
    return "record" if outs else "void"


def config_setting(var: ast.VariableSetStmt) -> str | None:
    """`name=value` as pg_proc.proconfig holds it; None for SET ... FROM CURRENT, "" to skip
    (SET x TO DEFAULT, which stores nothing)."""
    kind = var.kind.name
    if kind == "VAR_SET_CURRENT":
        return None
    if kind != "VAR_SET_VALUE":
        return ""
    name = var.name.lower()
    values = []
    for arg in var.args or ():
        val = arg.val if isinstance(arg, ast.A_Const) else arg
        if isinstance(val, ast.String):
            text = val.sval
            # list settings keep identifier quoting, as PostgreSQL stores them
            values.append(quote_ident(text) if name == "search_path" else text)
        elif isinstance(val, ast.Integer):
            values.append(str(val.ival))
        elif isinstance(val, ast.Float):
            values.append(str(val.fval))
        else:
            values.append(str(getattr(val, "sval", val)))
    return f"{name}={', '.join(values)}"


def trigger_from(stmt: ast.CreateTrigStmt, schema: str, text: str, origin) -> Trigger:
    """A Trigger; `function` is "schema.name()" (an unqualified name is resolved later)."""
    rel = stmt.relation
    names = string_values(stmt.funcname)
    function = f"{names[-2]}.{names[-1]}()" if len(names) > 1 else f"{names[-1]}()"
    return Trigger(
        schema=rel.schemaname or schema,
        table=rel.relname,
        name=stmt.trigname,
        definition=text,
        function=function,
        origin=origin,
    )
