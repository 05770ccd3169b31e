"""managed_fingerprint: independent of input order and column order, blind to origins,
contracts and renamed_from, and changed by a change to any field the diff compares."""

from __future__ import annotations

import dataclasses
import random
import typing
from dataclasses import replace

from hypothesis import assume, given, settings

from roseram_schema.errors import Origin
from roseram_schema.model import (
    Catalog,
    CheckConstraint,
    Column,
    Enum,
    Extension,
    ForeignKey,
    Function,
    Grant,
    Index,
    Partition,
    Policy,
    PrimaryKey,
    Role,
    Schema,
    Table,
    Trigger,
    UniqueConstraint,
    View,
    build_catalog,
)
from roseram_schema.plan.fingerprint import managed_fingerprint
from introspect.test_catalog_json_properties import catalogs, origins  # tests/ is on sys.path (rootdir of the test packages)

HERE = Origin("schema/public/t.yaml", 3, 5)


def _grant(role="authenticated"):
    return Grant(role, ("insert", "select"), origin=HERE)


def rich_catalog() -> Catalog:
    """One of every kind of object, every field away from its default."""
    table = Table(
        "public", "items",
        columns=(
            Column("id", "bigint", False, None, "always", None, None, "the id", origin=HERE),
            Column("name", "text", False, "'x'::text", None, None, "C", "a name", origin=HERE),
            Column("lower_name", "text", True, None, None, "lower(name)", None, None, origin=HERE),
        ),
        primary_key=PrimaryKey("items_pkey", ("id",), origin=HERE),
        uniques=(UniqueConstraint("items_name_key", ("name",), True, True, True, origin=HERE),),
        checks=(CheckConstraint("items_name_check", "(length(name) > 0)", True, origin=HERE),),
        foreign_keys=(ForeignKey("items_id_fkey", ("id",), "public", "other", ("id",), "cascade", "set null",
                                 True, True, "full", origin=HERE),),
        indexes=(Index("items_name_idx", ("lower(name)",), True, "gin", "(id > 0)", ("id",), True, "idx",
                       origin=HERE),),
        rls_enabled=True,
        rls_forced=True,
        policies=(Policy("own", "select", False, ("authenticated",), "(id > 0)", "(id > 1)", "pol", origin=HERE),),
        grants=(_grant(),),
        comment="items",
        partition_by="RANGE (id)",
        partitions=(Partition("items_1", "FOR VALUES FROM (1) TO (10)", origin=HERE),),
        contract={"select": "own"},
        origin=HERE,
    )
    return build_catalog(
        schemas=[Schema("public", "the schema", (_grant("anon"),), origin=HERE)],
        extensions=[Extension("pgcrypto", "extensions", origin=HERE)],
        roles=[Role("anon", True, True, origin=HERE)],
        enums=[Enum("public", "mood", ("happy", "sad"), "moods", origin=HERE)],
        tables=[table, Table("public", "other", columns=(Column("id", "bigint"),), primary_key=PrimaryKey("other_pkey", ("id",)))],
        views=[View("public", "v", "SELECT 1", True, True, True, "local", ("one",), "a view", (_grant(),),
                    (Index("v_idx", ("one",)),), depends_on=("public.items",), origin=HERE)],
        functions=[Function("public", "f", "integer", "CREATE FUNCTION f ...", "integer", "plpgsql", True,
                            ("search_path=public",), "procedure", "fn", (_grant(),), origin=HERE)],
        triggers=[Trigger("public", "items", "trg", "CREATE TRIGGER trg ...", "public.f()", False, origin=HERE)],
    )


def _changed(value):
    """A different value of the same kind."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if value is None:
        return "x"
    if isinstance(value, tuple):
        return value + ("x",)
    raise AssertionError(f"no change for {value!r}")


def _mutations(obj, path: str):
    """(description, compared?, obj with one plain field changed) for every plain field
    reachable from `obj` (nested objects and tuples of objects are walked into)."""
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        where = f"{path}.{f.name}"
        holds_objects = any(dataclasses.is_dataclass(a) for a in typing.get_args(hints[f.name]))
        if f.name in ("origin", "policies_origin", "contract"):
            yield where, False, replace(obj, **{f.name: Origin("elsewhere.yaml", 9, 9) if f.name != "contract" else {"a": 1}})
        elif dataclasses.is_dataclass(value):
            for desc, compared, inner in _mutations(value, where):
                yield desc, compared, replace(obj, **{f.name: inner})
        elif isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
            for i, item in enumerate(value):
                for desc, compared, inner in _mutations(item, f"{where}[{i}]"):
                    yield desc, compared, replace(obj, **{f.name: value[:i] + (inner,) + value[i + 1:]})
        elif holds_objects:
            continue  # an empty tuple or None where objects go: nothing to change in place
        else:
            compared = f.compare and f.name != "renamed_from"
            yield where, compared, replace(obj, **{f.name: _changed(value)})


# fields a database cannot report, left out by managed_catalog on purpose
_NOT_MANAGED = ("catalog.roles", "catalog.extensions[0].optional")


def test_every_compared_field_changes_it_and_nothing_else_does():
    catalog = rich_catalog()
    base = managed_fingerprint(catalog)
    seen = 0
    for desc, compared, mutated in _mutations(catalog, "catalog"):
        if desc.startswith(_NOT_MANAGED):
            assert managed_fingerprint(mutated) == base, desc
            continue
        if compared:
            seen += 1
            assert managed_fingerprint(mutated) != base, f"{desc} does not change the fingerprint"
        else:
            assert managed_fingerprint(mutated) == base, f"{desc} changes the fingerprint"
    assert seen > 90  # every kind of object was walked into


def test_renamed_from_and_origins_do_not_count():
    catalog = rich_catalog()
    table = catalog.tables[0]
    renamed = replace(table, renamed_from="old", columns=tuple(replace(c, renamed_from="was") for c in table.columns))
    assert managed_fingerprint(replace(catalog, tables=(renamed, *catalog.tables[1:]))) == managed_fingerprint(catalog)


def _unique(keys) -> bool:
    keys = list(keys)
    return len(keys) == len(set(keys))


@settings(max_examples=60, deadline=None)
@given(catalogs)
def test_independent_of_input_and_column_order(catalog):
    # a real catalog has unique names (the generator does not promise it)
    assume(_unique(t.key for t in catalog.tables) and _unique(v.key for v in catalog.views)
           and _unique(f.key for f in catalog.functions) and _unique(e.key for e in catalog.enums))
    assume(all(_unique(c.name for c in t.columns) and _unique(c.name for c in t.checks)
               and _unique(g.grantee for g in t.grants) for t in catalog.tables))
    shuffled = random.Random(7)
    def mixed(items):
        items = list(items)
        shuffled.shuffle(items)
        return items
    tables = [replace(t, columns=tuple(mixed(t.columns)), checks=tuple(mixed(t.checks)), grants=tuple(mixed(t.grants)))
              for t in mixed(catalog.tables)]
    again = build_catalog(schemas=mixed(catalog.schemas), enums=mixed(catalog.enums), tables=tables,
                          views=mixed(catalog.views), functions=mixed(catalog.functions))
    assert managed_fingerprint(again) == managed_fingerprint(catalog)


@settings(max_examples=60, deadline=None)
@given(catalogs, origins)
def test_equal_managed_catalogs_have_equal_fingerprints(catalog, origin):
    moved = replace(catalog, tables=tuple(replace(t, origin=origin, contract=None) for t in catalog.tables))
    assert managed_fingerprint(moved) == managed_fingerprint(catalog)
    fp = managed_fingerprint(catalog)
    assert len(fp) == 64 and int(fp, 16) >= 0


def _whole_tree_fingerprint(catalog: Catalog) -> str:
    """managed_fingerprint as it was first written: the repr of the whole tree at once."""
    import hashlib

    from roseram_schema.diff.scope import managed_catalog
    from roseram_schema.plan.fingerprint import _encoder, _layout

    digest = hashlib.sha256(_layout().encode("utf-8"))
    digest.update(repr(_encoder(Catalog)(managed_catalog(catalog))).encode("utf-8"))
    return digest.hexdigest()


@settings(max_examples=150, deadline=None)
@given(catalogs)
def test_streamed_fingerprint_is_the_whole_tree_repr(catalog):
    # fed object by object, the bytes hashed are those of the whole tree's repr: plans,
    # plan files and cached desired states keep their fingerprints
    assert managed_fingerprint(catalog) == _whole_tree_fingerprint(catalog)


def test_streamed_fingerprint_one_and_no_objects():
    # a collection of one object is "(x,)" in a repr, of none "()"
    rich = rich_catalog()
    for catalog in (rich, Catalog(), replace(rich, tables=rich.tables[:1], views=())):
        assert managed_fingerprint(catalog) == _whole_tree_fingerprint(catalog)
