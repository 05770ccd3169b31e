"""The public Python API, and the orchestration layer the CLI commands call.

    import roseram_schema as rs

    project = rs.load_project("path/to/project")
    the_plan = rs.plan(project, "postgresql://...")
    if not the_plan.empty:
        rs.apply(the_plan, "postgresql://...", project=project)

Every function returns a typed result and raises a typed error (roseram_schema.errors,
re-exported here); none prints, prompts or exits: that is the CLI's part (cli/commands/*.py
render these results). Documented in docs/api.md.

Where a function needs a database or a scratch server, the rules are the CLI's
(server/dev.py): `db=None` is $DATABASE_URL, else the project's embedded database;
`dev_db=None` is $ROSERAM_DEV_DB, else the project's embedded server (started on demand),
and outside any project a temporary server removed afterwards.

This module is imported by `roseram_schema/__init__.py` only when one of its names is
used. At its top it imports only what `load_project` and `compile` use; the rest (the
comparison, psycopg, lint and verify, the renderers) is imported in the functions that use it,
because `roseram-schema compile` imports this module and its start-up time matters
(docs/benchmarks.md).
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Union

from .cache import load_project as load_through_cache
from .compile.script import compile_script
from .compile.scripts import script_files_sql
from .errors import (DatabaseError, FingerprintMismatch, HazardBlocked, IsolationFailure, Origin,
                     PlanCycleError, Problem, ProjectNotFound, RoseramError, ServerError, SourceError)
from .server.dev import DevServer, aim, resolve_db_url, scratch_dev_server
from .workflow.context import is_project_dir

if TYPE_CHECKING:  # pragma: no cover - names for annotations only, not imported at run time
    from .apply.executor import ApplyResult
    from .lint.findings import Finding
    from .model import Catalog
    from .plan.model import Plan
    from .render.drift import DriftItem
    from .source import Project
    from .verify.checker import Report

__all__ = [
    # functions
    "load_project", "compile", "plan", "apply", "drift", "verify", "lint",
    # results
    "Project", "CompiledSQL", "Plan", "PlanStatement", "Hazard", "ApplyResult", "DriftReport",
    "DriftItem", "VerifyReport", "Finding",
    # errors
    "RoseramError", "SourceError", "Problem", "Origin", "ProjectNotFound", "DatabaseError",
    "ServerError", "PlanCycleError", "FingerprintMismatch", "HazardBlocked", "IsolationFailure",
    "PlanFormatError",
]

ProjectLike = Union["Project", str, os.PathLike]

# result types defined elsewhere, exported from here (and from the package) on first use
_REEXPORTED = {
    "Project": ("roseram_schema.source", "Project"),
    "Plan": ("roseram_schema.plan.model", "Plan"),
    "PlanStatement": ("roseram_schema.plan.model", "PlanStatement"),
    "Hazard": ("roseram_schema.plan.model", "Hazard"),
    "ApplyResult": ("roseram_schema.apply.executor", "ApplyResult"),
    "DriftItem": ("roseram_schema.render.drift", "DriftItem"),
    "Finding": ("roseram_schema.lint.findings", "Finding"),
    "PlanFormatError": ("roseram_schema.plan.model", "PlanFormatError"),
}


def __getattr__(name: str):
    if name in _REEXPORTED:
        module, attr = _REEXPORTED[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------------------------------
# projects


def _project_dir(project: ProjectLike) -> Path:
    """The folder of a project given as a loaded Project or as a path."""
    root = getattr(project, "root", None)
    if root is not None and hasattr(project, "catalog"):
        return Path(root)
    if not isinstance(project, (str, os.PathLike)):
        raise TypeError(f"expected a Project or the path of a project folder, not {type(project).__name__}")
    path = Path(project).resolve()
    if not path.is_dir():
        raise ProjectNotFound(f"{project}: no such directory")
    if not is_project_dir(path):
        raise ProjectNotFound(f"{project}: not a project (no schema/, policies/, views/ or project.yaml in it)")
    return path


def load_project(path: str | os.PathLike) -> "Project":
    """Read and check a project folder (schema/, policies/, views/, project.yaml).

    Returns a `Project` (`root`, `catalog`, `fingerprint`, `files`, `personas`,
    `contracts`). Raises ProjectNotFound when `path` is not a project folder, SourceError
    listing every problem of the source (each a `Problem` with its `origin`, file:line:column).
    """
    return load_through_cache(_project_dir(path))


def _loaded(project: ProjectLike) -> "Project":
    return project if hasattr(project, "catalog") and hasattr(project, "root") else load_project(project)


# ---------------------------------------------------------------------------------------
# compile


@dataclass(frozen=True)
class CompiledSQL:
    """The idempotent SQL script that builds a project's whole schema on an empty database.

    `text` is the script, `fingerprint` the source fingerprint it was compiled from and
    `stats` object counts (tables, columns, indexes, constraint_indexes, foreign_keys,
    checks, tables_with_rls, policies, views, functions, triggers).
    """

    text: str
    fingerprint: str
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def stats_line(self) -> str:
        """The counts in one line, as `compile --stats` prints them."""
        return format_stats(self.stats)

    def __str__(self) -> str:
        return self.text


def catalog_stats(catalog: "Catalog") -> dict[str, int]:
    """Honest object counts of a catalog (indexes: secondary ones, and the ones that back a
    primary key or unique constraint, counted apart)."""
    tables = catalog.tables
    return {
        "tables": len(tables),
        "columns": sum(len(t.columns) for t in tables),
        "indexes": sum(len(t.indexes) for t in tables),
        "constraint_indexes": sum(len(t.uniques) + (t.primary_key is not None) for t in tables),
        "foreign_keys": sum(len(t.foreign_keys) for t in tables),
        "checks": sum(len(t.checks) for t in tables),
        "tables_with_rls": sum(t.rls_enabled for t in tables),
        "policies": sum(len(t.policies) for t in tables),
        "views": len(catalog.views),
        "functions": len(catalog.functions),
        "triggers": len(catalog.triggers),
    }


def format_stats(stats: dict[str, int]) -> str:
    s = stats
    return (
        f"{s['tables']} tables ({s['tables_with_rls']} with RLS), {s['columns']} columns, "
        f"{s['indexes']} indexes (+{s['constraint_indexes']} backing primary keys/unique "
        f"constraints), {s['foreign_keys']} foreign keys, {s['checks']} checks, "
        f"{s['policies']} policies, {s['views']} views, {s['functions']} functions, "
        f"{s['triggers']} triggers"
    )


def compile(project: ProjectLike) -> CompiledSQL:  # noqa: A001 - the API's name (issue 18)
    """The SQL that builds `project` (a Project or a project folder) on an empty database.

    Needs no database. Raises SourceError (bad source), PlanCycleError (a dependency cycle).
    """
    loaded = _loaded(project)
    text = compile_script(loaded.catalog, loaded.fingerprint) + script_files_sql(loaded.scripts)
    return CompiledSQL(text, loaded.fingerprint, catalog_stats(loaded.catalog))


# ---------------------------------------------------------------------------------------
# plan


def _target(db: str | None, project_dir: Path) -> str:
    if db is not None and not isinstance(db, str):
        raise TypeError(f"db must be a connection URL (str), not {type(db).__name__}")
    return resolve_db_url(db, project_dir)


def _dev(dev_db: str | None, project_dir: Path):
    return DevServer(dev_db, project_dir)


def plan(project: ProjectLike, db: str | None = None, *, dev_db: str | None = None,
         online: bool = False) -> "Plan":
    """The plan that brings database `db` to `project`'s source; the database is only read.

    Returns a `Plan`: `statements` (each a PlanStatement: sql, change, obj, summary,
    hazards, transactional, origin), `from_fingerprint`, `to_fingerprint`, `empty`,
    `to_sql()`, `to_json()`. `online` builds indexes CONCURRENTLY even on empty tables.
    The source files are read from the project's folder (cached when unchanged).
    Raises SourceError, DatabaseError, ServerError.
    """
    root = _project_dir(project)
    return plan_in(root, _target(db, root), _dev(dev_db, root), online=online)


def plan_in(project_dir: Path, db_url: str, dev, *, online: bool = False, prefetched=None) -> "Plan":
    """plan() on a resolved folder, target URL and dev server (a URL or a
    server.dev.DevServer); `prefetched`: what cache.nochange.quick_check read (cli/entry.py)."""
    # lazy: `compile` loads none of this (module doc)
    from .workflow.compare import compare_live

    comparison = compare_live(project_dir, db_url, dev, prefetched=prefetched)
    # only the plan is returned: the project and the catalogs, the bulk of the memory,
    # are freed with the comparison before the caller renders it
    return comparison.plan(online=online)


# ---------------------------------------------------------------------------------------
# apply


def _hazard_names(allow_hazards: str | Iterable[str]) -> tuple[str, ...]:
    names = allow_hazards.split(",") if isinstance(allow_hazards, str) else allow_hazards
    return tuple(sorted({n.strip() for n in names if n and n.strip()}))


def apply(plan_or_project, db: str | None = None, *, project: ProjectLike | None = None,
          dev_db: str | None = None, allow_hazards: str | Iterable[str] = (),
          lock_timeout: str = "5s", statement_timeout: str = "5min", index_timeout: str = "0",
          online: bool = False, verify: bool = False,
          progress: Callable[[int, int, object], None] | None = None) -> "ApplyResult":
    """Bring database `db` to the source: no prompt, nothing printed.

    `plan_or_project` is a Project (or project folder): the plan is made under the apply
    lock, like `apply --yes`; or a Plan (from plan(), or Plan.from_json), applied exactly,
    like `apply --plan FILE`, which then needs `project=`, the project it was made from.
    Under the apply lock (one apply at a time per database) the platform stand-in is
    installed and the target read again: a database that already is what the plan leads
    to gets nothing ("already applied"); one that is neither the plan's "from" nor its
    "to" raises FingerprintMismatch. `progress(done, total, statement)` is called after
    each statement. Returns an ApplyResult: `status` ("applied", "already applied",
    "no changes"), `applied`, `statements_run`, `history_id`, `plan` (what ran).
    `verify`: first prove the project's contracts on its desired state, as verify() does,
    before the target is touched (`apply --verify`).
    Raises HazardBlocked (a blocking hazard, lint_errors included, not in `allow_hazards`;
    nothing applied), IsolationFailure (with `verify`: a contract fails; nothing applied),
    FingerprintMismatch, DatabaseError, SourceError.
    """
    # lazy: `compile` loads none of this (module doc)
    from .plan.model import Plan

    if isinstance(plan_or_project, Plan):
        if project is None:
            raise TypeError("apply(plan, db) needs project=: the project the plan was made from "
                            "(its lint findings and scope are checked under the lock)")
        root, saved = _project_dir(project), plan_or_project
    else:
        if project is not None:
            raise TypeError("project= is for applying a Plan; pass the project first instead")
        root, saved = _project_dir(plan_or_project), None
    return apply_in(root, _target(db, root), _dev(dev_db, root), saved=saved,
                    allow_hazards=_hazard_names(allow_hazards), lock_timeout=lock_timeout,
                    statement_timeout=statement_timeout, index_timeout=index_timeout, online=online,
                    verify=verify, progress_for=(lambda _plan: progress) if progress is not None else None)


def apply_in(project_dir: Path, db_url: str, dev, *, saved: "Plan | None" = None,
             allow_hazards: tuple[str, ...] = (), lock_timeout: str = "5s",
             statement_timeout: str = "5min", index_timeout: str = "0", online: bool = False,
             before: Callable[["Plan"], None] | None = None,
             progress_for: Callable[["Plan"], object] | None = None,
             lock_wait: str | None = None, verify: bool = False) -> "ApplyResult":
    """apply() on a resolved folder, target URL and dev server: what `apply` does once it
    holds the apply lock, shared by the CLI and the API.

    The plan is decided under the lock (_plan_under_lock); `before(plan)`, when the plan is
    not empty, is called before the hazards are checked (the CLI shows the plan there, or
    compares it with the one it showed, and may raise); `progress_for(plan)` gives the
    progress callback. Statuses: "already applied" (the database is the saved plan's "to";
    `plan` None), "no changes" (an empty plan), "applied". `lock_wait`: see apply_lock
    (a fleet gives up on a database another apply holds; one apply waits for it).
    `verify`: run the project's verify on the desired state first, before the lock is
    taken; IsolationFailure when a contract fails (workflow/gates.py).
    """
    # lazy: `compile` loads none of this (module doc)
    from .apply.executor import ApplyResult, apply_checked, apply_lock, check_hazards

    # the target's server may stand in for an embedded dev server without an extension
    dev = aim(dev, db_url)
    if verify:
        # lazy: `compile` loads none of this (module doc)
        from .workflow.gates import verify_before_apply

        verify_before_apply(project_dir, dev)

    with apply_lock(db_url, wait=lock_wait) as conn:
        plan_, lint_errors = _plan_under_lock(project_dir, db_url, dev, saved, online)
        if plan_ is None:
            return ApplyResult("already applied")
        if plan_.empty:
            return ApplyResult("no changes", plan=plan_)
        if before is not None:
            before(plan_)
        check_hazards(plan_, allow_hazards, lint_errors)
        result = apply_checked(
            conn,
            plan_,
            lock_timeout=lock_timeout,
            statement_timeout=statement_timeout,
            index_timeout=index_timeout,
            progress=progress_for(plan_) if progress_for is not None else None,
        )
    return replace(result, plan=plan_)


def fresh_plan(project_dir: Path, db_url: str, dev, online: bool):
    """(plan, lint_errors): the plan from the source to the database as it is, read only,
    and the source's lint_errors (see _lint_errors)."""
    # lazy: `compile` loads none of this (module doc)
    from .workflow.compare import compare_live

    comparison = compare_live(project_dir, db_url, dev)
    plan_ = comparison.plan(online=online)
    return plan_, _lint_errors(comparison, plan_)


def _lint_errors(comparison, plan_) -> tuple:
    """The source's error-severity lint findings as lint_errors hazards (they block apply
    like a blocking hazard); only checked when there is something to apply."""
    # lazy: `compile` loads none of this (module doc)
    from .workflow.gates import lint_error_hazards

    return () if plan_ is None or plan_.empty else lint_error_hazards(comparison.project, comparison.desired)


def _plan_under_lock(project_dir: Path, db_url: str, dev, saved, online: bool):
    """(plan, lint_errors): the plan to run, decided while this process holds the apply
    lock: the platform stand-in installed, the target read again. Without a saved plan, a
    plan made now; with one, that plan (None when the database already is where it leads:
    its "to", also once printer-only text differences are settled), or FingerprintMismatch
    when the database is neither its "from" nor its "to". lint_errors: see _lint_errors."""
    # lazy: `compile` loads none of this (module doc)
    from .plan.fingerprint import managed_fingerprint
    from .workflow.compare import compare_live

    comparison = compare_live(project_dir, db_url, dev, ensure_platform=True)
    if saved is None:
        plan_ = comparison.plan(online=online)
        return plan_, _lint_errors(comparison, plan_)
    now = managed_fingerprint(comparison.live)
    settled = now if comparison.settled is comparison.live else managed_fingerprint(comparison.settled)
    if saved.to_fingerprint in (now, settled):
        return None, ()
    if saved.from_fingerprint not in (now, comparison.pre_platform_fingerprint):
        raise FingerprintMismatch(
            "the database changed since the plan was made (its fingerprint is "
            f"{now[:12]}, the plan expects {saved.from_fingerprint[:12]}): make a new plan")
    # planned on the bare database: the stand-in just installed is expected
    plan_ = replace(saved, from_fingerprint=now)
    return plan_, _lint_errors(comparison, plan_)


# ---------------------------------------------------------------------------------------
# drift


@dataclass(frozen=True)
class DriftReport:
    """Whether database and source differ, object by object.

    `items`: one DriftItem per drifted object (`object`, `kind`, `summary`, `source`,
    `database`: what each side has, `origin`: where the source declares it); `clean` is
    True when there are none. `render(fmt)` gives the `drift` command's report (text,
    json, markdown, github).
    """

    items: tuple["DriftItem", ...] = ()
    # the source's data statements, which the schema model does not hold (README, "SQL files")
    notes: tuple[str, ...] = ()
    # (kind, name) of live objects the model does not know: reported, not drift
    unmanaged: tuple[tuple[str, str], ...] = ()

    @property
    def clean(self) -> bool:
        """True when the database matches the source."""
        return not self.items

    def render(self, fmt: str = "text") -> str:
        """The report in one of the `drift --format` formats."""
        # lazy: `compile` loads none of this (module doc)
        from .render.drift import render_drift_items

        return render_drift_items(self.items, fmt, self.unmanaged)


def drift(project: ProjectLike, db: str | None = None, *, dev_db: str | None = None) -> DriftReport:
    """Compare database `db` with `project`'s source (read only); see DriftReport.

    Raises SourceError, DatabaseError, ServerError. Drift is a result, not an error.
    """
    root = _project_dir(project)
    return drift_in(root, _target(db, root), _dev(dev_db, root))


def drift_in(project_dir: Path, db_url: str, dev, *, prefetched=None) -> DriftReport:
    """drift() on a resolved folder, target URL and dev server (see plan_in)."""
    # lazy: `compile` loads none of this (module doc)
    from .workflow.compare import compare_live
    from .render.drift import drift_items

    comparison = compare_live(project_dir, db_url, dev, prefetched=prefetched)
    invalid = invalid_indexes(db_url, comparison.changes)
    return DriftReport(drift_items(comparison.changes, comparison.origin_of, invalid), comparison.notes,
                       comparison.unmanaged)


def invalid_indexes(db_url: str, changes) -> frozenset[str]:
    """Keys ("schema.name") of the indexes the diff finds missing that the database has,
    INVALID (left by a failed CREATE INDEX CONCURRENTLY)."""
    # lazy: `compile` loads none of this (module doc)
    from .diff.changes import CreateIndex

    keys = sorted({c.key for c in changes if isinstance(c, CreateIndex)})
    if not keys:
        return frozenset()
    # lazy: `compile` loads none of this (module doc)
    import psycopg

    try:
        with psycopg.connect(db_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT n.nspname || '.' || c.relname FROM pg_catalog.pg_index i"
                " JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid"
                " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                " WHERE NOT i.indisvalid AND n.nspname || '.' || c.relname = ANY (%s)",
                (keys,),
            ).fetchall()
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot read the indexes of the target database: {exc}") from exc
    return frozenset(r[0] for r in rows)


# ---------------------------------------------------------------------------------------
# verify and lint


@dataclass(frozen=True)
class VerifyReport:
    """What the isolation checker observed and concluded.

    `passed`: every persona x table x command cell holds its contract and no finding has
    error severity; `failures`: the cells that do not (LEAK, BLOCKED or ERROR; each with
    `table`, `persona`, `command`, `verdict`, `details`); `findings`: lint-like findings
    (Finding); `summary`: counts (probes, passed, failed, leaks, blocked, errors, findings,
    error_findings, ok, seconds); `contract`: with infer=True, the observed access matrix
    as policies-file `contract:` YAML; `report`: the checker's full Report.
    """

    report: "Report"
    contract: str | None = None

    @property
    def passed(self) -> bool:
        return self.report.ok

    @property
    def failures(self) -> tuple:
        return tuple(c for c in self.report.cells if c.failed)

    @property
    def findings(self) -> tuple["Finding", ...]:
        return tuple(self.report.findings)

    @property
    def summary(self) -> dict:
        # lazy: `compile` loads none of this (module doc)
        from .verify.render import summary_dict

        return summary_dict(self.report)

    def render(self, fmt: str = "json") -> str:
        """The `verify --format` report: json or markdown."""
        # lazy: `compile` loads none of this (module doc)
        from .verify import render as verify_render

        if fmt == "json":
            return verify_render.to_json(self.report)
        if fmt in ("markdown", "md"):
            return verify_render.to_markdown(self.report)
        raise ValueError(f"unknown verify format {fmt!r}: use json or markdown")


def verify(project: ProjectLike | None = None, db: str | None = None, *, dev_db: str | None = None,
           infer: bool = False) -> VerifyReport:
    """Prove, per persona, table and command, that RLS lets through exactly the contract.

    The schema (of the source, or of database `db`, only read, when given) is built in a
    scratch database on the dev server and probed there; the scratch database is dropped
    afterwards. Without a project, `db` is observed with the default personas and no
    contract. A failing contract is a result (`passed` False), not an error. Raises
    SourceError, DatabaseError, ServerError.
    """
    # lazy: `compile` loads none of this (module doc)
    from .workflow.verify import verify_project

    root = _project_dir(project) if project is not None else None
    if root is None and not db:
        raise TypeError("verify needs a project or a database (db=)")
    if root is not None:
        report = verify_project(root, db, DevServer(dev_db, root))
    else:
        with scratch_dev_server(dev_db) as dev:
            report = verify_project(None, db, dev)
    contract = None
    if infer:
        # lazy: `compile` loads none of this (module doc)
        from .verify.infer import infer_contracts

        contract = infer_contracts(report)
    return VerifyReport(report, contract)


def _is_db_url(value) -> bool:
    """A connection URL or conninfo string ("host=... dbname=..."), not a project folder."""
    if not isinstance(value, str) or os.path.isdir(value):
        return False
    return value.startswith(("postgres://", "postgresql://")) or "=" in value


def lint(project_or_db: ProjectLike | str | None = None, *, db: str | None = None) -> list["Finding"]:
    """Static checks: of a project's source, or of a live database's schema (a URL, or
    `db=`, only read; judged against the project's contracts when a project is given too).

    Returns the findings (Finding: `id`, `severity` error|warning|info, `location`,
    `message`, `hint`), sorted as the `lint` command prints them. Raises SourceError,
    DatabaseError.
    """
    # lazy: `compile` loads none of this (module doc)
    from .workflow.lint import lint_project

    if _is_db_url(project_or_db):
        if db is not None:
            raise TypeError("lint: give the database once (a URL first, or db=)")
        project_or_db, db = None, project_or_db
    root = _project_dir(project_or_db) if project_or_db is not None else None
    if root is None and not db:
        raise TypeError("lint needs a project or a database URL")
    return list(lint_project(root, db))
