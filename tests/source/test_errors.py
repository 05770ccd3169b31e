"""Every kind of source problem is reported with its exact file:line:column.

Each folder in tests/cases/source_errors is a small project with one kind of mistake;
its expected.txt lists every problem the loader must report, in order, as
`path:line:column: object: message` (the hint may follow).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from roseram_schema.errors import SourceError
from roseram_schema.source import load_project

CASES_DIR = Path(__file__).resolve().parents[1] / "cases" / "source_errors"
CASES = sorted(p for p in CASES_DIR.iterdir() if p.is_dir())


def _expected(case: Path) -> list[str]:
    return [line for line in (case / "expected.txt").read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_source_error_case(case: Path) -> None:
    with pytest.raises(SourceError) as excinfo:
        load_project(case)
    got = [str(p) for p in excinfo.value.problems]
    expected = _expected(case)
    assert len(got) == len(expected), "\n".join(got)
    for want, have in zip(expected, got):
        assert have.startswith(want), f"expected {want!r}\n     got {have!r}"


def test_every_case_names_a_location() -> None:
    for case in CASES:
        for line in _expected(case):
            location = line.split(": ", 1)[0]
            path, line_no, column = location.rsplit(":", 2)
            assert (case / path).is_file(), line
            assert int(line_no) >= 1 and int(column) >= 1, line


def test_all_problems_of_a_project_are_reported_at_once(tmp_path: Path) -> None:
    """Problems in several files come back in one SourceError: a file that does not parse
    first (what follows may stem from it), then the others, sorted by location."""
    (tmp_path / "schema" / "public").mkdir(parents=True)
    (tmp_path / "schema" / "public" / "a.yaml").write_text("columns:\n  x: integr\n")
    (tmp_path / "schema" / "public" / "b.yaml").write_text("columns:\n  y: {type: text, nulable: true}\n")
    (tmp_path / "schema" / "public" / "c.sql").write_text("CREATE TABLE c (z int,);\n")
    with pytest.raises(SourceError) as excinfo:
        load_project(tmp_path)
    locations = [str(p.origin) for p in excinfo.value.problems]
    assert locations == [
        "schema/public/c.sql:1:23",
        "schema/public/a.yaml:2:3",
        "schema/public/b.yaml:2:19",
    ]
    assert "did you mean 'nullable'" in str(excinfo.value)
