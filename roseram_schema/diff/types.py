"""Domains, composite types and sequences: their changes, and the diff that makes them.

Sequences made by a column (serial, identity) are created and dropped with it: when the
column that owns a new sequence is created in the same diff, and the sequence is the one
`serial` or `GENERATED ... AS IDENTITY` would make, only its grants are diffed. Anything
else new is a CREATE SEQUENCE before the columns that use it, and OWNED BY after them.
A sequence's value is data and never compared.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import Origin
from ..model import Catalog, CompositeType, Domain, Grant as GrantModel, Sequence
from ..model.sequences import made_by_column
from .access import diff_grants
from .changes import Change, SetComment

# Roles the platform's default privileges provide for on a new sequence (plan/defaultacl.py
# revokes what they over-grant): what the desired state gives them is taken as given.
_CLIENT_ROLES = ("anon", "authenticated", "service_role")


# --- changes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateDomain(Change):
    """CREATE DOMAIN."""

    domain: Domain

    @property
    def key(self) -> str:
        return self.domain.key

    @property
    def origin(self) -> Origin | None:
        return self.domain.origin

    def describe(self) -> str:
        return f"create domain {self.domain.key} as {self.domain.base_type}"


@dataclass(frozen=True)
class DropDomain(Change):
    """DROP DOMAIN (after every column that used it is gone)."""

    domain: Domain

    @property
    def key(self) -> str:
        return self.domain.key

    def describe(self) -> str:
        return f"drop domain {self.domain.key}"


@dataclass(frozen=True)
class AlterDomain(Change):
    """ALTER DOMAIN: default, NOT NULL, constraints added and dropped. `users` are the
    columns that have the domain as their type (adding a check or NOT NULL scans them)."""

    old: Domain
    new: Domain
    users: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.new.key

    @property
    def origin(self) -> Origin | None:
        return self.new.origin

    def describe(self) -> str:
        return f"alter domain {self.new.key}"


@dataclass(frozen=True)
class ReplaceDomain(Change):
    """DROP DOMAIN + CREATE DOMAIN: the base type or collation changed, which ALTER DOMAIN
    cannot do. Fails while columns (`users`) use it: a hazard says so."""

    old: Domain
    new: Domain
    users: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.new.key

    @property
    def origin(self) -> Origin | None:
        return self.new.origin

    def describe(self) -> str:
        return f"re-create domain {self.new.key} as {self.new.base_type}"


@dataclass(frozen=True)
class CreateCompositeType(Change):
    """CREATE TYPE ... AS (...)."""

    type: CompositeType

    @property
    def key(self) -> str:
        return self.type.key

    @property
    def origin(self) -> Origin | None:
        return self.type.origin

    def describe(self) -> str:
        return f"create composite type {self.type.key}"


@dataclass(frozen=True)
class DropCompositeType(Change):
    """DROP TYPE of a composite type."""

    type: CompositeType

    @property
    def key(self) -> str:
        return self.type.key

    def describe(self) -> str:
        return f"drop composite type {self.type.key}"


@dataclass(frozen=True)
class AlterCompositeType(Change):
    """ALTER TYPE ADD/DROP/ALTER ATTRIBUTE, when the kept attributes keep their order."""

    old: CompositeType
    new: CompositeType
    users: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.new.key

    @property
    def origin(self) -> Origin | None:
        return self.new.origin

    def describe(self) -> str:
        return f"alter composite type {self.new.key}"


@dataclass(frozen=True)
class ReplaceCompositeType(Change):
    """DROP TYPE + CREATE TYPE: attributes reordered. Fails while something uses it."""

    old: CompositeType
    new: CompositeType
    users: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.new.key

    @property
    def origin(self) -> Origin | None:
        return self.new.origin

    def describe(self) -> str:
        return f"re-create composite type {self.new.key}"


@dataclass(frozen=True)
class CreateSequence(Change):
    """CREATE SEQUENCE (OWNED BY is a SetSequenceOwner of its own, after the column)."""

    sequence: Sequence

    @property
    def key(self) -> str:
        return self.sequence.key

    @property
    def origin(self) -> Origin | None:
        return self.sequence.origin

    def describe(self) -> str:
        return f"create sequence {self.sequence.key}"


@dataclass(frozen=True)
class DropSequence(Change):
    """DROP SEQUENCE IF EXISTS (a sequence owned by a dropped column is already gone)."""

    sequence: Sequence

    @property
    def key(self) -> str:
        return self.sequence.key

    def describe(self) -> str:
        return f"drop sequence {self.sequence.key}"


@dataclass(frozen=True)
class AlterSequence(Change):
    """ALTER SEQUENCE with the options that changed (never its value)."""

    old: Sequence
    new: Sequence

    @property
    def key(self) -> str:
        return self.new.key

    @property
    def origin(self) -> Origin | None:
        return self.new.origin

    def describe(self) -> str:
        return f"alter sequence {self.new.key}"


@dataclass(frozen=True)
class SetSequenceOwner(Change):
    """ALTER SEQUENCE ... OWNED BY table.column | NONE."""

    sequence: Sequence
    old_owner: str | None = None

    @property
    def key(self) -> str:
        return self.sequence.key

    @property
    def origin(self) -> Origin | None:
        return self.sequence.origin

    @property
    def owner_table(self) -> str | None:
        """"schema.table" of the new owner."""
        owner = self.sequence.owned_by
        return f"{self.sequence.schema}.{owner.partition('.')[0]}" if owner else None

    def describe(self) -> str:
        return f"sequence {self.sequence.key} owned by {self.sequence.owned_by or 'nothing'}"


@dataclass(frozen=True)
class RenameSequence(Change):
    """ALTER SEQUENCE ... RENAME TO: the sequence of a column whose table was renamed
    (`serial` names it after its table), found by its owner, never guessed otherwise."""

    old: Sequence
    new: Sequence

    @property
    def key(self) -> str:
        return self.new.key

    @property
    def origin(self) -> Origin | None:
        return self.new.origin

    def describe(self) -> str:
        return f"rename sequence {self.old.key} to {self.new.name}"


TYPE_CHANGE_KINDS = (RenameSequence, CreateDomain, DropDomain, AlterDomain, ReplaceDomain, CreateCompositeType,
                     DropCompositeType, AlterCompositeType, ReplaceCompositeType, CreateSequence,
                     DropSequence, AlterSequence, SetSequenceOwner)


# --- the diff --------------------------------------------------------------------------


def _base(type_text: str) -> str:
    return type_text.removesuffix("[]") if type_text.endswith("[]") else type_text


def type_users(catalog: Catalog, key: str) -> tuple[str, ...]:
    """Columns, composite attributes and domains whose type is `key` ("schema.name"; as
    format_type prints it, qualified outside the search path)."""
    schema, name = key.split(".", 1)
    spellings = {key, f'"{schema}"."{name}"', f'{schema}."{name}"'}
    if schema == "public":
        spellings.add(name)
    # an array column is marked `[]`: PostgreSQL cannot check a new domain constraint on it
    out = [f"{t.key}.{c.name}{'[]' if c.type.endswith('[]') else ''}"
           for t in catalog.tables for c in t.columns if _base(c.type) in spellings]
    out += [f"{t.key}.{a.name}" for t in catalog.composite_types for a in t.attributes if _base(a.type) in spellings]
    out += [d.key for d in catalog.domains if _base(d.base_type) in spellings]
    return tuple(sorted(out))


def diff_domains(current: Catalog, desired: Catalog) -> list[Change]:
    old = {d.key: d for d in current.domains}
    changes: list[Change] = []
    for d in desired.domains:
        before = old.get(d.key)
        if before is None:
            changes.append(CreateDomain(d))
        elif (before.base_type, before.collation) != (d.base_type, d.collation):
            changes.append(ReplaceDomain(before, d, type_users(current, d.key)))
            before = None
        elif replace(before, comment=None) != replace(d, comment=None):
            changes.append(AlterDomain(before, d, type_users(current, d.key)))
        if d.comment != (before.comment if before else None):
            changes.append(SetComment("domain", d.key, d.qualified, d.comment,
                                      before.comment if before else None, d.origin))
    new = {d.key for d in desired.domains}
    changes += [DropDomain(d) for d in current.domains if d.key not in new]
    return changes


def _alterable(old: CompositeType, new: CompositeType) -> bool:
    """Whether ADD/DROP/ALTER ATTRIBUTE reach `new`: the kept attributes in the same order,
    the added ones after them."""
    kept_old = [a.name for a in old.attributes if any(b.name == a.name for b in new.attributes)]
    names_new = [a.name for a in new.attributes]
    return names_new[:len(kept_old)] == kept_old


def diff_composite_types(current: Catalog, desired: Catalog) -> list[Change]:
    old = {t.key: t for t in current.composite_types}
    changes: list[Change] = []
    for t in desired.composite_types:
        before = old.get(t.key)
        if before is None:
            changes.append(CreateCompositeType(t))
        elif before.attributes != t.attributes:
            users = type_users(current, t.key)
            if _alterable(before, t):
                changes.append(AlterCompositeType(before, t, users))
            else:
                changes.append(ReplaceCompositeType(before, t, users))
                before = None
        if t.comment != (before.comment if before else None):
            changes.append(SetComment("type", t.key, t.qualified, t.comment,
                                      before.comment if before else None, t.origin))
    new = {t.key for t in desired.composite_types}
    changes += [DropCompositeType(t) for t in current.composite_types if t.key not in new]
    return changes


def _created_columns(current: Catalog, desired: Catalog) -> dict[str, object]:
    """"schema.table.column" -> desired Column, for every column the diff creates."""
    have = {t.key: {c.name for c in t.columns} for t in current.tables}
    out = {}
    for t in desired.tables:
        cols = have.get(t.key)
        for c in t.columns:
            if cols is None or c.name not in cols:
                out[f"{t.key}.{c.name}"] = c
    return out


def _assumed_grants(seq: Sequence) -> tuple[GrantModel, ...]:
    """What a sequence made by its column holds the moment it exists: what the platform
    stand-in's default privileges give in public (USAGE, SELECT to the client roles, as
    plan/defaultacl.py assumes, which revokes what a target's defaults give beyond)."""
    if seq.schema != "public":
        return ()
    out = []
    for g in seq.grants:
        given = tuple(p for p in g.privileges if p in ("select", "usage"))
        if g.grantee in _CLIENT_ROLES and given:
            out.append(GrantModel(g.grantee, given))
    return tuple(out)


def _options(s: Sequence) -> tuple:
    return (s.data_type, s.start, s.increment, s.min_value, s.max_value, s.cache, s.cycle)


def _renamed_sequences(current: Catalog, desired: Catalog) -> dict[str, Sequence]:
    """{desired key: current sequence} for a sequence owned by the same column under another
    name on each side (its table renamed), nothing else about it changed."""
    gone = {(s.schema, s.owned_by): s for s in current.sequences
            if s.owned_by and not s.identity and s.key not in {d.key for d in desired.sequences}}
    have = {s.key for s in current.sequences}
    out = {}
    for s in desired.sequences:
        before = gone.get((s.schema, s.owned_by))
        if s.key not in have and before is not None and not s.identity and _options(before) == _options(s):
            out[s.key] = before
    return out


def diff_sequences(current: Catalog, desired: Catalog) -> list[Change]:
    renamed = _renamed_sequences(current, desired)
    changes: list[Change] = [RenameSequence(before, renamed_to)
                             for renamed_to in desired.sequences if (before := renamed.get(renamed_to.key))]
    if renamed:
        moved = {b.key: replace(b, name=key.partition(".")[2]) for key, b in renamed.items()}
        current = replace(current, sequences=tuple(moved.get(s.key, s) for s in current.sequences))
    old = {s.key: s for s in current.sequences}
    created = _created_columns(current, desired)
    for s in desired.sequences:
        before = old.get(s.key)
        had = before.grants if before else ()
        if before is None:
            if s.identity or made_by_column(s, created):
                had = _assumed_grants(s)
            else:
                changes.append(CreateSequence(s))
                if s.owned_by:
                    changes.append(SetSequenceOwner(s, None))
        elif not (s.identity or before.identity):
            if _options(before) != _options(s):
                changes.append(AlterSequence(before, s))
            if before.owned_by != s.owned_by:
                changes.append(SetSequenceOwner(s, before.owned_by))
        if s.comment != (before.comment if before else None):
            changes.append(SetComment("sequence", s.key, s.qualified, s.comment,
                                      before.comment if before else None, s.origin))
        changes += diff_grants("sequence", s.key, s.qualified, had, s.grants, s.origin)
    new = {s.key for s in desired.sequences}
    kept_columns = {f"{t.key}.{c.name}" for t in desired.tables for c in t.columns}
    for s in current.sequences:
        # an identity's sequence goes with the identity, an owned one with its column
        if s.key in new or s.identity or (s.owned_by and f"{s.schema}.{s.owned_by}" not in kept_columns):
            continue
        changes.append(DropSequence(s))
    return changes


def diff_types(current: Catalog, desired: Catalog) -> list[Change]:
    """Every change to domains, composite types and sequences."""
    return diff_domains(current, desired) + diff_composite_types(current, desired) + diff_sequences(current, desired)
