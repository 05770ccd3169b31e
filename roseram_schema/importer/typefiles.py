"""Domains, composite types and sequences of an imported database, as SQL: one
`schema/<schema>/types.sql` per schema that has any.

A sequence that `serial` or an identity column makes (model/sequences.py) is
not written as CREATE SEQUENCE: the column is written as a serial type (files.py) or
with its identity, and only its grants and comment are. Grants in `grants: exact` mode: those
beyond what the platform stand-in's default privileges give (USAGE, SELECT to the client roles
in public); in `grants: defaults` mode, the GRANTs and REVOKEs that take what the database's
default privileges give a new sequence to what it holds (importer/grantmode.py).
"""

from __future__ import annotations

from collections import defaultdict

from ..compile.ddl import types as tddl
from ..compile.types import grant_on_sequence, revoke_on_sequence
from ..model import Catalog, Grant, Sequence, quote_literal
from ..model.sequences import column_sequences

SQL_HEADER = "-- Imported from a live database by `roseram-schema import`.\n"
_DEFAULTS = {"anon", "authenticated", "service_role"}


def _extra_grants(s: Sequence) -> tuple[Grant, ...]:
    out = []
    for g in s.grants:
        given = {"usage", "select"} if s.schema == "public" and g.grantee in _DEFAULTS else set()
        extra = tuple(p for p in g.privileges if p not in given)
        if extra:
            out.append(Grant(g.grantee, extra))
    return tuple(out)


def _missing_defaults(s: Sequence) -> list[str]:
    """REVOKEs of what the stand-in's defaults give in public and the database does not have."""
    if s.schema != "public":
        return []
    held = {g.grantee: set(g.privileges) for g in s.grants}
    out = []
    for role in sorted(_DEFAULTS):
        gone = sorted({"usage", "select"} - held.get(role, set()))
        if gone:
            out.append(f"REVOKE {', '.join(p.upper() for p in gone)} ON SEQUENCE {s.qualified} FROM {role}")
    return out


def exact_sequence_statements(s: Sequence) -> list[str]:
    """The GRANT and REVOKE statements a `grants: exact` project writes for `s`."""
    return [grant_on_sequence(s, g) for g in _extra_grants(s)] + _missing_defaults(s)


def type_files(catalog: Catalog, folder_of, made_by_column: set[str] | None = None) -> dict[str, str]:
    """{path: text} of the types.sql files; `folder_of(schema)` is the schema's folder;
    `made_by_column`: column_sequences(catalog), when the caller has it already."""
    if made_by_column is None:
        made_by_column = column_sequences(catalog)
    by_schema: dict[str, list[str]] = defaultdict(list)
    for d in catalog.domains:
        by_schema[d.schema].append(tddl.create_domain(d))
        if d.comment is not None:
            by_schema[d.schema].append(f"COMMENT ON DOMAIN {d.qualified} IS {quote_literal(d.comment)}")
    for t in catalog.composite_types:
        by_schema[t.schema].append(tddl.create_composite_type(t))
        if t.comment is not None:
            by_schema[t.schema].append(f"COMMENT ON TYPE {t.qualified} IS {quote_literal(t.comment)}")
    for s in catalog.sequences:
        lines = by_schema[s.schema]
        if s.key not in made_by_column:
            lines.append(tddl.create_sequence(s))
            if s.owned_by:
                lines.append(tddl.set_sequence_owner(s))
        if catalog.grants_mode == "defaults":  # s.grants and s.revoked are its deltas
            lines += [grant_on_sequence(s, g) for g in s.grants]
            lines += [revoke_on_sequence(s, g) for g in s.revoked]
        else:
            lines += exact_sequence_statements(s)
        if s.comment is not None:
            lines.append(f"COMMENT ON SEQUENCE {s.qualified} IS {quote_literal(s.comment)}")
        if not lines:
            del by_schema[s.schema]
    return {f"schema/{folder_of(schema)}/types.sql": SQL_HEADER + "".join(f"\n{line};\n" for line in lines)
            for schema, lines in sorted(by_schema.items())}
