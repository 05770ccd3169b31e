"""What each side has, in a drift report, for domains, composite types and sequences."""

from __future__ import annotations

from ..compile.ddl import types as tddl
from ..diff import types as dt


def _sequence(s) -> str:
    return " ".join(["sequence", *tddl.sequence_options(s)]) if tddl.sequence_options(s) else "sequence"


def type_sides(c) -> tuple[str | None, str | None]:
    """(what the source says, what the database has) for a change of diff/types.py; (None,
    None) for any other change."""
    missing, extra = "(missing)", "(not in the source)"
    if isinstance(c, dt.CreateDomain):
        return tddl.create_domain(c.domain), missing
    if isinstance(c, dt.DropDomain):
        return extra, tddl.create_domain(c.domain)
    if isinstance(c, (dt.AlterDomain, dt.ReplaceDomain)):
        return tddl.create_domain(c.new), tddl.create_domain(c.old)
    if isinstance(c, dt.CreateCompositeType):
        return tddl.create_composite_type(c.type), missing
    if isinstance(c, dt.DropCompositeType):
        return extra, tddl.create_composite_type(c.type)
    if isinstance(c, (dt.AlterCompositeType, dt.ReplaceCompositeType)):
        return tddl.create_composite_type(c.new), tddl.create_composite_type(c.old)
    if isinstance(c, dt.CreateSequence):
        return _sequence(c.sequence), missing
    if isinstance(c, dt.DropSequence):
        return extra, _sequence(c.sequence)
    if isinstance(c, dt.AlterSequence):
        return _sequence(c.new), _sequence(c.old)
    if isinstance(c, dt.RenameSequence):
        return c.new.name, c.old.name
    if isinstance(c, dt.SetSequenceOwner):
        return c.sequence.owned_by or "(owned by nothing)", c.old_owner or "(owned by nothing)"
    return None, None
