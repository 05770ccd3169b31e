"""PostgreSQL's names for unnamed constraints and indexes.

The rules follow PostgreSQL's makeObjectName / ChooseRelationName / ChooseConstraintName /
ChooseIndexColumnNames (src/backend/commands/indexcmds.c, catalog/pg_constraint.c):
`<table>_pkey`, `<table>_<cols>_key`, `<table>_<cols>_fkey`, `<table>_<col>_check` (one
column referenced, else `<table>_check`), `<table>_<cols>_idx`; the result is cut to 63
bytes (the longer of table part and column part shrinks first) and a number is added to the
label on a collision (`_key1`). Index names must be unique among the schema's relations,
constraint names among the schema's constraints. tests/source/test_naming_server.py checks
these rules against a real server.
"""

from __future__ import annotations

from pglast import ast

from ..model import Index, Table, View
from .draft import evolve
from .relations import expression_columns
from .snippetfacts import remembered
from .sqltext import parse_index_key

NAMEDATALEN = 64


def _clip(text: str, nbytes: int) -> str:
    """The longest prefix of `text` whose UTF-8 form has at most `nbytes` bytes."""
    data = text.encode("utf-8")[:nbytes]
    return data.decode("utf-8", errors="ignore")


def make_object_name(name1: str, name2: str | None, label: str | None) -> str:
    """PostgreSQL's makeObjectName: name1[_name2][_label], at most 63 bytes."""
    name1_len = len(name1.encode("utf-8"))
    name2_len = len(name2.encode("utf-8")) if name2 else 0
    overhead = (len(label) + 1 if label else 0) + (1 if name2 else 0)
    available = NAMEDATALEN - 1 - overhead
    while name1_len + name2_len > available:
        if name1_len > name2_len:
            name1_len -= 1
        else:
            name2_len -= 1
    # clipping only when something was cut: the usual name fits as it is
    out = name1 if name1_len == len(name1) else _clip(name1, name1_len)
    if name2:
        out += "_" + (name2 if name2_len == len(name2) else _clip(name2, name2_len))
    if label:
        out += "_" + label
    return out


def choose_name(name1: str, name2: str | None, label: str, used: set[str]) -> str:
    """A name not in `used` (then added to it), numbering the label on collisions."""
    attempt = 0
    while True:
        candidate = make_object_name(name1, name2, label if attempt == 0 else f"{label}{attempt}")
        if candidate not in used:
            used.add(candidate)
            return candidate
        attempt += 1


def index_column_names(names: list[str]) -> list[str]:
    """ChooseIndexColumnNames: a repeated name gets a number (`lower`, `lower1`)."""
    out: list[str] = []
    for original in names:
        current = original
        n = 0
        while current in out:
            n += 1
            suffix = str(n)
            current = _clip(original, NAMEDATALEN - 1 - len(suffix)) + suffix
        out.append(current)
    return out


def name_addition(names: list[str]) -> str:
    """ChooseIndexNameAddition / ChooseForeignKeyConstraintNameAddition: names joined by `_`,
    stopping once the result reaches NAMEDATALEN bytes."""
    out = ""
    for name in names:
        if out:
            out += "_"
        out += _clip(name, NAMEDATALEN - 1)
        if len(out.encode("utf-8")) >= NAMEDATALEN:
            break
    return out


def figure_colname(node) -> tuple[str | None, int]:
    """FigureColnameInternal for the expressions an index can hold: (name, strength)."""
    if isinstance(node, ast.ColumnRef):
        last = node.fields[-1]
        return (last.sval, 2) if isinstance(last, ast.String) else (None, 0)
    if isinstance(node, ast.A_Indirection):
        for item in reversed(node.indirection or ()):
            if isinstance(item, ast.String):
                return item.sval, 2
        return figure_colname(node.arg)
    if isinstance(node, ast.FuncCall):
        return node.funcname[-1].sval, 2
    if isinstance(node, ast.TypeCast):
        name, strength = figure_colname(node.arg)
        if strength <= 1 and node.typeName is not None:
            return node.typeName.names[-1].sval, 1
        return name, strength
    if isinstance(node, ast.CollateClause):
        return figure_colname(node.arg)
    if isinstance(node, ast.CaseExpr):
        name, strength = figure_colname(node.defresult) if node.defresult is not None else (None, 0)
        return (name, strength) if strength > 1 else ("case", 1)
    if isinstance(node, ast.A_ArrayExpr):
        return "array", 1
    if isinstance(node, ast.RowExpr):
        return "row", 1
    if isinstance(node, ast.CoalesceExpr):
        return "coalesce", 2
    if isinstance(node, ast.MinMaxExpr):
        return ("greatest" if node.op.name == "IS_GREATEST" else "least"), 2
    if isinstance(node, ast.NullIfExpr if hasattr(ast, "NullIfExpr") else ()):
        return "nullif", 2
    if isinstance(node, ast.SQLValueFunction):
        return node.op.name.replace("SVFOP_", "").lower(), 2
    return None, 0


@remembered
def index_key_name(key: str) -> str:
    """The column name PostgreSQL gives one index key (a column, or a name for an expression)."""
    elem, _ = parse_index_key(key)
    if elem is None:
        return "expr"
    if elem.name:
        return elem.name
    name, _ = figure_colname(elem.expr)
    return name or "expr"


def check_column(expression: str) -> str | None:
    """The column a check names when it names exactly one (PostgreSQL's `<table>_<col>_check`)."""
    names = {ref[-1] for ref in expression_columns(expression)}
    return next(iter(names)) if len(names) == 1 else None


class SchemaNames:
    """Names already taken in one schema: relations (tables, views, indexes, sequences) and
    constraints."""

    def __init__(self) -> None:
        self.relations: set[str] = set()
        self.constraints: set[str] = set()


def reserve_explicit(tables: list[Table], views: list[View], names: SchemaNames) -> None:
    """Take the names the source gives explicitly, before choosing any."""
    for t in tables:
        names.relations.add(t.name)
        names.relations.update(p.name for p in t.partitions)
        if t.primary_key and t.primary_key.name:
            names.relations.add(t.primary_key.name)
            names.constraints.add(t.primary_key.name)
        for u in t.uniques:
            if u.name:
                names.relations.add(u.name)
                names.constraints.add(u.name)
        for c in (*t.checks, *t.foreign_keys):
            if c.name:
                names.constraints.add(c.name)
        for x in t.exclusions:
            if x.name:
                names.relations.add(x.name)
                names.constraints.add(x.name)
        names.relations.update(i.name for i in t.indexes if i.name)
    for v in views:
        names.relations.add(v.name)
        names.relations.update(i.name for i in v.indexes if i.name)


def name_table(t: Table, names: SchemaNames) -> Table:
    """The table with every unnamed constraint and index named as PostgreSQL would."""
    for column in t.columns:
        if column.identity or column.type.strip().lower() in (
            "serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"
        ):
            choose_name(t.name, column.name, "seq", names.relations)
    checks = []
    for c in t.checks:
        if not c.name:
            c = evolve(c, name=choose_name(t.name, check_column(c.expression), "check", names.constraints))
        checks.append(c)
    pk = t.primary_key
    if pk is not None and not pk.name:
        pk = evolve(pk, name=_choose_index_constraint_name(t.name, None, "pkey", names))
    uniques = []
    for u in t.uniques:
        if not u.name:
            addition = name_addition(index_column_names(list(u.columns)))
            u = evolve(u, name=_choose_index_constraint_name(t.name, addition, "key", names))
        uniques.append(u)
    fks = []
    for fk in t.foreign_keys:
        if not fk.name:
            fk = evolve(fk, name=choose_name(t.name, name_addition(list(fk.columns)), "fkey", names.constraints))
        fks.append(fk)
    exclusions = []
    for x in t.exclusions:
        if not x.name:
            addition = name_addition(index_column_names(list(x.columns)))
            x = evolve(x, name=_choose_index_constraint_name(t.name, addition, "excl", names))
        exclusions.append(x)
    return evolve(t, primary_key=pk, checks=tuple(checks), uniques=tuple(uniques),
                  foreign_keys=tuple(fks), indexes=name_indexes(t.name, t.indexes, names),
                  exclusions=tuple(exclusions))


def name_indexes(relation: str, indexes, names: SchemaNames) -> tuple[Index, ...]:
    """Name unnamed indexes `<relation>_<columns>_idx` (unique ones too: only constraints get `_key`)."""
    out = []
    for i in indexes:
        if not i.name:
            columns = index_column_names([index_key_name(k) for k in i.keys] + list(i.include))
            i = evolve(i, name=choose_name(relation, name_addition(columns), "idx", names.relations))
        out.append(i)
    return tuple(out)


def _choose_index_constraint_name(table: str, addition: str | None, label: str, names: SchemaNames) -> str:
    # An index-backed constraint needs a name free among relations and constraints.
    attempt = 0
    while True:
        candidate = make_object_name(table, addition, label if attempt == 0 else f"{label}{attempt}")
        if candidate not in names.relations and candidate not in names.constraints:
            names.relations.add(candidate)
            names.constraints.add(candidate)
            return candidate
        attempt += 1


def name_everything(tables: dict[str, Table], views: dict) -> None:
    """Give every unnamed constraint/index its PostgreSQL name, schema by schema, in key order."""
    schemas = sorted({t.schema for t in tables.values()} | {v.schema for v in views.values()})
    for schema in schemas:
        names = SchemaNames()
        schema_tables = [tables[k] for k in sorted(tables) if tables[k].schema == schema]
        schema_views = [views[k] for k in sorted(views) if views[k].schema == schema]
        reserve_explicit(schema_tables, schema_views, names)
        for t in schema_tables:
            tables[t.key] = name_table(t, names)
        for v in schema_views:
            if any(not i.name for i in v.indexes):
                views[v.key] = evolve(v, indexes=name_indexes(v.name, v.indexes, names))
