"""The source's own SQL texts and origins, for rendering a plan.

The desired catalog is the source as PostgreSQL printed it back, and that printed form is
not always a fixpoint: re-creating an object from printed text can print differently again
(DESIGN.md, "Let PostgreSQL normalize"). So statements are rendered from the text the user
wrote whenever the source catalog is at hand, and compared only in printed form; then the
live database ends up printing exactly what the normalized source prints.
"""

from __future__ import annotations

from dataclasses import replace

from ..diff.changes import Change
from ..errors import Origin
from ..introspect.buildable import buildable_column, serial_named
from ..model import Catalog, Column, Extension, Function, Index, Policy, Table, Trigger, View


class SourceTexts:
    """Look up the source version of a desired object by key; fall back to the object."""

    def __init__(self, source: Catalog | None):
        self.source = source
        self._tables = {t.key: t for t in source.tables} if source else {}
        self._views = {v.key: v for v in source.views} if source else {}
        self._functions = {f.key: f for f in source.functions} if source else {}
        self._triggers = {t.key: t for t in source.triggers} if source else {}
        self._extensions = {e.name: e for e in source.extensions} if source else {}
        self._origins = _origin_index(source) if source else {}

    def extension(self, extension: Extension) -> Extension:
        """The extension as declared (`optional`, and the schema only when one is named)."""
        return self._extensions.get(extension.name, extension)

    def column(self, table_key: str, column: Column) -> Column:
        """The column as written (e.g. `bigserial`), for CREATE TABLE / ADD COLUMN. A column
        with no source text (a script made it) is the printed one, a nextval() default of
        its own serial-made sequence written back as serial (serial creates it)."""
        t = self._tables.get(table_key)
        src = t.column(column.name) if t else None
        if src is not None:
            return src
        schema, _, name = table_key.partition(".")
        return buildable_column(column, serial_named(Table(schema, name), column))

    def default(self, table_key: str, column: Column) -> str | None:
        """The default as written; the printed one when the source has none (serial)."""
        t = self._tables.get(table_key)
        src = t.column(column.name) if t else None
        if src is not None and src.default is not None:
            return src.default
        return column.default

    def generated(self, table_key: str, column: Column) -> str | None:
        """The generation expression as written."""
        t = self._tables.get(table_key)
        src = t.column(column.name) if t else None
        return src.generated if src is not None and src.generated is not None else column.generated

    def table(self, table: Table) -> Table:
        """The desired table with columns and checks in their written form."""
        t = self._tables.get(table.key)
        if t is None:
            # made by a script file: printed texts, serial columns written back as serial
            return replace(table, columns=tuple(buildable_column(c, serial_named(table, c)) for c in table.columns))
        checks = {c.name: c for c in t.checks}
        return replace(
            table,
            columns=tuple(self.column(table.key, c) for c in table.columns),
            checks=tuple(
                replace(c, expression=checks[c.name].expression) if c.name in checks else c
                for c in table.checks
            ),
        )

    def check_expression(self, table_key: str, name: str, printed: str) -> str:
        """A check constraint's expression as written."""
        t = self._tables.get(table_key)
        src = next((c for c in t.checks if c.name == name), None) if t else None
        return src.expression if src is not None else printed

    def policy(self, table_key: str, policy: Policy) -> Policy:
        """A policy with its USING / WITH CHECK as written."""
        t = self._tables.get(table_key)
        src = next((p for p in t.policies if p.name == policy.name), None) if t else None
        if src is None:
            return policy
        return replace(policy, using=src.using if policy.using is not None else None,
                       with_check=src.with_check if policy.with_check is not None else None)

    def index(self, table_key: str, index: Index) -> Index:
        """An index with its keys and predicate as written."""
        t = self._tables.get(table_key) or self._views.get(table_key)
        src = next((i for i in t.indexes if i.name == index.name), None) if t else None
        if src is None:
            return index
        return replace(index, keys=src.keys, where=src.where)

    def view(self, view: View) -> View:
        """A view with its query as written."""
        src = self._views.get(view.key)
        return replace(view, query=src.query) if src is not None else view

    def function(self, function: Function) -> Function:
        """A function with its definition as written."""
        src = self._functions.get(function.key)
        return replace(function, definition=src.definition) if src is not None else function

    def trigger(self, trigger: Trigger) -> Trigger:
        """A trigger with its definition as written."""
        src = self._triggers.get(trigger.key)
        return replace(trigger, definition=src.definition) if src is not None else trigger

    def origin(self, change: Change) -> Origin | None:
        """Where the change's object is declared: its own origin, else its table's."""
        if change.kind in ("DropPolicy", "AlterPolicy", "CreatePolicy") and change.table_key:
            own = self._origins.get(("*", change.key))
            return own or change.origin or self._origins.get(("policies", change.table_key))
        return (
            self._origins.get((change.kind, change.key))
            or self._origins.get(("*", change.key))
            or change.origin
            or (self._origins.get(("*", change.table_key)) if change.table_key else None)
        )


def _origin_index(c: Catalog) -> dict[tuple[str, str], Origin]:
    out: dict[tuple[str, str], Origin] = {}

    def put(kind: str, key: str, origin: Origin | None) -> None:
        if origin is not None:
            out.setdefault((kind, key), origin)

    for s in c.schemas:
        put("*", s.name, s.origin)
    for e in c.extensions:
        put("*", e.name, e.origin)
    for e in c.enums:
        put("*", e.key, e.origin)
    for t in c.tables:
        put("*", t.key, t.origin)
        rls_origin = t.policies_origin or t.origin
        put("policies", t.key, rls_origin)
        for kind in ("SetRowSecurity", "SetForceRowSecurity"):
            put(kind, t.key, rls_origin)
        for col in t.columns:
            put("*", f"{t.key}.{col.name}", col.origin)
        for con in (*t.uniques, *t.checks, *t.foreign_keys, *([t.primary_key] if t.primary_key else [])):
            put("*", f"{t.key}.{con.name}", con.origin)
        for ix in t.indexes:
            put("*", f"{t.schema}.{ix.name}", ix.origin)
        for p in t.policies:
            put("*", f"{t.key}.{p.name}", p.origin or rls_origin)
        for g in t.grants:
            put("*", f"{t.key}:{g.grantee}", g.origin or t.origin)
        for part in t.partitions:
            put("*", f"{t.schema}.{part.name}", part.origin or t.origin)
    for v in c.views:
        put("*", v.key, v.origin)
        for g in v.grants:
            put("*", f"{v.key}:{g.grantee}", g.origin or v.origin)
    for f in c.functions:
        put("*", f.key, f.origin)
    for tr in c.triggers:
        put("*", tr.key, tr.origin)
    return out
