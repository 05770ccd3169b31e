"""Versioned migrations (issue 18): migrate diff / check / apply / status on a real server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from inprocess import run_cli

from roseram_schema.cli.commands.drift import run_drift
from roseram_schema.errors import DatabaseError, RoseramError
from roseram_schema.migrate.commands import run_check, run_diff, run_migrate_apply, run_status
from roseram_schema.migrate.manifest import ManifestError, compute

FILES = {
    "project.yaml": "roles:\n  - anon\n  - authenticated\nenums:\n  public.mood: [happy, sad]\n",
    "schema/public/notes.yaml": """\
columns:
  id:      {type: integer, nullable: false}
  user_id: {type: uuid, nullable: false}
  body:    {type: text, nullable: false}
  mood:    {type: public.mood}
primary_key: [id]
grants:
  authenticated: [select, insert]
""",
    "policies/public/notes.yaml": """\
rls: enabled
policies:
  - name: own
    command: all
    roles: [authenticated]
    using: user_id = (select auth.uid())
    with_check: user_id = (select auth.uid())
""",
}

# the second version of the source: a column, an enum value, and access for anon
EDITED_NOTES = FILES["schema/public/notes.yaml"].replace(
    "  mood:    {type: public.mood}\n", "  mood:    {type: public.mood, default: \"'meh'::public.mood\"}\n  title:   text\n"
).replace("grants:\n", "grants:\n  anon: [select]\n")
EDITED_PROJECT = FILES["project.yaml"].replace("[happy, sad]", "[happy, sad, meh]")


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _edit_source(project: Path) -> None:
    (project / "schema/public/notes.yaml").write_text(EDITED_NOTES)
    (project / "project.yaml").write_text(EDITED_PROJECT)


def _sql_files(project: Path) -> list[Path]:
    return sorted((project / "migrations").glob("*.sql"))


def _cli(*args: str, cwd: Path, process: bool = False) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ROSERAM_DEV_DB")}
    if process:  # each migrate command keeps a run as a process of its own, exit status included
        return subprocess.run([sys.executable, "-m", "roseram_schema", *args], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=300)
    # in the test process (tests/inprocess.py): what the command does, not its process
    return run_cli(*args, cwd=cwd, env=env)


def test_diff_writes_first_file_then_only_the_change_and_check_passes(project, pg_server):
    dev = pg_server.base_url
    r = _cli("migrate", "diff", "init", "--dev-db", dev, cwd=project, process=True)
    assert r.returncode == 0, r.stderr
    first = _sql_files(project)
    assert len(first) == 1 and first[0].name.endswith("_init.sql")
    text = first[0].read_text()
    assert "CREATE TABLE" in text and "BEGIN" not in text and "\\" not in text
    sums = (project / "migrations/roseram.sum").read_text().splitlines()
    assert sums[0].startswith("h1:") and sums[1].startswith(first[0].name + " h1:")

    # no change: no file, exit 0
    assert run_diff(project, dev, "again") == 0
    assert _sql_files(project) == first
    assert run_check(project, dev) == 0

    _edit_source(project)
    assert run_diff(project, dev, "Add title & meh!") == 0
    files = _sql_files(project)
    assert len(files) == 3 and files[0] == first[0]
    assert files[1].name.endswith("_add_title_meh_enum_values.sql")
    assert files[2].name.endswith("_add_title_meh.sql")
    assert files[0].name < files[1].name < files[2].name
    enum_values = files[1].read_text()
    assert "ADD VALUE" in enum_values and "CREATE TABLE" not in enum_values
    change = files[2].read_text()
    assert "CREATE TABLE" not in change and "title" in change
    assert "-- hazard: opens_access" in change  # anon gains SELECT
    r = _cli("migrate", "check", "--dev-db", dev, cwd=project)
    assert r.returncode == 0, r.stderr


def test_manifest_detects_edit_and_reorder(tmp_path):
    a, b = ("1_a.sql", b"select 1;"), ("2_b.sql", b"select 2;")
    assert compute([a, b]).entries[0] == compute([a]).entries[0]
    assert compute([a, b]) != compute([b, a])
    assert compute([a, b]).entries[1] != compute([a, ("2_b.sql", b"select 3;")]).entries[1]


def test_edited_file_fails_check_and_apply_refuses_an_applied_file_changed(project, pg_server, db_url):
    dev = pg_server.base_url
    assert run_diff(project, dev, "init") == 0
    assert run_migrate_apply(project, db_url) == 0
    (path,) = _sql_files(project)
    path.write_text(path.read_text() + "\nCREATE TABLE public.extra (id int);\n")
    r = _cli("migrate", "check", "--dev-db", dev, cwd=project, process=True)
    assert r.returncode == 1 and "changed since the manifest was written" in r.stderr, r.stderr
    md = _cli("migrate", "check", "--dev-db", dev, "--format", "markdown", cwd=project)
    assert md.returncode == 1 and "| manifest (`roseram.sum`) | **failed**: " in md.stdout, md.stdout
    # even with the manifest rewritten, the database knows the file it applied
    r = _cli("migrate", "hash", cwd=project, process=True)
    assert r.returncode == 0, r.stderr
    # the manifest holds again, but the folder gives more than the source: exactly is checked
    r = _cli("migrate", "check", "--dev-db", dev, cwd=project)
    assert r.returncode == 2 and "DROP TABLE" in r.stdout and "public.extra" in r.stdout, r.stderr
    with pytest.raises(RoseramError, match="edited after it was applied"):
        run_migrate_apply(project, db_url)
    r = _cli("migrate", "status", "--db", db_url, cwd=project, process=True)
    assert r.returncode == 2 and r.stdout.startswith(f"changed  {path.name}  (applied "), r.stdout
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT to_regclass('public.extra')").fetchone()[0] is None


def test_folder_behind_the_source_fails_check_with_the_missing_diff(project, pg_server):
    dev = pg_server.base_url
    assert run_diff(project, dev, "init") == 0
    _edit_source(project)
    r = _cli("migrate", "check", "--dev-db", dev, cwd=project)
    assert r.returncode == 2, r.stderr
    assert "ADD VALUE IF NOT EXISTS 'meh'" in r.stdout and "title" in r.stdout and "statement(s) missing" in r.stderr
    md = _cli("migrate", "check", "--dev-db", dev, "--format", "markdown", cwd=project)
    assert md.returncode == 2
    assert "| the replayed folder is the source | **" in md.stdout
    assert "opens_access" in md.stdout  # the missing plan's hazards, access changes included


def test_apply_runs_pending_files_in_order_each_in_its_own_transaction(project, pg_server, db_url):
    dev = pg_server.base_url
    assert run_diff(project, dev, "init") == 0
    folder = project / "migrations"
    assert run_status(project, db_url) == 2
    # a second file that fails half-way, and a third after it
    (good,) = _sql_files(project)
    version = int(good.name.split("_")[0])
    (folder / f"{version + 1}_half.sql").write_text(
        "CREATE TABLE public.half (id int);\nSELECT 1/0;\n")
    (folder / f"{version + 2}_after.sql").write_text("CREATE TABLE public.after (id int);\n")
    from roseram_schema.migrate.folder import as_pairs, read_folder
    from roseram_schema.migrate.manifest import write

    write(folder, as_pairs(read_folder(folder)))
    with pytest.raises(DatabaseError, match=r"_half\.sql:2:\d+: .*division by zero"):
        run_migrate_apply(project, db_url)
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT to_regclass('public.notes') IS NOT NULL, to_regclass('public.half'),"
                            " to_regclass('public.after')").fetchone() == (True, None, None)
        assert [r[0] for r in conn.execute("SELECT file FROM roseram_schema.migration_files")] == [good.name]
    r = _cli("migrate", "status", "--db", db_url, cwd=project)
    assert r.returncode == 2
    lines = r.stdout.splitlines()
    assert lines[0].startswith(f"applied  {good.name}  (") and lines[1:] == [
        f"pending  {version + 1}_half.sql", f"pending  {version + 2}_after.sql"]
    (folder / f"{version + 1}_half.sql").unlink()
    write(folder, as_pairs(read_folder(folder)))
    r = _cli("migrate", "apply", "--db", db_url, cwd=project, process=True)
    assert r.returncode == 0, r.stderr
    assert "applied" in r.stderr
    r = _cli("migrate", "apply", "--db", db_url, cwd=project)
    assert r.returncode == 0 and "Nothing to do" in r.stderr
    assert run_status(project, db_url) == 0


def test_written_files_run_in_psql_and_give_the_source(project, pg_server, platform_db_url, capsys):
    dev = pg_server.base_url
    assert run_diff(project, dev, "init") == 0
    _edit_source(project)
    assert run_diff(project, dev, "second") == 0
    psql = shutil.which("psql")
    if psql is None:
        pytest.skip("psql not installed")
    for path in _sql_files(project):
        r = subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", platform_db_url, "-f", str(path)],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
    capsys.readouterr()
    assert run_drift(project, platform_db_url, dev) == 0, capsys.readouterr().out


def test_supabase_folder_is_the_default(project, pg_server):
    (project / "supabase").mkdir()
    assert run_diff(project, pg_server.base_url, "init") == 0
    assert len(list((project / "supabase/migrations").glob("*_init.sql"))) == 1
    assert not (project / "migrations").exists()


def test_manifest_missing_for_files_is_an_error(project, pg_server):
    folder = project / "migrations"
    folder.mkdir()
    (folder / "20260101000000_x.sql").write_text("select 1;\n")
    with pytest.raises(ManifestError, match="missing"):
        run_check(project, pg_server.base_url)


def test_same_folder_and_source_give_byte_identical_files(project, pg_server, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    assert run_diff(project, pg_server.base_url, "init") == 0
    assert run_diff(copy, pg_server.base_url, "init") == 0
    assert [p.read_bytes() for p in _sql_files(project)] == [p.read_bytes() for p in _sql_files(copy)]


def _add_file(project: Path, name: str, text: str) -> Path:
    from roseram_schema.migrate.folder import as_pairs, read_folder
    from roseram_schema.migrate.manifest import write

    folder = project / "migrations"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text)
    write(folder, as_pairs(read_folder(folder)))
    return path


def test_transaction_control_in_a_file_is_refused_with_its_line(project, pg_server, db_url):
    _add_file(project, "20260101000000_tx.sql", "-- a file written by hand\nCREATE TABLE public.a (id int);\n"
                                                 "  COMMIT;\nCREATE TABLE public.b (id int);\n")
    with pytest.raises(RoseramError, match=r"_tx\.sql:3:3: .*transaction control \(COMMIT\)"):
        run_migrate_apply(project, db_url)
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT to_regclass('public.a')").fetchone()[0] is None
    r = _cli("migrate", "check", "--dev-db", pg_server.base_url, cwd=project)
    assert r.returncode == 1 and "transaction control" in r.stderr


def test_a_pending_file_older_than_an_applied_one_is_refused(project, db_url):
    _add_file(project, "20260101000002_b.sql", "CREATE TABLE public.b (id int);\n")
    assert run_migrate_apply(project, db_url) == 0
    _add_file(project, "20260101000001_a.sql", "CREATE TABLE public.a (id int);\n")
    with pytest.raises(RoseramError, match="20260101000001_a.sql older than the applied 20260101000002_b.sql"):
        run_migrate_apply(project, db_url)


def test_markdown_report_lists_file_hazards_and_access_changes(project, pg_server):
    dev = pg_server.base_url
    assert run_diff(project, dev, "init") == 0
    _edit_source(project)
    assert run_diff(project, dev, "open") == 0
    first = _sql_files(project)[0].name.split("_")[0]
    r = _cli("migrate", "check", "--dev-db", dev, "--format", "markdown", "--since", first, cwd=project)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "| manifest (`roseram.sum`) | ok |" in out and "| the replayed folder is the source | ok |" in out
    assert "_init.sql" not in out  # --since: only the newer files
    assert "**opens_access** (blocking): anon is granted SELECT on table public.notes" in out
    assert "#### Access changes" in out


def test_declared_roles_are_created_by_the_first_file_only(project, pg_server, platform_db_url, capsys):
    # the role exists on the dev server (normalization creates it): the plan alone would
    # never create it, and the files would fail on a server that lacks it
    role = "migrate_editor"
    (project / "project.yaml").write_text(FILES["project.yaml"].replace("  - authenticated\n",
                                                                        f"  - authenticated\n  - {role}\n"))
    dev = pg_server.base_url
    assert run_diff(project, dev, "init") == 0
    (first,) = _sql_files(project)
    assert first.read_text().count(f"CREATE ROLE {role} NOLOGIN NOBYPASSRLS") == 1
    _edit_source(project)
    (project / "project.yaml").write_text(EDITED_PROJECT.replace("  - authenticated\n", f"  - authenticated\n  - {role}\n"))
    assert run_diff(project, dev, "second") == 0
    assert all(role not in p.read_text() for p in _sql_files(project)[1:])
    with psycopg.connect(dev, autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {role}")
    assert run_migrate_apply(project, platform_db_url) == 0
    capsys.readouterr()
    assert run_drift(project, platform_db_url, dev) == 0, capsys.readouterr().out


def test_concurrent_applies_apply_each_file_once(project, db_url):
    import threading

    for i in range(3):
        _add_file(project, f"2026010100000{i}_t{i}.sql", f"CREATE TABLE public.t{i} (id int);\n")
    results, errors = [], []

    def run():
        try:
            results.append(run_migrate_apply(project, db_url))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and results == [0, 0]
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM roseram_schema.migration_files").fetchone()[0] == 3


def test_a_file_that_is_not_utf8_is_named(project, db_url):
    path = _add_file(project, "20260101000000_bad.sql", "select 1;\n")
    path.write_bytes(b"select 1;\nselect '\xff';\n")
    with pytest.raises(RoseramError, match=r"_bad\.sql:2:9: not UTF-8 text"):
        run_migrate_apply(project, db_url)
