"""Domains, composite types and sequences, built from the rows of domains.sql, types.sql
and sequences.sql (the grants of a sequence come with its own row)."""

from __future__ import annotations

from collections import defaultdict

from ..model import CompositeType, Domain, DomainConstraint, Grant, Sequence, TypeAttribute

TYPE_QUERIES = ("domains", "types", "sequences")

_SEQUENCE_PRIVILEGES = frozenset({"usage", "select", "update"})


def domain_from_row(row: dict) -> Domain:
    """A Domain from one row of domains.sql; constraints are "name\\nCHECK (...)"."""
    constraints = []
    for entry in row["constraints"]:
        name, _, expression = entry.partition("\n")
        constraints.append(DomainConstraint(name, expression))
    return Domain(schema=row["schema"], name=row["name"], base_type=row["base_type"],
                  not_null=row["not_null"], default=row["default"], collation=row["collation"],
                  constraints=tuple(constraints), comment=row["comment"])


def composite_from_row(row: dict) -> CompositeType:
    """A CompositeType from one row of types.sql."""
    return CompositeType(
        schema=row["schema"], name=row["name"], comment=row["comment"],
        attributes=tuple(TypeAttribute(a["name"], a["type"], a["collation"]) for a in row["attributes"]))


def sequence_grants(entries) -> tuple[Grant, ...]:
    """"grantee:privilege" entries as grants, one per grantee, privileges sorted."""
    by_grantee: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        grantee, _, privilege = entry.rpartition(":")
        if privilege in _SEQUENCE_PRIVILEGES:
            by_grantee[grantee].add(privilege)
    return tuple(Grant(g, tuple(sorted(p))) for g, p in sorted(by_grantee.items()))


def sequence_from_row(row: dict) -> Sequence:
    """A Sequence from one row of sequences.sql."""
    return Sequence(
        schema=row["schema"], name=row["name"], data_type=row["data_type"], start=int(row["start"]),
        increment=int(row["increment"]), min_value=int(row["min_value"]), max_value=int(row["max_value"]),
        cache=int(row["cache"]), cycle=row["cycle"], owned_by=row["owned_by"], identity=row["identity"],
        grants=sequence_grants(row["privileges"]), comment=row["comment"])


def grantees_of(rows: list[dict]) -> set[str]:
    """The roles the sequences' grants name."""
    return {entry.rpartition(":")[0] for row in rows for entry in row["privileges"]}
