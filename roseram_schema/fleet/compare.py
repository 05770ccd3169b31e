"""Compare one source with many databases: the desired state is built once, each target
is read concurrently (`parallel` connections at most), and targets that read the same are
diffed once.

    desired_state (once) ─▶ for each target, in a pool of `parallel` threads:
        connect ─ read the catalog rows (scope of the desired state) ─▶ rows digest
        same digest as a target read before?  share its comparison (no assembly, no diff)
        else assemble ─▶ live ─▶ managed fingerprint
        same fingerprint as before?           share its comparison
        else diff_target (workflow.compare: settle, diff, view probe, default privileges)

A target that cannot be read is an error row of the report, never a failed run.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg

from ..api import invalid_indexes
from ..cache import from_env
from ..cache.desired import DesiredState
from ..cache.nochange import read_target
from ..errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, RoseramError
from ..introspect.inspector import assemble, inspect_row_estimates
from ..normalize.catalog import normalize_catalog, source_scope
from ..plan.defaultacl import default_privileges
from ..plan.fingerprint import managed_fingerprint
from ..server.dev import dev_identity_of, dev_url_of
from ..source import load_project
from ..source.loader import read_source
from ..workflow.compare import LiveComparison, SourceRef, _connect_target, desired_for_target, diff_target
from .targets import Target

# Exit codes from best to worst: an error is worse than a blocked hazard, worse than drift.
_RANK = {EXIT_OK: 0, EXIT_CHANGES: 1, 4: 2, 3: 3, EXIT_ERROR: 4}

DEFAULT_PARALLEL = 4


def worst(codes) -> int:
    """The aggregated exit code of a fleet run: the worst of its targets' codes."""
    return max(codes, key=lambda c: _RANK.get(c, len(_RANK)), default=EXIT_OK)


@dataclass
class TargetOutcome:
    """What a fleet command found or did on one target."""

    target: Target
    status: str  # "up to date", "drift", "error"; apply adds "applied", "skipped", "blocked"
    exit_code: int
    group: object = None  # the key of the comparison it shares with same-reading targets
    fingerprint: str | None = None
    error: str | None = None
    detail: str | None = None  # e.g. "3 statement(s), history #12"


@dataclass
class Shared:
    """A comparison shared by every target whose catalog reads the same."""

    comparison: object  # workflow.compare.LiveComparison
    invalid_indexes: frozenset
    fingerprint: str


class _OncePerKey:
    """Compute a value once per key across threads; a failed computation is not kept (the
    next target with that key tries again, on its own connection)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._cells: dict[object, list] = {}

    def get(self, key, compute):
        with self._lock:
            cell = self._cells.setdefault(key, [threading.Lock(), False, None])
        with cell[0]:
            if not cell[1]:
                cell[2] = compute()
                cell[1] = True
            return cell[2]


class SharedDev:
    """A command's dev server (URL or server.dev.DevServer) for many threads: resolved once,
    under a lock, so two targets needing a scratch database do not both start the
    embedded server."""

    def __init__(self, dev):
        self._dev = dev
        self._lock = threading.Lock()

    @property
    def identity(self) -> str:
        return dev_identity_of(self._dev)

    def url(self) -> str:
        with self._lock:
            return dev_url_of(self._dev)


def error_text(exc: BaseException) -> str:
    """The one-line-first message of an error met on a target."""
    if isinstance(exc, RoseramError):
        return str(exc).strip()
    if isinstance(exc, psycopg.OperationalError):
        return f"cannot connect to the database: {exc}".strip()
    if isinstance(exc, psycopg.Error):
        return f"database error: {exc}".strip()
    return f"internal error: {type(exc).__name__}: {exc}"


class FleetComparison:
    """The outcome of each target (in the targets' order) and the comparisons they share."""

    def __init__(self, outcomes: list[TargetOutcome], shared: dict[object, Shared]):
        self.outcomes = outcomes
        self.shared = shared

    @property
    def exit_code(self) -> int:
        return worst(o.exit_code for o in self.outcomes)


def compare_fleet(project_dir: Path, targets, dev, parallel: int = DEFAULT_PARALLEL) -> FleetComparison:
    """Compare the project with every target (see the module docstring). Raises only for
    the source (SourceError) or the dev server; a target's trouble is its outcome."""
    root = Path(project_dir)
    dev = SharedDev(dev)
    snapshot = read_source(root)
    state, project = _desired_state(root, dev, snapshot)
    # the project's texts are only needed to render changes, after the reads (main thread)
    source = SourceRef(root, project)
    ctx = _Context(root, dev, snapshot.fingerprint, source, state)
    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="fleet") as pool:
        outcomes = list(pool.map(ctx.compare, targets))
    return FleetComparison(outcomes, ctx.shared)


def _desired_state(root: Path, dev: SharedDev, snapshot):
    """(DesiredState, Project or None) of the project, through the cache unless
    ROSERAM_NO_CACHE=1: then nothing is read from or written to .roseram/cache."""
    cache = from_env()
    if cache is not None:
        return cache.desired_state(root, dev, snapshot)
    project = load_project(root, snapshot)
    desired = normalize_catalog(project.catalog, dev.url())
    return DesiredState(desired, source_scope(project.catalog), managed_fingerprint(desired)), project


class _Context:
    def __init__(self, root, dev, source_fp, source, state):
        self.root, self.dev, self.source_fp, self.source, self.state = root, dev, source_fp, source, state
        self.scope_fields = {k: list(v) for k, v in asdict(state.scope).items()}
        self.by_rows = _OncePerKey()
        self.by_fingerprint = _OncePerKey()
        # one diff at a time: settling texts may use the project's kept database, and the
        # diff is Python work the GIL serializes anyway
        self.diff_lock = threading.Lock()
        self.comparisons: dict[object, tuple] = {}  # by_fingerprint key -> (comparison, fingerprint)
        self.shared: dict[object, Shared] = {}  # the report's groups

    def compare(self, target: Target) -> TargetOutcome:
        if target.url is None:
            return TargetOutcome(target, "error", EXIT_ERROR, error=target.error)

        try:
            comparison, fingerprint = self.comparisons[self._read(target)]
            # the inspector does not read INVALID indexes: which of the missing ones this
            # database has, INVALID, is its own (and so is its report)
            invalid = invalid_indexes(target.url, comparison.changes)
        except Exception as exc:  # noqa: BLE001 - a target's failure is its row, not the run's
            return TargetOutcome(target, "error", EXIT_ERROR, error=error_text(exc))
        key = (fingerprint, id(comparison), invalid)
        shared = self.shared.setdefault(key, Shared(comparison, invalid, fingerprint))
        drift = bool(shared.comparison.changes)
        return TargetOutcome(target, "drift" if drift else "up to date", EXIT_CHANGES if drift else EXIT_OK,
                             group=key, fingerprint=shared.fingerprint)

    def _read(self, target: Target):
        conn = _connect_target(target.url)
        with conn:
            rows, digest = read_target(conn, self.scope_fields)
            defaults = default_privileges(conn)
            defaults_key = repr(sorted((k, sorted((r, sorted(p)) for r, p in v.items()))
                                       for k, v in defaults.items()))
            return self.by_rows.get((digest, defaults_key),
                                    lambda: self._assemble(target, conn, rows, defaults_key))

    def _assemble(self, target: Target, conn, rows, defaults_key: str):
        live = assemble(rows)
        desired, desired_fp = desired_for_target(conn, self.state.catalog, self.state.fingerprint, self.state.scope)
        variant = desired_fp or tuple(sorted(e.name for e in desired.extensions))
        fingerprint = managed_fingerprint(live)
        key = (fingerprint, variant, defaults_key)
        self.by_fingerprint.get(key, lambda: self._diff(key, target, conn, live, desired, desired_fp, fingerprint))
        return key

    def _diff(self, key, target, conn, live, desired, desired_fp, fingerprint):
        with self.diff_lock:
            settled, changes = diff_target(self.root, self.dev, self.source_fp, conn, live, desired, desired_fp)
        estimates = inspect_row_estimates(conn, self.state.scope.schemas)
        comparison = LiveComparison(self.source, desired, live, settled, changes, estimates, None,
                                    self.state.scope, desired_fp)
        self.comparisons[key] = (comparison, fingerprint)
        return key
