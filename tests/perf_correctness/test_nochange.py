"""The no-change memo (nochange.py) answers only what a full comparison would answer:
clean when the target's catalog rows are the ones a clean comparison saw, and a miss for
anything else (correctness only; no timings)."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest

from roseram_schema.apply.executor import apply_plan
from roseram_schema.cli.commands.drift import run_drift
from roseram_schema.cache.nochange import CLEAN_TEXT, clean_output, memo_path, quick_check
from roseram_schema.plan.model import Plan
from roseram_schema.workflow.compare import compare_live
from roseram_schema.render import render_drift, render_plan

from .conftest import write_project


def build(project, db_url, dev_url):
    """Apply the project to the target, then run the comparison that leaves the memo."""
    comparison = compare_live(project, db_url, dev_url, ensure_platform=True)
    apply_plan(db_url, comparison.plan())
    clean = compare_live(project, db_url, dev_url)
    assert clean.changes == ()
    return clean


def test_a_clean_comparison_is_remembered_and_answers_the_next_check(project, pg_server, platform_db_url):
    clean = build(project, platform_db_url, pg_server.base_url)
    fingerprint, prefetch = quick_check(project, platform_db_url, pg_server.base_url)
    assert prefetch is None
    assert fingerprint == clean.desired_fingerprint == clean.plan().to_fingerprint
    assert len(list(memo_path(project, "x").parent.glob("clean-*.json"))) == 1


@pytest.mark.parametrize("drift_sql, named", [
    ("DROP POLICY \"own projects\" ON public.projects", "own projects"),
    ("ALTER TABLE public.projects ALTER COLUMN status SET DEFAULT 'closed'", "status"),
    ("ALTER TABLE public.projects DISABLE ROW LEVEL SECURITY", "projects"),
    ("COMMENT ON COLUMN public.tasks.title IS 'drifted'", "title"),
    ("CREATE INDEX tasks_title_idx ON public.tasks (title)", "tasks_title_idx"),
])
def test_any_drift_after_a_clean_check_is_a_miss_and_is_reported(project, pg_server, platform_db_url,
                                                                  drift_sql, named, capsys):
    build(project, platform_db_url, pg_server.base_url)
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute(drift_sql)
    fingerprint, prefetch = quick_check(project, platform_db_url, pg_server.base_url)
    assert fingerprint is None
    assert prefetch.rows is not None and prefetch.conn is not None  # handed to the full path
    code = run_drift(project, platform_db_url, pg_server.base_url, "text", prefetched=prefetch)
    assert code == 2
    assert named in capsys.readouterr().out
    assert prefetch.conn is None or prefetch.conn.closed
    # still drifted on the next check: a miss is never remembered as clean
    assert quick_check(project, platform_db_url, pg_server.base_url)[0] is None


def test_a_target_changed_since_it_was_read_is_not_remembered(project, pg_server, platform_db_url):
    # the rows a comparison reads are not kept for the digest: a clean one reads them
    # again, and remembers them only if they still give the catalog it compared
    from roseram_schema.cache.nochange import remember_if_clean
    from roseram_schema.source.loader import read_source

    clean = build(project, platform_db_url, pg_server.base_url)
    memos = memo_path(project, "x").parent
    source_fp = read_source(project).fingerprint

    def remember():
        for path in memos.glob("clean-*.json"):
            path.unlink()
        with psycopg.connect(platform_db_url, autocommit=True) as conn:
            remember_if_clean(project, pg_server.base_url, source_fp, clean.scope, clean.desired_fingerprint,
                              conn, clean.live, None)
        return list(memos.glob("clean-*.json"))

    assert len(remember()) == 1
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.tasks ADD COLUMN note text")
    assert remember() == []
    assert quick_check(project, platform_db_url, pg_server.base_url)[0] is None


def test_the_prefetched_rows_give_the_same_report_as_a_fresh_read(project, pg_server, platform_db_url, capsys):
    build(project, platform_db_url, pg_server.base_url)
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.tasks ADD COLUMN note text")
    _, prefetch = quick_check(project, platform_db_url, pg_server.base_url)
    assert run_drift(project, platform_db_url, pg_server.base_url, "json", prefetched=prefetch) == 2
    with_prefetch = capsys.readouterr().out
    assert run_drift(project, platform_db_url, pg_server.base_url, "json") == 2
    assert capsys.readouterr().out == with_prefetch
    assert '"note"' in with_prefetch or "note" in with_prefetch


def test_an_edited_source_is_a_miss(project, pg_server, platform_db_url):
    build(project, platform_db_url, pg_server.base_url)
    tasks = project / "schema/public/tasks.yaml"
    tasks.write_text(tasks.read_text().replace("  title:", "  done: {type: boolean}\n  title:"))
    fingerprint, prefetch = quick_check(project, platform_db_url, pg_server.base_url)
    assert fingerprint is None and prefetch.rows is None  # no memo for the new source at all
    assert compare_live(project, platform_db_url, pg_server.base_url).changes


def test_a_corrupt_memo_is_a_miss(project, pg_server, platform_db_url):
    build(project, platform_db_url, pg_server.base_url)
    (memo,) = memo_path(project, "x").parent.glob("clean-*.json")
    for broken in ("", "{", '{"scope": 1, "fingerprint": "x", "live": []}', "[]"):
        memo.write_text(broken)
        fingerprint, prefetch = quick_check(project, platform_db_url, pg_server.base_url)
        assert fingerprint is None and prefetch.rows is None


def test_another_clean_target_is_remembered_beside_the_first(project, pg_server, make_db):
    from roseram_schema.platform import ensure_platform

    urls = []
    for _ in range(2):
        url = make_db("nc")
        with psycopg.connect(url, autocommit=True) as conn:
            ensure_platform(conn)
        build(project, url, pg_server.base_url)
        urls.append(url)
    for url in urls:
        assert quick_check(project, url, pg_server.base_url)[0] is not None


@pytest.mark.parametrize("command, fmt", [*CLEAN_TEXT, ("drift", "json"), ("plan", "text"), ("plan", "json")])
def test_clean_output_is_what_the_full_renderers_print(command, fmt):
    fingerprint = "ab" * 32
    stdout, stderr = clean_output(command, fmt, fingerprint)
    if command == "drift":
        assert stdout == render_drift((), fmt) and stderr == ""
    else:
        full = render_plan(Plan(from_fingerprint=fingerprint, to_fingerprint=fingerprint, statements=()), fmt)
        assert (stderr if fmt == "text" else stdout) == full


def test_formats_without_a_clean_text_go_to_the_full_renderer():
    assert clean_output("plan", "markdown", "x") is None
    assert clean_output("plan", "sql", "x") is None
    assert clean_output("drift", "markdown", "x") is None


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "roseram_schema", *args], capture_output=True, text=True,
                          timeout=120)


def test_console_script_end_to_end(project, pg_server, platform_db_url):
    common = ["-p", str(project), "--db", platform_db_url, "--dev-db", pg_server.base_url]
    # public.tasks has RLS off (a lint error); what is tested here is the no-change memo
    assert run_cli("apply", *common, "--yes", "--allow-hazards", "lint_errors").returncode == 0
    for _ in range(2):  # the first leaves the memo, the second is answered by it
        clean = run_cli("drift", *common, "-f", "github")
        assert clean.returncode == 0, clean.stderr
        assert clean.stdout == CLEAN_TEXT[("drift", "github")]
        plan = run_cli("plan", *common)
        assert plan.returncode == 0 and "No changes" in plan.stderr
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.projects DROP CONSTRAINT projects_status_check")
    drifted = run_cli("drift", *common)
    assert drifted.returncode == 2, drifted.stderr
    assert "projects_status_check" in drifted.stdout
