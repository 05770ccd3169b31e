"""`roseram-schema lint`: static checks of the source, or of a live database with --db."""

from __future__ import annotations

import sys
from pathlib import Path

from ...errors import EXIT_ISOLATION, EXIT_OK, DatabaseError


def lint_project(project_dir: Path | None, db_url: str | None = None):
    """Findings for the project's source, or for the live database when `db_url` is given
    (judged against the project's contracts when the project has any; outside a project,
    `project_dir` None, against the default personas and no contract)."""
    from ...lint.rules import lint_catalog
    from ...cache import load_project
    from ...verify.anchors import derive_anchors
    from .verify import load_spec

    if project_dir is None and db_url is None:
        raise ValueError("lint needs a project or a database")
    project = None
    if project_dir is not None and (db_url is None or _has_source(project_dir)):
        project = load_project(Path(project_dir))
    spec = load_spec(project)
    if db_url:
        import psycopg

        from ...introspect import inspect_catalog

        try:
            with psycopg.connect(db_url) as conn:
                conn.execute("SET TRANSACTION READ ONLY")
                catalog = inspect_catalog(conn)
        except psycopg.Error as exc:
            raise DatabaseError(f"cannot read the schema of --db: {exc}") from exc
    else:
        catalog = project.catalog
    return lint_catalog(catalog, spec, derive_anchors(catalog, spec))


def _has_source(project_dir) -> bool:
    from ...workflow.context import is_project_dir

    return is_project_dir(Path(project_dir))


def run_lint(project_dir, db_url=None, fmt="text") -> int:
    """The lint command: findings on stdout; 0 when none has error severity, else 4."""
    from rich.console import Console

    from ...lint import output

    findings = lint_project(Path(project_dir) if project_dir is not None else None, db_url)
    render = {"json": output.to_json, "sarif": output.to_sarif}.get(fmt, output.to_text)
    sys.stdout.write(render(findings))
    Console(stderr=True).print(output.summary_line(findings))
    return EXIT_ISOLATION if any(f.severity == "error" for f in findings) else EXIT_OK
