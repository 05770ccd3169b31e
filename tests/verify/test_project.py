"""verify end to end on source projects: the Roseram project passes (and is timed), a broken
project fails with exit 4; JSON/Markdown output; --infer round-trips; --emit-pgtap files
assert the same contract when replayed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import psycopg
import pytest
import yaml

from roseram_schema.cli.commands.verify import run_verify
from roseram_schema.workflow.verify import verify_project
from roseram_schema.verify.checker import check_database
from roseram_schema.verify.infer import infer_contracts
from roseram_schema.verify.pgtap import emit_pgtap

from .helpers import build_case, good_spec

ROSERAM = Path(__file__).resolve().parent.parent.parent
NOTES = Path(__file__).resolve().parent.parent / "cases" / "verify_source" / "notes"


def test_roseram_project_passes_with_zero_failures(pg_server, capsys):
    started = time.perf_counter()
    code = run_verify(ROSERAM, None, pg_server.base_url, "json")
    elapsed = time.perf_counter() - started
    data = json.loads(capsys.readouterr().out)
    failing = [
        (t["name"], persona, cmd, cell["details"])
        for t in data["tables"] for persona, cmds in t["cells"].items()
        for cmd, cell in cmds.items() if cell["verdict"] in ("LEAK", "BLOCKED", "ERROR")
    ]
    assert failing == []
    assert code == 0
    summary = data["summary"]
    assert summary["failed"] == 0 and summary["passed"] == summary["probes"]
    # every table x persona x command, every view x persona (Roseram: 34 tables, 5 views, 11 personas)
    tables = sum(1 for t in data["tables"] if t["kind"] == "table")
    views = sum(1 for t in data["tables"] if t["kind"] == "view")
    assert tables >= 34 and views >= 5 and len(data["personas"]) == 11
    assert summary["probes"] == (tables * 4 + views) * len(data["personas"])
    print(f"verify on Roseram: {elapsed:.2f} s end to end, checker {summary['seconds']:.2f} s")
    assert elapsed < 15  # target 3 s on a quiet machine; generous for shared CI runners


def test_roseram_text_matrix(pg_server, capsys):
    assert run_verify(ROSERAM, None, pg_server.base_url, "text") == 0
    err = capsys.readouterr().err
    assert "isolation matrix" in err and "public.projects" in err
    import re

    probes = re.search(r"verify: (\d+) probes, (\d+) passed, 0 failed, 0 error findings", err)
    assert probes and probes.group(1) == probes.group(2)


def test_broken_source_project_exits_4(pg_server, capsys):
    assert run_verify(NOTES, None, pg_server.base_url, "markdown") == 4
    out = capsys.readouterr().out
    assert "## public.notes" in out
    assert "| ben | **LEAK** |" in out
    assert "rls-disabled" in out


def test_verify_from_a_live_database_never_writes_to_it(pg_server, platform_db_url):
    build_case(platform_db_url, "using_true")
    with psycopg.connect(platform_db_url) as conn:
        before = conn.execute("SELECT count(*) FROM auth.users").fetchone()[0]
    report = verify_project(NOTES, platform_db_url, pg_server.base_url)
    with psycopg.connect(platform_db_url) as conn:
        after = conn.execute("SELECT count(*) FROM auth.users").fetchone()[0]
        helper = conn.execute("SELECT to_regnamespace('roseram_verify')").fetchone()[0]
    assert before == after == 0 and helper is None
    # the notes project declares no contract for sites: observed, not judged
    assert "public.sites" in report.tables
    assert any(f.id == "policy-always-true" for f in report.findings)


def _checked(url: str, spec):
    with psycopg.connect(url, autocommit=True) as conn:
        return check_database(conn, spec)


def test_infer_round_trips(make_db):
    from roseram_schema.platform import ensure_platform

    urls = [make_db("verify_infer"), make_db("verify_infer")]
    for url in urls:
        with psycopg.connect(url, autocommit=True) as conn:
            ensure_platform(conn)
        build_case(url, "good")
    report = _checked(urls[0], good_spec())
    text = infer_contracts(report)
    contracts = {}
    current = None
    for line in text.splitlines():
        if line.startswith("# policies/"):
            current = line[len("# policies/"):-len(".yaml")].replace("/", ".")
        elif line.startswith("contract:"):
            contracts[current] = yaml.safe_load(line)["contract"]
    assert contracts["public.sites"] == {"select": "tenant", "insert": "editor+", "update": "editor+",
                                         "delete": "admin+"}
    assert contracts["public.page_comments"]["insert"] == "own & member+"
    again = _checked(urls[1], good_spec(contracts))
    assert again.failed == 0


def test_infer_on_a_leaky_table(platform_db_url):
    build_case(platform_db_url, "using_true")
    text = infer_contracts(_checked(platform_db_url, good_spec()))
    assert "contract: {select: signed_in, insert: editor+, update: editor+, delete: admin+}" in text


PGTAP_STUBS = """
CREATE FUNCTION public.plan(int) RETURNS text LANGUAGE sql AS $$ SELECT '1..' || $1 $$;
CREATE FUNCTION public.is(text, text, text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  IF $1 IS DISTINCT FROM $2 THEN
    RAISE EXCEPTION 'not ok: % (got %, expected %)', $3, $1, $2;
  END IF;
  RETURN 'ok';
END $$;
CREATE FUNCTION public.finish() RETURNS SETOF text LANGUAGE sql AS $$ SELECT 'done'::text WHERE false $$;
"""


def _replay(url: str, path: Path) -> None:
    """Run an emitted file with minimal stand-ins for plan/is/finish (pgTAP is not installed)."""
    script = path.read_text().replace("CREATE EXTENSION IF NOT EXISTS pgtap;", "")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(script)


def test_emitted_pgtap_replays_the_contract(make_db, tmp_path):
    from roseram_schema.platform import ensure_platform

    probe_url, replay_url, broken_url = make_db("verify_tap"), make_db("verify_tap"), make_db("verify_tap")
    for url, case in ((probe_url, "good"), (replay_url, "good"), (broken_url, "self_compare")):
        with psycopg.connect(url, autocommit=True) as conn:
            ensure_platform(conn)
            conn.execute(PGTAP_STUBS)
        build_case(url, case)
    paths = emit_pgtap(_checked(probe_url, good_spec()), tmp_path)
    assert [p.name for p in paths][:2] == ["public.chat_messages.sql", "public.organization_members.sql"]
    sites = tmp_path / "public.sites.sql"
    text = sites.read_text()
    assert text.count("SELECT is(") == int(text.split("SELECT plan(")[1].split(")")[0])
    for path in paths:
        _replay(replay_url, path)  # every assertion holds on the correct schema
    with pytest.raises(psycopg.Error, match=r"not ok: \w+: insert tenant [AB] is denied \(got allowed"):
        _replay(broken_url, sites)


def test_roseram_infer_explains_every_observation(pg_server, capsys):
    assert run_verify(ROSERAM, None, pg_server.base_url, "text", infer=True) == 0
    out = capsys.readouterr().out
    assert out.count("contract: {") >= 34
    assert "not exact" not in out
    assert "# policies/public/projects.yaml\ncontract: {select: [public, own], insert: own" in out


def test_same_schema_same_report(make_db, tmp_path):
    """Deterministic output: two runs (parallel connections included) give the same JSON
    report and the same pgTAP files."""
    from roseram_schema.platform import ensure_platform
    from roseram_schema.verify.render import to_json

    texts, taps = [], []
    for n in range(2):
        url = make_db("verify_same")
        with psycopg.connect(url, autocommit=True) as conn:
            ensure_platform(conn)
        build_case(url, "self_compare")
        with psycopg.connect(url, autocommit=True) as conn:
            report = check_database(conn, good_spec(), url=url)
        data = json.loads(to_json(report))
        data["summary"].pop("seconds")
        data["summary"].pop("timings")
        texts.append(data)
        taps.append([p.read_text() for p in emit_pgtap(report, tmp_path / str(n))])
    assert texts[0] == texts[1]
    assert taps[0] == taps[1]


def test_text_output_of_a_failing_project(pg_server, capsys):
    assert run_verify(NOTES, None, pg_server.base_url, "text") == 4
    err = capsys.readouterr().err
    assert "│ public.notes │ ---- │ LLLL │ LLLL │ siud" in err.replace("│public.notes", "│ public.notes")
    assert "persona" in err and "LEAK    public.notes select as ann: sees rows outside the contract: ben" in err
    assert "verify: 16 probes, 8 passed, 8 failed, 2 error findings" in err


def test_roseram_pgtap_files_replay(pg_server, make_db, tmp_path, capsys):
    from roseram_schema.workflow.verify import build_schema
    from roseram_schema.platform import ensure_platform
    from roseram_schema.source import load_project

    assert run_verify(ROSERAM, None, pg_server.base_url, "text", emit_pgtap=tmp_path) == 0
    assert "pgTAP files" in capsys.readouterr().err
    url = make_db("verify_tap_roseram")
    with psycopg.connect(url, autocommit=True) as conn:
        ensure_platform(conn)
        build_schema(conn, load_project(ROSERAM).catalog)
        conn.execute(PGTAP_STUBS)
    files = sorted(tmp_path.glob("*.sql"))
    assert len(files) >= 34
    for path in files:
        _replay(url, path)


def test_roseram_verified_from_a_live_database_with_serial_columns(pg_server, platform_db_url):
    """--db rebuilds the live schema elsewhere: serial columns (user_sessions.id and others)
    read back as nextval() defaults and must still build, and every contract must hold."""
    from roseram_schema.compile.script import compile_statements
    from roseram_schema.normalize.catalog import apply_statements
    from roseram_schema.source import load_project

    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        apply_statements(conn, compile_statements(load_project(ROSERAM).catalog))
    report = verify_project(ROSERAM, platform_db_url, pg_server.base_url)
    assert report.probes > 1000
    assert report.failed == 0
