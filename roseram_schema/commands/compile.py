"""`roseram-schema compile`: the idempotent SQL that builds the whole schema."""

from __future__ import annotations

import sys
from pathlib import Path

from ..model import Catalog


def catalog_stats(catalog: Catalog) -> dict[str, int]:
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


def run_compile(*, project_dir: Path, out: Path | None, stats: bool) -> int:
    """Load the project, print (or write) its compiled script; exit code 0."""
    from ..compile import compile_script
    from ..source import load_project

    project = load_project(project_dir)
    script = compile_script(project.catalog, project.fingerprint)
    if out is not None:
        Path(out).write_text(script, encoding="utf-8")
    else:
        sys.stdout.write(script)
    if stats:
        print(format_stats(catalog_stats(project.catalog)), file=sys.stderr)
    return 0
