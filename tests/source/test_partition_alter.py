"""ALTER TABLE of a declared partition in SQL: the RLS switches its parent has too are taken
(published schemas close each partition by hand, since a partition named directly answers
with its own RLS); a switch that disagrees with the parent, or a constraint, is an error."""

from __future__ import annotations

import pytest

from roseram_schema.errors import SourceError
from roseram_schema.source import load_project

TABLES = """CREATE TABLE m (id bigint, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
"""


def _load(tmp_path, sql: str):
    path = tmp_path / "schema" / "public" / "m.sql"
    path.parent.mkdir(parents=True)
    path.write_text(sql)
    return load_project(tmp_path)


def test_switches_the_parent_has_too_are_taken(tmp_path):
    # the partition's ALTER comes first: partitions are found once every file is read
    sql = ("ALTER TABLE m_2024 ENABLE ROW LEVEL SECURITY;\n" + TABLES
           + "ALTER TABLE m ENABLE ROW LEVEL SECURITY;\n")
    table = _load(tmp_path, sql).catalog.table("public.m")
    assert table.rls_enabled and [p.name for p in table.partitions] == ["m_2024"]


def test_a_switch_the_parent_lacks_is_a_located_error(tmp_path):
    with pytest.raises(SourceError) as info:
        _load(tmp_path, TABLES + "ALTER TABLE m_2024 ENABLE ROW LEVEL SECURITY;\n")
    assert [str(p) for p in info.value.problems] == [
        "schema/public/m.sql:3:1: public.m_2024: a partition gets its parent's row level security "
        "(off for public.m) (hint: set it on public.m: every partition follows it)"]


def test_a_constraint_on_a_partition_is_an_error(tmp_path):
    with pytest.raises(SourceError) as info:
        _load(tmp_path, TABLES + "ALTER TABLE m_2024 ADD CONSTRAINT c CHECK (id > 0);\n")
    assert "constraints of a partition come from its parent table" in str(info.value)


def test_an_undeclared_table_is_still_named(tmp_path):
    with pytest.raises(SourceError) as info:
        _load(tmp_path, TABLES + "ALTER TABLE nope ENABLE ROW LEVEL SECURITY;\n")
    assert "ALTER TABLE of public.nope, which is not declared" in str(info.value)
