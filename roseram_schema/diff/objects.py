"""Schemas, extensions, enums, functions and triggers."""

from __future__ import annotations

from dataclasses import replace

from .changes import (
    AddEnumValue,
    Change,
    CreateEnum,
    CreateExtension,
    CreateFunction,
    CreateSchema,
    CreateTrigger,
    DropFunction,
    DropTrigger,
    ReplaceFunction,
    SetComment,
)
from ..model import Catalog, quote_ident
from ..model import Grant as GrantModel
from .access import diff_grants


def diff_schemas(current: Catalog, desired: Catalog) -> list[Change]:
    """Create missing schemas; comments and grants. Schemas are never dropped."""
    old = {s.name: s for s in current.schemas}
    changes: list[Change] = []
    for s in desired.schemas:
        before = old.get(s.name)
        if before is None and s.name != "public":
            changes.append(CreateSchema(s))
        if s.comment != (before.comment if before else None) and (before or s.comment):
            changes.append(SetComment("schema", s.name, quote_ident(s.name), s.comment,
                                      before.comment if before else None, s.origin))
        changes += diff_grants("schema", s.name, quote_ident(s.name),
                               before.grants if before else (), s.grants, s.origin)
    return changes


def diff_extensions(current: Catalog, desired: Catalog) -> list[Change]:
    """Create missing extensions; they are never dropped (other objects may use them)."""
    have = {e.name for e in current.extensions}
    return [CreateExtension(e) for e in desired.extensions if e.name not in have]


def diff_enums(current: Catalog, desired: Catalog) -> list[Change]:
    """New enums, and values added to existing ones (PostgreSQL cannot remove a value)."""
    old = {e.key: e for e in current.enums}
    changes: list[Change] = []
    for e in desired.enums:
        before = old.get(e.key)
        if before is None:
            changes.append(CreateEnum(e))
            if e.comment:
                changes.append(SetComment("type", e.key, e.qualified, e.comment, None, e.origin))
            continue
        have = list(before.values)
        for i, value in enumerate(e.values):
            if value in have:
                continue
            # place it next to a neighbour that already exists, so the order matches
            after = next((v for v in reversed(e.values[:i]) if v in have), None)
            if after is not None:
                changes.append(AddEnumValue(e, value, after=after))
                have.insert(have.index(after) + 1, value)
            else:
                first = have[0] if have else None
                changes.append(AddEnumValue(e, value, before=first))
                have.insert(0, value)
        if e.comment != before.comment:
            changes.append(SetComment("type", e.key, e.qualified, e.comment, before.comment, e.origin))
    return changes


def diff_functions(current: Catalog, desired: Catalog) -> list[Change]:
    """CREATE OR REPLACE when the result type is kept, else drop and create; grants, comments."""
    old = {f.key: f for f in current.functions}
    new = {f.key: f for f in desired.functions}
    changes: list[Change] = []
    for key in sorted(old.keys() - new.keys()):
        changes.append(DropFunction(old[key]))
    for key in sorted(new):
        f, before = new[key], old.get(key)
        if before is None:
            changes.append(CreateFunction(f))
        elif replace(before, comment=None, grants=()) != replace(f, comment=None, grants=()):
            if (before.returns, before.kind) == (f.returns, f.kind):
                changes.append(ReplaceFunction(before, f))
            else:
                changes.append(DropFunction(before))
                changes.append(CreateFunction(f))
                before = None  # re-created: default grants, no comment
        kind = f.kind if f.kind == "procedure" else "function"
        if f.comment != (before.comment if before else None):
            changes.append(SetComment(kind, key, f.signature, f.comment,
                                      before.comment if before else None, f.origin))
        # a new function can be executed by PUBLIC until that is revoked (PostgreSQL's default)
        had = before.grants if before else (GrantModel("public", ("execute",)),)
        changes += diff_grants(kind, key, f.signature, had, f.grants, f.origin)
    return changes


def diff_triggers(current: Catalog, desired: Catalog) -> list[Change]:
    """Triggers cannot be altered: a changed one is dropped and created again."""
    old = {t.key: t for t in current.triggers}
    new = {t.key: t for t in desired.triggers}
    changes: list[Change] = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        if a is not None and a != b:
            changes.append(DropTrigger(a))
        if b is not None and a != b:
            changes.append(CreateTrigger(b))
    return changes
