"""DDL of objects defined by SQL text: views, materialized views, functions, triggers."""

from __future__ import annotations

import re

from ...model import Function, Trigger, View, qualify, quote_ident
from ._text import idents, optional, strip_statement

_CREATE_ROUTINE = re.compile(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(FUNCTION|PROCEDURE)\b", re.I)
_CREATE_TRIGGER = re.compile(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(CONSTRAINT\s+)?TRIGGER\b", re.I)


def create_view(view: View, *, or_replace: bool = False, if_not_exists: bool = False) -> str:
    """CREATE [OR REPLACE] VIEW v [(cols)] [WITH (...)] AS query [WITH ... CHECK OPTION], or
    CREATE MATERIALIZED VIEW [IF NOT EXISTS] v [(cols)] AS query for a materialized one.

    Only options that differ from PostgreSQL's defaults are written, in name order.
    """
    cols = f" ({idents(view.column_names)})" if view.column_names else ""
    query = strip_statement(view.query)
    if view.materialized:
        if or_replace:
            raise ValueError("a materialized view cannot be created OR REPLACE")
        head = f"CREATE MATERIALIZED VIEW {optional(if_not_exists, 'IF NOT EXISTS')}"
        return f"{head}{view.qualified}{cols} AS\n{query}"
    if if_not_exists:
        raise ValueError("CREATE VIEW has no IF NOT EXISTS; use or_replace")
    options = []
    if view.security_barrier:
        options.append("security_barrier = true")
    if view.security_invoker:
        options.append("security_invoker = true")
    sql = f"CREATE {optional(or_replace, 'OR REPLACE')}VIEW {view.qualified}{cols}"
    if options:
        sql += f" WITH ({', '.join(options)})"
    sql += f" AS\n{query}"
    if view.check_option:
        sql += f"\n  WITH {view.check_option.upper()} CHECK OPTION"
    return sql


def drop_view(view: View, *, if_exists: bool = False, cascade: bool = False) -> str:
    """DROP [MATERIALIZED] VIEW [IF EXISTS] v [CASCADE]."""
    kind = "MATERIALIZED VIEW" if view.materialized else "VIEW"
    tail = " CASCADE" if cascade else ""
    return f"DROP {kind} {optional(if_exists, 'IF EXISTS')}{view.qualified}{tail}"


def refresh_materialized_view(view: View) -> str:
    """REFRESH MATERIALIZED VIEW v."""
    return f"REFRESH MATERIALIZED VIEW {view.qualified}"


def create_function(function: Function) -> str:
    """The function's own definition, as CREATE OR REPLACE FUNCTION|PROCEDURE."""
    definition = strip_statement(function.definition)
    fixed, count = _CREATE_ROUTINE.subn(lambda m: f"CREATE OR REPLACE {m.group(1).upper()}", definition, 1)
    if not count:
        raise ValueError(f"function {function.key}: definition is not a CREATE FUNCTION/PROCEDURE")
    return fixed


def drop_function(function: Function, *, if_exists: bool = False, cascade: bool = False) -> str:
    """DROP FUNCTION|PROCEDURE [IF EXISTS] schema.name(args) [CASCADE]."""
    tail = " CASCADE" if cascade else ""
    return f"DROP {function.kind.upper()} {optional(if_exists, 'IF EXISTS')}{function.signature}{tail}"


def is_constraint_trigger(trigger: Trigger) -> bool:
    """True for CREATE CONSTRAINT TRIGGER, which PostgreSQL cannot CREATE OR REPLACE."""
    m = _CREATE_TRIGGER.match(trigger.definition)
    return bool(m and m.group(1))


def create_trigger(trigger: Trigger, *, or_replace: bool = False) -> str:
    """The trigger's definition, as CREATE [OR REPLACE] [CONSTRAINT] TRIGGER."""
    definition = strip_statement(trigger.definition)
    m = _CREATE_TRIGGER.match(definition)
    if not m:
        raise ValueError(f"trigger {trigger.key}: definition is not a CREATE TRIGGER")
    if or_replace and m.group(1):
        raise ValueError(f"trigger {trigger.key}: a constraint trigger cannot be created OR REPLACE")
    head = "CREATE OR REPLACE " if or_replace else "CREATE "
    head += "CONSTRAINT TRIGGER" if m.group(1) else "TRIGGER"
    return head + definition[m.end():]


def drop_trigger(trigger: Trigger, *, if_exists: bool = False) -> str:
    """DROP TRIGGER [IF EXISTS] name ON schema.table."""
    kw = optional(if_exists, "IF EXISTS")
    return f"DROP TRIGGER {kw}{quote_ident(trigger.name)} ON {qualify(trigger.schema, trigger.table)}"


def set_trigger_enabled(trigger: Trigger) -> str:
    """ALTER TABLE schema.table ENABLE|DISABLE TRIGGER name, as the trigger declares."""
    action = "ENABLE" if trigger.enabled else "DISABLE"
    return f"ALTER TABLE {qualify(trigger.schema, trigger.table)} {action} TRIGGER {quote_ident(trigger.name)}"
