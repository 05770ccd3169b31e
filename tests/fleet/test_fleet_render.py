"""The fleet apply summary in each format, from outcomes (one row per target)."""

from __future__ import annotations

import json

from roseram_schema.fleet.apply import render_fleet_apply, waves
from roseram_schema.fleet.compare import TargetOutcome, worst
from roseram_schema.fleet.targets import Target

OUTCOMES = [
    TargetOutcome(Target("a", "u"), "applied", 0, detail="2 statement(s), history #3"),
    TargetOutcome(Target("b", "u"), "up to date", 0),
    TargetOutcome(Target("c", None), "error", 1, error="fleet.yaml:8:10: c: environment variable $C is not set"),
    TargetOutcome(Target("d", "u"), "blocked", 3, error="the plan has blocking hazards:\n  - deletes_data: ..."),
    TargetOutcome(Target("e", "u"), "skipped", 2, detail="stopped after wave 1: c, d failed"),
]


def test_the_worst_exit_code_wins():
    assert worst([0, 2, 0]) == 2
    assert worst([2, 3, 0]) == 3
    assert worst([3, 1, 2]) == 1
    assert worst([]) == 0


def test_apply_summary_formats():
    text = render_fleet_apply(OUTCOMES, "text")
    assert text.splitlines()[0] == "5 databases: 1 applied, 1 up to date, 1 blocked, 1 error, 1 skipped"
    assert "  d  blocked     the plan has blocking hazards:" in text
    data = json.loads(render_fleet_apply(OUTCOMES, "json"))
    assert data["exit_code"] == 1 and [t["status"] for t in data["targets"]][2:] == ["error", "blocked", "skipped"]
    md = render_fleet_apply(OUTCOMES, "markdown")
    assert "| `a` | applied | 2 statement(s), history #3 |" in md
    gh = render_fleet_apply(OUTCOMES, "github").splitlines()
    assert gh[0] == "::error title=apply error%3A c::fleet.yaml:8:10: c: environment variable $C is not set"
    assert gh[1].startswith("::error title=apply blocked%3A d::the plan has blocking hazards:%0A")
    assert gh[2] == "::warning title=apply skipped%3A e::stopped after wave 1: c, d failed"


def test_waves_are_the_canaries_then_parallel_at_a_time():
    targets = [Target(n, "u") for n in "abcdefg"]
    got = [(name, "".join(t.name for t in wave)) for name, wave in waves(targets, 2, 2)]
    assert got == [("canary", "ab"), ("wave 1", "cd"), ("wave 2", "ef"), ("wave 3", "g")]
    assert [(n, len(w)) for n, w in waves(targets, 0, 4)] == [("wave 1", 4), ("wave 2", 3)]
