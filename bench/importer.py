"""`import` against `pg_dump --schema-only` on the same database (issue 16: within 2x).

    python bench/importer.py                  # 1,000 tables, 5 runs each
    python bench/importer.py --sizes 300,1000 --runs 3

On the benchmark's own server (bench/.work/pg-18, see harness.BenchServer): a generated
project of N tables (bench/generate.py, seed 7) is applied to a database; then, alternately,
`roseram-schema import --db URL --out DIR --force` (a fresh folder each run: the files are
written every time) and the server's own `pg_dump --schema-only -f FILE`. Prints the medians
and the ratio import / pg_dump. Both are whole processes, start-up included, as a user runs them.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402
from harness import WORK, BenchServer, run_timed  # noqa: E402

CLI = str(Path(sys.executable).parent / "roseram-schema")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)

    server = BenchServer("18")
    pg_dump = str(Path(server.bin_dir) / "pg_dump")
    out = WORK / "importer"
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
            times: dict[str, list[float]] = {"import": [], "pg_dump --schema-only": []}
            for run in range(args.runs + 1):  # the first run of each warms the server's caches
                folder = out / f"imported-{n}"
                shutil.rmtree(folder, ignore_errors=True)
                sample = run_timed([CLI, "import", "--db", url, "--out", str(folder), "--dev-db", server.url])
                if sample.rc != 0:
                    print(sample.stderr, file=sys.stderr)
                    return 1
                dump = run_timed([pg_dump, "--schema-only", "-d", url, "-f", str(out / f"dump-{n}.sql")])
                if dump.rc != 0:
                    print(dump.stderr, file=sys.stderr)
                    return 1
                if run:
                    times["import"].append(sample.seconds)
                    times["pg_dump --schema-only"].append(dump.seconds)
            medians = {k: statistics.median(v) for k, v in times.items()}
            for label, m in medians.items():
                print(f"n={n} {label:24} {m:6.2f} s   (runs: {', '.join(f'{t:.2f}' for t in times[label])})")
            print(f"n={n} import / pg_dump: {medians['import'] / medians['pg_dump --schema-only']:.2f}x")
            server.drop_db(db)
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
