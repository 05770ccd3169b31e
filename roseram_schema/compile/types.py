"""Domains, composite types and sequences in a compiled script (see script.py).

They are created in the enum phase, before the tables that use them (a column's type, a
default's nextval('s')); a composite type or domain that names another type waits for it
(the graph's `type:` needs). OWNED BY runs once its column exists; grants and comments
after their object. A sequence a serial or identity column makes (`implicit`) is not
created here: only its grants and comment, after its table.
"""

from __future__ import annotations

from ..model import Catalog, Grant, Sequence
from .ddl import guarded
from .ddl import types as tddl


def add_types(g, catalog: Catalog, fresh: bool, phases: dict[str, int]) -> None:
    """Add the statements of every domain, composite type and sequence to graph `g`."""
    type_phase, grant_phase, comment_phase, key_phase = (
        phases["type"], phases["grant"], phases["comment"], phases["key"])
    for d in catalog.domains:
        sql = tddl.create_domain(d)
        if not fresh:
            sql = guarded.if_missing(tddl.type_exists(d.schema, d.name), sql)
        # scan the plain DDL: its base type and CHECK expressions name what it needs
        g.add((type_phase, d.key, 2, "", 0), sql, f"domain {d.key}", d.origin, scan=tddl.create_domain(d),
              provides=[f"type:{d.key}"], needs=[f"schema:{d.schema}"], ignore=[f"type:{d.key}"])
        if d.comment is not None:
            g.add((comment_phase, d.key, 5, "", 0), _comment("DOMAIN", d.qualified, d.comment),
                  f"comment domain {d.key}", d.origin, scan="", needs=[f"type:{d.key}"])
    for t in catalog.composite_types:
        sql = tddl.create_composite_type(t)
        if not fresh:
            sql = guarded.if_missing(tddl.type_exists(t.schema, t.name), sql)
        g.add((type_phase, t.key, 3, "", 0), sql, f"type {t.key}", t.origin, scan=tddl.create_composite_type(t),
              provides=[f"type:{t.key}"], needs=[f"schema:{t.schema}"], ignore=[f"type:{t.key}"])
        if t.comment is not None:
            g.add((comment_phase, t.key, 6, "", 0), _comment("TYPE", t.qualified, t.comment),
                  f"comment type {t.key}", t.origin, scan="", needs=[f"type:{t.key}"])
    for s in catalog.sequences:
        _add_sequence(g, s, (type_phase, grant_phase, comment_phase, key_phase))


def _add_sequence(g, s: Sequence, phases) -> None:
    type_phase, grant_phase, comment_phase, key_phase = phases
    own = f"sequence:{s.key}"
    owner = [f"relation:{s.schema}.{s.owned_by.partition('.')[0]}"] if s.owned_by else []
    if s.implicit:
        # made by its column: it exists once the table does
        there = owner
    else:
        g.add((type_phase, s.key, 4, "", 0), tddl.create_sequence(s, if_not_exists=True), f"sequence {s.key}",
              s.origin, scan="", provides=[own], needs=[f"schema:{s.schema}"])
        there = [own]
        if s.owned_by:
            g.add((key_phase, s.key, 9, "", 0), tddl.set_sequence_owner(s), f"sequence {s.key} owned by",
                  s.origin, scan="", needs=[own, *owner])
    for revoke in s.revoked:
        g.add((grant_phase, s.key, 7, revoke.grantee, 1), revoke_on_sequence(s, revoke),
              f"revoke sequence {s.key} from {revoke.grantee}", revoke.origin or s.origin, scan="",
              needs=[*there, f"role:{revoke.grantee}"])
    for grant in s.grants:
        g.add((grant_phase, s.key, 7, grant.grantee, 0), grant_on_sequence(s, grant),
              f"grant sequence {s.key} to {grant.grantee}", grant.origin or s.origin, scan="",
              needs=[*there, f"role:{grant.grantee}"])
    if s.comment is not None:
        g.add((comment_phase, s.key, 7, "", 0), _comment("SEQUENCE", s.qualified, s.comment),
              f"comment sequence {s.key}", s.origin, scan="", needs=there)


def _parts(grant: Grant) -> tuple[str, str]:
    privileges = ", ".join(p.upper() for p in grant.privileges)
    return privileges, "PUBLIC" if grant.grantee == "public" else tddl.quote_ident(grant.grantee)


def grant_on_sequence(s: Sequence, grant: Grant) -> str:
    """GRANT privileges ON SEQUENCE s TO grantee."""
    privileges, grantee = _parts(grant)
    return f"GRANT {privileges} ON SEQUENCE {s.qualified} TO {grantee}"


def revoke_on_sequence(s: Sequence, grant: Grant) -> str:
    """REVOKE privileges ON SEQUENCE s FROM grantee."""
    privileges, grantee = _parts(grant)
    return f"REVOKE {privileges} ON SEQUENCE {s.qualified} FROM {grantee}"


def _comment(kind: str, target: str, text: str) -> str:
    return f"COMMENT ON {kind} {target} IS {tddl.quote_literal(text)}"
