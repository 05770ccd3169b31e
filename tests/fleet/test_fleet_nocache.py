"""drift and plan --targets with ROSERAM_NO_CACHE=1: the same reports, nothing cached."""

from __future__ import annotations

import shutil

import pytest

from roseram_schema.cli.app import main as cli_main


def _run(args, capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        cli_main(args)
    out, _ = capsys.readouterr()
    return exc.value.code, out


def test_no_cache_writes_nothing_and_reports_byte_identical(fleet, project, capsys, monkeypatch):
    shutil.rmtree(project / ".roseram", ignore_errors=True)  # what the fixture's apply kept
    common = ["-p", str(project), "--dev-db", fleet.dev, "--targets", str(fleet.targets_file), "--parallel", "4"]
    commands = [["drift", *common], ["drift", *common, "-f", "json"], ["plan", *common]]
    monkeypatch.setenv("ROSERAM_NO_CACHE", "1")
    uncached = [_run(args, capsys) for args in commands]
    assert not (project / ".roseram" / "cache").exists()
    monkeypatch.delenv("ROSERAM_NO_CACHE")
    cached = [_run(args, capsys) for args in commands]
    assert (project / ".roseram" / "cache").exists()
    assert uncached == cached
    assert cached[0][0] == 1 and cached[0][1].splitlines()[0] == "20 databases: 13 up to date, 6 drifted (5 ways), 1 error"


def test_no_cache_apply_writes_no_cache(fleet, project, capsys, monkeypatch):
    shutil.rmtree(project / ".roseram", ignore_errors=True)
    monkeypatch.setenv("ROSERAM_NO_CACHE", "1")
    code, out = _run(["apply", "-p", str(project), "--dev-db", fleet.dev, "--targets", str(fleet.targets_file),
                      "--only", "t07", "--yes", "-f", "json"], capsys)
    assert code == 0, out
    assert not (project / ".roseram" / "cache").exists()
