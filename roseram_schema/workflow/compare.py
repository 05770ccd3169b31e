"""What the plan, apply and drift commands share: load, normalize, inspect, diff, plan.

    source folder ─ load_project ─▶ Catalog as written (texts for rendering, origins)
                  ─ normalize_catalog (scratch DB) ─▶ desired, as PostgreSQL prints it
    target DB     ─ inspect_in_scope ─▶ live (its fingerprint is the plan's "from")
                  ─ renormalize_texts ─▶ live with printer-only differences settled
    diff(live, desired) ─▶ build_plan(..., source=catalog as written)

That is the whole pipeline, and what runs with the cache off (`cache=None`, or
ROSERAM_NO_CACHE=1). The speed-ups come through one door, roseram_schema.cache (a Cache):
the desired state and the loaded project are cached (a hit parses nothing and needs no dev
server; the project is then loaded only if changes must be rendered), texts are settled in the project's kept database, and a clean comparison is remembered
for the no-change fast path.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import psycopg

from ..cache import Cache, from_env
from ..diff import diff_catalogs
from ..diff.changes import Change
from ..diff.scope import managed_catalog
from ..errors import DatabaseError
from ..introspect.inspector import assemble, inspect_catalog, inspect_row_estimates
from ..introspect.rows import available_extensions
from ..introspect.unmanaged import read_unmanaged
from ..model import Catalog
from ..normalize.catalog import Scope, inspect_in_scope, source_scope
from ..normalize.scripts import normalize_source, texts_source
from ..normalize.roundtrip import differing_texts, renormalize_texts
from ..plan.defaultacl import (
    database_privilege_changes,
    default_privilege_changes,
    default_privileges,
    grants_for_target,
    revoke_default_privileges,
)
from ..plan.fingerprint import managed_fingerprint
from ..plan.model import Plan
from ..plan.texts import SourceTexts
from ..plan.viewprobe import check_view_replacements
from ..platform import ensure_platform as install_platform
from ..source import load_project
from ..source.loader import read_source
from ..server.dev import aim, dev_identity_of, dev_url_of, keeps_databases, required_extensions

# `cache` argument: roseram_schema.cache.from_env() (the speed-ups, unless ROSERAM_NO_CACHE=1)
FROM_ENV = "from ROSERAM_NO_CACHE"


def _resolve(cache) -> Cache | None:
    return from_env() if cache == FROM_ENV else cache


class SourceRef:
    """The project of a comparison, loaded (YAML and SQL parsed) only when first asked for:
    a cached no-change run never needs it. `cache`: see compare_live."""

    def __init__(self, root: Path, project=None, cache=FROM_ENV):
        self.root = Path(root)
        self._project = project
        self._cache = _resolve(cache)

    @property
    def project(self):
        """The source.Project, loaded on first use (through the parse cache, if any)."""
        if self._project is None:
            cache = self._cache
            self._project = load_project(self.root) if cache is None else cache.load_project(self.root)
        return self._project


@dataclass(frozen=True)
class LiveComparison:
    """Everything a command needs after reading source and target."""

    source: SourceRef
    desired: Catalog
    live: Catalog  # as inspected (its fingerprint is the plan's "from")
    settled: Catalog  # live with printer-only text differences settled
    changes: tuple[Change, ...]
    row_estimates: dict[str, int]
    # the fingerprint before the platform stand-in was installed (apply only), so a plan
    # made on the bare database still matches: installing the stand-in is part of apply
    pre_platform_fingerprint: str | None = None
    scope: Scope | None = None  # what `live` was read with
    # managed_fingerprint(desired) when known (cached), else computed when planning
    desired_fingerprint: str | None = None
    # the source's data statements, which apply does not run (normalize/scripts.py)
    notes: tuple[str, ...] = ()
    # (kind, name) of the live objects the model does not know (introspect/unmanaged.py):
    # reported by plan and drift, never changed
    unmanaged: tuple[tuple[str, str], ...] = ()

    @property
    def project(self):
        """The source.Project (loaded on first use)."""
        return self.source.project

    def inspect(self, conn) -> Catalog:
        """Read a database the way `live` was read (same schemas, roles, extensions)."""
        return self.inspector()(conn)

    def inspector(self):
        """`inspect` as a function that holds the scope only, not this comparison (so
        apply can free the project and the catalogs before it reads the target again)."""
        scope = self.scope if self.scope is not None else source_scope(self.project.catalog)
        return partial(inspect_in_scope, scope=scope)

    def origin_of(self, change: Change):
        """Where the source declares what a change is about."""
        return SourceTexts(texts_source(self.project.catalog, self.project.scripts)).origin(change)

    def fingerprints(self) -> tuple[str, str]:
        """(managed_fingerprint(live), managed_fingerprint(desired)), the second from the
        cache when known, the first equal to it when live and desired compare equal
        (equal dataclasses have equal fingerprints), which spares hashing the catalog.
        With changes to make they are not equal (equal catalogs diff to nothing): the
        comparison, which walks both catalogs, is skipped (its answer would be the same)."""
        to_fp = self.desired_fingerprint or managed_fingerprint(self.desired)
        if not self.changes and (self.live == self.desired
                                 or managed_catalog(self.live) == managed_catalog(self.desired)):
            return to_fp, to_fp
        return managed_fingerprint(self.live), to_fp

    def plan(self, *, online: bool = False) -> Plan:
        """The plan from live to desired, rendered from the source's own texts."""
        from_fp, to_fp = self.fingerprints()
        if not self.changes:
            # nothing to expand, order or render: build_plan would give exactly this
            return Plan(from_fingerprint=from_fp, to_fingerprint=to_fp, statements=(), notes=self.notes,
                        unmanaged=self.unmanaged)
        # imported when used: the planner (~40 ms to import) is only needed for changes
        from ..plan.planner import build_plan

        plan = build_plan(
            self.settled,
            self.desired,
            row_estimates=self.row_estimates,
            online=online,
            from_fingerprint=from_fp,
            to_fingerprint=to_fp,
            # the source texts only matter when something is to be rendered (those a script
            # file re-defined are set aside)
            source=texts_source(self.project.catalog, self.project.scripts),
            changes=self.changes,
        )
        if self.notes:
            plan = replace(plan, notes=self.notes)
        return replace(plan, unmanaged=self.unmanaged) if self.unmanaged else plan


def _connect_target(db_url: str):
    try:
        return psycopg.connect(db_url, autocommit=True)
    except psycopg.Error as exc:
        raise DatabaseError(f"could not connect to the target database: {exc}") from exc


def _read_target(conn, scope):
    """(live, row estimates) of the target within `scope`. The rows live is built from are
    not kept (all of them at once would be a memory peak): they are made into model objects
    query by query as they come (see cache/nochange.py, remember_if_clean, for the digest a
    clean comparison needs)."""
    live = inspect_catalog(conn, scope.schemas, roles=scope.roles, extensions=scope.extensions)
    return live, inspect_row_estimates(conn, scope.schemas)


def _settle(root: Path, dev, source_fp: str, live: Catalog, desired: Catalog, desired_fp: str | None,
            cache: Cache | None) -> Catalog:
    """renormalize_texts of live against desired, probing in the project's kept database
    when there is one holding exactly this desired state (not adjusted to the target:
    `desired_fp` known), else in a scratch database."""
    url = dev_url_of(dev, required_extensions(desired))
    kept = nullcontext()
    if cache is not None and desired_fp is not None and keeps_databases(dev):
        kept = cache.kept_database(root, url, dev_identity_of(dev), source_fp)
    with kept as probe:
        return renormalize_texts(url, live, desired, probe=probe)


def desired_for_target(conn, desired: Catalog, desired_fp: str | None, scope: Scope):
    """(desired, desired_fp) for the target behind `conn`: an optional extension the target
    does not ship is skipped, never planned forever, and in `grants: defaults` mode the grants
    are what the target's default privileges give (desired_fp is then None: this desired
    state is the target's own, not the cached one)."""
    if scope.optional_extensions:
        missing = set(scope.optional_extensions) - set(available_extensions(conn, scope.optional_extensions))
        if missing:
            desired = replace(desired, extensions=tuple(e for e in desired.extensions if e.name not in missing))
            desired_fp = None
    if desired.grants_mode == "defaults":
        # the grants are the target's defaults plus the source's (plan/defaultacl.py)
        adjusted = grants_for_target(conn, desired)
        if adjusted is not desired:
            desired, desired_fp = adjusted, None
    return desired, desired_fp


def diff_target(root: Path, dev_url, source_fp: str, conn, live: Catalog, desired: Catalog,
                desired_fp: str | None, *, cache=FROM_ENV) -> tuple[Catalog, tuple[Change, ...]]:
    """(settled, changes): `live` (read from the target behind `conn`) with printer-only
    texts settled, and the changes that make it `desired`. The seam a fleet reuses: the
    desired state is built once, and each target read is diffed here. `cache`: see
    compare_live."""
    cache = _resolve(cache)
    # no differing text: nothing to settle, and no scratch database (nor dev server)
    settled = (_settle(root, dev_url, source_fp, live, desired, desired_fp, cache)
               if differing_texts(live, desired) else live)
    # equal catalogs have no differences (the diff of two equal catalogs is empty)
    if settled == desired:
        changes = ()
    else:
        changes = check_view_replacements(conn, diff_catalogs(settled, desired))
    changes = revoke_default_privileges(changes, desired, default_privileges(conn))
    return settled, (*changes, *default_privilege_changes(conn, desired), *database_privilege_changes(conn, desired))


def compare_live(project_dir: Path, db_url: str, dev_url, *, ensure_platform: bool = False,
                 prefetched=None, cache=FROM_ENV) -> LiveComparison:
    """Load the project, normalize it, read the target, and diff them.

    `dev_url` is a URL or a server.dev.DevServer: it is resolved (the embedded server started)
    only when a scratch database is needed, i.e. when the desired state is not cached or
    texts differ that need PostgreSQL's printer to settle. With `ensure_platform`, a plain
    PostgreSQL target first gets the Supabase stand-in (auth schema, roles), as `apply`
    needs; plan and drift never write to the target.
    `prefetched` (a nochange.Prefetch) is what the no-change fast path already read: the
    source fingerprint, and maybe the target's rows and connection, taken over here.

    `cache` (a roseram_schema.cache.Cache) is the speed-ups to use, None for none (the
    answer is the same); by default cache.from_env(). A comparison that finds nothing to
    do is remembered for the no-change fast path.
    """
    cache = _resolve(cache)
    root = Path(project_dir)
    # the target's server may stand in for an embedded dev server without an extension
    dev_url = aim(dev_url, db_url)
    pre = prefetched if prefetched is not None and prefetched.db_url == db_url and not ensure_platform else None
    snapshot = pre.snapshot if pre is not None else read_source(root)
    source_fp = snapshot.fingerprint
    try:
        if cache is None:
            project = load_project(root, snapshot)
            url = dev_url_of(dev_url, required_extensions(project.catalog))
            desired, scope, notes = normalize_source(project.catalog, project.scripts, url)
            desired_fp = managed_fingerprint(desired)
        else:
            state, project = cache.desired_state(root, dev_url, snapshot)
            desired, scope, desired_fp, notes = state.catalog, state.scope, state.fingerprint, state.notes
    except BaseException:
        if prefetched is not None:
            prefetched.close()
        raise
    # the files' bytes are parsed or cached by now: not held to the end
    del snapshot
    if prefetched is not None:
        prefetched.snapshot = None
    source = SourceRef(root, project, cache)
    pre_platform = None
    digest = None
    if pre is not None and pre.rows is not None and Scope(**{k: tuple(v) for k, v in pre.scope.items()}) == scope:
        conn, digest = pre.conn, pre.digest
        live, estimates = assemble(pre.rows), inspect_row_estimates(conn, scope.schemas)
        pre.rows = None  # the digest is all that is needed of them (see _read_target)
    else:
        conn = _connect_target(db_url)
        live = estimates = None
    if prefetched is not None and prefetched.conn is not conn:
        prefetched.close()
    with conn:
        if ensure_platform:
            pre_platform = managed_fingerprint(inspect_in_scope(conn, scope))
            install_platform(conn)
        desired, desired_fp = desired_for_target(conn, desired, desired_fp, scope)
        if live is None:
            live, estimates = _read_target(conn, scope)
        settled, changes = diff_target(root, dev_url, source_fp, conn, live, desired, desired_fp, cache=cache)
        unmanaged = read_unmanaged(conn, scope.schemas)
        # a source with notes is never answered by the no-change fast path: it would not say
        # them; nor a target with unmanaged objects: the full comparison reports them
        if not changes and cache is not None and not notes and not unmanaged:
            cache.remember_if_clean(root, dev_identity_of(dev_url), source_fp, scope, desired_fp, conn, live, digest)
    return LiveComparison(source, desired, live, settled, changes, estimates, pre_platform, scope, desired_fp,
                          notes, unmanaged)
