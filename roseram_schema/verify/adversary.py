"""Adversarial write probes: what a hostile client sends, not only what a polite one does.

- column-free `UPDATE t SET c = <literal>` and `DELETE FROM t` (no WHERE): a statement that
  reads no column is not filtered by the SELECT policies, so it shows the UPDATE/DELETE
  `USING` alone (the dry() trigger records each reached row and skips it);
- forged authors: an INSERT, or an UPDATE, that writes another user's id into a column that
  must be the caller (`author:`, by default the columns that record who wrote the row);
- pulls: a row the persona sees but may not update, moved onto the persona (its owner set to
  the persona, its tenant to one of the persona's tenants);
- fixed columns (`fixed:`, e.g. the tenants table's owner): changed on every updatable row;
- every foreign-key path to a tenant, not only the first: inserts and moves along the others;
- rows moved, column-free, onto a user who has no row yet when the owner column is unique
  (one settings row per user): onto any persona the unique key, not the policies, refuses it;
- on a table whose rows belong to an owner *or* a tenant (both columns nullable: a deployment
  of a project or of a site), a row of one side attached to the other: the new side alone
  must be one the persona may read (a project's deployment pointed at a stranger's site).

Each attempt carries what the contract expects of it and the line to print when it gets
through (`judge`); probes.CellBuilder.observe records it.
"""

from __future__ import annotations

from dataclasses import replace

from ..model import Table, quote_ident, quote_literal
from .categories import allowed
from .probes import Attempt, touch_column, where_ident
from .seed import SPARE_USER, Row, SeedGap, World, insert_sql, row_label
from .spec import Persona

DRY = "/*dry*/ "


def dry_attempts(world: World, persona: Persona, table: Table, granted) -> list[Attempt]:
    """`UPDATE t SET c = <literal>` and `DELETE FROM t`, neither reading a column (none for a
    bypassing persona or a table without contract: nothing to judge)."""
    rows = tuple(world.rows.get(table.key, []))
    if not rows or persona.bypass or world.spec.contract(table.key) is None:
        return []
    out = []
    if granted is None or (table.key, "update") in granted:
        col = touch_column(table, world)
        literal = rows[0].values.get(col) or f"NULL::{table.column(col).type}"
        out.append(Attempt(table.key, "dry-update",
                           f"{DRY}UPDATE {table.qualified} SET {quote_ident(col)} = {literal}", rows=rows))
    if granted is None or (table.key, "delete") in granted:
        out.append(Attempt(table.key, "dry-delete", f"{DRY}DELETE FROM {table.qualified}", rows=rows))
    return out


def judge(world: World, persona: Persona, attempts: list[Attempt]) -> list[Attempt]:
    """The attempts with `expected` and the failure line (`note`) filled in."""
    return [replace(a, expected=forgery_expected(world, persona, a), note=describe(a)) for a in attempts]


def author_columns(world: World, key: str) -> tuple[str, ...]:
    """Columns that must hold the caller's id: the contract's `author:`, else the derived
    columns that only record who wrote the row."""
    contract = world.spec.contract(key)
    if contract is not None and contract.author is not None:
        return contract.author
    return world.anchors[key].actors


def _user_literal(table: Table, column: str, user_id: str) -> str:
    return f"{quote_literal(user_id)}::{table.column(column).type}"


def _stranger(world: World, persona: Persona, *avoid: str | None) -> str | None:
    """Another user persona, preferably one sharing no tenant with the persona."""
    mine = set(persona.tenant_labels())
    others = [p for p in world.spec.users() if p.name != persona.name and p.name not in avoid]
    others.sort(key=lambda p: bool(mine & set(p.tenant_labels())))
    return others[0].name if others else None


def _own_insert_row(world: World, persona: Persona, table: Table) -> Row | None:
    """A new row the contract lets this persona insert (its only fault will be the forgery)."""
    contract = world.spec.contract(table.key)
    ten = world.spec.tenancy
    for owner, tenant, public in world.insert_slots(table.key):
        try:
            row = world.probe_row(table.key, owner, tenant, public, persona.name)
        except SeedGap:
            continue
        if allowed(contract, "insert", persona, row, ten):
            return row
    return None


def _with_value(table: Table, row: Row, column: str, literal: str, raw: str | None, **facts) -> Row:
    values = dict(row.values)
    values[column] = literal
    raw_values = dict(row.raw)
    if raw is None:
        raw_values.pop(column, None)
    else:
        raw_values[column] = raw
    new = replace(row, values=values, raw=raw_values, **facts)
    if "owner" in facts or "tenant" in facts:
        new = replace(new, label=row_label(new.owner, new.tenant, new.public))
    return new


def insert_forgeries(world: World, persona: Persona, table: Table) -> list[Attempt]:
    """INSERTs of an allowed row with an author column forged, or, on a table with several
    tenant paths, one of them pointed at another tenant."""
    if not persona.user or persona.bypass:
        return []
    base = _own_insert_row(world, persona, table)
    if base is None:
        return []
    out = []
    stranger = _stranger(world, persona, base.owner)
    owner_col = world.anchors[table.key].owner
    for column in author_columns(world, table.key):
        if table.column(column) is None or stranger is None:
            continue
        if owner_col and owner_col.via is None and owner_col.column == column:
            continue  # a direct owner column: the insert slots already try every owner
        uid = world.user_ids[stranger]
        row = _with_value(table, base, column, _user_literal(table, column, uid), uid)
        row = replace(row, label=f"{base.label} written as {stranger}")
        out.append(Attempt(table.key, "forge", insert_sql(table, row), base, row, note=column))
    a = world.anchors[table.key]
    # one tenant path at a time points elsewhere, the others stay in the row's tenant
    paths = ((a.tenant,) if a.tenant and a.tenant.column != "*" else ()) + a.tenants_extra
    for path in paths if a.tenants_extra else ():
        for tenant in world.spec.tenants():
            if tenant == base.tenant:
                continue
            target = _tenant_parent(world, path, tenant)
            if target is None:
                continue
            value = target.raw.get(_ref_column(table, path.column))
            row = _with_value(table, base, path.column,
                              f"{quote_literal(value)}::{table.column(path.column).type}", value)
            row = replace(row, label=f"{base.label} with {path.column} in tenant {tenant}")
            out.append(Attempt(table.key, "insert-path", insert_sql(table, row), base,
                               replace(row, tenant=tenant), note=path.column))
    return judge(world, persona, out)


def _ref_column(table: Table, column: str) -> str:
    fk = next(f for f in table.foreign_keys if f.columns == (column,))
    return fk.ref_columns[0]


def _tenant_parent(world: World, path, tenant: str) -> Row | None:
    key = path.via or world.spec.tenancy.tenants
    rows = world.rows.get(key, [])
    return next((r for r in rows if r.tenant == tenant and not r.public), None) or next(
        (r for r in rows if r.tenant == tenant), None)


def _update(table: Table, world: World, row: Row, column: str, literal: str) -> str:
    return (f"UPDATE {table.qualified} SET {quote_ident(column)} = {literal} "
            f"WHERE {where_ident(world, table, row)}")


def update_forgeries(world: World, persona: Persona, table: Table, row: Row) -> list[Attempt]:
    """On a row the persona may update: author columns set to another user, fixed columns
    changed, every further tenant path moved to another tenant."""
    if persona.bypass:
        return []
    out = []
    contract = world.spec.contract(table.key)
    owner_col = world.anchors[table.key].owner
    stranger = _stranger(world, persona, row.owner)
    # derived authors are only judged on INSERT: an UPDATE may keep who wrote the row as it is,
    # so rewriting it is only a leak when the contract declares `author:`
    declared = contract.author if contract is not None and contract.author is not None else ()
    if persona.user and stranger:
        for column in declared:
            if table.column(column) is None:
                continue
            if owner_col and owner_col.via is None and owner_col.column == column:
                continue  # moved by move_attempts
            uid = world.user_ids[stranger]
            new = replace(row, label=f"{row.label} written as {stranger}")
            out.append(Attempt(table.key, "forge-update",
                               _update(table, world, row, column, _user_literal(table, column, uid)),
                               row, new, note=column))
    for column in (contract.fixed if contract else ()):
        literal = _other_value(world, persona, table, row, column)
        if literal is not None:
            out.append(Attempt(table.key, "fixed", _update(table, world, row, column, literal),
                               row, row, note=column))
    for path in world.anchors[table.key].tenants_extra:
        for tenant in world.spec.tenants():
            target = _tenant_parent(world, path, tenant)
            if tenant == row.tenant or target is None:
                continue
            value = target.raw.get(_ref_column(table, path.column))
            literal = f"{quote_literal(value)}::{table.column(path.column).type}"
            new = replace(row, tenant=tenant,
                          label=f"{row.label} with {path.column} in tenant {tenant}")
            out.append(Attempt(table.key, "move", _update(table, world, row, path.column, literal),
                               row, new, note=path.column))
    out += _attachments(world, persona, table, row)
    return judge(world, persona, out)


def _unique_alone(table: Table, column: str) -> bool:
    """Whether a unique key (primary key, constraint or index) is this column alone."""
    keys = [u.columns for u in table.uniques] + [i.keys for i in table.indexes if i.unique]
    if table.primary_key:
        keys.append(table.primary_key.columns)
    return any(tuple(k) == (column,) for k in keys)


def either_side(world: World, key: str) -> bool:
    """Rows of the table belong to an owner or a tenant, each column nullable (one side per
    seeded row), through different columns."""
    a = world.anchors[key]
    return bool(a.owner and a.tenant and a.owner.nullable and a.tenant.nullable
                and a.owner.column != a.tenant.column and a.tenant.column != "*")


def _side_readable(world: World, persona: Persona, key: str, tenant: str) -> bool:
    """Whether the persona may read the table's rows of `tenant` on their own (no owner)."""
    side = Row(key, row_label(None, tenant, None), {}, {}, None, tenant, None)
    return allowed(world.spec.contract(key), "select", persona, side, world.spec.tenancy)


def _attachments(world: World, persona: Persona, table: Table, row: Row) -> list[Attempt]:
    """On an owner-side row of an either-side table (a project's deployment, no site), the
    tenant column set to a tenant whose rows of the table the persona may not read: pushing a
    row into a stranger tenant, whose members then see it."""
    if not persona.user or row.owner is None or row.tenant is not None or not either_side(world, table.key):
        return []
    path = world.anchors[table.key].tenant
    out = []
    for tenant in world.spec.tenants():
        target = _tenant_parent(world, path, tenant)
        if target is None or _side_readable(world, persona, table.key, tenant):
            continue
        value = target.raw.get(_ref_column(table, path.column))
        literal = f"{quote_literal(value)}::{table.column(path.column).type}"
        new = replace(row, tenant=tenant, label=row_label(row.owner, tenant, row.public))
        out.append(Attempt(table.key, "attach", _update(table, world, row, path.column, literal),
                           row, new, note=path.column))
    return out


def _other_value(world: World, persona: Persona, table: Table, row: Row, column: str) -> str | None:
    """A value of `column` different from the row's: the persona's own id first for a user
    column (taking over), else another seeded row's value."""
    col = table.column(column)
    if col is None:
        return None
    fk = next((f for f in table.foreign_keys if f.columns == (column,)), None)
    current = row.raw.get(column)
    if fk and f"{fk.ref_schema}.{fk.ref_table}" == world.spec.tenancy.users:
        candidates = [world.user_ids.get(persona.name)] + [world.user_ids[n] for n in sorted(world.user_ids)]
    elif fk:
        candidates = [r.raw.get(fk.ref_columns[0]) for r in world.rows.get(f"{fk.ref_schema}.{fk.ref_table}", [])]
    else:
        candidates = [r.raw.get(column) for r in world.rows.get(table.key, [])]
    for value in candidates:
        if value is not None and value != current:
            return f"{quote_literal(value)}::{col.type}"
    return None


def pull_attempts(world: World, persona: Persona, table: Table, row: Row) -> list[Attempt]:
    """On a row the persona sees but may not update: make it the persona's (owner) or bring it
    into one of the persona's tenants."""
    if persona.bypass or not persona.user:
        return []
    a = world.anchors[table.key]
    out = []
    if a.owner and row.owner != persona.name and a.kind != "tenants" and not (
            a.tenant and a.owner.column == a.tenant.column):
        if a.owner.via is None:
            literal = _user_literal(table, a.owner.column, world.user_ids[persona.name])
            new_tenant = row.tenant
        else:
            parent = next((r for r in world.rows.get(a.owner.via, []) if r.owner == persona.name), None)
            literal = None
            if parent is not None:
                value = parent.raw.get(_ref_column(table, a.owner.column))
                literal = f"{quote_literal(value)}::{table.column(a.owner.column).type}"
            new_tenant = parent.tenant if parent is not None and a.owner.column == (a.tenant.column if a.tenant else None) else row.tenant
        if literal:
            new = replace(row, owner=persona.name, tenant=new_tenant,
                          label=row_label(persona.name, new_tenant, row.public))
            out.append(Attempt(table.key, "pull", _update(table, world, row, a.owner.column, literal),
                               row, new, note=a.owner.column))
    if a.tenant and a.tenant.column != "*":
        for tenant in persona.tenant_labels():
            if tenant == row.tenant:
                continue
            target = _tenant_parent(world, a.tenant, tenant)
            if target is None:
                continue
            value = target.raw.get(_ref_column(table, a.tenant.column))
            literal = f"{quote_literal(value)}::{table.column(a.tenant.column).type}"
            owner = target.owner if a.owner and a.owner.column == a.tenant.column else row.owner
            new = replace(row, tenant=tenant, owner=owner, label=row_label(owner, tenant, row.public))
            out.append(Attempt(table.key, "pull", _update(table, world, row, a.tenant.column, literal),
                               row, new, note=a.tenant.column))
    return judge(world, persona, out)


def forgery_expected(world: World, persona: Persona, attempt: Attempt) -> bool:
    """Whether the contract lets this adversarial statement through."""
    if persona.bypass:
        return True
    contract = world.spec.contract(attempt.table)
    if contract is None:
        return True  # observed, not judged
    if attempt.command in ("forge", "forge-update", "fixed"):
        return False
    ten = world.spec.tenancy
    if attempt.command == "insert-path":
        return allowed(contract, "insert", persona, attempt.row, ten) and allowed(
            contract, "insert", persona, attempt.new, ten)
    if attempt.command == "attach":
        return False  # made only for tenants whose rows the persona may not read
    return allowed(contract, "update", persona, attempt.row, ten) and allowed(
        contract, "update", persona, attempt.new, ten)


def describe(attempt: Attempt) -> str:
    """The failing-cell line of an adversarial statement that got through."""
    c, row, new = attempt.command, attempt.row, attempt.new
    if c == "forge":
        return f"INSERT wrote {attempt.note} as another user: {new.label}"
    if c == "forge-update":
        return f"UPDATE set {attempt.note} to another user on row {row.label}"
    if c == "fixed":
        return f"UPDATE changed fixed column {attempt.note} of row {row.label}"
    if c == "insert-path":
        return f"INSERT put {attempt.note} in tenant {new.tenant}: {row.label}"
    if c == "pull":
        return f"UPDATE pulled row {row.label} to {new.label} ({attempt.note})"
    if c == "attach":
        return (f"UPDATE attached row {row.label} to tenant {new.tenant} ({attempt.note}), whose "
                f"rows it may not read")
    return f"UPDATE moved row {row.label} to {new.label}"


def blind_moves(world: World, persona: Persona, table: Table) -> list[Attempt]:
    """Column-free moves: `UPDATE t SET <owner/tenant/fixed column> = <value>`, no WHERE.

    A statement that reads no column is checked against neither the SELECT policies' USING
    (which rows it reaches) nor, for the new rows, their WITH CHECK role: PostgreSQL adds the
    SELECT policies as a check on updated rows only when the UPDATE reads columns, so a
    WITH CHECK that stopped pinning the owner hides behind the SELECT policy from every
    `WHERE id = ...` probe. Each row the statement really changed (touched() trigger) is
    judged as moved to the value's owner or tenant; `rows` holds (row, expected, new label).
    """
    if persona.bypass or not persona.user or world.spec.contract(table.key) is None:
        return []
    a = world.anchors[table.key]
    rows = world.rows.get(table.key, [])
    if not rows:
        return []
    out = []

    def add(column: str, literal: str, what: str, change) -> None:
        judged = []
        for row in rows:
            new = change(row)
            attempt = Attempt(table.key, "pull" if new is not row else "fixed", "", row, new)
            unchanged = row.values.get(column) == literal  # setting what it holds moves nothing
            judged.append((row, unchanged or forgery_expected(world, persona, attempt), new.label))
        out.append(Attempt(table.key, "blind",
                           f"UPDATE {table.qualified} SET {quote_ident(column)} = {literal}",
                           rows=tuple(judged), note=what))

    same = a.owner and a.tenant and a.owner.column == a.tenant.column
    stranger = _stranger(world, persona)
    if a.owner and a.kind != "tenants" and stranger and not same:
        if a.owner.via is None:
            target = {"owner": stranger, "raw": world.user_ids[stranger]}
        else:
            parent = next((r for r in world.rows.get(a.owner.via, []) if r.owner == stranger), None)
            target = parent and {"owner": stranger,
                                 "raw": parent.raw.get(_ref_column(table, a.owner.column))}
        if target and target["raw"] is not None:
            literal = f"{quote_literal(target['raw'])}::{table.column(a.owner.column).type}"
            add(a.owner.column, literal, f"{a.owner.column} = {stranger}'s",
                lambda r, s=stranger: replace(r, owner=s, label=row_label(s, r.tenant, r.public)))
        spare = world.spare_user_id
        if a.owner.via is None and spare and _unique_alone(table, a.owner.column):
            add(a.owner.column, _user_literal(table, a.owner.column, spare), f"{a.owner.column} = {SPARE_USER}'s",
                lambda r: replace(r, owner=SPARE_USER, label=row_label(SPARE_USER, r.tenant, r.public)))
    tenant_paths = ((a.tenant,) if a.tenant and a.tenant.column != "*" else ()) + a.tenants_extra
    for path in tenant_paths:
        for tenant in world.spec.tenants():
            if tenant in persona.tenant_labels() and persona.rank_in(tenant) == persona.tenant_role:
                continue  # its strongest tenant: nothing to gain by moving rows there
            parent = _tenant_parent(world, path, tenant)
            if parent is None:
                continue
            value = parent.raw.get(_ref_column(table, path.column))
            literal = f"{quote_literal(value)}::{table.column(path.column).type}"
            owner_of = parent.owner if same else None
            add(path.column, literal, f"{path.column} = tenant {tenant}'s",
                lambda r, t=tenant, o=owner_of: replace(
                    r, tenant=t, owner=o or r.owner, label=row_label(o or r.owner, t, r.public)))
    contract = world.spec.contract(table.key)
    for column in contract.fixed:
        literal = _other_value(world, persona, table, rows[0], column)
        if literal is not None:
            add(column, literal, f"fixed column {column}", lambda r: r)
    return out
