"""drift --targets / plan --targets over 20 databases: grouped, concurrent, errors as rows."""

from __future__ import annotations

import json

import pytest

from roseram_schema.cli.app import main as cli_main
from roseram_schema.cli.entry import main as entry_main

from .conftest import DRIFT, EMPTY, NAMES, UNREACHABLE


def _cli(args, capsys, main=cli_main) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_drift_names_exactly_the_drifted_databases_grouped(fleet, project, capsys):
    code, out, err = _cli(["drift", "-p", str(project), "--dev-db", fleet.dev, "--targets", str(fleet.targets_file),
                           "--parallel", "4", "--format", "json"], capsys)
    assert code == 1, err  # an unreachable target is an error: the worst of the targets
    report = json.loads(out)
    status = {t["name"]: t["status"] for t in report["targets"]}
    assert [t["name"] for t in report["targets"]] == NAMES
    assert {n for n, s in status.items() if s == "error"} == {UNREACHABLE}
    assert {n for n, s in status.items() if s == "drift"} == set(DRIFT) | {EMPTY}
    assert sum(s == "up to date" for s in status.values()) == 13
    groups = {tuple(g["targets"]): g for g in report["groups"]}
    assert set(groups) == {("t03",), ("t05",), ("t07", "t08"), ("t11",), ("t20",)}
    assert [(o["kind"], o["object"]) for o in groups[("t03",)]["objects"]] == [("CreateIndex", "public.projects_user_idx")]
    assert [o["object"] for o in groups[("t07", "t08")]["objects"]] == ["public.projects.write own"]
    assert [o["object"] for o in groups[("t11",)]["objects"]] == ["public.projects.note"]
    error = next(t["error"] for t in report["targets"] if t["name"] == UNREACHABLE)
    assert "cannot connect" in error or "could not connect" in error


def test_drift_text_groups_and_only_selects_by_label(fleet, project, capsys):
    # through the console script's entry: its fast path must hand --targets to the full CLI
    code, out, _ = _cli(["drift", "-p", str(project), "--dev-db", fleet.dev, "--targets", str(fleet.targets_file),
                         "--only", "eu"], capsys, entry_main)
    # the even-numbered targets t01, t03, ..., t19: t03 and t05 drifted, t07 and t11 as well, t19 unreachable
    assert code == 1
    assert out.splitlines()[0] == "10 databases: 5 up to date, 4 drifted (4 ways), 1 error"
    assert "Up to date (5): t01, t09, t13, t15, t17" in out
    assert "Drift 1 (1 database): t03" in out and "t19: " in out and "t08" not in out


def test_a_missing_variable_is_an_error_row_naming_file_and_line(fleet, project, capsys, monkeypatch):
    monkeypatch.delenv("FLEET_T02")
    code, out, _ = _cli(["drift", "-p", str(project), "--dev-db", fleet.dev, "--targets", str(fleet.targets_file),
                         "--only", "t02", "-f", "json"], capsys)
    assert code == 1
    (row,) = json.loads(out)["targets"]
    assert row["error"] == f"{fleet.targets_file}:8:10: t02: environment variable $FLEET_T02 is not set (or empty)"


def test_plan_shares_one_plan_per_group(fleet, project, capsys):
    code, out, _ = _cli(["plan", "-p", str(project), "--dev-db", fleet.dev, "--targets", str(fleet.targets_file),
                         "--only", "t07", "-f", "json"], capsys)
    assert code == 2
    (group,) = json.loads(out)["groups"]
    assert group["targets"] == ["t07"]
    assert ["CREATE POLICY" in s["sql"] for s in group["plan"]["statements"]] == [True]
    code, out, _ = _cli(["plan", "-p", str(project), "--dev-db", fleet.dev, "--targets", str(fleet.targets_file),
                         "--only", "tenants"], capsys)
    assert code == 1
    assert "Plan 3 (2 databases): t07, t08" in out


def test_an_invalid_index_is_reported_for_the_database_that_has_it(fleet, project, capsys):
    import psycopg

    # t04 misses the index as t03 does, but keeps an INVALID one of its name (a failed build)
    with psycopg.connect(fleet.urls["t04"], autocommit=True) as conn:
        conn.execute("DROP INDEX public.projects_user_idx")
        conn.execute("INSERT INTO public.projects VALUES (1, '00000000-0000-0000-0000-000000000001', 'a'),"
                     " (2, '00000000-0000-0000-0000-000000000001', 'b')")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("CREATE UNIQUE INDEX CONCURRENTLY projects_user_idx ON public.projects (user_id)")
    code, out, _ = _cli(["drift", "-p", str(project), "--dev-db", fleet.dev, "--targets", str(fleet.targets_file),
                         "--only", "reachable", "-f", "json"], capsys)
    groups = {tuple(g["targets"]): g["objects"] for g in json.loads(out)["groups"]}
    assert groups[("t03",)][0]["database"] == "(missing)"
    assert "exists but is INVALID" in groups[("t04",)][0]["database"]


def test_verify_checks_each_distinct_schema_once(fleet, project, capsys):
    import psycopg

    with psycopg.connect(fleet.urls["t13"], autocommit=True) as conn:  # every user now reads every row
        conn.execute("ALTER TABLE public.projects DISABLE ROW LEVEL SECURITY")
    code, out, _ = _cli(["verify", "-p", str(project), "--dev-db", fleet.dev, "--targets", str(fleet.targets_file),
                         "--only", "eu", "-f", "json"], capsys)
    report = json.loads(out)
    assert code == report["exit_code"] == 1  # t19 cannot be reached: the worst
    groups = sorted(tuple(g["targets"]) for g in report["groups"])
    # t01, t09, t15, t17 read alike: one verification; every other schema on its own
    assert groups == [("t01", "t09", "t15", "t17"), ("t03",), ("t05",), ("t07",), ("t11",), ("t13",)]
    status = {t["name"]: t["status"] for t in report["targets"]}
    assert {n for n, s in status.items() if s == "isolation failure"} == {"t13"}
    assert status["t19"] == "error" and sum(s == "verified" for s in status.values()) == 8
    code, out, _ = _cli(["verify", "-p", str(project), "--dev-db", fleet.dev, "--targets", str(fleet.targets_file),
                         "--only", "t13"], capsys)
    assert code == 4
    assert out.splitlines()[0] == "1 database: 1 isolation failure"
    assert "row-level security is off" in out
