"""What the plan, apply and drift commands share: load, normalize, inspect, diff, plan.

    source folder ─ load_project ─▶ Catalog as written (texts for rendering, origins)
                  ─ normalize_catalog (scratch DB) ─▶ desired, as PostgreSQL prints it
                  (both cached together by desired.py: a hit parses nothing and needs no
                  dev server; the project is then loaded only if changes must be rendered)
    target DB     ─ inspect_in_scope ─▶ live (its fingerprint is the plan's "from");
                  read in a background thread meanwhile, with the project's last scope
                  ─ renormalize_texts ─▶ live with printer-only differences settled
    diff(live, desired) ─▶ build_plan(..., source=catalog as written)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..diff.changes import Change
from ..model import Catalog
from ..normalize.catalog import Scope
from ..plan.fingerprint import managed_fingerprint
from ..plan.model import Plan


class SourceRef:
    """The project of a comparison, loaded (YAML and SQL parsed) only when first asked for:
    a cached no-change run never needs it."""

    def __init__(self, root: Path, project=None):
        self.root = Path(root)
        self._project = project

    @property
    def project(self):
        """The source.Project, loaded on first use."""
        if self._project is None:
            from ..cache import load_project

            self._project = load_project(self.root)
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
        from functools import partial

        from ..normalize.catalog import inspect_in_scope, source_scope

        scope = self.scope if self.scope is not None else source_scope(self.project.catalog)
        return partial(inspect_in_scope, scope=scope)

    def origin_of(self, change: Change):
        """Where the source declares what a change is about."""
        from ..plan.texts import SourceTexts

        return SourceTexts(self.project.catalog).origin(change)

    def fingerprints(self) -> tuple[str, str]:
        """(managed_fingerprint(live), managed_fingerprint(desired)), the second from the
        cache when known, the first equal to it when live and desired compare equal
        (equal dataclasses have equal fingerprints), which spares hashing the catalog.
        With changes to make they are not equal (equal catalogs diff to nothing): the
        comparison, which walks both catalogs, is skipped (its answer would be the same)."""
        from ..diff.scope import managed_catalog

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
            return Plan(from_fingerprint=from_fp, to_fingerprint=to_fp, statements=())
        from ..plan.planner import build_plan

        return build_plan(
            self.settled,
            self.desired,
            row_estimates=self.row_estimates,
            online=online,
            from_fingerprint=from_fp,
            to_fingerprint=to_fp,
            # the source texts only matter when something is to be rendered
            source=self.project.catalog if self.changes else self.desired,
            changes=self.changes,
        )


class _LiveRead:
    """Reads the target (connect, inspect, row estimates) in a background thread, with a
    guessed scope, while the main thread loads or builds the desired state: the catalog
    queries run on the server while Python works on the source (the two take about as
    long). The main thread only uses the connection after `join`."""

    def __init__(self, db_url: str, scope):
        import threading

        self.scope = scope
        self.conn = None
        self.result = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(db_url,), daemon=True)
        self._thread.start()

    def _run(self, db_url: str) -> None:
        try:
            self.conn = _connect_target(db_url)
            self.result = _read_target(self.conn, self.scope, db_url)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread by join()
            self.error = exc

    def join(self):
        """(connection, live, row estimates); re-raises the thread's error."""
        self._thread.join()
        if self.error is not None:
            self.close()
            raise self.error
        return (self.conn, *self.result)

    def close(self) -> None:
        """Wait for the thread and close its connection (its result is not wanted)."""
        self._thread.join()
        if self.conn is not None:
            self.conn.close()


def _connect_target(db_url: str):
    import psycopg

    from ..errors import DatabaseError

    try:
        return psycopg.connect(db_url, autocommit=True)
    except psycopg.Error as exc:
        raise DatabaseError(f"could not connect to the target database: {exc}") from exc


def _read_target(conn, scope, db_url: str):
    """(live, row estimates) of the target within `scope`; half of the catalog queries run
    on a second connection to `db_url`. The rows live is built from are not kept (all of
    them at once would be a memory peak): they are made into model objects query by query
    as they come, and a digest of them only a clean comparison needs (see _remember_if_clean)."""
    import psycopg

    from ..introspect.inspector import inspect_catalog, inspect_row_estimates

    live = inspect_catalog(conn, scope.schemas, roles=scope.roles, extensions=scope.extensions,
                           connect=lambda: psycopg.connect(db_url))
    return live, inspect_row_estimates(conn, scope.schemas)


def _remember_if_clean(root: Path, dev_url, source_fp: str, scope: Scope, desired_fp: str | None,
                       conn, live, digest: str | None) -> None:
    """After a comparison that found nothing to do, remember the target's rows digest so
    the next plan/drift answers from nochange.quick_check (see nochange.py). Without the
    digest of the rows `live` was built from, the catalog is read again, and remembered
    only if it still reads as `live` (the target may have changed meanwhile)."""
    from dataclasses import asdict

    from .context import dev_identity_of
    from ..introspect.inspector import assemble, inspect_rows
    from ..cache.nochange import desired_key, remember_clean, target_digest

    if desired_fp is None:  # the desired state was adjusted to this target (optional extensions)
        return
    key = desired_key(root, dev_identity_of(dev_url), source_fp)
    if key is None:
        return
    fields = {k: list(v) for k, v in asdict(scope).items()}
    if digest is None:
        rows = inspect_rows(conn, scope.schemas, roles=scope.roles, extensions=scope.extensions)
        if assemble(rows) != live:
            return
        digest = target_digest(conn, fields, rows)
    remember_clean(root, key, fields, desired_fp, digest)


def _settle(root: Path, dev, source_fp: str, live: Catalog, desired: Catalog, desired_fp: str | None) -> Catalog:
    """renormalize_texts of live against desired, probing in the project's kept database
    when it holds exactly this desired state (not adjusted to the target: `desired_fp`
    known), else in a scratch database."""
    from contextlib import nullcontext

    from .context import dev_identity_of, dev_url_of
    from ..cache.incremental import kept_state
    from ..normalize.roundtrip import renormalize_texts

    url = dev_url_of(dev)
    kept = kept_state(root, url, dev_identity_of(dev), source_fp) if desired_fp is not None else nullcontext()
    with kept as probe:
        return renormalize_texts(url, live, desired, probe=probe)


def desired_for_target(conn, desired: Catalog, desired_fp: str | None, scope: Scope):
    """(desired, desired_fp) for the target behind `conn`: an optional extension the target
    does not ship is skipped, never planned forever (desired_fp is then None: this desired
    state is the target's own, not the cached one)."""
    if scope.optional_extensions:
        from ..introspect.rows import available_extensions

        missing = set(scope.optional_extensions) - set(available_extensions(conn, scope.optional_extensions))
        if missing:
            desired = replace(desired, extensions=tuple(e for e in desired.extensions if e.name not in missing))
            desired_fp = None
    return desired, desired_fp


def diff_target(root: Path, dev_url, source_fp: str, conn, live: Catalog, desired: Catalog,
                desired_fp: str | None) -> tuple[Catalog, tuple[Change, ...]]:
    """(settled, changes): `live` (read from the target behind `conn`) with printer-only
    texts settled, and the changes that make it `desired`. The seam a fleet reuses: the
    desired state is built once, and each target read is diffed here."""
    from ..normalize.roundtrip import differing_texts
    from ..plan.defaultacl import default_privileges, revoke_default_privileges
    from ..plan.viewprobe import check_view_replacements

    # no differing text: nothing to settle, and no scratch database (nor dev server)
    settled = _settle(root, dev_url, source_fp, live, desired, desired_fp) if differing_texts(live, desired) else live
    # equal catalogs have no differences (the diff of two equal catalogs is empty)
    if settled == desired:
        changes = ()
    else:
        from ..diff import diff_catalogs

        changes = check_view_replacements(conn, diff_catalogs(settled, desired))
    return settled, revoke_default_privileges(changes, desired, default_privileges(conn))


def compare_live(project_dir: Path, db_url: str, dev_url, *, ensure_platform: bool = False,
                 prefetched=None) -> LiveComparison:
    """Load the project, normalize it, read the target, and diff them.

    `dev_url` is a URL or a context.DevServer: it is resolved (the embedded server started)
    only when a scratch database is needed, i.e. when the desired state is not cached or
    texts differ that need PostgreSQL's printer to settle. With `ensure_platform`, a plain
    PostgreSQL target first gets the Supabase stand-in (auth schema, roles), as `apply`
    needs; plan and drift never write to the target, and read it while the desired state
    is being loaded (with the project's last scope; read again should the scope differ).
    `prefetched` (a nochange.Prefetch) is what the no-change fast path already read: the
    source fingerprint, and maybe the target's rows and connection, taken over here.

    A comparison that finds nothing to do is remembered for nochange.quick_check.
    """
    from ..cache.desired import desired_state, last_scope, remember_scope
    from ..source.loader import read_source
    from ..normalize.catalog import inspect_in_scope

    root = Path(project_dir)
    pre = prefetched if prefetched is not None and prefetched.db_url == db_url and not ensure_platform else None
    snapshot = pre.snapshot if pre is not None else read_source(root)
    source_fp = snapshot.fingerprint
    guess = None if ensure_platform or (pre is not None and pre.rows is not None) else last_scope(root)
    reader = _LiveRead(db_url, guess) if guess is not None else None
    try:
        state, project = desired_state(root, dev_url, snapshot=snapshot)
    except BaseException:
        if reader is not None:
            reader.close()
        if prefetched is not None:
            prefetched.close()
        raise
    # the files' bytes are parsed or cached by now: not held to the end
    del snapshot
    if prefetched is not None:
        prefetched.snapshot = None
    source = SourceRef(root, project)
    desired, scope, desired_fp = state.catalog, state.scope, state.fingerprint
    if scope != guess:
        remember_scope(root, scope)
    pre_platform = None
    digest = None
    if pre is not None and pre.rows is not None and Scope(**{k: tuple(v) for k, v in pre.scope.items()}) == scope:
        from ..introspect.inspector import assemble, inspect_row_estimates

        conn, digest = pre.conn, pre.digest
        live, estimates = assemble(pre.rows), inspect_row_estimates(conn, scope.schemas)
        pre.rows = None  # the digest is all that is needed of them (see _read_target)
    elif reader is not None and reader.scope == scope:
        conn, live, estimates = reader.join()
    else:
        if reader is not None:
            reader.close()
        conn = _connect_target(db_url)
        live = estimates = None
    if prefetched is not None and prefetched.conn is not conn:
        prefetched.close()
    with conn:
        if ensure_platform:
            from ..platform import ensure_platform as install

            pre_platform = managed_fingerprint(inspect_in_scope(conn, scope))
            install(conn)
        desired, desired_fp = desired_for_target(conn, desired, desired_fp, scope)
        if live is None:
            live, estimates = _read_target(conn, scope, db_url)
        settled, changes = diff_target(root, dev_url, source_fp, conn, live, desired, desired_fp)
        if not changes:
            _remember_if_clean(root, dev_url, source_fp, scope, desired_fp, conn, live, digest)
    return LiveComparison(source, desired, live, settled, changes, estimates, pre_platform, scope, desired_fp)
