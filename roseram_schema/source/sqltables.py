"""CREATE TABLE / ALTER TABLE ADD CONSTRAINT / CREATE INDEX statements into the model."""

from __future__ import annotations

from pglast import ast
from pglast.enums import ConstrType

from ..model import (
    CheckConstraint,
    Column,
    ExclusionConstraint,
    ForeignKey,
    Index,
    PrimaryKey,
    Table,
    UniqueConstraint,
)
from .draft import evolve
from .sqlplatform import exclusion_from
from .sqltext import string_values, to_sql

_FK_ACTIONS = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}
_FK_MATCH = {"s": "simple", "f": "full", "p": "partial"}


def type_sql(type_name: ast.TypeName) -> str:
    """A type as SQL text (`integer`, `varchar(20)[]`, `public.mood`)."""
    return to_sql(type_name)


class TableParts:
    """Constraints collected from a CREATE TABLE (column- and table-level) or ALTER TABLE."""

    def __init__(self, table_name: str, schema: str):
        self.table_name = table_name
        self.schema = schema
        self.primary_key: PrimaryKey | None = None
        self.uniques: list[UniqueConstraint] = []
        self.checks: list[CheckConstraint] = []
        self.foreign_keys: list[ForeignKey] = []
        self.exclusions: list[ExclusionConstraint] = []
        self.not_null: set[str] = set()
        self.unsupported: list[str] = []
        # constraint name -> the index it takes over (ADD CONSTRAINT ... USING INDEX i):
        # its columns are the index's, known once the draft has every CREATE INDEX
        self.using_index: dict[str, str] = {}

    def add(self, con: ast.Constraint, origin, column: str | None = None) -> None:
        """Add one constraint; `column` is set for a column constraint."""
        name = con.conname or ""
        kind = con.contype
        if con.indexname and kind in (ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE):
            # PostgreSQL names the constraint after the index when no name is given
            name = name or con.indexname
            self.using_index[name] = con.indexname
        keys = string_values(con.keys) or ((column,) if column else ())
        if kind == ConstrType.CONSTR_PRIMARY:
            self.primary_key = PrimaryKey(name, keys, origin)
            self.not_null.update(keys)
        elif kind == ConstrType.CONSTR_UNIQUE:
            if con.including:
                self.unsupported.append("UNIQUE ... INCLUDE")
            self.uniques.append(UniqueConstraint(
                name, keys, nulls_not_distinct=bool(con.nulls_not_distinct),
                deferrable=bool(con.deferrable), initially_deferred=bool(con.initdeferred),
                origin=origin))
        elif kind == ConstrType.CONSTR_CHECK:
            self.checks.append(CheckConstraint(name, to_sql(con.raw_expr),
                                               no_inherit=bool(con.is_no_inherit), origin=origin))
        elif kind == ConstrType.CONSTR_FOREIGN:
            columns = string_values(con.fk_attrs) or ((column,) if column else ())
            pk = con.pktable
            self.foreign_keys.append(ForeignKey(
                name=name,
                columns=columns,
                ref_schema=pk.schemaname or self.schema,
                ref_table=pk.relname,
                ref_columns=string_values(con.pk_attrs),
                on_delete=_FK_ACTIONS.get(con.fk_del_action, "no action"),
                on_update=_FK_ACTIONS.get(con.fk_upd_action, "no action"),
                deferrable=bool(con.deferrable),
                initially_deferred=bool(con.initdeferred),
                match=_FK_MATCH.get(con.fk_matchtype, "simple"),
                origin=origin,
            ))
        elif kind == ConstrType.CONSTR_EXCLUSION:
            self.exclusions.append(exclusion_from(con, origin))
        else:
            self.unsupported.append(kind.name.replace("CONSTR_", ""))


def columns_from(stmt: ast.CreateStmt, parts: TableParts, origin_of) -> tuple[Column, ...]:
    """Columns of a CREATE TABLE, their constraints added to `parts`.

    `origin_of(node)` gives the Origin of a node with a `location`.
    """
    out = []
    for elt in stmt.tableElts or ():
        if isinstance(elt, ast.Constraint):
            parts.add(elt, origin_of(elt))
            continue
        if not isinstance(elt, ast.ColumnDef):
            parts.unsupported.append(type(elt).__name__)
            continue
        nullable, default, identity, generated = True, None, None, None
        if elt.is_not_null:
            nullable = False
        for con in elt.constraints or ():
            kind = con.contype
            if kind == ConstrType.CONSTR_NOTNULL:
                nullable = False
            elif kind == ConstrType.CONSTR_NULL:
                nullable = True
            elif kind == ConstrType.CONSTR_DEFAULT:
                default = to_sql(con.raw_expr)
            elif kind == ConstrType.CONSTR_IDENTITY:
                identity = "always" if con.generated_when == "a" else "by default"
                nullable = False
            elif kind == ConstrType.CONSTR_GENERATED:
                generated = to_sql(con.raw_expr)
            else:
                parts.add(con, origin_of(con), column=elt.colname)
        collation = None
        if elt.collClause is not None:
            collation = ".".join(string_values(elt.collClause.collname))
        out.append(Column(
            name=elt.colname,
            type=type_sql(elt.typeName),
            nullable=nullable,
            default=default,
            identity=identity,
            generated=generated,
            collation=collation,
            origin=origin_of(elt),
        ))
    return tuple(
        evolve(c, nullable=False) if c.name in parts.not_null else c for c in out
    )


def table_from(stmt: ast.CreateStmt, schema: str, origin, origin_of) -> tuple[Table, list[str]]:
    """A Table from CREATE TABLE, plus the names of clauses the model does not support."""
    rel = stmt.relation
    schema = rel.schemaname or schema
    parts = TableParts(rel.relname, schema)
    columns = columns_from(stmt, parts, origin_of)
    if stmt.inhRelations:
        parts.unsupported.append("INHERITS")
    if rel.relpersistence in ("t", "u"):
        parts.unsupported.append("TEMPORARY/UNLOGGED")
    partition_by = None
    if stmt.partspec is not None:
        spec = stmt.partspec
        code = getattr(spec.strategy, "value", spec.strategy)
        strategy = {"r": "RANGE", "l": "LIST", "h": "HASH"}[code]
        params = ", ".join(to_sql(p) for p in spec.partParams or ())
        partition_by = f"{strategy} ({params})"
    table = Table(
        schema=schema,
        name=rel.relname,
        columns=columns,
        primary_key=parts.primary_key,
        uniques=tuple(parts.uniques),
        checks=tuple(parts.checks),
        foreign_keys=tuple(parts.foreign_keys),
        exclusions=tuple(parts.exclusions),
        partition_by=partition_by,
        origin=origin,
    )
    return table, parts.unsupported


def index_from(stmt: ast.IndexStmt, origin) -> Index:
    """An Index from CREATE INDEX (the table is stmt.relation)."""
    return Index(
        name=stmt.idxname or "",
        keys=tuple(_index_key(e) for e in stmt.indexParams or ()),
        unique=bool(stmt.unique),
        method=(stmt.accessMethod or "btree").lower(),
        where=to_sql(stmt.whereClause) if stmt.whereClause is not None else None,
        include=tuple(e.name for e in stmt.indexIncludingParams or ()),
        nulls_not_distinct=bool(stmt.nulls_not_distinct),
        origin=origin,
    )


def _index_key(elem: ast.IndexElem) -> str:
    if elem.expr is not None and isinstance(elem.expr, ast.FuncCall):
        # print `lower(a)` rather than `(lower(a))`, as people write it
        text = to_sql(elem.expr)
        rest = to_sql(ast.IndexElem(name="x", collation=elem.collation, opclass=elem.opclass,
                                    ordering=elem.ordering, nulls_ordering=elem.nulls_ordering))
        return text + rest[1:]
    return to_sql(elem)
