"""apply --targets over 20 databases: canary and waves, a locked and an unreachable target,
stop on the first failure or --keep-going, a re-run resumes and then does nothing."""

from __future__ import annotations

import json

import psycopg
import pytest

from roseram_schema.apply.executor import ADVISORY_LOCK_KEY
from roseram_schema.cli.app import main as cli_main

from .conftest import DRIFT, EMPTY, LOCKED, NAMES, UNREACHABLE


def _cli(args, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        cli_main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def _apply(fleet, project, capsys, *extra):
    code, out, err = _cli(["apply", "-p", str(project), "--dev-db", fleet.dev, "--targets", str(fleet.targets_file),
                           "--yes", "--lock-wait", "500ms", "-f", "json", *extra], capsys)
    report = json.loads(out)
    assert report["exit_code"] == code
    return code, {t["name"]: t for t in report["targets"]}, err


def _history_rows(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM roseram_schema.history").fetchone()[0]


def _drift(fleet, project, capsys, only="reachable"):
    code, out, _ = _cli(["drift", "-p", str(project), "--dev-db", fleet.dev, "--targets", str(fleet.targets_file),
                         "--only", only, "-f", "json"], capsys)
    return code, {t["name"]: t["status"] for t in json.loads(out)["targets"]}


def test_apply_fixes_every_reachable_database_and_a_rerun_is_a_no_op(fleet, project, capsys):
    drifted = set(DRIFT) | {EMPTY}
    before = {n: _history_rows(fleet.urls[n]) for n in NAMES if n not in (UNREACHABLE, EMPTY)}
    with psycopg.connect(fleet.urls[LOCKED], autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
        code, rows, err = _apply(fleet, project, capsys, "--keep-going", "--canary", "2", "--parallel", "4")
    assert code == 1
    assert err.splitlines()[0].startswith("canary: t01 up to date; t02 up to date")
    status = {n: r["status"] for n, r in rows.items()}
    assert {n for n, s in status.items() if s == "error"} == {UNREACHABLE, LOCKED}
    assert "another apply holds the lock of this database" in rows[LOCKED]["error"]
    assert {n for n, s in status.items() if s == "applied"} == drifted - {LOCKED}
    assert all(s == "up to date" for n, s in status.items() if n not in drifted | {UNREACHABLE})
    # each database its own transaction and history row; the locked one untouched
    for name, count in before.items():
        assert _history_rows(fleet.urls[name]) == count + (name in drifted and name != LOCKED)
    assert _history_rows(fleet.urls[EMPTY]) == 1
    assert _drift(fleet, project, capsys) == (2, {n: "drift" if n == LOCKED else "up to date"
                                                  for n in NAMES if n != UNREACHABLE})
    # the lock released: a re-run resumes (the locked one only), then nothing is left to do
    code, rows, _ = _apply(fleet, project, capsys, "--only", "reachable")
    assert code == 0
    assert {n for n, r in rows.items() if r["status"] == "applied"} == {LOCKED}
    code, rows, _ = _apply(fleet, project, capsys, "--only", "reachable")
    assert code == 0 and all(r["status"] == "up to date" for r in rows.values())
    assert _drift(fleet, project, capsys) == (0, {n: "up to date" for n in NAMES if n != UNREACHABLE})
    assert _history_rows(fleet.urls[LOCKED]) == before[LOCKED] + 1


def test_apply_stops_after_the_first_failed_wave_and_a_rerun_resumes(fleet, project, capsys):
    # --only eu: t01 (canary), then waves of 2: [t03 t05] [t07 t09] [t11 t13] [t15 t17] [t19]
    with psycopg.connect(fleet.urls["t03"], autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
        code, rows, err = _apply(fleet, project, capsys, "--only", "eu", "--canary", "1", "--parallel", "2")
    assert code == 1
    status = {n: r["status"] for n, r in rows.items()}
    assert status == {"t01": "up to date", "t03": "error", "t05": "applied", "t07": "skipped", "t09": "skipped",
                      "t11": "skipped", "t13": "skipped", "t15": "skipped", "t17": "skipped", "t19": "skipped"}
    assert rows["t07"]["detail"] == "stopped after wave 1: t03 failed"
    assert err.splitlines() == ["canary: t01 up to date", "wave 1: t03 error; t05 applied"]
    assert _drift(fleet, project, capsys, "eu")[1]["t07"] == "drift"
    code, rows, _ = _apply(fleet, project, capsys, "--only", "eu", "--canary", "1", "--parallel", "2")
    assert code == 1  # t19 cannot be reached: the last wave, nothing after it to skip
    status = {n: r["status"] for n, r in rows.items()}
    assert {n for n, s in status.items() if s == "applied"} == {"t03", "t07", "t11"}
    assert status["t05"] == "up to date" and status["t19"] == "error"


def test_a_failed_canary_stops_the_run_even_with_keep_going(fleet, project, capsys):
    with psycopg.connect(fleet.urls["t02"], autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
        code, rows, err = _apply(fleet, project, capsys, "--only", "reachable", "--canary", "2", "--keep-going")
    assert code == 1
    assert [rows[n]["status"] for n in ("t01", "t02", "t03")] == ["up to date", "error", "skipped"]
    assert all(r["status"] == "skipped" for n, r in rows.items() if n not in ("t01", "t02"))
    assert err.splitlines() == ["canary: t01 up to date; t02 error"]
    assert _history_rows(fleet.urls["t03"]) == 1  # the template's: nothing applied past the canaries


def test_apply_targets_needs_yes_and_refuses_db(fleet, project, capsys):
    code, _, err = _cli(["apply", "-p", str(project), "--targets", str(fleet.targets_file)], capsys)
    assert code == 1 and "pass --yes" in err
    code, _, err = _cli(["apply", "-p", str(project), "--targets", str(fleet.targets_file), "--db", "x", "--yes"],
                        capsys)
    assert code == 1 and "--db cannot be used with --targets" in err
