"""The catalog under construction while files are read, and the rules for adding to it.

Definitions (tables, views, functions ...) are added as files are read; things that attach
to another object (a policy file, a GRANT, a COMMENT ON, a CREATE INDEX) are queued in
`later` and applied once every definition is known, so no file depends on another being
read first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..errors import Origin
from ..model import Enum, Extension, Function, Role, Schema, Table, Trigger, View
from .problems import Problems


@dataclass
class Draft:
    """Mutable accumulator of everything declared so far, keyed by "schema.name" etc."""

    problems: Problems
    tables: dict[str, Table] = field(default_factory=dict)
    views: dict[str, View] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)
    enums: dict[str, Enum] = field(default_factory=dict)
    schemas: dict[str, Schema] = field(default_factory=dict)
    extensions: dict[str, Extension] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    # `schemas:` of project.yaml when given (then it is the complete list), else None
    declared_schemas: tuple[str, ...] | None = None
    # schemas that folders imply (schema/<s>/, views/<s>/, policies/<s>/)
    folder_schemas: set[str] = field(default_factory=set)
    personas: object | None = None
    contracts: dict[str, object] = field(default_factory=dict)
    # tables that had a policies/ file, so a second one is reported
    policy_files: dict[str, Origin | None] = field(default_factory=dict)
    later: list[Callable[["Draft"], None]] = field(default_factory=list)
    # applied after unnamed constraints and indexes got their names (COMMENT ON INDEX)
    after_naming: list[Callable[["Draft"], None]] = field(default_factory=list)
    # view key -> {relation it reads: where the query names it}, for precise errors
    view_refs: dict[str, dict[str, Origin]] = field(default_factory=dict)

    def add(self, kind: str, key: str, obj, origin: Origin | None) -> bool:
        """Add a definition; a second one with the same key is a duplicate (reported)."""
        store: dict = getattr(self, kind)
        if key in store:
            first = store[key].origin
            self.problems.add(
                origin,
                key,
                f"duplicate {_KIND_LABEL[kind]} {key}",
                f"it is already declared at {first}" if first else None,
            )
            return False
        store[key] = obj
        return True

    def relation(self, key: str) -> Table | View | None:
        """A table or view by "schema.name"."""
        return self.tables.get(key) or self.views.get(key)


_KIND_LABEL = {
    "tables": "table",
    "views": "view",
    "functions": "function",
    "triggers": "trigger",
    "enums": "enum type",
    "schemas": "schema",
    "extensions": "extension",
    "roles": "role",
}
