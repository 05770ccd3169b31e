"""The no-change fast path of `plan` and `drift` (the CI drift check).

A full comparison decodes the cached desired state, builds the target's catalog from its
rows, settles printer-only texts and diffs the two. Its answer is a function of two things
only: the desired-state key (source bytes, our code, the dev server's version; see
files.normalization_key) and the rows the catalog queries return from the target
(read with the desired state's scope). So when a comparison finds nothing to do, a digest
of those rows is remembered under the key:

    .roseram/cache/clean-<key>.json   {"scope": {...}, "fingerprint": "<desired>",
                                       "live": ["<rows digest>", ...]}   (newest first)

The next plan or drift computes the key from the files' bytes, reads the rows with the
remembered scope and, when their digest is a remembered one, answers "no changes" without
importing the model, the differ or the planner and without decoding the desired catalog
(that decode and the catalog build are most of a no-change run). Any other
rows (a drifted object, another target, another server printing differently) are a miss:
the full comparison runs, and is handed the rows and connection already open (`Prefetch`).

Only light modules are imported at module level: `roseram-schema` starts here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from ..state.files import read_json, write_atomically
from .files import CACHE_DIR, _prune, known_server_version, normalization_key

MEMO_PREFIX = "clean-"
# Targets remembered per desired state (a laptop's dev DB, a CI database, staging, ...).
DIGESTS_KEPT = 8


@dataclass
class Prefetch:
    """What the fast path learnt before it missed, for the full comparison to reuse: the
    source files (with their fingerprint) and, when a memo gave the scope, the target's
    open connection, its catalog rows read with `scope` (a Scope's fields), their digest."""

    db_url: str
    snapshot: object  # source.loader.SourceSnapshot: the files, read once, and their fingerprint
    scope: dict | None = None
    conn: object | None = None
    rows: object | None = None  # introspect.rows.CatalogRows
    digest: str | None = None

    def close(self) -> None:
        """Close the connection when the full comparison does not take it over."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def memo_path(root: Path, key: str) -> Path:
    return Path(root) / CACHE_DIR / f"{MEMO_PREFIX}{key}.json"


def read_memo(root: Path, key: str) -> dict | None:
    """The memo of desired-state `key`, or None (absent, unreadable, malformed: a miss)."""
    try:
        memo = read_json(memo_path(root, key))
        if _is_scope(memo["scope"]) and isinstance(memo["fingerprint"], str) and isinstance(memo["live"], list):
            return memo
    except (OSError, ValueError, TypeError, KeyError):
        pass
    return None


def _is_scope(scope) -> bool:
    """A scope as remember_clean writes it (normalize.Scope's fields, lists of names): the
    target is read with it, so a crafted memo must be a miss, not an error."""
    return (isinstance(scope, dict) and {"schemas", "roles", "extensions"} <= scope.keys()
            and scope.keys() <= {"schemas", "roles", "extensions", "optional_extensions"}
            and all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in scope.values()))


def remember_clean(root: Path, key: str, scope: dict, fingerprint: str, digest: str) -> None:
    """Record that a target whose rows have `digest` matches desired-state `key`."""
    memo = read_memo(root, key)
    live = [digest] + [d for d in (memo["live"] if memo and memo["scope"] == scope else []) if d != digest]
    data = {"fingerprint": fingerprint, "live": live[:DIGESTS_KEPT], "scope": scope}
    path = memo_path(root, key)
    try:
        write_atomically(path, json.dumps(data, sort_keys=True) + "\n")
        _prune(path.parent, keep=path, prefix=MEMO_PREFIX)
    except OSError:
        pass  # a read-only checkout: the next run takes the full path, as it would anyway


def rows_digest(scope: dict, rows, available_extensions: list[str]) -> str:
    """sha256 of everything a comparison reads from the target: the scope it read with, the
    rows of every catalog query (in query order, columns in query order) and which of the
    optional extensions the server offers."""
    digest = hashlib.sha256(repr(sorted(scope.items())).encode())
    digest.update(repr(rows.schemas).encode())
    for name in sorted(rows.rows):
        digest.update(f"\0{name}\0".encode())
        digest.update(repr(rows.rows[name]).encode())
    digest.update(repr(sorted(available_extensions)).encode())
    return digest.hexdigest()


def desired_key(root: Path, dev_identity: str, source_fp: str) -> str | None:
    """The desired-state key of the source with fingerprint `source_fp`, when the dev
    server's version is known (it is after any earlier comparison); else None."""
    version = known_server_version(root, dev_identity)
    return None if version is None else normalization_key(source_fp, version)


def target_digest(conn, scope: dict, rows) -> str:
    """rows_digest of `rows`, read from the target behind `conn` with `scope`, and of the
    target's unmanaged objects (a new one makes the memo miss, so plan and drift report it)."""
    from ..introspect.rows import available_extensions
    from ..introspect.unmanaged import read_unmanaged

    digest = rows_digest(scope, rows, available_extensions(conn, scope.get("optional_extensions", ())))
    unmanaged = read_unmanaged(conn, scope.get("schemas", ()))
    if unmanaged:
        digest = hashlib.sha256(f"{digest}\0{unmanaged!r}".encode()).hexdigest()
    return digest


def remember_if_clean(root: Path, dev_identity: str, source_fp: str, scope, desired_fp: str | None,
                      conn, live, digest: str | None) -> None:
    """After a comparison that found nothing to do, remember the target's rows digest so
    the next plan/drift answers from quick_check. Without the digest of the rows `live`
    (a Catalog) was built from, the catalog is read again, and remembered only if it still
    reads as `live` (the target may have changed since)."""
    # imported when used: the fast path (quick_check) must not load the model
    from ..introspect.inspector import assemble, inspect_rows

    if desired_fp is None:  # the desired state was adjusted to this target (optional extensions)
        return
    key = desired_key(root, dev_identity, source_fp)
    if key is None:
        return
    fields = {k: list(v) for k, v in asdict(scope).items()}
    if digest is None:
        rows = inspect_rows(conn, scope.schemas, roles=scope.roles, extensions=scope.extensions)
        if assemble(rows) != live:
            return
        digest = target_digest(conn, fields, rows)
    remember_clean(root, key, fields, desired_fp, digest)


def read_target(conn, scope: dict):
    """(rows, digest) of the target with `scope`."""
    from ..introspect.rows import read_catalog_rows

    rows = read_catalog_rows(conn, scope["schemas"], scope["roles"], scope["extensions"])
    return rows, target_digest(conn, scope, rows)


def quick_check(root: Path, db_url: str, dev_identity: str) -> tuple[str | None, Prefetch | None]:
    """(the desired fingerprint, None) when the target is known to match the source;
    else (None, what was read on the way, for the full comparison)."""
    from ..source.loader import read_source

    root = Path(root)
    snapshot = read_source(root)
    prefetch = Prefetch(db_url, snapshot)
    key = desired_key(root, dev_identity, snapshot.fingerprint)
    memo = read_memo(root, key) if key is not None else None
    if memo is None:
        return None, prefetch
    import psycopg

    try:
        conn = psycopg.connect(db_url, autocommit=True)
    except psycopg.Error:
        return None, prefetch  # the full path connects again and reports the error its way
    try:
        rows, digest = read_target(conn, memo["scope"])
    except (psycopg.Error, KeyError, ValueError):  # the full path reads again and reports it; a bug surfaces
        conn.close()
        return None, prefetch
    if digest in memo["live"]:
        conn.close()
        return memo["fingerprint"], None
    prefetch.scope, prefetch.conn, prefetch.rows, prefetch.digest = memo["scope"], conn, rows, digest
    return None, prefetch


# What a clean plan/drift prints, for the formats the CI check uses; the full renderers
# print the same (tests/perf_correctness/test_nochange.py compares them byte for byte).
CLEAN_TEXT = {
    ("drift", "text"): "No drift: the database matches the source.\n",
    ("drift", "github"): "::notice::no drift: the database matches the source\n",
}
PLAN_CLEAN_MESSAGE = "No changes: the database matches the source."


def clean_output(command: str, fmt: str, fingerprint: str) -> tuple[str, str] | None:
    """(stdout, stderr) of a clean `command` in `fmt`, or None when only the full renderer
    knows (markdown, sql: templates)."""
    if (command, fmt) in CLEAN_TEXT:
        return CLEAN_TEXT[(command, fmt)], ""
    if command == "drift" and fmt == "json":
        return json.dumps({"drift": False, "objects": [], "version": 1}, indent=2, sort_keys=True) + "\n", ""
    if command == "plan" and fmt == "text":
        return "", PLAN_CLEAN_MESSAGE + "\n"
    if command == "plan" and fmt == "json":
        data = {"from_fingerprint": fingerprint, "statements": [], "to_fingerprint": fingerprint, "version": 1}
        return json.dumps(data, indent=2, sort_keys=True) + "\n", ""
    return None
