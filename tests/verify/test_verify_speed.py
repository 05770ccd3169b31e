"""What makes verify faster changes nothing it reports: probes split by table between
connections (runner.Shards), and a big project's database copied from a kept template
(cache/verifydb.py) instead of built."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import psycopg

from roseram_schema.cache import incremental, verifydb
from roseram_schema.verify import runner
from roseram_schema.verify.render import to_json
from roseram_schema.verify.spec import Persona
from roseram_schema.workflow import verify as workflow

NOTES = Path(__file__).resolve().parent.parent / "cases" / "verify_source" / "notes"


def test_shards_run_each_table_on_one_connection_and_keep_the_order(platform_db_url):
    me = Persona("me", "authenticated", user=True)
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        for t in ("a", "b", "c"):
            conn.execute(f"CREATE TABLE public.{t} (n int); GRANT ALL ON public.{t} TO authenticated")
        runner.install_runner(conn)
        statements = [
            "SELECT pg_backend_pid()::text FROM (SELECT FROM public.a LIMIT 0) x UNION ALL SELECT pg_backend_pid()::text",
            "INSERT INTO public.b VALUES (1)",
            "SELECT pg_backend_pid()::text FROM (SELECT FROM public.b LIMIT 0) x UNION ALL SELECT pg_backend_pid()::text",
            "INSERT INTO public.c VALUES ('x')",
            "SELECT pg_backend_pid()::text FROM (SELECT FROM public.a LIMIT 0) x UNION ALL SELECT pg_backend_pid()::text",
            "SELECT count(*)::text FROM public.b",
        ]
        alone = runner.run_as(conn, me, None, statements)
        with psycopg.connect(platform_db_url, autocommit=True) as other:
            shards = runner.Shards([conn, other])
            try:
                split = runner.run_as(shards, me, None, statements)
                again = runner.run_as(shards, me, None, statements)
                # what a prober does with its connection besides run_as: on the first one
                assert shards.execute("SELECT pg_backend_pid()").fetchone()[0] == conn.info.backend_pid
            finally:
                shards.close()
    pids = [o.value for o in split]
    # a and c on one connection, b on the other; the same table always on the same one
    assert pids[0] == pids[4] == again[0].value and pids[2] == again[2].value and pids[0] != pids[2]
    same = [(o.count, o.state) for o in split]
    assert same == [(o.count, o.state) for o in alone] == [(o.count, o.state) for o in again]
    assert split[3].state == "22P02" and split[1].count == 1 and split[5].value == "0"


def _report(project: Path, url: str) -> dict:
    data = json.loads(to_json(workflow.verify_project(project, None, url)))
    for key in ("seconds", "timings"):
        data["summary"].pop(key, None)
    return data


def _templates(url: str) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as admin:
        return admin.execute(
            "SELECT datname, shobj_description(oid, 'pg_database'), datacl::text FROM pg_database"
            " WHERE datname LIKE %s", (verifydb.TEMPLATE_PREFIX + "%",)).fetchall()


def test_a_copied_template_reports_what_a_build_reports(pg_server, tmp_path, monkeypatch):
    url = pg_server.base_url
    project = tmp_path / "notes"
    shutil.copytree(NOTES, project)
    monkeypatch.setattr(incremental, "INCREMENTAL_MIN_TABLES", 1)
    builds = []
    real_build = workflow._build
    monkeypatch.setattr(workflow, "_build", lambda u, c: (builds.append(u), real_build(u, c)))
    name = verifydb.template_name(project, url)
    before = {row[0] for row in _templates(url)}
    try:
        monkeypatch.setenv("ROSERAM_NO_CACHE", "1")
        built = _report(project, url)
        assert builds == [] and {row[0] for row in _templates(url)} == before
        monkeypatch.delenv("ROSERAM_NO_CACHE")
        first = _report(project, url)
        assert len(builds) == 1
        [(_, comment, acl)] = [row for row in _templates(url) if row[0] == name]
        assert comment.startswith("roseram-verify-template ") and "=c" not in (acl or "")
        copied = _report(project, url)
        assert len(builds) == 1  # copied, not built
        assert built["summary"]["failed"] > 0  # the notes project leaks: details are compared too
        assert copied == first == built
        # another source is another build (and template)
        with open(sorted((project / "schema").rglob("*.yaml"))[0], "a") as f:
            f.write("\n# edited\n")
        assert _report(project, url) == built
        assert len(builds) == 2
    finally:
        verifydb.drop_template(url, project, url)
