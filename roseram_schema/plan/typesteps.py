"""Statements and hazards of the domain, composite type and sequence changes (diff/types.py).

Each handler returns (sql, hazards) pairs; steps.py makes them Steps. Texts are the
source's own where it has them (a domain's CHECK as written), else the printed ones.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..compile.ddl import types as tddl
from ..diff import types as dt
from ..model import Catalog, Column
from ..model.sequences import serial_shaped
from .model import Hazard

_NEXTVAL = re.compile(r"^nextval\('((?:[^']|'')+)'(?:::regclass)?\)$")
_SERIAL_OF = {"integer": "serial", "bigint": "bigserial", "smallint": "smallserial"}


def _users_text(users: tuple[str, ...]) -> str:
    shown = ", ".join(users[:5]) + (f" and {len(users) - 5} more" if len(users) > 5 else "")
    return shown


def _create_domain(c: dt.CreateDomain, ctx):
    return [(tddl.create_domain(_source_domain(c.domain, ctx)), ())]


def _source_domain(d, ctx):
    """The domain with its default and checks as written, when the source has it."""
    src = next((s for s in ctx.texts.source.domains if s.key == d.key), None) if ctx.texts.source else None
    if src is None:
        return d
    by_name = {c.name: c for c in src.constraints}
    return replace(d, default=src.default if d.default is not None else None,
                   constraints=tuple(replace(c, expression=by_name[c.name].expression) if c.name in by_name else c
                                     for c in d.constraints))


def _drop_domain(c: dt.DropDomain, ctx):
    return [(tddl.drop_domain(c.domain, if_exists=True), ())]


def _alter_domain(c: dt.AlterDomain, ctx):
    old, new = c.old, _source_domain(c.new, ctx)
    out = []
    printed_new = {x.name: x for x in c.new.constraints}
    before = {x.name: x for x in old.constraints}
    for name in sorted(before):
        if name not in printed_new or printed_new[name].expression != before[name].expression:
            out.append((tddl.domain_drop_constraint(old, name), ()))
    if old.default != c.new.default:
        out.append((tddl.domain_set_default(new), ()))
    if old.not_null != c.new.not_null:
        hazards = ()
        if c.new.not_null and c.users:
            hazards = (Hazard("checks_existing_rows", f"SET NOT NULL on domain {new.key} checks every value of "
                                                      f"{_users_text(c.users)}; fails if one is NULL"),)
        out.append((tddl.domain_set_not_null(new), hazards))
    arrays = tuple(u.removesuffix("[]") for u in c.users if u.endswith("[]"))
    for con in new.constraints:
        if con.name not in before or before[con.name].expression != printed_new[con.name].expression:
            hazards = ()
            if arrays:
                hazards = (Hazard("fails_on_existing_rows", f"PostgreSQL cannot add constraint {con.name} to domain "
                                                            f"{new.key} while array columns use it: "
                                                            f"{_users_text(arrays)}"),)
            elif c.users:
                hazards = (Hazard("checks_existing_rows", f"constraint {con.name} of domain {new.key} checks every "
                                                          f"value of {_users_text(c.users)}; fails if one breaks it"),)
            out.append((tddl.domain_add_constraint(new, con), hazards))
    return out


def _in_use(what: str, users: tuple[str, ...]) -> tuple[Hazard, ...]:
    if not users:
        return ()
    return (Hazard("deletes_data", f"{what} is used by {_users_text(users)}: PostgreSQL refuses to drop it "
                                   "while they use it, and dropping them deletes their values; change them "
                                   "to another type first"),)


def _replace_domain(c: dt.ReplaceDomain, ctx):
    hazards = _in_use(f"domain {c.new.key} changes its base type, which ALTER DOMAIN cannot do; it", c.users)
    return [(tddl.drop_domain(c.old, if_exists=True), hazards),
            (tddl.create_domain(_source_domain(c.new, ctx)), ())]


def _create_composite(c: dt.CreateCompositeType, ctx):
    return [(tddl.create_composite_type(c.type), ())]


def _drop_composite(c: dt.DropCompositeType, ctx):
    return [(tddl.drop_type(c.type, if_exists=True), ())]


def _alter_composite(c: dt.AlterCompositeType, ctx):
    old = {a.name: a for a in c.old.attributes}
    new = {a.name: a for a in c.new.attributes}
    out = []
    for a in c.old.attributes:
        if a.name not in new:
            hazards = ()
            if c.users:
                hazards = (Hazard("deletes_data", f"dropping attribute {a.name} of type {c.new.key} deletes its "
                                                  f"values in {_users_text(c.users)}"),)
            out.append((tddl.type_drop_attribute(c.new, a.name), hazards))
    for a in c.new.attributes:
        if a.name in old and old[a.name] != a:
            hazards = _in_use(f"type {c.new.key} (attribute {a.name} changes type)", c.users)
            out.append((tddl.type_alter_attribute(c.new, a), hazards))
    for a in c.new.attributes:
        if a.name not in old:
            out.append((tddl.type_add_attribute(c.new, a), ()))
    return out


def _replace_composite(c: dt.ReplaceCompositeType, ctx):
    hazards = _in_use(f"type {c.new.key} changes the order of its attributes, which ALTER TYPE cannot do; it",
                      c.users)
    return [(tddl.drop_type(c.old, if_exists=True), hazards), (tddl.create_composite_type(c.new), ())]


_INTEGERS = ("smallint", "integer", "bigint")


def _create_sequence(c: dt.CreateSequence, ctx):
    steps = [(tddl.create_sequence(c.sequence, if_not_exists=True), ())]
    s = c.sequence
    table, _, column = (s.owned_by or "").partition(".")
    live = ctx.current_table(f"{s.schema}.{table}") if s.owned_by else None
    col = live.column(column) if live else None
    if col is not None and col.type in _INTEGERS and (s.increment or 1) > 0:
        # a column that already has values (switched to serial): the sequence starts past
        # them, or the first insert that takes its default collides with a row
        steps.append((tddl.start_past_values(s, live.qualified, column), ()))
    return steps


def _rename_sequence(c: dt.RenameSequence, ctx):
    return [(tddl.rename_sequence(c.old, c.new.name), ())]


def _drop_sequence(c: dt.DropSequence, ctx):
    # its current value is data: a sequence made again starts over, and hands out used numbers
    hazard = Hazard("deletes_data", f"drops sequence {c.sequence.key} and its current value")
    return [(tddl.drop_sequence(c.sequence, if_exists=True), (hazard,))]


def _alter_sequence(c: dt.AlterSequence, ctx):
    return [(tddl.alter_sequence(c.new, c.old), ())]


def _set_sequence_owner(c: dt.SetSequenceOwner, ctx):
    return [(tddl.set_sequence_owner(c.sequence), ())]


TYPE_STEPS = {
    dt.CreateDomain: _create_domain,
    dt.DropDomain: _drop_domain,
    dt.AlterDomain: _alter_domain,
    dt.ReplaceDomain: _replace_domain,
    dt.CreateCompositeType: _create_composite,
    dt.DropCompositeType: _drop_composite,
    dt.AlterCompositeType: _alter_composite,
    dt.ReplaceCompositeType: _replace_composite,
    dt.RenameSequence: _rename_sequence,
    dt.CreateSequence: _create_sequence,
    dt.DropSequence: _drop_sequence,
    dt.AlterSequence: _alter_sequence,
    dt.SetSequenceOwner: _set_sequence_owner,
}


def serial_column(table_key: str, column: Column, desired: Catalog) -> Column:
    """A column created with a default of nextval() of the sequence `serial` would make for
    it (desired sequence, owned by it, PostgreSQL's defaults: model/sequences.py),
    written as that serial type: the diff does not create such a sequence, the column does."""
    match = _NEXTVAL.match(column.default or "")
    serial = _SERIAL_OF.get(column.type)
    if match is None or serial is None or column.identity:
        return column
    schema, _, table = table_key.partition(".")
    name = match.group(1).replace("''", "'").rpartition(".")[2].strip('"')
    seq = next((s for s in desired.sequences if s.schema == schema and s.name == name), None)
    if seq is None or seq.owned_by != f"{table}.{column.name}":
        return column
    printed = next((c for t in desired.tables if t.key == table_key for c in t.columns if c.name == column.name),
                   None)
    if printed is None or not serial_shaped(seq, table, printed):
        return column
    return replace(column, type=serial, default=None)
