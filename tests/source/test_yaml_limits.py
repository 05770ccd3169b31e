"""Source files cannot make a load take unbounded time or memory (nested YAML aliases, huge
files), and the problem that makes the others (a file that does not parse) is listed first."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from roseram_schema.errors import SourceError
from roseram_schema.source import load_project
from roseram_schema.source.loader import MAX_SQL_BYTES, MAX_YAML_BYTES
from roseram_schema.source.yamlnodes import MAX_ALIAS_VALUES

from .helpers import write_project

# "billion laughs": 9 names, each a list of 9 of the previous one: 9^9 values in 12 lines
BOMB = "\n".join(
    ['columns: {id: int}', 'a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]']
    + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    + ["comment: *a8", ""]
)


def _problems(root: Path) -> list[str]:
    with pytest.raises(SourceError) as excinfo:
        load_project(root)
    return [str(p) for p in excinfo.value.problems]


def test_an_alias_bomb_is_refused_fast_naming_the_place(tmp_path):
    root = write_project(tmp_path, {"schema/public/t.yaml": BOMB})
    started = time.monotonic()
    problems = _problems(root)
    assert time.monotonic() - started < 10  # unbounded (minutes, gigabytes) before
    # line 7 is `a5: &a5 [*a4, ...]`, whose repeats pass the limit; its list starts at `&a5`
    assert problems == [f"schema/public/t.yaml:7:5: YAML aliases here repeat more than {MAX_ALIAS_VALUES:,} values"
                        " (hint: write the values out instead of nesting *aliases)"]


def test_the_cli_exits_1_on_an_alias_bomb(tmp_path):
    root = write_project(tmp_path, {"policies/public/t.yaml": BOMB.replace("columns: {id: int}", "rls: enabled")})
    result = subprocess.run([sys.executable, "-m", "roseram_schema", "compile", "--project", str(root)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "policies/public/t.yaml:7:5: YAML aliases here repeat more than" in result.stderr


def test_aliases_below_the_limit_are_converted(tmp_path):
    # a1 to a4 repeat tens of thousands of values: allowed (the keys are unknown ones, reported)
    small = "\n".join(line for line in BOMB.splitlines() if not line.startswith(("a5", "a6", "a7", "a8", "comment")))
    root = write_project(tmp_path, {"schema/public/t.yaml": small + "\n"})
    problems = _problems(root)
    assert problems and not any("aliases" in p for p in problems)


@pytest.mark.parametrize("rel, limit, filler", [
    ("schema/public/t.yaml", MAX_YAML_BYTES, "# padding\n"),
    ("schema/public/t.sql", MAX_SQL_BYTES, "-- padding\n"),
])
def test_an_oversize_file_is_refused_before_it_is_parsed(tmp_path, rel, limit, filler):
    start = "columns: {id: int}\n" if rel.endswith(".yaml") else "create table t (id int);\n"
    text = start + filler * (limit // len(filler) + 1)
    root = write_project(tmp_path, {rel: text, "schema/public/u.yaml": "columns: {id: int}\n"})
    started = time.monotonic()
    problems = _problems(root)
    assert time.monotonic() - started < 10
    assert problems == [f"{rel}:1:1: the file is larger than {limit >> 20} MiB (hint: split it into smaller files)"]


def test_a_file_just_under_the_limit_loads(tmp_path):
    text = "columns: {id: int}\n" + "#" * (MAX_YAML_BYTES - 30) + "\n"
    assert len(text.encode()) <= MAX_YAML_BYTES
    root = write_project(tmp_path, {"schema/public/t.yaml": text})
    assert load_project(root).catalog.table("t")


def test_the_file_that_does_not_parse_is_listed_first(tmp_path):
    # the policies file sorts before the table file, yet its problem follows from it
    root = write_project(tmp_path, {
        "schema/public/t.yaml": "columns:\n  id: {type: int\n  b: text\n",
        "policies/public/t.yaml": "rls: enabled\n",
    })
    problems = _problems(root)
    assert problems[0].startswith("schema/public/t.yaml:") and "malformed YAML" in problems[0]
    assert len(problems) > 1 and problems[1].startswith("policies/public/t.yaml:")


def test_a_sql_file_that_does_not_parse_is_listed_first(tmp_path):
    root = write_project(tmp_path, {
        "schema/public/t.sql": "create table t (id int primary key;\n",
        "policies/public/t.yaml": "rls: enabled\n",
    })
    problems = _problems(root)
    assert "SQL does not parse" in problems[0] and problems[0].startswith("schema/public/t.sql:")
    assert problems[1].startswith("policies/public/t.yaml:")


def test_an_oversize_view_header_is_refused(tmp_path):
    header = "-- comment: " + "x" * MAX_YAML_BYTES + "\n"
    root = write_project(tmp_path, {"views/public/v.sql": header + "select 1 as one\n"})
    started = time.monotonic()
    problems = _problems(root)
    assert time.monotonic() - started < 10
    assert problems[0] == ("views/public/v.sql:1:1: the YAML is larger than 1 MiB"
                           " (hint: split it into smaller files)")
