"""Hypothesis properties of the loader.

- Loading does not depend on the order files were created in (directory listing order).
- A Table dumped as YAML loads back equal.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roseram_schema.errors import SourceError
from roseram_schema.model import (
    TABLE_PRIVILEGES,
    CheckConstraint,
    Column,
    ForeignKey,
    Grant,
    Index,
    Partition,
    PrimaryKey,
    Table,
    UniqueConstraint,
    _keywords_to_quote,
    sort_table,
)
from roseram_schema.source import dump_table, load_project

FIXTURES = Path(__file__).parent / "fixtures"
FULL = FIXTURES / "full"
ERRORS = Path(__file__).resolve().parents[1] / "cases" / "source_errors" / "expression_does_not_parse"


def _copy_shuffled(src: Path, dst: Path, seed: int) -> None:
    """Create src's files under dst in a random order (so directory listings differ)."""
    files = sorted(p for p in src.rglob("*") if p.is_file())
    random.Random(seed).shuffle(files)
    for f in files:
        target = dst / f.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
def test_loading_is_independent_of_file_order(seed):
    expected = load_project(FULL)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "p"
        _copy_shuffled(FULL, root, seed)
        got = load_project(root)
    assert got.catalog == expected.catalog
    assert got.fingerprint == expected.fingerprint
    assert got.files == expected.files
    assert got.contracts == expected.contracts


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_problems_are_independent_of_file_order(seed):
    try:
        load_project(ERRORS)
    except SourceError as exc:
        expected = str(exc)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "p"
        _copy_shuffled(ERRORS, root, seed)
        try:
            load_project(root)
        except SourceError as exc:
            assert str(exc) == expected
        else:
            raise AssertionError("the broken project loaded")


# --- YAML round trip ------------------------------------------------------------------

NAME = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(lambda s: s not in _keywords_to_quote())
TYPES = ["integer", "bigint", "text", "uuid", "varchar(20)", "numeric(10, 2)", "timestamptz",
         "jsonb", "text[]", "boolean", "mood", "double precision"]
DEFAULTS = ["0", "'x'", "now()", "true", "NULL", "1 + 2", "'{}'::jsonb", "gen_random_uuid()"]
TEXT = st.text(st.characters(whitelist_categories=("L", "N", "P", "Zs")), max_size=20)


@st.composite
def tables(draw) -> Table:
    names = draw(st.lists(NAME, min_size=2, max_size=6, unique=True))
    table_name, column_names = names[0], names[1:]
    pk_cols = tuple(draw(st.lists(st.sampled_from(column_names), max_size=2, unique=True)))
    columns = []
    for name in column_names:
        identity = draw(st.sampled_from([None, None, "always", "by default"]))
        generated = None if identity else draw(st.one_of(st.none(), st.just(f"{column_names[0]} IS NULL")))
        default = None if identity or generated else draw(st.one_of(st.none(), st.sampled_from(DEFAULTS)))
        nullable = False if identity or name in pk_cols else draw(st.booleans())
        columns.append(Column(
            name=name,
            type=draw(st.sampled_from(TYPES)),
            nullable=nullable,
            default=default,
            identity=identity,
            generated=generated,
            collation=draw(st.one_of(st.none(), st.sampled_from(["C", "POSIX"]))),
            comment=draw(st.one_of(st.none(), TEXT)),
            renamed_from=draw(st.one_of(st.none(), NAME)),
        ))
    # every constraint/index/partition gets its own name (loaded tables are always named)
    label = iter(f"{table_name}_n{i}" for i in range(1000))
    col = st.sampled_from(column_names)
    cols = st.lists(col, min_size=1, max_size=3, unique=True).map(tuple)
    uniques = [
        UniqueConstraint(next(label), draw(cols), nulls_not_distinct=draw(st.booleans()),
                         deferrable=(d := draw(st.booleans())), initially_deferred=d and draw(st.booleans()))
        for _ in range(draw(st.integers(0, 2)))
    ]
    checks = [CheckConstraint(next(label), f"{draw(col)} IS NOT NULL", no_inherit=draw(st.booleans()))
              for _ in range(draw(st.integers(0, 2)))]
    fks = []
    for _ in range(draw(st.integers(0, 2))):
        fk_cols = draw(cols)
        ref_cols = tuple(draw(st.permutations(column_names))[: len(fk_cols)])
        target = draw(st.sampled_from([("public", table_name, ref_cols), ("auth", "users", ("id",) * len(fk_cols))]))
        fks.append(ForeignKey(
            next(label), fk_cols, target[0], target[1], target[2],
            on_delete=draw(st.sampled_from(["no action", "restrict", "cascade", "set null", "set default"])),
            on_update=draw(st.sampled_from(["no action", "cascade"])),
            deferrable=(d := draw(st.booleans())), initially_deferred=d and draw(st.booleans()),
            match=draw(st.sampled_from(["simple", "full"])),
        ))
    key = st.one_of(col, col.map(lambda c: f"{c} DESC"), col.map(lambda c: f"lower({c})"))
    indexes = [
        Index(next(label), tuple(draw(st.lists(key, min_size=1, max_size=3))),
              unique=draw(st.booleans()), method=draw(st.sampled_from(["btree", "gin", "hash"])),
              where=draw(st.one_of(st.none(), col.map(lambda c: f"{c} IS NOT NULL"))),
              include=tuple(draw(st.lists(col, max_size=2, unique=True))),
              nulls_not_distinct=draw(st.booleans()), comment=draw(st.one_of(st.none(), TEXT)))
        for _ in range(draw(st.integers(0, 3)))
    ]
    grants = [
        Grant(role, tuple(sorted(draw(st.sets(st.sampled_from(TABLE_PRIVILEGES), min_size=1)))))
        for role in draw(st.lists(st.sampled_from(["anon", "authenticated", "service_role"]), unique=True))
    ]
    partition_by, partitions = None, ()
    if draw(st.booleans()):
        partition_by = f"RANGE ({column_names[0]})"
        partitions = (Partition(next(label), "DEFAULT"), Partition(next(label), "FOR VALUES FROM (0) TO (10)"))
    table = Table(
        schema="public",
        name=table_name,
        columns=tuple(columns),
        primary_key=PrimaryKey(f"{table_name}_pkey", pk_cols) if pk_cols else None,
        uniques=tuple(uniques),
        checks=tuple(checks),
        foreign_keys=tuple(fks),
        indexes=tuple(indexes),
        grants=tuple(grants),
        comment=draw(st.one_of(st.none(), TEXT)),
        partition_by=partition_by,
        partitions=partitions,
        renamed_from=draw(st.one_of(st.none(), NAME)),
    )
    return table


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables())
def test_yaml_dump_then_load_gives_the_same_table(table):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "project.yaml").write_text("enums:\n  public.mood: [happy, sad]\n")
        folder = root / "schema" / "public"
        folder.mkdir(parents=True)
        (folder / f"{table.name}.yaml").write_text(dump_table(table), encoding="utf-8")
        loaded = load_project(root).catalog.table(f"public.{table.name}")
    # the loader keeps collections in canonical order (sort_table); columns keep theirs
    assert loaded == sort_table(table)
