"""Fleet drift: `drift --targets` over N copies of the Roseram schema against one `drift`.

    python bench/fleet.py                     # 100 databases, 3 runs each
    python bench/fleet.py --count 20 --runs 1
    python bench/fleet.py --migra             # and N sequential migra runs, once

On the benchmark's own server (bench/.work/pg-18, see harness.BenchServer): the Roseram
project (the repository root) is applied to one database, copied N times (CREATE DATABASE
... TEMPLATE), three copies drifted (an index dropped, a policy dropped, a column added).
Then, caches warm (each command run once first), alternately: one `drift --db` on a clean
copy (the no-change fast path), one on a drifted copy, and `drift --targets` over all N
(default --parallel 4). Prints the medians and the ratio fleet / one drift. With --migra,
then, what a fleet costs without fleet support: `migra` (bench/requirements.txt, in
bench/.work/venv) run once per copy, one after the other, each copy against the database
the project was applied to (migra compares two databases; the copies differ from it only
by the drift).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import REPO, VENV, WORK, BenchServer, ensure_peer_venv, run_timed  # noqa: E402

CLI = str(Path(sys.executable).parent / "roseram-schema")
DRIFTS = (
    "DROP INDEX IF EXISTS {index}",
    "DROP POLICY {policy}",
    "ALTER TABLE {table} ADD COLUMN bench_extra text",
)


def _project() -> Path:
    """A copy of the Roseram project (its own .roseram/ cache, out of the repository)."""
    dest = WORK / "fleet" / "project"
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in ("schema", "policies", "views"):
        if (REPO / name).exists():
            shutil.copytree(REPO / name, dest / name)
    shutil.copy(REPO / "project.yaml", dest / "project.yaml")
    return dest


def _drift_statements(server: BenchServer, db: str) -> list[str]:
    """One statement per kind of drift, on objects the Roseram schema has."""
    import psycopg

    with psycopg.connect(server.db_url(db), autocommit=True) as conn:
        index = conn.execute("SELECT quote_ident(schemaname) || '.' || quote_ident(indexname) FROM pg_indexes"
                             " WHERE schemaname = 'public' AND indexname NOT LIKE '%pkey'"
                             " AND indexname NOT LIKE '%key' ORDER BY 1 LIMIT 1").fetchone()[0]
        policy = conn.execute("SELECT quote_ident(policyname) || ' ON ' || quote_ident(schemaname) || '.'"
                              " || quote_ident(tablename) FROM pg_policies WHERE schemaname = 'public'"
                              " ORDER BY 1 LIMIT 1").fetchone()[0]
        table = conn.execute("SELECT 'public.' || quote_ident(tablename) FROM pg_tables"
                             " WHERE schemaname = 'public' ORDER BY 1 LIMIT 1").fetchone()[0]
    return [s.format(index=index, policy=policy, table=table) for s in DRIFTS]


def roseram_copies(server: BenchServer, prefix: str, count: int) -> tuple[Path | None, list[str]]:
    """The Roseram project (a copy, _project) applied to `<prefix>_base` on `server`, and the
    names of `count` copies of that database (`<prefix>_000`...); (None, []) when the apply
    failed (its error printed)."""
    project = _project()
    server.create_db(f"{prefix}_base")
    applied = run_timed([CLI, "apply", "-p", str(project), "--db", server.db_url(f"{prefix}_base"),
                         "--dev-db", server.url, "--yes", "--allow-hazards", "opens_access,lint_errors"])
    if applied.rc != 0:
        print(applied.stderr, file=sys.stderr)
        return None, []
    names = [f"{prefix}_{n:03d}" for n in range(count)]
    for name in names:
        server.create_db(name, template=f"{prefix}_base")
    return project, names


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--parallel", type=int, default=4)
    ap.add_argument("--keep", action="store_true", help="Keep the databases (to profile them).")
    ap.add_argument("--migra", action="store_true", help="Also time N sequential migra runs (once).")
    args = ap.parse_args(argv)

    import psycopg

    server = BenchServer("18")
    project, names = roseram_copies(server, "fleet", args.count)
    if project is None:
        return 1
    dev = server.url
    for name, statement in zip(names[1:], _drift_statements(server, "fleet_base")):
        with psycopg.connect(server.db_url(name), autocommit=True) as conn:
            conn.execute(statement)
    targets = WORK / "fleet" / "fleet.yaml"
    env = dict(**__import__("os").environ)
    lines = ["targets:"]
    for name in names:
        env[name.upper()] = server.db_url(name)
        lines += [f"  - name: {name}", f"    url: ${{{name.upper()}}}"]
    targets.write_text("\n".join(lines) + "\n")

    common = ["-p", str(project), "--dev-db", dev]
    commands = {
        "one drift (clean)": [CLI, "drift", *common, "--db", server.db_url(names[0])],
        "one drift (drifted)": [CLI, "drift", *common, "--db", server.db_url(names[1])],
        f"fleet drift ({args.count} databases)": [CLI, "drift", *common, "--targets", str(targets),
                                                  "--parallel", str(args.parallel)],
    }
    times: dict[str, list[float]] = {k: [] for k in commands}
    for label, cmd in commands.items():  # warm the caches (desired state, no-change memo)
        sample = run_timed(cmd, env=env)
        if sample.rc not in (0, 2):
            print(f"{label}: exit {sample.rc}\n{sample.stderr}", file=sys.stderr)
            return 1
        if label.startswith("fleet"):
            print(sample.stdout.splitlines()[0])
    for _ in range(args.runs):
        for label, cmd in commands.items():
            times[label].append(run_timed(cmd, env=env).seconds)
    medians = {k: statistics.median(v) for k, v in times.items()}
    for label, m in medians.items():
        print(f"{label:32} {m:6.2f} s   (runs: {', '.join(f'{t:.2f}' for t in times[label])})")
    fleet = medians[f"fleet drift ({args.count} databases)"]
    print(f"fleet / one drift (clean): {fleet / medians['one drift (clean)']:.1f}x;"
          f" fleet / one drift (drifted): {fleet / medians['one drift (drifted)']:.1f}x")
    if args.migra:
        _migra(server, names, fleet)
    for name in ["fleet_base", *names] if not args.keep else ():
        server.drop_db(name)
    server.close()
    return 0


def _migra(server: BenchServer, names: list[str], fleet_seconds: float) -> None:
    """`migra --unsafe --schema public COPY fleet_base` for every copy in turn (exit 2: the
    copy differs), timed in all; printed beside the fleet's median."""
    err = ensure_peer_venv()
    if err:
        print(f"migra: {err}", file=sys.stderr)
        return
    migra = str(VENV / "bin" / "migra")
    base = server.db_url("fleet_base", driver="postgresql+psycopg2")
    start = time.perf_counter()
    differ = failed = 0
    for name in names:
        sample = run_timed([migra, "--unsafe", "--schema", "public",
                            server.db_url(name, driver="postgresql+psycopg2"), base])
        differ += sample.rc == 2
        if sample.rc not in (0, 2):
            failed += 1
            print(f"migra on {name}: exit {sample.rc}: {sample.stderr.strip()[-300:]}", file=sys.stderr)
    total = time.perf_counter() - start
    print(f"{len(names)} sequential migra runs       {total:6.2f} s   ({differ} differ, {failed} failed);"
          f" fleet drift {fleet_seconds:.2f} s: migra / fleet {total / fleet_seconds:.1f}x")


if __name__ == "__main__":
    sys.exit(main())
