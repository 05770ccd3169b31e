"""The catalog under construction while files are read, and the rules for adding to it.

Definitions (tables, views, functions ...) are added as files are read; things that attach
to another object (a policy file, a GRANT, a COMMENT ON, a CREATE INDEX) are queued in
`later` and applied once every definition is known, so no file depends on another being
read first.

Files other than project.yaml are read each into a Draft of their own, then `merge`d into
the project's in path order, so what one file declares can be cached (cache/parse.py)
without changing what the project loads to.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cache
from typing import Callable

from ..errors import Origin
from ..model import CompositeType, DefaultPrivileges, Domain, Enum, Extension, Function, Role, Schema, Sequence, Table, Trigger, View
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
    # `grants:` of project.yaml ("exact" or "defaults"), None when not said
    grants_mode: str | None = None
    # ALTER DEFAULT PRIVILEGES and project.yaml `default_privileges:`, by DefaultPrivileges.key
    default_privileges: dict[str, DefaultPrivileges] = field(default_factory=dict)
    # GRANT/REVOKE ... ON DATABASE (the target's database, whatever the name written)
    database_grants: tuple = ()
    database_revokes: tuple = ()
    contracts: dict[str, object] = field(default_factory=dict)
    # tables that had a policies/ file, so a second one is reported
    policy_files: dict[str, Origin | None] = field(default_factory=dict)
    later: list[Callable[["Draft"], None]] = field(default_factory=list)
    # applied after unnamed constraints and indexes got their names (COMMENT ON INDEX)
    after_naming: list[Callable[["Draft"], None]] = field(default_factory=list)
    # view key -> {relation it reads: where the query names it}, for precise errors
    view_refs: dict[str, dict[str, Origin]] = field(default_factory=dict)
    domains: dict[str, Domain] = field(default_factory=dict)
    composite_types: dict[str, CompositeType] = field(default_factory=dict)
    sequences: dict[str, Sequence] = field(default_factory=dict)
    # script files (scripts.Script), in the order read; run after the declarative build
    scripts: list = field(default_factory=list)
    # `sql:` of project.yaml: folders whose .sql files are script files, in run order
    sql_folders: tuple[str, ...] = ()
    # the user's policies and RLS switches on platform tables (model.Catalog.platform_tables)
    platform_tables: dict[str, Table] = field(default_factory=dict)
    publications: dict[str, object] = field(default_factory=dict)

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

    def merge(self, part: "Draft") -> None:
        """Add what one file, read into its own problem-free Draft, declared: the same as
        reading that file into this Draft (a duplicate across files is reported here).

        A part never holds project.yaml's settings (declared schemas, personas), nor
        contracts or policy files (those are set by `later` callables, run on the project)."""
        for kind in _MERGED_KINDS:
            for key, obj in getattr(part, kind).items():
                if self.add(kind, key, obj, obj.origin) and key in part.view_refs and kind == "views":
                    self.view_refs[key] = part.view_refs[key]
        for name, schema in part.schemas.items():
            self.schemas.setdefault(name, schema)  # CREATE SCHEMA of a declared schema is no error
        self.folder_schemas.update(part.folder_schemas)
        self.later.extend(part.later)
        self.scripts.extend(part.scripts)
        self.after_naming.extend(part.after_naming)

    def relation(self, key: str) -> Table | View | None:
        """A table or view by "schema.name"."""
        return self.tables.get(key) or self.views.get(key)


# what `add` puts into a part; schemas come from CREATE SCHEMA there, which never conflicts
_MERGED_KINDS = ("tables", "views", "functions", "triggers", "enums", "extensions", "roles", "domains",
                 "composite_types", "sequences")

def evolve(obj, **changes):
    """dataclasses.replace for the model's frozen dataclasses, a few times faster: the
    copy is made without __init__ (they have no __post_init__), which matters where every
    table of a large project gets a copy (naming, policies). Unknown field names fail."""
    copy, names = _copier(obj.__class__)
    for name in changes:
        if name not in names:
            raise TypeError(f"{obj.__class__.__name__} has no field {name!r}")
    return copy(obj, changes)


@cache
def _copier(cls):
    """(copy(obj, changes), field names) for a slotted frozen dataclass. The copy sets each
    slot in a line of its own, made once per class as dataclasses makes __init__: a loop over
    the names is much slower, and a load makes a copy per table and more."""
    names = tuple(f.name for f in fields(cls))
    lines = ["def copy(obj, changes):", "    new = _new(cls)", "    get = changes.get"]
    lines += [f"    _set(new, {name!r}, get({name!r}, obj.{name}))" for name in names]
    lines.append("    return new")
    # object.__setattr__: past the frozen dataclass's __setattr__, which refuses
    scope = {"_new": object.__new__, "_set": object.__setattr__, "cls": cls}
    exec("\n".join(lines), scope)  # noqa: S102 - the text is made of the class's field names
    return scope["copy"], frozenset(names)


_KIND_LABEL = {
    "tables": "table",
    "views": "view",
    "functions": "function",
    "triggers": "trigger",
    "enums": "enum type",
    "schemas": "schema",
    "extensions": "extension",
    "roles": "role",
    "domains": "domain",
    "composite_types": "composite type",
    "sequences": "sequence",
}
