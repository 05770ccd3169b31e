"""`roseram-schema migrate diff | check | apply | status | hash` (README "Versioned migrations")."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import psycopg

from ..apply.executor import apply_lock
from ..compile.ddl.guarded import create_role_if_missing
from ..errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, RoseramError
from ..model.sqltext import terminal_text
from ..platform import PLATFORM_ROLES, ensure_platform
from ..render import render_plan
from ..render.env import markdown_code, markdown_cell
from ..server.dev import dev_url_of
from ..workflow.compare import compare_live
from . import manifest
from .applied import ensure_table, read_applied, record
from .folder import as_pairs, file_slug, migrations_dir, next_versions, read_folder, replayed, run_file
from .render import migration_texts, missing_sql


def _plan_after_replay(project_dir: Path, dev, files, with_roles: bool = False):
    """The plan from the folder's files, replayed in a scratch database, to the source
    (with `with_roles`: and the source's declared roles, see _role_statements)."""
    with replayed(dev_url_of(dev), files) as url:
        comparison = compare_live(project_dir, url, dev)
        plan = comparison.plan(online=False)
        if not with_roles:
            return plan
        return plan, (comparison.project.catalog.roles if not plan.empty else ())


def _role_statements(roles, files) -> list[tuple[str, str]]:
    """(comment, SQL) creating each declared role, when missing, that no earlier file
    creates. Roles are server-wide: the scratch database sees those the dev server has (the
    normalization made them there), so the plan never creates one; a migration folder must,
    for a database on another server. Platform roles come with the platform."""
    earlier = [f.text for f in files]
    out = []
    for role in roles:
        if role.name in PLATFORM_ROLES:
            continue
        sql = create_role_if_missing(role)
        if not any(sql in text for text in earlier):
            where = f" ({role.origin})" if role.origin else ""
            out.append((f"create role {role.name} when missing (roles are server-wide){where}", sql))
    return out


def run_diff(project_dir: Path, dev_url, name: str, folder: Path | None = None) -> int:
    """Write what the folder lacks to reach the source as the next migration file(s) and
    rewrite the manifest. Exit 0 (also when nothing is missing: no file is written)."""
    slug = file_slug(name)
    folder = migrations_dir(project_dir, folder)
    files = read_folder(folder)
    manifest.verify(folder, as_pairs(files))
    plan, roles = _plan_after_replay(project_dir, dev_url, files, with_roles=True)
    if plan.empty:
        print(f"No changes: the migrations in {folder} already give the source; no file written.", file=sys.stderr)
        return EXIT_OK
    texts = migration_texts(plan, slug, _role_statements(roles, files))
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for version, (suffix, text) in zip(next_versions(files, len(texts)), texts):
        path = folder / f"{version}_{suffix}.sql"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    manifest.write(folder, as_pairs(read_folder(folder)))
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    blocking = sorted({h.name for _, h in plan.blocking_hazards()})
    if blocking:
        print(f"review before applying: hazards {', '.join(blocking)}", file=sys.stderr)
    return EXIT_OK


def run_hash(project_dir: Path, folder: Path | None = None) -> int:
    """Rewrite the manifest from the folder as it is (after a file was written or edited by
    hand on purpose, as atlas's `migrate hash`). Exit 0."""
    folder = migrations_dir(project_dir, folder)
    files = read_folder(folder)
    if not files:
        raise RoseramError(f"{folder}: no migration files to hash")
    path = manifest.write(folder, as_pairs(files))
    print(f"wrote {path} ({len(files)} file(s))", file=sys.stderr)
    return EXIT_OK


def run_check(project_dir: Path, dev_url, folder: Path | None = None, fmt: str = "text",
              since: str | None = None) -> int:
    """For CI: the manifest matches the files, they replay cleanly in a scratch database, and
    the result is exactly the source. Exit 0, 1 (manifest or replay failed), or 2 with the
    missing SQL (text: on stdout). `fmt` markdown: the pull request report on stdout, the
    files newer than version `since` (default: all) listed with their hazards."""
    folder = migrations_dir(project_dir, folder)
    files = read_folder(folder)
    manifest_error = replay_error = None
    plan = None
    try:
        manifest.verify(folder, as_pairs(files))
    except RoseramError as exc:
        manifest_error = exc
    if manifest_error is None or fmt == "markdown":
        try:
            plan = _plan_after_replay(project_dir, dev_url, files)
        except RoseramError as exc:
            replay_error = exc
    code = EXIT_ERROR if manifest_error or replay_error else (EXIT_OK if plan.empty else EXIT_CHANGES)
    if fmt == "markdown":
        sys.stdout.write(_markdown(folder, files, manifest_error, replay_error, plan, since))
        return code
    if manifest_error or replay_error:
        raise manifest_error or replay_error
    if plan.empty:
        print(f"ok: {len(files)} migration file(s) in {folder}: manifest valid, replay clean, the result is the source",
              file=sys.stderr)
        return EXIT_OK

    print(f"the migrations in {folder} do not give the source: {len(plan.statements)} statement(s) missing "
          "(write them with `roseram-schema migrate diff NAME`)", file=sys.stderr)
    sys.stdout.write(missing_sql(plan))
    return EXIT_CHANGES


_HAZARD_LINE = re.compile(r"^-- hazard: ([a-z_]+)( \(blocking\))?: (.*)$")
_ACCESS = ("changes_access", "opens_access")


def _markdown(folder, files, manifest_error, replay_error, plan, since) -> str:
    def result(error, ok="ok"):
        return f"**failed**: {markdown_cell(error)}" if error else ok

    if replay_error is None and plan is not None:
        same = "ok" if plan.empty else f"**{len(plan.statements)} statement(s) missing**"
    else:
        same = "not checked"
    out = ["### roseram-schema migrate check", "",
           "| check | result |", "|---|---|",
           f"| manifest (`{manifest.MANIFEST_NAME}`) | {result(manifest_error)} |",
           f"| replay of {len(files)} file(s) | {result(replay_error)} |",
           f"| the replayed folder is the source | {same} |", ""]
    shown = [f for f in files if since is None or f.version > since]
    if shown:
        out += ["#### Migration files" + (f" after {markdown_cell(since)}" if since else ""), "",
                "| file | hazards |", "|---|---|"]
        access = []
        for f in shown:
            found = []
            for line in f.text.splitlines():
                m = _HAZARD_LINE.match(line)
                if m:
                    found.append(f"**{m.group(1)}**{' (blocking)' if m.group(2) else ''}: {markdown_cell(m.group(3))}")
                    if m.group(1) in _ACCESS:
                        access.append((f.name, m.group(3)))
            out.append(f"| {markdown_code(f.name)} | {'<br>'.join(found)} |")
        out.append("")
        if access:
            out += ["#### Access changes", ""]
            out += [f"- {markdown_code(name)}: {markdown_cell(message)}" for name, message in access]
            out.append("")
    if plan is not None and not plan.empty:
        out += ["#### Missing from the folder (write it with `roseram-schema migrate diff NAME`)", "",
                render_plan(plan, "markdown")]
    return "\n".join(out) + ("" if out[-1].endswith("\n") else "\n")


def _states(files, applied):
    """(file name, state, detail) rows: applied, pending, changed (applied, since edited),
    missing (applied, no longer in the folder)."""
    rows = []
    by_name = {f.name: f for f in files}
    for f in files:
        row = applied.get(f.name)
        if row is None:
            rows.append((f.name, "pending", ""))
        elif row["checksum"] != f.checksum:
            rows.append((f.name, "changed", f"applied {row['applied_at']:%Y-%m-%d %H:%M:%S %Z}; edited since"))
        else:
            rows.append((f.name, "applied", f"{row['applied_at']:%Y-%m-%d %H:%M:%S %Z} by {row['applied_by']}"))
    for name in sorted(set(applied) - set(by_name)):
        rows.append((name, "missing", "applied, but no longer in the folder"))
    return sorted(rows)


def run_status(project_dir: Path, db_url: str, folder: Path | None = None) -> int:
    """List each file as applied, pending, changed or missing (stdout). Exit 0 when every
    file is applied as it is, 2 otherwise."""
    folder = migrations_dir(project_dir, folder)
    files = read_folder(folder)
    with psycopg.connect(db_url, autocommit=True) as conn:
        applied = read_applied(conn)
    rows = _states(files, applied)
    for name, state, detail in rows:
        print(terminal_text(f"{state:<8} {name}" + (f"  ({detail})" if detail else "")))
    counts = {state: sum(1 for _, s, _ in rows if s == state) for state in ("applied", "pending", "changed", "missing")}
    print(", ".join(f"{n} {state}" for state, n in counts.items() if n or state in ("applied", "pending")),
          file=sys.stderr)
    return EXIT_OK if counts["applied"] == len(rows) else EXIT_CHANGES


def run_migrate_apply(project_dir: Path, db_url: str, folder: Path | None = None,
                      lock_timeout: str = "5s", statement_timeout: str = "5min") -> int:
    """Apply the pending files in order, each in its own transaction with its row in
    roseram_schema.migration_files, under the apply lock. Refuses (nothing applied) when the
    manifest does not match, an applied file changed or disappeared, or a pending file is
    older than an applied one. A failing file rolls back itself and stops. Exit 0."""
    folder = migrations_dir(project_dir, folder)
    files = read_folder(folder)
    manifest.verify(folder, as_pairs(files))
    with apply_lock(db_url) as conn:
        applied = read_applied(conn)
        rows = _states(files, applied)
        bad = [(name, state) for name, state, _ in rows if state in ("changed", "missing")]
        if bad:
            why = {"changed": "edited after it was applied (checksum differs)",
                   "missing": "applied but no longer in the folder"}
            what = "; ".join(f"{name}: {why[state]}" for name, state in bad)
            raise RoseramError(f"{folder}: {what}: nothing applied (write a new migration instead of editing one)")
        pending = [f for f in files if f.name not in applied]
        newest = max(applied, default=None)
        late = [f.name for f in pending if newest is not None and f.name < newest]
        if late:
            raise RoseramError(f"{folder}: {', '.join(late)} older than the applied {newest}: nothing applied "
                               "(give the file a newer version)")
        if not pending:
            print("Nothing to do: every migration file is applied.", file=sys.stderr)
            return EXIT_OK
        ensure_platform(conn)
        ensure_table(conn)
        for n, f in enumerate(pending, 1):
            with conn.transaction():
                conn.execute("SELECT set_config('lock_timeout', %s, true), set_config('statement_timeout', %s, true)",
                             (lock_timeout, statement_timeout))
                try:
                    run_file(conn, f)
                except RoseramError as exc:
                    raise type(exc)(f"{exc} (rolled back; {n - 1} earlier file(s) of this run applied, "
                                    f"{len(pending) - n} not run)") from exc
                record(conn, f)
            print(f"[{n}/{len(pending)}] applied {f.name}", file=sys.stderr)
    print(f"Applied {len(pending)} migration file(s).", file=sys.stderr)
    return EXIT_OK
