"""Synthetic rows for the personas and tenants, generated from the model alone.

Every value is a SQL literal with an explicit cast, so the same rows can be replayed in a
pgTAP file. Identifiers are deterministic (uuid5 of table, label and column): same schema,
same rows, same report.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from ..model import Catalog, Table, quote_ident, quote_literal, tables_by_key
from .anchors import Anchors, Path, fk_order
from .checks import column_rules
from .spec import Spec

NAMESPACE = uuid.UUID("6f1d2a4e-52a8-4a8e-9d1c-7f0c3b9e2a11")
NEW_TENANT = "(new)"  # tenant of a row inserted into the tenants table: nobody is a member
# A user with a row in the users table and none anywhere else: a row moved onto it collides with
# no unique owner column (one settings row per user), so only the policies can refuse the move.
SPARE_USER = "spare-user"
NULL_RANK = object()  # make_row's role_value for a membership row whose role is NULL


class SeedGap(Exception):
    """A value could not be generated; the message names the column and the fix."""


@dataclass
class Row:
    """One seeded (or probe) row: its literals, identity text and category facts."""

    table: str
    label: str
    values: dict[str, str]  # column -> SQL literal
    raw: dict[str, str]  # column -> text value (for identity and parent lookups)
    owner: str | None = None
    tenant: str | None = None
    public: bool | None = None
    plain: "Row | None" = None  # the same row without its further tenant paths (seeding fallback)

    def ident(self, columns: tuple[str, ...]) -> tuple[str, ...]:
        """The identity values of the row, as text, in `columns` order."""
        return tuple(self.raw.get(c, "") for c in columns)


def persona_email(name: str) -> str:
    """The e-mail of a persona's user row and `email` claim."""
    return f"{name}@personas.invalid"


def row_label(owner, tenant, public) -> str:
    """Human label: "alice", "tenant A", "alice@A", with " (public)" when flagged."""
    if owner and tenant and tenant != NEW_TENANT:
        text = f"{owner}@{tenant}"
    elif owner:
        text = owner
    elif tenant:
        text = f"tenant {tenant}"
    else:
        text = "unowned row"
    return text + (" (public)" if public else "")


@dataclass
class World:
    """The scratch database's seeded rows and how to make more."""

    catalog: Catalog
    spec: Spec
    anchors: dict[str, Anchors]
    rows: dict[str, list[Row]] = field(default_factory=dict)
    user_ids: dict[str, str] = field(default_factory=dict)
    spare_user_id: str | None = None  # SPARE_USER's id, when the users table has rows
    null_rank: tuple[str, str] | None = None  # (persona, tenant) whose membership role is NULL
    gaps: dict[str, str] = field(default_factory=dict)  # table -> why it has no rows
    _counter: int = 0
    _tables: dict = field(default_factory=dict)
    _probe_rows: dict = field(default_factory=dict)

    def table(self, key: str) -> Table:
        """The table of a key (cached: catalogs look tables up by a linear scan)."""
        if not self._tables:
            self._tables = tables_by_key(self.catalog)
        return self._tables.get(key if "." in key else f"public.{key}")

    def probe_row(self, key: str, owner, tenant, public, writer: str | None) -> Row:
        """A new row to try inserting; the same for every writer unless the table records
        who wrote it (cached, so every persona tries the same rows)."""
        cache_key = (key, owner, tenant, public, writer if self.anchors[key].actors else None)
        if cache_key not in self._probe_rows:
            try:
                self._probe_rows[cache_key] = self.make_row(key, owner, tenant, public, writer=writer)
            except SeedGap as gap:
                self._probe_rows[cache_key] = gap
        found = self._probe_rows[cache_key]
        if isinstance(found, SeedGap):
            raise found
        return found

    # -- identity ---------------------------------------------------------------------
    def ident_columns(self, key: str) -> tuple[str, ...]:
        """Columns that identify a row: the primary key, else a unique, else all columns."""
        table = self.table(key)
        if table.primary_key:
            return table.primary_key.columns
        for unique in table.uniques:
            if all(not (table.column(c) and table.column(c).nullable) for c in unique.columns):
                return unique.columns
        return tuple(c.name for c in table.columns if not c.generated)

    def next_number(self) -> int:
        """A fresh number for unique values (deterministic: one counter per run)."""
        self._counter += 1
        return self._counter

    # -- slots ------------------------------------------------------------------------
    def seed_slots(self, key: str) -> list[tuple]:
        """(owner, tenant, public) combinations seeded for a table."""
        a = self.anchors[key]
        users = [p.name for p in self.spec.users()]
        tenants = list(self.spec.tenants())
        if a.owner and a.tenant and a.owner.column == a.tenant.column:
            combos = list(dict.fromkeys((r.owner, r.tenant) for r in self.rows.get(a.owner.via, [])))
        elif a.owner and a.tenant and a.owner.nullable and a.tenant.nullable:
            # two optional sides (a deployment of a project, or of a site): one side per row
            combos = [(u, None) for u in users] + [(None, t) for t in tenants]
        elif a.owner and a.tenant:
            combos = [(p.name, t) for p in self.spec.users() for t in p.tenant_labels()]
            if a.owner.nullable:
                combos += [(None, t) for t in tenants]
            if a.tenant.nullable:
                combos += [(u, None) for u in users]
        elif a.owner:
            combos = [(u, None) for u in users]
        elif a.tenant:
            combos = [(None, t) for t in tenants]
        else:
            combos = [(None, None)]
        return _with_public(combos, a.public or a.public_via)

    def insert_slots(self, key: str) -> list[tuple]:
        """(owner, tenant, public) combinations a persona tries to insert."""
        a = self.anchors[key]
        users = [p.name for p in self.spec.users()]
        tenants = list(self.spec.tenants())
        if a.kind == "tenants":
            combos = [(u, NEW_TENANT) for u in users]
        elif a.owner and a.tenant and a.owner.column == a.tenant.column:
            combos = list(dict.fromkeys((r.owner, r.tenant) for r in self.rows.get(a.owner.via, [])))
        elif a.owner and a.tenant and a.owner.nullable and a.tenant.nullable:
            combos = [(u, None) for u in users] + [(None, t) for t in tenants] + [(None, None)]
        else:
            owners = (users + ([None] if a.owner.nullable else [])) if a.owner else [None]
            tens = (tenants + ([None] if a.tenant.nullable else [])) if a.tenant else [None]
            combos = [(o, t) for t in tens for o in owners]
        return _with_public(combos, a.public or a.public_via)

    # -- rows ------------------------------------------------------------------------
    def make_row(self, key: str, owner, tenant, public, writer: str | None = None,
                 role_value: str | None = None, extra_paths: bool = True) -> Row:
        """A new row of table `key` for a slot; raises SeedGap when it cannot be built.

        Further nullable tenant paths (`site_id` beside `page_id`) point into the same tenant;
        `plain` keeps the row without them, for a schema that allows only one at a time."""
        if extra_paths and tenant not in (None, NEW_TENANT) and any(
                p.nullable for p in self.anchors[key].tenants_extra):
            plain = self.make_row(key, owner, tenant, public, writer, role_value, extra_paths=False)
            full = self.make_row(key, owner, tenant, public, writer, role_value, extra_paths=False)
            table = self.table(key)
            for path in self.anchors[key].tenants_extra:
                if path.nullable and full.raw.get(path.column) is None:
                    parent = self._parent(path.via or self.spec.tenancy.tenants, tenant=tenant, strict=True)
                    if parent is not None:
                        fk = next(f for f in table.foreign_keys if f.columns == (path.column,))
                        value = parent.raw.get(fk.ref_columns[0])
                        full.raw[path.column] = value
                        full.values[path.column] = f"{quote_literal(value)}::{table.column(path.column).type}"
            full.plain = plain
            return full
        table = self.table(key)
        a = self.anchors[key]
        if a.kind == "tenants":
            label = f"new tenant of {owner}" if tenant == NEW_TENANT else f"tenant {tenant}"
        else:
            label = row_label(owner, tenant, public)
        values: dict[str, str] = {}
        raw: dict[str, str] = {}

        def put(col: str, text: str | None) -> None:
            column = table.column(col)
            if text is None:
                values[col] = f"NULL::{column.type}"
                return
            raw[col] = text
            values[col] = f"{quote_literal(text)}::{column.type}"

        users_key = self.spec.tenancy.users
        if a.kind == "users":
            put(self.ident_columns(key)[0], self.spare_user_id if owner == SPARE_USER else self.user_ids[owner])
            if table.column("email") is not None:
                put("email", persona_email(owner))
        # anchors first: they decide which parent rows the other columns follow
        same = a.owner and a.tenant and a.owner.column == a.tenant.column

        def flag(path):  # the parent's public flag the row takes, when it has none of its own
            return bool(public) if a.public_via is not None and a.public_via == path else None
        if same:
            parent = self._parent(a.owner.via, owner=owner, tenant=tenant, strict=True, public=flag(a.owner))
            self._put_fk(table, a.owner.column, parent, put)
        else:
            if a.owner:
                self._put_anchor(table, a.owner, owner, put, kind="owner", public=flag(a.owner))
            if a.tenant and a.tenant.column != "*":
                self._put_anchor(table, a.tenant, tenant, put, kind="tenant", public=flag(a.tenant))
        actor = writer or owner or (self._tenant_owner(tenant))
        for col in a.actors:
            if col in values:
                continue
            if actor in self.user_ids:
                put(col, self.user_ids[actor])
            elif not table.column(col).nullable:
                put(col, next(iter(sorted(self.user_ids.values())), None))
        if a.public:
            put(a.public, "true" if public else "false")
        if a.kind == "members" and self.spec.tenancy.members_role:
            put(self.spec.tenancy.members_role,
                None if role_value is NULL_RANK else role_value or self.spec.tenancy.ranks[-1])
        contract = self.spec.contract(key)
        for col, value in (contract.seed if contract else ()):
            if table.column(col) is not None:
                put(col, str(value))
        # remaining foreign keys
        for fk in table.foreign_keys:
            if any(c in values for c in fk.columns):
                continue
            if all(table.column(c).nullable for c in fk.columns):
                continue
            target = f"{fk.ref_schema}.{fk.ref_table}"
            if target == users_key and len(fk.columns) == 1:
                user = actor if actor in self.user_ids else None
                put(fk.columns[0], self.user_ids.get(user) or sorted(self.user_ids.values())[0])
                continue
            parent = self._parent(target, owner=owner, tenant=tenant, strict=False)
            if parent is None:
                raise SeedGap(f"{key}.{','.join(fk.columns)}: no row in {target} to reference")
            for col, ref in zip(fk.columns, fk.ref_columns):
                put(col, parent.raw.get(ref))
        self._fill_rest(table, key, label, values, put)
        return Row(key, label, values, raw, owner, tenant, public)

    def _tenant_owner(self, tenant):
        persona = self.spec.tenant_owner(tenant) if tenant and tenant != NEW_TENANT else None
        return persona.name if persona else None

    def _put_anchor(self, table: Table, path: Path, who, put, kind: str, public=None) -> None:
        if who is None or who == NEW_TENANT:
            if not path.nullable:
                raise SeedGap(f"{table.key}.{path.column}: NOT NULL, cannot be left without {kind}")
            put(path.column, None)
            return
        if path.via is None:
            if kind == "owner":
                put(path.column, self.user_ids[who])
            else:
                parent = self._parent(self.spec.tenancy.tenants, tenant=who, strict=True)
                self._put_fk(table, path.column, parent, put)
            return
        if kind == "owner":
            parent = self._parent(path.via, owner=who, strict=True, public=public)
        else:
            parent = self._parent(path.via, tenant=who, strict=True, public=public)
        self._put_fk(table, path.column, parent, put)

    def _put_fk(self, table: Table, column: str, parent: Row | None, put) -> None:
        if parent is None:
            raise SeedGap(f"{table.key}.{column}: no matching parent row")
        fk = next(f for f in table.foreign_keys if f.columns == (column,))
        put(column, parent.raw.get(fk.ref_columns[0]))

    def _parent(self, key, owner=None, tenant=None, strict=False, public=None) -> Row | None:
        # private parent rows first: a child row must not become public through its parent,
        # unless it takes its parent's flag (`public`: the flag the parent must have)
        rows = [r for r in self.rows.get(key, []) if not r.public] or self.rows.get(key, [])
        if public is not None:
            rows = [r for r in self.rows.get(key, []) if bool(r.public) == public]

        def ok(r):
            return (owner is None or r.owner == owner) and (tenant is None or r.tenant == tenant)
        match = next((r for r in rows if ok(r)), None)
        if match is None and not strict:
            match = next((r for r in rows if tenant is None or r.tenant == tenant), None)
            match = match or (rows[0] if rows else None)
        return match

    def _fill_rest(self, table: Table, key: str, label: str, values, put) -> None:
        allowed, minimum = column_rules(c.expression for c in table.checks)
        keyed = set(self.ident_columns(key))
        for u in table.uniques:
            keyed.update(u.columns)
        for idx in table.indexes:
            if idx.unique:
                keyed.update(k for k in idx.keys if k in {c.name for c in table.columns})
        for column in table.columns:
            if column.name in values or column.generated:
                continue
            if column.identity == "always" and column.name not in keyed:
                continue
            needed = column.name in keyed or (not column.nullable and column.default is None)
            if not needed:
                continue
            put(column.name, self._value(table, column, label, allowed, minimum))

    def _value(self, table: Table, column, label, allowed, minimum) -> str:
        n = self.next_number()
        if column.name in allowed:
            choices = allowed[column.name]
            return choices[n % len(choices)] if column.name in _unique_cols(table) else choices[0]
        typ = column.type.lower()
        low = minimum.get(column.name, 0)
        if typ == "uuid":
            return str(uuid.uuid5(NAMESPACE, f"{table.key}/{label}/{column.name}/{n}"))
        if typ in ("integer", "bigint", "smallint") or typ.startswith("numeric") or typ in (
            "real", "double precision"
        ):
            return str(max(low, 0) + n)
        if typ == "boolean":
            return "false"
        if typ == "date":
            return "2024-01-01"
        if typ.startswith("timestamp"):
            return f"2024-01-01 00:00:{n % 60:02d}+00"
        if typ.startswith("time"):
            return "12:00:00"
        if typ == "interval":
            return "1 day"
        if typ in ("json", "jsonb"):
            return "{}"
        if typ.endswith("[]"):
            return "{}"
        if typ in ("inet", "cidr"):
            return f"10.0.{n // 250 % 250}.{n % 250 + 1}"
        if typ == "bytea":
            return "\\x00"
        m = re.match(r"(character varying|varchar|character|char)\((\d+)\)", typ)
        if m:
            limit = int(m.group(2))
            text = f"{column.name}-{n}"
            return text if len(text) <= limit else _base36(n)[-limit:]
        if typ in ("text", "character varying", "citext", "name"):
            return f"{column.name}-{n}"
        enum = next((e for e in self.catalog.enums if typ in (e.name, e.key, e.qualified)), None)
        if enum and enum.values:
            return enum.values[0]
        raise SeedGap(
            f"{table.key}.{column.name}: cannot generate a value of type {column.type}; "
            f"add `seed: {{{column.name}: ...}}` to its contract"
        )


def _unique_cols(table: Table) -> set[str]:
    cols = set()
    for u in table.uniques:
        cols.update(u.columns)
    return cols


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def _with_public(combos, public_col) -> list[tuple]:
    if public_col:
        return [(o, t, p) for o, t in combos for p in (False, True)]
    return [(o, t, None) for o, t in combos]


def insert_sql(table: Table, row: Row) -> str:
    """INSERT statement of one row (explicit values, OVERRIDING SYSTEM VALUE when needed)."""
    cached = getattr(row, "_insert_sql", None)
    if cached is not None:
        return cached
    row._insert_sql = _insert_sql(table, row)
    return row._insert_sql


def _insert_sql(table: Table, row: Row) -> str:
    cols = list(row.values)
    override = any(table.column(c).identity == "always" for c in cols)
    return (
        f"INSERT INTO {table.qualified} ({', '.join(quote_ident(c) for c in cols)})"
        f"{' OVERRIDING SYSTEM VALUE' if override else ''}"
        f" VALUES ({', '.join(row.values[c] for c in cols)})"
    )


def build_world(catalog: Catalog, spec: Spec, anchors: dict[str, Anchors]) -> World:
    """Decide every seeded row (no database work yet)."""
    world = World(catalog, spec, anchors)
    for p in spec.users():
        world.user_ids[p.name] = str(uuid.uuid5(NAMESPACE, f"user/{p.name}"))
    for key in fk_order(catalog):
        a = anchors[key]
        try:
            if a.kind == "users":
                world.rows[key] = [world.make_row(key, p.name, None, None) for p in spec.users()]
                if spec.users():
                    world.spare_user_id = str(uuid.uuid5(NAMESPACE, "user/(spare)"))
                    world.rows[key].append(world.make_row(key, SPARE_USER, None, None))
            elif a.kind == "tenants":
                world.rows[key] = [
                    world.make_row(key, world._tenant_owner(t), t, None) for t in spec.tenants()
                ]
            elif a.kind == "members":
                world.null_rank = _null_rank_membership(world, key)
                world.rows[key] = [
                    world.make_row(key, p.name, t, None, role_value=NULL_RANK
                                   if (p.name, t) == world.null_rank else p.rank_in(t))
                    for p in spec.users() for t in p.tenant_labels()
                ]
            else:
                world.rows[key] = [world.make_row(key, o, t, pub) for o, t, pub in world.seed_slots(key)]
        except SeedGap as gap:
            world.rows[key] = []
            world.gaps[key] = str(gap)
    return world


def _null_rank_membership(world: World, key: str) -> tuple[str, str] | None:
    """The (persona, tenant) whose membership row is seeded with a NULL role: the first one
    holding the rank the nullable role column defaults to. A NULL role must count as that
    default (what a membership without a role gets), no higher: the persona is judged at it."""
    ten = world.spec.tenancy
    column = world.table(key).column(ten.members_role) if ten.members_role else None
    if column is None or not column.nullable or not column.default:
        return None
    match = re.match(r"'([^']*)'", column.default)
    default = match.group(1) if match else None
    if default not in ten.ranks:
        return None
    return next(((p.name, t) for p in world.spec.users() for t in p.tenant_labels()
                 if p.rank_in(t) == default), None)


def seed_statements(world: World) -> list[str]:
    """INSERTs for every seeded row, parents first."""
    out = []
    for key in fk_order(world.catalog):
        table = world.table(key)
        out.extend(insert_sql(table, row) for row in world.rows.get(key, []))
    return out
