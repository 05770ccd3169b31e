"""schema/<schema>/<table>.yaml: one table per file.

Unnamed constraints and indexes get the name "" here; naming.py gives them PostgreSQL's
names once every table of the schema is known (names must be unique per schema).
"""

from __future__ import annotations

from ..model import (
    FK_ACTIONS,
    CheckConstraint,
    Column,
    ForeignKey,
    Grant,
    Index,
    Partition,
    PrimaryKey,
    Table,
    UniqueConstraint,
)
from .draft import Draft, evolve
from .grants import PRIVILEGES_BY_KIND, normalize_privileges, revoke_grants
from .idents import parse_reference
from .problems import did_you_mean
from .reader import Reader
from .sqltext import (
    parse_expression,
    parse_index_key,
    parse_partition_bound,
    parse_partition_by,
    parse_type,
)
from .yamlnodes import YNode

TABLE_KEYS = (
    "schema", "table", "comment", "renamed_from", "columns", "primary_key", "unique", "checks",
    "foreign_keys", "indexes", "grants", "revokes", "partition_by", "partitions", "replica_identity",
)
COLUMN_KEYS = (
    "type", "nullable", "default", "identity", "generated", "collation", "comment", "renamed_from", "grants",
)
UNIQUE_KEYS = ("name", "columns", "nulls_not_distinct", "deferrable", "initially_deferred")
CHECK_KEYS = ("name", "expression", "no_inherit")
FK_KEYS = (
    "name", "columns", "references", "on_delete", "on_update", "deferrable", "initially_deferred",
    "match",
)
INDEX_KEYS = ("name", "columns", "unique", "method", "where", "include", "nulls_not_distinct", "comment")
PARTITION_KEYS = ("name", "bound")
PK_KEYS = ("name", "columns")


def read_table_file(node: YNode, reader: Reader, schema: str, name: str, draft: Draft) -> None:
    """Read one table file into the draft (problems are recorded, never raised)."""
    fields = reader.mapping(node, f"{schema}.{name}", "a table file", TABLE_KEYS)
    if fields is None:
        return
    schema = reader.name(fields.get("schema"), f"{schema}.{name}", "schema") or schema
    name = reader.name(fields.get("table"), f"{schema}.{name}", "table") or name
    table = read_table(fields, reader, schema, name, node)
    draft.add("tables", table.key, table, table.origin)


def read_table(fields: dict[str, YNode], r: Reader, schema: str, name: str, node: YNode) -> Table:
    """A Table from the fields of a table mapping."""
    obj = f"{schema}.{name}"
    if "columns" not in fields:
        r.problem(node.origin, obj, "a table needs `columns:`", "e.g. columns: {id: uuid}")
    columns = _columns(fields.get("columns"), r, obj)
    pk = _primary_key(fields.get("primary_key"), r, obj)
    if pk is not None:
        # PostgreSQL makes primary-key columns NOT NULL; say so in the model too.
        columns = tuple(
            evolve(c, nullable=False) if c.name in pk.columns else c
            for c in columns
        )
    partition_by = r.sql(fields.get("partition_by"), obj, "partition_by", parse_partition_by)
    grants, revokes = read_grants_and_revokes(fields, r, obj, "table")
    return Table(
        schema=schema,
        name=name,
        columns=columns,
        primary_key=pk,
        uniques=tuple(_unique(n, r, obj) for n in r.seq(fields.get("unique"), obj, "unique")),
        checks=tuple(_check(n, r, obj) for n in r.seq(fields.get("checks"), obj, "checks")),
        foreign_keys=tuple(
            fk for fk in (_foreign_key(n, r, obj, schema)
                          for n in r.seq(fields.get("foreign_keys"), obj, "foreign_keys"))
            if fk is not None
        ),
        indexes=tuple(_index(n, r, obj) for n in r.seq(fields.get("indexes"), obj, "indexes")),
        grants=grants,
        revokes=revokes,
        comment=r.text(fields.get("comment"), obj, "comment"),
        partition_by=partition_by,
        partitions=tuple(
            p for p in (_partition(n, r, obj)
                        for n in r.seq(fields.get("partitions"), obj, "partitions"))
            if p is not None
        ),
        renamed_from=r.name(fields.get("renamed_from"), obj, "renamed_from"),
        replica_identity=_replica_identity(fields.get("replica_identity"), r, obj),
        origin=node.origin,
    )


def _columns(node: YNode | None, r: Reader, obj: str) -> tuple[Column, ...]:
    if node is None:
        return ()
    if node.is_null:
        r.problem(node.origin, obj, "a table needs `columns:`", "e.g. columns: {id: uuid}")
        return ()
    if node.kind != "map":
        r.problem(node.origin, obj, "columns must be a mapping of column name to type or fields",
                  "e.g. columns: {id: uuid, name: {type: text, nullable: false}}")
        return ()
    out = []
    for col_name, col_node in node.value.items():
        col_obj = f"{obj}.{col_name}"
        origin = node.key_origins[col_name]
        if col_node.kind == "scalar" and not col_node.is_null:
            col_type = r.sql(col_node, col_obj, "type", parse_type)
            out.append(Column(name=col_name, type=col_type or "", origin=origin))
            continue
        fields = r.mapping(col_node, col_obj, f"column {col_name}", COLUMN_KEYS)
        if fields is None:
            continue
        if "type" not in fields or fields["type"].is_null:
            r.problem(origin, col_obj, "a column needs a type", "e.g. {type: text}")
        identity = r.choice(fields.get("identity"), col_obj, "identity", ("always", "by default"))
        nullable = r.boolean(fields.get("nullable"), col_obj, "nullable")
        out.append(
            Column(
                name=col_name,
                type=r.sql(fields.get("type"), col_obj, "type", parse_type) or "",
                nullable=(nullable if nullable is not None else True) and identity is None,
                default=r.sql(fields.get("default"), col_obj, "default", parse_expression),
                identity=identity,
                generated=r.sql(fields.get("generated"), col_obj, "generated", parse_expression),
                collation=r.name(fields.get("collation"), col_obj, "collation"),
                comment=r.text(fields.get("comment"), col_obj, "comment"),
                renamed_from=r.name(fields.get("renamed_from"), col_obj, "renamed_from"),
                origin=origin,
                grants=read_grants(fields.get("grants"), r, col_obj, "column"),
            )
        )
    return tuple(out)


def _primary_key(node: YNode | None, r: Reader, obj: str) -> PrimaryKey | None:
    if node is None or node.is_null:
        return None
    if node.kind == "map":
        fields = r.mapping(node, obj, "primary_key", PK_KEYS) or {}
        columns = r.names(fields.get("columns"), obj, "primary_key columns")
        if not columns:
            r.problem(node.origin, obj, "primary_key needs columns")
            return None
        return PrimaryKey(r.name(fields.get("name"), obj, "name") or "", columns, node.origin)
    columns = r.names(node, obj, "primary_key")
    return PrimaryKey("", columns, node.origin) if columns else None


def _unique(node: YNode, r: Reader, obj: str) -> UniqueConstraint:
    if node.kind != "map":
        columns = r.names(node, obj, "unique")
        if node.is_null or (node.kind == "seq" and not node.value):
            r.problem(node.origin, obj, "a unique constraint needs columns")
        return UniqueConstraint("", columns or (), origin=node.origin)
    f = r.mapping(node, obj, "a unique constraint", UNIQUE_KEYS) or {}
    columns = r.names(f.get("columns"), obj, "unique columns")
    if not columns:
        r.problem(node.origin, obj, "a unique constraint needs columns")
    return UniqueConstraint(
        name=r.name(f.get("name"), obj, "name") or "",
        columns=columns or (),
        nulls_not_distinct=bool(r.boolean(f.get("nulls_not_distinct"), obj, "nulls_not_distinct")),
        deferrable=bool(r.boolean(f.get("deferrable"), obj, "deferrable")),
        initially_deferred=bool(r.boolean(f.get("initially_deferred"), obj, "initially_deferred")),
        origin=node.origin,
    )


def _check(node: YNode, r: Reader, obj: str) -> CheckConstraint:
    if node.kind != "map":
        expression = r.sql(node, obj, "check", parse_expression)
        if node.is_null:
            r.problem(node.origin, obj, "a check needs an expression")
        return CheckConstraint("", expression or "", origin=node.origin)
    f = r.mapping(node, obj, "a check", CHECK_KEYS) or {}
    if "expression" not in f or f["expression"].is_null:
        r.problem(node.origin, obj, "a check needs an expression")
    return CheckConstraint(
        name=r.name(f.get("name"), obj, "name") or "",
        expression=r.sql(f.get("expression"), obj, "check expression", parse_expression) or "",
        no_inherit=bool(r.boolean(f.get("no_inherit"), obj, "no_inherit")),
        origin=node.origin,
    )


def _foreign_key(node: YNode, r: Reader, obj: str, schema: str) -> ForeignKey | None:
    f = r.mapping(node, obj, "a foreign key", FK_KEYS)
    if f is None:
        return None
    columns = r.names(f.get("columns"), obj, "foreign key columns")
    if not columns:
        r.problem(node.origin, obj, "a foreign key needs columns")
        return None
    ref_text = r.text(f.get("references"), obj, "references")
    if ref_text is None:
        r.problem(node.origin, obj, "a foreign key needs `references: table(columns)`")
        return None
    ref = parse_reference(ref_text, schema)
    if ref is None:
        r.problem(f["references"].origin, obj, f"references must be [schema.]table(columns), not {ref_text!r}",
                  "e.g. references: auth.users(id)")
        return None
    ref_schema, ref_table, ref_columns = ref
    deferrable = bool(r.boolean(f.get("deferrable"), obj, "deferrable"))
    return ForeignKey(
        name=r.name(f.get("name"), obj, "name") or "",
        columns=columns,
        ref_schema=ref_schema,
        ref_table=ref_table,
        ref_columns=ref_columns,
        on_delete=r.choice(f.get("on_delete"), obj, "on_delete", FK_ACTIONS) or "no action",
        on_update=r.choice(f.get("on_update"), obj, "on_update", FK_ACTIONS) or "no action",
        deferrable=deferrable,
        initially_deferred=bool(r.boolean(f.get("initially_deferred"), obj, "initially_deferred")),
        match=r.choice(f.get("match"), obj, "match", ("simple", "full")) or "simple",
        origin=node.origin,
    )


def _index_keys(node: YNode | None, r: Reader, obj: str) -> tuple[str, ...]:
    if node is None or node.is_null:
        return ()
    items = [node] if node.kind == "scalar" else r.seq(node, obj, "index columns")
    keys = []
    for item in items:
        if item.is_null:
            r.problem(item.origin, obj, "an index key must not be empty")
            continue
        key = r.sql(item, obj, "index key", parse_index_key)
        if key is not None:
            keys.append(key)
    return tuple(keys)


def _index(node: YNode, r: Reader, obj: str) -> Index:
    if node.kind != "map":
        keys = _index_keys(node, r, obj)
        if node.is_null or (node.kind == "seq" and not node.value):
            r.problem(node.origin, obj, "an index needs columns (column names or expressions)")
        return Index("", keys, origin=node.origin)
    f = r.mapping(node, obj, "an index", INDEX_KEYS) or {}
    keys = _index_keys(f.get("columns"), r, obj)
    columns = f.get("columns")
    if columns is None or columns.is_null or (columns.kind == "seq" and not columns.value):
        r.problem(node.origin, obj, "an index needs columns (column names or expressions)")
    method = r.name(f.get("method"), obj, "method")
    return Index(
        name=r.name(f.get("name"), obj, "name") or "",
        keys=keys,
        unique=bool(r.boolean(f.get("unique"), obj, "unique")),
        method=method.lower() if method else "btree",
        where=r.sql(f.get("where"), obj, "index where", parse_expression),
        include=r.names(f.get("include"), obj, "include") or (),
        nulls_not_distinct=bool(r.boolean(f.get("nulls_not_distinct"), obj, "nulls_not_distinct")),
        comment=r.text(f.get("comment"), obj, "comment"),
        origin=node.origin,
    )


def _partition(node: YNode, r: Reader, obj: str) -> Partition | None:
    f = r.mapping(node, obj, "a partition", PARTITION_KEYS)
    if f is None:
        return None
    name = r.name(f.get("name"), obj, "partition name")
    bound = r.sql(f.get("bound"), obj, "partition bound", parse_partition_bound)
    if any(key not in f or f[key].is_null for key in ("name", "bound")):
        r.problem(node.origin, obj, "a partition needs a name and a bound",
                  "e.g. {name: events_2024, bound: \"FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')\"}")
    if name is None or bound is None:
        return None
    return Partition(name, bound, node.origin)


def read_grants_and_revokes(fields: dict[str, YNode], r: Reader, obj: str,
                            kind: str) -> tuple[tuple[Grant, ...], tuple[Grant, ...]]:
    """(`grants:`, `revokes:`) of a table or view: the grants are given first, then the
    revokes taken away (as GRANT then REVOKE statements would); in `grants: defaults` mode
    the revokes also take away what the default privileges give (plan/defaultacl.py)."""
    grants = read_grants(fields.get("grants"), r, obj, kind)
    revokes = read_grants(fields.get("revokes"), r, obj, kind, "revokes")
    for g in revokes:
        grants = revoke_grants(grants, g.grantee, g.privileges)
    return grants, revokes


def read_grants(node: YNode | None, r: Reader, obj: str, kind: str, key: str = "grants") -> tuple[Grant, ...]:
    """`grants: {role: [privileges] | all}` (or `revokes:`, as `key` says) -> sorted Grants
    with normalised privileges."""
    if node is None or node.is_null:
        return ()
    if node.kind != "map":
        r.problem(node.origin, obj, f"{key} must be a mapping of role to privileges",
                  f"e.g. {key}: {{authenticated: [select, insert]}}")
        return ()
    out = []
    for grantee in sorted(node.value):
        value = node.value[grantee]
        origin = node.key_origins[grantee]
        names = r.names(value, obj, f"privileges of {grantee}")
        if names is None:
            continue
        items = value.value if value.kind == "seq" else [value] * len(names)
        if len(names) == 1 and "," in names[0]:
            names = tuple(n.strip() for n in names[0].split(","))
            items = [value] * len(names)
        privileges, unknown = normalize_privileges(names, kind)
        for bad in unknown:
            where = items[names.index(bad)].origin
            r.problem(where, obj, f"unknown privilege {bad!r} for {grantee}",
                      did_you_mean(bad.lower(), (*PRIVILEGES_BY_KIND[kind], "all")))
        if privileges:
            out.append(Grant(grantee, privileges, origin))
    return tuple(out)


def _replica_identity(node: YNode | None, r: Reader, obj: str) -> str:
    """`default`, `full`, `nothing` or `index <name>` (ALTER TABLE ... REPLICA IDENTITY)."""
    value = r.text(node, obj, "replica_identity")
    if value is None:
        return "default"
    normal = " ".join(value.split())
    if normal.lower() in ("default", "full", "nothing"):
        return normal.lower()
    if normal.lower().startswith("index ") and len(normal.split()) == 2:
        return "index " + normal.split()[1]
    r.problem(node.origin, obj, f"replica_identity must be default, full, nothing or index <name>, not {value!r}")
    return "default"
