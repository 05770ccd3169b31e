"""What the plan, apply and drift commands share: load, normalize, inspect, diff, plan.

    source folder ─ load_project ─▶ Catalog as written (texts for rendering, origins)
                  ─ normalize_catalog (scratch DB, cached) ─▶ desired, as PostgreSQL prints it
    target DB     ─ inspect_like_source ─▶ live (its fingerprint is the plan's "from")
                  ─ renormalize_texts ─▶ live with printer-only differences settled
    diff(live, desired) ─▶ build_plan(..., source=catalog as written)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..changes import Change
from ..model import Catalog
from .fingerprint import managed_fingerprint
from .model import Plan


@dataclass(frozen=True)
class LiveComparison:
    """Everything a command needs after reading source and target."""

    project: object  # source.Project
    desired: Catalog
    live: Catalog  # as inspected (its fingerprint is the plan's "from")
    settled: Catalog  # live with printer-only text differences settled
    changes: tuple[Change, ...]
    row_estimates: dict[str, int]
    # the fingerprint before the platform stand-in was installed (apply only), so a plan
    # made on the bare database still matches: installing the stand-in is part of apply
    pre_platform_fingerprint: str | None = None

    def inspect(self, conn) -> Catalog:
        """Read a database the way `live` was read (same schemas, roles, extensions)."""
        from ..normalize import inspect_like_source

        return without_invalid_indexes(conn, inspect_like_source(conn, self.project.catalog))

    def origin_of(self, change: Change):
        """Where the source declares what a change is about."""
        from .texts import SourceTexts

        return SourceTexts(self.project.catalog).origin(change)

    def plan(self, *, online: bool = False) -> Plan:
        """The plan from live to desired, rendered from the source's own texts."""
        from .planner import build_plan

        return build_plan(
            self.settled,
            self.desired,
            row_estimates=self.row_estimates,
            online=online,
            from_fingerprint=managed_fingerprint(self.live),
            to_fingerprint=managed_fingerprint(self.desired),
            source=self.project.catalog,
            changes=self.changes,
        )


def without_invalid_indexes(conn, catalog: Catalog) -> Catalog:
    """`catalog` without the INVALID indexes an interrupted CREATE INDEX CONCURRENTLY left.

    Such an index is not used by queries and is no index at all; leaving it out makes the
    next plan build it again (apply drops the invalid leftover first).
    """
    rows = conn.execute(
        "SELECT n.nspname, c.relname FROM pg_catalog.pg_index i"
        " JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " WHERE NOT i.indisvalid"
    ).fetchall()
    if not rows:
        return catalog
    invalid = {(r[0], r[1]) for r in rows}
    tables = tuple(
        replace(t, indexes=tuple(ix for ix in t.indexes if (t.schema, ix.name) not in invalid))
        for t in catalog.tables
    )
    return replace(catalog, tables=tables)


def _available_extensions(conn) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM pg_catalog.pg_available_extensions").fetchall()}


def compare_live(project_dir: Path, db_url: str, dev_url: str, *, ensure_platform: bool = False) -> LiveComparison:
    """Load the project, normalize it, read the target, and diff them.

    With `ensure_platform`, a plain PostgreSQL target first gets the Supabase stand-in
    (auth schema, roles), as `apply` needs; plan and drift never write to the target.
    """
    import psycopg

    from ..diff import diff_catalogs
    from ..errors import DatabaseError
    from ..introspect import inspect_row_estimates
    from ..introspect.roundtrip import renormalize_texts
    from ..normalize import inspect_like_source, managed_schemas, normalize_catalog
    from ..source import load_project
    from .defaultacl import default_privileges, revoke_default_privileges
    from .viewprobe import check_view_replacements

    project = load_project(Path(project_dir))
    desired = normalize_catalog(project.catalog, dev_url, cache_root=Path(project_dir),
                                fingerprint=project.fingerprint)
    try:
        conn = psycopg.connect(db_url, autocommit=True)
    except psycopg.Error as exc:
        raise DatabaseError(f"could not connect to the target database: {exc}") from exc
    pre_platform = None
    with conn:
        if ensure_platform:
            from ..platform import ensure_platform as install

            pre_platform = managed_fingerprint(
                without_invalid_indexes(conn, inspect_like_source(conn, project.catalog)))
            install(conn)
        # an optional extension the target does not ship is skipped, never planned forever
        optional = {e.name for e in project.catalog.extensions if e.optional}
        if optional:
            missing = optional - _available_extensions(conn)
            if missing:
                desired = replace(desired, extensions=tuple(e for e in desired.extensions if e.name not in missing))
        live = without_invalid_indexes(conn, inspect_like_source(conn, project.catalog))
        estimates = inspect_row_estimates(conn, managed_schemas(project.catalog))
        settled = renormalize_texts(dev_url, live, desired)
        changes = check_view_replacements(conn, diff_catalogs(settled, desired))
        changes = revoke_default_privileges(changes, desired, default_privileges(conn))
    return LiveComparison(project, desired, live, settled, changes, estimates, pre_platform)
