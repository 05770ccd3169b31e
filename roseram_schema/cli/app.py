"""The `roseram-schema` command line: the only place that turns errors into messages and
exit codes (0 ok/no change, 1 error, 2 changes pending or drift, 3 blocked by a hazard,
4 isolation failure).

A command's modules are imported when it runs (commands/ through _runner; fleet and
migrate where they are called): `--help` and `drift` must not pay for modules they do not
use (psycopg alone is a noticeable part of process start; docs/benchmarks.md).
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from ..errors import EXIT_ERROR, NotYetImplemented, RoseramError, ServerError
from ..schemas import KINDS, path_of
from ..server.dev import DevServer, embedded_server, resolve_db_url, resolve_dev_url, scratch_dev_server
from ..version import __version__
from ..workflow.context import find_project, resolve_project

app = typer.Typer(
    name="roseram-schema",
    help="Declarative PostgreSQL/Supabase schemas: compile, plan, apply, drift, verify RLS.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, pwsh
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},  # inherited by every command
)
db_app = typer.Typer(help="Manage the embedded default database (data in <project>/.roseram/).",
                     no_args_is_help=True)
app.add_typer(db_app, name="db")

ProjectOpt = typer.Option(None, "--project", "-p", help="Folder holding schema/, policies/, views/.",
                          show_default="the current directory, when it is a project")
DbOpt = typer.Option(None, "--db", help="Target database URL.",
                     show_default="$DATABASE_URL, else the embedded default database")
DevDbOpt = typer.Option(None, "--dev-db", help="Server for scratch databases (desired state).",
                        show_default="$ROSERAM_DEV_DB, else the embedded server")

TargetsOpt = typer.Option(None, "--targets", help="Run on every database of this targets file (fleet.yaml).")
OnlyOpt = typer.Option(None, "--only", help="With --targets: only the targets of this label, group or name.")
ParallelOpt = typer.Option(4, "--parallel", help="With --targets: databases handled at once.")

# Which issue brings each command, for the one-line "not implemented yet" message.
_ISSUE_OF = {"compile": 3, "plan": 4, "apply": 4, "drift": 4, "verify": 6, "lint": 6}


class PlanFormat(str, Enum):
    text = "text"
    sql = "sql"
    json = "json"
    markdown = "markdown"


class DriftFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"
    github = "github"


class VerifyFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class SchemaKind(str, Enum):
    project = "project"
    table = "table"
    policies = "policies"
    view_header = "view-header"


class LintFormat(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"


def _runner(command: str):
    """The `run_<command>` function of roseram_schema.cli.commands.<command>, or a clear refusal."""
    try:
        module = importlib.import_module(f"roseram_schema.cli.commands.{command}")
        return getattr(module, f"run_{command}")
    except (ModuleNotFoundError, AttributeError) as exc:
        if isinstance(exc, ModuleNotFoundError) and exc.name != f"roseram_schema.cli.commands.{command}":
            raise
        issue = _ISSUE_OF.get(command)
        where = f"issue {issue}" if issue else "no issue filed yet"
        raise NotYetImplemented(f"`{command}` is not implemented yet ({where})") from None


def _project(project: Optional[Path], also: str = "") -> Path:
    return resolve_project(project, also)


# what lint and verify say, besides --project, when run outside a project without --db
_OR_DB = "; or pass --db URL to check a live database alone"


def _alone_note() -> None:
    """Say on stderr that a database is checked with no project's contracts."""
    print("note: no project here: checking the database alone (default personas, no contracts)",
          file=sys.stderr)


def _fleet(targets: Optional[Path], db: Optional[str], only: Optional[str], **single_only) -> bool:
    """True when the command runs over a targets file; refuses options of one database."""
    if targets is None:
        if only is not None:
            raise RoseramError("--only selects among the targets of --targets FILE: pass --targets too")
        return False
    given = ["--db"] * (db is not None) + [f"--{k}" for k, v in single_only.items() if v not in (None, False)]
    if given:
        raise RoseramError(f"{', '.join(given)} cannot be used with --targets (each target names its database)")
    return True


def _finish(code: int) -> None:
    raise typer.Exit(code)


def _print_version(value: bool) -> None:
    if value:
        print(f"roseram-schema {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main_options(
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                 help="Print the version and exit."),
):
    """Declarative PostgreSQL/Supabase schemas: compile, plan, apply, drift, verify RLS."""


@app.command("compile")
def compile_cmd(
    project: Optional[Path] = ProjectOpt,
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the SQL here instead of stdout."),
    stats: bool = typer.Option(False, "--stats", help="Print object counts to stderr."),
):
    """Print the idempotent SQL that builds the whole schema on an empty database."""
    project_dir = _project(project)
    _finish(_runner("compile")(project_dir=project_dir, out=out, stats=stats))


@app.command("plan")
def plan_cmd(
    project: Optional[Path] = ProjectOpt,
    db: Optional[str] = DbOpt,
    dev_db: Optional[str] = DevDbOpt,
    fmt: PlanFormat = typer.Option(PlanFormat.text, "--format", "-f", help="Output format (on stdout)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Save the plan (JSON) to this file."),
    online: bool = typer.Option(False, "--online", help="Build indexes CONCURRENTLY even on empty tables."),
    targets: Optional[Path] = TargetsOpt,
    only: Optional[str] = OnlyOpt,
    parallel: int = ParallelOpt,
):
    """Dry run: the changes the database needs. Exit 0 when none, 2 when some."""
    project_dir = _project(project)
    if _fleet(targets, db, only, out=out):
        # lazy: a fleet's modules (the comparison, psycopg) are not every command's start-up
        from ..fleet.run import run_fleet_plan

        _finish(run_fleet_plan(project_dir, targets, DevServer(dev_db, project_dir), fmt.value, only,
                               parallel, online))
    # the dev server is resolved (the embedded one started) only if a scratch DB is needed
    _finish(_runner("plan")(
        project_dir=project_dir, db_url=resolve_db_url(db, project_dir),
        dev_url=DevServer(dev_db, project_dir), fmt=fmt.value, out=out, online=online,
    ))


@app.command("apply")
def apply_cmd(
    project: Optional[Path] = ProjectOpt,
    db: Optional[str] = DbOpt,
    dev_db: Optional[str] = DevDbOpt,
    plan_file: Optional[Path] = typer.Option(None, "--plan", help="Apply exactly this saved plan."),
    allow_hazards: str = typer.Option("", "--allow-hazards", help="Comma-separated hazard names to allow."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    lock_timeout: str = typer.Option("5s", "--lock-timeout",
                                     help="lock_timeout of each statement (waiting for a lock)."),
    statement_timeout: str = typer.Option("5min", "--statement-timeout", help="For each transactional statement."),
    online: bool = typer.Option(False, "--online", help="Build indexes CONCURRENTLY even on empty tables."),
    index_timeout: str = typer.Option("0", "--index-timeout",
                                      help="For each CREATE INDEX CONCURRENTLY (0: none)."),
    targets: Optional[Path] = TargetsOpt,
    only: Optional[str] = OnlyOpt,
    parallel: int = ParallelOpt,
    canary: int = typer.Option(0, "--canary", help="With --targets: apply to the first N targets first."),
    keep_going: bool = typer.Option(False, "--keep-going", help="With --targets: go on past a failed target."),
    lock_wait: str = typer.Option("30s", "--lock-wait",
                                  help="With --targets: wait this long for another apply's lock."),
    fmt: DriftFormat = typer.Option(DriftFormat.text, "--format", "-f", help="With --targets: the summary's format."),
    verify: bool = typer.Option(False, "--verify",
                                help="First prove the contracts on the desired state (as `verify`); exit 4 if one fails."),
):
    """Bring the database to the source: one transaction, advisory lock, history row."""
    project_dir = _project(project)
    hazards = tuple(sorted(h.strip() for h in allow_hazards.split(",") if h.strip()))
    if _fleet(targets, db, only, plan=plan_file):
        # lazy: a fleet's modules (the comparison, psycopg) are not every command's start-up
        from ..fleet.apply import ApplyOptions, run_fleet_apply

        options = ApplyOptions(hazards, lock_timeout, statement_timeout, index_timeout, online, lock_wait)
        _finish(run_fleet_apply(project_dir, targets, DevServer(dev_db, project_dir), only=only, fmt=fmt.value,
                                yes=yes, canary=canary, parallel=parallel, keep_going=keep_going, options=options,
                                verify=verify))
    if fmt is not DriftFormat.text:
        raise RoseramError("apply --format is for a fleet's summary: pass --targets FILE, or drop --format")
    _finish(_runner("apply")(
        project_dir=project_dir, db_url=resolve_db_url(db, project_dir),
        dev_url=DevServer(dev_db, project_dir), plan_file=plan_file,
        allow_hazards=hazards, yes=yes, lock_timeout=lock_timeout,
        statement_timeout=statement_timeout, online=online, index_timeout=index_timeout, verify=verify,
    ))


@app.command("drift")
def drift_cmd(
    project: Optional[Path] = ProjectOpt,
    db: Optional[str] = DbOpt,
    dev_db: Optional[str] = DevDbOpt,
    fmt: DriftFormat = typer.Option(DriftFormat.text, "--format", "-f", help="Report format (github: annotations)."),
    targets: Optional[Path] = TargetsOpt,
    only: Optional[str] = OnlyOpt,
    parallel: int = ParallelOpt,
):
    """For CI: exit 0 when the database matches the source, 2 when it drifted."""
    project_dir = _project(project)
    if _fleet(targets, db, only):
        # lazy: a fleet's modules (the comparison, psycopg) are not every command's start-up
        from ..fleet.run import run_fleet_drift

        _finish(run_fleet_drift(project_dir, targets, DevServer(dev_db, project_dir), fmt.value, only, parallel))
    _finish(_runner("drift")(
        project_dir=project_dir, db_url=resolve_db_url(db, project_dir),
        dev_url=DevServer(dev_db, project_dir), fmt=fmt.value,
    ))


@app.command("verify")
def verify_cmd(
    project: Optional[Path] = ProjectOpt,
    db: Optional[str] = typer.Option(None, "--db", help="Check the schema of this database (read only) instead of the source."),
    dev_db: Optional[str] = DevDbOpt,
    fmt: VerifyFormat = typer.Option(VerifyFormat.text, "--format", "-f", help="Report format (json, markdown: on stdout)."),
    infer: bool = typer.Option(False, "--infer", help="Print the observed access matrix as a contract."),
    emit_pgtap: Optional[Path] = typer.Option(None, "--emit-pgtap", help="Write equivalent pgTAP tests here."),
    targets: Optional[Path] = TargetsOpt,
    only: Optional[str] = OnlyOpt,
    parallel: int = ParallelOpt,
):
    """Prove, per persona, table and command, that RLS lets through exactly the contract."""
    if _fleet(targets, db, only, infer=infer, **{"emit-pgtap": emit_pgtap}):
        # lazy: a fleet's modules (the comparison, psycopg) are not every command's start-up
        from ..fleet.verify import run_fleet_verify

        project_dir = _project(project)
        _finish(run_fleet_verify(project_dir, targets, resolve_dev_url(dev_db, project_dir), fmt.value, only,
                                 parallel))

    # with --db the database alone is enough: outside a project it is observed, not judged
    project_dir = find_project(project) if db else _project(project, _OR_DB)
    if project_dir is None:
        _alone_note()
        with scratch_dev_server(dev_db) as dev:
            code = _runner("verify")(project_dir=None, db_url=db, dev_url=dev, fmt=fmt.value,
                                     infer=infer, emit_pgtap=emit_pgtap)
        _finish(code)
    _finish(_runner("verify")(
        project_dir=project_dir, db_url=db, dev_url=DevServer(dev_db, project_dir),
        fmt=fmt.value, infer=infer, emit_pgtap=emit_pgtap,
    ))


@app.command("lint")
def lint_cmd(
    project: Optional[Path] = ProjectOpt,
    db: Optional[str] = typer.Option(None, "--db", help="Also lint this live database."),
    fmt: LintFormat = typer.Option(LintFormat.text, "--format", "-f", help="Report format (json, sarif: on stdout)."),
):
    """Static checks of the source (and a live database with --db). Exit 4 on an error finding."""
    # with --db the live catalog is linted; a project, when there is one, adds its contracts
    project_dir = find_project(project) if db else _project(project, _OR_DB)
    if project_dir is None:
        _alone_note()
    _finish(_runner("lint")(project_dir=project_dir, db_url=db, fmt=fmt.value))


@app.command("import")
def import_cmd(
    db: Optional[str] = typer.Option(None, "--db", help="The database to read.", show_default="$DATABASE_URL"),
    out: Path = typer.Option(..., "--out", "-o", help="Project folder to write (empty or new)."),
    schema: Optional[list[str]] = typer.Option(None, "--schema", "-s",
                                               help="Import this schema (repeat for more).",
                                               show_default="every schema but system and platform ones"),
    contract: bool = typer.Option(False, "--contract", help="Write each table's observed access (verify --infer)."),
    dev_db: Optional[str] = typer.Option(None, "--dev-db", help="Server for the scratch database of --contract.",
                                         show_default="$ROSERAM_DEV_DB, else a temporary embedded server"),
    force: bool = typer.Option(False, "--force", help="Write into a folder that is not empty."),
):
    """Write the schema of a live database as a project (YAML and SQL source files)."""
    _finish(_runner("import")(db_url=db, out=out, schemas=schema or None, force=force,
                              contract=contract, dev_db=dev_db))


@app.command("schema-json")
def schema_json_cmd(
    kind: Optional[SchemaKind] = typer.Argument(
        None, help="Which file kind; none: list the kinds, their installed files and what they describe."),
    path: bool = typer.Option(False, "--path", help="Print the installed file's path, not its JSON."),
):
    """Print the JSON Schema of a kind of YAML file (for editors: see README, Editor support)."""
    if kind is None:
        for name, (_, what) in KINDS.items():
            print(f"{name}\t{path_of(name)}\t{what}")
        _finish(0)
    if path:
        print(path_of(kind.value))
    else:
        sys.stdout.write(path_of(kind.value).read_text(encoding="utf-8"))
    _finish(0)


migrate_app = typer.Typer(help="Versioned migration files written from the source (README: Versioned migrations).",
                          no_args_is_help=True)
app.add_typer(migrate_app, name="migrate")
MigrateDirOpt = typer.Option(None, "--dir", help="The migration folder.",
                             show_default="supabase/migrations/ when the project has supabase/, else migrations/")


class MigrateCheckFormat(str, Enum):
    text = "text"
    markdown = "markdown"


@migrate_app.command("diff")
def migrate_diff_cmd(
    name: str = typer.Argument(..., help="What the migration does (goes into its file name)."),
    project: Optional[Path] = ProjectOpt,
    dev_db: Optional[str] = DevDbOpt,
    folder: Optional[Path] = MigrateDirOpt,
):
    """Write what the migration folder lacks to reach the source as the next file."""
    # lazy: migrate's modules (psycopg, pglast) are not every command's start-up
    from ..migrate.commands import run_diff

    project_dir = _project(project)
    _finish(run_diff(project_dir, DevServer(dev_db, project_dir), name, folder))


@migrate_app.command("check")
def migrate_check_cmd(
    project: Optional[Path] = ProjectOpt,
    dev_db: Optional[str] = DevDbOpt,
    folder: Optional[Path] = MigrateDirOpt,
    fmt: MigrateCheckFormat = typer.Option(MigrateCheckFormat.text, "--format", "-f",
                                           help="markdown: the pull request report, on stdout."),
    since: Optional[str] = typer.Option(None, "--since", help="Report only files newer than this version."),
):
    """For CI: manifest valid, replay clean, result = source. Exit 2 with the missing SQL."""
    # lazy: migrate's modules (psycopg, pglast) are not every command's start-up
    from ..migrate.commands import run_check

    project_dir = _project(project)
    _finish(run_check(project_dir, DevServer(dev_db, project_dir), folder, fmt.value, since))


@migrate_app.command("hash")
def migrate_hash_cmd(
    project: Optional[Path] = ProjectOpt,
    folder: Optional[Path] = MigrateDirOpt,
):
    """Rewrite roseram.sum from the files as they are (after a deliberate hand edit)."""
    # lazy: migrate's modules (psycopg, pglast) are not every command's start-up
    from ..migrate.commands import run_hash

    _finish(run_hash(_project(project), folder))


@migrate_app.command("apply")
def migrate_apply_cmd(
    project: Optional[Path] = ProjectOpt,
    db: Optional[str] = DbOpt,
    folder: Optional[Path] = MigrateDirOpt,
    lock_timeout: str = typer.Option("5s", "--lock-timeout", help="lock_timeout of each file's transaction."),
    statement_timeout: str = typer.Option("5min", "--statement-timeout", help="For each file's transaction."),
):
    """Apply the pending migration files in order, each in its own transaction."""
    # lazy: migrate's modules (psycopg, pglast) are not every command's start-up
    from ..migrate.commands import run_migrate_apply

    project_dir = _project(project)
    _finish(run_migrate_apply(project_dir, resolve_db_url(db, project_dir), folder,
                              lock_timeout=lock_timeout, statement_timeout=statement_timeout))


@migrate_app.command("status")
def migrate_status_cmd(
    project: Optional[Path] = ProjectOpt,
    db: Optional[str] = DbOpt,
    folder: Optional[Path] = MigrateDirOpt,
):
    """List the migration files: applied, pending, changed. Exit 2 unless all are applied."""
    # lazy: migrate's modules (psycopg, pglast) are not every command's start-up
    from ..migrate.commands import run_status

    project_dir = _project(project)
    _finish(run_status(project_dir, resolve_db_url(db, project_dir), folder))


def _server(project: Optional[Path]):
    return embedded_server(_project(project))


@db_app.command("status")
def db_status(project: Optional[Path] = ProjectOpt):
    """Say whether the embedded database runs, and where its data is."""
    st = _server(project).status()
    print(f"{st.message}; data: {st.data_dir}" + (f"; url: {st.url}" if st.url else ""))
    _finish(0)


@db_app.command("start")
def db_start(project: Optional[Path] = ProjectOpt):
    """Start the embedded database (initialising it on first use)."""
    print(_server(project).start())
    _finish(0)


@db_app.command("stop")
def db_stop(project: Optional[Path] = ProjectOpt):
    """Stop the embedded database."""
    stopped = _server(project).stop()
    print("stopped" if stopped else "not running", file=sys.stderr)
    _finish(0)


@db_app.command("url")
def db_url(project: Optional[Path] = ProjectOpt, dbname: str = typer.Option("postgres", "--dbname",
                                                                     help="Database name in the URL.")):
    """Print a URL of the embedded database that psql accepts (starts it if needed)."""
    print(_server(project).start().replace("/postgres?", f"/{dbname}?"))
    _finish(0)


@db_app.command("reset")
def db_reset(
    project: Optional[Path] = ProjectOpt,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
):
    """Stop the embedded database and delete all its data."""
    server = _server(project)
    if not yes:
        if not sys.stdin.isatty():
            raise RoseramError("db reset deletes every row of the embedded database; pass --yes")
        try:
            where = server.data_dir
        except ServerError:  # a server.json naming a folder that is not ours: not deleted
            where = server.root / "data"
        typer.confirm(f"Delete all data in {where}?", abort=True)
    server.reset()
    print("reset", file=sys.stderr)
    _finish(0)


def _report(exc: BaseException) -> int:
    """Print an error to stderr and return its exit code. Messages are printed as plain
    text (no rich markup): SQL such as ARRAY['a'] must come out as written."""
    # lazy: rich only when there is an error to print
    from rich.console import Console
    from rich.text import Text

    err = Console(stderr=True, highlight=False, soft_wrap=True)

    def say(label: str, message: str) -> None:
        err.print(Text.assemble((label, "bold red"), message) if label else Text(message))

    if isinstance(exc, NotYetImplemented):
        say("", str(exc))
        return exc.exit_code
    if isinstance(exc, RoseramError):
        say("error: ", str(exc))
        return exc.exit_code
    # lazy: psycopg only to name an error that is not ours
    import psycopg

    if isinstance(exc, psycopg.OperationalError):
        say("error: ", f"cannot connect to the database: {exc}".rstrip())
        return EXIT_ERROR
    if isinstance(exc, psycopg.Error):
        say("error: ", f"database error: {exc}".rstrip())
        return EXIT_ERROR
    say("internal error: ", f"{type(exc).__name__}: {exc}")
    if os.environ.get("ROSERAM_DEBUG"):
        traceback.print_exception(exc)
    return EXIT_ERROR


def exit_code_of(exc: BaseException) -> int:
    """The exit code a command ending with `exc` exits with (errors are reported here)."""
    if isinstance(exc, typer.Exit):
        return exc.exit_code
    if isinstance(exc, (typer.Abort, KeyboardInterrupt)):
        print("aborted", file=sys.stderr)
        return EXIT_ERROR
    if callable(getattr(exc, "show", None)) and not isinstance(exc, RoseramError):
        # a usage error from typer's bundled click: it prints itself; exit 1, because
        # 2 means "changes pending" here, not "bad usage" as in click
        exc.show()
        return EXIT_ERROR
    if isinstance(exc, Exception):
        return _report(exc)
    raise exc  # SystemExit and the like are not ours to translate


def main(argv: list[str] | None = None) -> int:
    """The typer CLI (entry.main answers plain `plan`/`drift` before coming here); returns
    (and exits with) the command's exit code."""
    try:
        # Outside standalone mode click hands a typer.Exit's code back as the return value.
        result = app(args=argv, standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except BaseException as exc:  # noqa: BLE001 - the one place errors become exit codes
        code = exit_code_of(exc)
    sys.exit(code)


if __name__ == "__main__":
    main()
