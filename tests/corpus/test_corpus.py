"""Six realistic Supabase schemas, used as published (issue 16's acceptance corpus).

Each folder here is a project as its authors publish it: SQL files under `schema/` or a
`supabase/migrations/` history, no project.yaml. For each one, on a database that behaves
like Supabase (tests/supabase_like/):

- psql loads it (the corpus itself is valid);
- the published SQL, used as the project's source, compiles;
- its plan against the database psql built is empty;
- applied into an empty database, `drift` is empty and `pg_dump --schema-only` (grants
  included) is the same as the psql-built database's;
- `import` of the psql-built database gives a project with no drift, and importing twice
  gives identical files.

What does not work yet is listed in GAPS, with the server versions it fails on: such a
check must fail there (xfail), and one that passes fails the run until it is taken off.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from compile.conftest import PSQL, pg_dump_for, server_major
from inprocess import run_cli
from supabase_like.fixtures import install_supabase_like

HERE = Path(__file__).resolve().parent
EXAMPLES = sorted(p.name for p in HERE.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))

# (example, check) -> (why it fails today, the first server major version it fails on).
# A listed check must fail: one that passes fails the run until it is taken off the list.
GAPS: dict[tuple[str, str], tuple[str, int]] = {}


def check(example: str, name: str, url: str, body) -> None:
    """Run `body()`; for a gap of GAPS on this server, expect it to fail (xfail), and fail
    the test when it passes (the gap closed: take it off the list)."""
    gap = GAPS.get((example, name))
    if gap is None or server_major(url) < gap[1]:
        body()
        return
    try:
        body()
    except AssertionError:
        pytest.xfail(gap[0])
    pytest.fail(f"known gap closed: take ({example!r}, {name!r}) off GAPS")


def sql_files(example: str) -> list[Path]:
    """The example's SQL in the order psql (or `supabase db push`) runs it."""
    root = HERE / example
    return sorted(root.rglob("*.sql"), key=lambda p: p.relative_to(root).as_posix())


# In the test process (tests/inprocess.py): these tests are about what the commands make of
# the examples, not about their processes.
cli = run_cli


def cli_process(*args) -> subprocess.CompletedProcess:
    """A process of its own: another hash seed, for runs that must agree byte for byte."""
    return subprocess.run([sys.executable, "-m", "roseram_schema", *map(str, args)],
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


def run_psql(url: str, files: list[Path]) -> subprocess.CompletedProcess:
    """Every file in one psql session, as `supabase db reset` does: a SET lasts to the end."""
    args = [PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url]
    for path in files:
        args += ["-f", str(path)]
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


def dump(url: str) -> str:
    """`pg_dump --schema-only` of the whole database, grants included (the platform schemas
    are the same on both sides, so only the example's objects can differ)."""
    # the tool's own history schema is the one thing apply adds on purpose
    done = subprocess.run([pg_dump_for(server_major(url)), "--schema-only", "-N", "roseram_schema", "-d", url],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines()
             if not line.startswith(("\\restrict", "\\unrestrict", "-- Dumped"))]
    return "\n".join(_acl_runs_sorted(lines))


def _acl_runs_sorted(lines: list[str]) -> list[str]:
    """pg_dump prints an object's privileges in the order they were granted (a default
    privilege before a GRANT, or after): the same privileges, so each run of GRANT/REVOKE
    lines is compared as a set."""
    out, run = [], []
    for line in lines + [""]:
        if line.startswith(("GRANT ", "REVOKE ")):
            run.append(line)
            continue
        out += sorted(run)
        run = []
        out.append(line)
    return out[:-1]


def _new_supabase_db(server, made: list[str]) -> str:
    name = server.create_database("corpus")
    made.append(name)
    url = server.url(name)
    with psycopg.connect(url, autocommit=True) as conn:
        install_supabase_like(conn)
    return url


@pytest.fixture
def supabase_db(supabase_server):
    """A factory of fresh Supabase-like databases on the Supabase test server."""
    made: list[str] = []
    yield lambda: _new_supabase_db(supabase_server, made)
    for name in made:
        supabase_server.drop_database(name)


@pytest.fixture(scope="module")
def psql_built(supabase_server):
    """A factory: the example loaded by psql into a Supabase-like database, built once per
    example for the module (plan, drift, import and pg_dump only read it)."""
    made: list[str] = []
    built: dict[str, str] = {}

    def build(example: str) -> str:
        if example not in built:
            url = _new_supabase_db(supabase_server, made)
            done = run_psql(url, sql_files(example))
            assert done.returncode == 0, f"psql refused the {example} example:\n{done.stderr}"
            built[example] = url
        return built[example]

    yield build
    for name in made:
        supabase_server.drop_database(name)


def _ok(done: subprocess.CompletedProcess, what: str) -> None:
    assert done.returncode == 0, f"{what} exited {done.returncode}\n{done.stdout}\n{done.stderr}"


@pytest.mark.parametrize("example", EXAMPLES)
def test_psql_loads_the_example(example, psql_built):
    with psycopg.connect(psql_built(example)) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
            " ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p')"
            " AND n.nspname NOT IN ('auth', 'storage', 'pg_catalog', 'information_schema')").fetchone()[0]
    assert tables >= 1


@pytest.mark.parametrize("example", EXAMPLES)
def test_published_sql_compiles(example, tmp_path):
    _ok(cli("compile", "--project", HERE / example, "--out", tmp_path / "out.sql"), "compile")


@pytest.mark.parametrize("example", EXAMPLES)
def test_plan_against_the_psql_built_database_is_empty(example, psql_built, pg_server):
    url = psql_built(example)
    _ok(cli("plan", "--project", HERE / example, "--db", url, "--dev-db", pg_server.base_url), "plan")


@pytest.mark.parametrize("example", EXAMPLES)
def test_applied_into_an_empty_database_it_is_what_psql_built(example, psql_built, supabase_db, pg_server):
    target = supabase_db()
    project = HERE / example
    # published schemas carry lint findings (definer functions, open tables) that gate apply
    _ok(cli("apply", "--project", project, "--db", target, "--dev-db", pg_server.base_url, "--yes",
            "--allow-hazards", "lint_errors,opens_access"), "apply")
    _ok(cli("drift", "--project", project, "--db", target, "--dev-db", pg_server.base_url), "drift")
    assert dump(target) == dump(psql_built(example))


@pytest.mark.parametrize("example", EXAMPLES)
def test_import_gives_a_project_without_drift(example, psql_built, pg_server, tmp_path):
    url = psql_built(example)
    check(example, "import_round_trip", url, lambda: _import_round_trip(url, pg_server, tmp_path))


def _import_round_trip(url: str, pg_server, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    _ok(cli("import", "--db", url, "--out", first, "--dev-db", pg_server.base_url), "import")
    _ok(cli("drift", "--project", first, "--db", url, "--dev-db", pg_server.base_url), "drift")
    _ok(cli_process("import", "--db", url, "--out", second, "--dev-db", pg_server.base_url), "second import")
    files = lambda root: {p.relative_to(root).as_posix(): p.read_bytes()  # noqa: E731
                          for p in sorted(root.rglob("*")) if p.is_file() and ".roseram" not in p.parts}
    assert files(first) == files(second)
