"""`import` against `pg_dump --schema-only` on the same database (issue 16: within 2x).

    python bench/importer.py                  # 1,000 tables, 5 runs each
    python bench/importer.py --sizes 300,1000 --runs 3
    python bench/importer.py --out-root /dev/shm   # both write to a tmpfs

On the benchmark's own server (bench/.work/pg-18, see harness.BenchServer): a generated
project of N tables (bench/generate.py, seed 7) is applied to a database; then, alternately,
`roseram-schema import --db URL --out DIR` (a new folder each run: the files are written
every time) and the server's own `pg_dump --schema-only -f FILE`. Both are whole processes,
start-up included, as a user runs them. Prints the medians of each: wall seconds, the
process's own CPU seconds (user + sys), and the server's CPU seconds for it (its backends,
counted once they exit); the ratios import / pg_dump of wall and of all CPU; the load
average before and after.

The folders of earlier runs are moved aside and deleted only after the last timed run: on
a file system without a journal (this machine's ext4) a file created soon after files were
deleted nearby makes ext4 walk the inodes deleted in the last minutes (harness.drop_db says
more), so deleting the previous import's ~2,000 files right before the next one made its
every file creation pay for them; pg_dump writes one file and never paid it. Even so, creating
2,000 small files costs this machine's ext4 0.3-0.7 s of system time (0.03 s on a tmpfs):
`--out-root DIR` puts both commands' output on another file system, to measure the tools'
work apart from the disk's.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402
from harness import WORK, BenchServer, run_timed  # noqa: E402

CLI = str(Path(sys.executable).parent / "roseram-schema")


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _timed(server: BenchServer, cmd: list[str]) -> tuple[float, float, float | None, object]:
    """(wall, own CPU, server CPU or None, sample) of one run of `cmd`."""
    before = server.backend_cpu_seconds()
    sample = run_timed(cmd)
    after = None
    if before is not None:
        # the backend exits just after its client disconnects; wait for it to be reaped
        for _ in range(20):
            time.sleep(0.05)
            after = server.backend_cpu_seconds()
            if not server.admin.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                    "AND pid <> pg_backend_pid()").fetchone()[0]:
                break
        after = server.backend_cpu_seconds()
    return sample.seconds, sample.user_s + sample.sys_s, \
        (after - before if before is not None and after is not None else None), sample


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out-root", type=Path, default=None,
                    help="where both commands write their output (default: the bench's work folder)")
    args = ap.parse_args(argv)

    # as a regular install has it: an editable one where PYTHONDONTWRITEBYTECODE is set would
    # compile the package again in every timed run (~0.07 s), which pg_dump never pays
    compileall.compile_dir(str(HERE.parent / "roseram_schema"), quiet=1)
    server = BenchServer("18")
    pg_dump = str(Path(server.bin_dir) / "pg_dump")
    out = WORK / "importer"
    written = args.out_root / f"roseram-bench-importer-{os.getpid()}" if args.out_root else out
    trash = written / "trash"
    try:
        for n in (int(s) for s in args.sizes.split(",") if s.strip()):
            generate(n, 7, out / "projects", compile_cli=None)
            project = out / "projects" / f"n{n}" / "base"
            db = f"import_n{n}"
            server.create_db(db)
            url = server.db_url(db)
            applied = run_timed([CLI, "apply", "-p", str(project), "--db", url, "--dev-db", server.url, "--yes",
                                 "--allow-hazards", "opens_access,lint_errors"])
            if applied.rc != 0:
                print(applied.stderr, file=sys.stderr)
                return 1
            server.settle()
            written.mkdir(parents=True, exist_ok=True)
            print(f"n={n} output in {written}; load average before: {_load()}")
            times: dict[str, list[tuple]] = {"import": [], "pg_dump --schema-only": []}
            for run in range(args.runs + 1):  # the first run of each warms the server's caches
                folder = written / f"imported-{n}"
                if folder.exists():
                    trash.mkdir(parents=True, exist_ok=True)
                    folder.rename(trash / f"imported-{n}-{os.getpid()}-{run}")
                *imp, sample = _timed(server, [CLI, "import", "--db", url, "--out", str(folder),
                                               "--dev-db", server.url])
                if sample.rc != 0:
                    print(sample.stderr, file=sys.stderr)
                    return 1
                user_sys = (sample.user_s, sample.sys_s)
                *dump, sample = _timed(server, [pg_dump, "--schema-only", "-d", url, "-f",
                                                str(written / f"dump-{n}.sql")])
                if sample.rc != 0:
                    print(sample.stderr, file=sys.stderr)
                    return 1
                if run:
                    times["import"].append((*imp, *user_sys))
                    times["pg_dump --schema-only"].append((*dump, sample.user_s, sample.sys_s))
            medians = {}
            for label, rows in times.items():
                wall = statistics.median(r[0] for r in rows)
                own = statistics.median(r[1] for r in rows)
                servers = [r[2] for r in rows if r[2] is not None]
                srv = statistics.median(servers) if servers else None
                medians[label] = (wall, own, srv)
                print(f"n={n} {label:24} {wall:6.2f} s wall, own CPU {own:.2f} s "
                      f"(user {statistics.median(r[3] for r in rows):.2f}, sys {statistics.median(r[4] for r in rows):.2f})"
                      + (f", server CPU {srv:.2f} s" if srv is not None else "")
                      + f"   (wall runs: {', '.join(f'{r[0]:.2f}' for r in rows)})")
            imp_m, dump_m = medians["import"], medians["pg_dump --schema-only"]
            line = f"n={n} import / pg_dump: {imp_m[0] / dump_m[0]:.2f}x wall"
            if imp_m[2] is not None and dump_m[2] is not None:
                line += f", {(imp_m[1] + imp_m[2]) / (dump_m[1] + dump_m[2]):.2f}x CPU (own + server)"
            print(line)
            print(f"n={n} load average after: {_load()}")
            server.drop_db(db)
    finally:
        shutil.rmtree(trash if written == out else written, ignore_errors=True)
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
