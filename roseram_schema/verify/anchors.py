"""How each table's rows find their owner (a user) and their tenant, from the foreign keys.

Rules (docs/verify.md "How a row finds its owner and tenant"): the tenants table is its own
tenant; the members table has direct columns; any other table reaches its tenant through a
foreign key to the tenants table, else through a parent that has a tenant; its owner through a
parent that has an owner, else a foreign key to the users table. Contract overrides win.
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass

from ..model import Catalog, Table, tables_by_key
from .spec import Spec

PREFERRED_USER_COLUMNS = ("user_id", "owner_id")


@dataclass(frozen=True)
class Path:
    """One hop: `column` of this table holds a user/tenant id (via=None) or a parent's key."""

    column: str
    via: str | None = None  # parent table key when the value is a parent row's key
    nullable: bool = False


@dataclass(frozen=True)
class Anchors:
    """Owner and tenant paths of one table, its "who wrote it" columns and public flag."""

    table: str
    kind: str = "plain"  # "users", "tenants", "members" or "plain"
    owner: Path | None = None
    tenant: Path | None = None
    actors: tuple[str, ...] = ()
    public: str | None = None
    # further foreign-key paths to a tenant beside `tenant` (`site_id` beside `page_id`)
    tenants_extra: tuple[Path, ...] = ()
    # no flag of its own, a contract that speaks of `public`: a row is public when the parent
    # row this path leads to is (a note of a public notebook)
    public_via: Path | None = None


def fk_order(catalog: Catalog) -> tuple[str, ...]:
    """Table keys, parents before children (ties and cycles broken by name)."""
    keys = {t.key for t in catalog.tables}
    graph = {
        t.key: {f"{fk.ref_schema}.{fk.ref_table}" for fk in t.foreign_keys} & keys - {t.key}
        for t in catalog.tables
    }
    order: list[str] = []
    sorter = graphlib.TopologicalSorter(graph)
    try:
        sorter.prepare()
    except graphlib.CycleError:
        return tuple(sorted(keys))
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order.extend(ready)
        sorter.done(*ready)
    return tuple(order)


def single_fks(table: Table):
    """Single-column foreign keys, sorted by column name."""
    return sorted((fk for fk in table.foreign_keys if len(fk.columns) == 1), key=lambda f: f.columns[0])


def derive_anchors(catalog: Catalog, spec: Spec) -> dict[str, Anchors]:
    """Anchors of every table, derived in foreign-key order."""
    ten = spec.tenancy
    result: dict[str, Anchors] = {}
    by_key = tables_by_key(catalog)
    for key in fk_order(catalog):
        table = by_key.get(key)
        contract = spec.contract(key)
        public = _public_column(table, ten.public, contract.public if contract else None)
        if key == ten.users:
            result[key] = Anchors(key, kind="users")
            continue
        if key == ten.tenants:
            owner = Path(ten.tenants_owner, None, _nullable(table, ten.tenants_owner)) if ten.tenants_owner else None
            result[key] = Anchors(key, kind="tenants", owner=owner, tenant=Path("*"), public=public,
                                  actors=_actors(table, ten.users, owner))
            continue
        if key == ten.members:
            owner = Path(ten.members_user, None, _nullable(table, ten.members_user))
            tenant = Path(ten.members_tenant, None, _nullable(table, ten.members_tenant))
            result[key] = Anchors(key, kind="members", owner=owner, tenant=tenant, public=public,
                                  actors=_actors(table, ten.users, owner))
            continue
        owner = _derive_owner(table, result, ten.users, contract.owner if contract else None)
        if owner and owner.via is None and contract and not contract.owner and not _mentions_own(contract):
            # the contract never speaks of `own`: the user column only records who wrote the row
            owner = None
        tenant = _derive_tenant(table, result, ten.tenants, contract.tenant if contract else None)
        result[key] = Anchors(key, owner=owner, tenant=tenant, public=public,
                              actors=_actors(table, ten.users, owner),
                              tenants_extra=_extra_tenants(table, result, ten.tenants, owner, tenant),
                              public_via=_public_parent(result, contract, public, owner, tenant))
    return result


def _public_parent(result, contract, public, owner, tenant) -> Path | None:
    """The owner's (else the tenant's) parent path when the table has no public flag, its
    contract names `public`, and that parent's rows can be public."""
    if public or contract is None or not any(
            "public" in clause for _, clauses in contract.commands for clause in clauses):
        return None
    for path in (owner, tenant):
        parent = result.get(path.via) if path and path.via else None
        if parent and (parent.public or parent.public_via):
            return path
    return None


def _mentions_own(contract) -> bool:
    return any("own" in clause for _, clauses in contract.commands for clause in clauses)


def _nullable(table: Table, column: str) -> bool:
    col = table.column(column)
    return bool(col and col.nullable)


def _target(fk) -> str:
    return f"{fk.ref_schema}.{fk.ref_table}"


def _path_for(table: Table, column: str, users: str, result) -> Path | None:
    fk = next((f for f in single_fks(table) if f.columns[0] == column), None)
    if fk is None:
        return None
    via = None if _target(fk) == users else _target(fk)
    return Path(column, via, _nullable(table, column))


def _derive_owner(table: Table, result, users: str, override: str | None) -> Path | None:
    if override == "none":
        return None
    if override:
        return _path_for(table, override, users, result)
    fks = single_fks(table)
    for fk in fks:
        parent = result.get(_target(fk))
        if parent and parent.owner and _target(fk) != table.key and parent.kind == "plain":
            return Path(fk.columns[0], _target(fk), _nullable(table, fk.columns[0]))
    direct = [fk.columns[0] for fk in fks if _target(fk) == users]
    for preferred in PREFERRED_USER_COLUMNS:
        if preferred in direct:
            return Path(preferred, None, _nullable(table, preferred))
    if direct:
        return Path(direct[0], None, _nullable(table, direct[0]))
    return None


def _derive_tenant(table: Table, result, tenants: str | None, override: str | None) -> Path | None:
    if override == "none" or tenants is None:
        return None
    if override:
        fk = next((f for f in single_fks(table) if f.columns[0] == override), None)
        if fk is None:
            return None
        via = None if _target(fk) == tenants else _target(fk)
        return Path(override, via, _nullable(table, override))
    fks = single_fks(table)
    for fk in fks:
        if _target(fk) == tenants:
            return Path(fk.columns[0], None, _nullable(table, fk.columns[0]))
    for fk in fks:
        parent = result.get(_target(fk))
        if parent and parent.tenant and _target(fk) != table.key:
            return Path(fk.columns[0], _target(fk), _nullable(table, fk.columns[0]))
    return None


def _extra_tenants(table: Table, result, tenants: str | None, owner, tenant) -> tuple[Path, ...]:
    """Every other single-column foreign key that leads to a tenant (directly or through a
    parent that has one); the owner's column is left to the owner probes."""
    if tenants is None or tenant is None:
        return ()
    taken = {tenant.column} | ({owner.column} if owner else set())
    out = []
    for fk in single_fks(table):
        column, target = fk.columns[0], _target(fk)
        if column in taken or target == table.key:
            continue
        parent = result.get(target)
        if target == tenants:
            out.append(Path(column, None, _nullable(table, column)))
        elif parent and parent.tenant and parent.kind == "plain":
            out.append(Path(column, target, _nullable(table, column)))
    return tuple(out)


def _actors(table: Table, users: str, owner: Path | None) -> tuple[str, ...]:
    """Direct user columns that only record who wrote the row."""
    return tuple(
        fk.columns[0]
        for fk in single_fks(table)
        if _target(fk) == users and not (owner and owner.via is None and owner.column == fk.columns[0])
    )


def _public_column(table: Table, names, override) -> str | None:
    if override == "false":
        return None
    candidates = [override] if override else list(names)
    for name in candidates:
        col = table.column(name)
        if col is not None and col.type == "boolean":
            return name
    return None
